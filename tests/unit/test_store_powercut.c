/* SPDX-License-Identifier: ISC */
/* Power-cut test: a long store workload cut at every block write, then recovered and checked. */
#include "check.h"
#include "memdisk.h"
#include "store.h"

#include <hearth/err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BS 512u
#define FIRST_BLOCK 4u
#define SEG_BLOCKS 8u
#define NSEG 9u
#define DEVICE_BLOCKS (FIRST_BLOCK + 2 * 2 + NSEG * SEG_BLOCKS) /* 2-block checkpoint slots */
#define CUTS 1500u
#define MAX_SEQ 60000u
#define MAX_STEPS 4000u
#define AFTERSHOCKS 2 /* further cuts after the first recovery */

/* What the test appended under each seq (seqs are reused after a recovery drops an unacked tail). */
struct model_rec {
    bool exists, acked;
    uint8_t type, key;
    uint16_t len;
    uint32_t seed;
    uint64_t ts;
};

struct run {
    struct model_rec *m;
    struct hearth_blkdev *d;
    struct store *s;
    uint64_t rng, step;
    unsigned violations;
    uint64_t max_open_reads, checked;
};

static const struct store_config cfg = {
    .first_block = FIRST_BLOCK, .segment_blocks = SEG_BLOCKS, .batch_blocks = 3, .quota_segments = 6};

static uint64_t rnd(struct run *r)
{
    uint64_t x = r->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return r->rng = x;
}

static void fill(uint8_t *out, uint16_t len, uint32_t seed)
{
    for (uint16_t k = 0; k < len; k++)
        out[k] = (uint8_t)(seed * 131u + k * 7u + (k >> 8));
}

static void key_of(uint8_t key, char out[8])
{
    snprintf(out, 8, "k%u", key);
}

static void violation(struct run *r, const char *what, uint64_t seq)
{
    if (r->violations++ < 10)
        check_note("power-cut violation: %s (seq %" PRIu64 ", step %" PRIu64 ")", what, seq, r->step);
}

static void on_durable(void *arg, uint64_t seq, int status)
{
    struct run *r = arg;
    if (status == 0 && seq < MAX_SEQ)
        r->m[seq].acked = true;
}

/* One random operation; returns false once the device has lost power. */
static bool step(struct run *r)
{
    uint64_t x = rnd(r);
    struct model_rec rec = {.exists = true};
    unsigned kind = x % 100;
    rec.type = kind < 80   ? STORE_T_READING
               : kind < 90 ? STORE_T_CONFIG
               : kind < 95 ? STORE_T_AUDIT
                           : STORE_T_IDENTITY;
    rec.key = (uint8_t)((x >> 8) % 4);
    rec.len = (uint16_t)((x >> 16) % 33 == 0 ? (x >> 24) % 1500 : (x >> 24) % 120);
    rec.seed = (uint32_t)(x >> 32);
    rec.ts = r->step++;
    uint8_t payload[STORE_PAYLOAD_MAX];
    char key[8];
    fill(payload, rec.len, rec.seed);
    key_of(rec.key, key);
    struct store_record sr = {.type = rec.type,
                              .key = (const uint8_t *)key,
                              .key_len = (uint8_t)strlen(key),
                              .timestamp_ns = rec.ts,
                              .payload = payload,
                              .payload_len = rec.len};
    uint64_t seq = 0;
    int rc = store_append(r->s, &sr, on_durable, r, &seq);
    if (seq) {
        HEARTH_ASSERT(seq < MAX_SEQ);
        r->m[seq] = rec;
    }
    if (rc == 0 && (x >> 40) % 7 == 0)
        rc = store_commit(r->s);
    if (rc == 0 && (x >> 44) % 500 == 0) {
        /* A clean restart now and then: close, and open again. */
        rc = store_close(r->s);
        r->s = NULL;
        if (rc == 0)
            rc = store_open(r->d, &cfg, &r->s);
    }
    if (rc < 0 && !memdisk_dead(r->d) && rc != -HEARTH_ENOSPC) {
        violation(r, "unexpected error from the store", seq);
        memdisk_crash(r->d);
    }
    return !memdisk_dead(r->d);
}

struct found {
    struct run *r;
    uint8_t *seen;
    uint64_t next_seq;
};

static int check_one(void *arg, const struct store_record *sr)
{
    struct found *f = arg;
    struct run *r = f->r;
    uint8_t want[STORE_PAYLOAD_MAX];
    char key[8];
    r->checked++;
    if (sr->seq >= f->next_seq || sr->seq >= MAX_SEQ || !r->m[sr->seq].exists) {
        violation(r, "a record that was never appended", sr->seq);
        return 0;
    }
    const struct model_rec *m = &r->m[sr->seq];
    fill(want, m->len, m->seed);
    key_of(m->key, key);
    if (sr->type != m->type || sr->timestamp_ns != m->ts || sr->payload_len != m->len ||
        memcmp(sr->payload, want, m->len) != 0 || sr->key_len != strlen(key) ||
        memcmp(sr->key, key, sr->key_len))
        violation(r, "a record whose content differs from what was appended", sr->seq);
    if (f->seen[sr->seq]++)
        violation(r, "a record returned twice", sr->seq);
    return 0;
}

