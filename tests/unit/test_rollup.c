/* SPDX-License-Identifier: ISC */
/* Unit tests for the rollup service: bucket edges, late readings, restarts, power cuts and retention. */
#include "check.h"
#include "ingest.h"
#include "memdisk.h"
#include "rollup.h"
#include "store_helpers.h"

#include <hearth/err.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S 1000000000ull
#define T0 (1704067200ull * S) /* 2024-01-01 00:00:00 UTC */

static int64_t fake_now;
static unsigned log_lines;

/* The console: log lines are counted (the series-table test expects one). */
void hearth_plat_console_write(const char *buf, size_t len)
{
    (void)buf;
    (void)len;
    log_lines++;
}

static int wall(int64_t *ns)
{
    if (!fake_now)
        return -HEARTH_ENODATA;
    *ns = fake_now;
    return 0;
}

/* ---- the service over a store ---- */

static const struct store_config cfg = {.first_block = RESERVED, .segment_blocks = 8, .batch_blocks = 4};

struct hub {
    struct hearth_blkdev *d;
    struct store *s;
    struct ingest in;
    struct rollup ru;
};

static void hub_open(struct hub *h)
{
    h->s = open_ok(h->d, &cfg);
    ingest_init(&h->in, h->s, NULL, wall);
    rollup_init(&h->ru, h->s, wall);
    CHECK_INT(rollup_start(&h->ru, NULL), 0);
    CHECK_INT(ingest_add_observer(&h->in, rollup_observe, &h->ru), 0);
}

static void hub_close(struct hub *h)
{
    rollup_stop(&h->ru);
    store_close(h->s);
    h->s = NULL;
}

static int put(struct hub *h, const char *sensor, const char *quantity, uint64_t ts, double v)
{
    struct reading r = {.value = v, .timestamp_ns = ts};
    snprintf(r.sensor, sizeof(r.sensor), "%s", sensor);
    snprintf(r.quantity, sizeof(r.quantity), "%s", quantity);
    return ingest_submit(&h->in, &r, "test", NULL, NULL);
}

/* Runs passes at now until no due bucket is left. */
static int drain(struct hub *h, uint64_t now)
{
    int rc;
    fake_now = (int64_t)now;
    while ((rc = rollup_tick(&h->ru, now)) == 1)
        ;
    return rc;
}

struct got {
    uint64_t t[64];
    struct rollup_agg a[64];
    int n;
};

static int collect(void *arg, uint64_t t, const struct rollup_agg *a)
{
    struct got *g = arg;
    if (g->n < 64) {
        g->t[g->n] = t;
        g->a[g->n++] = *a;
    }
    return 0;
}

static struct got query(struct hub *h, const char *key, enum rollup_tier t, uint64_t from, uint64_t to)
{
    struct got g = {0};
    bool trunc;
    CHECK_INT(rollup_query(&h->ru, key, t, from, to, 64, collect, &g, &trunc), 0);
    return g;
}

/* The newest stored record of bucket b (count 0 if none). */
struct newest {
    enum rollup_tier t;
    uint64_t seq;
    struct rollup_agg a;
};

static int newest_visit(void *arg, const struct store_record *r)
{
    struct newest *n = arg;
    if (r->seq > n->seq && rollup_decode(r->payload, r->payload_len, n->t, &n->a) == 0)
        n->seq = r->seq;
    return 0;
}

static struct rollup_agg stored(struct hub *h, const char *key, enum rollup_tier t, uint64_t b)
{
    struct newest n = {.t = t};
    struct store_query q = {.type = rollup_tier_type(t),
                            .key = (const uint8_t *)key,
                            .key_len = (uint8_t)strlen(key),
                            .t_from = b,
                            .t_to = b + 1};
    CHECK_INT(store_iterate(h->s, &q, newest_visit, &n), 0);
    return n.a;
}

static bool agg_is(const struct rollup_agg *a, uint32_t count, double mn, double mx, double sum)
{
    bool ok = a->count == count && a->min == mn && a->max == mx && a->sum == sum;
    if (!ok)
        check_note("  agg: count %u min %g max %g sum %g; want %u %g %g %g", a->count, a->min, a->max, a->sum,
                   count, mn, mx, sum);
    return ok;
}

