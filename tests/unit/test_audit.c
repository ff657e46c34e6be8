/* SPDX-License-Identifier: ISC */
/* Unit tests of the audit log: the entry format, the chain check, and every tamper class on a disk image. */
#include "audit_log.h"
#include "check.h"
#include "crc32c.h"
#include "store_helpers.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hearth_plat_console_write(const char *buf, size_t len)
{
    fwrite(buf, 1, len, stderr);
}

static int fake_wall(int64_t *ns)
{
    *ns = 1717200000000000000ll;
    return 0;
}

static const struct store_config cfg = {.first_block = RESERVED, .segment_blocks = 16};

static struct audit_entry transfer(uint64_t bytes)
{
    struct audit_entry e = {.kind = AUDIT_TRANSFER,
                            .policy_version = 3,
                            .window_from_s = 1717192800,
                            .window_to_s = 1717196400,
                            .bytes = bytes,
                            .status = 200};
    strcpy(e.recipient, "coop");
    strcpy(e.sensors, "pot1/moisture");
    strcpy(e.granularity, "1h");
    strcpy(e.result, "ok");
    audit_sha256("payload", 7, e.payload_sha256);
    return e;
}

/* A disk with a store holding five entries (bytes 101..105) and the store closed (all checkpointed). */
static struct hearth_blkdev *five_entries(void)
{
    struct hearth_blkdev *d = memdisk_new(BS, 400);
    struct store *s = open_ok(d, &cfg);
    struct audit_log log;
    CHECK_INT(audit_log_open(&log, s, fake_wall), 0);
    for (int i = 1; i <= 5; i++) {
        struct audit_entry e = transfer(100 + (uint64_t)i);
        CHECK_INT(audit_log_append(&log, &e), 0);
        CHECK_INT(e.seq, i);
    }
    CHECK_INT(store_close(s), 0);
    return d;
}

/* The byte offset of entry seq's record on the disk (its 40-byte header first). */
static uint64_t record_of(struct hearth_blkdev *d, uint64_t seq, uint16_t *payload_len)
{
    char needle[48];
    int n = snprintf(needle, sizeof(needle), "hearth-audit 1\nseq %lu\n", (unsigned long)seq);
    const uint8_t *img = memdisk_bytes(d);
    for (uint64_t off = 0; off + (uint64_t)n < 400ull * BS; off++) {
        if (memcmp(img + off, needle, (size_t)n) == 0) {
            uint64_t rec = off - 40 - 5; /* the header and the key "audit" */
            *payload_len = (uint16_t)(img[rec + 4] | img[rec + 5] << 8);
            return rec;
        }
    }
    CHECK(!"entry found on the disk");
    return 0;
}

/* Writes bytes at off through XOR flips (the only write memdisk offers on durable content). */
static void poke(struct hearth_blkdev *d, uint64_t off, const void *bytes, size_t n)
{
    const uint8_t *img = memdisk_bytes(d), *b = bytes;
    for (size_t i = 0; i < n; i++)
        if (img[off + i] != b[i])
            memdisk_flip(d, off + i, img[off + i] ^ b[i]);
}

/* Recomputes a record's CRC the way the store writes it, as a careful attacker would. */
static void fix_crc(struct hearth_blkdev *d, uint64_t rec, uint16_t payload_len)
{
    const uint8_t *img = memdisk_bytes(d);
    uint32_t crc = crc32c(img + rec + 4, 40 - 4 + 5 + payload_len);
    uint8_t le[4] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24)};
    poke(d, rec, le, 4);
}

static struct audit_verdict verify_disk(struct hearth_blkdev *d, uint64_t want_seq, const uint8_t *want_hash)
{
    struct store *s = open_ok(d, &cfg);
    struct audit_log log;
    struct audit_verdict v;
    memset(&v, 0, sizeof(v));
    CHECK_INT(audit_log_open(&log, s, fake_wall), 0);
    CHECK_INT(audit_log_verify(&log, want_seq, want_hash, &v), 0);
    store_close(s);
    return v;
}

