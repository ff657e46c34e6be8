/* SPDX-License-Identifier: ISC */
/* libFuzzer target for store recovery: any device image opens safely and yields only intact records. */
#include "crc32c.h"
#include "memdisk.h"
#include "store.h"
#include "store_fuzz_image.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, long long v)
{
    fprintf(stderr, "fuzz_store: %s (%lld)\n", what, v);
    abort();
}

/* Recomputes a checkpoint slot's CRC so that mutations of its fields get past the CRC to the checks. */
static void reseal(struct hearth_blkdev *d, uint64_t lba)
{
    const uint8_t *img = memdisk_bytes(d) + lba * FUZZ_STORE_BS;
    uint32_t nseg = (uint32_t)img[24] | (uint32_t)img[25] << 8;
    size_t len = 64 + 48 * (size_t)nseg;
    if (nseg > 6)
        return;
    uint32_t crc = crc32c(img + 8, len - 8);
    for (int i = 0; i < 4; i++)
        memdisk_flip(d, lba * FUZZ_STORE_BS + 4 + i, (uint8_t)(img[4 + i] ^ (uint8_t)(crc >> (8 * i))));
}

struct check {
    const uint8_t *image;
    size_t image_len;
    uint64_t next_seq;
};

/* Every record the store returns must be in the image byte for byte, CRC included: re-encode and find it. */
static int verify(void *arg, const struct store_record *r)
{
    struct check *c = arg;
    uint8_t rec[40 + STORE_KEY_MAX + STORE_PAYLOAD_MAX] = {0};
    size_t len = 40 + r->key_len + r->payload_len;
    if (r->type == 0 || r->type > STORE_T_MAX || r->key_len > STORE_KEY_MAX ||
        r->payload_len > STORE_PAYLOAD_MAX)
        fail("record with impossible fields", r->type);
    if (r->log_seq >= c->next_seq || r->seq > r->log_seq)
        fail("record beyond the end of the log", (long long)r->log_seq);
    rec[4] = (uint8_t)r->payload_len;
    rec[5] = (uint8_t)(r->payload_len >> 8);
    rec[6] = r->key_len;
    rec[7] = r->type;
    for (int i = 0; i < 8; i++) {
        if (i < 4)
            rec[8 + i] = (uint8_t)(r->epoch >> (8 * i));
        rec[16 + i] = (uint8_t)(r->log_seq >> (8 * i));
        rec[24 + i] = (uint8_t)(r->seq >> (8 * i));
        rec[32 + i] = (uint8_t)(r->timestamp_ns >> (8 * i));
    }
    rec[12] = r->carried ? 1 : 0;
    memcpy(rec + 40, r->key, r->key_len);
    memcpy(rec + 40 + r->key_len, r->payload, r->payload_len);
    uint32_t crc = crc32c(rec + 4, len - 4);
    for (int i = 0; i < 4; i++)
        rec[i] = (uint8_t)(crc >> (8 * i));
    for (size_t off = 0; off + len <= c->image_len; off += 8)
        if (memcmp(c->image + off, rec, len) == 0)
            return 0;
    fail("returned a record that is not in the image with a valid CRC", (long long)r->log_seq);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct store_config cfg = fuzz_store_config();
    struct hearth_blkdev *d = memdisk_new(FUZZ_STORE_BS, FUZZ_STORE_BLOCKS);
    size_t n = size - 1 < FUZZ_STORE_IMAGE_BYTES ? size - 1 : FUZZ_STORE_IMAGE_BYTES;
    for (size_t i = 0; i < n; i++)
        if (data[1 + i])
            memdisk_flip(d, i, data[1 + i]);
    if (data[0] & FUZZ_STORE_FLAG_RESEAL) {
        reseal(d, cfg.first_block);
        reseal(d, cfg.first_block + 1);
    }
    uint8_t *image = malloc(FUZZ_STORE_IMAGE_BYTES);
    memcpy(image, memdisk_bytes(d), FUZZ_STORE_IMAGE_BYTES);

    struct store *s = NULL;
    int rc = store_open(d, &cfg, &s);
    if (rc != 0 && rc != -HEARTH_EINVAL && rc != -HEARTH_EOVERFLOW)
        fail("undocumented error from store_open", rc);
    if (rc == 0) {
        struct store_stats st;
        store_stats(s, &st);
        struct check c = {.image = image, .image_len = FUZZ_STORE_IMAGE_BYTES, .next_seq = st.next_seq};
        rc = store_iterate(s, &(struct store_query){0}, verify, &c);
        if (rc != 0)
            fail("store_iterate failed", rc);
        /* The store must stay usable: an appended, committed record is there after a reopen. */
        uint8_t payload[3] = {1, 2, 3};
        struct store_record r = {.type = STORE_T_CONFIG,
                                 .key = (const uint8_t *)"fz",
                                 .key_len = 2,
                                 .payload = payload,
                                 .payload_len = 3,
                                 .timestamp_ns = 42};
        uint64_t seq = 0;
        rc = store_append(s, &r, NULL, NULL, &seq);
        if (rc == 0)
            rc = store_commit(s);
        if (rc != 0 && rc != -HEARTH_ENOSPC)
            fail("append or commit failed", rc);
        bool appended = rc == 0;
        if (store_close(s) != 0)
            fail("close failed", 0);
        s = NULL;
        if (store_open(d, &cfg, &s) != 0)
            fail("reopen failed", 0);
        uint8_t buf[16];
        struct store_record out;
        /* Found, or lost behind corruption the reader detected and counted; never silently lost. */
        if (appended &&
            (store_get_latest(s, STORE_T_CONFIG, (const uint8_t *)"fz", 2, &out, buf, sizeof(buf)) != 0 ||
             out.seq != seq || out.payload_len != 3 || memcmp(out.payload, payload, 3) != 0)) {
            store_stats(s, &st);
            if (st.corrupt_skipped == 0)
                fail("the appended record is not the latest after reopen", (long long)seq);
        }
        store_close(s);
    }
    free(image);
    memdisk_free(d);
    return 0;
}
