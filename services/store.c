/* SPDX-License-Identifier: ISC */
/* Opening the store: geometry, choosing a checkpoint, replaying the log after it, and closing. */
#include "store_int.h"

#include <hearth/err.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SEGMENT_BYTES 65536u
#define DEFAULT_BATCH_BLOCKS 16u
#define DEFAULT_DELAY_NS 20000000ull
#define MAX_SEGMENTS 65535u

static int geometry(struct store *s, const struct hearth_blk_info *info, const struct store_config *cfg)
{
    s->bs = info->block_size;
    s->base = cfg->first_block;
    s->seg_blocks = cfg->segment_blocks ? cfg->segment_blocks : DEFAULT_SEGMENT_BYTES / s->bs;
    if (s->bs < 512 || s->seg_blocks == 0 || s->seg_blocks > (1u << 30) / s->bs ||
        s->seg_blocks * s->bs < 4096 || cfg->first_block >= info->block_count)
        return -HEARTH_EINVAL;
    uint64_t end = cfg->end_block && cfg->end_block < info->block_count ? cfg->end_block : info->block_count;
    if (cfg->first_block >= end)
        return -HEARTH_EINVAL;
    s->seg_bytes = s->seg_blocks * s->bs;
    uint64_t region = end - cfg->first_block;
    uint64_t nmax = region / s->seg_blocks;
    if (nmax > MAX_SEGMENTS)
        nmax = MAX_SEGMENTS;
    s->ckpt_blocks = (uint32_t)((STORE_CKPT_HDR + STORE_SUM_SIZE * nmax + s->bs - 1) / s->bs);
    if (region < 2ull * s->ckpt_blocks)
        return -HEARTH_EINVAL;
    uint64_t nseg = (region - 2ull * s->ckpt_blocks) / s->seg_blocks;
    if (nseg < 4)
        return -HEARTH_EINVAL;
    s->nseg = (uint32_t)(nseg > MAX_SEGMENTS ? MAX_SEGMENTS : nseg);
    s->quota = cfg->quota_segments;
    if (s->quota && s->quota < 2)
        s->quota = 2;
    s->batch_blocks = cfg->batch_blocks ? cfg->batch_blocks : DEFAULT_BATCH_BLOCKS;
    if (s->batch_blocks > 1024)
        s->batch_blocks = 1024;
    s->delay_ns = cfg->commit_delay_ns ? cfg->commit_delay_ns : DEFAULT_DELAY_NS;
    s->buf_cap = s->batch_blocks + (STORE_REC_MAX + s->bs - 1) / s->bs + 1;
    /* One callback per record at most; records are at least STORE_REC_HDR bytes. */
    s->pend_cap = s->batch_blocks * (s->bs / STORE_REC_HDR) + 1;
    return 0;
}

/*
 * With no valid checkpoint the region is new (or beyond repair): zero every segment so that nothing
 * left there can ever parse as one of this store's records, then start an empty log.
 */
static int format(struct store *s)
{
    uint64_t total = (uint64_t)s->nseg * s->seg_blocks, lba = store_seg_lba(s, 0);
    memset(s->buf, 0, (size_t)s->buf_cap * s->bs);
    for (uint64_t done = 0; done < total;) {
        uint32_t n = total - done < s->buf_cap ? (uint32_t)(total - done) : s->buf_cap;
        int rc = store_dev_write(s, lba + done, s->buf, n);
        if (rc < 0)
            return rc;
        done += n;
    }
    memset(s->sum, 0, sizeof(*s->sum) * s->nseg);
    s->tail = s->head = s->wpos = 0;
    s->next_seq = 1;
    s->epoch = s->last_epoch = 0;
    s->ckpt_no = 0;
    return store_dev_flush(s);
}

/* A record may continue the log only if it is not older than the one before and not from the future. */
static int next_record(struct store *s, uint32_t seg, uint32_t off, uint64_t expect, uint32_t last_epoch,
                       uint32_t ckpt_epoch, struct store_record *r)
{
    int size = store_rec_at(s, seg, off, s->seg_bytes, expect, r);
    if (size > 0 && (r->epoch < last_epoch || r->epoch > ckpt_epoch))
        return 0;
    return size;
}