static void test_codec(void)
{
    struct audit_entry e = transfer(412), back;
    char text[AUDIT_TEXT_MAX];
    size_t body = 0;
    e.seq = 12;
    e.time_ns = 1717200000123456789ull;
    int n = audit_encode_body(&e, text, sizeof(text));
    CHECK(n > 0);
    n += snprintf(text + n, sizeof(text) - (size_t)n, "hash %064d\n", 0);
    CHECK_INT(audit_decode((const uint8_t *)text, (size_t)n, &back, &body), 0);
    CHECK(back.seq == 12 && back.time_ns == e.time_ns && back.bytes == 412 && back.status == 200 &&
          back.kind == AUDIT_TRANSFER && strcmp(back.sensors, "pot1/moisture") == 0 &&
          memcmp(back.payload_sha256, e.payload_sha256, 32) == 0 && back.window_to_s == 1717196400);
    CHECK(body == (size_t)n - 70);
    strcpy(e.recipient, "two words");
    CHECK_INT(audit_encode_body(&e, text, sizeof(text)), -HEARTH_EINVAL);
    strcpy(e.recipient, "coop");
    CHECK_INT(audit_encode_body(&e, text, 100), -HEARTH_ERANGE);
}

/* Decoder vectors: OK or EBADMSG for a stored payload. */
static void decode_vector(char **f, int n, const char *where)
{
    struct audit_entry e;
    size_t body;
    if (n != 2) {
        check_record(0, where, 0, "vector has 2 fields");
        return;
    }
    int rc = audit_decode((const uint8_t *)f[1], strlen(f[1]), &e, &body);
    check_record((rc == 0) == (strcmp(f[0], "OK") == 0), where, 0, "audit_decode verdict");
}

static void link(struct audit_link *l, uint64_t seq, uint64_t store_seq, int prev_byte, int hash_byte)
{
    memset(l, 0, sizeof(*l));
    l->seq = seq;
    l->store_seq = store_seq;
    memset(l->prev, prev_byte, sizeof(l->prev));
    memset(l->hash, hash_byte, sizeof(l->hash));
    l->self_ok = 1;
}

