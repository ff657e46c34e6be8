/* SPDX-License-Identifier: ISC */
/* A rollup pass: due pending buckets recomputed from raw readings in one store scan, then the mark. */
#include "rollup.h"

#include "log.h"

#include <hearth/err.h>
#include <stdlib.h>
#include <string.h>

#define PASS_SLOTS 1024u /* buckets computed per pass at most (~100 KiB) */
#define EXPIRE_PERIOD_NS (3600ull * 1000000000ull)
#define EXPIRE_SEGMENTS 256u

struct slot {
    struct rollup_agg raw, rec;
    uint64_t rec_seq; /* the newest stored version (0: none) */
};

/* The due buckets of one series and tier: n consecutive bucket starts from lo, slots from first. */
struct entry {
    uint64_t lo;
    uint32_t n, first;
};

struct pass {
    struct rollup *ru;
    struct entry e[ROLLUP_MAX_SERIES][ROLLUP_TIERS];
    struct slot *slots;
};

/* The slot of bucket b of series s in tier t, or NULL when this pass does not compute it. */
static struct slot *slot_of(struct pass *p, unsigned s, enum rollup_tier t, uint64_t b)
{
    const struct entry *e = &p->e[s][t];
    uint64_t len = rollup_tier_ns(t);
    if (e->n == 0 || b < e->lo || b % len != 0 || (b - e->lo) / len >= e->n)
        return NULL;
    return &p->slots[e->first + (b - e->lo) / len];
}

static int visit(void *arg, const struct store_record *r)
{
    struct pass *p = arg;
    const struct rollup_series *s = rollup_find(p->ru, (const char *)r->key, r->key_len);
    enum rollup_tier t;
    if (!s)
        return 0;
    unsigned si = (unsigned)(s - p->ru->series);
    if (r->type == STORE_T_READING) {
        double v;
        /* A value that does not parse is not a reading this hub stored: it stays out of every rollup. */
        if (r->timestamp_ns < ROLLUP_EPOCH_2020_NS || rollup_parse_value(r->payload, r->payload_len, &v) < 0)
            return 0;
        for (int i = 0; i < ROLLUP_TIERS; i++) {
            struct slot *sl = slot_of(p, si, (enum rollup_tier)i, rollup_bucket(i, r->timestamp_ns));
            if (sl)
                rollup_agg_add(&sl->raw, r->timestamp_ns, v);
        }
    } else if (rollup_type_tier(r->type, &t) == 0) {
        struct slot *sl = slot_of(p, si, t, r->timestamp_ns);
        struct rollup_agg a;
        if (sl && r->seq > sl->rec_seq && rollup_decode(r->payload, r->payload_len, t, &a) == 0) {
            sl->rec = a;
            sl->rec_seq = r->seq;
        }
    }
    return 0;
}

/* Chooses this pass's buckets: every due one while slots last. Returns whether due ones were left out. */
static bool plan(struct pass *p, uint64_t now, uint64_t *from, uint64_t *to)
{
    uint32_t used = 0;
    bool left = false;
    *from = UINT64_MAX;
    *to = 0;
    for (unsigned s = 0; s < p->ru->nseries; s++)
        for (int t = 0; t < ROLLUP_TIERS; t++) {
            const struct rollup_series *se = &p->ru->series[s];
            uint64_t len = rollup_tier_ns((enum rollup_tier)t);
            if (!se->pend[t].pending || now < len + ROLLUP_GRACE_NS ||
                se->pend[t].lo + len + ROLLUP_GRACE_NS > now)
                continue;
            uint64_t last = rollup_bucket((enum rollup_tier)t, now - len - ROLLUP_GRACE_NS);
            if (last > se->pend[t].hi)
                last = se->pend[t].hi;
            uint64_t n = (last - se->pend[t].lo) / len + 1;
            if (n > PASS_SLOTS - used) {
                n = PASS_SLOTS - used;
                left = true;
            }
            if (n == 0)
                continue;
            p->e[s][t] = (struct entry){.lo = se->pend[t].lo, .n = (uint32_t)n, .first = used};
            used += (uint32_t)n;
            if (se->pend[t].lo < *from)
                *from = se->pend[t].lo;
            if (se->pend[t].lo + n * len > *to)
                *to = se->pend[t].lo + n * len;
        }
    return left;
}

