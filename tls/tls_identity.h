/* SPDX-License-Identifier: ISC */
/* The device identity: an ECDSA P-256 key and a self-signed certificate, made once and kept in key slots. */
#ifndef TLS_IDENTITY_H
#define TLS_IDENTITY_H

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#define TLS_IDENTITY_CN "hearth.local"
#define TLS_FINGERPRINT_TEXT 96 /* 32 bytes as "AA:" each, the last colon a NUL */

struct tls_keyslot;

struct tls_identity {
    mbedtls_pk_context key;
    mbedtls_x509_crt crt;
    char fingerprint[TLS_FINGERPRINT_TEXT]; /* SHA-256 of the DER certificate, "AA:BB:..." */
};

/*
 * Loads the identity from ks, or creates and stores a new one when there is none (first boot) or when
 * the stored key fails to parse or does not match the certificate (logged as a WARNING). ks NULL: an
 * identity for this boot only. ipv4 ("a.b.c.d" or NULL) is added to a new certificate's
 * subjectAltName. The generator must be seeded (tls_entropy_start). Logs the fingerprint line.
 * Returns 0, -HEARTH_ENOMEM, or -HEARTH_EIO (key generation, signing or storing failed).
 */
int tls_identity_load(struct tls_identity *id, struct tls_keyslot *ks, const char *ipv4);

/* Writes the certificate as PEM into buf (cap bytes, NUL-terminated). Returns the length or -HEARTH_ERANGE.
 */
int tls_identity_pem(const struct tls_identity *id, char *buf, size_t cap);

#endif