static void test_chain_check(void)
{
    struct audit_link l[4];
    struct audit_verdict v;
    uint8_t head[16];
    link(&l[0], 1, 10, 0, 1);
    link(&l[1], 2, 11, 1, 2);
    link(&l[2], 3, 12, 2, 3);
    audit_chain_check(l, 3, 0, 0, NULL, &v);
    CHECK(v.ok && v.entries == 3 && v.head_seq == 3 && v.first_bad_seq == 0);
    /* Any order in, sorted by seq. */
    struct audit_link tmp = l[0];
    l[0] = l[2], l[2] = tmp;
    audit_chain_check(l, 3, 0, 0, NULL, &v);
    CHECK(v.ok);
    audit_chain_check(l, 0, 0, 0, NULL, &v);
    CHECK(v.ok && v.entries == 0);
    /* A missing entry. */
    link(&l[0], 1, 10, 0, 1);
    link(&l[1], 3, 12, 2, 3);
    audit_chain_check(l, 2, 0, 0, NULL, &v);
    CHECK(!v.ok && v.first_bad_seq == 2 && strstr(v.reason, "missing"));
    /* A modified entry (its text no longer matches its hash). */
    link(&l[1], 2, 11, 1, 2);
    l[1].self_ok = 0;
    audit_chain_check(l, 2, 0, 0, NULL, &v);
    CHECK(!v.ok && v.first_bad_seq == 2 && strstr(v.reason, "modified"));
    /* A replaced entry (hash recomputed, but the next one still names the old one). */
    link(&l[1], 2, 11, 1, 9);
    link(&l[2], 3, 12, 2, 3);
    audit_chain_check(l, 3, 0, 0, NULL, &v);
    CHECK(!v.ok && v.first_bad_seq == 3 && strstr(v.reason, "link"));
    /* Reordered in the log. */
    link(&l[1], 2, 13, 1, 2);
    audit_chain_check(l, 3, 0, 0, NULL, &v);
    CHECK(!v.ok && v.first_bad_seq == 3 && strstr(v.reason, "reordered"));
    /* Two entries with one seq; a chain that does not start at 1. */
    link(&l[1], 2, 11, 1, 2);
    link(&l[2], 2, 12, 1, 2);
    audit_chain_check(l, 3, 0, 0, NULL, &v);
    CHECK(!v.ok && v.first_bad_seq == 2);
    audit_chain_check(l + 1, 1, 0, 0, NULL, &v);
    CHECK(!v.ok && v.first_bad_seq == 1);
    /* An unreadable record among them; a head kept elsewhere that the chain no longer reaches. */
    link(&l[2], 3, 12, 2, 3);
    audit_chain_check(l, 3, 1, 0, NULL, &v);
    CHECK(!v.ok && v.first_bad_seq == 4 && strstr(v.reason, "unreadable"));
    memset(head, 4, sizeof(head));
    audit_chain_check(l, 3, 0, 4, head, &v);
    CHECK(!v.ok && strstr(v.reason, "cut off"));
    memset(head, 3, sizeof(head));
    audit_chain_check(l, 3, 0, 3, head, &v);
    CHECK(v.ok);
    memset(head, 7, sizeof(head));
    audit_chain_check(l, 3, 0, 2, head, &v);
    CHECK(!v.ok && v.first_bad_seq == 2);
}