/* Appends the versions that changed and retires the computed buckets from the pending intervals. */
static int write_out(struct pass *p)
{
    struct rollup *ru = p->ru;
    for (unsigned s = 0; s < ru->nseries; s++)
        for (int t = 0; t < ROLLUP_TIERS; t++) {
            struct rollup_series *se = &ru->series[s];
            const struct entry *e = &p->e[s][t];
            uint64_t len = rollup_tier_ns((enum rollup_tier)t);
            for (uint32_t k = 0; k < e->n; k++) {
                const struct slot *sl = &p->slots[e->first + k];
                if (sl->raw.count == 0)
                    continue;
                if (sl->rec_seq && rollup_agg_equal(&sl->raw, &sl->rec)) {
                    ru->stats.unchanged++;
                    continue;
                }
                if (sl->rec_seq && sl->raw.count < sl->rec.count) {
                    ru->stats.kept_fuller++;
                    continue;
                }
                uint8_t payload[ROLLUP_PAYLOAD_LEN];
                rollup_encode(&sl->raw, (enum rollup_tier)t, payload);
                struct store_record r = {.type = rollup_tier_type((enum rollup_tier)t),
                                         .key = (const uint8_t *)se->key,
                                         .key_len = se->key_len,
                                         .timestamp_ns = e->lo + k * len,
                                         .payload = payload,
                                         .payload_len = ROLLUP_PAYLOAD_LEN};
                int rc = store_append(ru->store, &r, NULL, NULL, NULL);
                if (rc < 0)
                    return rc; /* the buckets stay pending: the next pass tries again */
                ru->stats.written++;
            }
            if (e->n == 0)
                continue;
            uint64_t next = e->lo + e->n * len;
            if (next > se->pend[t].hi)
                se->pend[t].pending = false;
            else
                se->pend[t].lo = next;
        }
    return 0;
}

static int write_mark(struct rollup *ru, uint64_t reflected_seq, uint64_t now)
{
    struct rollup_mark m = {.reflected_seq = reflected_seq, .wall_ns = now};
    uint8_t payload[ROLLUP_MARK_LEN];
    uint64_t seq;
    rollup_mark_encode(&m, payload);
    struct store_record r = {
        .type = STORE_T_ROLLUP_MARK, .timestamp_ns = now, .payload = payload, .payload_len = ROLLUP_MARK_LEN};
    int rc = store_append(ru->store, &r, NULL, NULL, &seq);
    if (rc == 0)
        rc = store_commit(ru->store);
    if (rc == 0) {
        ru->mark_seq = seq; /* durable now: older marks may go */
        ru->stats.marks++;
    }
    return rc;
}

int rollup_tick(struct rollup *ru, uint64_t now)
{
    struct pass *p = calloc(1, sizeof(*p));
    struct store_stats st;
    uint64_t from, to;
    int rc = 0;
    if (!p)
        return -HEARTH_ENOMEM;
    p->ru = ru;
    /* Every reading below this seq has been observed: its buckets are pending or computed. */
    store_stats(ru->store, &st);
    uint64_t reflected = st.next_seq;
    bool left = plan(p, now, &from, &to);
    if (to > 0) {
        if (!(p->slots = calloc(PASS_SLOTS, sizeof(*p->slots)))) {
            rc = -HEARTH_ENOMEM;
            goto out;
        }
        struct store_query q = {.t_from = from, .t_to = to};
        ru->stats.passes++;
        unsigned long before = ru->stats.written;
        if ((rc = store_iterate(ru->store, &q, visit, p)) < 0 || (rc = write_out(p)) < 0)
            goto out;
        if (ru->stats.written > before)
            log_line("rollup: %lu bucket versions written", ru->stats.written - before);
        /* The mark vouches for every due bucket: only a pass that left none may write it. */
        if (!left && (rc = write_mark(ru, reflected, now)) < 0)
            goto out;
    }
    if (now - ru->last_expire_ns >= EXPIRE_PERIOD_NS || now < ru->last_expire_ns) {
        int n = store_expire(ru->store, EXPIRE_SEGMENTS);
        if (n < 0) {
            rc = n;
            goto out;
        }
        ru->stats.expired_segments += (unsigned long)n;
        /* A full run may have more to do: try again at the next pass. */
        if ((uint32_t)n < EXPIRE_SEGMENTS)
            ru->last_expire_ns = now;
    }
    rc = left;
out:
    if (p)
        free(p->slots);
    free(p);
    return rc;
}
