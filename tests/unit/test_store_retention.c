/* SPDX-License-Identifier: ISC */
/* Unit tests for store retention and recovery: compaction, quota, full store, corruption, stale records. */
#include "check.h"
#include "memdisk.h"
#include "store.h"
#include "store_fuzz_image.h"
#include "store_helpers.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Config, audit and identity records survive any amount of reading traffic; readings go oldest first. */
static void check_retention(struct store *s, uint32_t nkeep, uint64_t *keep_seq, uint32_t nread,
                            uint64_t *read_seq)
{
    struct seen_list l = all_records(s, 0, NULL);
    for (uint32_t i = 0; i < nkeep; i++) {
        const struct seen *e = find(&l, keep_seq[i]);
        CHECK(e != NULL);
        if (e)
            CHECK(payload_ok(e, i) && e->type != STORE_T_READING);
    }
    /* Present readings are a suffix of those appended. */
    uint32_t first = nread;
    for (uint32_t i = 0; i < nread; i++)
        if (find(&l, read_seq[i])) {
            first = i;
            break;
        }
    for (uint32_t i = first; i < nread; i++)
        CHECK(find(&l, read_seq[i]) != NULL);
    CHECK(first > 0);         /* something was evicted */
    CHECK(nread - first > 0); /* and the newest readings are there */
    for (size_t i = 0; i < l.n; i++)
        for (size_t j = i + 1; j < l.n; j++)
            CHECK(l.v[i].seq != l.v[j].seq);
    free(l.v);
}

static void test_compaction_keeps_non_readings(void)
{
    /* 8 segments of 4 KiB: the readings below are many times that. */
    struct hearth_blkdev *d = memdisk_new(BS, RESERVED + 2 + 8 * 8);
    struct store_config cfg = {.first_block = RESERVED, .segment_blocks = 8, .batch_blocks = 4};
    struct store *s = open_ok(d, &cfg);
    static const uint8_t types[] = {STORE_T_CONFIG, STORE_T_AUDIT, STORE_T_IDENTITY, 17};
    uint64_t keep_seq[40], read_seq[1200];
    uint32_t nkeep = 0, nread = 0;
    for (uint32_t i = 0; i < 1200; i++) {
        if (i % 30 == 0 && nkeep < 40) {
            char key[16];
            snprintf(key, sizeof(key), "cfg%u", nkeep % 7);
            CHECK_INT(append(s, types[nkeep % 4], key, i, nkeep, &keep_seq[nkeep]), 0);
            nkeep++;
        }
        CHECK_INT(append(s, STORE_T_READING, "sensor", i, 1000 + i, &read_seq[nread++]), 0);
    }
    struct store_stats st;
    store_stats(s, &st);
    CHECK(st.compactions > 5);
    CHECK(st.evicted > 0);
    CHECK(st.carried > 0);
    check_retention(s, nkeep, keep_seq, nread, read_seq);
    /* The latest config per key is the last appended, even after being carried around. */
    uint8_t buf[512];
    struct store_record r;
    CHECK_INT(store_get_latest(s, STORE_T_CONFIG, (const uint8_t *)"cfg4", 4, &r, buf, sizeof(buf)), 0);
    CHECK_INT(r.seq, keep_seq[32]);
    CHECK_INT(store_close(s), 0);
    s = open_ok(d, &cfg);
    check_retention(s, nkeep, keep_seq, nread, read_seq);
    CHECK_INT(store_close(s), 0);
    memdisk_free(d);
}

static void test_quota_eviction_order(void)
{
    struct hearth_blkdev *d = memdisk_new(BS, RESERVED + 2 + 20 * 8);
    struct store_config cfg = {.first_block = RESERVED, .segment_blocks = 8, .quota_segments = 4};
    struct store *s = open_ok(d, &cfg);
    uint64_t read_seq[600], keep_seq[1];
    CHECK_INT(append(s, STORE_T_IDENTITY, "device", 0, 0, &keep_seq[0]), 0);
    for (uint32_t i = 0; i < 600; i++) {
        CHECK_INT(append(s, STORE_T_READING, "t", 10 + i, 2000 + i, &read_seq[i]), 0);
        struct store_stats st;
        store_stats(s, &st);
        CHECK(st.live_segments <= 5); /* the quota, plus the head while it fills */
    }
    check_retention(s, 1, keep_seq, 600, read_seq);
    /* Time order equals eviction order: what is left is the newest stretch of time. */
    struct seen_list l = all_records(s, STORE_T_READING, NULL);
    CHECK(l.n > 0 && l.n < 600);
    CHECK_INT(l.v[l.n - 1].ts, 609);
    CHECK_INT(l.v[0].ts, 10 + 600 - l.n);
    free(l.v);
    CHECK_INT(store_close(s), 0);
    memdisk_free(d);
}

