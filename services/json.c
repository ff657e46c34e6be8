/* SPDX-License-Identifier: ISC */
/* Strict JSON parsing (RFC 8259) into caller arrays, with bounded depth, values and string bytes. */
#include "json.h"

#include <hearth/err.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct parser {
    const char *start, *p, *end;
    struct json_value *v;
    unsigned n, max;
    char *sb;
    size_t sl, scap;
    int depth;
};

static int parse_value(struct parser *ps);

static void skip_ws(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static int alloc_value(struct parser *ps, enum json_type type, unsigned *idx)
{
    if (ps->n >= ps->max)
        return -HEARTH_ENOSPC;
    *idx = ps->n++;
    ps->v[*idx] = (struct json_value){.type = (uint8_t)type};
    return 0;
}

static int put_byte(struct parser *ps, unsigned char c)
{
    if (ps->sl >= ps->scap)
        return -HEARTH_ENOSPC;
    ps->sb[ps->sl++] = (char)c;
    return 0;
}

static int put_utf8(struct parser *ps, uint32_t cp)
{
    unsigned char b[4];
    int n;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | cp >> 6);
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | cp >> 12);
        b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (unsigned char)(0xF0 | cp >> 18);
        b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    for (int i = 0; i < n; i++)
        if (put_byte(ps, b[i]) < 0)
            return -HEARTH_ENOSPC;
    return 0;
}

/* Four hex digits after "\u"; ps->p is at the first digit. */
static int read_hex4(struct parser *ps, uint32_t *out)
{
    uint32_t v = 0;
    if (ps->end - ps->p < 4)
        return -HEARTH_EINVAL;
    for (int i = 0; i < 4; i++) {
        char c = *ps->p++;
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return -HEARTH_EINVAL;
    }
    *out = v;
    return 0;
}

/* An escape after the backslash; a high surrogate must be followed by an escaped low one. */
static int read_escape(struct parser *ps)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    if (ps->p >= ps->end)
        return -HEARTH_EINVAL;
    char c = *ps->p++;
    const char *hit = c ? strchr(from, c) : NULL;
    if (hit)
        return put_byte(ps, (unsigned char)to[hit - from]);
    if (c != 'u')
        return -HEARTH_EINVAL;
    uint32_t cp, lo;
    if (read_hex4(ps, &cp) < 0 || cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
        return -HEARTH_EINVAL;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
            return -HEARTH_EINVAL;
        ps->p += 2;
        if (read_hex4(ps, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
            return -HEARTH_EINVAL;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    return put_utf8(ps, cp);
}

/* One UTF-8 sequence starting with lead byte c (>= 0x80), copied as is once it is known to be well formed. */
static int read_utf8(struct parser *ps, unsigned char c)
{
    unsigned char lo = 0x80, hi = 0xBF;
    int more;
    if (c >= 0xC2 && c <= 0xDF)
        more = 1;
    else if (c >= 0xE0 && c <= 0xEF)
        more = 2;
    else if (c >= 0xF0 && c <= 0xF4)
        more = 3;
    else
        return -HEARTH_EINVAL;
    if (c == 0xE0)
        lo = 0xA0; /* overlong */
    else if (c == 0xED)
        hi = 0x9F; /* surrogates */
    else if (c == 0xF0)
        lo = 0x90; /* overlong */
    else if (c == 0xF4)
        hi = 0x8F; /* above U+10FFFF */
    if (ps->end - ps->p < more)
        return -HEARTH_EINVAL;
    int rc = put_byte(ps, c);
    for (int i = 0; i < more && rc == 0; i++) {
        unsigned char b = (unsigned char)*ps->p++;
        if (b < (i ? 0x80 : lo) || b > (i ? 0xBF : hi))
            return -HEARTH_EINVAL;
        rc = put_byte(ps, b);
    }
    return rc;
}

/* A string; ps->p is at the opening quote. */
static int parse_string(struct parser *ps)
{
    unsigned idx;
    int rc = alloc_value(ps, JSON_STRING, &idx);
    if (rc < 0)
        return rc;
    size_t first = ps->sl;
    ps->p++;
    for (;;) {
        if (ps->p >= ps->end)
            return -HEARTH_EINVAL;
        unsigned char c = (unsigned char)*ps->p++;
        if (c == '"')
            break;
        if (c < 0x20)
            rc = -HEARTH_EINVAL;
        else if (c == '\\')
            rc = read_escape(ps);
        else if (c >= 0x80)
            rc = read_utf8(ps, c);
        else
            rc = put_byte(ps, c);
        if (rc < 0)
            return rc;
    }
    if ((rc = put_byte(ps, 0)) < 0)
        return rc;
    ps->v[idx].str = ps->sb + first;
    ps->v[idx].len = ps->sl - first - 1;
    ps->v[idx].next = ps->n;
    return 0;
}

static int digits(struct parser *ps)
{
    const char *from = ps->p;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
        ps->p++;
    return ps->p > from;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? converted with strtod over a bounded copy. */
static int parse_number(struct parser *ps)
{
    const char *from = ps->p;
    int integral = 1;
    if (*ps->p == '-')
        ps->p++;
    if (ps->p < ps->end && *ps->p == '0')
        ps->p++;
    else if (!digits(ps))
        return -HEARTH_EINVAL;
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        integral = 0;
        if (!digits(ps))
            return -HEARTH_EINVAL;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        integral = 0;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (!digits(ps))
            return -HEARTH_EINVAL;
    }
    size_t n = (size_t)(ps->p - from);
    char buf[JSON_MAX_NUMBER + 1];
    if (n > JSON_MAX_NUMBER) {
        ps->p = from;
        return -HEARTH_ERANGE;
    }
    memcpy(buf, from, n);
    buf[n] = '\0';
    double d = strtod(buf, NULL);
    if (!isfinite(d)) {
        ps->p = from;
        return -HEARTH_ERANGE;
    }
    unsigned idx;
    int rc = alloc_value(ps, JSON_NUMBER, &idx);
    if (rc < 0)
        return rc;
    ps->v[idx].num = d;
    ps->v[idx].integral = integral;
    ps->v[idx].next = ps->n;
    return 0;
}

static int parse_literal(struct parser *ps)
{
    static const struct {
        const char *text;
        enum json_type type;
    } lits[] = {{"true", JSON_TRUE}, {"false", JSON_FALSE}, {"null", JSON_NULL}};
    for (size_t i = 0; i < sizeof(lits) / sizeof(lits[0]); i++) {
        size_t n = strlen(lits[i].text);
        if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, lits[i].text, n) == 0) {
            unsigned idx;
            int rc = alloc_value(ps, lits[i].type, &idx);
            if (rc < 0)
                return rc;
            ps->p += n;
            ps->v[idx].next = ps->n;
            return 0;
        }
    }
    return -HEARTH_EINVAL;
}

