/* SPDX-License-Identifier: ISC */
/* A growable text buffer: printf appends, doubling up to a limit. */
#include "web_buf.h"

#include <hearth/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void web_buf_init(struct web_buf *b, size_t max)
{
    *b = (struct web_buf){.max = max};
}

void web_buf_printf(struct web_buf *b, const char *fmt, ...)
{
    for (int tries = 0; !b->failed && tries < 2; tries++) {
        va_list ap;
        size_t room = b->cap - b->len;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *p = cap <= b->max ? realloc(b->p, cap) : NULL;
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

void web_buf_free(struct web_buf *b)
{
    free(b->p);
    *b = (struct web_buf){.max = b->max};
}

void web_buf_json_str(struct web_buf *b, const char *s)
{
    web_buf_printf(b, "\"");
    for (; *s && !b->failed; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            web_buf_printf(b, "\\%c", c);
        else if (c < 0x20)
            web_buf_printf(b, "\\u%04x", c);
        else
            web_buf_printf(b, "%c", c);
    }
    web_buf_printf(b, "\"");
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

int web_query_param(const char *query, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    for (const char *p = query; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        if (strncmp(p, name, n) != 0 || p[n] != '=')
            continue;
        size_t len = 0;
        for (const char *v = p + n + 1; *v && *v != '&'; v++) {
            int c = (unsigned char)*v;
            if (c == '%') {
                int hi = hexval(v[1]), lo = hi < 0 ? -1 : hexval(v[2]);
                if (lo < 0)
                    return -HEARTH_EINVAL;
                c = hi << 4 | lo;
                v += 2;
            } else if (c == '+') {
                c = ' ';
            }
            if (c < 0x20 || c == 0x7f || len + 1 >= cap)
                return -HEARTH_EINVAL;
            out[len++] = (char)c;
        }
        out[len] = '\0';
        return len ? 0 : -HEARTH_EINVAL;
    }
    return -HEARTH_ENOENT;
}