static void test_full_of_config(void)
{
    struct hearth_blkdev *d = memdisk_new(BS, RESERVED + 2 + 6 * 8);
    struct store_config cfg = {.first_block = RESERVED, .segment_blocks = 8};
    struct store *s = open_ok(d, &cfg);
    int rc = 0;
    uint32_t n = 0;
    while ((rc = append(s, STORE_T_AUDIT, "a", n, n, NULL)) == 0 && n < 10000)
        n++;
    CHECK_INT(rc, -HEARTH_ENOSPC);
    CHECK(n > 100);
    CHECK_INT(store_commit(s), 0);
    struct seen_list l = all_records(s, STORE_T_AUDIT, NULL);
    CHECK_INT(l.n, n);
    free(l.v);
    CHECK_INT(store_close(s), 0);
    s = open_ok(d, &cfg);
    l = all_records(s, STORE_T_AUDIT, NULL);
    CHECK_INT(l.n, n);
    free(l.v);
    CHECK_INT(store_close(s), 0);
    memdisk_free(d);
}

/* Finds the byte offset of the (uncarried) record with this seq on the device, by its header, from from on.
 */
static size_t locate_from(struct hearth_blkdev *d, size_t from, uint64_t blocks, uint64_t seq)
{
    const uint8_t *img = memdisk_bytes(d);
    for (size_t off = from; off + 40 <= blocks * BS; off += 8) {
        uint64_t log_seq = 0, id = 0;
        for (int i = 7; i >= 0; i--) {
            log_seq = log_seq << 8 | img[off + 16 + i];
            id = id << 8 | img[off + 24 + i];
        }
        if (log_seq == seq && id == seq)
            return off;
    }
    return 0;
}

static size_t locate(struct hearth_blkdev *d, uint64_t blocks, uint64_t seq)
{
    return locate_from(d, 0, blocks, seq);
}

static void test_corruption(void)
{
    const uint64_t blocks = RESERVED + 2 + 8 * 8;
    struct hearth_blkdev *d = memdisk_new(BS, blocks);
    struct store_config cfg = {.first_block = RESERVED, .segment_blocks = 8};
    struct store *s = open_ok(d, &cfg);
    for (uint32_t i = 0; i < 60; i++)
        CHECK_INT(append(s, STORE_T_AUDIT, "k", i, i, NULL), 0);
    CHECK_INT(store_close(s), 0);

    /* Policy, part 1: in the checkpointed log a corrupt record is skipped; its neighbours are intact. */
    size_t at = locate(d, blocks, 21);
    CHECK(at > 0);
    memdisk_flip(d, at + 40 + 1 + 3, 0x10); /* a payload byte */
    s = open_ok(d, &cfg);
    struct seen_list l = all_records(s, 0, NULL);
    CHECK_INT(l.n, 59);
    CHECK(find(&l, 21) == NULL); /* seq = i + 1 */
    for (size_t k = 0; k < l.n; k++)
        CHECK(payload_ok(&l.v[k], (uint32_t)l.v[k].seq - 1));
    free(l.v);
    struct store_stats st;
    store_stats(s, &st);
    CHECK_INT(st.corrupt_skipped, 1);

    /* Part 2: after the checkpoint, the first bad record is the end of the log (a torn write looks the
     * same); nothing from it on is returned, and appending goes on from there. */
    store_stats(s, &st);
    uint64_t ckpts = st.checkpoints;
    for (uint32_t i = 100; i < 110; i++)
        CHECK_INT(append(s, STORE_T_AUDIT, "k", i, i, NULL), 0);
    CHECK_INT(store_commit(s), 0);
    store_stats(s, &st);
    CHECK_INT(st.checkpoints, ckpts); /* so these records are only after the checkpoint */
    memdisk_crash(d);
    store_close(s);
    memdisk_power_cycle(d);
    at = locate(d, blocks, 66); /* i = 105 */
    CHECK(at > 0);
    memdisk_flip(d, at + 40 + 1, 0x01);
    s = open_ok(d, &cfg);
    l = all_records(s, 0, NULL);
    CHECK_INT(l.n, 59 + 5);
    for (size_t k = 0; k < l.n; k++) {
        uint32_t i = l.v[k].seq <= 60 ? (uint32_t)l.v[k].seq - 1 : (uint32_t)l.v[k].seq - 61 + 100;
        CHECK(payload_ok(&l.v[k], i));
    }
    free(l.v);
    uint64_t seq;
    CHECK_INT(append(s, STORE_T_AUDIT, "k", 1, 7, &seq), 0);
    CHECK_INT(seq, 66);
    CHECK_INT(store_close(s), 0);
    s = open_ok(d, &cfg);
    l = all_records(s, 0, NULL);
    CHECK_INT(l.n, 65);
    CHECK(find(&l, 66) && payload_ok(find(&l, 66), 7));
    free(l.v);
    CHECK_INT(store_close(s), 0);
    memdisk_free(d);
}

