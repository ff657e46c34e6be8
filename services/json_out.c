/* SPDX-License-Identifier: ISC */
/* Building JSON answers in a bounded buffer: raw formatted text and escaped strings. */
#include "json.h"

#include <stdarg.h>
#include <stdio.h>

void json_out_init(struct json_out *o, char *buf, size_t cap)
{
    *o = (struct json_out){.buf = buf, .cap = cap, .overflow = cap == 0};
    if (cap)
        buf[0] = '\0';
}

void json_out_raw(struct json_out *o, const char *fmt, ...)
{
    if (o->overflow)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len) {
        o->overflow = 1;
        return;
    }
    o->len += (size_t)n;
}

static void put(struct json_out *o, char c)
{
    if (o->overflow || o->len + 1 >= o->cap) {
        o->overflow = 1;
        return;
    }
    o->buf[o->len++] = c;
    o->buf[o->len] = '\0';
}

void json_out_str(struct json_out *o, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    put(o, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            put(o, '\\');
            put(o, (char)c);
        } else if (c == '\n') {
            put(o, '\\');
            put(o, 'n');
        } else if (c < 0x20 || c == 0x7F) {
            /* \u00XX for the rest: the output stays printable and valid wherever it is shown. */
            json_out_raw(o, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
        } else {
            put(o, (char)c);
        }
    }
    put(o, '"');
}

int json_out_ok(const struct json_out *o)
{
    return !o->overflow;
}