static void test_edges_negative_and_late(void)
{
    struct hub h = {.d = memdisk_new(BS, RESERVED + 2 + 64 * 8)};
    fake_now = (int64_t)(T0 + 30 * S);
    hub_open(&h);
    /* Bucket edges: 00:00:00 and 00:00:59.999999999 share a minute, 00:01:00 starts the next. */
    CHECK_INT(put(&h, "th1", "temperature", T0, -5), 0);
    CHECK_INT(put(&h, "th1", "temperature", T0 + 60 * S - 1, 3.5), 0);
    CHECK_INT(put(&h, "th1", "temperature", T0 + 20 * S, 1), 0);
    CHECK_INT(put(&h, "th1", "temperature", T0 + 60 * S, -10.25), 0);
    /* Not due yet: nothing is written, but the query computes the open buckets from raw readings. */
    CHECK_INT(drain(&h, T0 + 60 * S + ROLLUP_GRACE_NS - 1), 0);
    CHECK_INT(h.ru.stats.written, 0);
    struct got g = query(&h, "th1/temperature", ROLLUP_1M, T0, T0 + 3600 * S);
    CHECK_INT(g.n, 2);
    CHECK(agg_is(&g.a[0], 3, -5, 3.5, -0.5) && g.t[0] == T0);
    CHECK(agg_is(&g.a[1], 1, -10.25, -10.25, -10.25) && g.t[1] == T0 + 60 * S);
    /* Due: the first minute is written, with its first and last timestamps. */
    CHECK_INT(drain(&h, T0 + 60 * S + ROLLUP_GRACE_NS), 0);
    CHECK_INT(h.ru.stats.written, 1);
    struct rollup_agg a = stored(&h, "th1/temperature", ROLLUP_1M, T0);
    CHECK(agg_is(&a, 3, -5, 3.5, -0.5) && a.first_ns == T0 && a.last_ns == T0 + 60 * S - 1);
    /* A late reading for the written minute: it is recomputed and the new version supersedes. */
    CHECK_INT(drain(&h, T0 + 130 * S), 0);
    CHECK_INT(put(&h, "th1", "temperature", T0 + 30 * S, -20), 0);
    g = query(&h, "th1/temperature", ROLLUP_1M, T0, T0 + 60 * S);
    CHECK(g.n == 1 && agg_is(&g.a[0], 4, -20, 3.5, -20.5)); /* pending: answered from raw */
    CHECK_INT(drain(&h, T0 + 140 * S), 0);
    a = stored(&h, "th1/temperature", ROLLUP_1M, T0);
    CHECK(agg_is(&a, 4, -20, 3.5, -20.5));
    /* Hours and days: due after their end; the 1-day bucket holds everything. */
    CHECK_INT(drain(&h, T0 + 86400 * S + ROLLUP_GRACE_NS + 1), 0);
    a = stored(&h, "th1/temperature", ROLLUP_1H, T0);
    CHECK(agg_is(&a, 5, -20, 3.5, -30.75));
    a = stored(&h, "th1/temperature", ROLLUP_1D, T0);
    CHECK(agg_is(&a, 5, -20, 3.5, -30.75) && a.first_ns == T0 && a.last_ns == T0 + 60 * S);
    /* Passes with nothing new write nothing. */
    unsigned long written = h.ru.stats.written;
    CHECK_INT(drain(&h, T0 + 86500 * S), 0);
    CHECK_INT(h.ru.stats.written, written);
    hub_close(&h);
    memdisk_free(h.d);
}

/* A deterministic workload: three series, readings spread over two hours, some out of order. */
static void workload(struct hub *h, uint32_t from, uint32_t to)
{
    for (uint32_t i = from; i < to; i++) {
        uint64_t ts = T0 + (uint64_t)i * 17 * S;
        if (i % 13 == 0)
            ts -= 300 * S; /* five minutes late */
        static const char *const sensors[] = {"a", "b", "c"};
        double v = (double)((int)(i * 7919 % 200) - 100) / 4; /* exact in binary: sums are order-free */
        fake_now = (int64_t)(T0 + (uint64_t)i * 17 * S);
        CHECK_INT(put(h, sensors[i % 3], "temperature", ts, v), 0);
        if (i % 10 == 0)
            CHECK(drain(h, (uint64_t)fake_now) >= 0);
    }
}

