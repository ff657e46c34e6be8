/* SPDX-License-Identifier: ISC */
/* Reclaiming space and age-based eviction: the oldest segment's records are dropped or carried to the head.
 */
#include "store_int.h"

#include <hearth/err.h>
#include <string.h>

/* Whether compaction drops r: readings when reclaiming space, and whatever the retention policy drops. */
static bool dropped(struct store *s, const struct store_record *r, bool expiring)
{
    if (r->type == STORE_T_READING && !expiring) {
        s->st.evicted++;
        return true;
    }
    if (s->retain && s->retain(s->retain_arg, r) == STORE_DROP) {
        s->st.expired++;
        return true;
    }
    return false;
}

/*
 * Copies the tail segment's surviving records to the head, then appends the marker that retires the
 * segment, and commits. Until that commit the copies are duplicates that recovery would roll back, so
 * any failure on the way fails the store rather than leave them visible. Reclaiming space (expiring
 * false) evicts every reading; store_expire (expiring true) carries the readings the policy keeps.
 */
static int compact_tail(struct store *s, bool expiring)
{
    uint32_t victim = s->tail;
    struct store_cursor c;
    struct store_record r;
    int rc;
    store_cursor_init(s, &c, victim);
    s->compacting = true;
    while ((rc = store_cursor_next(s, &c, &r)) > 0) {
        if (r.type == STORE_T_MARKER || dropped(s, &r, expiring))
            continue;
        r.carried = 1;
        rc = store_append_raw(s, &r);
        if (rc == 0 && store_buf_dirty_blocks(s) >= s->batch_blocks)
            rc = store_commit_raw(s);
        if (rc < 0)
            return store_fail(s, rc);
        s->st.carried++;
    }
    if (rc < 0)
        return store_fail(s, rc);
    uint8_t payload[STORE_MARKER_LEN];
    store_put_le32(payload, victim);
    store_put_le64(payload + 4, s->sum[victim].first_seq);
    struct store_record marker = {
        .type = STORE_T_MARKER, .payload = payload, .payload_len = STORE_MARKER_LEN};
    rc = store_append_raw(s, &marker);
    if (rc < 0)
        return store_fail(s, rc);
    /*
     * Nothing is appended between the marker and the commit below, so the segment may be retired in
     * memory now: the head cannot reach it before the marker is durable, and the checkpoint that commit
     * writes already names the new tail.
     */
    memset(&s->sum[victim], 0, sizeof(s->sum[victim]));
    s->tail = (victim + 1) % s->nseg;
    s->ckpt_due = true;
    s->compacting = false;
    s->st.compactions++;
    return store_commit_raw(s);
}

/*
 * Whether copies of keep bytes (plus the marker) fit without taking the last free segment. Records do
 * not straddle segments, so allow one record's worth of padding where the copies cross into a new one.
 */
static bool copies_fit(const struct store *s, uint64_t keep)
{
    uint32_t free = s->nseg - store_live_segments(s);
    uint64_t need = keep + store_rec_size(0, STORE_MARKER_LEN) + (keep ? STORE_REC_MAX : 0);
    uint64_t avail = (uint64_t)(s->seg_bytes - s->wpos) + (uint64_t)(free ? free - 1 : 0) * s->seg_bytes;
    return need <= avail;
}

int store_make_room(struct store *s, uint32_t need_bytes)
{
    for (uint32_t i = 0; i < s->nseg; i++) {
        uint32_t live = store_live_segments(s), free = s->nseg - live;
        bool switching = s->wpos + need_bytes > s->seg_bytes;
        if (!(switching && free < STORE_FREE_MIN) && !(s->quota && live > s->quota))
            return 0;
        if (s->tail == s->head || !copies_fit(s, s->sum[s->tail].keep_bytes))
            break;
        int rc = compact_tail(s, false);
        if (rc < 0)
            return rc;
    }
    if (s->wpos + need_bytes > s->seg_bytes && (s->head + 1) % s->nseg == s->tail)
        return -HEARTH_ENOSPC;
    return 0;
}

/* 1 if segment seg is worth expiring (see store_expire), 0 if not, or -HEARTH_EIO. */
static int has_expired(struct store *s, uint32_t seg)
{
    struct store_cursor c;
    struct store_record r;
    bool drop = false;
    int rc;
    store_cursor_init(s, &c, seg);
    while ((rc = store_cursor_next(s, &c, &r)) > 0) {
        if (r.type == STORE_T_MARKER)
            continue;
        int verdict = s->retain(s->retain_arg, &r);
        if (verdict == STORE_KEEP_SOON)
            return 0;
        drop |= verdict == STORE_DROP;
    }
    return rc < 0 ? rc : drop;
}

void store_set_retention(struct store *s, store_retain_fn retain, void *arg)
{
    s->retain = retain;
    s->retain_arg = arg;
}

int store_expire(struct store *s, uint32_t max_segments)
{
    int rc, done = 0;
    if (s->busy)
        return -HEARTH_EBUSY;
    if (s->failed)
        return s->failed;
    if (!s->retain)
        return 0;
    /* Compaction commits as it goes: the pending batch goes first so its callbacks keep their order. */
    if ((rc = store_commit_raw(s)) < 0)
        return rc;
    while ((uint32_t)done < max_segments && s->tail != s->head) {
        /* Everything may be kept: room for all of the segment's bytes, whatever their type. */
        if (!copies_fit(s, s->sum[s->tail].used))
            break;
        rc = has_expired(s, s->tail);
        if (rc < 0)
            return store_fail(s, rc);
        if (rc == 0)
            break;
        if ((rc = compact_tail(s, true)) < 0)
            return rc; /* compact_tail failed the store */
        done++;
    }
    return done;
}