/* Replays the log after the checkpoint; stops at the first record that does not continue it. */
static int replay(struct store *s)
{
    struct store_summary *saved = malloc(sizeof(*saved) * s->nseg);
    uint32_t seg = s->head, off = s->wpos, last_epoch = s->last_epoch, ckpt_epoch = s->epoch;
    uint64_t expect = s->next_seq, replayed = 0;
    struct {
        uint32_t seg, off, last_epoch;
        uint64_t expect, replayed;
    } run = {0};
    bool in_run = false;
    int rc = 0;
    if (!saved)
        return -HEARTH_ENOMEM;
    for (;;) {
        struct store_record r;
        int size = next_record(s, seg, off, expect, last_epoch, ckpt_epoch, &r);
        if (size == 0 && off > 0) {
            /* The writer moves to the next segment when a record does not fit: follow it if it did. */
            uint32_t nxt = (seg + 1) % s->nseg;
            if (nxt == s->tail)
                break;
            size = next_record(s, nxt, 0, expect, last_epoch, ckpt_epoch, &r);
            if (size > 0) {
                seg = nxt;
                off = 0;
                memset(&s->sum[seg], 0, sizeof(s->sum[seg]));
            }
        }
        if (size <= 0) {
            rc = size;
            break;
        }
        if (r.type == STORE_T_MARKER) {
            uint32_t victim = store_get_le32(r.payload);
            if (victim != s->tail || victim == seg ||
                store_get_le64(r.payload + 4) != s->sum[victim].first_seq)
                break; /* not a compaction this log could have made */
            memset(&s->sum[victim], 0, sizeof(s->sum[victim]));
            s->tail = (victim + 1) % s->nseg;
            in_run = false;
        } else if (r.carried && !in_run) {
            /* A compaction starts: remember where, in case its closing marker never made it. */
            memcpy(saved, s->sum, sizeof(*saved) * s->nseg);
            run.seg = seg, run.off = off, run.last_epoch = last_epoch, run.expect = expect;
            run.replayed = replayed;
            in_run = true;
        }
        store_summary_add(&s->sum[seg], &r, (uint32_t)size);
        s->sum[seg].used = off + (uint32_t)size;
        off += (uint32_t)size;
        expect++;
        last_epoch = r.epoch;
        replayed++;
    }
    if (in_run) {
        /* The copies are harmless duplicates of records still in the tail segment: forget them. */
        memcpy(s->sum, saved, sizeof(*saved) * s->nseg);
        s->st.open_records_rolled_back = replayed - run.replayed;
        seg = run.seg, off = run.off, last_epoch = run.last_epoch, expect = run.expect;
        replayed = run.replayed;
        s->sum[seg].used = off;
    }
    free(saved);
    s->head = seg;
    s->wpos = off;
    s->next_seq = expect;
    s->last_epoch = last_epoch;
    s->st.open_records_replayed = replayed;
    return rc;
}

