/* SPDX-License-Identifier: ISC */
/* Cookie header, Origin and JSON body parsing for authentication: strict, bounded, no allocation. */
#include "auth_parse.h"

#include <hearth/err.h>
#include <string.h>
#include <strings.h>

/* RFC 6265 cookie-octet: visible ASCII except DQUOTE, comma, semicolon and backslash. */
static int cookie_octet(unsigned char c)
{
    return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\';
}

int auth_cookie_get(const char *header, const char *name, char *out, size_t cap)
{
    size_t name_len = strlen(name);
    const char *p = header;
    if (!header)
        return -HEARTH_ENOENT;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *pair = p, *end = strchr(p, ';');
        if (!end)
            end = p + strlen(p);
        const char *eq = memchr(pair, '=', (size_t)(end - pair));
        p = *end ? end + 1 : end;
        if (!eq || (size_t)(eq - pair) != name_len || memcmp(pair, name, name_len) != 0)
            continue; /* other cookies are none of our business, even malformed ones */
        const char *v = eq + 1, *v_end = end;
        while (v_end > v && (v_end[-1] == ' ' || v_end[-1] == '\t'))
            v_end--;
        if (v_end - v >= 2 && *v == '"' && v_end[-1] == '"') {
            v++;
            v_end--;
        }
        for (const char *q = v; q < v_end; q++)
            if (!cookie_octet((unsigned char)*q))
                return -HEARTH_EINVAL;
        size_t n = (size_t)(v_end - v);
        if (n + 1 > cap)
            return -HEARTH_ERANGE;
        memcpy(out, v, n);
        out[n] = '\0';
        return (int)n;
    }
    return -HEARTH_ENOENT;
}

/* Length of host without a trailing ":443" (the HTTPS default port, which browsers leave out). */
static size_t host_len(const char *h)
{
    size_t n = strlen(h);
    return n > 4 && strcmp(h + n - 4, ":443") == 0 ? n - 4 : n;
}

int auth_same_origin(const char *origin, const char *sec_fetch_site, const char *host)
{
    if (sec_fetch_site && strcmp(sec_fetch_site, "same-origin") != 0)
        return 0;
    if (!origin)
        return 1;
    if (!host || strncasecmp(origin, "https://", 8) != 0)
        return 0;
    const char *o = origin + 8;
    size_t on = host_len(o), hn = host_len(host);
    return on > 0 && on == hn && strncasecmp(o, host, on) == 0 && !strchr(host, '/');
}

/* ---- A strict reader of one flat JSON object whose members are all strings. ---- */

struct json {
    const uint8_t *p, *end;
};

static void skip_ws(struct json *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int hex4(const uint8_t *p, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t c = p[i];
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 16u;
        if (d == 16)
            return -1;
        *v = *v << 4 | d;
    }
    return 0;
}

/* Appends one code point as UTF-8 when out is not NULL; counts bytes either way. */
static void put_utf8(uint8_t *out, size_t cap, size_t *n, unsigned cp)
{
    uint8_t b[4];
    size_t k;
    if (cp < 0x80) {
        b[0] = (uint8_t)cp;
        k = 1;
    } else if (cp < 0x800) {
        b[0] = (uint8_t)(0xc0 | cp >> 6);
        b[1] = (uint8_t)(0x80 | (cp & 0x3f));
        k = 2;
    } else if (cp < 0x10000) {
        b[0] = (uint8_t)(0xe0 | cp >> 12);
        b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (uint8_t)(0x80 | (cp & 0x3f));
        k = 3;
    } else {
        b[0] = (uint8_t)(0xf0 | cp >> 18);
        b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (uint8_t)(0x80 | (cp & 0x3f));
        k = 4;
    }
    for (size_t i = 0; i < k; i++, (*n)++)
        if (out && *n < cap)
            out[*n] = b[i];
}

/*
 * Reads a string at j->p (which must be at its opening quote), decoding it into out (cap bytes; NULL to
 * skip). Sets *len to the decoded length (which may exceed cap). Returns 0 or -1 when malformed.
 */
