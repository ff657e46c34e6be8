/* SPDX-License-Identifier: ISC */
/* Answers for the series API: buckets of a tier (stored or computed from raw while pending) and raw points.
 */
#include "rollup.h"

#include <hearth/err.h>
#include <stdlib.h>
#include <string.h>

struct bucket {
    struct rollup_agg raw, rec;
    uint64_t rec_seq;
};

struct tier_scan {
    enum rollup_tier t;
    uint64_t first, len;
    uint32_t n;
    struct bucket *b;
};

static int tier_visit(void *arg, const struct store_record *r)
{
    struct tier_scan *q = arg;
    enum rollup_tier t;
    double v;
    if (r->type == STORE_T_READING) {
        uint64_t b = rollup_bucket(q->t, r->timestamp_ns);
        if (r->timestamp_ns >= ROLLUP_EPOCH_2020_NS && b >= q->first && (b - q->first) / q->len < q->n &&
            rollup_parse_value(r->payload, r->payload_len, &v) == 0)
            rollup_agg_add(&q->b[(b - q->first) / q->len].raw, r->timestamp_ns, v);
    } else if (rollup_type_tier(r->type, &t) == 0 && t == q->t) {
        uint64_t b = r->timestamp_ns;
        struct rollup_agg a;
        if (b >= q->first && b % q->len == 0 && (b - q->first) / q->len < q->n) {
            struct bucket *e = &q->b[(b - q->first) / q->len];
            if (r->seq > e->rec_seq && rollup_decode(r->payload, r->payload_len, t, &a) == 0) {
                e->rec = a;
                e->rec_seq = r->seq;
            }
        }
    }
    return 0;
}

int rollup_query(struct rollup *ru, const char *key, enum rollup_tier t, uint64_t from_ns, uint64_t to_ns,
                 uint32_t limit, rollup_point_fn fn, void *arg, bool *truncated)
{
    size_t key_len = strlen(key);
    *truncated = false;
    if (limit == 0 || to_ns <= from_ns || key_len == 0 || key_len > STORE_KEY_MAX ||
        (unsigned)t >= ROLLUP_TIERS)
        return -HEARTH_EINVAL;
    struct tier_scan q = {.t = t, .len = rollup_tier_ns(t)};
    uint64_t last = rollup_bucket(t, to_ns - 1);
    q.first = rollup_bucket(t, from_ns);
    if ((last - q.first) / q.len >= limit) {
        q.first = last - (uint64_t)(limit - 1) * q.len;
        *truncated = true;
    }
    q.n = (uint32_t)((last - q.first) / q.len + 1);
    if (!(q.b = calloc(q.n, sizeof(*q.b))))
        return -HEARTH_ENOMEM;
    struct store_query sq = {
        .key = (const uint8_t *)key, .key_len = (uint8_t)key_len, .t_from = q.first, .t_to = last + q.len};
    int rc = store_iterate(ru->store, &sq, tier_visit, &q);
    const struct rollup_series *s = rollup_find(ru, key, key_len);
    for (uint32_t k = 0; rc == 0 && k < q.n; k++) {
        const struct bucket *e = &q.b[k];
        uint64_t b = q.first + k * q.len;
        /* A pending bucket's record may be stale; one without a record has only its raw readings. */
        bool use_raw = e->rec_seq == 0 || !s || rollup_pending(s, t, b);
        const struct rollup_agg *a = use_raw && e->raw.count ? &e->raw : e->rec_seq ? &e->rec : NULL;
        if (a)
            rc = fn(arg, b, a);
    }
    free(q.b);
    return rc;
}

/* The newest readings in a min-heap on timestamp: the root is the first to go when a newer one comes. */
struct raw_scan {
    uint64_t *ts;
    double *v;
    uint32_t n, cap;
    bool dropped;
};

static void heap_swap(struct raw_scan *h, uint32_t a, uint32_t b)
{
    uint64_t t = h->ts[a];
    double v = h->v[a];
    h->ts[a] = h->ts[b];
    h->v[a] = h->v[b];
    h->ts[b] = t;
    h->v[b] = v;
}

static void heap_down(struct raw_scan *h, uint32_t i, uint32_t n)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && h->ts[l] < h->ts[m])
            m = l;
        if (r < n && h->ts[r] < h->ts[m])
            m = r;
        if (m == i)
            return;
        heap_swap(h, i, m);
        i = m;
    }
}

static int raw_visit(void *arg, const struct store_record *r)
{
    struct raw_scan *h = arg;
    double v;
    if (rollup_parse_value(r->payload, r->payload_len, &v) < 0)
        return 0;
    if (h->n < h->cap) {
        uint32_t i = h->n++;
        h->ts[i] = r->timestamp_ns;
        h->v[i] = v;
        while (i > 0 && h->ts[(i - 1) / 2] > h->ts[i]) {
            heap_swap(h, i, (i - 1) / 2);
            i = (i - 1) / 2;
        }
        return 0;
    }
    h->dropped = true;
    if (r->timestamp_ns > h->ts[0]) {
        h->ts[0] = r->timestamp_ns;
        h->v[0] = v;
        heap_down(h, 0, h->n);
    }
    return 0;
}

int rollup_query_raw(struct rollup *ru, const char *key, uint64_t from_ns, uint64_t to_ns, uint32_t limit,
                     rollup_point_fn fn, void *arg, bool *truncated)
{
    size_t key_len = strlen(key);
    *truncated = false;
    if (limit == 0 || to_ns <= from_ns || key_len == 0 || key_len > STORE_KEY_MAX)
        return -HEARTH_EINVAL;
    struct raw_scan h = {.cap = limit};
    h.ts = malloc(limit * sizeof(*h.ts));
    h.v = malloc(limit * sizeof(*h.v));
    int rc = -HEARTH_ENOMEM;
    if (h.ts && h.v) {
        struct store_query sq = {.type = STORE_T_READING,
                                 .key = (const uint8_t *)key,
                                 .key_len = (uint8_t)key_len,
                                 .t_from = from_ns,
                                 .t_to = to_ns};
        rc = store_iterate(ru->store, &sq, raw_visit, &h);
    }
    if (rc == 0) {
        /* Heap order to time order: take the minimum off the end, repeatedly. */
        for (uint32_t n = h.n; n > 1; n--) {
            heap_swap(&h, 0, n - 1);
            heap_down(&h, 0, n - 1);
        }
        *truncated = h.dropped;
        /* The sort above leaves the newest first. */
        for (uint32_t i = h.n; rc == 0 && i > 0; i--) {
            struct rollup_agg a = {.count = 1,
                                   .min = h.v[i - 1],
                                   .max = h.v[i - 1],
                                   .sum = h.v[i - 1],
                                   .first_ns = h.ts[i - 1],
                                   .last_ns = h.ts[i - 1]};
            rc = fn(arg, h.ts[i - 1], &a);
        }
    }
    free(h.ts);
    free(h.v);
    return rc;
}
