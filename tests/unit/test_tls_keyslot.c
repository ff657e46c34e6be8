/* SPDX-License-Identifier: ISC */
/* Unit tests for the key-slot format (vectors) and for key slots in a file, including power cuts. */
#include "check.h"
#include "tls_keyslot.h"

#include <hearth/blk.h>
#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint8_t copy_a[TLS_KEYSLOT_COPY_BYTES], copy_b[TLS_KEYSLOT_COPY_BYTES];

static int result_code(const char *s)
{
    if (strcmp(s, "ENODATA") == 0)
        return -HEARTH_ENODATA;
    if (strcmp(s, "EBADMSG") == 0)
        return -HEARTH_EBADMSG;
    if (strcmp(s, "EINVAL") == 0)
        return -HEARTH_EINVAL;
    return 0;
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Applies "set:OFF:VAL", "len:N", "seq:N", "ver:N" or "crc" to an encoded copy. */
static void mutate(uint8_t *copy, char *ops)
{
    for (char *op = strtok(ops, ","); op; op = strtok(NULL, ",")) {
        unsigned long off;
        unsigned long long v;
        if (sscanf(op, "set:%lu:%lli", &off, &v) == 2) {
            copy[off] = (uint8_t)v;
        } else if (sscanf(op, "len:%llu", &v) == 1) {
            put_le(copy + 16, v, 4);
        } else if (sscanf(op, "seq:%llu", &v) == 1) {
            put_le(copy + 8, v, 8);
        } else if (sscanf(op, "ver:%llu", &v) == 1) {
            put_le(copy + 4, v, 2);
        } else if (strcmp(op, "crc") == 0) {
            uint32_t len = (uint32_t)copy[16] | (uint32_t)copy[17] << 8 | (uint32_t)copy[18] << 16 |
                           (uint32_t)copy[19] << 24;
            if (len > TLS_KEYSLOT_MAX_PAYLOAD)
                len = TLS_KEYSLOT_MAX_PAYLOAD; /* the CRC of what is there; the length check still fails */
            put_le(copy + 28, tls_crc32c(tls_crc32c(0, copy, 28), copy + 32, len), 4);
        }
    }
}

static void parse_vector(char **f, int n, const char *where)
{
    struct tls_keyslot_copy got;
    if (n != 5) {
        check_record(0, where, 0, "vector has 5 fields");
        return;
    }
    size_t plen = strlen(f[2]);
    int rc = tls_keyslot_encode(copy_a, sizeof(copy_a), (unsigned)atoi(f[0]), 1, f[2], plen);
    check_record(rc == (int)(TLS_KEYSLOT_HEADER_BYTES + plen), where, 0, "encode");
    if (strcmp(f[3], "none") != 0)
        mutate(copy_a, f[3]);
    rc = tls_keyslot_parse(copy_a, sizeof(copy_a), (unsigned)atoi(f[1]), &got);
    check_record(rc == result_code(f[4]), where, 0, "parse result");
    if (rc != result_code(f[4]))
        check_note("  got %d", rc);
    if (rc == 0 && strstr(f[3], "len:") == NULL)
        check_record(got.len == plen && memcmp(got.payload, f[2], plen) == 0, where, 0, "payload");
}

static void make_copy(uint8_t *copy, const char *state, uint64_t seq)
{
    memset(copy, 0, TLS_KEYSLOT_COPY_BYTES);
    if (strcmp(state, "blank") == 0)
        return;
    tls_keyslot_encode(copy, TLS_KEYSLOT_COPY_BYTES, 1, seq, "payload", 7);
    if (strcmp(state, "bad") == 0)
        copy[TLS_KEYSLOT_HEADER_BYTES + 3] ^= 0x40; /* a torn write: the CRC no longer matches */
}

static void choose_vector(char **f, int n, const char *where)
{
    struct tls_keyslot_pick pick;
    if (n != 8) {
        check_record(0, where, 0, "vector has 8 fields");
        return;
    }
    make_copy(copy_a, f[0], strtoull(f[1], NULL, 10));
    make_copy(copy_b, f[2], strtoull(f[3], NULL, 10));
    tls_keyslot_choose(copy_a, copy_b, TLS_KEYSLOT_COPY_BYTES, 1, &pick);
    int want_current = strcmp(f[4], "A") == 0 ? 0 : strcmp(f[4], "B") == 0 ? 1 : -1;
    check_record(pick.current == want_current, where, 0, "current copy");
    check_record(pick.next == (strcmp(f[5], "A") == 0 ? 0 : 1), where, 0, "next copy");
    check_record(pick.next_seq == strtoull(f[6], NULL, 10), where, 0, "next sequence");
    check_record(pick.status == result_code(f[7]), where, 0, "status");
    if (want_current >= 0)
        check_record(pick.value.len == 7 && memcmp(pick.value.payload, "payload", 7) == 0, where, 0, "value");
}

/* Flips one byte of the file at off: a power cut or bit rot hitting one copy. */
static void damage(const char *path, long off)
{
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (!f)
        return;
    fseek(f, off, SEEK_SET);
    int c = fgetc(f);
    fseek(f, off, SEEK_SET);
    fputc(c ^ 0x5a, f);
    fclose(f);
}

static long copy_offset(unsigned slot, int copy)
{
    return (long)(2 * slot + (unsigned)copy) * (long)TLS_KEYSLOT_COPY_BYTES;
}

static void device_tests(void)
{
    char path[] = "/tmp/hearth-keyslot-XXXXXX", small[] = "/tmp/hearth-keyslot-small-XXXXXX";
    uint8_t buf[3000], big[2000];
    size_t len = 0;
    int rc, fd = mkstemp(path), fd_small = mkstemp(small);
    CHECK(fd >= 0 && fd_small >= 0);
    CHECK(ftruncate(fd, 1024 * 1024) == 0 && ftruncate(fd_small, 128 * 1024) == 0);
    close(fd);
    close(fd_small);

    struct tls_keyslot ks;
    struct hearth_blkdev *dev = hearth_blk_open(small, &rc);
    CHECK(dev != NULL);
    CHECK_INT(tls_keyslot_open(&ks, dev), -HEARTH_ENOSPC);
    dev = hearth_blk_open(path, &rc);
    CHECK(dev != NULL);
    CHECK_INT(tls_keyslot_open(&ks, dev), 0);

    CHECK_INT(tls_keyslot_read(&ks, TLS_KEYSLOT_KEY, buf, sizeof(buf), &len), -HEARTH_ENODATA);
    CHECK_INT(tls_keyslot_write(&ks, TLS_KEYSLOT_KEY, "first", 5), 0); /* copy A, seq 1 */
    CHECK_INT(tls_keyslot_read(&ks, TLS_KEYSLOT_KEY, buf, sizeof(buf), &len), 0);
    CHECK(len == 5 && memcmp(buf, "first", 5) == 0);
    CHECK_INT(tls_keyslot_write(&ks, TLS_KEYSLOT_KEY, "second", 6), 0); /* copy B, seq 2 */
    CHECK_INT(tls_keyslot_read(&ks, TLS_KEYSLOT_KEY, buf, sizeof(buf), &len), 0);
    CHECK(len == 6 && memcmp(buf, "second", 6) == 0);
    CHECK_INT(tls_keyslot_read(&ks, TLS_KEYSLOT_KEY, buf, 3, &len), -HEARTH_ERANGE);
    /* Other slots are independent. */
    CHECK_INT(tls_keyslot_read(&ks, TLS_KEYSLOT_CERT, buf, sizeof(buf), &len), -HEARTH_ENODATA);
    CHECK_INT(tls_keyslot_write(&ks, 7, "x", 1), -HEARTH_EINVAL);
    CHECK_INT(tls_keyslot_write(&ks, TLS_KEYSLOT_CERT, big, TLS_KEYSLOT_MAX_PAYLOAD + 1), -HEARTH_ERANGE);

    /* The newest copy (B) is damaged: the previous value comes back. */
    damage(path, copy_offset(TLS_KEYSLOT_KEY, 1) + TLS_KEYSLOT_HEADER_BYTES + 2);
    CHECK_INT(tls_keyslot_read(&ks, TLS_KEYSLOT_KEY, buf, sizeof(buf), &len), 0);
    CHECK(len == 5 && memcmp(buf, "first", 5) == 0);
    /* The next write replaces the damaged copy, never the good one, and wins. */
    CHECK_INT(tls_keyslot_write(&ks, TLS_KEYSLOT_KEY, "third", 5), 0);
    CHECK_INT(tls_keyslot_read(&ks, TLS_KEYSLOT_KEY, buf, sizeof(buf), &len), 0);
    CHECK(len == 5 && memcmp(buf, "third", 5) == 0);

    /* A write torn after its first block: a 2000-byte value whose header reached the disk, tail not. */
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7);
    uint8_t *enc = calloc(1, TLS_KEYSLOT_COPY_BYTES);
    CHECK(tls_keyslot_encode(enc, TLS_KEYSLOT_COPY_BYTES, TLS_KEYSLOT_KEY, 3, big, sizeof(big)) > 512);
    FILE *f = fopen(path, "r+b");
    fseek(f, copy_offset(TLS_KEYSLOT_KEY, 0), SEEK_SET); /* A holds seq 1, B seq 2: A is next */
    fwrite(enc, 1, 512, f);
    fclose(f);
    free(enc);
    CHECK_INT(tls_keyslot_read(&ks, TLS_KEYSLOT_KEY, buf, sizeof(buf), &len), 0);
    CHECK(len == 5 && memcmp(buf, "third", 5) == 0);
    /* The same value written properly replaces it. */
    CHECK_INT(tls_keyslot_write(&ks, TLS_KEYSLOT_KEY, big, sizeof(big)), 0);
    CHECK_INT(tls_keyslot_read(&ks, TLS_KEYSLOT_KEY, buf, sizeof(buf), &len), 0);
    CHECK(len == sizeof(big) && memcmp(buf, big, sizeof(big)) == 0);

    /* Both copies damaged: no value, and it says so rather than returning garbage. */
    damage(path, copy_offset(TLS_KEYSLOT_KEY, 0) + 100);
    damage(path, copy_offset(TLS_KEYSLOT_KEY, 1) + 8);
    CHECK_INT(tls_keyslot_read(&ks, TLS_KEYSLOT_KEY, buf, sizeof(buf), &len), -HEARTH_EBADMSG);
    /* ... and a fresh write recovers the slot. */
    CHECK_INT(tls_keyslot_write(&ks, TLS_KEYSLOT_KEY, "fresh", 5), 0);
    CHECK_INT(tls_keyslot_read(&ks, TLS_KEYSLOT_KEY, buf, sizeof(buf), &len), 0);
    CHECK(len == 5 && memcmp(buf, "fresh", 5) == 0);
    unlink(path);
    unlink(small);
}

