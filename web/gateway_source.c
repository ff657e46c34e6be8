/* SPDX-License-Identifier: ISC */
/* The gateway's data source over raw readings in the store: raw points or bucket means computed here. */
#include "gateway.h"

#include "store.h"

#include <hearth/err.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS ((uint64_t)1000000000)

static int reading_value(const struct store_record *rec, double *v)
{
    char text[48];
    char *end;
    if (rec->payload_len == 0 || rec->payload_len >= sizeof(text))
        return -HEARTH_EBADMSG;
    memcpy(text, rec->payload, rec->payload_len);
    text[rec->payload_len] = '\0';
    *v = strtod(text, &end);
    return *end == '\0' && isfinite(*v) ? 0 : -HEARTH_EBADMSG;
}

struct raw {
    struct gateway_point *out;
    unsigned cap, n;
    unsigned long matched;
};

/* Keeps the cap earliest readings: the log is mostly but not strictly in time order. */
static int visit_raw(void *arg, const struct store_record *rec)
{
    struct raw *r = arg;
    double v;
    if (reading_value(rec, &v) < 0)
        return 0;
    r->matched++;
    struct gateway_point p = {.t_ns = rec->timestamp_ns, .value = v};
    if (r->n < r->cap) {
        r->out[r->n++] = p;
        return 0;
    }
    unsigned latest = 0;
    for (unsigned i = 1; i < r->n; i++)
        if (r->out[i].t_ns > r->out[latest].t_ns)
            latest = i;
    if (p.t_ns < r->out[latest].t_ns)
        r->out[latest] = p;
    return 0;
}

static int by_time(const void *a, const void *b)
{
    const struct gateway_point *x = a, *y = b;
    return x->t_ns < y->t_ns ? -1 : x->t_ns > y->t_ns;
}

struct buckets {
    uint64_t from, width;
    unsigned count;
    double *sum;
    uint32_t *n;
};

static int visit_bucket(void *arg, const struct store_record *rec)
{
    struct buckets *b = arg;
    double v;
    uint64_t i = (rec->timestamp_ns - b->from) / b->width;
    if (i < b->count && reading_value(rec, &v) == 0) {
        b->sum[i] += v;
        b->n[i]++;
    }
    return 0;
}

int gateway_source_store_means(void *ctx, const char *sensor, const char *quantity, enum policy_gran g,
                               uint64_t from_ns, uint64_t to_ns, struct gateway_point *out, unsigned cap,
                               unsigned *n, bool *more)
{
    struct store *st = ctx;
    char key[STORE_KEY_MAX + 1];
    int klen = snprintf(key, sizeof(key), "%s/%s", sensor, quantity);
    *n = 0;
    *more = false;
    if (!st || klen < 0 || klen > STORE_KEY_MAX || g == POLICY_G_THRESHOLD || to_ns <= from_ns)
        return to_ns <= from_ns && st ? 0 : -HEARTH_EINVAL;
    struct store_query q = {.type = STORE_T_READING,
                            .key = (const uint8_t *)key,
                            .key_len = (uint8_t)klen,
                            .t_from = from_ns,
                            .t_to = to_ns};
    if (g == POLICY_G_RAW) {
        struct raw r = {.out = out, .cap = cap};
        int rc = store_iterate(st, &q, visit_raw, &r);
        if (rc < 0)
            return rc;
        qsort(out, r.n, sizeof(*out), by_time);
        *n = r.n;
        *more = r.matched > r.n;
        return 0;
    }
    struct buckets b = {.from = from_ns, .width = (uint64_t)policy_gran_seconds(g) * NS};
    uint64_t nb = (to_ns - from_ns + b.width - 1) / b.width;
    if (nb > cap) {
        /* Only the first cap buckets: the caller continues after the last point it gets. */
        nb = cap;
        q.t_to = from_ns + nb * b.width;
        *more = true;
    }
    b.count = (unsigned)nb;
    b.sum = calloc(nb, sizeof(*b.sum));
    b.n = calloc(nb, sizeof(*b.n));
    int rc = b.sum && b.n ? store_iterate(st, &q, visit_bucket, &b) : -HEARTH_ENOMEM;
    for (unsigned i = 0; rc == 0 && i < b.count; i++)
        if (b.n[i])
            out[(*n)++] = (struct gateway_point){.t_ns = from_ns + i * b.width, .value = b.sum[i] / b.n[i]};
    free(b.sum);
    free(b.n);
    return rc;
}
