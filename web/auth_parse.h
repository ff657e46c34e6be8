/* SPDX-License-Identifier: ISC */
/* Parsers of request bytes for authentication: Cookie headers, Origin checks and flat JSON bodies. */
#ifndef WEB_AUTH_PARSE_H
#define WEB_AUTH_PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Finds the first cookie called name in a Cookie header value (RFC 6265 section 4.2: "a=b; c=d", the
 * name matched exactly and case-sensitively, optional whitespace around pairs, a value optionally in
 * double quotes) and copies its value, NUL-terminated, into out (cap bytes).
 * Returns the value's length, -HEARTH_ENOENT when there is no such cookie, -HEARTH_ERANGE when the value
 * does not fit, or -HEARTH_EINVAL when the pair is malformed (a control byte, an unbalanced quote).
 */
int auth_cookie_get(const char *header, const char *name, char *out, size_t cap);

/*
 * Whether a state-changing request comes from our own pages. origin and sec_fetch_site are the request's
 * Origin and Sec-Fetch-Site values and host its Host value (each NULL when absent). Browsers send at
 * least one of the first two on every cross-site POST, so a request without both (curl, a sensor) is
 * taken as not coming from a browser on another site. Otherwise Sec-Fetch-Site, when present, must be
 * "same-origin", and Origin, when present, must be "https://" followed by exactly the Host value
 * (compared without regard to case). Returns 1 when allowed, 0 when refused ("null" origins included).
 */
int auth_same_origin(const char *origin, const char *sec_fetch_site, const char *host);

/*
 * Reads the string member name from a JSON body that is one flat object of string members
 * ({"code":"ABCD","password":"..."}; whitespace allowed, every value a string, no repeated names).
 * Escapes are decoded (\uXXXX with surrogate pairs into UTF-8); \u0000 is refused. The value is copied
 * NUL-terminated into out (cap bytes). Returns its length, -HEARTH_ENOENT when the object has no such
 * member, -HEARTH_ERANGE when it does not fit, or -HEARTH_EINVAL when the body is not such an object.
 */
int auth_json_string(const uint8_t *body, size_t len, const char *name, char *out, size_t cap);

#endif
