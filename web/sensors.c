/* SPDX-License-Identifier: ISC */
/* GET /api/sensors: every sensor (registry metadata) with each series the store holds readings for. */
#include "web.h"

#include "json.h"
#include "registry.h"
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

/* The series of sensor id (a key prefix "<id>/"), each with its unit from the registry when it has one. */
static void write_series(struct json_out *o, const struct summary *s, const char *id,
                         struct registry_sensor *reg_s)
{
    size_t idlen = strlen(id);
    unsigned n = 0;
    json_out_raw(o, "\"series\":[");
    for (unsigned i = 0; i < s->n; i++) {
        const struct series *e = &s->all[i];
        if (strncmp(e->key, id, idlen) != 0 || e->key[idlen] != '/')
            continue;
        const char *quantity = e->key + idlen + 1;
        const struct registry_quantity *q = reg_s ? registry_quantity(reg_s, quantity, 0) : NULL;
        json_out_raw(o, "%s{\"quantity\":\"%s\",\"unit\":", n++ ? "," : "", quantity);
        json_out_str(o, q ? q->unit : "", q ? strlen(q->unit) : 0);
        json_out_raw(
            o, ",\"count\":%" PRIu64 ",\"first_ns\":%" PRIu64 ",\"last_ns\":%" PRIu64 ",\"last_value\":%s}",
            e->count, e->first_ns, e->last_ns, e->last_value[0] ? e->last_value : "null");
    }
    json_out_raw(o, "]}");
}

/* Whether series i is the first of its sensor (so each unregistered sensor is listed once). */
static int first_of_sensor(const struct summary *s, unsigned i, size_t idlen)
{
    for (unsigned j = 0; j < i; j++)
        if (strncmp(s->all[j].key, s->all[i].key, idlen + 1) == 0)
            return 0;
    return 1;
}

void web_sensors(struct http_exchange *x, void *arg)
{
    struct store *st = web_readings_store();
    struct registry *reg = web_registry();
    struct summary s = {0};
    struct json_out o;
    char *body = NULL;
    int rc = 0;
    unsigned listed = 0;
    (void)arg;
    if (!st && !reg) {
        http_respond_error(x, 503);
        return;
    }
    s.all = calloc(MAX_SERIES, sizeof(*s.all));
    struct store_query q = {.type = STORE_T_READING};
    if (!s.all || (st && (rc = store_iterate(st, &q, visit, &s)) < 0)) {
        http_respond_error(x, s.all ? 500 : 503);
        goto out;
    }
    unsigned sensors = reg ? reg->count : 0;
    size_t cap = 256 + (size_t)sensors * 1600 + (size_t)s.n * (2 * STORE_KEY_MAX + 240);
    if (!(body = malloc(cap))) {
        http_respond_error(x, 503);
        goto out;
    }
    json_out_init(&o, body, cap);
    json_out_raw(&o, "{\"sensors\":[");
    for (unsigned i = 0; i < sensors; i++) {
        struct registry_sensor *e = reg->sensors[i];
        json_out_raw(&o, "%s", listed++ ? "," : "");
        registry_sensor_json(e, &o, 0);
        /* The registry's object is reopened to add the series: its closing brace becomes a comma. */
        if (json_out_ok(&o))
            o.buf[o.len - 1] = ',';
        json_out_raw(&o, "\"registered\":true,");
        write_series(&o, &s, e->id, e);
    }
    /* Readings of sensors the registry does not hold (stored before it existed, or it was full). */
    for (unsigned i = 0; i < s.n; i++) {
        const char *slash = strchr(s.all[i].key, '/');
        char id[READING_SENSOR_MAX + 1];
        size_t idlen = slash ? (size_t)(slash - s.all[i].key) : 0;
        if (!idlen || idlen > READING_SENSOR_MAX || !first_of_sensor(&s, i, idlen))
            continue;
        memcpy(id, s.all[i].key, idlen);
        id[idlen] = '\0';
        if (reg && registry_find(reg, id))
            continue;
        json_out_raw(&o, "%s{\"id\":\"%s\",\"registered\":false,", listed++ ? "," : "", id);
        write_series(&o, &s, id, NULL);
    }
    json_out_raw(&o, "],\"truncated\":%s}\n", s.truncated ? "true" : "false");
    if (json_out_ok(&o))
        http_respond(x, 200, "application/json", "Cache-Control: no-store\r\n", body, o.len, 1);
    else
        http_respond_error(x, 500);
out:
    free(s.all);
    free(body);
}