static void test_tamper(void)
{
    struct audit_verdict v;
    uint16_t plen;
    uint64_t rec;

    struct hearth_blkdev *d = five_entries();
    v = verify_disk(d, 0, NULL);
    CHECK(v.ok && v.entries == 5 && v.head_seq == 5);
    uint8_t head5[32];
    memcpy(head5, v.head_hash, 32);
    v = verify_disk(d, 5, head5);
    CHECK(v.ok);

    /* 1. One flipped byte: the store drops the record for its CRC, and the chain has a hole. */
    rec = record_of(d, 3, &plen);
    memdisk_flip(d, rec + 45 + 30, 0x01);
    v = verify_disk(d, 0, NULL);
    CHECK(!v.ok && v.first_bad_seq == 3);
    memdisk_free(d);

    /* ... also when it is the last entry, which leaves no hole behind it. */
    d = five_entries();
    rec = record_of(d, 5, &plen);
    memdisk_flip(d, rec + 45 + 30, 0x01);
    v = verify_disk(d, 0, NULL);
    CHECK(!v.ok && v.first_bad_seq == 5 && strstr(v.reason, "unreadable"));
    memdisk_free(d);

    /* 2. A field changed and the store CRC recomputed: the entry no longer matches its hash. */
    d = five_entries();
    rec = record_of(d, 3, &plen);
    const uint8_t *img = memdisk_bytes(d);
    const uint8_t *at = NULL;
    for (uint64_t i = rec; i < rec + 45 + plen && !at; i++)
        if (memcmp(img + i, "bytes 103\n", 10) == 0)
            at = img + i;
    CHECK(at != NULL);
    poke(d, (uint64_t)(at - img), "bytes 999", 9);
    fix_crc(d, rec, plen);
    v = verify_disk(d, 0, NULL);
    CHECK(!v.ok && v.first_bad_seq == 3 && strstr(v.reason, "modified"));

    /* 3. ... and its own hash recomputed too: the next entry no longer links to it. */
    uint8_t h[32];
    char hex[65];
    img = memdisk_bytes(d);
    audit_sha256(img + rec + 45, plen - 70u, h);
    audit_hex(h, hex);
    poke(d, rec + 45 + plen - 65, hex, 64);
    fix_crc(d, rec, plen);
    v = verify_disk(d, 0, NULL);
    CHECK(!v.ok && v.first_bad_seq == 4 && strstr(v.reason, "link"));
    memdisk_free(d);

    /* 4. A deleted entry: its record turned into another type, CRC recomputed. */
    d = five_entries();
    rec = record_of(d, 2, &plen);
    uint8_t other = 5;
    poke(d, rec + 7, &other, 1);
    fix_crc(d, rec, plen);
    v = verify_disk(d, 0, NULL);
    CHECK(!v.ok && v.first_bad_seq == 2 && strstr(v.reason, "missing"));
    memdisk_free(d);

    /* 5. Two entries swapped in the log (payloads exchanged, CRCs recomputed). */
    d = five_entries();
    uint16_t plen3;
    uint64_t rec2 = record_of(d, 2, &plen), rec3 = record_of(d, 3, &plen3);
    CHECK(plen == plen3);
    uint8_t *p2 = malloc(plen), *p3 = malloc(plen);
    memcpy(p2, memdisk_bytes(d) + rec2 + 45, plen);
    memcpy(p3, memdisk_bytes(d) + rec3 + 45, plen);
    poke(d, rec2 + 45, p3, plen);
    poke(d, rec3 + 45, p2, plen);
    fix_crc(d, rec2, plen);
    fix_crc(d, rec3, plen);
    free(p2);
    free(p3);
    v = verify_disk(d, 0, NULL);
    CHECK(!v.ok && v.first_bad_seq == 3 && strstr(v.reason, "reordered"));
    memdisk_free(d);

    /* 6. A cut-off tail: invisible to the chain alone, caught by the head held in memory or elsewhere. */
    d = five_entries();
    struct store *s = open_ok(d, &cfg);
    struct audit_log running;
    CHECK_INT(audit_log_open(&running, s, fake_wall), 0);
    store_close(s);
    rec = record_of(d, 5, &plen);
    poke(d, rec + 7, &other, 1);
    fix_crc(d, rec, plen);
    v = verify_disk(d, 0, NULL);
    CHECK(v.ok && v.head_seq == 4); /* undetectable from the disk alone, as documented */
    v = verify_disk(d, 5, head5);
    CHECK(!v.ok && strstr(v.reason, "cut off"));
    running.store = s = open_ok(d, &cfg);
    CHECK_INT(audit_log_verify(&running, 0, NULL, &v), 0);
    CHECK(!v.ok && strstr(v.reason, "cut off"));
    store_close(s);
    memdisk_free(d);
}

static void test_failed_log(void)
{
    struct audit_log log;
    struct audit_entry e = transfer(1);
    struct audit_verdict v;
    CHECK_INT(audit_log_open(&log, NULL, fake_wall), -HEARTH_EINVAL);
    CHECK_INT(audit_log_append(&log, &e), -HEARTH_EIO);
    CHECK_INT(audit_log_verify(&log, 0, NULL, &v), -HEARTH_EINVAL);
    /* Entries continue the chain across reopenings. */
    struct hearth_blkdev *d = five_entries();
    struct store *s = open_ok(d, &cfg);
    CHECK_INT(audit_log_open(&log, s, fake_wall), 0);
    CHECK_INT(log.next_seq, 6);
    CHECK_INT(audit_log_append(&log, &e), 0);
    CHECK_INT(e.seq, 6);
    CHECK(e.time_ns == 1717200000000000000ull);
    CHECK_INT(audit_log_verify(&log, 0, NULL, &v), 0);
    CHECK(v.ok && v.entries == 6);
    store_close(s);
    memdisk_free(d);
}

int main(void)
{
    test_codec();
    CHECK(check_vectors("vectors/audit_decode.txt", 2, decode_vector) >= 10);
    test_chain_check();
    test_tamper();
    test_failed_log();
    return check_summary("audit");
}
