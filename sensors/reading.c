/* SPDX-License-Identifier: ISC */
/* Reading parsing and validation: strict character sets, bounded lengths, finite values only. */
#include "reading.h"

#include "json.h"

#include <hearth/err.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int part_ok(const char *p, size_t n, size_t max, int allow_dash)
{
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (allow_dash && c == '-')))
            return 0;
    }
    return 1;
}

int reading_parse_topic(const char *topic, size_t len, struct reading *r)
{
    static const char prefix[] = "hearth/";
    const size_t plen = sizeof(prefix) - 1;
    if (len < plen || memcmp(topic, prefix, plen) != 0)
        return -HEARTH_ENOENT;
    const char *sensor = topic + plen, *end = topic + len;
    const char *slash = memchr(sensor, '/', (size_t)(end - sensor));
    if (!slash)
        return -HEARTH_EINVAL;
    const char *quantity = slash + 1;
    size_t sn = (size_t)(slash - sensor), qn = (size_t)(end - quantity);
    if (memchr(quantity, '/', qn) || !part_ok(sensor, sn, READING_SENSOR_MAX, 1) ||
        !part_ok(quantity, qn, READING_QUANTITY_MAX, 0))
        return -HEARTH_EINVAL;
    memcpy(r->sensor, sensor, sn);
    r->sensor[sn] = '\0';
    memcpy(r->quantity, quantity, qn);
    r->quantity[qn] = '\0';
    return 0;
}

/* A JSON number or plain decimal: strtod over a bounded, NUL-terminated copy, fully consumed. */
static int parse_number(const char *s, size_t n, double *out, const char **rest)
{
    char buf[40];
    size_t i = 0;
    while (i < n && i < sizeof(buf) - 1 && strchr("+-0123456789.eE", s[i]))
        i++;
    if (i == 0 || i == sizeof(buf) - 1)
        return -HEARTH_EINVAL;
    memcpy(buf, s, i);
    buf[i] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (end != buf + i || !isfinite(v))
        return -HEARTH_EINVAL;
    *out = v;
    *rest = s + i;
    return 0;
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

int reading_id_ok(const char *s, size_t len, int quantity)
{
    return part_ok(s, len, quantity ? READING_QUANTITY_MAX : READING_SENSOR_MAX, !quantity);
}

int reading_from_json(const struct json_doc *doc, const struct json_value *obj, int with_ids,
                      struct reading *r, const char **field)
{
    int have_value = 0, have_sensor = 0, have_quantity = 0;
    *field = "";
    if (obj->type != JSON_OBJECT)
        return -HEARTH_EINVAL;
    r->timestamp_ns = 0;
    for (const struct json_value *k = json_first(obj); k; k = json_next(doc, obj, k)) {
        const struct json_value *v = k + 1;
        *field = k->str;
        if (json_is(k, "value")) {
            if (v->type != JSON_NUMBER)
                return -HEARTH_EINVAL;
            r->value = v->num;
            have_value = 1;
        } else if (json_is(k, "ts")) {
            /* Unix seconds as an integer: below 2^32 s, so the nanoseconds fit in 64 bits. */
            if (v->type != JSON_NUMBER || !v->integral || v->num < 0 || v->num > 4e9)
                return -HEARTH_EINVAL;
            r->timestamp_ns = (uint64_t)v->num * 1000000000ull;
        } else if (with_ids && (json_is(k, "sensor") || json_is(k, "quantity"))) {
            int quantity = json_is(k, "quantity");
            if (v->type != JSON_STRING || !reading_id_ok(v->str, v->len, quantity))
                return -HEARTH_EINVAL;
            memcpy(quantity ? r->quantity : r->sensor, v->str, v->len + 1);
            have_quantity |= quantity;
            have_sensor |= !quantity;
        } else {
            return -HEARTH_EINVAL; /* unknown members are refused, not silently ignored */
        }
    }
    if (with_ids && !have_sensor) {
        *field = "sensor";
        return -HEARTH_EINVAL;
    }
    if (with_ids && !have_quantity) {
        *field = "quantity";
        return -HEARTH_EINVAL;
    }
    if (!have_value) {
        *field = "value";
        return -HEARTH_EINVAL;
    }
    *field = "";
    return 0;
}

#define PAYLOAD_MAX 256
#define PAYLOAD_VALUES 16

int reading_parse_payload(const uint8_t *payload, size_t len, struct reading *r)
{
    const char *p = (const char *)payload, *end = p + len;
    r->timestamp_ns = 0;
    if (len == 0 || len > PAYLOAD_MAX || memchr(p, '\0', len))
        return -HEARTH_EINVAL;
    p = skip_ws(p, end);
    if (p < end && *p == '{') {
        struct json_value vals[PAYLOAD_VALUES];
        char strbuf[PAYLOAD_MAX + 1];
        struct json_doc doc;
        const char *field;
        if (json_parse((const char *)payload, len, &doc, vals, PAYLOAD_VALUES, strbuf, sizeof(strbuf)) < 0)
            return -HEARTH_EINVAL;
        return reading_from_json(&doc, &doc.v[0], 0, r, &field);
    }
    const char *after;
    if (parse_number(p, (size_t)(end - p), &r->value, &after) < 0)
        return -HEARTH_EINVAL;
    return skip_ws(after, end) == end ? 0 : -HEARTH_EINVAL;
}

int reading_validate(const struct reading *r, int64_t now_unix_s)
{
    static const struct {
        const char *quantity;
        double lo, hi;
    } ranges[] = {
        {"temperature", -60, 100}, {"humidity", 0, 100},    {"moisture", 0, 100},
        {"battery", 0, 100},       {"pressure", 300, 1100}, {"co2", 0, 100000},
        {"gas", 0, 1000000},       {"lux", 0, 200000},      {"door", 0, 1},
        {"motion", 0, 1},          {"power", 0, 100000},    {"energy", 0, 1e9},
    };
    double lo = -1e9, hi = 1e9;
    for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
        if (strcmp(r->quantity, ranges[i].quantity) == 0) {
            lo = ranges[i].lo;
            hi = ranges[i].hi;
        }
    if (!(r->value >= lo && r->value <= hi))
        return -HEARTH_ERANGE;
    if (r->timestamp_ns) {
        int64_t ts = (int64_t)(r->timestamp_ns / 1000000000ull);
        if (ts < 1577836800 || (now_unix_s > 0 && ts > now_unix_s + 300))
            return -HEARTH_ERANGE;
    }
    return 0;
}

int reading_key(const struct reading *r, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s/%s", r->sensor, r->quantity);
    return n < 0 || (size_t)n >= cap ? -HEARTH_ERANGE : n;
}

int reading_encode_value(const struct reading *r, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%.17g", r->value);
    return n < 0 || (size_t)n >= cap ? -HEARTH_ERANGE : n;
}
