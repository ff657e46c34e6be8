/* SPDX-License-Identifier: ISC */
/* GET /api/readings?sensor=S&quantity=Q[&from=T&to=T]: stored readings as JSON, newest last. */
#include "web.h"

#include "store.h"

#include <hearth/err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_READINGS 500
#define BODY_CAP (MAX_READINGS * 48 + 256)

static struct store *readings_store;

void web_readings_set_store(struct store *st)
{
    readings_store = st;
}

struct store *web_readings_store(void)
{
    return readings_store;
}

/* Copies query parameter name's value (no percent-decoding: keys are [a-z0-9_-]) into out. */
static int query_param(const char *query, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    for (const char *p = query; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        if (strncmp(p, name, n) == 0 && p[n] == '=') {
            size_t len = strcspn(p + n + 1, "&");
            if (len == 0 || len >= cap)
                return -HEARTH_EINVAL;
            memcpy(out, p + n + 1, len);
            out[len] = '\0';
            return 0;
        }
    }
    return -HEARTH_ENOENT;
}

static int key_part_ok(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

struct collect {
    char *body;
    size_t len;
    unsigned count;
    uint64_t from, to;
};

static int collect(void *arg, const struct store_record *rec)
{
    struct collect *c = arg;
    if (rec->timestamp_ns < c->from || rec->timestamp_ns > c->to)
        return 0;
    if (c->count == MAX_READINGS)
        return 1; /* a full page: the caller narrows from/to for more */
    char value[40];
    size_t vlen = rec->payload_len < sizeof(value) - 1 ? rec->payload_len : sizeof(value) - 1;
    memcpy(value, rec->payload, vlen);
    value[vlen] = '\0';
    int n = snprintf(c->body + c->len, BODY_CAP - c->len, "%s{\"ts_ns\":%" PRIu64 ",\"value\":%s}",
                     c->count ? "," : "", rec->timestamp_ns, value);
    if (n < 0 || (size_t)n >= BODY_CAP - c->len)
        return 1;
    c->len += (size_t)n;
    c->count++;
    return 0;
}

void web_readings(struct http_exchange *x, void *arg)
{
    (void)arg;
    char sensor[40], quantity[32], num[24], key[80];
    const char *q = http_query(x);
    if (!readings_store) {
        http_respond_error(x, 503);
        return;
    }
    if (query_param(q, "sensor", sensor, sizeof(sensor)) < 0 ||
        query_param(q, "quantity", quantity, sizeof(quantity)) < 0 || !key_part_ok(sensor) ||
        !key_part_ok(quantity)) {
        http_respond_error(x, 400);
        return;
    }
    struct collect c = {.from = 0, .to = UINT64_MAX};
    if (query_param(q, "from", num, sizeof(num)) == 0)
        c.from = strtoull(num, NULL, 10);
    if (query_param(q, "to", num, sizeof(num)) == 0)
        c.to = strtoull(num, NULL, 10);
    int klen = snprintf(key, sizeof(key), "%s/%s", sensor, quantity);
    if (!(c.body = malloc(BODY_CAP))) {
        http_respond_error(x, 503);
        return;
    }
    c.len = (size_t)snprintf(c.body, BODY_CAP, "{\"sensor\":\"%s\",\"quantity\":\"%s\",\"readings\":[",
                             sensor, quantity);
    struct store_query sq = {.type = STORE_T_READING,
                             .key = (const uint8_t *)key,
                             .key_len = (uint8_t)klen,
                             .t_from = c.from,
                             .t_to = c.to};
    int rc = store_iterate(readings_store, &sq, collect, &c);
    if (rc < 0) {
        free(c.body);
        http_respond_error(x, 500);
        return;
    }
    c.len += (size_t)snprintf(c.body + c.len, BODY_CAP - c.len, "],\"count\":%u}\n", c.count);
    http_respond(x, 200, "application/json", "Cache-Control: no-store\r\n", c.body, c.len, 1);
    free(c.body);
}
