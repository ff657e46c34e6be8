/* SPDX-License-Identifier: ISC */
/* Revocation for the device identity: an empty CRL signed by the device key, and the certificate's pointers.
 */
#ifndef TLS_TLS_CRL_H
#define TLS_TLS_CRL_H

/*
 * Mbed TLS parses CRLs but cannot write them, so this is a small DER encoder (RFC 5280 section 5) over
 * Mbed TLS's asn1write helpers. The CRL is empty by design: the device signs its own certificate, and
 * the only revocation that means anything is its owner replacing the key (a new identity), after which
 * nothing signs for the old one. Publishing an empty, signed, short-lived list still answers a client
 * that checks revocation, and it is what the certificate's CRL Distribution Points extension names.
 */

#include <mbedtls/pk.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_CRL_KEY_ID_BYTES 20 /* RFC 7093 method 1: the leftmost 160 bits of SHA-256 of the key */

struct tls_crl_params {
    const uint8_t *issuer; /* the issuer's Name as DER (the certificate's subject_raw) */
    size_t issuer_len;
    const uint8_t *key_id; /* authorityKeyIdentifier (TLS_CRL_KEY_ID_BYTES), or NULL to leave it out */
    int64_t this_update;   /* seconds since 1970; UTCTime before 2050, GeneralizedTime from then on */
    int64_t next_update;
    uint64_t number; /* cRLNumber: must grow with every CRL the issuer publishes */
};

/*
 * Writes a version 2 CRL with no revoked certificates, the cRLNumber and (when given) the
 * authorityKeyIdentifier extensions, signed by key with ECDSA and SHA-256 (a P-256 key pair; f_rng and p_rng
 * as for mbedtls_pk_sign, which uses them for blinding: the signature itself is deterministic).
 * The DER is written at the END of buf (Mbed TLS's convention): it starts at buf + cap - *len.
 * Returns 0, -HEARTH_ERANGE when cap is too small or a date cannot be encoded, -HEARTH_EINVAL for a
 * missing issuer or next_update before this_update, -HEARTH_EIO when signing failed.
 */
int tls_crl_write(const struct tls_crl_params *p, mbedtls_pk_context *key,
                  int (*f_rng)(void *, unsigned char *, size_t), void *p_rng, uint8_t *buf, size_t cap,
                  size_t *len);

/*
 * The value of a CRL Distribution Points extension naming one URI ("http://host/crl.der"), for
 * mbedtls_x509write_crt_set_extension, written at the end of buf like tls_crl_write.
 * Returns 0, -HEARTH_ERANGE, or -HEARTH_EINVAL for an empty uri.
 */
int tls_crl_distribution_point(const char *uri, uint8_t *buf, size_t cap, size_t *len);

/* The key identifier of key's public key (RFC 7093 method 1) into id. Returns 0 or -HEARTH_EIO. */
int tls_crl_key_id(const mbedtls_pk_context *key, uint8_t id[TLS_CRL_KEY_ID_BYTES]);

#endif
