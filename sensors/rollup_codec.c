/* SPDX-License-Identifier: ISC */
/* Rollup arithmetic and the on-disk forms of rollup records, marks and stored reading values. */
#include "rollup.h"

#include <hearth/err.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define VERSION 1u
#define NS_PER_S 1000000000ull

static const uint64_t tier_ns[ROLLUP_TIERS] = {60 * NS_PER_S, 3600 * NS_PER_S, 86400 * NS_PER_S};
static const uint8_t tier_type[ROLLUP_TIERS] = {STORE_T_ROLLUP_1M, STORE_T_ROLLUP_1H, STORE_T_ROLLUP_1D};
static const char *const tier_name[ROLLUP_TIERS] = {"1m", "1h", "1d"};

uint64_t rollup_tier_ns(enum rollup_tier t)
{
    return tier_ns[t];
}

uint8_t rollup_tier_type(enum rollup_tier t)
{
    return tier_type[t];
}

const char *rollup_tier_name(enum rollup_tier t)
{
    return tier_name[t];
}

int rollup_type_tier(uint8_t type, enum rollup_tier *t)
{
    for (int i = 0; i < ROLLUP_TIERS; i++)
        if (tier_type[i] == type) {
            *t = (enum rollup_tier)i;
            return 0;
        }
    return -HEARTH_EINVAL;
}

int rollup_tier_parse(const char *name, enum rollup_tier *t)
{
    for (int i = 0; i < ROLLUP_TIERS; i++)
        if (strcmp(tier_name[i], name) == 0) {
            *t = (enum rollup_tier)i;
            return 0;
        }
    return -HEARTH_EINVAL;
}

uint64_t rollup_bucket(enum rollup_tier t, uint64_t ts_ns)
{
    /* Unix time is UTC: days are UTC days. Timestamps are unsigned, so this floors. */
    uint64_t len = tier_ns[t];
    return ts_ns - ts_ns % len;
}

void rollup_agg_add(struct rollup_agg *a, uint64_t ts_ns, double value)
{
    struct rollup_agg one = {
        .count = 1, .min = value, .max = value, .sum = value, .first_ns = ts_ns, .last_ns = ts_ns};
    rollup_agg_merge(a, &one);
}

void rollup_agg_merge(struct rollup_agg *a, const struct rollup_agg *b)
{
    if (b->count == 0)
        return;
    if (a->count == 0) {
        *a = *b;
        return;
    }
    /* Saturates rather than wraps: found by fuzz_rollup merging a decoded count of 2^31 with itself. */
    a->count = b->count > UINT32_MAX - a->count ? UINT32_MAX : a->count + b->count;
    a->min = b->min < a->min ? b->min : a->min;
    a->max = b->max > a->max ? b->max : a->max;
    a->sum += b->sum;
    a->first_ns = b->first_ns < a->first_ns ? b->first_ns : a->first_ns;
    a->last_ns = b->last_ns > a->last_ns ? b->last_ns : a->last_ns;
}

bool rollup_agg_equal(const struct rollup_agg *a, const struct rollup_agg *b)
{
    return a->count == b->count && a->min == b->min && a->max == b->max && a->sum == b->sum &&
           a->first_ns == b->first_ns && a->last_ns == b->last_ns;
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Doubles travel as their IEEE 754 bits, little-endian, whatever the CPU's byte order. */
static void put_double(uint8_t *p, double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof(bits));
    put64(p, bits);
}

static double get_double(const uint8_t *p)
{
    uint64_t bits = get64(p);
    double d;
    memcpy(&d, &bits, sizeof(d));
    return d;
}

void rollup_encode(const struct rollup_agg *a, enum rollup_tier t, uint8_t *out)
{
    memset(out, 0, ROLLUP_PAYLOAD_LEN);
    out[0] = VERSION;
    out[1] = (uint8_t)t;
    for (int i = 0; i < 4; i++)
        out[4 + i] = (uint8_t)(a->count >> (8 * i));
    put_double(out + 8, a->min);
    put_double(out + 16, a->max);
    put_double(out + 24, a->sum);
    put64(out + 32, a->first_ns);
    put64(out + 40, a->last_ns);
}

int rollup_decode(const uint8_t *p, size_t len, enum rollup_tier t, struct rollup_agg *out)
{
    if (len != ROLLUP_PAYLOAD_LEN || p[0] != VERSION || p[1] != (uint8_t)t || p[2] || p[3])
        return -HEARTH_EBADMSG;
    struct rollup_agg a = {
        .count = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24,
        .min = get_double(p + 8),
        .max = get_double(p + 16),
        .sum = get_double(p + 24),
        .first_ns = get64(p + 32),
        .last_ns = get64(p + 40),
    };
    if (a.count == 0 || !isfinite(a.min) || !isfinite(a.max) || !isfinite(a.sum) || a.min > a.max ||
        a.first_ns > a.last_ns)
        return -HEARTH_EBADMSG;
    *out = a;
    return 0;
}

void rollup_mark_encode(const struct rollup_mark *m, uint8_t *out)
{
    memset(out, 0, ROLLUP_MARK_LEN);
    out[0] = VERSION;
    put64(out + 8, m->reflected_seq);
    put64(out + 16, m->wall_ns);
}

int rollup_mark_decode(const uint8_t *p, size_t len, struct rollup_mark *out)
{
    if (len != ROLLUP_MARK_LEN || p[0] != VERSION)
        return -HEARTH_EBADMSG;
    for (int i = 1; i < 8; i++)
        if (p[i])
            return -HEARTH_EBADMSG;
    out->reflected_seq = get64(p + 8);
    out->wall_ns = get64(p + 16);
    return 0;
}

int rollup_parse_value(const uint8_t *p, size_t len, double *out)
{
    char buf[40];
    if (len == 0 || len >= sizeof(buf))
        return -HEARTH_EBADMSG;
    for (size_t i = 0; i < len; i++)
        if (!strchr("+-0123456789.eE", p[i]) || p[i] == '\0')
            return -HEARTH_EBADMSG;
    memcpy(buf, p, len);
    buf[len] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (end != buf + len || !isfinite(v))
        return -HEARTH_EBADMSG;
    *out = v;
    return 0;
}
