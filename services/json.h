/* SPDX-License-Identifier: ISC */
/* A strict RFC 8259 JSON reader into caller-provided arrays, and a small escaping JSON writer. */
#ifndef SERVICES_JSON_H
#define SERVICES_JSON_H

#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 16  /* nested arrays/objects deeper than this are refused */
#define JSON_MAX_NUMBER 64 /* characters in one number literal */

enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

/*
 * One value of a parsed document, in document order: a container is followed by its children (an
 * object's children alternate key string, value). next is the index of the first value after this one
 * and everything inside it, so siblings are reached without walking descendants.
 */
struct json_value {
    uint8_t type;    /* enum json_type */
    uint32_t next;   /* index just past this value's subtree */
    uint32_t count;  /* array: elements; object: members */
    const char *str; /* string: decoded UTF-8, NUL-terminated, in the caller's string buffer */
    size_t len;      /* string: bytes in str (no NUL byte inside: \u0000 is refused) */
    double num;      /* number: its value (always finite) */
    int integral;    /* number: written without fraction or exponent */
};

struct json_doc {
    struct json_value *v; /* v[0] is the top-level value */
    unsigned n;           /* values used */
    size_t err_offset;    /* on failure: the byte offset of the input where parsing stopped */
};

/*
 * Parses text[0, len) as one JSON value (any type at the top, whitespace around it, nothing after it).
 * Values go into vals (max_vals entries), decoded strings into strbuf (strcap bytes; len + 1 always
 * suffices). Both arrays are caller-owned and must outlive doc. Strict: UTF-8 is validated (no overlong
 * forms, no surrogates, nothing above U+10FFFF), control characters must be escaped, \u escapes must
 * pair surrogates, numbers follow the RFC grammar and must be finite doubles, and an object may not
 * repeat a key. Returns 0, -HEARTH_EINVAL (not JSON, or \u0000, or a repeated key), -HEARTH_ERANGE
 * (nested deeper than JSON_MAX_DEPTH, a number longer than JSON_MAX_NUMBER or beyond a double),
 * -HEARTH_ENOSPC (more values than max_vals, or strings beyond strcap). doc->err_offset says where.
 */
int json_parse(const char *text, size_t len, struct json_doc *doc, struct json_value *vals, unsigned max_vals,
               char *strbuf, size_t strcap);

/* The value of member key in object obj (a value of doc), or NULL (no such member, or obj not an object). */
const struct json_value *json_get(const struct json_doc *doc, const struct json_value *obj, const char *key);

/* The first child of a container (an object's first key), or NULL when it is empty or not a container. */
const struct json_value *json_first(const struct json_value *container);

/* The sibling after v (for an object's value: the next key), given the container; NULL after the last. */
const struct json_value *json_next(const struct json_doc *doc, const struct json_value *container,
                                   const struct json_value *v);

/* 1 when v is a string equal to s. */
int json_is(const struct json_value *v, const char *s);

/*
 * A bounded output buffer for building JSON answers. Writers append while there is room; once
 * something does not fit, overflow is set and the text is unusable (callers check json_out_ok).
 */
struct json_out {
    char *buf;
    size_t cap, len;
    int overflow;
};

void json_out_init(struct json_out *o, char *buf, size_t cap);

/* Appends printf-formatted raw text (the caller keeps it valid JSON). */
void json_out_raw(struct json_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends s[0, len) as a quoted JSON string: ", \ and control characters escaped; bytes otherwise as is. */
void json_out_str(struct json_out *o, const char *s, size_t len);

/* 1 when nothing overflowed; buf is then NUL-terminated. */
int json_out_ok(const struct json_out *o);

#endif
