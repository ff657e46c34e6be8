/* SPDX-License-Identifier: ISC */
/* Unit tests for device-tree discovery, driven by tests/unit/vectors/dt.txt plus corrupted blobs. */
#include "check.h"
#include "dt.h"
#include "dt_consistent.h"

#include <hearth/err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The folder of .dtb files compiled from tests/unit/dt/ at build time, given as argv[1]. */
static const char *dtb_dir;

/* Reads dtb_dir/name into a malloc'd buffer of exactly its length, so ASan sees any over-read. */
static unsigned char *load_dtb(const char *name, size_t *len)
{
    char path[1024];
    unsigned char *buf = NULL;
    long size;

    snprintf(path, sizeof(path), "%s/%s", dtb_dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        check_note("  cannot open %s", path);
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0)
        goto out;
    buf = malloc((size_t)size);
    if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    *len = (size_t)size;
out:
    fclose(f);
    return buf;
}

static int expected_rc(const char *s, int *rc)
{
    if (strcmp(s, "0") == 0)
        *rc = 0;
    else if (strcmp(s, "EBADMSG") == 0)
        *rc = -HEARTH_EBADMSG;
    else if (strcmp(s, "ERANGE") == 0)
        *rc = -HEARTH_ERANGE;
    else if (strcmp(s, "ENOENT") == 0)
        *rc = -HEARTH_ENOENT;
    else
        return -1;
    return 0;
}

/* Parses a whole C integer literal; rejects trailing junk so a typo in a vector cannot pass quietly. */
static int parse_u64(const char *s, const char *end, uint64_t *v)
{
    char *stop;
    if (s == end)
        return -1;
    *v = strtoull(s, &stop, 0);
    return stop == end ? 0 : -1;
}

/* Parses "base+size" spanning [s, end). */
static int parse_range(const char *s, const char *end, struct dt_range *r)
{
    const char *plus = memchr(s, '+', (size_t)(end - s));
    if (!plus)
        return -1;
    return parse_u64(s, plus, &r->base) < 0 || parse_u64(plus + 1, end, &r->size) < 0 ? -1 : 0;
}

/* Parses one "key=value" token of [s, end) into *want; returns -1 for an unknown key or a bad value. */
static int parse_field(const char *s, const char *end, struct dt_platform *want)
{
    const char *eq = memchr(s, '=', (size_t)(end - s));
    uint64_t v;
    if (!eq)
        return -1;
    size_t klen = (size_t)(eq - s);
    const char *val = eq + 1;
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(s, k, klen) == 0)
    if (KEY("mem")) {
        while (val < end) {
            const char *comma = memchr(val, ',', (size_t)(end - val));
            const char *stop = comma ? comma : end;
            if (want->memory_count == DT_MAX_MEMORY_BANKS ||
                parse_range(val, stop, &want->memory[want->memory_count++]) < 0)
                return -1;
            val = comma ? comma + 1 : end;
        }
        return 0;
    }
    if (KEY("uart"))
        return parse_range(val, end, &want->uart);
    if (KEY("dist"))
        return parse_range(val, end, &want->gic_dist);
    if (KEY("cpu"))
        return parse_range(val, end, &want->gic_cpu);
    if (KEY("grant"))
        return parse_range(val, end, &want->xen_grant);
    if (parse_u64(val, end, &v) < 0)
        return -1;
    if (KEY("gic"))
        want->gic_version = (int)v;
    else if (KEY("vtimer"))
        want->vtimer_intid = (unsigned)v;
    else if (KEY("xen"))
        want->has_xen_node = (int)v;
    else if (KEY("evtchn"))
        want->xen_evtchn_intid = (unsigned)v;
    else
        return -1;
    return 0;
#undef KEY
}

/* Parses the space-separated expectations; fields not named stay zero, bootargs "". */
static int parse_expect(const char *fields, struct dt_platform *want)
{
    memset(want, 0, sizeof(*want));
    want->bootargs = "";
    for (const char *s = fields; *s;) {
        if (*s == ' ') {
            s++;
            continue;
        }
        const char *end = s + strcspn(s, " ");
        if (parse_field(s, end, want) < 0)
            return -1;
        s = end;
    }
    return 0;
}

static void check_range(const char *where, const char *what, struct dt_range got, struct dt_range want)
{
    check_record(got.base == want.base && got.size == want.size, where, 0, what);
    if (got.base != want.base || got.size != want.size)
        check_note("  %s: got 0x%llx+0x%llx, want 0x%llx+0x%llx", what, (unsigned long long)got.base,
                   (unsigned long long)got.size, (unsigned long long)want.base,
                   (unsigned long long)want.size);
}

static void check_uint(const char *where, const char *what, long long got, long long want)
{
    check_record(got == want, where, 0, what);
    if (got != want)
        check_note("  %s: got %lld, want %lld", what, got, want);
}