static int read_string(struct json *j, uint8_t *out, size_t cap, size_t *len)
{
    size_t n = 0;
    if (j->p >= j->end || *j->p != '"')
        return -1;
    j->p++;
    while (j->p < j->end) {
        uint8_t c = *j->p++;
        if (c == '"') {
            *len = n;
            return 0;
        }
        if (c < 0x20)
            return -1; /* raw control bytes must be escaped; NUL in particular never reaches C strings */
        if (c != '\\') {
            if (out && n < cap)
                out[n] = c;
            n++;
            continue;
        }
        if (j->p >= j->end)
            return -1;
        c = *j->p++;
        const char *simple = strchr("\"\\/bfnrt", c);
        if (c && simple) {
            static const char decoded[] = "\"\\/\b\f\n\r\t";
            put_utf8(out, cap, &n, (unsigned char)decoded[simple - "\"\\/bfnrt"]);
            continue;
        }
        unsigned cp, lo;
        if (c != 'u' || j->end - j->p < 4 || hex4(j->p, &cp) < 0)
            return -1;
        j->p += 4;
        if (cp >= 0xd800 && cp <= 0xdbff) {
            if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' || hex4(j->p + 2, &lo) < 0 ||
                lo < 0xdc00 || lo > 0xdfff)
                return -1; /* a high surrogate alone */
            j->p += 6;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        } else if ((cp >= 0xdc00 && cp <= 0xdfff) || cp == 0) {
            return -1; /* a low surrogate alone, or a NUL */
        }
        put_utf8(out, cap, &n, cp);
    }
    return -1;
}

#define JSON_MAX_MEMBERS 16
#define JSON_NAME_MAX 32

int auth_json_string(const uint8_t *body, size_t len, const char *name, char *out, size_t cap)
{
    if (!body)
        return -HEARTH_EINVAL;
    struct json j = {body, body + len};
    char seen[JSON_MAX_MEMBERS][JSON_NAME_MAX + 1];
    unsigned members = 0;
    int found = -HEARTH_ENOENT;
    size_t name_len = strlen(name);
    skip_ws(&j);
    if (j.p >= j.end || *j.p++ != '{')
        return -HEARTH_EINVAL;
    skip_ws(&j);
    if (j.p < j.end && *j.p == '}') {
        j.p++;
        goto done;
    }
    for (;;) {
        uint8_t key[JSON_NAME_MAX];
        size_t key_len, value_len;
        skip_ws(&j);
        if (read_string(&j, key, sizeof(key), &key_len) < 0 || key_len > JSON_NAME_MAX ||
            members == JSON_MAX_MEMBERS)
            return -HEARTH_EINVAL;
        for (unsigned i = 0; i < members; i++)
            if (strlen(seen[i]) == key_len && memcmp(seen[i], key, key_len) == 0)
                return -HEARTH_EINVAL; /* a repeated name: which one counts would be a guess */
        memcpy(seen[members], key, key_len);
        seen[members++][key_len] = '\0';
        skip_ws(&j);
        if (j.p >= j.end || *j.p++ != ':')
            return -HEARTH_EINVAL;
        skip_ws(&j);
        int match = key_len == name_len && memcmp(key, name, name_len) == 0;
        const uint8_t *value_start = j.p;
        if (read_string(&j, NULL, 0, &value_len) < 0)
            return -HEARTH_EINVAL;
        if (match) {
            if (value_len + 1 > cap) {
                found = -HEARTH_ERANGE;
            } else {
                struct json again = {value_start, j.end};
                read_string(&again, (uint8_t *)out, cap, &value_len);
                out[value_len] = '\0';
                found = (int)value_len;
            }
        }
        skip_ws(&j);
        if (j.p < j.end && *j.p == ',') {
            j.p++;
            continue;
        }
        if (j.p < j.end && *j.p == '}') {
            j.p++;
            break;
        }
        return -HEARTH_EINVAL;
    }
done:
    skip_ws(&j);
    return j.p == j.end ? found : -HEARTH_EINVAL;
}
