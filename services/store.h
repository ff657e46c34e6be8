/* SPDX-License-Identifier: ISC */
/* The crash-safe store: a checkpointed, append-only log of typed records over a region of a block device. */
#ifndef SERVICES_STORE_H
#define SERVICES_STORE_H

#include "loop.h"

#include <hearth/blk.h>
#include <stddef.h>
#include <stdint.h>

/*
 * On-disk format (all integers little-endian; B = the device block size; blocks relative to first_block)
 *
 *   blocks [0, C)          checkpoint slot 0     C = ceil((64 + 48 * nseg) / B)
 *   blocks [C, 2C)         checkpoint slot 1
 *   blocks [2C + i*S, ..)  segment i, S blocks   nseg = (region blocks - 2C) / S, at least 4
 *
 * Checkpoint (written alternately to slot ckpt_no % 2, always after the data it describes is flushed):
 *   0 u32 magic "HSCK"  4 u32 crc32c of bytes [8, 64 + 48 * nseg)  8 u32 version (1)  12 u32 B
 *   16 u64 first_block  24 u32 nseg  28 u32 S  32 u64 ckpt_no  40 u64 next_seq  48 u32 epoch
 *   52 u32 last_epoch  56 u16 tail  58 u16 head  60 u32 head_off
 *   then nseg segment summaries of 48 bytes: u64 first_seq, u64 min_ts, u64 max_ts, u64 key_bloom,
 *   u32 count, u32 used (bytes), u32 keep_bytes (non-reading bytes), u32 type_mask (bit per type).
 *   A live segment holds exactly the records first_seq .. first_seq + count - 1 (all below next_seq) in
 *   its first used bytes; readers take no other record from it, whatever else parses there.
 *   open() takes the valid slot with the highest ckpt_no. With no valid slot the region is formatted:
 *   every segment is zeroed, so nothing left in the region from before can parse as this store's record.
 *
 * Segments are used as a ring: the live log runs from segment tail to segment head (offset head_off).
 * Records are packed from offset 0 of a segment, each starting on an 8-byte boundary; a record never
 * straddles two segments (if it does not fit, the log continues at offset 0 of the next segment).
 *
 * Record (40-byte header, then key, then payload, then zero padding to a multiple of 8):
 *   0 u32 crc32c of bytes [4, 40 + key_len + payload_len)  4 u16 payload_len  6 u8 key_len  7 u8 type
 *   8 u32 epoch  12 u8 flags (bit 0: carried forward by compaction)  13..15 zero
 *   16 u64 log_seq (consecutive across the whole log)  24 u64 seq (the id given at append time; equals
 *   log_seq unless carried)  32 u64 timestamp_ns
 * Type 31 is internal: the marker that ends a compaction (payload: u32 segment, u64 its first log_seq).
 *
 * Recovery: open() scans from the checkpoint's head position; a record extends the log only if its CRC
 * matches, its log_seq is exactly the next one and its epoch is not older than the previous record's. The
 * epoch is bumped and written to a checkpoint (flushed) on every open before anything is appended, so a
 * record left beyond a torn tail by an earlier run can never be taken for a continuation. A compaction
 * whose closing marker is missing is rolled back (its copies are ignored; the originals are still live).
 */

enum store_type {
    STORE_T_READING = 1, /* raw sensor data: the only type evicted when space or quota runs out */
    STORE_T_CONFIG = 2,
    STORE_T_AUDIT = 3,
    STORE_T_IDENTITY = 4,
    /* Sensor rollups (sensors/rollup.h): one type per tier, and the marker that ends a rollup pass. */
    STORE_T_ROLLUP_1M = 8,
    STORE_T_ROLLUP_1H = 9,
    STORE_T_ROLLUP_1D = 10,
    STORE_T_ROLLUP_MARK = 11,
    STORE_T_MAX = 30, /* applications may use 5..30; kept like config unless a retention policy drops them */
};

#define STORE_KEY_MAX 48
#define STORE_PAYLOAD_MAX 2048

/* Zero fields take the default named in brackets. */
struct store_config {
    uint64_t first_block;     /* the store owns blocks [first_block, end_block) of the device */
    uint64_t end_block;       /* [the device's end] */
    uint32_t segment_blocks;  /* [64 KiB worth] at least 4 KiB worth */
    uint32_t quota_segments;  /* [none] at most this many live segments: older readings are evicted */
    uint32_t batch_blocks;    /* [16] a pending batch this many blocks long is committed at once */
    uint64_t commit_delay_ns; /* [20 ms] with a loop attached: longest wait from an append to its commit */
};

