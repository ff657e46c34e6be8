/* SPDX-License-Identifier: ISC */
/* The sensor registry: names, kinds, units, first/last seen, API tokens (hashed) and rate limits per sensor.
 */
#ifndef SENSORS_REGISTRY_H
#define SENSORS_REGISTRY_H

#include "json.h"
#include "reading.h"
#include "store.h"

#include <stddef.h>
#include <stdint.h>

#define REGISTRY_MAX_SENSORS 64
#define REGISTRY_MAX_QUANTITIES 8 /* per sensor; further quantities are stored but not described */
#define REGISTRY_NAME_MAX 48      /* bytes of UTF-8, display name and location */
#define REGISTRY_KIND_MAX 24      /* [a-z0-9-], e.g. "plant-pot", "fridge", "thermometer", "door" */
#define REGISTRY_UNIT_MAX 16      /* bytes of UTF-8, e.g. "°C", "%" */
#define REGISTRY_DISCOVERY_MAX 64 /* "<component>/[<node_id>/]<object_id>" of a Home Assistant config */
#define REGISTRY_TOKEN_LEN 64     /* a token is 32 random bytes as lowercase hex */
#define REGISTRY_DEFAULT_BURST 20
#define REGISTRY_DEFAULT_RATE 1.0 /* readings per second, sustained */
#define REGISTRY_MIN_RAW_DAYS 2u  /* the rollups recompute buckets from raw readings up to a day old */
#define REGISTRY_MAX_RAW_DAYS 3650u
/* At most one rate-limit log line per sensor this often. */
#define REGISTRY_LIMIT_LOG_NS (10 * 1000000000ull)
/* The owner may allow up to this much (a vibration or power meter sampling fast; bench/mqtt_bench.sh). */
#define REGISTRY_MAX_BURST 10000000
#define REGISTRY_MAX_RATE 10000000.0
#define REGISTRY_SEEN_PERSIST_S 600   /* last-seen is written at most this often */
#define REGISTRY_KEY_PREFIX "sensor/" /* STORE_T_CONFIG key: "sensor/<id>" */
#define REGISTRY_RECORD_VALUES 96     /* JSON values a sensor record may hold */

struct registry_quantity {
    char quantity[READING_QUANTITY_MAX + 1];
    char unit[REGISTRY_UNIT_MAX + 1];           /* "" when unknown */
    char discovery[REGISTRY_DISCOVERY_MAX + 1]; /* "" or the discovery config that described it */
};

struct registry_sensor {
    char id[READING_SENSOR_MAX + 1];
    char name[REGISTRY_NAME_MAX + 1];
    char kind[REGISTRY_KIND_MAX + 1];
    char location[REGISTRY_NAME_MAX + 1];
    char origin[12]; /* who created it: "owner", "mqtt" or "discovery" */
    struct registry_quantity q[REGISTRY_MAX_QUANTITIES];
    unsigned q_count;
    uint64_t first_seen_s, last_seen_s; /* Unix seconds of the first and latest accepted reading; 0: never */
    uint8_t token_hash[32];             /* SHA-256 of the token; only with has_token */
    int has_token;
    uint32_t burst; /* rate limit: this many readings at once, then rate per second */
    double rate;
    uint32_t raw_days; /* raw readings are kept this many days, then only rollups (0: the hub's default) */
    /* Runtime state, not persisted. */
    uint64_t tat_ns;           /* rate limit (GCRA): the theoretical arrival time, monotonic ns */
    uint64_t persisted_seen_s; /* last_seen_s as last written to the store */
    uint64_t seq;              /* the store record this state was loaded from (latest wins) */
    unsigned long limited;     /* readings refused by the rate limit */
    uint64_t limited_log_ns;   /* when the last rate-limit line was logged (monotonic ns; 0: never) */
};

struct registry_stats {
    unsigned long limited, auto_registered, discovered, persist_errors, full;
};

struct registry {
    struct store *store;                  /* NULL: nothing persists */
    int (*random)(void *buf, size_t len); /* NULL: no tokens can be made */
    int (*wall_ns)(int64_t *unix_ns);     /* NULL: first/last seen come from the readings' timestamps */
    struct registry_sensor *sensors[REGISTRY_MAX_SENSORS];
    unsigned count;
    struct registry_stats stats;
};

/* Prepares an empty registry. Every argument may be NULL (see struct registry). */
void registry_init(struct registry *reg, struct store *store, int (*random)(void *buf, size_t len),
                   int (*wall_ns)(int64_t *unix_ns));

/* Frees every sensor; reg is empty afterwards (registry_init state, hooks kept). */
void registry_reset(struct registry *reg);

/*
 * Loads every "sensor/<id>" STORE_T_CONFIG record (the highest seq of each key wins). Records that do
 * not parse are logged and skipped. Returns the number of sensors, or the store's iteration error.
 */
int registry_load(struct registry *reg);

/* The sensor with this id, or NULL. Valid until the registry changes. */
struct registry_sensor *registry_find(struct registry *reg, const char *id);

