/* SPDX-License-Identifier: ISC */
/* Unit tests for age-based eviction: a retention policy, store_expire, per-key ages, reopen and power cuts.
 */
#include "check.h"
#include "memdisk.h"
#include "store.h"
#include "store_helpers.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_SHORT 9 /* an application type with its own age, like a rollup tier */

/* Readings of key "a" live while ts >= a_cut, of "b" while ts >= b_cut; type T_SHORT while ts >= t_cut. */
struct policy {
    uint64_t a_cut, b_cut, t_cut;
    unsigned calls;
};

static int retain(void *arg, const struct store_record *r)
{
    struct policy *p = arg;
    p->calls++;
    if (r->type == STORE_T_READING)
        return r->timestamp_ns >= (r->key_len == 1 && r->key[0] == 'b' ? p->b_cut : p->a_cut);
    if (r->type == T_SHORT)
        return r->timestamp_ns >= p->t_cut;
    if (r->type == STORE_T_AUDIT) /* about to go: a segment holding one is not expired yet */
        return STORE_KEEP_SOON;
    return STORE_KEEP;
}

/* What the log held: readings "a" and "b" alternating at ts = i, config every 25th, T_SHORT every 10th. */
struct workload {
    uint64_t seq[1600];
    uint8_t type[1600];
    char key;
    uint32_t n;
};

static void fill(struct store *s, struct workload *w, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint8_t type = i % 25 == 0 ? STORE_T_CONFIG : i % 10 == 0 ? T_SHORT : STORE_T_READING;
        const char *key = type == STORE_T_READING ? (i % 2 ? "b" : "a") : "k";
        w->type[i] = type;
        CHECK_INT(append(s, type, key, 1000 + i, i, &w->seq[i]), 0);
    }
    w->n = n;
    CHECK_INT(store_commit(s), 0);
}

/* Every record the policy keeps is present with its bytes; any dropped one is one the policy drops. */
static void check_policy(struct store *s, const struct workload *w, const struct policy *p, int strict)
{
    struct seen_list l = all_records(s, 0, NULL);
    struct policy probe = *p;
    for (uint32_t i = 0; i < w->n; i++) {
        const struct seen *e = find(&l, w->seq[i]);
        char key = w->type[i] == STORE_T_READING ? (i % 2 ? 'b' : 'a') : 'k';
        struct store_record r = {
            .type = w->type[i], .key = (const uint8_t *)&key, .key_len = 1, .timestamp_ns = 1000 + i};
        int keep = retain(&probe, &r);
        if (keep && !e)
            check_note("  record %u (type %u, key %c) was lost", i, w->type[i], key);
        CHECK(!keep || e != NULL);
        if (e)
            CHECK(payload_ok(e, i) && e->ts == 1000 + i && e->type == w->type[i]);
        /* strict: store_expire ran to the end, so nothing it should drop is left in retired segments. */
        if (strict && !keep && e && e->type == T_SHORT)
            CHECK(e->ts >= p->t_cut);
    }
    size_t doubled = 0;
    for (size_t i = 0; i < l.n; i++)
        for (size_t j = i + 1; j < l.n; j++)
            doubled += l.v[i].seq == l.v[j].seq;
    CHECK_INT(doubled, 0);
    free(l.v);
}

/* Readings of key with from <= ts < to. */
static uint32_t count_readings(struct store *s, char key, uint64_t from, uint64_t to)
{
    char k[2] = {key, 0};
    struct seen_list l = all_records(s, STORE_T_READING, k);
    uint32_t n = 0;
    for (size_t i = 0; i < l.n; i++)
        n += l.v[i].ts >= from && l.v[i].ts < to;
    free(l.v);
    return n;
}

static uint32_t count_expired_readings(struct store *s, char key, uint64_t cut)
{
    return count_readings(s, key, 0, cut);
}

static const struct store_config cfg = {.first_block = RESERVED, .segment_blocks = 8, .batch_blocks = 4};

static void test_without_policy_nothing_expires(void)
{
    struct hearth_blkdev *d = memdisk_new(BS, RESERVED + 2 + 20 * 8);
    struct store *s = open_ok(d, &cfg);
    struct workload *w = calloc(1, sizeof(*w));
    fill(s, w, 400);
    CHECK_INT(store_expire(s, 100), 0);
    struct policy keep_all = {0};
    store_set_retention(s, retain, &keep_all);
    CHECK_INT(store_expire(s, 100), 0); /* the policy keeps everything: no segment has anything to drop */
    struct store_stats st;
    store_stats(s, &st);
    CHECK_INT(st.compactions, 0);
    CHECK_INT(st.expired, 0);
    check_policy(s, w, &keep_all, 1);
    CHECK_INT(store_close(s), 0);
    free(w);
    memdisk_free(d);
}

