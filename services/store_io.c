/* SPDX-License-Identifier: ISC */
/* The store's block I/O: counted device access, a one-block read cache, the tail buffer and record cursors.
 */
#include "store_int.h"

#include <hearth/err.h>
#include <string.h>

uint64_t store_seg_lba(const struct store *s, uint32_t seg)
{
    return s->base + 2ull * s->ckpt_blocks + (uint64_t)seg * s->seg_blocks;
}

int store_dev_read(struct store *s, uint64_t lba, void *buf, uint32_t count)
{
    s->st.blocks_read += count;
    return hearth_blk_read(s->dev, lba, buf, count) < 0 ? -HEARTH_EIO : 0;
}

int store_dev_write(struct store *s, uint64_t lba, const void *buf, uint32_t count)
{
    /* Anything written may be the block the read cache holds. */
    s->rd_valid = false;
    s->st.blocks_written += count;
    return hearth_blk_write(s->dev, lba, buf, count) < 0 ? -HEARTH_EIO : 0;
}

int store_dev_flush(struct store *s)
{
    s->st.flushes++;
    return hearth_blk_flush(s->dev) < 0 ? -HEARTH_EIO : 0;
}

int store_read_bytes(struct store *s, uint32_t seg, uint32_t off, uint32_t len, uint8_t *out)
{
    while (len > 0) {
        uint32_t blk = off / s->bs, in = off % s->bs;
        uint32_t n = s->bs - in < len ? s->bs - in : len;
        if (seg == s->head && blk >= s->buf_blk) {
            /* The head's unwritten blocks live in the tail buffer; past it there is nothing yet. */
            uint32_t idx = blk - s->buf_blk;
            if (idx < s->buf_cap)
                memcpy(out, s->buf + (size_t)idx * s->bs + in, n);
            else
                memset(out, 0, n);
        } else {
            uint64_t lba = store_seg_lba(s, seg) + blk;
            if (!s->rd_valid || s->rd_lba != lba) {
                int rc = store_dev_read(s, lba, s->rd, 1);
                if (rc < 0)
                    return rc;
                s->rd_lba = lba;
                s->rd_valid = true;
            }
            memcpy(out, s->rd + in, n);
        }
        out += n;
        off += n;
        len -= n;
    }
    return 0;
}

uint32_t store_buf_dirty_blocks(const struct store *s)
{
    uint32_t end = (s->wpos + s->bs - 1) / s->bs;
    return end > s->buf_blk ? end - s->buf_blk : 0;
}

int store_buf_write_out(struct store *s)
{
    uint32_t dirty = store_buf_dirty_blocks(s);
    if (dirty == 0)
        return 0;
    int rc = store_dev_write(s, store_seg_lba(s, s->head) + s->buf_blk, s->buf, dirty);
    if (rc < 0)
        return rc;
    /*
     * The partial last block stays in the buffer: the next batch rewrites it with more records after the
     * ones already there. A torn rewrite keeps those earlier bytes, since they are written unchanged.
     */
    uint32_t keep = s->wpos / s->bs;
    if (keep > s->buf_blk) {
        size_t moved = s->wpos % s->bs ? s->bs : 0;
        if (moved)
            memmove(s->buf, s->buf + (size_t)(keep - s->buf_blk) * s->bs, moved);
        memset(s->buf + moved, 0, (size_t)dirty * s->bs - moved);
        s->buf_blk = keep;
    }
    return 0;
}

int store_ckpt_write(struct store *s)
{
    uint64_t no = s->ckpt_no + 1;
    store_ckpt_encode(s, no);
    int rc = store_dev_write(s, s->base + (no % 2) * s->ckpt_blocks, s->ckbuf, s->ckpt_blocks);
    if (rc == 0)
        rc = store_dev_flush(s);
    if (rc < 0)
        return rc;
    s->ckpt_no = no;
    s->ckpt_due = false;
    s->st.checkpoints++;
    return 0;
}

int store_rec_at(struct store *s, uint32_t seg, uint32_t off, uint32_t end, uint64_t expect,
                 struct store_record *r)
{
    if (off > end || end - off < STORE_REC_HDR)
        return 0;
    int rc = store_read_bytes(s, seg, off, STORE_REC_HDR, s->rec);
    if (rc < 0)
        return rc;
    int size = store_rec_header(s->rec, r);
    if (size < 0 || r->log_seq != expect || (uint32_t)size > end - off)
        return 0;
    rc =
        store_read_bytes(s, seg, off + STORE_REC_HDR, (uint32_t)size - STORE_REC_HDR, s->rec + STORE_REC_HDR);
    if (rc < 0)
        return rc;
    return store_rec_verify(s->rec, r) == 0 ? size : 0;
}

void store_cursor_init(const struct store *s, struct store_cursor *c, uint32_t seg)
{
    c->seg = seg;
    c->off = 0;
    c->end = s->sum[seg].used;
    c->expect = s->sum[seg].first_seq;
    c->stop = s->sum[seg].first_seq + s->sum[seg].count;
}

int store_cursor_next(struct store *s, struct store_cursor *c, struct store_record *r)
{
    /*
     * The summary's count bounds the segment as much as its byte length does. After a corrupt record is
     * skipped, the successor found may be bytes that moved on the device or a record's image inside a
     * payload, and the chain from there can reach records that follow the segment's last one before it
     * reaches end: in the head segment those are past the end of the log, and the next append would hand
     * out their log_seq again.
     */
    if (c->off >= c->end || c->expect >= c->stop)
        return 0;
    int size = store_rec_at(s, c->seg, c->off, c->end, c->expect, r);
    if (size != 0) {
        if (size < 0)
            return size;
        c->off += (uint32_t)size;
        c->expect++;
        return 1;
    }
    /*
     * A record in the durable log failed its CRC (media corruption, not a crash: recovery never lets a
     * torn record into the log). Skip exactly that one record by looking for its successor, whose log_seq
     * is known, on the following 8-byte boundaries. Anything less strict could let bytes inside a payload
     * pass for a record.
     */
    s->st.corrupt_skipped++;
    for (uint32_t off = c->off + 8; c->expect + 1 < c->stop && off < c->end; off += 8) {
        size = store_rec_at(s, c->seg, off, c->end, c->expect + 1, r);
        if (size < 0)
            return size;
        if (size > 0) {
            c->off = off + (uint32_t)size;
            c->expect += 2;
            return 1;
        }
    }
    c->off = c->end;
    return 0;
}
