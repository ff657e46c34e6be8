/* SPDX-License-Identifier: ISC */
/* The rollup service: pending buckets per series, recovery from the newest mark, the retention policy. */
#include "rollup.h"

#include "log.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <string.h>

#define NS_PER_DAY (86400ull * 1000000000ull)
#define BACKLOG_NS 100000000ull /* the next pass while due buckets remain: 100 ms */

void rollup_init(struct rollup *ru, struct store *st, int (*wall_ns)(int64_t *unix_ns))
{
    memset(ru, 0, sizeof(*ru));
    ru->store = st;
    ru->wall_ns = wall_ns;
    ru->raw_days = ROLLUP_DEFAULT_RAW_DAYS;
    ru->keep_days[ROLLUP_1M] = 30;
    ru->keep_days[ROLLUP_1H] = 730;
    ru->keep_days[ROLLUP_1D] = 0;
}

void rollup_set_raw_days_fn(struct rollup *ru, rollup_raw_days_fn fn, void *arg)
{
    ru->raw_days_for = fn;
    ru->raw_days_arg = arg;
}

/* Unix time in ns, or 0 when the hub does not know it (nothing before 2020 counts as known). */
static uint64_t now_ns(const struct rollup *ru)
{
    int64_t now;
    if (!ru->wall_ns || ru->wall_ns(&now) != 0 || now < (int64_t)ROLLUP_EPOCH_2020_NS)
        return 0;
    return (uint64_t)now;
}

/* Readings of this key older than the result may already be gone (0: none). */
static uint64_t raw_cutoff(const struct rollup *ru, const uint8_t *key, size_t len, uint64_t now)
{
    const uint8_t *slash = memchr(key, '/', len);
    size_t n = slash ? (size_t)(slash - key) : len;
    uint32_t days = ru->raw_days_for ? ru->raw_days_for(ru->raw_days_arg, (const char *)key, n) : 0;
    if (days == 0)
        days = ru->raw_days;
    if (days < ROLLUP_MIN_RAW_DAYS)
        days = ROLLUP_MIN_RAW_DAYS;
    uint64_t age = (uint64_t)days * NS_PER_DAY;
    return now > age ? now - age : 0;
}

const struct rollup_series *rollup_find(const struct rollup *ru, const char *key, size_t key_len)
{
    for (unsigned i = 0; i < ru->nseries; i++)
        if (ru->series[i].key_len == key_len && memcmp(ru->series[i].key, key, key_len) == 0)
            return &ru->series[i];
    return NULL;
}

/* The series of key, added if new; NULL (counted, logged) when the table is full. */
static struct rollup_series *series_get(struct rollup *ru, const uint8_t *key, size_t len)
{
    struct rollup_series *s = (struct rollup_series *)rollup_find(ru, (const char *)key, len);
    if (s || len == 0 || len > STORE_KEY_MAX)
        return s;
    if (ru->nseries == ROLLUP_MAX_SERIES) {
        /* Refusing keeps every known series exact; the first refusal and then every 1000th is logged. */
        if (ru->stats.refused++ % 1000 == 0)
            log_line("rollup: %u series already: no rollups for %.*s (%lu refused)", ROLLUP_MAX_SERIES,
                     (int)len, (const char *)key, ru->stats.refused);
        return NULL;
    }
    s = &ru->series[ru->nseries++];
    memset(s, 0, sizeof(*s));
    memcpy(s->key, key, len);
    s->key_len = (uint8_t)len;
    return s;
}

bool rollup_pending(const struct rollup_series *s, enum rollup_tier t, uint64_t b)
{
    return s->pend[t].pending && b >= s->pend[t].lo && b <= s->pend[t].hi;
}

/* Marks the bucket of ts in tier t pending, unless its raw readings may have expired already. */
static void pend_add(struct rollup *ru, struct rollup_series *s, enum rollup_tier t, uint64_t ts,
                     uint64_t cutoff)
{
    uint64_t b = rollup_bucket(t, ts);
    if (b < cutoff) {
        ru->stats.too_old++;
        return;
    }
    if (!s->pend[t].pending) {
        s->pend[t].lo = s->pend[t].hi = b;
        s->pend[t].pending = true;
    } else if (b < s->pend[t].lo) {
        s->pend[t].lo = b;
    } else if (b > s->pend[t].hi) {
        s->pend[t].hi = b;
    }
}

void rollup_observe(void *arg, const struct reading *r, uint64_t seq)
{
    struct rollup *ru = arg;
    char key[READING_SENSOR_MAX + READING_QUANTITY_MAX + 2];
    (void)seq;
    ru->stats.observed++;
    int len = reading_key(r, key, sizeof(key));
    if (len < 0)
        return;
    if (r->timestamp_ns < ROLLUP_EPOCH_2020_NS) {
        ru->stats.undated++;
        return;
    }
    struct rollup_series *s = series_get(ru, (const uint8_t *)key, (size_t)len);
    if (!s)
        return;
    uint64_t now = now_ns(ru), cutoff = now ? raw_cutoff(ru, (const uint8_t *)key, (size_t)len, now) : 0;
    for (int t = 0; t < ROLLUP_TIERS; t++)
        pend_add(ru, s, (enum rollup_tier)t, r->timestamp_ns, cutoff);
}

struct recovery {
    struct rollup *ru;
    struct rollup_mark mark;
    uint64_t now;
};