/* Overwrites block lba of the device with zeros, durably: a write that never reached the media. */
static void lose_block(struct hearth_blkdev *d, uint64_t lba)
{
    for (uint64_t off = lba * BS; off < (lba + 1) * BS; off++)
        if (memdisk_bytes(d)[off])
            memdisk_flip(d, off, memdisk_bytes(d)[off]);
}

/*
 * A run writes seq 7, 8 at the end of segment 0 and 9 at the start of segment 1, and loses 7. The next
 * run recovers to 6 and writes a new 7 and 8 that fill segment 0 exactly, then stops. Opening after that
 * must not follow the log into segment 1 and take the first run's 9 for a continuation: its epoch is
 * older. (Every record here is 512 bytes: 40 header + 1 key + 471 payload.)
 */
static void test_stale_record_after_torn_tail(void)
{
    struct hearth_blkdev *d = memdisk_new(BS, RESERVED + 2 + 6 * 8);
    struct store_config cfg = {.first_block = RESERVED, .segment_blocks = 8, .batch_blocks = 64};
    uint8_t payload[471];
    struct store_record r = {.type = STORE_T_AUDIT,
                             .key = (const uint8_t *)"k",
                             .key_len = 1,
                             .payload = payload,
                             .payload_len = sizeof(payload)};
    struct store *s = open_ok(d, &cfg);
    struct store_stats st;
    store_stats(s, &st);
    uint64_t seg0 = RESERVED + 2 * st.checkpoint_blocks;
    memset(payload, 'A', sizeof(payload));
    for (int i = 0; i < 6; i++)
        CHECK_INT(store_append(s, &r, NULL, NULL, NULL), 0);
    CHECK_INT(store_commit(s), 0);
    for (int i = 0; i < 3; i++)
        CHECK_INT(store_append(s, &r, NULL, NULL, NULL), 0);
    /* Blocks 6 and 7 of segment 0 went out when segment 1 was started; the commit writes block 0 of
     * segment 1, flushes, then writes the checkpoint: that write fails. */
    memdisk_cut_after(d, 2, 0);
    CHECK_INT(store_commit(s), -HEARTH_EIO);
    store_close(s);
    memdisk_power_cycle(d);
    lose_block(d, seg0 + 6);

    s = open_ok(d, &cfg);
    store_stats(s, &st);
    CHECK_INT(st.next_seq, 7);
    memset(payload, 'B', sizeof(payload));
    CHECK_INT(store_append(s, &r, NULL, NULL, NULL), 0);
    CHECK_INT(store_append(s, &r, NULL, NULL, NULL), 0);
    CHECK_INT(store_commit(s), 0);
    memdisk_crash(d);
    store_close(s);
    memdisk_power_cycle(d);

    s = open_ok(d, &cfg);
    store_stats(s, &st);
    CHECK_INT(st.next_seq, 9);
    struct seen_list l = all_records(s, 0, NULL);
    CHECK_INT(l.n, 8);
    for (size_t k = 0; k < l.n; k++)
        CHECK(l.v[k].seq == k + 1 && l.v[k].payload[0] == (k < 6 ? 'A' : 'B'));
    free(l.v);
    CHECK_INT(store_close(s), 0);
    memdisk_free(d);
}

/* Record seq's payload index in the damage vectors: sizes 160 80 120 152 72 56 88 128 bytes for 1..8. */
static uint32_t damage_payload(uint64_t seq)
{
    return (uint32_t)(seq + 2) % 8;
}

/* Sets the device's byte at off to v, durably (memdisk_flip XORs). */
static void set_byte(struct hearth_blkdev *d, size_t off, uint8_t v)
{
    if (memdisk_bytes(d)[off] != v)
        memdisk_flip(d, off, memdisk_bytes(d)[off] ^ v);
}

/*
 * One line of vectors/store_damage.txt: damage | record | visible seqs | next seq | corrupt skipped.
 * (Records here are 40 header bytes, a 1-byte key and the payload, padded to 8 bytes.)
 */
