/* SPDX-License-Identifier: ISC */
/* The store's on-disk codec: records, segment summaries and checkpoints (layout documented in store.h). */
#include "crc32c.h"
#include "store_int.h"

#include <hearth/err.h>
#include <string.h>

#define CKPT_MAGIC 0x4b435348u /* "HSCK" */
#define CKPT_VERSION 1u

void store_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void store_put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void store_put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

uint16_t store_get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t store_get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t store_get_le64(const uint8_t *p)
{
    return (uint64_t)store_get_le32(p) | (uint64_t)store_get_le32(p + 4) << 32;
}

/* Two bits of a 64-bit Bloom filter per key: enough to skip most segments when looking for one key. */
uint64_t store_key_bloom(const uint8_t *key, uint32_t len)
{
    uint32_t h = crc32c(key, len);
    return 1ull << (h & 63u) | 1ull << ((h >> 6) & 63u);
}

uint32_t store_rec_encode(uint8_t *out, const struct store_record *r)
{
    uint32_t size = store_rec_size(r->key_len, r->payload_len);
    memset(out, 0, size);
    store_put_le16(out + 4, r->payload_len);
    out[6] = r->key_len;
    out[7] = r->type;
    store_put_le32(out + 8, r->epoch);
    out[12] = r->carried ? STORE_FLAG_CARRIED : 0;
    store_put_le64(out + 16, r->log_seq);
    store_put_le64(out + 24, r->seq);
    store_put_le64(out + 32, r->timestamp_ns);
    if (r->key_len)
        memcpy(out + STORE_REC_HDR, r->key, r->key_len);
    if (r->payload_len)
        memcpy(out + STORE_REC_HDR + r->key_len, r->payload, r->payload_len);
    store_put_le32(out, crc32c(out + 4, STORE_REC_HDR - 4 + r->key_len + r->payload_len));
    return size;
}

int store_rec_header(const uint8_t *hdr, struct store_record *r)
{
    r->payload_len = store_get_le16(hdr + 4);
    r->key_len = hdr[6];
    r->type = hdr[7];
    r->epoch = store_get_le32(hdr + 8);
    r->carried = hdr[12] & STORE_FLAG_CARRIED;
    r->log_seq = store_get_le64(hdr + 16);
    r->seq = store_get_le64(hdr + 24);
    r->timestamp_ns = store_get_le64(hdr + 32);
    r->key = r->payload = NULL;
    /* Reject impossible headers before anyone reads a body or computes a CRC over it. */
    if (r->type == 0 || (r->type > STORE_T_MAX && r->type != STORE_T_MARKER) || r->key_len > STORE_KEY_MAX ||
        r->payload_len > STORE_PAYLOAD_MAX || (hdr[12] & ~STORE_FLAG_CARRIED) || hdr[13] || hdr[14] ||
        hdr[15])
        return -HEARTH_EBADMSG;
    if (r->carried ? r->seq >= r->log_seq : r->seq != r->log_seq)
        return -HEARTH_EBADMSG;
    if (r->type == STORE_T_MARKER && (r->carried || r->payload_len != STORE_MARKER_LEN || r->key_len))
        return -HEARTH_EBADMSG;
    return (int)store_rec_size(r->key_len, r->payload_len);
}

int store_rec_verify(const uint8_t *raw, struct store_record *r)
{
    uint32_t len = STORE_REC_HDR + r->key_len + r->payload_len;
    if (crc32c(raw + 4, len - 4) != store_get_le32(raw))
        return -HEARTH_EBADMSG;
    /* Padding is part of the format: a record with garbage after it was not written by us. */
    for (uint32_t i = len; i < store_rec_size(r->key_len, r->payload_len); i++)
        if (raw[i])
            return -HEARTH_EBADMSG;
    r->key = raw + STORE_REC_HDR;
    r->payload = raw + STORE_REC_HDR + r->key_len;
    return 0;
}

void store_summary_add(struct store_summary *sm, const struct store_record *r, uint32_t size)
{
    if (sm->count++ == 0)
        sm->first_seq = r->log_seq;
    sm->type_mask |= 1u << r->type;
    /* Markers have no time or key of their own: they must not widen the segment's filters. */
    if (r->type == STORE_T_MARKER)
        return;
    if (sm->bloom == 0) { /* the first data record (every key sets two bloom bits) */
        sm->min_ts = sm->max_ts = r->timestamp_ns;
    } else {
        if (r->timestamp_ns < sm->min_ts)
            sm->min_ts = r->timestamp_ns;
        if (r->timestamp_ns > sm->max_ts)
            sm->max_ts = r->timestamp_ns;
    }
    sm->bloom |= store_key_bloom(r->key, r->key_len);
    if (r->type != STORE_T_READING)
        sm->keep_bytes += size;
}

