/* SPDX-License-Identifier: ISC */
/* Sensor ingest: validated readings into the store, acknowledged only once durable. */
#ifndef SENSORS_INGEST_H
#define SENSORS_INGEST_H

#include "mqtt_broker.h"
#include "store.h"

struct ingest_stats {
    unsigned long accepted, durable, rejected, not_readings;
};

struct ingest {
    struct store *store; /* NULL: no disk, readings cannot be kept */
    struct mqtt_broker *broker;
    int (*wall_ns)(int64_t *unix_ns);
    struct ingest_stats stats;
};

/* Prepares in; store may be NULL (QoS 1 readings are then refused: they could not be kept). */
void ingest_init(struct ingest *in, struct store *store, struct mqtt_broker *broker,
                 int (*wall_ns)(int64_t *));

/* The broker's ingest hook (mqtt_ingest_fn); arg is the struct ingest. */
int ingest_mqtt(struct mqtt_broker *b, const struct mqtt_publication *pub, uint64_t ticket, void *arg);

#endif
