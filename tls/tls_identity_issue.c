/* SPDX-License-Identifier: ISC */
/* Issues the device's self-signed certificate for its key: short validity, SAN, and a CRL pointer. */
#include "tls_identity_priv.h"

#include "tls_entropy.h"
#include "tls_format.h"

#include <hearth/err.h>
#include <mbedtls/oid.h>
#include <string.h>

/* The ASN.1 writers need room for the extension values: the CDP's URI is the longest (~40 bytes). */
#define EXT_MAX 128u

/* Validity from midnight (UTC) of now: a client whose clock is hours behind still accepts a new one. */
static int make_validity(int64_t now, char not_before[15], char not_after[15])
{
    now -= now % 86400;
    if (tls_format_x509_time(now, not_before) < 0 ||
        tls_format_x509_time(now + (int64_t)TLS_IDENTITY_VALIDITY_DAYS * 86400, not_after) < 0)
        return -HEARTH_ERANGE;
    return 0;
}

/* subjectKeyIdentifier (the same RFC 7093 id the CRL's authorityKeyIdentifier carries) and the CDP. */
static int add_extensions(mbedtls_x509write_cert *w, const struct tls_identity *id)
{
    uint8_t buf[EXT_MAX], ski[2 + TLS_CRL_KEY_ID_BYTES];
    size_t len;
    ski[0] = MBEDTLS_ASN1_OCTET_STRING;
    ski[1] = TLS_CRL_KEY_ID_BYTES;
    memcpy(ski + 2, id->key_id, TLS_CRL_KEY_ID_BYTES);
    if (mbedtls_x509write_crt_set_extension(w, MBEDTLS_OID_SUBJECT_KEY_IDENTIFIER,
                                            MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_KEY_IDENTIFIER), 0, ski,
                                            sizeof(ski)) != 0)
        return -HEARTH_EIO;
    if (tls_crl_distribution_point("http://" TLS_IDENTITY_CN TLS_IDENTITY_CRL_PATH, buf, sizeof(buf), &len) <
        0)
        return -HEARTH_ERANGE;
    if (mbedtls_x509write_crt_set_extension(w, MBEDTLS_OID_CRL_DISTRIBUTION_POINTS,
                                            MBEDTLS_OID_SIZE(MBEDTLS_OID_CRL_DISTRIBUTION_POINTS), 0,
                                            buf + sizeof(buf) - len, len) != 0)
        return -HEARTH_EIO;
    return 0;
}

int tls_identity_issue(struct tls_identity *id, int64_t now, uint8_t *der, size_t cap, size_t *len)
{
    mbedtls_x509write_cert w;
    char not_before[15], not_after[15];
    uint8_t serial[16], ip[4];
    int rc = -HEARTH_EIO, n;

    mbedtls_x509write_crt_init(&w);
    /* A random positive serial (RFC 5280: at most 20 bytes, first bit clear, not zero). */
    if (tls_entropy_random(NULL, serial, sizeof(serial)) != 0)
        goto out;
    serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x01);
    if ((rc = make_validity(now, not_before, not_after)) < 0)
        goto out;
    rc = -HEARTH_EIO;

    mbedtls_x509_san_list san_ip = {.node = {.type = MBEDTLS_X509_SAN_IP_ADDRESS}};
    mbedtls_x509_san_list san_dns = {.node = {.type = MBEDTLS_X509_SAN_DNS_NAME}};
    san_dns.node.san.unstructured_name.p = (unsigned char *)TLS_IDENTITY_CN;
    san_dns.node.san.unstructured_name.len = strlen(TLS_IDENTITY_CN);
    if (id->ipv4[0] && tls_format_parse_ipv4(id->ipv4, ip) == 0) {
        san_ip.node.san.unstructured_name.p = ip;
        san_ip.node.san.unstructured_name.len = sizeof(ip);
        san_dns.next = &san_ip;
    }
    mbedtls_asn1_sequence eku = {.buf = {.tag = MBEDTLS_ASN1_OID,
                                         .len = MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH),
                                         .p = (unsigned char *)MBEDTLS_OID_SERVER_AUTH}};

    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&w, &id->key);
    mbedtls_x509write_crt_set_issuer_key(&w, &id->key);
    if (mbedtls_x509write_crt_set_subject_name(&w, "CN=" TLS_IDENTITY_CN) != 0 ||
        mbedtls_x509write_crt_set_issuer_name(&w, "CN=" TLS_IDENTITY_CN) != 0 ||
        mbedtls_x509write_crt_set_serial_raw(&w, serial, sizeof(serial)) != 0 ||
        mbedtls_x509write_crt_set_validity(&w, not_before, not_after) != 0 ||
        mbedtls_x509write_crt_set_basic_constraints(&w, 0, -1) != 0 ||
        mbedtls_x509write_crt_set_ext_key_usage(&w, &eku) != 0 ||
        mbedtls_x509write_crt_set_subject_alternative_name(&w, &san_dns) != 0 || add_extensions(&w, id) < 0)
        goto out;
    if ((n = mbedtls_x509write_crt_der(&w, der, cap, tls_entropy_random, NULL)) <= 0)
        goto out;
    memmove(der, der + cap - (size_t)n, (size_t)n); /* Mbed TLS writes DER at the end */
    *len = (size_t)n;
    rc = 0;
out:
    mbedtls_x509write_crt_free(&w);
    return rc;
}