/* Every bucket of every tier equals the aggregate of the raw readings of its bucket in the store. */
struct raw_truth {
    struct rollup_agg b[3][ROLLUP_TIERS][512];
};

static int truth_visit(void *arg, const struct store_record *r)
{
    struct raw_truth *t = arg;
    double v;
    if (rollup_parse_value(r->payload, r->payload_len, &v) < 0 || r->timestamp_ns < T0 - 3600 * S)
        return 0;
    for (int k = 0; k < ROLLUP_TIERS; k++) {
        uint64_t idx =
            (rollup_bucket(k, r->timestamp_ns) - rollup_bucket(k, T0 - 3600 * S)) / rollup_tier_ns(k);
        if (idx < 512)
            rollup_agg_add(&t->b[r->key[0] - 'a'][k][idx], r->timestamp_ns, v);
    }
    return 0;
}

static int check_all_stored(struct hub *h)
{
    struct raw_truth *t = calloc(1, sizeof(*t));
    struct store_query q = {.type = STORE_T_READING};
    int bad = 0;
    CHECK_INT(store_iterate(h->s, &q, truth_visit, t), 0);
    for (int s = 0; s < 3; s++)
        for (int k = 0; k < ROLLUP_TIERS; k++)
            for (uint64_t i = 0; i < 512; i++) {
                const struct rollup_agg *want = &t->b[s][k][i];
                if (want->count == 0)
                    continue;
                char key[32];
                snprintf(key, sizeof(key), "%c/temperature", 'a' + s);
                struct rollup_agg got =
                    stored(h, key, k, rollup_bucket(k, T0 - 3600 * S) + i * rollup_tier_ns(k));
                if (!rollup_agg_equal(&got, want)) {
                    if (bad++ < 3)
                        check_note("  %s tier %d bucket %lu: stored count %u, raw count %u", key, k,
                                   (unsigned long)i, got.count, want->count);
                }
            }
    free(t);
    return bad;
}

static void test_restart_rebuild(void)
{
    /* Reference: one uninterrupted run. */
    struct hub ref = {.d = memdisk_new(BS, RESERVED + 2 + 200 * 8)};
    fake_now = (int64_t)T0;
    hub_open(&ref);
    workload(&ref, 0, 600);
    CHECK_INT(drain(&ref, T0 + 2 * 86400 * S), 0);
    CHECK_INT(check_all_stored(&ref), 0);
    /* Interrupted: stopped twice with open buckets (clean close, then a power cut between writes). */
    struct hub h = {.d = memdisk_new(BS, RESERVED + 2 + 200 * 8)};
    fake_now = (int64_t)T0;
    hub_open(&h);
    workload(&h, 0, 200);
    hub_close(&h);
    hub_open(&h);
    workload(&h, 200, 400);
    CHECK_INT(store_commit(h.s), 0);
    memdisk_crash(h.d);
    hub_close(&h);
    memdisk_power_cycle(h.d);
    hub_open(&h);
    CHECK(h.ru.mark_seq > 0);
    workload(&h, 400, 600);
    CHECK_INT(drain(&h, T0 + 2 * 86400 * S), 0);
    CHECK_INT(check_all_stored(&h), 0);
    /* Same answers as the uninterrupted run, from the API. */
    for (int k = 0; k < ROLLUP_TIERS; k++) {
        struct got a = query(&ref, "b/temperature", k, T0 - 3600 * S, T0 + 86400 * S);
        struct got b = query(&h, "b/temperature", k, T0 - 3600 * S, T0 + 86400 * S);
        CHECK_INT(a.n, b.n);
        for (int i = 0; i < a.n && i < b.n; i++)
            CHECK(a.t[i] == b.t[i] && rollup_agg_equal(&a.a[i], &b.a[i]));
    }
    hub_close(&h);
    hub_close(&ref);
    memdisk_free(h.d);
    memdisk_free(ref.d);
}

