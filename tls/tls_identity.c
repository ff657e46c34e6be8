/* SPDX-License-Identifier: ISC */
/* Device identity: load or make the long-term key, then keep a fresh certificate for it in the key slots. */
#include "tls_identity.h"

#include "log.h"
#include "tls_entropy.h"
#include "tls_format.h"
#include "tls_identity_priv.h"
#include "tls_keyslot.h"

#include <hearth/err.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pem.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DER_MAX 2048u

static int crt_time(const mbedtls_x509_time *t, int64_t *out)
{
    return tls_format_unix_time(t->year, t->mon, t->day, t->hour, t->min, t->sec, out);
}

/* Makes the current certificate's derived fields (validity, fingerprint) match it. */
static int describe(struct tls_identity *id)
{
    mbedtls_x509_crt *crt = tls_identity_crt(id);
    uint8_t hash[32];
    if (crt_time(&crt->valid_from, &id->not_before) < 0 || crt_time(&crt->valid_to, &id->not_after) < 0 ||
        mbedtls_sha256(crt->raw.p, crt->raw.len, hash, 0) != 0)
        return -HEARTH_EBADMSG;
    tls_format_fingerprint(hash, sizeof(hash), id->fingerprint, sizeof(id->fingerprint));
    return 0;
}

/* The SPKI pin and key identifier: both depend on the key only. */
static int describe_key(struct tls_identity *id)
{
    uint8_t der[160], hash[32];
    int n = mbedtls_pk_write_pubkey_der(&id->key, der, sizeof(der));
    if (n <= 0 || mbedtls_sha256(der + sizeof(der) - n, (size_t)n, hash, 0) != 0 ||
        tls_crl_key_id(&id->key, id->key_id) < 0)
        return -HEARTH_EIO;
    tls_format_fingerprint(hash, sizeof(hash), id->spki_pin, sizeof(id->spki_pin));
    return 0;
}

/* Loads the stored key, or makes and stores a new one. */
static int load_key(struct tls_identity *id, struct tls_keyslot *ks, uint8_t *der)
{
    size_t len = 0;
    int rc = ks ? tls_keyslot_read(ks, TLS_KEYSLOT_KEY, der, DER_MAX, &len) : -HEARTH_ENODATA;
    if (rc == 0 && mbedtls_pk_parse_key(&id->key, der, len, NULL, 0, tls_entropy_random, NULL) == 0 &&
        mbedtls_pk_can_do(&id->key, MBEDTLS_PK_ECKEY))
        return 0;
    if (rc != -HEARTH_ENODATA)
        log_line("tls: WARNING: stored device key is corrupt; generating a new identity");
    log_line("tls: creating the device identity (ECDSA P-256, self-signed for %s%s%s)", TLS_IDENTITY_CN,
             id->ipv4[0] ? " and " : "", id->ipv4);
    mbedtls_pk_free(&id->key);
    mbedtls_pk_init(&id->key);
    if (mbedtls_pk_setup(&id->key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
        mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(id->key), tls_entropy_random, NULL) != 0)
        return -HEARTH_EIO;
    int n = mbedtls_pk_write_key_der(&id->key, der, DER_MAX);
    if (n <= 0)
        return -HEARTH_EIO;
    if (!ks) {
        log_line("tls: no key storage: this identity lasts for this boot only");
        return 0;
    }
    /* The key first: a stored certificate for another key is detected (check_pair) and re-issued. */
    if ((rc = tls_keyslot_write(ks, TLS_KEYSLOT_KEY, der + DER_MAX - n, (size_t)n)) < 0) {
        log_line("tls: could not store the device key (%s)", hearth_strerror(rc));
        return -HEARTH_EIO;
    }
    return 0;
}

/* Loads the stored certificate into certs[cur] when it parses and belongs to the key. */
static int load_cert(struct tls_identity *id, struct tls_keyslot *ks, uint8_t *der)
{
    size_t len = 0;
    mbedtls_x509_crt *crt = tls_identity_crt(id);
    int rc = ks ? tls_keyslot_read(ks, TLS_KEYSLOT_CERT, der, DER_MAX, &len) : -HEARTH_ENODATA;
    if (rc == -HEARTH_ENODATA)
        return rc;
    if (rc == 0 && mbedtls_x509_crt_parse_der(crt, der, len) == 0 &&
        mbedtls_pk_check_pair(&crt->pk, &id->key, tls_entropy_random, NULL) == 0 && describe(id) == 0)
        return 0;
    log_line("tls: WARNING: stored device certificate is corrupt or for another key; issuing a new one");
    mbedtls_x509_crt_free(crt);
    mbedtls_x509_crt_init(crt);
    return -HEARTH_EBADMSG;
}