/* Compares every field of got against want. */
static void check_platform(const char *where, const struct dt_platform *got, const struct dt_platform *want)
{
    check_uint(where, "memory_count", got->memory_count, want->memory_count);
    for (unsigned i = 0; i < got->memory_count && i < want->memory_count; i++)
        check_range(where, "memory bank", got->memory[i], want->memory[i]);
    check_record(strcmp(got->bootargs, want->bootargs) == 0, where, 0, "bootargs");
    if (strcmp(got->bootargs, want->bootargs) != 0)
        check_note("  bootargs: got \"%s\", want \"%s\"", got->bootargs, want->bootargs);
    check_range(where, "uart", got->uart, want->uart);
    check_uint(where, "gic_version", got->gic_version, want->gic_version);
    check_range(where, "gic_dist", got->gic_dist, want->gic_dist);
    check_range(where, "gic_cpu", got->gic_cpu, want->gic_cpu);
    check_uint(where, "vtimer_intid", got->vtimer_intid, want->vtimer_intid);
    check_uint(where, "has_xen_node", got->has_xen_node, want->has_xen_node);
    check_range(where, "xen_grant", got->xen_grant, want->xen_grant);
    check_uint(where, "xen_evtchn_intid", got->xen_evtchn_intid, want->xen_evtchn_intid);
}

static void dt_vector(char **f, int n, const char *where)
{
    struct dt_platform got, want;
    int want_rc;
    size_t len;

    if (n < 2 || expected_rc(f[1], &want_rc) < 0 || parse_expect(n > 2 ? f[2] : "", &want) < 0) {
        check_record(0, where, 0, "vector is well-formed");
        return;
    }
    if (n > 3)
        want.bootargs = f[3];
    unsigned char *dtb = load_dtb(f[0], &len);
    if (!dtb) {
        check_record(0, where, 0, "blob can be read");
        return;
    }
    int rc = dt_parse(dtb, len, &got);
    check_record(rc == want_rc, where, 0, "return value");
    if (rc != want_rc)
        check_note("  %s: got %d, want %d", f[0], rc, want_rc);
    const char *why = dt_consistent(dtb, len, rc, &got);
    check_record(why == NULL, where, 0, why ? why : "consistent");
    if (rc == 0 && want_rc == 0) {
        check_uint(where, "dtb_size", (long long)got.dtb_size, (long long)len);
        check_platform(where, &got, &want);
    }
    free(dtb);
}

/* Header fields (big-endian 32-bit words) of a flattened device tree. */
enum { HDR_MAGIC = 0, HDR_TOTALSIZE = 4, HDR_OFF_STRUCT = 8, HDR_SIZE_STRUCT = 36, HDR_SIZE = 40 };
enum { FDT_TOKEN_NOP = 4 };

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t get_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Parses a copy of blob[0, len) edited by poke at off, in a buffer of exactly len bytes. */
static int parse_poked(const unsigned char *blob, size_t len, size_t off, uint32_t value)
{
    struct dt_platform p;
    unsigned char *buf = malloc(len);
    memcpy(buf, blob, len);
    put_be32(buf + off, value);
    int rc = dt_parse(buf, len, &p);
    free(buf);
    return rc;
}

