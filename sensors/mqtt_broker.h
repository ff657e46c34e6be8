/* SPDX-License-Identifier: ISC */
/* A small MQTT 3.1.1 broker over hearth_stream: sessions, QoS 0/1, retained messages, wills, wildcards. */
#ifndef SENSORS_MQTT_BROKER_H
#define SENSORS_MQTT_BROKER_H

#include "loop.h"
#include "mqtt_codec.h"

#include <hearth/stream.h>
#include <stdint.h>

#define MQTT_MAX_SESSIONS 16
#define MQTT_MAX_SUBS 16 /* filters per session */
#define MQTT_MAX_RETAINED 128
#define MQTT_MAX_INFLIGHT 16 /* unacknowledged QoS 1 messages towards one subscriber */
#define MQTT_OUT_CAP (32 * 1024)
#define MQTT_CONNECT_TIMEOUT_NS (10 * 1000000000ull)

struct mqtt_broker;

/* A publication accepted from a client, as handed to the ingest hook. Valid during the call only. */
struct mqtt_publication {
    struct mqtt_str topic, client_id;
    const uint8_t *payload;
    size_t payload_len;
    uint8_t qos;
    int retain;
};

/*
 * Ingest hook, called for every PUBLISH before it is acknowledged or forwarded. For QoS 1 the broker
 * sends PUBACK only once mqtt_broker_durable(broker, ticket) is called (the reading is on disk); the
 * hook returns 0 after arranging that, 1 when the message needs no durability (PUBACK at once), or a
 * negative code to refuse it (the client is disconnected: 3.1.1 has no negative acknowledgement).
 */
typedef int (*mqtt_ingest_fn)(struct mqtt_broker *b, const struct mqtt_publication *pub, uint64_t ticket,
                              void *arg);

/* Authentication hook: returns MQTT_CONNACK_ACCEPTED or the CONNACK code to refuse with. */
typedef enum mqtt_connack_code (*mqtt_auth_fn)(const struct mqtt_str *client_id, const struct mqtt_str *user,
                                               const struct mqtt_str *password, void *arg);

struct mqtt_broker_stats {
    unsigned long connects, refused, published, delivered, dropped, protocol_errors;
};

/* Prepares b; hooks may be NULL (no auth: everybody is accepted; no ingest: every PUBACK at once). */
void mqtt_broker_init(struct mqtt_broker *b, struct loop *loop, mqtt_auth_fn auth, void *auth_arg,
                      mqtt_ingest_fn ingest, void *ingest_arg);

/* The accept callback for listeners (tcp_stream_listen(1883, ...), tls_listen(8883, ...)). */
int mqtt_broker_accept(struct hearth_stream *s, void *broker);

/* Completes the QoS 1 publication identified by ticket: sends its PUBACK if the client is still there. */
void mqtt_broker_durable(struct mqtt_broker *b, uint64_t ticket);

/* Publishes from inside the hub (e.g. a processed reading) to the subscribers, as if from a client. */
int mqtt_broker_publish(struct mqtt_broker *b, const char *topic, const void *payload, size_t len,
                        uint8_t qos, int retain);

const struct mqtt_broker_stats *mqtt_broker_stats(const struct mqtt_broker *b);

/* Internal layout, here so callers can embed the broker; touch only through the functions above. */
struct mqtt_retained {
    char *topic;
    uint8_t *payload;
    size_t payload_len;
    uint8_t qos;
};

struct mqtt_session;

struct mqtt_broker {
    struct loop *loop;
    mqtt_auth_fn auth;
    void *auth_arg;
    mqtt_ingest_fn ingest;
    void *ingest_arg;
    struct mqtt_session *sessions[MQTT_MAX_SESSIONS];
    struct mqtt_retained retained[MQTT_MAX_RETAINED];
    uint32_t next_session_id;
    struct mqtt_broker_stats stats;
};

#endif