/* Issues a certificate into the spare buffer, makes it current and stores it. */
static int reissue(struct tls_identity *id, struct tls_keyslot *ks, int64_t now, uint8_t *der,
                   const char *why)
{
    size_t len = 0;
    unsigned next = id->cur ^ 1u;
    int rc = tls_identity_issue(id, now, der, DER_MAX, &len);
    if (rc < 0) {
        log_line("tls: could not issue the device certificate (%s)", hearth_strerror(rc));
        return rc;
    }
    mbedtls_x509_crt_free(&id->certs[next]);
    mbedtls_x509_crt_init(&id->certs[next]);
    if (mbedtls_x509_crt_parse_der(&id->certs[next], der, len) != 0)
        return -HEARTH_EIO;
    id->cur = next;
    if (describe(id) < 0)
        return -HEARTH_EIO;
    char from[15], to[15];
    tls_format_x509_time(id->not_before, from);
    tls_format_x509_time(id->not_after, to);
    log_line("tls: issued the device certificate (%s), valid %.8sT%.6sZ to %.8sT%.6sZ", why, from, from + 8,
             to, to + 8);
    if (ks && (rc = tls_keyslot_write(ks, TLS_KEYSLOT_CERT, der, len)) < 0)
        log_line("tls: WARNING: could not store the device certificate (%s); using it for this boot",
                 hearth_strerror(rc));
    return 0;
}

int tls_identity_load(struct tls_identity *id, struct tls_keyslot *ks, const char *ipv4, int64_t now)
{
    uint8_t *der = malloc(DER_MAX);
    int rc = -HEARTH_ENOMEM;

    memset(id, 0, sizeof(*id));
    mbedtls_pk_init(&id->key);
    mbedtls_x509_crt_init(&id->certs[0]);
    mbedtls_x509_crt_init(&id->certs[1]);
    if (ipv4 && strlen(ipv4) < sizeof(id->ipv4))
        snprintf(id->ipv4, sizeof(id->ipv4), "%s", ipv4);
    if (!der)
        goto out;
    if ((rc = load_key(id, ks, der)) < 0 || (rc = describe_key(id)) < 0) {
        log_line("tls: could not create the device identity");
        goto out;
    }
    log_line("tls: device key SHA-256 SPKI pin %s", id->spki_pin);
    if (load_cert(id, ks, der) < 0) {
        rc = reissue(id, ks, now, der, "none stored for this key");
    } else {
        char from[15], to[15];
        tls_format_x509_time(id->not_before, from);
        tls_format_x509_time(id->not_after, to);
        log_line("tls: loaded the device certificate valid %.8sT%.6sZ to %.8sT%.6sZ", from, from + 8, to,
                 to + 8);
        rc = 0;
    }
out:
    if (der)
        mbedtls_platform_zeroize(der, DER_MAX);
    free(der);
    if (rc < 0)
        tls_identity_free(id);
    return rc < 0 ? rc : 0;
}

int tls_identity_refresh(struct tls_identity *id, struct tls_keyslot *ks, int64_t now)
{
    if (!tls_format_needs_renewal(now, id->not_before, id->not_after,
                                  (int64_t)TLS_IDENTITY_RENEW_DAYS * 86400))
        return 0;
    uint8_t *der = malloc(DER_MAX);
    if (!der)
        return -HEARTH_ENOMEM;
    int rc = reissue(id, ks, now, der, now < id->not_before ? "the stored one is not valid yet" : "renewal");
    free(der);
    return rc < 0 ? rc : 1;
}

int tls_identity_pem(struct tls_identity *id, char *buf, size_t cap)
{
    size_t olen = 0;
    const mbedtls_x509_crt *crt = tls_identity_crt(id);
    if (mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n", crt->raw.p,
                                 crt->raw.len, (unsigned char *)buf, cap, &olen) != 0)
        return -HEARTH_ERANGE;
    return (int)(olen ? olen - 1 : 0); /* olen counts the terminating NUL */
}

void tls_identity_free(struct tls_identity *id)
{
    mbedtls_pk_free(&id->key);
    mbedtls_x509_crt_free(&id->certs[0]);
    mbedtls_x509_crt_free(&id->certs[1]);
}