/*
 * A record. To append, the caller fills type, key, key_len, payload, payload_len and timestamp_ns (the
 * store copies the bytes). Records handed out by the store point into a buffer the store owns, valid
 * only until the callback returns (iteration) or as documented at store_get_latest.
 */
struct store_record {
    uint64_t seq; /* the record's id: its log_seq when appended, kept when carried forward */
    uint64_t timestamp_ns;
    const uint8_t *key;
    const uint8_t *payload;
    uint16_t payload_len;
    uint8_t key_len;
    uint8_t type;
    /* Where the record sits in the log; filled by the store, ignored by store_append. */
    uint64_t log_seq;
    uint32_t epoch;
    uint8_t carried;
};

struct store_stats {
    uint64_t open_blocks_read;         /* blocks the last store_open read (checkpoints plus the scan) */
    uint64_t open_records_replayed;    /* records store_open found after the checkpoint */
    uint64_t open_records_rolled_back; /* copies of an unfinished compaction store_open ignored */
    uint64_t blocks_read, blocks_written, flushes, commits, checkpoints;
    uint64_t evicted, carried, corrupt_skipped, compactions;
    uint64_t expired; /* records the retention policy dropped (store_set_retention) */
    uint64_t next_seq, durable_seq;
    uint32_t segments, live_segments, segment_blocks, checkpoint_blocks;
};

struct store;

/*
 * Called once per appended record when it is durable (status 0) or can no longer become durable
 * (a negative -HEARTH_E*; the store is then failed). Runs inside store_commit, store_append (a full
 * batch) or the loop timer; it must not call store functions other than store_durable_seq and
 * store_stats (they return -HEARTH_EBUSY).
 */
typedef void (*store_done_fn)(void *arg, uint64_t seq, int status);

/*
 * Opens (formatting if no valid checkpoint exists) the store on dev, which the caller keeps open until
 * store_close. Recovers the log, then persists a new epoch (one checkpoint write and flush).
 * Returns 0 with *out set, -HEARTH_EINVAL (bad config, region too small for 4 segments, or a valid
 * checkpoint with another geometry), -HEARTH_EPERM (read-only device), -HEARTH_ENOMEM, -HEARTH_EIO, or
 * -HEARTH_EOVERFLOW (the 32-bit epoch, one per open, is used up: about 4 billion opens).
 */
int store_open(struct hearth_blkdev *dev, const struct store_config *cfg, struct store **out);

/*
 * Commits what is pending, writes a checkpoint (so the next open scans nothing) and frees s. s may be
 * NULL. Returns 0 or the error of the final commit; s is freed either way.
 */
int store_close(struct store *s);

/*
 * Appends a copy of rec (see struct store_record) to the pending batch; *seq_out, if not NULL, gets its
 * id. done (may be NULL) is called once the record is durable. The record becomes durable at the next
 * store_commit, which happens by itself when the batch reaches batch_blocks or, with a loop attached,
 * commit_delay_ns after the first pending append. May reclaim the oldest segment first (evicting its
 * readings, carrying everything else forward), which writes and flushes.
 * Returns 0, -HEARTH_EINVAL (type not in 1..STORE_T_MAX, key or payload too long, NULL with a length),
 * -HEARTH_ENOSPC (the non-reading records fill the store), -HEARTH_EBUSY (called from a callback),
 * -HEARTH_EIO (the device failed now or earlier: the store is failed; close and reopen it).
 */
int store_append(struct store *s, const struct store_record *rec, store_done_fn done, void *arg,
                 uint64_t *seq_out);

/*
 * Writes the pending batch and issues one flush for all of it, then calls the batch's callbacks.
 * Returns 0 (also when nothing was pending), -HEARTH_EBUSY, or -HEARTH_EIO (the store is failed).
 */
int store_commit(struct store *s);

/* Every record with seq <= this value is durable (0: none yet). */
uint64_t store_durable_seq(const struct store *s);

/*
 * Arms a timer on l so that a pending batch is committed at most commit_delay_ns after its first
 * append. l must outlive s (or call store_attach_loop(s, NULL) to detach).
 */