/* Power fails at every n-th block write of a run: afterwards every rollup matches the surviving raw data. */
static void test_power_cut_anywhere(void)
{
    unsigned cuts = 0;
    for (uint64_t n = 1; n < 400; n += 7) {
        struct hub h = {.d = memdisk_new(BS, RESERVED + 2 + 200 * 8)};
        fake_now = (int64_t)T0;
        hub_open(&h);
        memdisk_cut_after(h.d, n, n * 31);
        for (uint32_t i = 0; i < 300 && !memdisk_dead(h.d); i++) {
            uint64_t ts = T0 + (uint64_t)i * 17 * S - (i % 13 == 0 ? 300 * S : 0);
            fake_now = (int64_t)(T0 + (uint64_t)i * 17 * S);
            put(&h, (const char *[]){"a", "b", "c"}[i % 3], "temperature", ts, (double)(i % 40) - 20);
            if (i % 10 == 0)
                drain(&h, (uint64_t)fake_now);
        }
        cuts += memdisk_dead(h.d);
        hub_close(&h);
        memdisk_power_cycle(h.d);
        hub_open(&h);
        CHECK_INT(drain(&h, T0 + 2 * 86400 * S), 0);
        int bad = check_all_stored(&h);
        if (bad)
            check_note("  power cut at block write %lu", (unsigned long)n);
        CHECK_INT(bad, 0);
        hub_close(&h);
        memdisk_free(h.d);
    }
    CHECK(cuts > 30);
}

static uint32_t long_for_keep(void *arg, const char *sensor, size_t len)
{
    (void)arg;
    return len == 4 && memcmp(sensor, "keep", 4) == 0 ? 20 : 0;
}

static uint32_t count_type(struct hub *h, uint8_t type, const char *key)
{
    struct seen_list l = all_records(h->s, type, key);
    free(l.v);
    return (uint32_t)l.n;
}

static void test_retention(void)
{
    struct hub h = {.d = memdisk_new(BS, RESERVED + 2 + 200 * 8)};
    fake_now = (int64_t)T0;
    hub_open(&h);
    rollup_set_raw_days_fn(&h.ru, long_for_keep, NULL);
    /* Ten days of hourly readings for two sensors; "keep" keeps its raw data 20 days. */
    for (uint32_t i = 0; i < 240; i++) {
        fake_now = (int64_t)(T0 + (uint64_t)i * 3600 * S);
        CHECK_INT(put(&h, "drop", "humidity", (uint64_t)fake_now, 50), 0);
        CHECK_INT(put(&h, "keep", "humidity", (uint64_t)fake_now, 60), 0);
        CHECK(drain(&h, (uint64_t)fake_now) >= 0);
    }
    /* Day 10 + a bit: raw readings of "drop" older than 7 days are gone, "keep" has all 240. */
    uint64_t now = T0 + 240 * 3600 * S + 30 * S;
    h.ru.last_expire_ns = 0;
    CHECK_INT(drain(&h, now), 0);
    CHECK(h.ru.stats.expired_segments > 0);
    /*
     * A segment goes once all of its short-lived readings are due, so raw data may outlive its 7 days by
     * up to a segment's time span (a few hours here), and none of it was copied round the ring.
     */
    struct seen_list l = all_records(h.s, STORE_T_READING, "drop/humidity");
    uint32_t old = 0, carried = 0;
    for (size_t i = 0; i < l.n; i++) {
        old += l.v[i].ts < now - 7 * 86400 * S - 6 * 3600 * S;
        carried += l.v[i].ts < now - 7 * 86400 * S;
    }
    CHECK_INT(old, 0);
    CHECK(carried < 6);
    CHECK(l.n >= 7 * 24 - 1 && l.n < 7 * 24 + 6);
    free(l.v);
    CHECK_INT(count_type(&h, STORE_T_READING, "keep/humidity"), 240);
    /* The rollups of the expired hours stay: 1-minute ones are kept 30 days. */
    struct got g = query(&h, "drop/humidity", ROLLUP_1D, T0, now);
    CHECK_INT(g.n, 10);
    CHECK(agg_is(&g.a[0], 24, 50, 50, 1200));
    CHECK_INT(count_type(&h, STORE_T_ROLLUP_1M, "drop/humidity"), 240);
    /* A reading older than the raw retention changes no rollup. */
    unsigned long too_old = h.ru.stats.too_old;
    CHECK_INT(put(&h, "drop", "humidity", T0 + 60 * S, 99), 0);
    CHECK(h.ru.stats.too_old > too_old);
    /* Forty days on, the 1-minute rollups of the first days are gone too; hours and days stay. */
    now = T0 + 40 * 86400 * S;
    fake_now = (int64_t)now;
    for (int i = 0; i < 5; i++) {
        CHECK_INT(put(&h, "drop", "humidity", now - (uint64_t)i * S, 50), 0);
        h.ru.last_expire_ns = 0;
        CHECK_INT(drain(&h, now), 0);
    }
    struct seen_list m = all_records(h.s, STORE_T_ROLLUP_1M, "drop/humidity");
    uint32_t old_min = 0;
    for (size_t i = 0; i < m.n; i++)
        old_min += m.v[i].ts + 60 * S + 30 * 86400 * S < now;
    CHECK_INT(old_min, 0);
    free(m.v);
    CHECK_INT(count_type(&h, STORE_T_ROLLUP_1H, "drop/humidity"), 240);
    /* Marks: only the newest durable one survives compaction. */
    CHECK(count_type(&h, STORE_T_ROLLUP_MARK, NULL) < 50);
    hub_close(&h);
    memdisk_free(h.d);
}