/*
 * How many days sensor (len bytes, not terminated) keeps raw readings: its raw_days, or 0 for the hub's
 * default (and for unknown sensors). The rollups' retention hook (rollup_set_raw_days_fn); arg is the
 * registry. Reads memory only, so it may run inside store compaction.
 */
uint32_t registry_raw_days(void *arg, const char *sensor, size_t len);

/*
 * The entry for quantity q of s, or NULL; with create, a new one when missing (NULL when q is not a valid
 * quantity or s has REGISTRY_MAX_QUANTITIES already).
 */
struct registry_quantity *registry_quantity(struct registry_sensor *s, const char *q, int create);

/*
 * Creates (origin "owner") or updates sensor id from an owner's JSON object obj of doc with any of
 * "name", "kind", "location" (strings), "units" (object quantity -> unit string), "burst" (integer
 * 1..REGISTRY_MAX_BURST), "rate" (readings per second, 0.001..REGISTRY_MAX_RATE), "raw_days" (0: the default,
 * or REGISTRY_MIN_RAW_DAYS..REGISTRY_MAX_RAW_DAYS). A new sensor gets a token: its text is written to
 * token_out (REGISTRY_TOKEN_LEN + 1 bytes, caller-owned) and *created set; the token is not kept, only its
 * hash. The record is made durable before returning. Returns 0, -HEARTH_EINVAL (bad id, or a bad member:
 * *field names it), -HEARTH_ENOSPC (the registry is full), -HEARTH_ENOTSUP (no random source for a new
 * token), or the store's errors (-HEARTH_EIO ...); nothing changes on error.
 */
int registry_put(struct registry *reg, const char *id, const struct json_doc *doc,
                 const struct json_value *obj, char token_out[REGISTRY_TOKEN_LEN + 1], int *created,
                 const char **field);

/*
 * Gives sensor id a new token (the old one stops working), written to token_out; durable before
 * returning. Returns 0, -HEARTH_ENOENT, -HEARTH_ENOTSUP (no random source) or the store's errors.
 */
int registry_rotate_token(struct registry *reg, const char *id, char token_out[REGISTRY_TOKEN_LEN + 1]);

/*
 * The sensor whose token is token[0, len), or NULL. Every sensor's hash is compared in constant time,
 * so the answer's timing does not depend on how much of a token matched.
 */
struct registry_sensor *registry_authenticate(struct registry *reg, const char *token, size_t len);

/*
 * Takes n readings from sensor id's rate limit (token bucket of burst readings refilled at rate per
 * second, on the monotonic clock). Returns 0; -HEARTH_EAGAIN when over the limit (nothing taken;
 * *retry_after_s says when n would fit, at least 1); -HEARTH_ERANGE when n exceeds the burst (never
 * fits); -HEARTH_ENOENT for an unknown sensor. Refusals are counted.
 */
int registry_admit(struct registry *reg, const char *id, unsigned n, uint32_t *retry_after_s);

/*
 * The ingest observer (ingest_observer_fn; arg is the registry): registers unknown sensors (origin
 * "mqtt", no token), notes new quantities and first/last seen, and persists last-seen lazily (at most
 * every REGISTRY_SEEN_PERSIST_S per sensor) so that readings do not flood the store with config records.
 */
void registry_observe(void *arg, const struct reading *r, uint64_t seq);

/*
 * The MQTT gate (arg is the registry): 0 to take the reading, or a negative code to drop it (logged once
 * per run of refusals, counted): -HEARTH_EAGAIN over the rate limit, -HEARTH_ENOSPC for a new sensor
 * when the registry is full. A new sensor's first reading is always taken (the observer registers it).
 */
int registry_mqtt_admit(void *arg, const struct reading *r, const char *source);

/*
 * Home Assistant MQTT discovery: for topic "homeassistant/<component>/[<node_id>/]<object_id>/config",
 * a JSON config whose state_topic (or stat_t, with "~" expanded) is "hearth/<sensor>/<quantity>"
 * registers or updates that sensor: name (device name, else the entity name), the quantity's unit
 * (unit_of_measurement / unit_of_meas) and, when the sensor has none yet, a kind from device_class. An
 * empty payload removes the discovery entry (the sensor and its data stay). Returns 0 (handled),
 * -HEARTH_ENOENT (not a discovery topic), -HEARTH_EINVAL (a config that is not JSON or not about a
 * hearth/ topic: logged), -HEARTH_ENOSPC (registry full) or a store error.
 */
int registry_discovery(struct registry *reg, const char *topic, size_t topic_len, const uint8_t *payload,
                       size_t payload_len);

/* registry_discovery as the ingest's MQTT "other" hook (arg is the registry). */
int registry_mqtt_discovery(void *arg, const char *topic, size_t topic_len, const uint8_t *payload,
                            size_t payload_len);

/*
 * Writes sensor s as a JSON object into o. With secret set (the stored form) the token hash is included;
 * without it (the API) only whether there is a token, plus runtime counters.
 */
void registry_sensor_json(const struct registry_sensor *s, struct json_out *o, int secret);

#endif
