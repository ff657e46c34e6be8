/* SPDX-License-Identifier: ISC */
/* Password-guess throttling: exponential back-off per client address and a global budget of hash checks. */
#ifndef WEB_AUTH_THROTTLE_H
#define WEB_AUTH_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Per client: the first AUTH_THROTTLE_FREE failures in a row cost nothing (typos); after failure number
 * FREE + k (k >= 1) the client must wait 2^(k-1) seconds, up to AUTH_THROTTLE_MAX_WAIT_S. A success clears
 * the client's count; a client quiet for AUTH_THROTTLE_FORGET_NS after its last failure starts afresh.
 * Nobody is ever made to wait inside the server: a client that comes early gets 429 with Retry-After.
 */
#define AUTH_THROTTLE_FREE 4
#define AUTH_THROTTLE_MAX_WAIT_S 900
#define AUTH_THROTTLE_FORGET_NS (24 * 3600 * 1000000000ull)
#define AUTH_THROTTLE_CLIENTS 32
/*
 * Globally, at most AUTH_THROTTLE_BURST checks at once and one more per AUTH_THROTTLE_REFILL_NS: each
 * check is a deliberately slow hash that holds the event loop (~0.2 s), so many clients together must
 * not be able to keep the hub busy hashing.
 */
#define AUTH_THROTTLE_BURST 10
#define AUTH_THROTTLE_REFILL_NS 1000000000ull

struct auth_throttle_client {
    uint8_t key[8];  /* an IPv4 address, or the /64 prefix of an IPv6 one */
    uint8_t key_len; /* 0: unused */
    uint32_t failures;
    uint64_t last_fail_ns, until_ns;
};

struct auth_throttle {
    struct auth_throttle_client client[AUTH_THROTTLE_CLIENTS];
    unsigned tokens;      /* checks the global budget allows right now */
    uint64_t refilled_ns; /* when tokens was last brought up to date */
    int started;
};

void auth_throttle_reset(struct auth_throttle *t);

/* The wait in seconds after this many failures in a row (0: none). */
uint32_t auth_throttle_wait_after(uint32_t failures);

/*
 * Asks to check one guess from the client at addr (addr_len 4 or 16; 0 bytes: an unknown address, all
 * of which share one entry) at now_ns. Returns 0 when the check may run (it takes one unit of the global
 * budget), or the seconds to wait (at least 1) for the client's back-off or the global budget.
 */
uint32_t auth_throttle_begin(struct auth_throttle *t, const uint8_t *addr, size_t addr_len, uint64_t now_ns);

/* Records a wrong guess; returns the client's failures in a row. */
uint32_t auth_throttle_failed(struct auth_throttle *t, const uint8_t *addr, size_t addr_len, uint64_t now_ns);

/* Records a right guess: the client's count is cleared. */
void auth_throttle_succeeded(struct auth_throttle *t, const uint8_t *addr, size_t addr_len, uint64_t now_ns);

#endif
