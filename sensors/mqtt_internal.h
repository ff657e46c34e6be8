/* SPDX-License-Identifier: ISC */
/* Internal to sensors/mqtt_*.c: the session object and the helpers the broker and session files share. */
#ifndef SENSORS_MQTT_INTERNAL_H
#define SENSORS_MQTT_INTERNAL_H

#include "mqtt_broker.h"

#include <stddef.h>
#include <stdint.h>

#define CLIENT_ID_MAX 64
#define QOS2_PENDING 8

struct mqtt_sub {
    char *filter;
    uint8_t qos;
};

struct mqtt_session {
    struct mqtt_broker *b;
    struct hearth_stream *s; /* NULL while a persistent session waits for its client */
    uint32_t id;
    int connected, closing, busy, clean;
    char client_id[CLIENT_ID_MAX];
    uint16_t keepalive_s;
    struct timer timer; /* CONNECT deadline, then keepalive */
    struct mqtt_sub subs[MQTT_MAX_SUBS];
    unsigned nsubs;
    int has_will, will_retain;
    uint8_t will_qos;
    char *will_topic;
    uint8_t *will_msg;
    size_t will_len;
    uint8_t in[MQTT_MAX_PACKET];
    size_t in_len;
    uint8_t *out;
    size_t out_len, out_sent;
    uint16_t next_packet_id;
    uint16_t inflight[MQTT_MAX_INFLIGHT];
    unsigned ninflight;
    uint16_t qos2[QOS2_PENDING]; /* QoS 2 ids received, waiting for PUBREL: duplicates are dropped */
};

struct mqtt_str mqtt_cstr(const char *s);
char *mqtt_dup_str(struct mqtt_str s);

/* Output: queue bytes (NULL when the subscriber is too far behind), push them to the stream. */
uint8_t *mqtt_out_reserve(struct mqtt_session *m, size_t n);
void mqtt_flush(struct mqtt_session *m);
void mqtt_send_ack(struct mqtt_session *m, enum mqtt_type type, uint16_t id);

/* Lifetime: end the connection (publishing the will when abnormal); leave a callback section. */
void mqtt_session_end(struct mqtt_session *m, int publish_will);
void mqtt_leave(struct mqtt_session *m);
void mqtt_arm_keepalive(struct mqtt_session *m);

/* Routing: to every matching subscriber, and into the retained set. */
void mqtt_deliver_all(struct mqtt_broker *b, const struct mqtt_str *topic, const uint8_t *payload, size_t len,
                      uint8_t qos);
void mqtt_retain_store(struct mqtt_broker *b, const struct mqtt_str *topic, const uint8_t *payload,
                       size_t len, uint8_t qos);
void mqtt_send_retained(struct mqtt_session *m, const struct mqtt_str *filter, uint8_t qos);

#endif
