/* SPDX-License-Identifier: ISC */
/* Small pure helpers for the TLS glue: fingerprint text, X.509 dates, dotted-quad addresses. */
#ifndef TLS_FORMAT_H
#define TLS_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Writes hash (len bytes) as uppercase hex pairs joined by colons ("AB:01:..."), the format of
 * `openssl x509 -noout -fingerprint`, NUL-terminated into out (cap bytes; 3 * len suffice).
 * Returns the text's length, or -HEARTH_ERANGE if it does not fit (out is then "" when cap > 0).
 */
int tls_format_fingerprint(const uint8_t *hash, size_t len, char *out, size_t cap);

/*
 * Writes unix_s (seconds since 1970, UTC, 0 .. 253402300799) as X.509's "YYYYMMDDhhmmss" into out.
 * Returns 0, or -HEARTH_ERANGE outside years 1970..9999.
 */
int tls_format_x509_time(int64_t unix_s, char out[15]);

/* Parses "a.b.c.d" (decimal octets, no leading zeros, nothing after). Returns 0 or -HEARTH_EINVAL. */
int tls_format_parse_ipv4(const char *s, uint8_t out[4]);

#endif
