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

/* Days since 1970-01-01 (may be negative) to the civil date: *y the year, *m 1..12, *d 1..31. */
void tls_format_civil(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Parses "a.b.c.d" (decimal octets, no leading zeros, nothing after). Returns 0 or -HEARTH_EINVAL. */
int tls_format_parse_ipv4(const char *s, uint8_t out[4]);

/*
 * The inverse of tls_format_civil for a UTC date and time (as Mbed TLS parses certificate dates) into
 * *unix_s. Returns 0, or -HEARTH_EINVAL for a field out of range or a year outside 1970..9999.
 */
int tls_format_unix_time(int year, int mon, int day, int hour, int min, int sec, int64_t *unix_s);

/*
 * The certificate-renewal rule: 1 when a certificate valid from not_before to not_after must be
 * re-issued at now (not yet valid, expired, or expiring within margin_s seconds), else 0.
 */
int tls_format_needs_renewal(int64_t now, int64_t not_before, int64_t not_after, int64_t margin_s);

#endif
