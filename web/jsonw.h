/* SPDX-License-Identifier: ISC */
/* A small JSON text writer: a growing buffer with a hard cap, escaped strings, round-trip numbers. */
#ifndef WEB_JSONW_H
#define WEB_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* After any failure (no memory, or the text would pass max bytes) the writer ignores further calls. */
struct jsonw {
    char *buf; /* NUL-terminated text so far; owned, freed by jsonw_free */
    size_t len, cap, max;
    bool failed;
};

/* An empty writer that will hold at most max bytes of text. Allocates nothing yet. */
void jsonw_init(struct jsonw *w, size_t max);
void jsonw_free(struct jsonw *w);

/* Appends text as it is (the caller's JSON punctuation). */
void jsonw_raw(struct jsonw *w, const char *text);
void jsonw_fmt(struct jsonw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string: quoted, with '"', '\\' and control characters escaped. */
void jsonw_str(struct jsonw *w, const char *s);
/* Appends a finite v with the fewest digits that read back as the same double; null if not finite. */
void jsonw_double(struct jsonw *w, double v);
/* Appends a nanosecond Unix time as seconds: an integer when whole, else with the nanoseconds. */
void jsonw_time(struct jsonw *w, uint64_t ns);

#endif