/* A key equal to an earlier member's key of the object at obj (members before key_idx). */
static int repeated_key(const struct parser *ps, unsigned obj, unsigned key_idx)
{
    const struct json_value *key = &ps->v[key_idx];
    for (unsigned k = obj + 1; k < key_idx; k = ps->v[k + 1].next)
        if (ps->v[k].len == key->len && memcmp(ps->v[k].str, key->str, key->len) == 0)
            return 1;
    return 0;
}

/* An array or object; ps->p is at its opening bracket. */
static int parse_container(struct parser *ps, enum json_type type)
{
    unsigned idx;
    char close = type == JSON_OBJECT ? '}' : ']';
    int rc = alloc_value(ps, type, &idx);
    if (rc < 0)
        return rc;
    if (++ps->depth > JSON_MAX_DEPTH)
        return -HEARTH_ERANGE;
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        goto done;
    }
    for (;;) {
        skip_ws(ps);
        if (type == JSON_OBJECT) {
            if (ps->p >= ps->end || *ps->p != '"')
                return -HEARTH_EINVAL;
            const char *key_at = ps->p;
            unsigned key_idx = ps->n;
            if ((rc = parse_string(ps)) < 0)
                return rc;
            if (repeated_key(ps, idx, key_idx)) {
                ps->p = key_at;
                return -HEARTH_EINVAL;
            }
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':')
                return -HEARTH_EINVAL;
            ps->p++;
        }
        if ((rc = parse_value(ps)) < 0)
            return rc;
        ps->v[idx].count++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
        } else if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            break;
        } else {
            return -HEARTH_EINVAL;
        }
    }
done:
    ps->depth--;
    ps->v[idx].next = ps->n;
    return 0;
}

static int parse_value(struct parser *ps)
{
    skip_ws(ps);
    if (ps->p >= ps->end)
        return -HEARTH_EINVAL;
    char c = *ps->p;
    if (c == '{')
        return parse_container(ps, JSON_OBJECT);
    if (c == '[')
        return parse_container(ps, JSON_ARRAY);
    if (c == '"')
        return parse_string(ps);
    if (c == '-' || (c >= '0' && c <= '9'))
        return parse_number(ps);
    return parse_literal(ps);
}

int json_parse(const char *text, size_t len, struct json_doc *doc, struct json_value *vals, unsigned max_vals,
               char *strbuf, size_t strcap)
{
    struct parser ps = {.start = text,
                        .p = text,
                        .end = text + len,
                        .v = vals,
                        .max = max_vals,
                        .sb = strbuf,
                        .scap = strcap};
    int rc = parse_value(&ps);
    if (rc == 0) {
        skip_ws(&ps);
        if (ps.p != ps.end)
            rc = -HEARTH_EINVAL; /* trailing garbage */
    }
    doc->v = vals;
    doc->n = rc == 0 ? ps.n : 0;
    doc->err_offset = rc == 0 ? 0 : (size_t)(ps.p - text);
    return rc;
}

const struct json_value *json_first(const struct json_value *container)
{
    if (!container || (container->type != JSON_ARRAY && container->type != JSON_OBJECT) || !container->count)
        return NULL;
    return container + 1;
}

const struct json_value *json_next(const struct json_doc *doc, const struct json_value *container,
                                   const struct json_value *v)
{
    uint32_t after = container->type == JSON_OBJECT ? (v + 1)->next : v->next;
    return after < container->next ? &doc->v[after] : NULL;
}

int json_is(const struct json_value *v, const char *s)
{
    return v && v->type == JSON_STRING && v->len == strlen(s) && memcmp(v->str, s, v->len) == 0;
}

const struct json_value *json_get(const struct json_doc *doc, const struct json_value *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJECT)
        return NULL;
    for (const struct json_value *k = json_first(obj); k; k = json_next(doc, obj, k))
        if (json_is(k, key))
            return k + 1;
    return NULL;
}
