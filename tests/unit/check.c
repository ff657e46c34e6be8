/* SPDX-License-Identifier: ISC */
/* The unit-test harness: counting checks and reading "a | b | c" vector files. */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

void check_record(int ok, const char *file, int line, const char *what)
{
    if (ok) {
        passed++;
        return;
    }
    failed++;
    fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
}

void check_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t check_from_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = hex; *p && n < cap;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        unsigned v;
        if (sscanf(p, "%2x", &v) != 1)
            break;
        out[n++] = (uint8_t)v;
        p += 2;
    }
    return n;
}

size_t check_unescape(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = in; *p && n < cap; p++) {
        if (*p != '\\' || !p[1]) {
            out[n++] = *p;
            continue;
        }
        p++;
        if (*p == 'n')
            out[n++] = '\n';
        else if (*p == 'r')
            out[n++] = '\r';
        else if (*p == 't')
            out[n++] = '\t';
        else if (*p == 'x' && hex_digit(p[1]) >= 0 && hex_digit(p[2]) >= 0) {
            out[n++] = (char)(hex_digit(p[1]) * 16 + hex_digit(p[2]));
            p += 2;
        } else
            out[n++] = *p;
    }
    return n;
}

/* In place: the decoded text is never longer than the escaped one. */
static void unescape(char *s)
{
    size_t n = check_unescape(s, s, strlen(s));
    s[n] = '\0';
}

static int read_vectors(const char *path, int max_fields, check_vector_fn fn, int decode)
{
    FILE *f = fopen(path, "r");
    char line[4096], where[512];
    int count = 0, lineno = 0;

    if (!f) {
        check_record(0, path, 0, "vector file can be opened");
        return 0;
    }
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *fields[16];
        int n = 0;
        char *p = line;
        while (n < max_fields && n < 16) {
            fields[n++] = p;
            char *sep = strstr(p, " | ");
            if (!sep || n == max_fields)
                break;
            *sep = '\0';
            p = sep + 3;
        }
        for (int i = 0; decode && i < n; i++)
            unescape(fields[i]);
        snprintf(where, sizeof(where), "%s:%d", path, lineno);
        fn(fields, n, where);
        count++;
    }
    fclose(f);
    return count;
}

int check_vectors(const char *path, int max_fields, check_vector_fn fn)
{
    return read_vectors(path, max_fields, fn, 1);
}

int check_vectors_raw(const char *path, int max_fields, check_vector_fn fn)
{
    return read_vectors(path, max_fields, fn, 0);
}

int check_summary(const char *suite)
{
    printf("%s: %d passed, %d failed\n", suite, passed, failed);
    return failed == 0 && passed > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
