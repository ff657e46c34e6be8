/* SPDX-License-Identifier: ISC */
/* Unit tests for the store: round trip, queries, group commit with its timer, and error returns. */
#include "check.h"
#include "memdisk.h"
#include "store.h"
#include "store_helpers.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_round_trip(void)
{
    struct hearth_blkdev *d = memdisk_new(BS, 400);
    struct store_config cfg = {.first_block = RESERVED, .segment_blocks = 16, .batch_blocks = 64};
    struct store *s = open_ok(d, &cfg);
    struct acks a = {0};
    uint8_t payload[256];
    for (uint32_t i = 0; i < 50; i++) {
        struct store_record r = {.type = i % 5 == 0 ? STORE_T_AUDIT : STORE_T_READING,
                                 .key = (const uint8_t *)"sensor-1",
                                 .key_len = 8,
                                 .timestamp_ns = 1000 + i,
                                 .payload = payload,
                                 .payload_len = (uint16_t)payload_for(i, payload)};
        uint64_t seq;
        CHECK_INT(store_append(s, &r, on_done, &a, &seq), 0);
        CHECK_INT(seq, i + 1);
    }
    CHECK_INT(a.calls, 0); /* nothing is acknowledged before the flush */
    CHECK_INT(store_durable_seq(s), 0);
    struct store_stats st;
    store_stats(s, &st);
    uint64_t flushes = st.flushes, ckpts = st.checkpoints;
    CHECK_INT(store_commit(s), 0);
    store_stats(s, &st);
    /* One flush for the whole batch, and one per checkpoint (a checkpoint follows each new segment). */
    CHECK_INT(st.flushes - flushes, 1 + st.checkpoints - ckpts);
    CHECK_INT(a.calls, 50);
    CHECK_INT(a.errors, 0);
    CHECK_INT(store_durable_seq(s), 50);
    CHECK_INT(store_close(s), 0);
    for (uint32_t i = 0; i < RESERVED * BS; i++)
        if (memdisk_bytes(d)[i]) {
            CHECK(!"the reserved blocks were written");
            break;
        }

    s = open_ok(d, &cfg);
    store_stats(s, &st);
    CHECK_INT(st.open_records_replayed, 0); /* the close checkpoint covers everything */
    struct seen_list l = all_records(s, 0, NULL);
    CHECK_INT(l.n, 50);
    for (uint32_t i = 0; i < l.n; i++) {
        CHECK_INT(l.v[i].seq, i + 1);
        CHECK_INT(l.v[i].ts, 1000 + i);
        CHECK(payload_ok(&l.v[i], i));
        CHECK(strcmp(l.v[i].key, "sensor-1") == 0);
    }
    free(l.v);
    uint64_t seq;
    CHECK_INT(append(s, STORE_T_READING, "x", 1, 1, &seq), 0);
    CHECK_INT(seq, 51);
    CHECK_INT(store_close(s), 0);
    memdisk_free(d);
}

static void test_queries(void)
{
    struct hearth_blkdev *d = memdisk_new(BS, 600);
    struct store_config cfg = {.first_block = RESERVED, .segment_blocks = 8};
    struct store *s = open_ok(d, &cfg);
    for (uint32_t i = 0; i < 200; i++)
        CHECK_INT(append(s, STORE_T_READING, i % 2 ? "s1" : "s2", 100 * i, i, NULL), 0);
    CHECK_INT(append(s, STORE_T_CONFIG, "mode", 5, 1, NULL), 0);
    CHECK_INT(append(s, STORE_T_CONFIG, "mode", 6, 2, NULL), 0);
    CHECK_INT(append(s, STORE_T_CONFIG, "other", 7, 3, NULL), 0);
    CHECK_INT(append(s, STORE_T_CONFIG, "mode", 4, 4, NULL), 0); /* latest by seq, not by time */

    struct store_query q = {
        .type = STORE_T_READING, .key = (const uint8_t *)"s1", .key_len = 2, .t_from = 1000, .t_to = 3000};
    struct seen_list l = {0};
    CHECK_INT(store_iterate(s, &q, store_test_collect, &l), 0);
    CHECK_INT(l.n, 10); /* odd i with 10 <= i < 30 */
    for (size_t k = 0; k < l.n; k++) {
        CHECK_INT(l.v[k].ts, 1100 + 200 * k);
        CHECK(payload_ok(&l.v[k], (uint32_t)(l.v[k].ts / 100)));
    }
    free(l.v);
    l = all_records(s, STORE_T_CONFIG, NULL);
    CHECK_INT(l.n, 4);
    free(l.v);

    uint8_t buf[STORE_KEY_MAX + STORE_PAYLOAD_MAX];
    struct store_record r;
    for (int pass = 0; pass < 2; pass++) {
        CHECK_INT(store_get_latest(s, STORE_T_CONFIG, (const uint8_t *)"mode", 4, &r, buf, sizeof(buf)), 0);
        CHECK_INT(r.seq, 204);
        CHECK_INT(r.timestamp_ns, 4);
        CHECK(r.key_len == 4 && memcmp(r.key, "mode", 4) == 0);
        struct seen e = {.payload_len = r.payload_len};
        memcpy(e.payload, r.payload, r.payload_len);
        CHECK(payload_ok(&e, 4));
        CHECK_INT(store_get_latest(s, STORE_T_CONFIG, (const uint8_t *)"nope", 4, &r, buf, sizeof(buf)),
                  -HEARTH_ENOENT);
        CHECK_INT(store_get_latest(s, STORE_T_CONFIG, (const uint8_t *)"mode", 4, &r, buf, 10),
                  -HEARTH_ERANGE);
        CHECK(r.payload == NULL && r.seq == 204);
        CHECK_INT(store_close(s), 0);
        s = open_ok(d, &cfg); /* the same answers from the checkpointed summaries */
    }
    CHECK_INT(store_get_latest(s, 0, NULL, 0, &r, buf, sizeof(buf)), -HEARTH_EINVAL);
    CHECK_INT(store_iterate(s, NULL, store_test_collect, &l), -HEARTH_EINVAL);
    CHECK_INT(store_close(s), 0);
    memdisk_free(d);
}

