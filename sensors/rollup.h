/* SPDX-License-Identifier: ISC */
/* Retention tiers: per-series 1-minute, 1-hour and 1-day rollups of the raw readings, and their ages. */
#ifndef SENSORS_ROLLUP_H
#define SENSORS_ROLLUP_H

#include "loop.h"
#include "reading.h"
#include "store.h"
#include "timer.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * How rollups are made, and why a crash can neither double-count nor miss a reading:
 *
 * - A rollup record is never an increment. The record of bucket B (type STORE_T_ROLLUP_1M/1H/1D, key
 *   "<sensor>/<quantity>" as the readings', timestamp_ns the bucket's start, payload below) is computed
 *   from scratch from the raw readings of B in the store at that moment. Writing it again gives the
 *   same record or a fuller one; readers take the version with the highest seq.
 * - Every accepted reading marks its bucket in each tier as pending (in memory: one interval of bucket
 *   starts per series and tier). A pass (rollup_tick) computes the pending buckets that are due, i.e.
 *   whose end plus ROLLUP_GRACE_NS has passed on the wall clock, writes a version of each that differs
 *   from the newest one stored, then appends a mark {R, T}: every reading with seq < R has had each of
 *   its due-at-T buckets computed after it was appended. The mark comes last and the store recovers a
 *   prefix of its log, so a surviving mark implies the pass's records survived too.
 * - At start (rollup_start) the newest mark {R, T} bounds what can be outstanding: the buckets of
 *   readings with seq >= R, and those of readings that were not due at T (ts >= T - 1 day - grace).
 *   Those buckets become pending again and are recomputed: at worst a record is written twice, with
 *   the same content. Without any mark (a store from before rollups) every stored reading is pending:
 *   the rollups are back-filled from all raw data.
 * - A reading whose bucket is already written (late, out of order) marks it pending like any other, so
 *   the bucket is recomputed and a new version supersedes the old one: a rollup always equals the
 *   aggregate of every raw reading of its bucket, whatever the arrival order. Two exceptions keep
 *   history from shrinking: a reading older than its sensor's raw retention changes no rollup (the
 *   bucket's other readings may be gone), and a recomputation that finds fewer readings than the
 *   stored version (raw evicted for space) keeps the stored version.
 * - Readings before 2020 (stamped by a hub without a wall clock) are in no rollup and never expire
 *   by age: their time is unknown.
 *
 * Retention (rollup_retain, installed as the store's policy): raw readings live raw_days (per-sensor
 * override hook, at least ROLLUP_MIN_RAW_DAYS so a 1-day bucket can always be recomputed), rollups
 * keep_days per tier (0: forever), marks until a newer one is durable. Without a wall clock nothing
 * expires. Records within a day of their expiry are STORE_KEEP_SOON, so store_expire retires a segment
 * only once its short-lived records are all due rather than copy them (raw data goes at most one
 * segment's time span late). rollup_tick runs store_expire once an hour.
 */

enum rollup_tier { ROLLUP_1M, ROLLUP_1H, ROLLUP_1D, ROLLUP_TIERS };

#define ROLLUP_GRACE_NS (10 * 1000000000ull)
#define ROLLUP_MAX_SERIES 64
#define ROLLUP_MIN_RAW_DAYS 2u
#define ROLLUP_DEFAULT_RAW_DAYS 7u
#define ROLLUP_TICK_NS (5 * 1000000000ull)
#define ROLLUP_EPOCH_2020_NS 1577836800000000000ull

/* An aggregate of readings: count, min, max, sum (mean = sum / count), first and last timestamp. */
struct rollup_agg {
    uint32_t count;
    double min, max, sum;
    uint64_t first_ns, last_ns;
};

/*
 * Payload of a rollup record (little-endian, ROLLUP_PAYLOAD_LEN bytes): 0 u8 version (1), 1 u8 tier,
 * 2 u16 zero, 4 u32 count (>= 1), 8 f64 min, 16 f64 max, 24 f64 sum (IEEE 754 bits), 32 u64 first_ns,
 * 40 u64 last_ns. Payload of a mark (ROLLUP_MARK_LEN): 0 u8 version (1), 1..7 zero, 8 u64 R, 16 u64 T.
 */
#define ROLLUP_PAYLOAD_LEN 48u
#define ROLLUP_MARK_LEN 24u

struct rollup_mark {
    uint64_t reflected_seq; /* R */
    uint64_t wall_ns;       /* T */
};

/* rollup_codec.c: the pure parts. */

/* Bucket length of a tier in ns; its store type; its API name ("1m", "1h", "1d"). */
uint64_t rollup_tier_ns(enum rollup_tier t);
uint8_t rollup_tier_type(enum rollup_tier t);
const char *rollup_tier_name(enum rollup_tier t);
/* The tier of a store type or API name: 0 with *t set, or -HEARTH_EINVAL. */
int rollup_type_tier(uint8_t type, enum rollup_tier *t);
int rollup_tier_parse(const char *name, enum rollup_tier *t);
/* The start of the bucket holding ts. */
uint64_t rollup_bucket(enum rollup_tier t, uint64_t ts_ns);

/* Adds one reading / merges b into a (a may be empty: count 0). */
void rollup_agg_add(struct rollup_agg *a, uint64_t ts_ns, double value);
void rollup_agg_merge(struct rollup_agg *a, const struct rollup_agg *b);
bool rollup_agg_equal(const struct rollup_agg *a, const struct rollup_agg *b);

/* Encodes a (count >= 1) for tier t into out (ROLLUP_PAYLOAD_LEN bytes). */
void rollup_encode(const struct rollup_agg *a, enum rollup_tier t, uint8_t *out);
/*
 * Decodes a rollup payload read from disk. Returns 0, or -HEARTH_EBADMSG for a wrong length or version,
 * another tier than t, count 0, a non-finite or out-of-order min/max, or first_ns > last_ns.
 */
int rollup_decode(const uint8_t *p, size_t len, enum rollup_tier t, struct rollup_agg *out);
void rollup_mark_encode(const struct rollup_mark *m, uint8_t *out);
/* Returns 0 or -HEARTH_EBADMSG (length, version, non-zero reserved bytes). */
int rollup_mark_decode(const uint8_t *p, size_t len, struct rollup_mark *out);
/* A stored reading's value (reading_encode_value's text): 0, or -HEARTH_EBADMSG if it is not a finite
 * number of at most 39 characters. */
int rollup_parse_value(const uint8_t *p, size_t len, double *out);

/* rollup.c: the service. */

/* Per-sensor raw retention in days (0: the default); sensor is not NUL-terminated. */
typedef uint32_t (*rollup_raw_days_fn)(void *arg, const char *sensor, size_t len);

struct rollup_series {
    char key[STORE_KEY_MAX + 1]; /* "<sensor>/<quantity>" */
    uint8_t key_len;
    struct {
        uint64_t lo, hi; /* pending bucket starts, both included */
        bool pending;
    } pend[ROLLUP_TIERS];
};

struct rollup_stats {
    unsigned long observed, undated, too_old, refused, written, unchanged, kept_fuller, passes, marks;
    unsigned long expired_segments;
};

struct rollup {
    struct store *store;
    int (*wall_ns)(int64_t *unix_ns);
    uint32_t raw_days;                /* [ROLLUP_DEFAULT_RAW_DAYS] */
    uint32_t keep_days[ROLLUP_TIERS]; /* [30, 730, 0 (forever)] */
    rollup_raw_days_fn raw_days_for;  /* NULL: raw_days for every sensor */
    void *raw_days_arg;
    struct rollup_series series[ROLLUP_MAX_SERIES];
    unsigned nseries;
    uint64_t mark_seq; /* the newest durable mark: older ones may go */
    uint64_t last_expire_ns;
    struct loop *loop;
    struct timer timer;
    struct rollup_stats stats;
};

/* Prepares ru over st (not NULL) with the default ages; wall_ns gives Unix time (an error: unknown). */
void rollup_init(struct rollup *ru, struct store *st, int (*wall_ns)(int64_t *unix_ns));

/* Installs the per-sensor raw retention hook (the sensor registry); fn NULL restores the default. */
void rollup_set_raw_days_fn(struct rollup *ru, rollup_raw_days_fn fn, void *arg);

/*
 * Recovers the pending buckets from the newest mark (see above), installs rollup_retain as the store's
 * retention policy and, with loop, arms the pass timer (every ROLLUP_TICK_NS, sooner while a backlog
 * remains). Call before the first reading is observed. Returns 0 or the store's error.
 */
int rollup_start(struct rollup *ru, struct loop *loop);

/* Stops the timer and removes the retention policy (before store_close). */
void rollup_stop(struct rollup *ru);

/* The ingest observer (ingest_add_observer(in, rollup_observe, ru)): marks the reading's buckets. */
void rollup_observe(void *arg, const struct reading *r, uint64_t seq);

/*
 * One pass at wall time now_ns: computes up to a bounded number of due buckets, writes the versions
 * that changed and, if no due bucket is left, a mark, then commits; once an hour also runs
 * store_expire. Returns 1 if due buckets remain (call again soon), 0, or the store's error.
 */
int rollup_tick(struct rollup *ru, uint64_t now_ns);

/* The store retention policy described above (arg: the struct rollup); returns an enum store_retain. */
int rollup_retain(void *arg, const struct store_record *rec);

/* The series of key, or NULL. */
const struct rollup_series *rollup_find(const struct rollup *ru, const char *key, size_t key_len);

/* Whether bucket b of tier t of series s is pending (its record, if any, may be stale). */
bool rollup_pending(const struct rollup_series *s, enum rollup_tier t, uint64_t b);

/* rollup_query.c: answers for the API. */

/* One point: a bucket's start and aggregate, or (raw) a reading's timestamp and value in a->sum. */
typedef int (*rollup_point_fn)(void *arg, uint64_t t_ns, const struct rollup_agg *a);

/*
 * The buckets of tier t of series key with data in [from_ns, to_ns), oldest first, at most limit (>= 1)
 * of them: with more, the newest limit and *truncated set. A pending bucket (or one without a record)
 * is computed from the raw readings, any other is its newest record. fn's non-zero return stops.
 * Returns 0, fn's value, -HEARTH_EINVAL, -HEARTH_ENOMEM or the store's error.
 */
int rollup_query(struct rollup *ru, const char *key, enum rollup_tier t, uint64_t from_ns, uint64_t to_ns,
                 uint32_t limit, rollup_point_fn fn, void *arg, bool *truncated);

/* The raw readings of series key in [from_ns, to_ns), oldest first, at most limit (the newest ones). */
int rollup_query_raw(struct rollup *ru, const char *key, uint64_t from_ns, uint64_t to_ns, uint32_t limit,
                     rollup_point_fn fn, void *arg, bool *truncated);

#endif