/* A stored reading whose buckets the newest mark does not vouch for becomes pending again. */
static int recover_reading(void *arg, const struct store_record *r)
{
    struct recovery *rc = arg;
    if (r->timestamp_ns < ROLLUP_EPOCH_2020_NS)
        return 0;
    struct rollup_series *s = series_get(rc->ru, r->key, r->key_len);
    if (!s)
        return 0;
    uint64_t cutoff = rc->now ? raw_cutoff(rc->ru, r->key, r->key_len, rc->now) : 0;
    for (int t = 0; t < ROLLUP_TIERS; t++) {
        uint64_t len = rollup_tier_ns((enum rollup_tier)t);
        uint64_t b = rollup_bucket((enum rollup_tier)t, r->timestamp_ns);
        if (r->seq >= rc->mark.reflected_seq || b + len + ROLLUP_GRACE_NS > rc->mark.wall_ns)
            pend_add(rc->ru, s, (enum rollup_tier)t, r->timestamp_ns, cutoff);
    }
    return 0;
}

/* Series known only from their daily rollups (raw data expired) are still series the API knows. */
static int recover_series(void *arg, const struct store_record *r)
{
    series_get(arg, r->key, r->key_len);
    return 0;
}

static void on_timer(struct timer *t, void *arg)
{
    struct rollup *ru = arg;
    (void)t;
    uint64_t now = now_ns(ru);
    int rc = now ? rollup_tick(ru, now) : 0;
    if (rc < 0)
        log_line("rollup: pass failed (%s)", hearth_strerror(rc));
    uint64_t delay = rc == 1 ? BACKLOG_NS : ROLLUP_TICK_NS;
    timer_arm(&ru->loop->timers, &ru->timer, hearth_plat_monotonic_ns() + delay, 0, on_timer, ru);
}

int rollup_start(struct rollup *ru, struct loop *loop)
{
    struct recovery rec = {.ru = ru, .now = now_ns(ru)};
    struct store_record last;
    uint8_t buf[STORE_KEY_MAX + ROLLUP_MARK_LEN];
    struct store_query q = {.type = STORE_T_ROLLUP_MARK};
    int rc = store_find_last(ru->store, &q, &last, buf, sizeof(buf));
    if (rc == 0 && rollup_mark_decode(last.payload, last.payload_len, &rec.mark) == 0)
        ru->mark_seq = last.seq;
    else if (rc < 0 && rc != -HEARTH_ENOENT && rc != -HEARTH_ERANGE)
        return rc;
    /* Not due at T: the bucket ends after T - grace, so the reading is at most a day and grace older. */
    uint64_t window = NS_PER_DAY + ROLLUP_GRACE_NS;
    uint64_t from = rec.mark.wall_ns > window ? rec.mark.wall_ns - window : 0;
    q = (struct store_query){.type = STORE_T_READING, .t_from = from};
    rc = store_iterate(ru->store, &q, recover_reading, &rec);
    if (rc == 0 && from > 0) {
        /* Older readings appended after the mark: late ones whose buckets were never recomputed. */
        q = (struct store_query){.type = STORE_T_READING, .t_to = from, .seq_from = rec.mark.reflected_seq};
        rc = store_iterate(ru->store, &q, recover_reading, &rec);
    }
    if (rc == 0) {
        q = (struct store_query){.type = STORE_T_ROLLUP_1D};
        rc = store_iterate(ru->store, &q, recover_series, ru);
    }
    if (rc < 0)
        return rc;
    unsigned long pending = 0;
    for (unsigned i = 0; i < ru->nseries; i++)
        for (int t = 0; t < ROLLUP_TIERS; t++)
            if (ru->series[i].pend[t].pending)
                pending += (unsigned long)((ru->series[i].pend[t].hi - ru->series[i].pend[t].lo) /
                                               rollup_tier_ns((enum rollup_tier)t) +
                                           1);
    log_line("rollup: %u series, %lu buckets pending, newest mark %s", ru->nseries, pending,
             ru->mark_seq ? "found" : "none (rollups are back-filled from every stored reading)");
    store_set_retention(ru->store, rollup_retain, ru);
    ru->loop = loop;
    if (loop)
        timer_arm(&loop->timers, &ru->timer, hearth_plat_monotonic_ns() + ROLLUP_TICK_NS, 0, on_timer, ru);
    return 0;
}

void rollup_stop(struct rollup *ru)
{
    if (ru->loop)
        timer_cancel(&ru->loop->timers, &ru->timer);
    ru->loop = NULL;
    store_set_retention(ru->store, NULL, NULL);
}

/* Dropped once now reaches expiry; kept but not worth copying round the ring within a day of it. */
static int verdict(uint64_t expiry, uint64_t now)
{
    if (now >= expiry)
        return STORE_DROP;
    return expiry - now < NS_PER_DAY ? STORE_KEEP_SOON : STORE_KEEP;
}

int rollup_retain(void *arg, const struct store_record *r)
{
    struct rollup *ru = arg;
    enum rollup_tier t;
    uint64_t now = now_ns(ru);
    if (now == 0)
        return STORE_KEEP; /* without the time, no age is known */
    if (r->type == STORE_T_READING) {
        if (r->timestamp_ns < ROLLUP_EPOCH_2020_NS)
            return STORE_KEEP;
        /* The cutoff is now minus the age, so the expiry is the timestamp plus it. */
        uint64_t age = now - raw_cutoff(ru, r->key, r->key_len, now);
        return verdict(r->timestamp_ns + age, now);
    }
    if (r->type == STORE_T_ROLLUP_MARK)
        return r->seq >= ru->mark_seq ? STORE_KEEP : STORE_DROP;
    if (rollup_type_tier(r->type, &t) == 0 && ru->keep_days[t])
        return verdict(r->timestamp_ns + rollup_tier_ns(t) + (uint64_t)ru->keep_days[t] * NS_PER_DAY, now);
    return STORE_KEEP;
}