/* Damaged headers and sizes: each must give its documented error, never a read past the buffer. */
static void test_corrupt_headers(const unsigned char *blob, size_t len)
{
    struct dt_platform p;

    /* Every truncation, each in a buffer of exactly its length. */
    int wrong = 0;
    for (size_t n = 0; n < len; n++) {
        unsigned char *buf = malloc(n ? n : 1);
        memcpy(buf, blob, n);
        int rc = dt_parse(buf, n, &p);
        if (rc != (n < HDR_SIZE ? -HEARTH_EBADMSG : -HEARTH_ERANGE) && wrong++ < 5)
            check_note("  truncated to %zu bytes: got %d", n, rc);
        free(buf);
    }
    check_record(wrong == 0, __FILE__, __LINE__, "truncated: EBADMSG below a header, ERANGE above");
    CHECK_INT(parse_poked(blob, len, HDR_MAGIC, 0xd00dfeee), -HEARTH_EBADMSG);
    CHECK_INT(parse_poked(blob, len, HDR_MAGIC, 0xedfe0dd0), -HEARTH_EBADMSG);
    CHECK_INT(parse_poked(blob, len, HDR_TOTALSIZE, (uint32_t)len + 1), -HEARTH_ERANGE);
    CHECK_INT(parse_poked(blob, len, HDR_TOTALSIZE, 0x7fffffff), -HEARTH_ERANGE);
    /* libfdt refuses sizes above INT_MAX outright, before dt_parse compares with max_size. */
    CHECK_INT(parse_poked(blob, len, HDR_TOTALSIZE, 0xffffffff), -HEARTH_EBADMSG);
    CHECK_INT(parse_poked(blob, len, HDR_TOTALSIZE, HDR_SIZE), -HEARTH_EBADMSG);
    CHECK_INT(parse_poked(blob, len, HDR_OFF_STRUCT, (uint32_t)len), -HEARTH_EBADMSG);
    /*
     * A structure block whose closing FDT_END became a NOP: the tree walk dt_parse does would never
     * notice, so this shows that the whole blob is validated before anything is read from it.
     */
    size_t end_token = get_be32(blob + HDR_OFF_STRUCT) + get_be32(blob + HDR_SIZE_STRUCT) - 4;
    CHECK_INT(get_be32(blob + end_token), 9);
    CHECK_INT(parse_poked(blob, len, end_token, FDT_TOKEN_NOP), -HEARTH_EBADMSG);

    /* max_size below the blob, below a header, and zero; and a generous max_size. */
    CHECK_INT(dt_parse(blob, len - 1, &p), -HEARTH_ERANGE);
    CHECK_INT(dt_parse(blob, HDR_SIZE, &p), -HEARTH_ERANGE);
    CHECK_INT(dt_parse(blob, HDR_SIZE - 1, &p), -HEARTH_EBADMSG);
    CHECK_INT(dt_parse(blob, 0, &p), -HEARTH_EBADMSG);
    unsigned char *big = calloc(1, len + 4096);
    memcpy(big, blob, len);
    CHECK_INT(dt_parse(big, len + 4096, &p), 0);
    CHECK_INT(p.dtb_size, len);
    CHECK_INT(p.vtimer_intid, 27);

    /* libfdt wants 8-byte alignment; a misaligned blob must be refused, not read crookedly. */
    unsigned char *odd = malloc(len + 4);
    memcpy(odd + 4, blob, len);
    CHECK_INT(dt_parse(odd + 4, len, &p), -HEARTH_EBADMSG);
    free(odd);
    free(big);
}

/* A small deterministic generator (xorshift64), so a failing flip reproduces on every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/*
 * Random damage to a valid blob: byte flips anywhere, and 32-bit words set to boundary values (lengths
 * and offsets live in such words). Every result must be an error or a consistent platform.
 */
static void test_flips(const char *name, const unsigned char *blob, size_t len, int rounds)
{
    static const uint32_t edges[] = {0, 1, 3, 4, 12, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffc};
    int ok = 0, errors = 0, bad = 0;
    unsigned char *buf = malloc(len);
    struct dt_platform p;

    for (int i = 0; i < rounds; i++) {
        memcpy(buf, blob, len);
        int edits = 1 + (int)(rng() % 4);
        for (int e = 0; e < edits; e++) {
            size_t off = (size_t)(rng() % len), word = off & ~(size_t)3;
            if (rng() % 3 == 0 && word + 4 <= len)
                put_be32(buf + word, edges[rng() % (sizeof(edges) / sizeof(edges[0]))]);
            else
                buf[off] ^= (unsigned char)(1 + rng() % 255);
        }
        int rc = dt_parse(buf, len, &p);
        const char *why = dt_consistent(buf, len, rc, &p);
        if (why) {
            if (bad++ < 5)
                check_note("  %s flip round %d: rc %d: %s", name, i, rc, why);
        } else if (rc == 0) {
            ok++;
        } else {
            errors++;
        }
    }
    check_record(bad == 0, name, 0, "every damaged blob gives an error or a consistent result");
    /* Both outcomes must occur, or the damage is not reaching the parser's interesting paths. */
    check_record(ok > 0 && errors > 0, name, 0, "damage yields both successes and errors");
    printf("dt flips %s: %d rounds, %d parsed, %d rejected\n", name, rounds, ok, errors);
    free(buf);
}

int main(int argc, char **argv)
{
    size_t len;

    if (argc != 2) {
        fprintf(stderr, "usage: %s <folder of compiled .dtb files>\n", argv[0]);
        return EXIT_FAILURE;
    }
    dtb_dir = argv[1];
    CHECK(check_vectors("vectors/dt.txt", 4, dt_vector) >= 20);

    unsigned char *blob = load_dtb("domu_arm64.dtb", &len);
    CHECK(blob != NULL);
    if (blob) {
        test_corrupt_headers(blob, len);
        test_flips("domu_arm64.dtb", blob, len, 10000);
        free(blob);
    }
    blob = load_dtb("domu_arm32.dtb", &len);
    CHECK(blob != NULL);
    if (blob) {
        test_flips("domu_arm32.dtb", blob, len, 5000);
        free(blob);
    }
    return check_summary("dt");
}
