/* SPDX-License-Identifier: ISC */
/* The JSON writer: every append checks the cap, so a handler can write first and check once at the end. */
#include "jsonw.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jsonw_init(struct jsonw *w, size_t max)
{
    memset(w, 0, sizeof(*w));
    w->max = max;
}

void jsonw_free(struct jsonw *w)
{
    free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
}

/* Room for n more bytes and a terminator. */
static bool reserve(struct jsonw *w, size_t n)
{
    if (w->failed)
        return false;
    if (w->len + n + 1 > w->max) {
        w->failed = true;
        return false;
    }
    if (w->len + n + 1 <= w->cap)
        return true;
    size_t cap = w->cap ? w->cap : 1024;
    while (cap < w->len + n + 1)
        cap *= 2;
    if (cap > w->max)
        cap = w->max;
    char *p = realloc(w->buf, cap);
    if (!p) {
        w->failed = true;
        return false;
    }
    w->buf = p;
    w->cap = cap;
    return true;
}

void jsonw_raw(struct jsonw *w, const char *text)
{
    size_t n = strlen(text);
    if (reserve(w, n)) {
        memcpy(w->buf + w->len, text, n + 1);
        w->len += n;
    }
}

void jsonw_fmt(struct jsonw *w, const char *fmt, ...)
{
    char small[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        w->failed = true;
        return;
    }
    if ((size_t)n < sizeof(small)) {
        jsonw_raw(w, small);
        return;
    }
    if (!reserve(w, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(w->buf + w->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    w->len += (size_t)n;
}

void jsonw_str(struct jsonw *w, const char *s)
{
    jsonw_raw(w, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            jsonw_fmt(w, "\\%c", c);
        else if (c < 0x20)
            jsonw_fmt(w, "\\u%04x", c);
        else
            jsonw_fmt(w, "%c", c);
    }
    jsonw_raw(w, "\"");
}

void jsonw_double(struct jsonw *w, double v)
{
    char buf[40];
    if (!isfinite(v)) {
        jsonw_raw(w, "null");
        return;
    }
    /* 15 significant digits usually read back exactly and look like what was sent; else 17 always do. */
    snprintf(buf, sizeof(buf), "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, sizeof(buf), "%.17g", v);
    jsonw_raw(w, buf);
}

void jsonw_time(struct jsonw *w, uint64_t ns)
{
    unsigned long long s = ns / 1000000000ull, frac = ns % 1000000000ull;
    if (frac == 0) {
        jsonw_fmt(w, "%llu", s);
        return;
    }
    char digits[16];
    snprintf(digits, sizeof(digits), "%09llu", frac);
    size_t n = strlen(digits);
    while (n > 0 && digits[n - 1] == '0')
        digits[--n] = '\0';
    jsonw_fmt(w, "%llu.%s", s, digits);
}
