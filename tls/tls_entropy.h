/* SPDX-License-Identifier: ISC */
/* The TLS random generator: one CTR_DRBG seeded from every source we have, failing closed. */
#ifndef TLS_ENTROPY_H
#define TLS_ENTROPY_H

#include <stddef.h>

struct tls_keyslot;

/*
 * Seeds the generator from (a) the platform's hardware source when it has one, (b) timer jitter
 * (tls_jitter.h) and (c) the seed stored in key slot "seed" when ks is not NULL, then at once replaces
 * the stored seed with fresh generator output, before anything else draws from it. Logs one line on
 * success ("tls: entropy: ...") and one saying why on failure.
 *
 * Returns 0; -HEARTH_ENOTSUP when the platform has no hardware source and ks is NULL (no seed storage:
 * refuse rather than run on jitter alone); -HEARTH_EIO when the sources fail their health tests, or when
 * without a hardware source the fresh seed cannot be stored (a reused seed would repeat keys).
 */
int tls_entropy_start(struct tls_keyslot *ks);

/* Mbed TLS's f_rng over the seeded generator (p_rng is ignored: there is one). Returns 0 or an error. */
int tls_entropy_random(void *p_rng, unsigned char *out, size_t len);

#endif
