/* SPDX-License-Identifier: ISC */
/* GET /api/sensors: every sensor/quantity the store holds readings for, with first/last seen and count. */
#include "web.h"

#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SERIES 128

struct series {
    char key[STORE_KEY_MAX + 1];
    uint64_t first_ns, last_ns, count;
    char last_value[32];
};

struct summary {
    struct series *all;
    unsigned n;
    int truncated;
};

static int visit(void *arg, const struct store_record *rec)
{
    struct summary *s = arg;
    struct series *x = NULL;
    for (unsigned i = 0; i < s->n && !x; i++)
        if (strlen(s->all[i].key) == rec->key_len && memcmp(s->all[i].key, rec->key, rec->key_len) == 0)
            x = &s->all[i];
    if (!x) {
        if (s->n == MAX_SERIES) {
            s->truncated = 1;
            return 0;
        }
        x = &s->all[s->n++];
        memcpy(x->key, rec->key, rec->key_len);
        x->key[rec->key_len] = '\0';
        x->first_ns = UINT64_MAX;
    }
    x->count++;
    if (rec->timestamp_ns < x->first_ns)
        x->first_ns = rec->timestamp_ns;
    if (rec->timestamp_ns >= x->last_ns) {
        x->last_ns = rec->timestamp_ns;
        size_t n =
            rec->payload_len < sizeof(x->last_value) - 1 ? rec->payload_len : sizeof(x->last_value) - 1;
        memcpy(x->last_value, rec->payload, n);
        x->last_value[n] = '\0';
    }
    return 0;
}

void web_sensors(struct http_exchange *x, void *arg)
{
    struct store *st = web_readings_store();
    struct summary s = {0};
    char *body = NULL;
    (void)arg;
    if (!st) {
        http_respond_error(x, 503);
        return;
    }
    size_t cap = MAX_SERIES * (STORE_KEY_MAX + 160) + 64, len = 0;
    s.all = calloc(MAX_SERIES, sizeof(*s.all));
    body = malloc(cap);
    struct store_query q = {.type = STORE_T_READING};
    if (!s.all || !body || store_iterate(st, &q, visit, &s) < 0) {
        http_respond_error(x, s.all && body ? 500 : 503);
        goto out;
    }
    len += (size_t)snprintf(body + len, cap - len, "{\"sensors\":[");
    for (unsigned i = 0; i < s.n; i++) {
        const struct series *e = &s.all[i];
        const char *slash = strchr(e->key, '/');
        int sensor_len = slash ? (int)(slash - e->key) : (int)strlen(e->key);
        len += (size_t)snprintf(body + len, cap - len,
                                "%s{\"sensor\":\"%.*s\",\"quantity\":\"%s\",\"count\":%" PRIu64
                                ",\"first_ns\":%" PRIu64 ",\"last_ns\":%" PRIu64 ",\"last_value\":%s}",
                                i ? "," : "", sensor_len, e->key, slash ? slash + 1 : "", e->count,
                                e->first_ns, e->last_ns, e->last_value[0] ? e->last_value : "null");
    }
    len += (size_t)snprintf(body + len, cap - len, "],\"truncated\":%s}\n", s.truncated ? "true" : "false");
    http_respond(x, 200, "application/json", "Cache-Control: no-store\r\n", body, len, 1);
out:
    free(s.all);
    free(body);
}
