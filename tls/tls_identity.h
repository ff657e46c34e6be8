/* SPDX-License-Identifier: ISC */
/* The device identity: a long-term ECDSA P-256 key in the key slots and short-lived self-signed certificates.
 */
#ifndef TLS_IDENTITY_H
#define TLS_IDENTITY_H

#include "tls_crl.h"

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#include <stdint.h>

#define TLS_IDENTITY_CN "hearth.local"
#define TLS_IDENTITY_CRL_PATH "/crl.der"
#define TLS_FINGERPRINT_TEXT 96 /* 32 bytes as "AA:" each, the last colon a NUL */
/* A certificate is valid this long (the CA/Browser Forum's 398-day limit, with a day to spare)... */
#define TLS_IDENTITY_VALIDITY_DAYS 397
/* ...and is re-issued from the same key when it has less than this left (scanners warn below 60 days). */
#define TLS_IDENTITY_RENEW_DAYS 60

struct tls_keyslot;

/*
 * The key is the identity: clients pin its SubjectPublicKeyInfo (spki_pin), which survives every renewal.
 * Two certificate buffers let a renewal build the new certificate while handshakes that already chose
 * the old one finish with it: certs[cur] is current, certs[cur ^ 1] the previous one (or empty).
 */
struct tls_identity {
    mbedtls_pk_context key;
    mbedtls_x509_crt certs[2];
    unsigned cur;
    int64_t not_before, not_after; /* the current certificate's validity, seconds since 1970 */
    uint8_t key_id[TLS_CRL_KEY_ID_BYTES];
    char fingerprint[TLS_FINGERPRINT_TEXT]; /* SHA-256 of the current DER certificate, "AA:BB:..." */
    char spki_pin[TLS_FINGERPRINT_TEXT];    /* SHA-256 of the key's DER SubjectPublicKeyInfo */
    char ipv4[16];                          /* the subjectAltName address for issued certificates, or "" */
};

/* The current certificate. */
static inline mbedtls_x509_crt *tls_identity_crt(struct tls_identity *id)
{
    return &id->certs[id->cur];
}

/*
 * Loads the key from ks, or creates and stores a new one when there is none (first boot) or it fails to
 * parse (logged as a WARNING); ks NULL: an identity for this boot only. Then loads the stored certificate,
 * or issues one for now when it is missing, corrupt or for another key; whether a loaded one is still
 * fresh is tls_identity_refresh's question (the caller may first learn from its dates). ipv4 ("a.b.c.d" or
 * NULL) goes into issued certificates' subjectAltName. The generator must be seeded (tls_entropy_start). Logs
 * the certificate fingerprint and the key's SPKI pin. Returns 0, -HEARTH_ENOMEM, or -HEARTH_EIO (key
 * generation, signing or storing the key failed).
 */
int tls_identity_load(struct tls_identity *id, struct tls_keyslot *ks, const char *ipv4, int64_t now);

/*
 * Re-issues the certificate from the same key when it is not valid at now or expires within
 * TLS_IDENTITY_RENEW_DAYS. The new one becomes current and is stored in ks (when not NULL; a failure to
 * store is logged, the certificate is used anyway); the previous current one is kept until the next
 * renewal, which frees it, so callers must not renew again while a handshake may still use it.
 * Returns 1 when a new certificate was issued, 0 when none was due, -HEARTH_EIO or -HEARTH_ENOMEM.
 */
int tls_identity_refresh(struct tls_identity *id, struct tls_keyslot *ks, int64_t now);

/* Writes the current certificate as PEM into buf (cap bytes, NUL-terminated). Returns the length or
 * -HEARTH_ERANGE. */
int tls_identity_pem(struct tls_identity *id, char *buf, size_t cap);

/* Frees the key and certificates. */
void tls_identity_free(struct tls_identity *id);

#endif
