/* SPDX-License-Identifier: ISC */
/* Device identity: load the stored key and certificate, or make a self-signed pair on first boot. */
#include "tls_identity.h"

#include "log.h"
#include "tls_entropy.h"
#include "tls_format.h"
#include "tls_keyslot.h"
#include "tls_time.h"

#include <hearth/err.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <stdlib.h>
#include <string.h>

#define DER_MAX 2048u
#define VALIDITY_DAYS 3652 /* 10 years, leap days included */
/* When the clock is unknown: a fixed, plausible notBefore that no real certificate date precedes. */
#define FALLBACK_NOT_BEFORE 1704067200 /* 2024-01-01T00:00:00Z */

static int make_validity(char not_before[15], char not_after[15])
{
    int64_t now;
    if (tls_time_wall(&now) < 0)
        now = FALLBACK_NOT_BEFORE;
    now -= now % 86400; /* midnight: a clock a few hours fast on a client still accepts it */
    if (tls_format_x509_time(now, not_before) < 0 ||
        tls_format_x509_time(now + (int64_t)VALIDITY_DAYS * 86400, not_after) < 0)
        return -HEARTH_ERANGE;
    return 0;
}

/* Makes a fresh key and a certificate for it; their DER forms go to key_der and crt_der (DER_MAX each). */
static int create(mbedtls_pk_context *key, const char *ipv4, uint8_t *key_der, size_t *key_len,
                  uint8_t *crt_der, size_t *crt_len)
{
    mbedtls_x509write_cert w;
    char not_before[15], not_after[15];
    uint8_t serial[16], ip[4];
    int rc = -HEARTH_EIO, n;

    mbedtls_x509write_crt_init(&w);
    mbedtls_pk_free(key);
    mbedtls_pk_init(key);
    if (mbedtls_pk_setup(key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
        mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*key), tls_entropy_random, NULL) != 0)
        goto out;
    if ((n = mbedtls_pk_write_key_der(key, key_der, DER_MAX)) <= 0)
        goto out;
    memmove(key_der, key_der + DER_MAX - (size_t)n, (size_t)n); /* Mbed TLS writes DER at the end */
    *key_len = (size_t)n;

    /* A random positive serial (RFC 5280: at most 20 bytes, first bit clear, not zero). */
    if (tls_entropy_random(NULL, serial, sizeof(serial)) != 0 || make_validity(not_before, not_after) < 0)
        goto out;
    serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x01);

    mbedtls_x509_san_list san_ip = {.node = {.type = MBEDTLS_X509_SAN_IP_ADDRESS}};
    mbedtls_x509_san_list san_dns = {.node = {.type = MBEDTLS_X509_SAN_DNS_NAME}};
    san_dns.node.san.unstructured_name.p = (unsigned char *)TLS_IDENTITY_CN;
    san_dns.node.san.unstructured_name.len = strlen(TLS_IDENTITY_CN);
    if (ipv4 && tls_format_parse_ipv4(ipv4, ip) == 0) {
        san_ip.node.san.unstructured_name.p = ip;
        san_ip.node.san.unstructured_name.len = sizeof(ip);
        san_dns.next = &san_ip;
    }
    mbedtls_asn1_sequence eku = {.buf = {.tag = MBEDTLS_ASN1_OID,
                                         .len = MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH),
                                         .p = (unsigned char *)MBEDTLS_OID_SERVER_AUTH}};

    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&w, key);
    mbedtls_x509write_crt_set_issuer_key(&w, key);
    if (mbedtls_x509write_crt_set_subject_name(&w, "CN=" TLS_IDENTITY_CN) != 0 ||
        mbedtls_x509write_crt_set_issuer_name(&w, "CN=" TLS_IDENTITY_CN) != 0 ||
        mbedtls_x509write_crt_set_serial_raw(&w, serial, sizeof(serial)) != 0 ||
        mbedtls_x509write_crt_set_validity(&w, not_before, not_after) != 0 ||
        mbedtls_x509write_crt_set_basic_constraints(&w, 0, -1) != 0 ||
        mbedtls_x509write_crt_set_ext_key_usage(&w, &eku) != 0 ||
        mbedtls_x509write_crt_set_subject_alternative_name(&w, &san_dns) != 0)
        goto out;
    if ((n = mbedtls_x509write_crt_der(&w, crt_der, DER_MAX, tls_entropy_random, NULL)) <= 0)
        goto out;
    memmove(crt_der, crt_der + DER_MAX - (size_t)n, (size_t)n);
    *crt_len = (size_t)n;
    rc = 0;
out:
    mbedtls_x509write_crt_free(&w);
    return rc;
}