/* Reboots after the cut and checks the recovered store against the model. */
static void recover_and_check(struct run *r)
{
    if (r->s)
        store_close(r->s); /* fails: the device is dead; this only frees */
    r->s = NULL;
    memdisk_power_cycle(r->d);
    int rc = store_open(r->d, &cfg, &r->s);
    if (rc < 0) {
        violation(r, "open failed after a power cut", (uint64_t)-rc);
        return;
    }
    struct store_stats st;
    store_stats(r->s, &st);
    if (st.open_blocks_read > r->max_open_reads)
        r->max_open_reads = st.open_blocks_read;
    struct found f = {.r = r, .seen = calloc(MAX_SEQ, 1), .next_seq = st.next_seq};
    HEARTH_ASSERT(f.seen);
    CHECK_INT(store_iterate(r->s, &(struct store_query){0}, check_one, &f), 0);
    /* Everything in the log before next_seq was appended in order; readings may have been evicted, but
     * only oldest first; nothing else may be missing. Acknowledged records may not be past the end. */
    bool reading_seen = false;
    for (uint64_t seq = 1; seq < MAX_SEQ; seq++) {
        struct model_rec *m = &r->m[seq];
        if (!m->exists)
            continue;
        if (seq >= st.next_seq) {
            if (m->acked)
                violation(r, "an acknowledged record was lost", seq);
            *m = (struct model_rec){0}; /* its seq will be given to a new record */
            continue;
        }
        if (m->type != STORE_T_READING && !f.seen[seq])
            violation(r, "a non-reading record is missing", seq);
        if (m->type == STORE_T_READING && f.seen[seq])
            reading_seen = true;
        if (m->type == STORE_T_READING && !f.seen[seq] && reading_seen)
            violation(r, "a reading was evicted before an older one", seq);
        m->acked = true; /* it survived a power cut: from now on it must stay */
    }
    /* The latest config of each key is the one with the highest seq. */
    for (uint8_t k = 0; k < 4; k++) {
        char key[8];
        uint8_t buf[STORE_KEY_MAX + STORE_PAYLOAD_MAX];
        struct store_record out;
        uint64_t want = 0;
        key_of(k, key);
        for (uint64_t seq = 1; seq < st.next_seq && seq < MAX_SEQ; seq++)
            if (r->m[seq].exists && r->m[seq].type == STORE_T_CONFIG && r->m[seq].key == k && f.seen[seq])
                want = seq;
        rc = store_get_latest(r->s, STORE_T_CONFIG, (const uint8_t *)key, (uint8_t)strlen(key), &out, buf,
                              sizeof(buf));
        if (want ? rc != 0 || out.seq != want : rc != -HEARTH_ENOENT)
            violation(r, "store_get_latest disagrees with the log", want);
    }
    free(f.seen);
}

static bool cut_run(struct run *r, uint64_t n)
{
    r->d = memdisk_new(BS, DEVICE_BLOCKS);
    r->s = NULL;
    memset(r->m, 0, sizeof(*r->m) * MAX_SEQ);
    r->rng = n * 0x2545f4914f6cdd1dull + 7;
    r->step = 0;
    memdisk_cut_after(r->d, n, n);
    bool cut = true;
    if (store_open(r->d, &cfg, &r->s) == 0) {
        while (step(r))
            if (r->step > MAX_STEPS) {
                cut = false; /* the workload ended before write n */
                break;
            }
    }
    if (cut) {
        recover_and_check(r);
        /* More cuts soon after each recovery: records an earlier run left beyond its torn tail must not
         * come back now that the log has been written over up to (or past) them. */
        for (int again = 0; again < AFTERSHOCKS && r->s; again++) {
            memdisk_cut_after(r->d, 1 + rnd(r) % 40, n * AFTERSHOCKS + again);
            uint64_t stop = r->step + 300;
            while (step(r) && r->step < stop)
                ;
            memdisk_crash(r->d);
            recover_and_check(r);
        }
    }
    store_close(r->s);
    memdisk_free(r->d);
    return cut;
}

int main(void)
{
    struct run r = {.m = calloc(MAX_SEQ, sizeof(struct model_rec))};
    unsigned cuts = 0;
    HEARTH_ASSERT(r.m);
    for (uint64_t n = 1; n <= CUTS; n++)
        cuts += cut_run(&r, n);
    /* Checkpoints of both slots, about two segments of replay, and the head block. */
    const uint64_t bound = 2 * 2 + 2 * SEG_BLOCKS + 2;
    printf("power-cut: %u cuts, %u violations, max blocks read on open %" PRIu64 " (bound %" PRIu64
           "), %" PRIu64 " records checked\n",
           cuts, r.violations, r.max_open_reads, bound, r.checked);
    CHECK(cuts >= 1000);
    CHECK_INT(r.violations, 0);
    CHECK(r.max_open_reads <= bound);
    free(r.m);
    return check_summary("store power-cut");
}
