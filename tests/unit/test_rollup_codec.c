/* SPDX-License-Identifier: ISC */
/* Unit tests for rollup arithmetic and on-disk forms: data-driven codec vectors and bucket math. */
#include "check.h"
#include "rollup.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S 1000000000ull
#define T0 (1704067200ull * S) /* 2024-01-01 00:00:00 UTC */

/* ---- codec vectors ---- */

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; s[0] && s[1] && n < cap; s += 2) {
        unsigned v;
        sscanf(s, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

static void vector(char **f, int n, const char *where)
{
    uint8_t buf[128];
    if (n != 4) {
        check_record(0, where, 0, "4 fields");
        return;
    }
    bool want_ok = strncmp(f[3], "ok", 2) == 0;
    int rc;
    if (strcmp(f[0], "payload") == 0) {
        struct rollup_agg a;
        size_t len = unhex(f[1], buf, sizeof(buf));
        rc = rollup_decode(buf, len, (enum rollup_tier)atoi(f[2]), &a);
        if (want_ok && rc == 0) {
            unsigned long count;
            double mn, mx, sum;
            sscanf(f[3], "ok %lu %lf %lf %lf", &count, &mn, &mx, &sum);
            check_record(a.count == count && a.min == mn && a.max == mx && a.sum == sum, where, 0, f[1]);
            uint8_t again[ROLLUP_PAYLOAD_LEN];
            rollup_encode(&a, (enum rollup_tier)atoi(f[2]), again);
            check_record(memcmp(again, buf, len) == 0, where, 0, "re-encodes to the same bytes");
        }
    } else if (strcmp(f[0], "mark") == 0) {
        struct rollup_mark m;
        rc = rollup_mark_decode(buf, unhex(f[1], buf, sizeof(buf)), &m);
        if (want_ok && rc == 0) {
            unsigned long long r, t;
            sscanf(f[3], "ok %llu %llu", &r, &t);
            check_record(m.reflected_seq == r && m.wall_ns == t, where, 0, f[1]);
        }
    } else {
        double v, want;
        size_t len = check_unescape(f[1], (char *)buf, sizeof(buf));
        rc = rollup_parse_value(buf, len, &v);
        if (want_ok && rc == 0) {
            sscanf(f[3], "ok %lf", &want);
            check_record(v == want, where, 0, f[1]);
        }
    }
    check_record(want_ok ? rc == 0 : rc == -HEARTH_EBADMSG, where, 0, f[1]);
}

static void test_vectors(void)
{
    CHECK(check_vectors_raw("vectors/rollup.txt", 4, vector) >= 30);
}

/* ---- bucket math ---- */

static void test_bucket_math(void)
{
    CHECK_INT(rollup_bucket(ROLLUP_1M, T0), T0);
    CHECK_INT(rollup_bucket(ROLLUP_1M, T0 + 60 * S - 1), T0);
    CHECK_INT(rollup_bucket(ROLLUP_1M, T0 + 60 * S), T0 + 60 * S);
    CHECK_INT(rollup_bucket(ROLLUP_1H, T0 + 3599 * S), T0);
    CHECK_INT(rollup_bucket(ROLLUP_1D, T0 + 86400 * S - 1), T0);
    CHECK_INT(rollup_bucket(ROLLUP_1D, T0 + 86400 * S), T0 + 86400 * S);
    struct rollup_agg a = {0}, b = {0}, m = {0};
    rollup_agg_add(&a, T0 + 5, -5);
    rollup_agg_add(&a, T0 + 1, 3.5);
    rollup_agg_add(&b, T0 + 9, -7.25);
    rollup_agg_add(&b, T0 + 3, 1);
    CHECK(a.count == 2 && a.min == -5 && a.max == 3.5 && a.sum == -1.5 && a.first_ns == T0 + 1 &&
          a.last_ns == T0 + 5);
    rollup_agg_merge(&m, &a);
    rollup_agg_merge(&m, &b);
    CHECK(m.count == 4 && m.min == -7.25 && m.max == 3.5 && m.sum == -7.75 && m.first_ns == T0 + 1 &&
          m.last_ns == T0 + 9);
    struct rollup_agg big = {.count = 0x80000003u, .min = 1, .max = 1, .sum = 1}, big2 = big;
    rollup_agg_merge(&big2, &big);
    CHECK_INT(big2.count, UINT32_MAX); /* saturates, never wraps */
    struct rollup_agg empty = {0};
    rollup_agg_merge(&m, &empty);
    CHECK_INT(m.count, 4);
    enum rollup_tier t;
    CHECK(rollup_tier_parse("1h", &t) == 0 && t == ROLLUP_1H);
    CHECK_INT(rollup_tier_parse("raw", &t), -HEARTH_EINVAL);
    CHECK(rollup_type_tier(STORE_T_ROLLUP_1D, &t) == 0 && t == ROLLUP_1D);
    CHECK_INT(rollup_type_tier(STORE_T_READING, &t), -HEARTH_EINVAL);
}

int main(void)
{
    test_vectors();
    test_bucket_math();
    return check_summary("rollup_codec");
}