static int recover(struct store *s)
{
    size_t ck_bytes = (size_t)s->ckpt_blocks * s->bs;
    uint8_t *img = malloc(2 * ck_bytes);
    int rc, best = -1;
    uint64_t best_no = 0;
    if (!img)
        return -HEARTH_ENOMEM;
    s->buf_blk = UINT32_MAX; /* no tail buffer yet: every read goes to the device */
    for (int slot = 0; slot < 2; slot++) {
        rc = store_dev_read(s, s->base + (uint64_t)slot * s->ckpt_blocks, img + slot * ck_bytes,
                            s->ckpt_blocks);
        if (rc == 0)
            rc = store_ckpt_decode(s, img + slot * ck_bytes);
        if (rc == -HEARTH_EINVAL || rc == -HEARTH_EIO)
            goto out;
        if (rc == 0 && (best < 0 || s->ckpt_no > best_no)) {
            best = slot;
            best_no = s->ckpt_no;
        }
    }
    /* Decoding the losing slot may have overwritten part of the state: load the winner last. */
    if (best >= 0)
        store_ckpt_decode(s, img + (size_t)best * ck_bytes);
    rc = best < 0 ? format(s) : replay(s);
    if (rc < 0)
        goto out;
    /* A new epoch, durable before anything is appended: records of earlier runs left beyond the end of
     * the log can then never be taken for records of this one. */
    s->epoch = (s->epoch > s->last_epoch ? s->epoch : s->last_epoch) + 1;
    if (s->epoch == UINT32_MAX) {
        rc = -HEARTH_EOVERFLOW;
        goto out;
    }
    rc = store_ckpt_write(s);
    /* A new store fills both slots, so a later open with another geometry finds one and refuses. */
    if (rc == 0 && best < 0)
        rc = store_ckpt_write(s);
    if (rc < 0)
        goto out;
    s->durable_seq = s->next_seq - 1;
    s->buf_blk = s->wpos / s->bs;
    memset(s->buf, 0, (size_t)s->buf_cap * s->bs);
    if (s->wpos % s->bs) {
        rc = store_dev_read(s, store_seg_lba(s, s->head) + s->buf_blk, s->buf, 1);
        /* Whatever follows the end of the log in that block is left-over: the next write replaces it. */
        if (rc == 0)
            memset(s->buf + s->wpos % s->bs, 0, s->bs - s->wpos % s->bs);
    }
out:
    free(img);
    return rc;
}

static void store_free(struct store *s)
{
    if (!s)
        return;
    if (s->loop)
        timer_cancel(&s->loop->timers, &s->timer);
    free(s->sum);
    free(s->buf);
    free(s->pend);
    free(s->rd);
    free(s->rec);
    free(s->ckbuf);
    free(s);
}

int store_open(struct hearth_blkdev *dev, const struct store_config *cfg, struct store **out)
{
    struct hearth_blk_info info;
    struct store *s = NULL;
    int rc;
    *out = NULL;
    if (!dev || !cfg)
        return -HEARTH_EINVAL;
    hearth_blk_info(dev, &info);
    if (info.read_only)
        return -HEARTH_EPERM;
    s = calloc(1, sizeof(*s));
    if (!s)
        return -HEARTH_ENOMEM;
    s->dev = dev;
    rc = geometry(s, &info, cfg);
    if (rc < 0)
        goto out;
    s->sum = calloc(s->nseg, sizeof(*s->sum));
    s->buf = calloc(s->buf_cap, s->bs);
    s->pend = calloc(s->pend_cap, sizeof(*s->pend));
    s->rd = malloc(s->bs);
    s->rec = malloc(STORE_REC_MAX);
    s->ckbuf = malloc((size_t)s->ckpt_blocks * s->bs);
    if (!s->sum || !s->buf || !s->pend || !s->rd || !s->rec || !s->ckbuf) {
        rc = -HEARTH_ENOMEM;
        goto out;
    }
    rc = recover(s);
    s->st.open_blocks_read = s->st.blocks_read;
out:
    if (rc < 0)
        store_free(s);
    else
        *out = s;
    return rc;
}

int store_close(struct store *s)
{
    int rc = 0;
    if (!s)
        return 0;
    rc = store_commit_raw(s);
    /* A checkpoint at the very end lets the next open start where this run stopped. */
    if (rc == 0 && s->failed == 0)
        rc = store_ckpt_write(s);
    store_free(s);
    return rc;
}

uint64_t store_durable_seq(const struct store *s)
{
    return s->durable_seq;
}

void store_stats(const struct store *s, struct store_stats *st)
{
    *st = s->st;
    st->next_seq = s->next_seq;
    st->durable_seq = s->durable_seq;
    st->segments = s->nseg;
    st->live_segments = store_live_segments(s);
    st->segment_blocks = s->seg_blocks;
    st->checkpoint_blocks = s->ckpt_blocks;
}
