/* SPDX-License-Identifier: ISC */
/* Reclaiming space: the oldest segment's readings are evicted, everything else is carried to the head. */
#include "store_int.h"

#include <hearth/err.h>
#include <string.h>

/*
 * Copies the tail segment's non-reading records to the head, then appends the marker that retires the
 * segment, and commits. Until that commit the copies are duplicates that recovery would roll back, so
 * any failure on the way fails the store rather than leave them visible.
 */
static int compact_tail(struct store *s)
{
    uint32_t victim = s->tail;
    struct store_cursor c;
    struct store_record r;
    int rc;
    store_cursor_init(s, &c, victim);
    s->compacting = true;
    while ((rc = store_cursor_next(s, &c, &r)) > 0) {
        if (r.type == STORE_T_MARKER)
            continue;
        if (r.type == STORE_T_READING) {
            s->st.evicted++;
            continue;
        }
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

int store_make_room(struct store *s, uint32_t need_bytes)
{
    for (uint32_t i = 0; i < s->nseg; i++) {
        uint32_t live = store_live_segments(s), free = s->nseg - live;
        bool switching = s->wpos + need_bytes > s->seg_bytes;
        if (!(switching && free < STORE_FREE_MIN) && !(s->quota && live > s->quota))
            return 0;
        if (s->tail == s->head)
            break;
        /*
         * The copies must fit without taking the last free segment. Records do not straddle segments,
         * so allow one record's worth of padding where the copies cross into a new one.
         */
        uint32_t keep = s->sum[s->tail].keep_bytes;
        uint64_t need = keep + store_rec_size(0, STORE_MARKER_LEN) + (keep ? STORE_REC_MAX : 0);
        uint64_t avail = (uint64_t)(s->seg_bytes - s->wpos) + (uint64_t)(free ? free - 1 : 0) * s->seg_bytes;
        if (need > avail)
            break;
        int rc = compact_tail(s);
        if (rc < 0)
            return rc;
    }
    if (s->wpos + need_bytes > s->seg_bytes && (s->head + 1) % s->nseg == s->tail)
        return -HEARTH_ENOSPC;
    return 0;
}
