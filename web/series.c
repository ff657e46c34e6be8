/* SPDX-License-Identifier: ISC */
/* GET /api/sensors/<id>/readings?quantity=&from=&to=&tier=raw|1m|1h|1d&limit=: one sensor's series as JSON.
 */
#include "web.h"

#include "jsonw.h"
#include "rollup.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "/api/sensors/"
#define SUFFIX "/readings"
#define DEFAULT_LIMIT 500u
#define MAX_LIMIT 2000u
#define MAX_POINTS 4000u /* in one answer, over all quantities: bounds the body (~110 bytes a point) */
#define BODY_MAX (MAX_POINTS * 128u + 16384u)
#define NS_PER_S 1000000000ull
#define MAX_UNIX_S 4000000000ull

static struct rollup *series_rollup;
static int (*series_wall_ns)(int64_t *unix_ns);

void web_series_set_rollup(struct rollup *ru, int (*wall_ns)(int64_t *unix_ns))
{
    series_rollup = ru;
    series_wall_ns = wall_ns;
}

static void bad_request(struct http_exchange *x, const char *why)
{
    http_respond_fmt(x, 400, "application/json", "{\"error\":\"Bad Request\",\"detail\":\"%s\"}\n", why);
}

static bool name_ok(const char *s, size_t n, size_t max, bool dash)
{
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
              (dash && s[i] == '-')))
            return false;
    return true;
}

/* Unix seconds: decimal digits only, at most MAX_UNIX_S. */
static bool seconds_ok(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s || strlen(s) > 10)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return v <= MAX_UNIX_S;
}

struct params {
    char quantity[READING_QUANTITY_MAX + 1];
    bool raw;
    enum rollup_tier tier;
    uint64_t from_ns, to_ns;
    uint32_t limit;
};

/* Parses the query string; returns NULL or what is wrong with it. */
static const char *parse_params(const char *q, struct params *p)
{
    bool have_from = false, have_to = false, have[5] = {false};
    uint64_t v;
    p->quantity[0] = '\0';
    p->raw = true;
    p->limit = DEFAULT_LIMIT;
    while (q && *q) {
        const char *amp = strchr(q, '&'), *eq = strchr(q, '=');
        size_t len = amp ? (size_t)(amp - q) : strlen(q);
        if (!eq || eq >= q + len)
            return "parameters are name=value";
        char name[12], value[24];
        size_t nlen = (size_t)(eq - q), vlen = len - nlen - 1;
        if (nlen >= sizeof(name) || vlen >= sizeof(value))
            return "parameter too long";
        memcpy(name, q, nlen);
        name[nlen] = '\0';
        memcpy(value, eq + 1, vlen);
        value[vlen] = '\0';
        static const char *const names[] = {"quantity", "from", "to", "tier", "limit"};
        int k = -1;
        for (int i = 0; i < 5; i++)
            if (strcmp(name, names[i]) == 0)
                k = i;
        if (k < 0)
            return "unknown parameter (known: quantity, from, to, tier, limit)";
        if (have[k])
            return "repeated parameter";
        have[k] = true;
        if (k == 0) {
            if (!name_ok(value, vlen, READING_QUANTITY_MAX, false))
                return "quantity is [a-z0-9_]{1,24}";
            memcpy(p->quantity, value, vlen + 1);
        } else if (k == 1 || k == 2) {
            if (!seconds_ok(value, &v))
                return "from and to are Unix seconds";
            if (k == 1) {
                p->from_ns = v * NS_PER_S;
                have_from = true;
            } else {
                p->to_ns = v * NS_PER_S;
                have_to = true;
            }
        } else if (k == 3) {
            p->raw = strcmp(value, "raw") == 0;
            if (!p->raw && rollup_tier_parse(value, &p->tier) < 0)
                return "tier is raw, 1m, 1h or 1d";
        } else {
            if (!seconds_ok(value, &v) || v == 0 || v > MAX_LIMIT)
                return "limit is 1..2000";
            p->limit = (uint32_t)v;
        }
        q = amp ? amp + 1 : NULL;
    }
    /* Defaults: up to now (or the end of time without a clock), back one day (raw, 1m), 90 days, 10 years. */
    int64_t now;
    if (!have_to)
        p->to_ns = series_wall_ns && series_wall_ns(&now) == 0 && now > 0 ? (uint64_t)now + NS_PER_S
                                                                          : MAX_UNIX_S * NS_PER_S;
    if (!have_from) {
        uint64_t span = p->raw || p->tier == ROLLUP_1M ? 86400
                        : p->tier == ROLLUP_1H         ? 90 * 86400
                                                       : 3650 * 86400;
        p->from_ns = p->to_ns > span * NS_PER_S ? p->to_ns - span * NS_PER_S : 0;
    }
    if (p->from_ns >= p->to_ns)
        return "from must be before to";
    return NULL;
}

struct emit {
    struct jsonw *w;
    bool raw, first;
    uint32_t points;
};