static void test_group_commit_timer(void)
{
    struct hearth_blkdev *d = memdisk_new(BS, 400);
    struct store_config cfg = {
        .first_block = RESERVED, .segment_blocks = 16, .batch_blocks = 4, .commit_delay_ns = 20000000};
    struct store *s = open_ok(d, &cfg);
    struct loop l;
    struct acks a = {0};
    struct store_record r = {.type = STORE_T_READING, .key = (const uint8_t *)"k", .key_len = 1};
    loop_init(&l);
    memdisk_set_time(1000);
    store_attach_loop(s, &l);
    CHECK_INT(store_append(s, &r, on_done, &a, NULL), 0);
    memdisk_set_time(5000000);
    CHECK_INT(store_append(s, &r, on_done, &a, NULL), 0);
    CHECK_INT(timer_next_deadline(&l.timers), 1000 + 20000000); /* counted from the first append */
    CHECK_INT(timer_run_due(&l.timers, 1000 + 19999999), 0);
    CHECK_INT(a.calls, 0);
    CHECK_INT(timer_run_due(&l.timers, 1000 + 20000000), 1);
    CHECK_INT(a.calls, 2);
    CHECK_INT(store_durable_seq(s), 2);
    CHECK(timer_next_deadline(&l.timers) == UINT64_MAX);

    /* A batch that reaches batch_blocks is committed by the append itself, timer or not. */
    uint8_t big[STORE_PAYLOAD_MAX] = {0};
    r.payload = big;
    r.payload_len = sizeof(big);
    a.calls = 0;
    for (int i = 0; i < 4 && a.calls == 0; i++)
        CHECK_INT(store_append(s, &r, on_done, &a, NULL), 0);
    CHECK(a.calls > 0);
    CHECK_INT(store_durable_seq(s), a.last);
    CHECK(timer_next_deadline(&l.timers) == UINT64_MAX);
    store_attach_loop(s, NULL);
    CHECK_INT(store_close(s), 0);
    memdisk_free(d);
}

static struct store *busy_store;
static int busy_rc;

static void reenter(void *arg, uint64_t seq, int status)
{
    struct store_record r = {.type = STORE_T_READING};
    (void)arg, (void)seq, (void)status;
    busy_rc = store_append(busy_store, &r, NULL, NULL, NULL);
}

static void test_errors(void)
{
    struct hearth_blkdev *d = memdisk_new(BS, 200);
    struct store_config cfg = {.first_block = RESERVED, .segment_blocks = 8};
    struct store *s = NULL;
    CHECK_INT(store_open(d, &(struct store_config){.first_block = 190}, &s), -HEARTH_EINVAL);
    CHECK_INT(store_open(d, &(struct store_config){.segment_blocks = 4}, &s), -HEARTH_EINVAL);
    CHECK_INT(store_open(d, NULL, &s), -HEARTH_EINVAL);
    s = open_ok(d, &cfg);
    uint8_t key[STORE_KEY_MAX + 1] = {0};
    struct store_record r = {.type = STORE_T_READING, .key = key, .key_len = STORE_KEY_MAX + 1};
    CHECK_INT(store_append(s, &r, NULL, NULL, NULL), -HEARTH_EINVAL);
    r.key_len = 1;
    r.type = 0;
    CHECK_INT(store_append(s, &r, NULL, NULL, NULL), -HEARTH_EINVAL);
    r.type = 31; /* the internal marker type */
    CHECK_INT(store_append(s, &r, NULL, NULL, NULL), -HEARTH_EINVAL);
    r.type = STORE_T_READING;
    r.payload_len = 3; /* with no payload pointer */
    CHECK_INT(store_append(s, &r, NULL, NULL, NULL), -HEARTH_EINVAL);
    r.payload_len = 0;
    busy_store = s;
    CHECK_INT(store_append(s, &r, reenter, NULL, NULL), 0);
    CHECK_INT(store_commit(s), 0);
    CHECK_INT(busy_rc, -HEARTH_EBUSY);
    CHECK_INT(store_close(s), 0);

    /* Another geometry is refused, not formatted over; the right one still opens the data. */
    CHECK_INT(store_open(d, &(struct store_config){.first_block = RESERVED, .segment_blocks = 16}, &s),
              -HEARTH_EINVAL);
    s = open_ok(d, &cfg);
    struct seen_list l = all_records(s, 0, NULL);
    CHECK_INT(l.n, 1);
    free(l.v);

    /* A failing device fails the store: callbacks hear about it, later calls get -HEARTH_EIO. */
    struct acks a = {0};
    CHECK_INT(store_append(s, &r, on_done, &a, NULL), 0);
    memdisk_crash(d);
    CHECK_INT(store_commit(s), -HEARTH_EIO);
    CHECK_INT(a.calls, 1);
    CHECK_INT(a.errors, 1);
    CHECK_INT(store_append(s, &r, NULL, NULL, NULL), -HEARTH_EIO);
    CHECK_INT(store_close(s), -HEARTH_EIO);
    memdisk_power_cycle(d);
    s = open_ok(d, &cfg);
    CHECK_INT(store_close(s), 0);
    memdisk_free(d);
}

int main(void)
{
    test_round_trip();
    test_queries();
    test_group_commit_timer();
    test_errors();
    return check_summary("store");
}
