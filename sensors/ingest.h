/* SPDX-License-Identifier: ISC */
/* Sensor ingest: validated readings into the store, acknowledged only once durable, for every protocol. */
#ifndef SENSORS_INGEST_H
#define SENSORS_INGEST_H

#include "mqtt_broker.h"
#include "reading.h"
#include "store.h"

struct ingest_stats {
    unsigned long accepted, durable, rejected, not_readings, limited;
};

/* Told about every accepted reading (after validation, before it is durable); r is valid during the call. */
typedef void (*ingest_observer_fn)(void *arg, const struct reading *r, uint64_t seq);

#define INGEST_MAX_OBSERVERS 4

/* Optional hooks on the MQTT path (the sensor registry's); arg is passed to both. */
struct ingest_mqtt_hooks {
    /* Before a parsed reading is submitted: 0 takes it; a negative code drops it (the hook logs why). */
    int (*admit)(void *arg, const struct reading *r, const char *source);
    /* Publications outside hearth/ (e.g. homeassistant/... discovery); the result is only informative. */
    int (*other)(void *arg, const char *topic, size_t topic_len, const uint8_t *payload, size_t payload_len);
    void *arg;
};

struct ingest {
    struct store *store; /* NULL: no disk, readings cannot be kept */
    struct mqtt_broker *broker;
    int (*wall_ns)(int64_t *unix_ns);
    struct ingest_stats stats;
    struct {
        ingest_observer_fn fn;
        void *arg;
    } observers[INGEST_MAX_OBSERVERS];
    unsigned observer_count;
    struct ingest_mqtt_hooks mqtt_hooks;
};

/*
 * Called once per reading handed to ingest_submit with done set: status 0 once it is durable, or a
 * negative -HEARTH_E* when it can no longer become durable (the store failed). Runs from the store's
 * commit (inside ingest_commit, a later ingest_submit or the loop's commit timer), never from inside
 * the ingest_submit call that queued it.
 */
typedef void (*ingest_done_fn)(void *arg, int status);

/* Prepares in; store may be NULL (readings are then refused: they could not be kept). broker may be NULL. */
void ingest_init(struct ingest *in, struct store *store, struct mqtt_broker *broker,
                 int (*wall_ns)(int64_t *));

/* Adds an observer (registry last-seen, rollups, CoAP observe). Returns 0 or -HEARTH_ENOSPC. */
int ingest_add_observer(struct ingest *in, ingest_observer_fn fn, void *arg);

/*
 * Validates r (reading_validate against the wall clock when there is one), fills a zero timestamp with
 * now, and appends it to the store. With done, done(arg, status) follows once (see ingest_done_fn).
 * Returns 0 (queued), -HEARTH_ERANGE (implausible value or timestamp: logged with source, not stored),
 * -HEARTH_EIO (no store, or the store failed), -HEARTH_ENOMEM, or the store's append error.
 */
int ingest_submit(struct ingest *in, struct reading *r, const char *source, ingest_done_fn done, void *arg);

/*
 * Makes everything submitted so far durable now (one write batch and one flush), running the done
 * callbacks. For protocols that answer synchronously (HTTP 201). Returns 0, -HEARTH_EIO (no store or it
 * failed) or -HEARTH_EBUSY.
 */
int ingest_commit(struct ingest *in);

/* Installs the MQTT hooks (a copy of *hooks; NULL removes them). */
void ingest_set_mqtt_hooks(struct ingest *in, const struct ingest_mqtt_hooks *hooks);

/* The broker's ingest hook (mqtt_ingest_fn); arg is the struct ingest. */
int ingest_mqtt(struct mqtt_broker *b, const struct mqtt_publication *pub, uint64_t ticket, void *arg);

#endif
