/* SPDX-License-Identifier: ISC */
/* PBKDF2-HMAC-SHA256 password records: derive, verify in constant time, encode, decode, calibrate. */
#include "auth_password.h"

#include <hearth/err.h>
#include <mbedtls/constant_time.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <string.h>

int auth_pbkdf2_sha256(const uint8_t *password, size_t password_len, const uint8_t *salt, size_t salt_len,
                       uint32_t iterations, uint8_t *out, size_t out_len)
{
    if (iterations == 0 || out_len == 0 || out_len > UINT32_MAX)
        return -HEARTH_EINVAL;
    int r = mbedtls_pkcs5_pbkdf2_hmac_ext(MBEDTLS_MD_SHA256, password, password_len, salt, salt_len,
                                          iterations, (uint32_t)out_len, out);
    return r == 0 ? 0 : -HEARTH_EIO;
}

int auth_pw_make(struct auth_pw *pw, const char *password, size_t password_len,
                 const uint8_t salt[AUTH_PW_SALT_LEN], uint32_t iterations)
{
    if (password_len < AUTH_PW_MIN_LEN || password_len > AUTH_PW_MAX_LEN || iterations == 0 ||
        iterations > AUTH_PW_MAX_ITERATIONS)
        return -HEARTH_EINVAL;
    pw->alg = AUTH_PW_ALG_PBKDF2_SHA256;
    pw->iterations = iterations;
    memcpy(pw->salt, salt, AUTH_PW_SALT_LEN);
    return auth_pbkdf2_sha256((const uint8_t *)password, password_len, pw->salt, AUTH_PW_SALT_LEN, iterations,
                              pw->hash, AUTH_PW_HASH_LEN);
}

int auth_pw_verify(const struct auth_pw *pw, const char *password, size_t password_len)
{
    uint8_t got[AUTH_PW_HASH_LEN];
    /*
     * A length outside the range cannot be the password; it is still hashed (truncated to the maximum)
     * so that the answer takes as long as a real check.
     */
    int in_range = password_len >= AUTH_PW_MIN_LEN && password_len <= AUTH_PW_MAX_LEN;
    size_t n = password_len <= AUTH_PW_MAX_LEN ? password_len : AUTH_PW_MAX_LEN;
    if (pw->alg != AUTH_PW_ALG_PBKDF2_SHA256 || pw->iterations == 0 ||
        pw->iterations > AUTH_PW_MAX_ITERATIONS)
        return -HEARTH_EIO;
    int rc = auth_pbkdf2_sha256((const uint8_t *)password, n, pw->salt, AUTH_PW_SALT_LEN, pw->iterations, got,
                                sizeof(got));
    if (rc < 0)
        return rc;
    int same = mbedtls_ct_memcmp(got, pw->hash, sizeof(got)) == 0;
    memset(got, 0, sizeof(got));
    return same && in_range ? 0 : -HEARTH_EPERM;
}

/* Nanoseconds one PBKDF2 run of n iterations takes now (UINT64_MAX if it failed). */
static uint64_t time_run(uint32_t n, uint64_t (*clock)(void))
{
    static const uint8_t probe_pw[] = "calibration-probe", probe_salt[AUTH_PW_SALT_LEN] = {0};
    uint8_t out[AUTH_PW_HASH_LEN];
    uint64_t t0 = clock();
    if (auth_pbkdf2_sha256(probe_pw, sizeof(probe_pw) - 1, probe_salt, sizeof(probe_salt), n, out,
                           sizeof(out)) < 0)
        return UINT64_MAX;
    return clock() - t0;
}

uint32_t auth_pw_calibrate(uint64_t target_ns, uint64_t (*clock)(void))
{
    uint32_t n = 1000;
    uint64_t took;
    /* Double the probe until it runs long enough for the clock's resolution not to matter... */
    while ((took = time_run(n, clock)) < target_ns / 8 && n < AUTH_PW_MAX_ITERATIONS / 8)
        n *= 2;
    /* ...then keep the fastest of three runs: other work on the machine only ever adds time. */
    for (int i = 0; i < 2; i++) {
        uint64_t again = time_run(n, clock);
        if (again < took)
            took = again;
    }
    if (took == UINT64_MAX)
        return AUTH_PW_MIN_ITERATIONS;
    uint64_t want = took ? (uint64_t)n * target_ns / took : AUTH_PW_MAX_ITERATIONS;
    if (want < AUTH_PW_MIN_ITERATIONS)
        want = AUTH_PW_MIN_ITERATIONS;
    if (want > AUTH_PW_MAX_ITERATIONS)
        want = AUTH_PW_MAX_ITERATIONS;
    return (uint32_t)want;
}