void store_attach_loop(struct store *s, struct loop *l);

/*
 * Matches records: type 0 = any type, key_len 0 = any key, timestamps in [t_from, t_to) (t_to 0: no upper
 * bound), and seq >= seq_from (0: any). seq_from lets a reader take up where it stopped without reading the
 * log before: segments whose records were all appended before seq_from are skipped unread.
 */
struct store_query {
    uint8_t type;
    uint8_t key_len;
    const uint8_t *key;
    uint64_t t_from, t_to;
    uint64_t seq_from;
};

/* Returns 0 to go on; any other value stops the iteration and is returned by store_iterate. */
typedef int (*store_visit_fn)(void *arg, const struct store_record *rec);

/*
 * Calls visit for every live record matching q (pending ones included), in log order: oldest segment
 * first, so records carried forward by compaction come after newer ones (compare seq to order them).
 * A record whose CRC fails in the checkpointed part of the log is skipped and counted (corrupt_skipped).
 * Only records of the log are visited: every log_seq is below store_stats' next_seq.
 * visit must not call the store. Returns 0, visit's non-zero value, -HEARTH_EINVAL, -HEARTH_EBUSY,
 * or -HEARTH_EIO.
 */
int store_iterate(struct store *s, const struct store_query *q, store_visit_fn visit, void *arg);

/*
 * Finds the record of this type and key with the highest seq. Its key and payload are copied into buf
 * (cap bytes, caller-owned) and out->key / out->payload point there.
 * Returns 0, -HEARTH_ENOENT (none), -HEARTH_ERANGE (cap < key_len + payload_len; out is still filled
 * except for the pointers), -HEARTH_EINVAL, -HEARTH_EBUSY, -HEARTH_EIO.
 */
int store_get_latest(struct store *s, uint8_t type, const uint8_t *key, uint8_t key_len,
                     struct store_record *out, uint8_t *buf, size_t cap);

/*
 * Finds the record matching q (see store_iterate) with the highest seq, reading the newest segments first
 * and stopping as soon as no older segment can hold a higher seq (a record's seq is never above its place
 * in the log). Its key and payload are copied into buf as for store_get_latest.
 * Returns 0, -HEARTH_ENOENT, -HEARTH_ERANGE, -HEARTH_EINVAL, -HEARTH_EBUSY, -HEARTH_EIO.
 */
int store_find_last(struct store *s, const struct store_query *q, struct store_record *out, uint8_t *buf,
                    size_t cap);

/* What a retention policy says about a record. */
enum store_retain {
    STORE_DROP = 0,      /* past its age: dropped when its segment is compacted */
    STORE_KEEP = 1,      /* carried forward */
    STORE_KEEP_SOON = 2, /* carried forward, but due to go soon: store_expire waits rather than copy it */
};

/*
 * A retention policy, asked about a record only when its segment is compacted: while reclaiming space
 * (about records other than readings; readings are evicted there whatever the policy says) and in
 * store_expire (about every record). Dropping is never undone and nothing else is dropped: a policy that
 * keeps everything keeps the store as it was without one. It runs inside the store and must not call
 * it; rec is valid during the call only. Returns an enum store_retain.
 */
typedef int (*store_retain_fn)(void *arg, const struct store_record *rec);

/* Installs (or with NULL removes) the retention policy. The store keeps arg; it must outlive s. */
void store_set_retention(struct store *s, store_retain_fn retain, void *arg);

/*
 * Age-based eviction: retires up to max_segments segments from the tail of the log, each one only if the
 * policy drops at least one of its records and says STORE_KEEP_SOON of none (copying a record that is
 * about to go would only keep it for another trip round the ring). Records the policy keeps, readings
 * included, are carried to the head (the compaction of store.h's format: crash-safe, rolled back as a
 * whole when its marker is missing). Stops at the first segment that does not qualify, at the head
 * segment, and when the copies might not fit without the last free segments; so a record to drop behind
 * such a segment (one carried earlier, say) waits until the ring comes round to it. Commits what is
 * pending first. Returns the number of segments retired (0 without a policy), -HEARTH_EBUSY or -HEARTH_EIO.
 */
int store_expire(struct store *s, uint32_t max_segments);

/* Copies the counters into *st. */
void store_stats(const struct store *s, struct store_stats *st);

#endif
