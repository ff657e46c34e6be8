/* SPDX-License-Identifier: ISC */
/* Unit tests for the authentication parsers: Cookie headers, Origin checks and JSON bodies (vector files). */
#include "auth_parse.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

static const char *opt(const char *field)
{
    return strcmp(field, "-") == 0 ? NULL : field;
}

static void cookie_vector(char **f, int n, const char *where)
{
    char out[66];
    memset(out, 'X', sizeof(out));
    int want = atoi(f[2]);
    int rc = auth_cookie_get(opt(f[0]), f[1], out, sizeof(out));
    check_record(rc == want, where, 0, "auth_cookie_get result");
    if (rc != want)
        check_note("  got %d, want %d", rc, want);
    if (rc >= 0 && want >= 0)
        check_record(n >= 4 && strcmp(out, f[3]) == 0, where, 0, "cookie value");
}

static void origin_vector(char **f, int n, const char *where)
{
    if (n != 4) {
        check_record(0, where, 0, "vector has 4 fields");
        return;
    }
    int got = auth_same_origin(opt(f[0]), opt(f[1]), opt(f[2]));
    check_record(got == atoi(f[3]), where, 0, "auth_same_origin verdict");
}

/* Raw fields: the body may hold NUL bytes, so it is decoded with its length. */
static void json_vector(char **f, int n, const char *where)
{
    char body[512], want_value[64], out[16];
    size_t len = check_unescape(f[0], body, sizeof(body));
    int want = atoi(f[2]);
    memset(out, 'X', sizeof(out));
    int rc = auth_json_string((const uint8_t *)body, len, f[1], out, sizeof(out));
    check_record(rc == want, where, 0, "auth_json_string result");
    if (rc != want)
        check_note("  got %d, want %d", rc, want);
    if (rc >= 0 && want >= 0) {
        size_t wlen = n >= 4 ? check_unescape(f[3], want_value, sizeof(want_value)) : 0;
        check_record((size_t)rc == wlen && memcmp(out, want_value, wlen) == 0 && out[rc] == '\0', where, 0,
                     "decoded value");
    }
}

/* A body is read only within its length: a matching prefix followed by more bytes is still one object. */
static void test_json_bounds(void)
{
    char out[16];
    const char *text = "{\"password\":\"abc\"}GARBAGE";
    CHECK_INT(auth_json_string((const uint8_t *)text, 18, "password", out, sizeof(out)), 3);
    CHECK_INT(auth_json_string((const uint8_t *)text, 17, "password", out, sizeof(out)), -22);
    CHECK_INT(auth_json_string((const uint8_t *)text, 0, "password", out, sizeof(out)), -22);
    CHECK_INT(auth_json_string(NULL, 0, "password", out, sizeof(out)), -22);
}

int main(void)
{
    CHECK(check_vectors("vectors/auth_cookie.txt", 4, cookie_vector) >= 30);
    CHECK(check_vectors("vectors/auth_origin.txt", 4, origin_vector) >= 25);
    CHECK(check_vectors_raw("vectors/auth_json.txt", 4, json_vector) >= 50);
    test_json_bounds();
    return check_summary("auth_parse");
}
