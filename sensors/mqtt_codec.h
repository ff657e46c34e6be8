/* SPDX-License-Identifier: ISC */
/* MQTT 3.1.1 packet framing, parsing and encoding (the subset a small broker needs), distrusting input. */
#ifndef SENSORS_MQTT_CODEC_H
#define SENSORS_MQTT_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define MQTT_MAX_PACKET (16 * 1024) /* larger packets are a protocol violation for this broker */
#define MQTT_MAX_TOPICS_PER_SUBSCRIBE 16

enum mqtt_type {
    MQTT_CONNECT = 1,
    MQTT_CONNACK = 2,
    MQTT_PUBLISH = 3,
    MQTT_PUBACK = 4,
    MQTT_PUBREC = 5,
    MQTT_PUBREL = 6,
    MQTT_PUBCOMP = 7,
    MQTT_SUBSCRIBE = 8,
    MQTT_SUBACK = 9,
    MQTT_UNSUBSCRIBE = 10,
    MQTT_UNSUBACK = 11,
    MQTT_PINGREQ = 12,
    MQTT_PINGRESP = 13,
    MQTT_DISCONNECT = 14,
};

/* CONNACK return codes (3.1.1 section 3.2.2.3). */
enum mqtt_connack_code {
    MQTT_CONNACK_ACCEPTED = 0,
    MQTT_CONNACK_BAD_PROTOCOL = 1,
    MQTT_CONNACK_ID_REJECTED = 2,
    MQTT_CONNACK_UNAVAILABLE = 3,
    MQTT_CONNACK_BAD_CREDENTIALS = 4,
    MQTT_CONNACK_NOT_AUTHORIZED = 5,
};

/* A length-prefixed string or blob inside the packet buffer; not NUL-terminated. */
struct mqtt_str {
    const uint8_t *p;
    uint16_t len;
};

struct mqtt_packet {
    enum mqtt_type type;
    uint8_t flags; /* low nibble of the fixed header */
    union {
        struct {
            uint8_t level; /* 4 for 3.1.1 */
            int clean_session, has_will, will_retain, has_user, has_password;
            uint8_t will_qos;
            uint16_t keepalive_s;
            struct mqtt_str client_id, will_topic, will_message, user, password;
        } connect;
        struct {
            uint8_t qos;
            int dup, retain;
            struct mqtt_str topic;
            uint16_t packet_id; /* 0 for QoS 0 */
            const uint8_t *payload;
            size_t payload_len;
        } publish;
        struct {
            uint16_t packet_id;
            unsigned count;
            struct mqtt_str filters[MQTT_MAX_TOPICS_PER_SUBSCRIBE];
            uint8_t qos[MQTT_MAX_TOPICS_PER_SUBSCRIBE]; /* requested; UNSUBSCRIBE leaves these 0 */
        } subscribe;                                    /* also UNSUBSCRIBE */
        uint16_t packet_id;                             /* PUBACK, PUBREC, PUBREL, PUBCOMP */
    } u;
};

/*
 * Length of the first packet in buf[0, len): header plus remaining length, known as soon as the fixed
 * header is (the packet itself may still be incomplete: compare with len). Returns it, 0 while the fixed
 * header is incomplete, -HEARTH_EBADMSG for a malformed length (more than 4 bytes), -HEARTH_ERANGE when
 * the packet would exceed MQTT_MAX_PACKET.
 */
int mqtt_packet_length(const uint8_t *buf, size_t len);

/*
 * Parses the complete packet pkt[0, len) (as measured by mqtt_packet_length) into *out; string fields
 * point into pkt. Returns 0, -HEARTH_EBADMSG for any violation of the 3.1.1 packet format (reserved
 * flags, lengths running past the packet, invalid UTF-8 or U+0000 in strings, QoS 3, zero packet ids,
 * empty SUBSCRIBE), -HEARTH_ENOTSUP for a valid packet type the broker does not take from clients.
 */
int mqtt_parse(const uint8_t *pkt, size_t len, struct mqtt_packet *out);

/* Encoders: write into buf (cap bytes) and return the length, or -HEARTH_ERANGE if it does not fit. */
int mqtt_encode_connack(uint8_t *buf, size_t cap, int session_present, enum mqtt_connack_code code);
int mqtt_encode_ack(uint8_t *buf, size_t cap, enum mqtt_type type, uint16_t packet_id);
int mqtt_encode_suback(uint8_t *buf, size_t cap, uint16_t packet_id, const uint8_t *codes, unsigned count);
int mqtt_encode_pingresp(uint8_t *buf, size_t cap);
int mqtt_encode_publish(uint8_t *buf, size_t cap, const struct mqtt_str *topic, uint8_t qos, int retain,
                        int dup, uint16_t packet_id, const uint8_t *payload, size_t payload_len);

/* Topic names (PUBLISH): 1..65535 bytes, valid UTF-8, no '+' or '#'. Returns 1 if valid. */
int mqtt_topic_name_valid(const struct mqtt_str *topic);

/* Topic filters (SUBSCRIBE): '+' alone in a level, '#' alone and last. Returns 1 if valid. */
int mqtt_topic_filter_valid(const struct mqtt_str *filter);

/* Whether topic matches filter; '$'-topics are not matched by a leading wildcard. */
int mqtt_topic_matches(const struct mqtt_str *filter, const struct mqtt_str *topic);

#endif
