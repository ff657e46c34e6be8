/* SPDX-License-Identifier: ISC */
/* The registry's sensors: their JSON record form, loading and persisting, and the ingest observer. */
#include "registry_int.h"

#include "log.h"

#include <hearth/err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void registry_init(struct registry *reg, struct store *store, int (*random)(void *buf, size_t len),
                   int (*wall_ns)(int64_t *unix_ns))
{
    memset(reg, 0, sizeof(*reg));
    reg->store = store;
    reg->random = random;
    reg->wall_ns = wall_ns;
}

void registry_reset(struct registry *reg)
{
    for (unsigned i = 0; i < reg->count; i++)
        free(reg->sensors[i]);
    reg->count = 0;
    memset(reg->sensors, 0, sizeof(reg->sensors));
    memset(&reg->stats, 0, sizeof(reg->stats));
}

struct registry_sensor *registry_find(struct registry *reg, const char *id)
{
    for (unsigned i = 0; i < reg->count; i++)
        if (strcmp(reg->sensors[i]->id, id) == 0)
            return reg->sensors[i];
    return NULL;
}

struct registry_sensor *registry_add(struct registry *reg, const char *id, const char *origin)
{
    struct registry_sensor *s;
    if (reg->count == REGISTRY_MAX_SENSORS) {
        reg->stats.full++;
        return NULL;
    }
    if (!reading_id_ok(id, strlen(id), 0) || !(s = calloc(1, sizeof(*s))))
        return NULL;
    snprintf(s->id, sizeof(s->id), "%s", id);
    snprintf(s->origin, sizeof(s->origin), "%s", origin);
    s->burst = REGISTRY_DEFAULT_BURST;
    s->rate = REGISTRY_DEFAULT_RATE;
    reg->sensors[reg->count++] = s;
    return s;
}

struct registry_quantity *registry_quantity(struct registry_sensor *s, const char *q, int create)
{
    for (unsigned i = 0; i < s->q_count; i++)
        if (strcmp(s->q[i].quantity, q) == 0)
            return &s->q[i];
    if (!create || s->q_count == REGISTRY_MAX_QUANTITIES || !reading_id_ok(q, strlen(q), 1))
        return NULL;
    struct registry_quantity *e = &s->q[s->q_count++];
    memset(e, 0, sizeof(*e));
    snprintf(e->quantity, sizeof(e->quantity), "%s", q);
    return e;
}

uint64_t registry_now_s(const struct registry *reg)
{
    int64_t ns;
    return reg->wall_ns && reg->wall_ns(&ns) == 0 && ns > 0 ? (uint64_t)ns / 1000000000u : 0;
}

int registry_text_ok(const char *s, size_t len, size_t max)
{
    if (len > max)
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
            return 0;
    return 1;
}