static void damage_vector(char **f, int n, const char *where)
{
    const uint64_t blocks = RESERVED + 2 + 6 * 8;
    struct store_config cfg = {.first_block = RESERVED, .segment_blocks = 8};
    struct store_stats st;
    if (n != 5) {
        check_record(0, where, 0, "vector has 5 fields");
        return;
    }
    struct hearth_blkdev *d = memdisk_new(BS, blocks);
    struct store *s = open_ok(d, &cfg);
    store_stats(s, &st);
    /* Segment 0, where all the records go: searching only there keeps checkpoint fields from matching. */
    size_t seg_start = (RESERVED + 2 * st.checkpoint_blocks) * BS,
           seg_end = seg_start + cfg.segment_blocks * BS;
    for (uint64_t seq = 1; seq <= 8; seq++) {
        CHECK_INT(append(s, STORE_T_AUDIT, "k", seq, damage_payload(seq), NULL), 0);
        if (seq == 4) { /* a checkpoint after 4; 5-8 are only committed, then the power fails */
            CHECK_INT(store_close(s), 0);
            s = open_ok(d, &cfg);
        }
    }
    CHECK_INT(store_commit(s), 0);
    memdisk_crash(d);
    store_close(s);
    memdisk_power_cycle(d);

    size_t at = locate_from(d, seg_start, blocks, strtoull(f[1], NULL, 10));
    check_record(at > 0, where, 0, "the damaged record is on the device");
    if (strcmp(f[0], "flip") == 0) {
        memdisk_flip(d, at + 40 + 1 + 3, 0x10);
    } else {
        uint8_t probe[256];
        size_t cut =
            (40 + 1 + payload_for(damage_payload(strtoull(f[0] + 3, NULL, 10)), probe) + 7) & ~(size_t)7;
        for (size_t off = at; off < seg_end; off++)
            set_byte(d, off, off + cut < seg_end ? memdisk_bytes(d)[off + cut] : 0);
    }

    s = open_ok(d, &cfg);
    struct seen_list l = all_records(s, 0, NULL);
    store_stats(s, &st);
    char got[64] = "";
    for (size_t k = 0; k < l.n; k++) {
        snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%llu", k ? " " : "",
                 (unsigned long long)l.v[k].seq);
        check_record(l.v[k].seq < st.next_seq, where, 0, "no record at or past the end of the log");
        check_record(payload_ok(&l.v[k], damage_payload(l.v[k].seq)), where, 0, "record intact");
    }
    check_record(strcmp(got, f[2]) == 0, where, 0, "visible records");
    if (strcmp(got, f[2]) != 0)
        check_note("  got \"%s\"", got);
    check_record(st.next_seq == strtoull(f[3], NULL, 10), where, 0, "next seq");
    check_record(st.corrupt_skipped == strtoull(f[4], NULL, 10), where, 0, "corrupt records skipped");
    /* The next append gets next seq: had a record past the end been visible, its seq would now be twice. */
    uint64_t seq = 0;
    CHECK_INT(append(s, STORE_T_AUDIT, "k", 99, 0, &seq), 0);
    check_record(seq == st.next_seq, where, 0, "the next append continues the log");
    free(l.v);
    CHECK_INT(store_close(s), 0);
    memdisk_free(d);
}

/* Writes small store images as the fuzz target's seed corpus (run with --corpus DIR). */
static void write_seed(struct hearth_blkdev *d, const char *dir, const char *name, uint8_t flags)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    fputc(flags, f);
    fwrite(memdisk_bytes(d), 1, FUZZ_STORE_IMAGE_BYTES, f);
    fclose(f);
}

static void write_corpus(const char *dir)
{
    struct store_config cfg = fuzz_store_config();
    struct hearth_blkdev *d = memdisk_new(FUZZ_STORE_BS, FUZZ_STORE_BLOCKS);
    struct store *s = open_ok(d, &cfg);
    CHECK_INT(store_close(s), 0);
    write_seed(d, dir, "empty", 0);
    s = open_ok(d, &cfg);
    for (uint32_t i = 0; i < 40; i++)
        CHECK_INT(append(s, i % 4 ? STORE_T_READING : STORE_T_CONFIG, i % 3 ? "a" : "bb", i, i, NULL), 0);
    CHECK_INT(store_close(s), 0);
    write_seed(d, dir, "closed", 0);
    s = open_ok(d, &cfg);
    for (uint32_t i = 0; i < 400; i++)
        CHECK_INT(append(s, i % 9 ? STORE_T_READING : STORE_T_AUDIT, "k", i, i, NULL), 0);
    CHECK_INT(store_commit(s), 0);
    write_seed(d, dir, "wrapped_unclosed", FUZZ_STORE_FLAG_RESEAL);
    CHECK_INT(append(s, STORE_T_READING, "k", 1, 1, NULL), 0);
    memdisk_cut_after(d, 1, 3);
    store_commit(s);
    store_close(s);
    memdisk_power_cycle(d);
    write_seed(d, dir, "torn_tail", 0);
    memdisk_free(d);
}
int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--corpus") == 0) {
        write_corpus(argv[2]);
        return check_summary("store corpus");
    }
    test_compaction_keeps_non_readings();
    test_quota_eviction_order();
    test_full_of_config();
    test_corruption();
    test_stale_record_after_torn_tail();
    CHECK(check_vectors("vectors/store_damage.txt", 5, damage_vector) >= 9);
    return check_summary("store retention");
}
