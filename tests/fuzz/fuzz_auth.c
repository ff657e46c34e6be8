/* SPDX-License-Identifier: ISC */
/* libFuzzer target for authentication's parsers: Cookie headers, Origin checks, JSON bodies, password
 * records. */
#include "auth_parse.h"
#include "auth_password.h"

#include <hearth/err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, int rc)
{
    fprintf(stderr, "auth: rc %d: %s\n", rc, what);
    abort();
}

/* The input as a C string, as a header value reaches the parsers (the HTTP parser has no NULs in them). */
static char *text_of(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

static void cookie(const uint8_t *data, size_t size)
{
    char *header = text_of(data, size), out[66];
    int rc = auth_cookie_get(header, "hearth_session", out, sizeof(out));
    if (rc >= 0 && (strlen(out) != (size_t)rc || rc > 65))
        fail("cookie value length", rc);
    if (rc < 0 && rc != -HEARTH_ENOENT && rc != -HEARTH_EINVAL && rc != -HEARTH_ERANGE)
        fail("auth_cookie_get: undocumented error", rc);
    /* Whatever is found lies inside the header. */
    if (rc > 0 && !strstr(header, out))
        fail("cookie value not from the header", rc);
    free(header);
}

/* Origin, Sec-Fetch-Site and Host separated by newlines; a missing part is an absent header. */
static void origin(const uint8_t *data, size_t size)
{
    char *all = text_of(data, size), *parts[3] = {NULL, NULL, NULL}, *p = all;
    for (int i = 0; i < 3 && p; i++) {
        parts[i] = p;
        p = strchr(p, '\n');
        if (p)
            *p++ = '\0';
    }
    int ok = auth_same_origin(parts[0], parts[1], parts[2]);
    if (ok != 0 && ok != 1)
        fail("auth_same_origin verdict", ok);
    if (ok && parts[1] && strcmp(parts[1], "same-origin") != 0)
        fail("allowed with a foreign Sec-Fetch-Site", ok);
    if (ok && parts[0] && (!parts[2] || strncasecmp(parts[0], "https://", 8) != 0))
        fail("allowed an Origin that is not https:// or without a Host", ok);
    free(all);
}

static void json(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"password", "code", "new_password"};
    for (unsigned i = 0; i < 3; i++) {
        char out[32];
        int rc = auth_json_string(data, size, names[i], out, sizeof(out));
        if (rc >= 0 && (rc >= (int)sizeof(out) || out[rc] != '\0' || memchr(out, '\0', (size_t)rc)))
            fail("json value not terminated or holding a NUL", rc);
        if (rc < 0 && rc != -HEARTH_ENOENT && rc != -HEARTH_EINVAL && rc != -HEARTH_ERANGE)
            fail("auth_json_string: undocumented error", rc);
        /* A tighter buffer never changes whether the member is there or the body is well-formed. */
        char small[4];
        int rc2 = auth_json_string(data, size, names[i], small, sizeof(small));
        if ((rc == -HEARTH_EINVAL) != (rc2 == -HEARTH_EINVAL) ||
            (rc == -HEARTH_ENOENT) != (rc2 == -HEARTH_ENOENT))
            fail("json result depends on the buffer size", rc2);
    }
}

static void record(const uint8_t *data, size_t size)
{
    struct auth_pw pw;
    uint8_t again[AUTH_PW_RECORD_LEN];
    int rc = auth_pw_decode(data, size, &pw);
    if (rc != 0 && rc != -HEARTH_EINVAL)
        fail("auth_pw_decode: undocumented error", rc);
    if (rc == 0) {
        if (pw.iterations == 0 || pw.iterations > AUTH_PW_MAX_ITERATIONS)
            fail("iterations out of range accepted", rc);
        auth_pw_encode(&pw, again);
        if (size != sizeof(again) || memcmp(again, data, size) != 0)
            fail("record does not round-trip", rc);
    }
}

/* The first byte picks the parser; the rest is its input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    switch (data[0] % 4) {
    case 0: cookie(data + 1, size - 1); break;
    case 1: origin(data + 1, size - 1); break;
    case 2: json(data + 1, size - 1); break;
    default: record(data + 1, size - 1); break;
    }
    return 0;
}