static void test_series_table_full(void)
{
    struct hub h = {.d = memdisk_new(BS, RESERVED + 2 + 64 * 8)};
    fake_now = (int64_t)(T0 + 30 * S);
    hub_open(&h);
    for (int i = 0; i < ROLLUP_MAX_SERIES + 3; i++) {
        char sensor[16];
        snprintf(sensor, sizeof(sensor), "s%d", i);
        CHECK_INT(put(&h, sensor, "lux", T0 + (uint64_t)i * S, i), 0);
    }
    CHECK_INT(h.ru.nseries, ROLLUP_MAX_SERIES);
    CHECK_INT(h.ru.stats.refused, 3);
    /* Without a wall clock the ingest stamps the monotonic clock: stored, but in no rollup. */
    fake_now = 0;
    memdisk_set_time(5 * S);
    CHECK_INT(put(&h, "s1", "lux", 0, 1), 0);
    CHECK_INT(h.ru.stats.undated, 1);
    CHECK_INT(rollup_retain(&h.ru, &(struct store_record){.type = STORE_T_READING, .timestamp_ns = 1}),
              STORE_KEEP);
    hub_close(&h);
    memdisk_free(h.d);
}

static void test_backfill_without_marks(void)
{
    struct hub h = {.d = memdisk_new(BS, RESERVED + 2 + 64 * 8)};
    h.s = open_ok(h.d, &cfg);
    /* A store written before rollups existed: readings, no rollup records, no mark. */
    char v[8];
    for (int i = 0; i < 100; i++) {
        int n = snprintf(v, sizeof(v), "%d", i - 50);
        struct store_record r = {.type = STORE_T_READING,
                                 .key = (const uint8_t *)"old/co2",
                                 .key_len = 7,
                                 .timestamp_ns = T0 + (uint64_t)i * 30 * S,
                                 .payload = (const uint8_t *)v,
                                 .payload_len = (uint16_t)n};
        CHECK_INT(store_append(h.s, &r, NULL, NULL, NULL), 0);
    }
    store_close(h.s);
    fake_now = (int64_t)(T0 + 86400 * S);
    hub_open(&h);
    CHECK_INT(h.ru.mark_seq, 0);
    CHECK_INT(drain(&h, T0 + 2 * 86400 * S), 0);
    struct rollup_agg a = stored(&h, "old/co2", ROLLUP_1H, T0);
    CHECK(agg_is(&a, 100, -50, 49, -50));
    CHECK_INT(count_type(&h, STORE_T_ROLLUP_1M, "old/co2"), 50);
    hub_close(&h);
    memdisk_free(h.d);
}

int main(void)
{
    test_edges_negative_and_late();
    test_restart_rebuild();
    test_power_cut_anywhere();
    test_retention();
    test_series_table_full();
    test_backfill_without_marks();
    return check_summary("rollup");
}
