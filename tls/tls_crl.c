/* SPDX-License-Identifier: ISC */
/* DER encoding of an empty, signed CRL v2 and of the certificate extensions that point at it. */
#include "tls_crl.h"

#include "tls_format.h"

#include <hearth/err.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/oid.h>
#include <mbedtls/sha256.h>
#include <string.h>

#define OID_CRL_NUMBER MBEDTLS_OID_ID_CE "\x14" /* id-ce-cRLNumber { id-ce 20 } */
#define UTCTIME_END 2524608000                  /* 2050-01-01T00:00:00Z: GeneralizedTime from here */

/* Adds a write's result to the running length, or leaves the function with -HEARTH_ERANGE. */
#define PUT(total, call)                                                                                     \
    do {                                                                                                     \
        int r_ = (call);                                                                                     \
        if (r_ < 0)                                                                                          \
            return -HEARTH_ERANGE;                                                                           \
        (total) += (size_t)r_;                                                                               \
    } while (0)

/* Replaces total (the bytes just written) by the length with a tag and length in front of them. */
#define WRAP(p, start, total, tag)                                                                           \
    do {                                                                                                     \
        int r_ = wrap((p), (start), (total), (tag));                                                         \
        if (r_ < 0)                                                                                          \
            return -HEARTH_ERANGE;                                                                           \
        (total) = (size_t)r_;                                                                                \
    } while (0)

/* Wraps the len bytes just written (ending where *p started) in a tag and a length. */
static int wrap(uint8_t **p, uint8_t *start, size_t len, uint8_t tag)
{
    size_t n = 0;
    PUT(n, mbedtls_asn1_write_len(p, start, len));
    PUT(n, mbedtls_asn1_write_tag(p, start, tag));
    return (int)(len + n);
}

/* RFC 5280 Time: UTCTime (YYMMDDhhmmssZ) through 2049, GeneralizedTime (YYYYMMDDhhmmssZ) after. */
static int write_time(uint8_t **p, uint8_t *start, int64_t t)
{
    char s[15];
    if (tls_format_x509_time(t, s) < 0)
        return -HEARTH_ERANGE;
    int utc = t < UTCTIME_END; /* 1970..2049 fit UTCTime's two-digit year */
    size_t n = 0;
    PUT(n, mbedtls_asn1_write_raw_buffer(p, start, (const unsigned char *)"Z", 1));
    PUT(n, mbedtls_asn1_write_raw_buffer(p, start, (const unsigned char *)s + (utc ? 2 : 0), utc ? 12 : 14));
    return wrap(p, start, n, utc ? MBEDTLS_ASN1_UTC_TIME : MBEDTLS_ASN1_GENERALIZED_TIME);
}

/* A non-negative INTEGER of up to 64 bits, minimal length (a leading zero byte keeps it positive). */
static int write_u64(uint8_t **p, uint8_t *start, uint64_t v)
{
    uint8_t b[9];
    size_t n = 0;
    do {
        b[sizeof(b) - 1 - n++] = (uint8_t)v;
        v >>= 8;
    } while (v);
    if (b[sizeof(b) - n] & 0x80)
        b[sizeof(b) - 1 - n++] = 0;
    size_t len = 0;
    PUT(len, mbedtls_asn1_write_raw_buffer(p, start, b + sizeof(b) - n, n));
    return wrap(p, start, len, MBEDTLS_ASN1_INTEGER);
}

