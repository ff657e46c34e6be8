/* SPDX-License-Identifier: ISC */
/* A tiny test harness: CHECK macros that count, and a reader for data-driven vector files. */
#ifndef TESTS_UNIT_CHECK_H
#define TESTS_UNIT_CHECK_H

#include <stddef.h>
#include <stdint.h>

void check_record(int ok, const char *file, int line, const char *what);

#define CHECK(cond) check_record(!!(cond), __FILE__, __LINE__, #cond)
#define CHECK_INT(got, want)                                                                                 \
    do {                                                                                                     \
        long long got_ = (long long)(got), want_ = (long long)(want);                                        \
        check_record(got_ == want_, __FILE__, __LINE__, #got " == " #want);                                  \
        if (got_ != want_)                                                                                   \
            check_note("  got %lld, want %lld", got_, want_);                                                \
    } while (0)

void check_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Calls fn once per non-comment line of a vector file, the line split at " | " into at most max_fields
 * fields (the backslash escapes \n, \r, \t, \\ and \x41 are decoded). Returns the number of vectors read.
 */
typedef void (*check_vector_fn)(char **fields, int nfields, const char *where);
int check_vectors(const char *path, int max_fields, check_vector_fn fn);

/* Like check_vectors, but the fields keep their backslash escapes (for payloads with NUL bytes). */
int check_vectors_raw(const char *path, int max_fields, check_vector_fn fn);

/* Decodes hex digit pairs of hex into out (spaces between pairs are skipped; stops at anything else or
 * after cap bytes); returns the number of bytes. */
size_t check_from_hex(const char *hex, uint8_t *out, size_t cap);

/* Decodes the escapes of in into out (at most cap bytes, no terminator added); returns the length. */
size_t check_unescape(const char *in, char *out, size_t cap);

/* Prints "N passed, M failed" for this binary and returns the process exit code. */
int check_summary(const char *suite);

#endif