int registry_kind_ok(const char *s, size_t len)
{
    if (len > REGISTRY_KIND_MAX)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

static int hex_nibble(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The members of a stored record only: token hash, seen times, discovery entries, origin. */
static int apply_stored(struct registry_sensor *s, const struct json_doc *doc, const struct json_value *k)
{
    const struct json_value *v = k + 1;
    if (json_is(k, "id")) {
        if (!json_is(v, s->id))
            return -HEARTH_EINVAL; /* a record under another sensor's key */
    } else if (json_is(k, "token_sha256")) {
        if (v->type != JSON_STRING || v->len != 64)
            return -HEARTH_EINVAL;
        for (int i = 0; i < 32; i++) {
            int hi = hex_nibble(v->str[2 * i]), lo = hex_nibble(v->str[2 * i + 1]);
            if (hi < 0 || lo < 0)
                return -HEARTH_EINVAL;
            s->token_hash[i] = (uint8_t)(hi << 4 | lo);
        }
        s->has_token = 1;
    } else if (json_is(k, "first_seen") || json_is(k, "last_seen")) {
        if (v->type != JSON_NUMBER || !v->integral || v->num < 0 || v->num > 4e9)
            return -HEARTH_EINVAL;
        *(json_is(k, "first_seen") ? &s->first_seen_s : &s->last_seen_s) = (uint64_t)v->num;
    } else if (json_is(k, "origin")) {
        if (v->type != JSON_STRING || !registry_kind_ok(v->str, v->len) || v->len >= sizeof(s->origin))
            return -HEARTH_EINVAL;
        memcpy(s->origin, v->str, v->len + 1);
    } else if (json_is(k, "discovery")) {
        if (v->type != JSON_OBJECT)
            return -HEARTH_EINVAL;
        for (const struct json_value *d = json_first(v); d; d = json_next(doc, v, d)) {
            struct registry_quantity *q = registry_quantity(s, d->str, 1);
            if (!q || d[1].type != JSON_STRING || d[1].len > REGISTRY_DISCOVERY_MAX)
                return -HEARTH_EINVAL;
            memcpy(q->discovery, d[1].str, d[1].len + 1);
        }
    } else {
        return -HEARTH_EINVAL;
    }
    return 0;
}

int registry_apply(struct registry_sensor *s, const struct json_doc *doc, const struct json_value *obj,
                   int stored, const char **field)
{
    *field = "";
    if (obj->type != JSON_OBJECT)
        return -HEARTH_EINVAL;
    for (const struct json_value *k = json_first(obj); k; k = json_next(doc, obj, k)) {
        const struct json_value *v = k + 1;
        int is_name = json_is(k, "name"), is_location = json_is(k, "location");
        *field = k->str;
        if (is_name || is_location) {
            if (v->type != JSON_STRING || !registry_text_ok(v->str, v->len, REGISTRY_NAME_MAX))
                return -HEARTH_EINVAL;
            memcpy(is_name ? s->name : s->location, v->str, v->len + 1);
        } else if (json_is(k, "kind")) {
            if (v->type != JSON_STRING || !registry_kind_ok(v->str, v->len))
                return -HEARTH_EINVAL;
            memcpy(s->kind, v->str, v->len + 1);
        } else if (json_is(k, "units")) {
            if (v->type != JSON_OBJECT)
                return -HEARTH_EINVAL;
            for (const struct json_value *u = json_first(v); u; u = json_next(doc, v, u)) {
                struct registry_quantity *q = registry_quantity(s, u->str, 1);
                *field = u->str;
                if (!q || u[1].type != JSON_STRING ||
                    !registry_text_ok(u[1].str, u[1].len, REGISTRY_UNIT_MAX))
                    return -HEARTH_EINVAL;
                memcpy(q->unit, u[1].str, u[1].len + 1);
            }
        } else if (json_is(k, "burst")) {
            if (v->type != JSON_NUMBER || !v->integral || v->num < 1 || v->num > REGISTRY_MAX_BURST)
                return -HEARTH_EINVAL;
            s->burst = (uint32_t)v->num;
        } else if (json_is(k, "rate")) {
            if (v->type != JSON_NUMBER || !(v->num >= 0.001 && v->num <= REGISTRY_MAX_RATE))
                return -HEARTH_EINVAL;
            s->rate = v->num;
        } else if (json_is(k, "raw_days")) {
            /* 0 goes back to the hub's default; otherwise ROLLUP_MIN_RAW_DAYS (the rollups' need) .. 10
             * years. */
            if (v->type != JSON_NUMBER || !v->integral || v->num < 0 ||
                (v->num > 0 && v->num < REGISTRY_MIN_RAW_DAYS) || v->num > REGISTRY_MAX_RAW_DAYS)
                return -HEARTH_EINVAL;
            s->raw_days = (uint32_t)v->num;
        } else if (!stored || apply_stored(s, doc, k) < 0) {
            return -HEARTH_EINVAL;
        }
    }
    *field = "";
    return 0;
}

void registry_sensor_json(const struct registry_sensor *s, struct json_out *o, int secret)
{
    json_out_raw(o, "{\"id\":\"%s\",\"name\":", s->id);
    json_out_str(o, s->name, strlen(s->name));
    json_out_raw(o, ",\"kind\":\"%s\",\"location\":", s->kind);
    json_out_str(o, s->location, strlen(s->location));
    json_out_raw(o, ",\"origin\":\"%s\",\"units\":{", s->origin);
    for (unsigned i = 0; i < s->q_count; i++) {
        json_out_raw(o, "%s\"%s\":", i ? "," : "", s->q[i].quantity);
        json_out_str(o, s->q[i].unit, strlen(s->q[i].unit));
    }
    json_out_raw(o, "},\"discovery\":{");
    for (unsigned i = 0, n = 0; i < s->q_count; i++)
        if (s->q[i].discovery[0]) {
            json_out_raw(o, "%s\"%s\":", n++ ? "," : "", s->q[i].quantity);
            json_out_str(o, s->q[i].discovery, strlen(s->q[i].discovery));
        }
    json_out_raw(
        o,
        "},\"first_seen\":%" PRIu64 ",\"last_seen\":%" PRIu64 ",\"burst\":%lu,\"rate\":%.6g,\"raw_days\":%lu",
        s->first_seen_s, s->last_seen_s, (unsigned long)s->burst, s->rate, (unsigned long)s->raw_days);
    if (secret && s->has_token) {
        json_out_raw(o, ",\"token_sha256\":\"");
        for (int i = 0; i < 32; i++)
            json_out_raw(o, "%02x", s->token_hash[i]);
        json_out_raw(o, "\"");
    } else if (!secret) {
        json_out_raw(o, ",\"token\":%s,\"limited\":%lu", s->has_token ? "true" : "false", s->limited);
    }
    json_out_raw(o, "}");
}

int registry_persist(struct registry *reg, struct registry_sensor *s, int commit)
{
    char key[STORE_KEY_MAX + 1], payload[STORE_PAYLOAD_MAX];
    struct json_out o;
    if (!reg->store)
        return 0;
    json_out_init(&o, payload, sizeof(payload));
    registry_sensor_json(s, &o, 1);
    int klen = snprintf(key, sizeof(key), REGISTRY_KEY_PREFIX "%s", s->id);
    if (!json_out_ok(&o) || klen < 0 || (size_t)klen >= sizeof(key))
        return -HEARTH_ERANGE; /* the limits above keep every record far below STORE_PAYLOAD_MAX */
    int64_t now = 0;
    if (reg->wall_ns)
        reg->wall_ns(&now);
    struct store_record rec = {.type = STORE_T_CONFIG,
                               .key = (const uint8_t *)key,
                               .key_len = (uint8_t)klen,
                               .payload = (const uint8_t *)payload,
                               .payload_len = (uint16_t)o.len,
                               .timestamp_ns = now > 0 ? (uint64_t)now : 0};
    int rc = store_append(reg->store, &rec, NULL, NULL, NULL);
    if (rc == 0 && commit)
        rc = store_commit(reg->store);
    if (rc < 0) {
        reg->stats.persist_errors++;
        log_line("registry: sensor %s not saved (%s)", s->id, hearth_strerror(rc));
        return rc;
    }
    s->persisted_seen_s = s->last_seen_s;
    return 0;
}

struct loader {
    struct registry *reg;
    struct json_value vals[REGISTRY_RECORD_VALUES];
    char strbuf[STORE_PAYLOAD_MAX + 1];
    int bad;
};

static int load_one(void *arg, const struct store_record *rec)
{
    struct loader *l = arg;
    const size_t plen = sizeof(REGISTRY_KEY_PREFIX) - 1;
    char id[READING_SENSOR_MAX + 1];
    struct json_doc doc;
    const char *field;
    if (rec->key_len <= plen || rec->key_len - plen > READING_SENSOR_MAX ||
        memcmp(rec->key, REGISTRY_KEY_PREFIX, plen) != 0)
        return 0;
    memcpy(id, rec->key + plen, rec->key_len - plen);
    id[rec->key_len - plen] = '\0';
    struct registry_sensor *s = registry_find(l->reg, id);
    if (s && s->seq > rec->seq)
        return 0; /* compaction carries older records past newer ones: the highest seq wins */
    struct registry_sensor fresh = {0};
    snprintf(fresh.id, sizeof(fresh.id), "%s", id);
    fresh.burst = REGISTRY_DEFAULT_BURST;
    fresh.rate = REGISTRY_DEFAULT_RATE;
    if (!reading_id_ok(id, strlen(id), 0) ||
        json_parse((const char *)rec->payload, rec->payload_len, &doc, l->vals, REGISTRY_RECORD_VALUES,
                   l->strbuf, sizeof(l->strbuf)) < 0 ||
        registry_apply(&fresh, &doc, &doc.v[0], 1, &field) < 0) {
        l->bad++;
        log_line("registry: skipping a bad record for %s (seq %" PRIu64 ")", id, rec->seq);
        return 0;
    }
    if (!s && !(s = registry_add(l->reg, id, fresh.origin)))
        return 0;
    fresh.seq = rec->seq;
    fresh.persisted_seen_s = fresh.last_seen_s;
    *s = fresh;
    return 0;
}

int registry_load(struct registry *reg)
{
    if (!reg->store)
        return 0;
    struct loader *l = calloc(1, sizeof(*l));
    if (!l)
        return -HEARTH_ENOMEM;
    l->reg = reg;
    struct store_query q = {.type = STORE_T_CONFIG};
    int rc = store_iterate(reg->store, &q, load_one, l);
    free(l);
    return rc < 0 ? rc : (int)reg->count;
}

void registry_observe(void *arg, const struct reading *r, uint64_t seq)
{
    struct registry *reg = arg;
    struct registry_sensor *s = registry_find(reg, r->sensor);
    uint64_t now = registry_now_s(reg);
    int changed = 0;
    (void)seq;
    if (!now)
        now = r->timestamp_ns / 1000000000u;
    if (!s) {
        if (!(s = registry_add(reg, r->sensor, "mqtt")))
            return;
        reg->stats.auto_registered++;
        log_line("registry: new sensor %s registered from its first reading", s->id);
        changed = 1;
    }
    if (!registry_quantity(s, r->quantity, 0) && registry_quantity(s, r->quantity, 1))
        changed = 1;
    if (!s->first_seen_s) {
        s->first_seen_s = now;
        changed = 1;
    }
    if (now > s->last_seen_s)
        s->last_seen_s = now;
    if (changed || s->last_seen_s >= s->persisted_seen_s + REGISTRY_SEEN_PERSIST_S)
        registry_persist(reg, s, 0);
}

uint32_t registry_raw_days(void *arg, const char *sensor, size_t len)
{
    struct registry *reg = arg;
    char id[READING_SENSOR_MAX + 1];
    if (len == 0 || len > READING_SENSOR_MAX)
        return 0;
    memcpy(id, sensor, len);
    id[len] = '\0';
    struct registry_sensor *s = registry_find(reg, id);
    return s ? s->raw_days : 0;
}
