/* SPDX-License-Identifier: ISC */
/* A growable text buffer for building JSON answers of unknown length. */
#ifndef WEB_WEB_BUF_H
#define WEB_WEB_BUF_H

#include <stddef.h>

struct web_buf {
    char *p;
    size_t len, cap, max;
    int failed; /* out of memory or past max: the answer must not be sent */
};

/* An empty buffer that never grows beyond max bytes. */
void web_buf_init(struct web_buf *b, size_t max);

/* Appends printf-formatted text; on failure sets b->failed (later calls do nothing). */
void web_buf_printf(struct web_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends s as a JSON string literal, quotes included, escaping what JSON requires. */
void web_buf_json_str(struct web_buf *b, const char *s);

/*
 * Copies query parameter name's value from query ("a=1&b=2") into out (cap bytes), decoding %XX.
 * Returns 0, -HEARTH_ENOENT (absent) or -HEARTH_EINVAL (empty, too long, bad escape, or decodes to a
 * control character).
 */
int web_query_param(const char *query, const char *name, char *out, size_t cap);

void web_buf_free(struct web_buf *b);

#endif