void store_ckpt_encode(struct store *s, uint64_t ckpt_no)
{
    uint8_t *p = s->ckbuf;
    uint32_t len = STORE_CKPT_HDR + STORE_SUM_SIZE * s->nseg;
    memset(p, 0, (size_t)s->ckpt_blocks * s->bs);
    store_put_le32(p, CKPT_MAGIC);
    store_put_le32(p + 8, CKPT_VERSION);
    store_put_le32(p + 12, s->bs);
    store_put_le64(p + 16, s->base);
    store_put_le32(p + 24, s->nseg);
    store_put_le32(p + 28, s->seg_blocks);
    store_put_le64(p + 32, ckpt_no);
    store_put_le64(p + 40, s->next_seq);
    store_put_le32(p + 48, s->epoch);
    store_put_le32(p + 52, s->last_epoch);
    store_put_le16(p + 56, (uint16_t)s->tail);
    store_put_le16(p + 58, (uint16_t)s->head);
    store_put_le32(p + 60, s->wpos);
    for (uint32_t i = 0; i < s->nseg; i++) {
        uint8_t *q = p + STORE_CKPT_HDR + STORE_SUM_SIZE * i;
        const struct store_summary *sm = &s->sum[i];
        store_put_le64(q, sm->first_seq);
        store_put_le64(q + 8, sm->min_ts);
        store_put_le64(q + 16, sm->max_ts);
        store_put_le64(q + 24, sm->bloom);
        store_put_le32(q + 32, sm->count);
        store_put_le32(q + 36, sm->used);
        store_put_le32(q + 40, sm->keep_bytes);
        store_put_le32(q + 44, sm->type_mask);
    }
    store_put_le32(p + 4, crc32c(p + 8, len - 8));
}

/* Whether segment i lies in the ring from tail to head. */
static bool live(uint32_t i, uint32_t tail, uint32_t head, uint32_t nseg)
{
    return (i + nseg - tail) % nseg <= (head + nseg - tail) % nseg;
}

int store_ckpt_decode(struct store *s, const uint8_t *p)
{
    uint32_t len = STORE_CKPT_HDR + STORE_SUM_SIZE * s->nseg;
    if (store_get_le32(p) != CKPT_MAGIC || store_get_le32(p + 8) != CKPT_VERSION)
        return -HEARTH_EBADMSG;
    /* A checkpoint of another geometry is refused rather than formatted over: it is someone's data. */
    if (store_get_le32(p + 12) != s->bs || store_get_le64(p + 16) != s->base ||
        store_get_le32(p + 24) != s->nseg || store_get_le32(p + 28) != s->seg_blocks)
        return -HEARTH_EINVAL;
    if (crc32c(p + 8, len - 8) != store_get_le32(p + 4))
        return -HEARTH_EBADMSG;
    uint64_t next_seq = store_get_le64(p + 40);
    uint32_t epoch = store_get_le32(p + 48), last_epoch = store_get_le32(p + 52);
    uint32_t tail = store_get_le16(p + 56), head = store_get_le16(p + 58), off = store_get_le32(p + 60);
    if (next_seq == 0 || next_seq == UINT64_MAX || last_epoch > epoch || epoch == UINT32_MAX ||
        tail >= s->nseg || head >= s->nseg || off > s->seg_bytes || off % 8)
        return -HEARTH_EBADMSG;
    for (uint32_t i = 0; i < s->nseg; i++) {
        const uint8_t *q = p + STORE_CKPT_HDR + STORE_SUM_SIZE * i;
        struct store_summary sm = {
            .first_seq = store_get_le64(q),
            .min_ts = store_get_le64(q + 8),
            .max_ts = store_get_le64(q + 16),
            .bloom = store_get_le64(q + 24),
            .count = store_get_le32(q + 32),
            .used = store_get_le32(q + 36),
            .keep_bytes = store_get_le32(q + 40),
            .type_mask = store_get_le32(q + 44),
        };
        if (!live(i, tail, head, s->nseg))
            sm = (struct store_summary){0};
        /*
         * Every record takes at least a header, which also keeps count far from overflowing; and the
         * segment's records, numbered from first_seq, all come before next_seq (readers stop there).
         */
        if (sm.used > s->seg_bytes || sm.used % 8 || sm.keep_bytes > sm.used ||
            (i == head && sm.used != off) || sm.first_seq >= next_seq || (sm.count == 0) != (sm.used == 0) ||
            sm.count > sm.used / STORE_REC_HDR || sm.count > next_seq - sm.first_seq)
            return -HEARTH_EBADMSG;
        s->sum[i] = sm;
    }
    s->ckpt_no = store_get_le64(p + 32);
    s->next_seq = next_seq;
    s->epoch = epoch;
    s->last_epoch = last_epoch;
    s->tail = tail;
    s->head = head;
    s->wpos = off;
    return 0;
}
