/* SPDX-License-Identifier: ISC */
/* Unit tests for the strict JSON reader and writer, from tests/unit/vectors/json.txt. */
#include "check.h"
#include "json.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VALS 64

/* Only \xNN is decoded, so JSON's own backslash escapes are written in the vectors as they are. */
static size_t decode_hex(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = in; *p && n < cap; p++) {
        unsigned v;
        if (p[0] == '\\' && p[1] == 'x' && sscanf(p + 2, "%2x", &v) == 1 && p[2] && p[3]) {
            out[n++] = (char)v;
            p += 3;
        } else {
            out[n++] = *p;
        }
    }
    return n;
}

/* A compact canonical form: numbers as %.17g, strings through json_out_str, members in input order. */
static void canon(const struct json_doc *doc, const struct json_value *v, struct json_out *o)
{
    switch (v->type) {
    case JSON_NULL: json_out_raw(o, "null"); break;
    case JSON_TRUE: json_out_raw(o, "true"); break;
    case JSON_FALSE: json_out_raw(o, "false"); break;
    case JSON_NUMBER: json_out_raw(o, "%.17g", v->num); break;
    case JSON_STRING: json_out_str(o, v->str, v->len); break;
    default: {
        int obj = v->type == JSON_OBJECT;
        json_out_raw(o, obj ? "{" : "[");
        for (const struct json_value *c = json_first(v); c; c = json_next(doc, v, c)) {
            json_out_raw(o, "%s", c == json_first(v) ? "" : ",");
            canon(doc, c, o);
            if (obj) {
                json_out_raw(o, ":");
                canon(doc, c + 1, o);
            }
        }
        json_out_raw(o, obj ? "}" : "]");
    }
    }
}

static void vector(char **f, int n, const char *where)
{
    if (n != 2) {
        check_record(0, where, 0, "vector has 2 fields");
        return;
    }
    char text[4096], want[4096], out[4096];
    size_t len = decode_hex(f[0], text, sizeof(text));
    size_t wlen = decode_hex(f[1], want, sizeof(want) - 1);
    want[wlen] = '\0';
    struct json_value vals[MAX_VALS];
    char *strbuf = malloc(len + 1);
    struct json_doc doc;
    int rc = json_parse(text, len, &doc, vals, MAX_VALS, strbuf, len + 1);
    if (!strncmp(want, "OK ", 3)) {
        struct json_out o;
        json_out_init(&o, out, sizeof(out));
        if (rc == 0)
            canon(&doc, &doc.v[0], &o);
        int same = rc == 0 && json_out_ok(&o) && strcmp(out, want + 3) == 0;
        check_record(same, where, 0, "parses to the canonical form");
        if (!same)
            check_note("  rc %d at %lu, got %s", rc, (unsigned long)doc.err_offset, rc == 0 ? out : "");
        check_record(rc != 0 || doc.v[0].next == doc.n, where, 0, "the top value spans every value");
    } else {
        int code = !strcmp(want, "ERANGE")   ? -HEARTH_ERANGE
                   : !strcmp(want, "ENOSPC") ? -HEARTH_ENOSPC
                                             : -HEARTH_EINVAL;
        check_record(rc == code, where, 0, want);
        if (rc != code)
            check_note("  got %d", rc);
    }
    free(strbuf);
}

static void test_api(void)
{
    const char *text = "{\"a\": 1, \"b\": [true, {\"c\": \"x\"}], \"d\": null}";
    struct json_value vals[16];
    char sb[64];
    struct json_doc doc;
    CHECK_INT(json_parse(text, strlen(text), &doc, vals, 16, sb, sizeof(sb)), 0);
    const struct json_value *b = json_get(&doc, &doc.v[0], "b");
    CHECK(b && b->type == JSON_ARRAY && b->count == 2);
    const struct json_value *e = json_first(b);
    CHECK(e && e->type == JSON_TRUE);
    e = json_next(&doc, b, e);
    CHECK(e && json_is(json_get(&doc, e, "c"), "x"));
    CHECK(json_next(&doc, b, e) == NULL);
    CHECK(json_get(&doc, &doc.v[0], "d")->type == JSON_NULL);
    CHECK(json_get(&doc, &doc.v[0], "e") == NULL);
    CHECK(json_get(&doc, b, "a") == NULL);
    const struct json_value *a = json_get(&doc, &doc.v[0], "a");
    CHECK(a && a->num == 1 && a->integral);
    /* Limits: too few values, too little string space. */
    CHECK_INT(json_parse(text, strlen(text), &doc, vals, 5, sb, sizeof(sb)), -HEARTH_ENOSPC);
    CHECK_INT(json_parse(text, strlen(text), &doc, vals, 16, sb, 4), -HEARTH_ENOSPC);
    CHECK_INT(json_parse("[1,2,x]", 7, &doc, vals, 16, sb, sizeof(sb)), -HEARTH_EINVAL);
    CHECK_INT(doc.err_offset, 5);
    /* The writer: escapes, and overflow is sticky. */
    char buf[32];
    struct json_out o;
    json_out_init(&o, buf, sizeof(buf));
    json_out_str(&o, "a\"b\\c\n\x01", 7);
    CHECK(json_out_ok(&o) && strcmp(buf, "\"a\\\"b\\\\c\\n\\u0001\"") == 0);
    json_out_init(&o, buf, 8);
    json_out_str(&o, "0123456789", 10);
    json_out_raw(&o, "x");
    CHECK(!json_out_ok(&o));
    /* Deep nesting: JSON_MAX_DEPTH levels parse, one more does not. */
    char deep[2 * JSON_MAX_DEPTH + 4];
    memset(deep, '[', JSON_MAX_DEPTH);
    memset(deep + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
    CHECK_INT(json_parse(deep, 2 * JSON_MAX_DEPTH, &doc, vals, 16, sb, sizeof(sb)), 0);
    memset(deep, '[', JSON_MAX_DEPTH + 1);
    memset(deep + JSON_MAX_DEPTH + 1, ']', JSON_MAX_DEPTH + 1);
    struct json_value many[64];
    CHECK_INT(json_parse(deep, 2 * JSON_MAX_DEPTH + 2, &doc, many, 64, sb, sizeof(sb)), -HEARTH_ERANGE);
}

int main(void)
{
    CHECK(check_vectors_raw("vectors/json.txt", 2, vector) >= 80);
    test_api();
    return check_summary("json");
}