int main(void)
{
    /* The CRC32C check value (RFC 3720 B.4 and every CRC catalogue). */
    CHECK_INT(tls_crc32c(0, "123456789", 9), 0xe3069283u);
    CHECK_INT(tls_crc32c(tls_crc32c(0, "1234", 4), "56789", 5), 0xe3069283u);
    CHECK(tls_keyslot_name(TLS_KEYSLOT_SEED) && strcmp(tls_keyslot_name(TLS_KEYSLOT_CERT), "cert") == 0);
    CHECK(tls_keyslot_name(TLS_KEYSLOT_COUNT) == NULL);
    CHECK_INT(TLS_KEYSLOT_COUNT * 2 * TLS_KEYSLOT_COPY_BYTES, TLS_KEYSLOT_AREA_BYTES);
    CHECK_INT(tls_keyslot_encode(copy_a, sizeof(copy_a), 0, 0, "x", 1), -HEARTH_EINVAL);
    CHECK_INT(tls_keyslot_encode(copy_a, 40, 0, 1, "0123456789", 10), -HEARTH_ERANGE);
    CHECK(check_vectors("vectors/tls_keyslot_parse.txt", 5, parse_vector) > 20);
    CHECK(check_vectors("vectors/tls_keyslot_choose.txt", 8, choose_vector) > 8);
    device_tests();
    return check_summary("test_tls_keyslot");
}