static void test_expire_by_age_and_key(void)
{
    struct hearth_blkdev *d = memdisk_new(BS, RESERVED + 2 + 40 * 8);
    struct store *s = open_ok(d, &cfg);
    struct workload *w = calloc(1, sizeof(*w));
    fill(s, w, 1200);
    /* "a" readings older than 1700 go, "b" ones are all kept (carried), T_SHORT older than 1500 goes. */
    struct policy p = {.a_cut = 1700, .b_cut = 0, .t_cut = 1500};
    store_set_retention(s, retain, &p);
    int n = store_expire(s, 1000);
    CHECK(n > 3);
    CHECK_INT(count_expired_readings(s, 'a', p.a_cut), 0);
    CHECK_INT(count_readings(s, 'b', 0, UINT64_MAX), 576); /* odd i, less the config records */
    check_policy(s, w, &p, 1);
    /* A second run finds nothing more to drop. */
    CHECK_INT(store_expire(s, 1000), 0);
    struct store_stats st;
    store_stats(s, &st);
    CHECK(st.expired > 0);
    CHECK_INT(st.evicted, 0);
    CHECK_INT(store_close(s), 0);
    /* Across a reopen the result stands, and the policy keeps applying once installed again. */
    s = open_ok(d, &cfg);
    check_policy(s, w, &p, 1);
    CHECK_INT(count_expired_readings(s, 'a', p.a_cut), 0);
    p.b_cut = 1900;
    store_set_retention(s, retain, &p);
    CHECK(store_expire(s, 1000) > 0);
    /*
     * The "b" readings still in their first segments are gone. Those carried to the head by the first
     * expiry (ts < 1700) sit behind segments with nothing to drop: they wait for the ring to come round.
     */
    CHECK_INT(count_readings(s, 'b', 1800, p.b_cut), 0);
    CHECK(count_readings(s, 'b', 0, 1700) > 0);
    check_policy(s, w, &p, 1);
    CHECK_INT(store_close(s), 0);
    s = open_ok(d, &cfg);
    check_policy(s, w, &p, 1);
    CHECK_INT(store_close(s), 0);
    free(w);
    memdisk_free(d);
}

static void test_expire_bounded_and_stops_at_fresh_data(void)
{
    struct hearth_blkdev *d = memdisk_new(BS, RESERVED + 2 + 40 * 8);
    struct store *s = open_ok(d, &cfg);
    struct workload *w = calloc(1, sizeof(*w));
    fill(s, w, 1200);
    struct policy p = {.a_cut = 1300, .b_cut = 1300, .t_cut = 1300};
    store_set_retention(s, retain, &p);
    CHECK_INT(store_expire(s, 1), 1); /* max_segments is honoured */
    int more = store_expire(s, 1000);
    CHECK(more >= 1);
    /* Only the segments holding ts < 1300 were worth retiring: the newer ones were left alone. */
    struct store_stats st;
    store_stats(s, &st);
    CHECK(st.live_segments > 10);
    CHECK_INT(count_expired_readings(s, 'a', p.a_cut), 0);
    CHECK_INT(count_expired_readings(s, 'b', p.b_cut), 0);
    check_policy(s, w, &p, 1);
    /* Appends go on afterwards, and space reclaim still evicts readings whatever the policy says. */
    for (uint32_t i = 0; i < 3000; i++)
        CHECK_INT(append(s, STORE_T_READING, "b", 5000 + i, i, NULL), 0);
    store_stats(s, &st);
    CHECK(st.evicted > 0);
    CHECK_INT(store_close(s), 0);
    free(w);
    memdisk_free(d);
}

/* Power fails at every block write of an expiry: nothing the policy keeps is ever lost or doubled. */
static void test_expire_power_cut(void)
{
    struct policy p = {.a_cut = 1400, .b_cut = 0, .t_cut = 1300};
    uint64_t writes = 0;
    for (uint64_t n = 1;; n++) {
        struct hearth_blkdev *d = memdisk_new(BS, RESERVED + 2 + 40 * 8);
        struct store *s = open_ok(d, &cfg);
        struct workload *w = calloc(1, sizeof(*w));
        fill(s, w, 600);
        store_set_retention(s, retain, &p);
        uint64_t before = memdisk_writes(d);
        memdisk_cut_after(d, n, n * 7919);
        int rc = store_expire(s, 1000);
        bool cut = memdisk_dead(d);
        if (!cut) {
            writes = memdisk_writes(d) - before;
            CHECK(rc > 0);
        } else {
            CHECK_INT(rc, -HEARTH_EIO);
        }
        store_close(s);
        memdisk_power_cycle(d);
        s = open_ok(d, &cfg);
        if (s) {
            check_policy(s, w, &p, 0);
            /* A second expiry after the reboot finishes the job. */
            store_set_retention(s, retain, &p);
            CHECK(store_expire(s, 1000) >= 0);
            CHECK_INT(count_expired_readings(s, 'a', p.a_cut), 0);
            check_policy(s, w, &p, 1);
            CHECK_INT(store_close(s), 0);
        }
        free(w);
        memdisk_free(d);
        if (!cut)
            break;
    }
    CHECK(writes > 10);
    check_note("  power cut at each of %lu block writes of one expiry", (unsigned long)writes);
}

/* A record the policy calls STORE_KEEP_SOON holds its segment back: it is not copied round the ring. */
static void test_keep_soon_defers(void)
{
    struct hearth_blkdev *d = memdisk_new(BS, RESERVED + 2 + 40 * 8);
    struct store *s = open_ok(d, &cfg);
    struct workload *w = calloc(1, sizeof(*w));
    uint64_t audit_seq;
    CHECK_INT(append(s, STORE_T_AUDIT, "k", 999, 7, &audit_seq), 0);
    fill(s, w, 600);
    struct policy p = {.a_cut = 1300, .b_cut = 1300, .t_cut = 1300};
    store_set_retention(s, retain, &p);
    CHECK_INT(store_expire(s, 1000), 0); /* the tail holds the audit record: nothing moves */
    CHECK_INT(count_expired_readings(s, 'a', 1010), 4);
    struct store_stats st;
    store_stats(s, &st);
    CHECK_INT(st.compactions, 0);
    CHECK_INT(store_close(s), 0);
    free(w);
    memdisk_free(d);
}

int main(void)
{
    test_keep_soon_defers();
    test_without_policy_nothing_expires();
    test_expire_by_age_and_key();
    test_expire_bounded_and_stops_at_fresh_data();
    test_expire_power_cut();
    return check_summary("store_expire");
}
