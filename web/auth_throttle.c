/* SPDX-License-Identifier: ISC */
/* Login throttling: a small table of clients with failure counts and lock times, and a token bucket. */
#include "auth_throttle.h"

#include <string.h>

void auth_throttle_reset(struct auth_throttle *t)
{
    memset(t, 0, sizeof(*t));
}

uint32_t auth_throttle_wait_after(uint32_t failures)
{
    if (failures <= AUTH_THROTTLE_FREE)
        return 0;
    uint32_t k = failures - AUTH_THROTTLE_FREE - 1;
    return k >= 10 ? AUTH_THROTTLE_MAX_WAIT_S
                   : ((1u << k) < AUTH_THROTTLE_MAX_WAIT_S ? (1u << k) : AUTH_THROTTLE_MAX_WAIT_S);
}

/* The table key: IPv6 clients usually own a whole /64, so the prefix is what identifies one. */
static size_t make_key(const uint8_t *addr, size_t addr_len, uint8_t key[8])
{
    size_t n = addr_len == 4 ? 4 : addr_len == 16 ? 8 : 0;
    memset(key, 0, 8);
    if (n)
        memcpy(key, addr, n);
    return n;
}

/*
 * The client's entry. With create set, a new one is made, replacing a forgotten entry or else the one
 * whose last failure is oldest (an attacker needs more than AUTH_THROTTLE_CLIENTS addresses to push
 * itself out, and the global budget still holds then).
 */
static struct auth_throttle_client *find(struct auth_throttle *t, const uint8_t *addr, size_t addr_len,
                                         uint64_t now_ns, int create)
{
    uint8_t key[8];
    size_t n = make_key(addr, addr_len, key);
    uint8_t stored_len = (uint8_t)(n ? n : 0xff); /* 0xff: the shared entry of unknown addresses */
    struct auth_throttle_client *victim = NULL;
    for (unsigned i = 0; i < AUTH_THROTTLE_CLIENTS; i++) {
        struct auth_throttle_client *c = &t->client[i];
        if (c->key_len && now_ns - c->last_fail_ns >= AUTH_THROTTLE_FORGET_NS && now_ns >= c->until_ns)
            memset(c, 0, sizeof(*c));
        if (c->key_len == stored_len && memcmp(c->key, key, 8) == 0)
            return c;
        if (!victim || (victim->key_len && (!c->key_len || c->last_fail_ns < victim->last_fail_ns)))
            victim = c;
    }
    if (!create)
        return NULL;
    memset(victim, 0, sizeof(*victim));
    victim->key_len = stored_len;
    memcpy(victim->key, key, 8);
    return victim;
}

uint32_t auth_throttle_begin(struct auth_throttle *t, const uint8_t *addr, size_t addr_len, uint64_t now_ns)
{
    struct auth_throttle_client *c = find(t, addr, addr_len, now_ns, 0);
    if (c && now_ns < c->until_ns)
        return (uint32_t)((c->until_ns - now_ns + 999999999u) / 1000000000u);
    /* The global token bucket: refilled by whole periods, starting full. */
    if (!t->started) {
        t->tokens = AUTH_THROTTLE_BURST;
        t->refilled_ns = now_ns;
        t->started = 1;
    } else if (now_ns - t->refilled_ns >= AUTH_THROTTLE_REFILL_NS) {
        uint64_t periods = (now_ns - t->refilled_ns) / AUTH_THROTTLE_REFILL_NS;
        t->refilled_ns += periods * AUTH_THROTTLE_REFILL_NS;
        t->tokens =
            periods >= AUTH_THROTTLE_BURST - t->tokens ? AUTH_THROTTLE_BURST : t->tokens + (unsigned)periods;
    }
    if (t->tokens == 0)
        return (uint32_t)((t->refilled_ns + AUTH_THROTTLE_REFILL_NS - now_ns + 999999999u) / 1000000000u);
    t->tokens--;
    return 0;
}

uint32_t auth_throttle_failed(struct auth_throttle *t, const uint8_t *addr, size_t addr_len, uint64_t now_ns)
{
    struct auth_throttle_client *c = find(t, addr, addr_len, now_ns, 1);
    if (c->failures < UINT32_MAX)
        c->failures++;
    c->last_fail_ns = now_ns;
    c->until_ns = now_ns + (uint64_t)auth_throttle_wait_after(c->failures) * 1000000000u;
    return c->failures;
}

void auth_throttle_succeeded(struct auth_throttle *t, const uint8_t *addr, size_t addr_len, uint64_t now_ns)
{
    struct auth_throttle_client *c = find(t, addr, addr_len, now_ns, 0);
    if (c)
        memset(c, 0, sizeof(*c));
}
