/* SPDX-License-Identifier: ISC */
/* Between tls_identity.c and tls_identity_issue.c only: writing a certificate for the identity's key. */
#ifndef TLS_IDENTITY_PRIV_H
#define TLS_IDENTITY_PRIV_H

#include "tls_identity.h"

#include <stddef.h>
#include <stdint.h>

/*
 * Writes a new self-signed certificate for id->key (valid TLS_IDENTITY_VALIDITY_DAYS from midnight of
 * now, SAN hearth.local and id->ipv4, subjectKeyIdentifier id->key_id, CRL Distribution Point
 * http://hearth.local/crl.der) as DER at the start of der (cap bytes) and its length in *len.
 * Returns 0, -HEARTH_ERANGE (a date out of range) or -HEARTH_EIO.
 */
int tls_identity_issue(struct tls_identity *id, int64_t now, uint8_t *der, size_t cap, size_t *len);

#endif
