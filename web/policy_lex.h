/* SPDX-License-Identifier: ISC */
/* The policy text's lexical layer: splitting a line into words and checking one value at a time. */
#ifndef WEB_POLICY_LEX_H
#define WEB_POLICY_LEX_H

#include "policy.h"

#include <stddef.h>
#include <stdint.h>

#define POLICY_LEX_MAX_WORDS 16

/* One line's words; v[i] point into buf; quoted[i] says whether word i was written "in quotes". */
struct policy_tokens {
    unsigned n;
    char *v[POLICY_LEX_MAX_WORDS];
    int quoted[POLICY_LEX_MAX_WORDS];
    char buf[POLICY_LINE_MAX + 2];
};

/*
 * Splits the n bytes at s (one line without its newline) into words: blanks separate them, '#' outside
 * quotes ends the line, "..." is one word (without the quotes). Returns 0, or -HEARTH_EINVAL with the
 * reason in why (cap bytes): too long, a control or non-ASCII byte, an unclosed quote, a quote glued to
 * a word, too many words.
 */
int policy_lex_line(const char *s, size_t n, struct policy_tokens *t, char *why, size_t cap);

/* 1..max of [a-z0-9_-]. */
int policy_lex_name_ok(const char *s, size_t max);

/* https://HOST[:PORT]/PATH as documented in policy.h. Returns 0 or -HEARTH_EINVAL with why. */
int policy_lex_url_ok(const char *s, char *why, size_t cap);

/* Exactly 2 * n hex digits into out[n]. Returns 0 or -HEARTH_EINVAL. */
int policy_lex_hex(const char *s, uint8_t *out, size_t n);

/* "sensor/quantity" into sensor (POLICY_SENSOR_MAX + 1) and quantity (POLICY_QUANTITY_MAX + 1). */
int policy_lex_series(const char *s, char *sensor, char *quantity);

/* "raw", "1m", "1h", "1d". */
int policy_lex_gran(const char *s, enum policy_gran *g);

/* An operator ">" or "<" and a plain decimal number. */
int policy_lex_threshold(const char *op, const char *num, char *op_out, double *value);

/* 1..9 digits and a unit s, m, h or d, into seconds. */
int policy_lex_duration(const char *s, uint32_t *secs);

/* 1..max printable ASCII characters, no '"' or '\'. */
int policy_lex_purpose_ok(const char *s, size_t max);

/* YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (years 2000..2999, a real calendar date) into Unix seconds. */
int policy_lex_date(const char *s, int64_t *unix_s, char *why, size_t cap);

#endif