/* Parses a stored pair; 0 only when both parse and the key is the certificate's. */
static int parse_pair(struct tls_identity *id, const uint8_t *key_der, size_t key_len, const uint8_t *crt_der,
                      size_t crt_len)
{
    if (mbedtls_pk_parse_key(&id->key, key_der, key_len, NULL, 0, tls_entropy_random, NULL) != 0)
        return -HEARTH_EBADMSG;
    if (mbedtls_x509_crt_parse_der(&id->crt, crt_der, crt_len) != 0)
        return -HEARTH_EBADMSG;
    if (mbedtls_pk_check_pair(&id->crt.pk, &id->key, tls_entropy_random, NULL) != 0)
        return -HEARTH_EBADMSG;
    return 0;
}

/* Tries the stored identity. Returns 0 when loaded, -HEARTH_ENODATA when none was stored (first boot). */
static int load_stored(struct tls_identity *id, struct tls_keyslot *ks, uint8_t *key_der, uint8_t *crt_der)
{
    size_t key_len = 0, crt_len = 0;
    int rk = tls_keyslot_read(ks, TLS_KEYSLOT_KEY, key_der, DER_MAX, &key_len);
    int rc = tls_keyslot_read(ks, TLS_KEYSLOT_CERT, crt_der, DER_MAX, &crt_len);
    if (rk == -HEARTH_ENODATA && rc == -HEARTH_ENODATA)
        return -HEARTH_ENODATA;
    if (rk == 0 && rc == 0 && parse_pair(id, key_der, key_len, crt_der, crt_len) == 0)
        return 0;
    if (rk == 0 && rc != 0 && rc != -HEARTH_EIO)
        log_line("tls: WARNING: stored device certificate is corrupt; generating a new identity");
    else
        log_line("tls: WARNING: stored device key is corrupt; generating a new identity");
    return -HEARTH_EBADMSG;
}

int tls_identity_load(struct tls_identity *id, struct tls_keyslot *ks, const char *ipv4)
{
    uint8_t *key_der = malloc(DER_MAX), *crt_der = malloc(DER_MAX), hash[32];
    size_t key_len = 0, crt_len = 0;
    int rc = -HEARTH_ENOMEM;

    mbedtls_pk_init(&id->key);
    mbedtls_x509_crt_init(&id->crt);
    if (!key_der || !crt_der)
        goto out;
    rc = ks ? load_stored(id, ks, key_der, crt_der) : -HEARTH_ENODATA;
    if (rc < 0) {
        log_line("tls: creating the device identity (ECDSA P-256, self-signed for %s%s%s)", TLS_IDENTITY_CN,
                 ipv4 ? " and " : "", ipv4 ? ipv4 : "");
        mbedtls_x509_crt_free(&id->crt);
        mbedtls_x509_crt_init(&id->crt);
        if ((rc = create(&id->key, ipv4, key_der, &key_len, crt_der, &crt_len)) < 0 ||
            mbedtls_x509_crt_parse_der(&id->crt, crt_der, crt_len) != 0) {
            log_line("tls: could not create the device identity");
            rc = -HEARTH_EIO;
            goto out;
        }
        /* The certificate first: a power cut between the two leaves a mismatch, which the next boot
         * detects and repairs, never a new key next to a certificate it cannot prove. */
        if (ks && ((rc = tls_keyslot_write(ks, TLS_KEYSLOT_CERT, crt_der, crt_len)) < 0 ||
                   (rc = tls_keyslot_write(ks, TLS_KEYSLOT_KEY, key_der, key_len)) < 0)) {
            log_line("tls: could not store the device identity (%s)", hearth_strerror(rc));
            goto out;
        }
        if (!ks)
            log_line("tls: no key storage: this identity lasts for this boot only");
    }
    if (mbedtls_sha256(id->crt.raw.p, id->crt.raw.len, hash, 0) != 0) {
        rc = -HEARTH_EIO;
        goto out;
    }
    tls_format_fingerprint(hash, sizeof(hash), id->fingerprint, sizeof(id->fingerprint));
    log_line("tls: device certificate SHA-256 fingerprint %s", id->fingerprint);
    rc = 0;
out:
    if (key_der)
        mbedtls_platform_zeroize(key_der, DER_MAX);
    free(key_der);
    free(crt_der);
    if (rc < 0) {
        mbedtls_pk_free(&id->key);
        mbedtls_x509_crt_free(&id->crt);
    }
    return rc;
}

int tls_identity_pem(const struct tls_identity *id, char *buf, size_t cap)
{
    size_t olen = 0;
    if (mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n",
                                 id->crt.raw.p, id->crt.raw.len, (unsigned char *)buf, cap, &olen) != 0)
        return -HEARTH_ERANGE;
    return (int)(olen ? olen - 1 : 0); /* olen counts the terminating NUL */
}
