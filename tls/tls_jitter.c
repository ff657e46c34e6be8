/* SPDX-License-Identifier: ISC */
/* Timer-jitter entropy with SP 800-90B-style health tests; see tls_jitter.h for the estimate. */
#include "tls_jitter.h"

#include <hearth/err.h>
#include <mbedtls/sha256.h>
#include <string.h>

/*
 * Health-test cutoffs for the claimed H = 1/8 bit per sample and a false-alarm rate of 2^-20
 * (SP 800-90B 4.4): repetition count C = 1 + ceil(20 / H); adaptive proportion over a 512-sample
 * window, C = the binomial(511, 2^-H) critical value. A stuck or constant counter fails both at once.
 */
#define RCT_CUTOFF 161u
#define APT_WINDOW 512u
#define APT_CUTOFF 496u

struct health {
    uint8_t last;
    unsigned run;
    uint8_t apt_first;
    unsigned apt_count, apt_seen;
    unsigned zeros;
    int failed;
};

static void health_feed(struct health *h, uint64_t delta)
{
    uint8_t sym = (uint8_t)delta;
    if (delta == 0)
        h->zeros++;
    h->run = (sym == h->last) ? h->run + 1 : 1;
    h->last = sym;
    if (h->run >= RCT_CUTOFF)
        h->failed = 1;
    if (h->apt_seen == 0) {
        h->apt_first = sym;
        h->apt_count = 0;
    } else if (sym == h->apt_first && ++h->apt_count >= APT_CUTOFF) {
        h->failed = 1;
    }
    if (++h->apt_seen == APT_WINDOW)
        h->apt_seen = 0;
}

/* A busy loop whose length depends on the previous sample, so timing noise feeds back into the work. */
static void spin(unsigned n)
{
    volatile unsigned sink = 0;
    for (unsigned i = 0; i < n; i++)
        sink += i;
    (void)sink;
}

int tls_jitter_block(tls_jitter_clock_fn clock, void *arg, uint8_t out[TLS_JITTER_BLOCK_BYTES])
{
    mbedtls_sha256_context sha;
    struct health h = {.last = 0, .run = 0};
    uint64_t delta = 0;
    int rc = 0;

    mbedtls_sha256_init(&sha);
    if (mbedtls_sha256_starts(&sha, 0) != 0) {
        rc = -HEARTH_EIO;
        goto out;
    }
    for (unsigned i = 0; i < TLS_JITTER_SAMPLES_PER_BLOCK; i++) {
        uint64_t t0 = clock(arg);
        spin(16u + (unsigned)(delta & 31u));
        uint64_t t1 = clock(arg);
        delta = t1 - t0;
        health_feed(&h, delta);
        uint8_t le[8];
        for (int k = 0; k < 8; k++)
            le[k] = (uint8_t)(delta >> (8 * k));
        if (mbedtls_sha256_update(&sha, le, sizeof(le)) != 0) {
            rc = -HEARTH_EIO;
            goto out;
        }
    }
    if (h.failed || h.zeros > TLS_JITTER_SAMPLES_PER_BLOCK / 4u) {
        rc = -HEARTH_EIO;
        goto out;
    }
    if (mbedtls_sha256_finish(&sha, out) != 0)
        rc = -HEARTH_EIO;
out:
    if (rc < 0)
        memset(out, 0, TLS_JITTER_BLOCK_BYTES);
    mbedtls_sha256_free(&sha);
    return rc;
}
