/* SPDX-License-Identifier: ISC */
/* Unit tests for timer-jitter entropy: a stuck or constant counter fails closed; real timing passes. */
#include "check.h"
#include "tls_jitter.h"

#include <hearth/err.h>
#include <string.h>
#include <time.h>

struct fake_clock {
    uint64_t now, step;
    uint64_t state; /* xorshift for the noisy clock */
    unsigned calls;
};

/* Never moves: a counter that is stuck or not running. */
static uint64_t stuck_clock(void *arg)
{
    struct fake_clock *c = arg;
    c->calls++;
    return c->now;
}

/* Moves by the same amount every read: a counter that is too coarse or too regular to carry entropy. */
static uint64_t constant_clock(void *arg)
{
    struct fake_clock *c = arg;
    c->calls++;
    return c->now += c->step;
}

/* Moves by a noisy amount: what the health tests must let through. */
static uint64_t noisy_clock(void *arg)
{
    struct fake_clock *c = arg;
    c->state ^= c->state << 13;
    c->state ^= c->state >> 7;
    c->state ^= c->state << 17;
    return c->now += 100 + (c->state & 0xff);
}

/* The host's monotonic clock. */
static uint64_t host_clock(void *arg)
{
    struct timespec ts;
    (void)arg;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

int main(void)
{
    uint8_t out[TLS_JITTER_BLOCK_BYTES], out2[TLS_JITTER_BLOCK_BYTES];
    struct fake_clock c = {.now = 1000};

    memset(out, 0xaa, sizeof(out));
    CHECK_INT(tls_jitter_block(stuck_clock, &c, out), -HEARTH_EIO);
    CHECK(all_zero(out, sizeof(out))); /* nothing usable leaks out of a failed block */
    CHECK(c.calls == 2 * TLS_JITTER_SAMPLES_PER_BLOCK);

    c = (struct fake_clock){.now = 5, .step = 16};
    memset(out, 0xaa, sizeof(out));
    CHECK_INT(tls_jitter_block(constant_clock, &c, out), -HEARTH_EIO);
    CHECK(all_zero(out, sizeof(out)));

    c = (struct fake_clock){.now = 5, .step = 1};
    CHECK_INT(tls_jitter_block(constant_clock, &c, out), -HEARTH_EIO);

    c = (struct fake_clock){.now = 7, .state = 0x9e3779b97f4a7c15ull};
    CHECK_INT(tls_jitter_block(noisy_clock, &c, out), 0);
    CHECK_INT(tls_jitter_block(noisy_clock, &c, out2), 0);
    CHECK(memcmp(out, out2, sizeof(out)) != 0);

    /* The host's own clock_gettime: real timing noise passes (this is the hosted board's source). */
    CHECK_INT(tls_jitter_block(host_clock, NULL, out), 0);
    CHECK(!all_zero(out, sizeof(out)));
    return check_summary("test_tls_jitter");
}