static int emit_point(void *arg, uint64_t t_ns, const struct rollup_agg *a)
{
    struct emit *e = arg;
    jsonw_raw(e->w, e->first ? "{\"t\":" : ",{\"t\":");
    e->first = false;
    jsonw_time(e->w, t_ns);
    if (e->raw) {
        jsonw_raw(e->w, ",\"v\":");
        jsonw_double(e->w, a->sum);
    } else {
        jsonw_raw(e->w, ",\"min\":");
        jsonw_double(e->w, a->min);
        jsonw_raw(e->w, ",\"max\":");
        jsonw_double(e->w, a->max);
        jsonw_raw(e->w, ",\"mean\":");
        jsonw_double(e->w, a->sum / a->count);
        jsonw_fmt(e->w, ",\"count\":%lu", (unsigned long)a->count);
    }
    jsonw_raw(e->w, "}");
    e->points++;
    return 0;
}

/* Writes one series; returns the points written or a negative error. */
static int write_series(struct jsonw *w, const char *key, const char *quantity, const struct params *p,
                        uint32_t limit, bool *truncated)
{
    struct emit e = {.w = w, .raw = p->raw, .first = true};
    jsonw_raw(w, "{\"quantity\":");
    jsonw_str(w, quantity);
    jsonw_raw(w, ",\"points\":[");
    int rc =
        p->raw ? rollup_query_raw(series_rollup, key, p->from_ns, p->to_ns, limit, emit_point, &e, truncated)
               : rollup_query(series_rollup, key, p->tier, p->from_ns, p->to_ns, limit, emit_point, &e,
                              truncated);
    jsonw_fmt(w, "],\"truncated\":%s}", *truncated ? "true" : "false");
    return rc < 0 ? rc : (int)e.points;
}

void web_series(struct http_exchange *x, void *arg)
{
    const char *path = http_path(x), *id = path + strlen(PREFIX);
    size_t plen = strlen(path), slen = strlen(SUFFIX);
    struct params p;
    (void)arg;
    if (strncmp(path, PREFIX, strlen(PREFIX)) != 0 || plen <= strlen(PREFIX) + slen ||
        strcmp(path + plen - slen, SUFFIX) != 0) {
        http_respond_error(x, 404);
        return;
    }
    size_t id_len = plen - strlen(PREFIX) - slen;
    char sensor[READING_SENSOR_MAX + 1];
    if (!name_ok(id, id_len, READING_SENSOR_MAX, true)) {
        http_respond_error(x, 404);
        return;
    }
    memcpy(sensor, id, id_len);
    sensor[id_len] = '\0';
    if (!series_rollup) {
        http_respond_error(x, 503);
        return;
    }
    const char *why = parse_params(http_query(x), &p);
    if (why) {
        bad_request(x, why);
        return;
    }
    /* The quantities: the one asked for, or every series of the sensor the hub knows. */
    const struct rollup *ru = series_rollup;
    unsigned match[ROLLUP_MAX_SERIES], n = 0;
    for (unsigned i = 0; i < ru->nseries; i++) {
        const struct rollup_series *s = &ru->series[i];
        if (s->key_len > id_len && memcmp(s->key, sensor, id_len) == 0 && s->key[id_len] == '/' &&
            (!p.quantity[0] || strcmp(s->key + id_len + 1, p.quantity) == 0))
            match[n++] = i;
    }
    if (n == 0) {
        http_respond_fmt(x, 404, "application/json", "{\"error\":\"Not Found\",\"detail\":\"no such %s\"}\n",
                         p.quantity[0] ? "sensor or quantity" : "sensor");
        return;
    }
    struct jsonw w;
    bool any_truncated = false;
    uint32_t budget = MAX_POINTS;
    int rc = 0;
    jsonw_init(&w, BODY_MAX);
    jsonw_raw(&w, "{\"sensor\":");
    jsonw_str(&w, sensor);
    jsonw_fmt(&w, ",\"tier\":\"%s\",\"from\":", p.raw ? "raw" : rollup_tier_name(p.tier));
    jsonw_time(&w, p.from_ns);
    jsonw_raw(&w, ",\"to\":");
    jsonw_time(&w, p.to_ns);
    jsonw_raw(&w, ",\"series\":[");
    for (unsigned i = 0; i < n && rc >= 0; i++) {
        const struct rollup_series *s = &ru->series[match[i]];
        bool truncated = false;
        if (i)
            jsonw_raw(&w, ",");
        uint32_t limit = p.limit < budget ? p.limit : budget;
        if (limit == 0) {
            /* The answer's point budget is spent: this quantity is listed, empty and truncated. */
            jsonw_raw(&w, "{\"quantity\":");
            jsonw_str(&w, s->key + id_len + 1);
            jsonw_raw(&w, ",\"points\":[],\"truncated\":true}");
            any_truncated = true;
            continue;
        }
        rc = write_series(&w, s->key, s->key + id_len + 1, &p, limit, &truncated);
        if (rc > 0)
            budget -= (uint32_t)rc;
        any_truncated |= truncated;
    }
    jsonw_fmt(&w, "],\"truncated\":%s}\n", any_truncated ? "true" : "false");
    if (rc < 0 || w.failed)
        http_respond_error(x, rc == -HEARTH_ENOMEM || w.failed ? 503 : 500);
    else
        http_respond(x, 200, "application/json", "Cache-Control: no-store\r\n", w.buf, w.len, 1);
    jsonw_free(&w);
}
