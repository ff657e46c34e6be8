/* SPDX-License-Identifier: ISC */
/* Internals shared by the store's files: the in-memory state, the record codec and block I/O helpers. */
#ifndef SERVICES_STORE_INT_H
#define SERVICES_STORE_INT_H

#include "store.h"
#include "timer.h"

#include <stdbool.h>

#define STORE_T_MARKER 31
#define STORE_REC_HDR 40u
#define STORE_REC_MAX (STORE_REC_HDR + STORE_KEY_MAX + STORE_PAYLOAD_MAX)
_Static_assert(STORE_REC_MAX % 8 == 0 && STORE_REC_MAX <= 4096, "a record must fit the smallest segment");
#define STORE_CKPT_HDR 64u
#define STORE_SUM_SIZE 48u
#define STORE_MARKER_LEN 12u
#define STORE_FLAG_CARRIED 1u
/* Below this many free segments a segment switch first reclaims the oldest segment. */
#define STORE_FREE_MIN 3u

struct store_summary {
    uint64_t first_seq, min_ts, max_ts, bloom;
    uint32_t count, used, keep_bytes, type_mask;
};

struct store_pending {
    uint64_t seq;
    store_done_fn done;
    void *arg;
};

/*
 * Reads one segment's records in order; expect is the log_seq the next record must carry and stop the
 * one past the segment's last record (its summary's first_seq + count): bytes in [off, end) can hold
 * only those records, so anything that parses with a later log_seq is not part of the log.
 */
struct store_cursor {
    uint32_t seg, off, end;
    uint64_t expect, stop;
};

struct store {
    struct hearth_blkdev *dev;
    uint64_t base; /* first_block */
    uint32_t bs, ckpt_blocks, seg_blocks, seg_bytes, nseg;
    uint32_t quota, batch_blocks;
    uint64_t delay_ns;

    /* The log: live segments tail..head, the next record goes to head at offset wpos. */
    uint32_t tail, head, wpos;
    uint64_t next_seq, durable_seq, ckpt_no;
    uint32_t epoch, last_epoch;
    struct store_summary *sum;

    /* The head segment's blocks from buf_blk on, as they will be written (the tail buffer). */
    uint8_t *buf;
    uint32_t buf_blk, buf_cap;

    struct store_pending *pend;
    uint32_t npend, pend_cap;

    uint8_t *rd; /* a one-block read cache */
    uint64_t rd_lba;
    bool rd_valid;
    uint8_t *rec;   /* STORE_REC_MAX bytes: the record being read */
    uint8_t *ckbuf; /* ckpt_blocks * bs bytes */

    store_retain_fn retain; /* the retention policy, or NULL: keep all but evicted readings */
    void *retain_arg;

    struct loop *loop;
    struct timer timer;
    int failed; /* 0, or the error that stopped the store */
    bool busy, ckpt_due;
    bool compacting; /* copies without their marker yet: no checkpoint may describe them */
    struct store_stats st;
};

/* The size of a record on disk, padding included. */
static inline uint32_t store_rec_size(uint32_t key_len, uint32_t payload_len)
{
    return (STORE_REC_HDR + key_len + payload_len + 7u) & ~7u;
}

/* store_format.c: the pure codec. */
void store_put_le16(uint8_t *p, uint16_t v);
void store_put_le32(uint8_t *p, uint32_t v);
void store_put_le64(uint8_t *p, uint64_t v);
uint16_t store_get_le16(const uint8_t *p);
uint32_t store_get_le32(const uint8_t *p);
uint64_t store_get_le64(const uint8_t *p);
uint64_t store_key_bloom(const uint8_t *key, uint32_t len);
/* Encodes r into out (store_rec_size bytes) with its CRC; returns the size. */
uint32_t store_rec_encode(uint8_t *out, const struct store_record *r);
/* Decodes a header; returns the record's size or -HEARTH_EBADMSG if the fields are impossible. */
int store_rec_header(const uint8_t *hdr, struct store_record *r);
/* Checks the CRC of a whole record whose header decoded into r and points r at its key and payload. */
int store_rec_verify(const uint8_t *raw, struct store_record *r);
void store_summary_add(struct store_summary *sm, const struct store_record *r, uint32_t size);
/* Serialises s's state into s->ckbuf for checkpoint number ckpt_no. */
void store_ckpt_encode(struct store *s, uint64_t ckpt_no);
/* Validates a checkpoint image against s's geometry and loads it into s. Returns 0 or -HEARTH_EBADMSG;
 * -HEARTH_EINVAL if it is valid but for another geometry. */
int store_ckpt_decode(struct store *s, const uint8_t *img);

/* store_io.c: blocks, the read cache, the tail buffer. */
uint64_t store_seg_lba(const struct store *s, uint32_t seg);
int store_dev_read(struct store *s, uint64_t lba, void *buf, uint32_t count);
int store_dev_write(struct store *s, uint64_t lba, const void *buf, uint32_t count);
int store_dev_flush(struct store *s);
/* Copies len bytes at off of segment seg into out, from the tail buffer or the device. */
int store_read_bytes(struct store *s, uint32_t seg, uint32_t off, uint32_t len, uint8_t *out);
/* Writes the tail buffer's dirty blocks (no flush) and keeps only the partial last block. */
int store_buf_write_out(struct store *s);
/* Blocks of the tail buffer not yet written. */
uint32_t store_buf_dirty_blocks(const struct store *s);
/* Writes and flushes a checkpoint of the current state. */
int store_ckpt_write(struct store *s);
/* The record with log_seq expect at off of seg, if one is there whole and valid, ending by end: its size
 * (r filled, pointing into s->rec), 0 if not, or -HEARTH_EIO. */
int store_rec_at(struct store *s, uint32_t seg, uint32_t off, uint32_t end, uint64_t expect,
                 struct store_record *r);
/* Starts a cursor over the live part of segment seg. */
void store_cursor_init(const struct store *s, struct store_cursor *c, uint32_t seg);
/* Next valid record of the cursor's segment into r (pointing into s->rec): 1, 0 at the end, or -EIO. */
int store_cursor_next(struct store *s, struct store_cursor *c, struct store_record *r);

/* store_append.c */
/* Appends r (filling log_seq, epoch and, unless carried, seq); switches segments if needed. */
int store_append_raw(struct store *s, struct store_record *r);
int store_commit_raw(struct store *s);
/* Fails the store for good: pending callbacks get -HEARTH_EIO, as does every later call. */
int store_fail(struct store *s, int rc);

/* store_compact.c */
/* Reclaims segments until a segment switch is safe and the quota holds; 0 or -HEARTH_E*. */
int store_make_room(struct store *s, uint32_t need_bytes);

static inline uint32_t store_live_segments(const struct store *s)
{
    return (s->head + s->nseg - s->tail) % s->nseg + 1;
}

#endif
