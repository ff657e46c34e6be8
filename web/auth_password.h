/* SPDX-License-Identifier: ISC */
/* The owner's password at rest: PBKDF2-HMAC-SHA256 with a random salt, and its versioned stored form. */
#ifndef WEB_AUTH_PASSWORD_H
#define WEB_AUTH_PASSWORD_H

#include <stddef.h>
#include <stdint.h>

#define AUTH_PW_MIN_LEN 10  /* bytes of UTF-8; a passphrase of a few words is the intended shape */
#define AUTH_PW_MAX_LEN 128 /* bounds the work an attacker can ask of one check */
#define AUTH_PW_SALT_LEN 16
#define AUTH_PW_HASH_LEN 32
#define AUTH_PW_RECORD_LEN 56
#define AUTH_PW_RECORD_VERSION 1
#define AUTH_PW_ALG_PBKDF2_SHA256 1
/*
 * Iteration bounds. The count is calibrated on the device when the password is set (auth_pw_calibrate)
 * so that one check costs about AUTH_PW_TARGET_NS there; the floor keeps a slow or busy machine from
 * choosing a trivially cheap hash, the ceiling keeps a damaged record from stalling the hub for minutes.
 * Measured: see README.md ("Owner authentication").
 */
#define AUTH_PW_TARGET_NS (200 * 1000000ull)
#define AUTH_PW_MIN_ITERATIONS 4096u
#define AUTH_PW_MAX_ITERATIONS 5000000u

/* A stored password: which function, its cost, its salt and the derived key. */
struct auth_pw {
    uint8_t alg; /* AUTH_PW_ALG_PBKDF2_SHA256 */
    uint32_t iterations;
    uint8_t salt[AUTH_PW_SALT_LEN];
    uint8_t hash[AUTH_PW_HASH_LEN];
};

/*
 * PBKDF2 (RFC 8018) with HMAC-SHA256: out_len bytes derived from password and salt with the given
 * iteration count (at least 1) into out. Returns 0, -HEARTH_EINVAL (iterations 0, out_len 0) or
 * -HEARTH_EIO (Mbed TLS failed).
 */
int auth_pbkdf2_sha256(const uint8_t *password, size_t password_len, const uint8_t *salt, size_t salt_len,
                       uint32_t iterations, uint8_t *out, size_t out_len);

/*
 * Fills *pw for password (password_len bytes, AUTH_PW_MIN_LEN..AUTH_PW_MAX_LEN) with salt and iterations
 * (AUTH_PW_MIN_ITERATIONS..AUTH_PW_MAX_ITERATIONS, or lower only for tests: at least 1).
 * Returns 0, -HEARTH_EINVAL (length or iterations out of range) or -HEARTH_EIO.
 */
int auth_pw_make(struct auth_pw *pw, const char *password, size_t password_len,
                 const uint8_t salt[AUTH_PW_SALT_LEN], uint32_t iterations);

/*
 * Checks password against *pw in constant time (for a given length and cost). Returns 0 on a match,
 * -HEARTH_EPERM on a mismatch (including lengths outside the allowed range), -HEARTH_EIO.
 */
int auth_pw_verify(const struct auth_pw *pw, const char *password, size_t password_len);

/*
 * The stored form, AUTH_PW_RECORD_LEN bytes, little-endian:
 *   0 u8 version (1)  1 u8 algorithm (1 = PBKDF2-HMAC-SHA256)  2 u16 hash length (32)  4 u32 iterations
 *   8 salt[16]  24 hash[32]
 */
void auth_pw_encode(const struct auth_pw *pw, uint8_t out[AUTH_PW_RECORD_LEN]);

/*
 * Parses a stored record of len bytes. Returns 0, or -HEARTH_EINVAL for a wrong length, an unknown
 * version or algorithm, another hash length, or iterations outside 1..AUTH_PW_MAX_ITERATIONS.
 */
int auth_pw_decode(const uint8_t *buf, size_t len, struct auth_pw *pw);

/*
 * The iteration count that makes one check take about target_ns on this machine, timed with clock
 * (monotonic nanoseconds), clamped to AUTH_PW_MIN_ITERATIONS..AUTH_PW_MAX_ITERATIONS. Runs PBKDF2 for
 * about half of target_ns in all (the fastest of three timed runs counts), blocking the caller.
 */
uint32_t auth_pw_calibrate(uint64_t target_ns, uint64_t (*clock)(void));

#endif
