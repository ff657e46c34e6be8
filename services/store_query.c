/* SPDX-License-Identifier: ISC */
/* Reading the store: records by type, key, time range and seq, and the latest record that matches. */
#include "store_int.h"

#include <hearth/err.h>
#include <string.h>

/* The segment summaries let a query skip segments that cannot hold a match without reading them. */
static bool segment_may_match(const struct store_summary *sm, const struct store_query *q, uint64_t bloom)
{
    if (sm->count == 0 || (q->type && !(sm->type_mask & 1u << q->type)))
        return false;
    if (q->key_len && (sm->bloom & bloom) != bloom)
        return false;
    /* A record's seq is at most its log_seq, and the segment's log_seqs end before first_seq + count. */
    if (q->seq_from && sm->first_seq + sm->count <= q->seq_from)
        return false;
    return sm->max_ts >= q->t_from && (q->t_to == 0 || sm->min_ts < q->t_to);
}

static bool record_matches(const struct store_record *r, const struct store_query *q)
{
    if (r->type == STORE_T_MARKER || (q->type && r->type != q->type) || r->seq < q->seq_from)
        return false;
    if (q->key_len && (r->key_len != q->key_len || memcmp(r->key, q->key, q->key_len) != 0))
        return false;
    return r->timestamp_ns >= q->t_from && (q->t_to == 0 || r->timestamp_ns < q->t_to);
}

/*
 * Visits the matching records segment by segment, oldest first or newest first (records within a segment
 * always in log order). With stop_at set, newest first ends before a segment whose records all have a
 * log_seq below *stop_at: the visitor raises it to say that nothing older can matter any more.
 */
static int iterate(struct store *s, const struct store_query *q, store_visit_fn visit, void *arg,
                   bool newest_first, const uint64_t *stop_at)
{
    if (!q || !visit || q->key_len > STORE_KEY_MAX || (q->key_len && !q->key))
        return -HEARTH_EINVAL;
    if (s->busy)
        return -HEARTH_EBUSY;
    if (s->failed)
        return s->failed;
    uint64_t bloom = q->key_len ? store_key_bloom(q->key, q->key_len) : 0;
    uint32_t live = store_live_segments(s);
    int rc = 0;
    s->busy = true;
    for (uint32_t i = 0; i < live && rc == 0; i++) {
        uint32_t seg = newest_first ? (s->head + s->nseg - i) % s->nseg : (s->tail + i) % s->nseg;
        const struct store_summary *sm = &s->sum[seg];
        if (stop_at && sm->count && sm->first_seq + sm->count <= *stop_at)
            break;
        if (!segment_may_match(sm, q, bloom))
            continue;
        struct store_cursor c;
        struct store_record r;
        store_cursor_init(s, &c, seg);
        while (rc == 0 && (rc = store_cursor_next(s, &c, &r)) > 0)
            rc = record_matches(&r, q) ? visit(arg, &r) : 0;
    }
    s->busy = false;
    return rc;
}

int store_iterate(struct store *s, const struct store_query *q, store_visit_fn visit, void *arg)
{
    return iterate(s, q, visit, arg, false, NULL);
}

struct latest {
    struct store_record *out;
    uint8_t *buf;
    size_t cap;
    int exact_key_len; /* -1: any */
    uint64_t stop_at;  /* one past the best seq so far: older segments cannot beat it */
    bool found, fits;
};

static int keep_latest(void *arg, const struct store_record *r)
{
    struct latest *l = arg;
    if ((l->exact_key_len >= 0 && r->key_len != l->exact_key_len) || (l->found && r->seq <= l->out->seq))
        return 0;
    l->found = true;
    *l->out = *r;
    l->stop_at = r->seq + 1;
    l->fits = (size_t)r->key_len + r->payload_len <= l->cap;
    if (l->fits && r->key_len)
        memcpy(l->buf, r->key, r->key_len);
    if (l->fits && r->payload_len)
        memcpy(l->buf + r->key_len, r->payload, r->payload_len);
    return 0;
}

static int find_last(struct store *s, const struct store_query *q, int exact_key_len,
                     struct store_record *out, uint8_t *buf, size_t cap)
{
    if (!out || (cap && !buf))
        return -HEARTH_EINVAL;
    struct latest l = {.out = out, .buf = buf, .cap = cap, .exact_key_len = exact_key_len};
    int rc = iterate(s, q, keep_latest, &l, true, &l.stop_at);
    if (rc < 0)
        return rc;
    if (!l.found)
        return -HEARTH_ENOENT;
    if (!l.fits) {
        out->key = out->payload = NULL;
        return -HEARTH_ERANGE;
    }
    out->key = buf;
    out->payload = buf + out->key_len;
    return 0;
}

int store_find_last(struct store *s, const struct store_query *q, struct store_record *out, uint8_t *buf,
                    size_t cap)
{
    return find_last(s, q, -1, out, buf, cap);
}

int store_get_latest(struct store *s, uint8_t type, const uint8_t *key, uint8_t key_len,
                     struct store_record *out, uint8_t *buf, size_t cap)
{
    if (type == 0 || type > STORE_T_MAX)
        return -HEARTH_EINVAL;
    struct store_query q = {.type = type, .key = key, .key_len = key_len};
    /* key_len 0 in a query means "any key"; store_get_latest insists on this exact key length. */
    return find_last(s, &q, key_len, out, buf, cap);
}
