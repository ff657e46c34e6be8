/* SPDX-License-Identifier: ISC */
/* The gateway's data source over the rollup tiers: 1m/1h/1d means from sensors/rollup, raw from the store. */
#include "gateway.h"

#include "rollup.h"

#include <hearth/err.h>
#include <stdio.h>

struct collect {
    struct gateway_point *out;
    unsigned cap, n;
};

static int collect_mean(void *arg, uint64_t t_ns, const struct rollup_agg *a)
{
    struct collect *c = arg;
    if (c->n == c->cap)
        return 1;
    if (a->count)
        c->out[c->n++] = (struct gateway_point){.t_ns = t_ns, .value = a->sum / (double)a->count};
    return 0;
}

int gateway_source_rollups(void *ctx, const char *sensor, const char *quantity, enum policy_gran g,
                           uint64_t from_ns, uint64_t to_ns, struct gateway_point *out, unsigned cap,
                           unsigned *n, bool *more)
{
    struct gateway_rollup_source *src = ctx;
    enum rollup_tier tier = g == POLICY_G_1M ? ROLLUP_1M : g == POLICY_G_1H ? ROLLUP_1H : ROLLUP_1D;
    *n = 0;
    *more = false;
    /* Raw points (and threshold events, which look at raw points) are the readings themselves. */
    if (g == POLICY_G_RAW || g == POLICY_G_THRESHOLD)
        return gateway_source_store_means(src->store, sensor, quantity, g, from_ns, to_ns, out, cap, n, more);
    if (cap == 0 || to_ns <= from_ns)
        return cap == 0 ? -HEARTH_EINVAL : 0;
    char key[2 * 33 + 2];
    if ((size_t)snprintf(key, sizeof(key), "%s/%s", sensor, quantity) >= sizeof(key))
        return -HEARTH_EINVAL;
    /*
     * The earliest cap buckets: rollup_query keeps the newest ones when there are more, so the window is
     * cut to cap buckets from its start instead, and *more says the rest waits for the next push.
     */
    uint64_t len = rollup_tier_ns(tier);
    uint64_t first = from_ns - from_ns % len;
    if ((to_ns - first) / len > cap) {
        to_ns = first + (uint64_t)cap * len;
        *more = true;
    }
    struct collect c = {.out = out, .cap = cap};
    bool truncated = false;
    int rc = rollup_query(src->rollup, key, tier, from_ns, to_ns, cap, collect_mean, &c, &truncated);
    if (rc < 0)
        return rc == -HEARTH_ENOENT ? 0 : rc; /* a series with no data yet has nothing to send */
    *n = c.n;
    *more = *more || truncated;
    return 0;
}
