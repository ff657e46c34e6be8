/* SPDX-License-Identifier: ISC */
/* libFuzzer target: the strict JSON reader, plus a round trip of what it accepts through the writer. */
#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VALS 256

static void canon(const struct json_doc *doc, const struct json_value *v, struct json_out *o)
{
    switch (v->type) {
    case JSON_NULL: json_out_raw(o, "null"); break;
    case JSON_TRUE: json_out_raw(o, "true"); break;
    case JSON_FALSE: json_out_raw(o, "false"); break;
    case JSON_NUMBER: json_out_raw(o, "%.17g", v->num); break;
    case JSON_STRING:
        if (strlen(v->str) != v->len) /* no NUL byte may hide inside a decoded string */
            abort();
        json_out_str(o, v->str, v->len);
        break;
    default: {
        int obj = v->type == JSON_OBJECT;
        uint32_t n = 0;
        json_out_raw(o, obj ? "{" : "[");
        for (const struct json_value *c = json_first(v); c; c = json_next(doc, v, c), n++) {
            json_out_raw(o, "%s", n ? "," : "");
            canon(doc, c, o);
            if (obj) {
                if (c->type != JSON_STRING || json_get(doc, v, c->str) != c + 1)
                    abort(); /* keys are strings and unique, so lookup finds this very member */
                json_out_raw(o, ":");
                canon(doc, c + 1, o);
            }
        }
        if (n != v->count)
            abort();
        json_out_raw(o, obj ? "}" : "]");
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct json_value vals[MAX_VALS], again[MAX_VALS];
    struct json_doc doc, doc2;
    char *sb = malloc(size + 1);
    if (!sb)
        return 0;
    if (json_parse((const char *)data, size, &doc, vals, MAX_VALS, sb, size + 1) == 0) {
        if (doc.v[0].next != doc.n)
            abort();
        size_t cap = size * 6 + 64; /* every byte may become \u00XX, numbers may grow to 24 bytes */
        char *out = malloc(cap), *sb2 = malloc(cap);
        struct json_out o, o2;
        if (out && sb2) {
            json_out_init(&o, out, cap);
            canon(&doc, &doc.v[0], &o);
            if (json_out_ok(&o)) {
                /* The canonical form parses again to the same canonical form. */
                if (json_parse(out, o.len, &doc2, again, MAX_VALS, sb2, cap) != 0 || doc2.n != doc.n)
                    abort();
                char *out2 = malloc(cap);
                if (out2) {
                    json_out_init(&o2, out2, cap);
                    canon(&doc2, &doc2.v[0], &o2);
                    if (!json_out_ok(&o2) || o2.len != o.len || memcmp(out, out2, o.len) != 0)
                        abort();
                    free(out2);
                }
            }
        }
        free(out);
        free(sb2);
    }
    free(sb);
    return 0;
}
