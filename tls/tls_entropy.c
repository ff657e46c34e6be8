/* SPDX-License-Identifier: ISC */
/* Entropy sources, seed persistence and the one CTR_DRBG that Mbed TLS and PSA both draw from. */
#include "tls_entropy.h"

#include "log.h"
#include "tls_jitter.h"
#include "tls_keyslot.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/platform_util.h>
#include <psa/crypto.h>
#include <string.h>

#define SEED_BYTES 64u

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static int seeded;
static int jitter_is_strong;
static int jitter_failed_logged;

static int platform_source(void *arg, unsigned char *out, size_t len, size_t *olen)
{
    (void)arg;
    if (hearth_plat_entropy(out, len) < 0)
        return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
    *olen = len;
    return 0;
}

static uint64_t monotonic_clock(void *arg)
{
    (void)arg;
    return hearth_plat_monotonic_ns();
}

/*
 * Jitter is the strong source only when the platform has no hardware one; then a failed health test
 * fails the whole gather (and so TLS). Next to a hardware source it is a bonus, skipped when unhealthy.
 */
static int jitter_source(void *arg, unsigned char *out, size_t len, size_t *olen)
{
    uint8_t block[TLS_JITTER_BLOCK_BYTES];
    (void)arg;
    *olen = 0;
    if (tls_jitter_block(monotonic_clock, NULL, block) < 0) {
        if (!jitter_failed_logged)
            log_line("tls: entropy: timer jitter failed its health test (stuck or too coarse counter)");
        jitter_failed_logged = 1;
        return jitter_is_strong ? MBEDTLS_ERR_ENTROPY_SOURCE_FAILED : 0;
    }
    *olen = len < sizeof(block) ? len : sizeof(block);
    memcpy(out, block, *olen);
    mbedtls_platform_zeroize(block, sizeof(block));
    return 0;
}

/* Reads the stored seed into the pool. Returns 1 when one was mixed in, 0 when there was none. */
static int mix_stored_seed(struct tls_keyslot *ks)
{
    uint8_t seed[SEED_BYTES];
    size_t len = 0;
    int rc = tls_keyslot_read(ks, TLS_KEYSLOT_SEED, seed, sizeof(seed), &len);
    int used = 0;
    if (rc == 0 && len == SEED_BYTES) {
        used = mbedtls_entropy_update_manual(&entropy, seed, len) == 0;
    } else if (rc == -HEARTH_ENODATA) {
        log_line("tls: entropy: no stored seed yet (first boot)");
    } else {
        log_line("tls: entropy: stored seed unusable (%s); continuing without it",
                 rc < 0 ? hearth_strerror(rc) : "wrong length");
    }
    mbedtls_platform_zeroize(seed, sizeof(seed));
    return used;
}

/* Writes fresh generator output as the next boot's seed, so no seed is ever used twice. */
static int replace_stored_seed(struct tls_keyslot *ks)
{
    uint8_t seed[SEED_BYTES];
    int rc = mbedtls_ctr_drbg_random(&drbg, seed, sizeof(seed)) == 0 ? 0 : -HEARTH_EIO;
    if (rc == 0)
        rc = tls_keyslot_write(ks, TLS_KEYSLOT_SEED, seed, sizeof(seed));
    mbedtls_platform_zeroize(seed, sizeof(seed));
    return rc;
}

int tls_entropy_start(struct tls_keyslot *ks)
{
    static const char personalization[] = "Hearth TLS CTR_DRBG v1";
    uint8_t probe[16];
    int rc = 0, from_seed = 0;

    if (seeded)
        return 0;
    int have_hw = hearth_plat_entropy(probe, sizeof(probe)) == 0;
    mbedtls_platform_zeroize(probe, sizeof(probe));
    if (!have_hw && !ks) {
        log_line("tls: entropy: no hardware RNG and no seed storage: refusing to start TLS");
        return -HEARTH_ENOTSUP;
    }

    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    jitter_is_strong = !have_hw;
    if (have_hw &&
        mbedtls_entropy_add_source(&entropy, platform_source, NULL, 32, MBEDTLS_ENTROPY_SOURCE_STRONG) != 0)
        rc = -HEARTH_EIO;
    if (rc == 0 && mbedtls_entropy_add_source(&entropy, jitter_source, NULL, have_hw ? 0 : 32,
                                              have_hw ? MBEDTLS_ENTROPY_SOURCE_WEAK
                                                      : MBEDTLS_ENTROPY_SOURCE_STRONG) != 0)
        rc = -HEARTH_EIO;
    if (rc == 0 && ks)
        from_seed = mix_stored_seed(ks);
    if (rc == 0 &&
        mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, (const unsigned char *)personalization,
                              sizeof(personalization)) != 0) {
        log_line("tls: entropy: gathering failed (a source failed its health test): refusing to start TLS");
        rc = -HEARTH_EIO;
    }
    if (rc == 0 && ks && (rc = replace_stored_seed(ks)) < 0) {
        if (have_hw) {
            log_line("tls: entropy: could not store the next seed (%s); the hardware source suffices",
                     hearth_strerror(rc));
            rc = 0;
        } else {
            log_line("tls: entropy: could not store the next seed (%s): refusing to start TLS",
                     hearth_strerror(rc));
            rc = -HEARTH_EIO;
        }
    }
    if (rc < 0) {
        mbedtls_ctr_drbg_free(&drbg);
        mbedtls_entropy_free(&entropy);
        return rc;
    }
    seeded = 1;
    log_line("tls: entropy: seeded from %s%s%s", have_hw ? "the platform's hardware source, " : "",
             "timer jitter", from_seed ? " and the stored seed (replaced)" : "");
    return 0;
}

int tls_entropy_random(void *p_rng, unsigned char *out, size_t len)
{
    (void)p_rng;
    if (!seeded)
        return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
    /* CTR_DRBG caps one request; split larger ones. */
    while (len > 0) {
        size_t n = len < MBEDTLS_CTR_DRBG_MAX_REQUEST ? len : MBEDTLS_CTR_DRBG_MAX_REQUEST;
        int rc = mbedtls_ctr_drbg_random(&drbg, out, n);
        if (rc != 0)
            return rc;
        out += n;
        len -= n;
    }
    return 0;
}

/* PSA (MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG) draws from the same generator: TLS 1.3's ECDHE keys come here. */
psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context, uint8_t *output,
                                             size_t output_size, size_t *output_length)
{
    (void)context;
    *output_length = 0;
    if (tls_entropy_random(NULL, output, output_size) != 0)
        return PSA_ERROR_INSUFFICIENT_ENTROPY;
    *output_length = output_size;
    return PSA_SUCCESS;
}
