/* SPDX-License-Identifier: ISC */
/* Timer-jitter entropy: time short busy loops, health-test the samples, condition them with SHA-256. */
#ifndef TLS_JITTER_H
#define TLS_JITTER_H

#include <stddef.h>
#include <stdint.h>

#define TLS_JITTER_BLOCK_BYTES 32u
/*
 * The estimate: at most 1/8 bit of min-entropy per sample, so a 32-byte block (256 bits) is made from
 * 2048 samples. Only the low 8 bits of each timing difference are trusted for the health tests; the
 * whole difference is hashed (extra bits cannot hurt a hash).
 */
#define TLS_JITTER_SAMPLES_PER_BLOCK 2048u

/* The counter to sample; tests inject a fake one. */
typedef uint64_t (*tls_jitter_clock_fn)(void *arg);

/*
 * Produces TLS_JITTER_BLOCK_BYTES conditioned bytes from timing samples of clock into out.
 * Returns 0, or -HEARTH_EIO when a health test rejects the samples (SP 800-90B repetition count and
 * adaptive proportion tests, plus a stuck-counter test: more than 1/4 of the differences zero). On
 * failure out is zeroed and must not be used: the caller fails closed.
 */
int tls_jitter_block(tls_jitter_clock_fn clock, void *arg, uint8_t out[TLS_JITTER_BLOCK_BYTES]);

#endif