/* Extension ::= SEQUENCE { extnID, extnValue OCTET STRING } around the value just written (not critical). */
static int wrap_extension(uint8_t **p, uint8_t *start, size_t value_len, const char *oid, size_t oid_len)
{
    size_t n = 0;
    PUT(n, wrap(p, start, value_len, MBEDTLS_ASN1_OCTET_STRING));
    PUT(n, mbedtls_asn1_write_oid(p, start, oid, oid_len));
    return wrap(p, start, n, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
}

/* crlExtensions [0] EXPLICIT Extensions: the cRLNumber and, when given, the authorityKeyIdentifier. */
static int write_extensions(uint8_t **p, uint8_t *start, const struct tls_crl_params *prm)
{
    size_t all = 0, v;
    v = 0;
    PUT(v, write_u64(p, start, prm->number));
    PUT(all, wrap_extension(p, start, v, OID_CRL_NUMBER, MBEDTLS_OID_SIZE(OID_CRL_NUMBER)));
    if (prm->key_id) {
        /* AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING } */
        v = 0;
        PUT(v, mbedtls_asn1_write_raw_buffer(p, start, prm->key_id, TLS_CRL_KEY_ID_BYTES));
        WRAP(p, start, v, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0);
        WRAP(p, start, v, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
        PUT(all, wrap_extension(p, start, v, MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER,
                                MBEDTLS_OID_SIZE(MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER)));
    }
    WRAP(p, start, all, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
    return wrap(p, start, all, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0);
}

/* AlgorithmIdentifier for ecdsa-with-SHA256: the OID alone, parameters absent (RFC 5758). */
static int write_sig_alg(uint8_t **p, uint8_t *start)
{
    size_t n = 0;
    PUT(n, mbedtls_asn1_write_oid(p, start, MBEDTLS_OID_ECDSA_SHA256,
                                  MBEDTLS_OID_SIZE(MBEDTLS_OID_ECDSA_SHA256)));
    return wrap(p, start, n, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
}

int tls_crl_write(const struct tls_crl_params *prm, mbedtls_pk_context *key,
                  int (*f_rng)(void *, unsigned char *, size_t), void *p_rng, uint8_t *buf, size_t cap,
                  size_t *len)
{
    uint8_t *start = buf, *p = buf + cap, hash[32], sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
    size_t tbs = 0, sig_len = 0, all;

    if (!prm->issuer || prm->issuer_len == 0 || prm->next_update < prm->this_update)
        return -HEARTH_EINVAL;
    /* TBSCertList, back to front: extensions, nextUpdate, thisUpdate, issuer, signature, version. */
    PUT(tbs, write_extensions(&p, start, prm));
    PUT(tbs, write_time(&p, start, prm->next_update));
    PUT(tbs, write_time(&p, start, prm->this_update));
    PUT(tbs, mbedtls_asn1_write_raw_buffer(&p, start, prm->issuer, prm->issuer_len));
    PUT(tbs, write_sig_alg(&p, start));
    PUT(tbs, mbedtls_asn1_write_int(&p, start, 1)); /* v2 */
    WRAP(&p, start, tbs, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);

    if (mbedtls_sha256(p, tbs, hash, 0) != 0 ||
        mbedtls_pk_sign(key, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, sizeof(sig), &sig_len, f_rng,
                        p_rng) != 0)
        return -HEARTH_EIO;
    /* Signature algorithm and value follow the TBS, which is already written: build them in front of it,
     * then swap the two pieces. */
    size_t tail = 0;
    uint8_t *tbs_at = p, *q = p;
    PUT(tail, mbedtls_asn1_write_bitstring(&q, start, sig, sig_len * 8));
    PUT(tail, write_sig_alg(&q, start));
    /* Now [q, q + tail) holds algorithm + signature and [tbs_at, tbs_at + tbs) the TBS: swap their order. */
    uint8_t tmp[MBEDTLS_PK_SIGNATURE_MAX_SIZE + 32];
    if (tail > sizeof(tmp))
        return -HEARTH_ERANGE;
    memcpy(tmp, q, tail);
    memmove(q, tbs_at, tbs);
    memcpy(q + tbs, tmp, tail);
    p = q;
    all = tbs + tail;
    WRAP(&p, start, all, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
    *len = all;
    return 0;
}

int tls_crl_distribution_point(const char *uri, uint8_t *buf, size_t cap, size_t *len)
{
    uint8_t *start = buf, *p = buf + cap;
    size_t n = 0, ulen = uri ? strlen(uri) : 0;
    if (ulen == 0)
        return -HEARTH_EINVAL;
    /* SEQUENCE OF DistributionPoint { distributionPoint [0] { fullName [0] { uniformResourceIdentifier [6] }
     * } } */
    PUT(n, mbedtls_asn1_write_raw_buffer(&p, start, (const unsigned char *)uri, ulen));
    WRAP(&p, start, n, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 6);
    WRAP(&p, start, n, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0);
    WRAP(&p, start, n, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0);
    WRAP(&p, start, n, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
    WRAP(&p, start, n, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
    *len = n;
    return 0;
}

int tls_crl_key_id(const mbedtls_pk_context *key, uint8_t id[TLS_CRL_KEY_ID_BYTES])
{
    uint8_t buf[160], *p = buf + sizeof(buf), hash[32];
    /* The subjectPublicKey BIT STRING's contents: for P-256, the 65-byte uncompressed point. */
    int n = mbedtls_pk_write_pubkey(&p, buf, key);
    if (n <= 0 || mbedtls_sha256(p, (size_t)n, hash, 0) != 0)
        return -HEARTH_EIO;
    memcpy(id, hash, TLS_CRL_KEY_ID_BYTES);
    return 0;
}
