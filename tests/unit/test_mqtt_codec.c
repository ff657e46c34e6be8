/* SPDX-License-Identifier: ISC */
/* Unit tests for MQTT framing, parsing, encoding and topic matching, from vector files. */
#include "check.h"
#include "mqtt_codec.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct mqtt_str str(const char *s)
{
    return (struct mqtt_str){(const uint8_t *)s, (uint16_t)strlen(s)};
}

static int str_is(struct mqtt_str s, const char *want)
{
    return s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

static void topic_vector(char **f, int n, const char *where)
{
    if (n != 3) {
        check_record(0, where, 0, "vector has 3 fields");
        return;
    }
    struct mqtt_str filter = str(f[0]), topic = str(f[1]);
    if (strcmp(f[2], "X") == 0) {
        check_record(!mqtt_topic_filter_valid(&filter), where, 0, "filter is refused");
        return;
    }
    check_record(mqtt_topic_filter_valid(&filter), where, 0, "filter is valid");
    check_record(mqtt_topic_matches(&filter, &topic) == atoi(f[2]), where, 0, "match result");
}

/* Checks "key=value" expectations against the parsed packet. */
static void check_fields(const struct mqtt_packet *p, const char *fields, const char *where)
{
    char copy[256], *save = NULL;
    snprintf(copy, sizeof(copy), "%s", fields);
    for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');
        const char *v = eq ? eq + 1 : "";
        if (eq)
            *eq = '\0';
        int ok = 1;
        if (!strcmp(tok, "connect"))
            ok = p->type == MQTT_CONNECT;
        else if (!strcmp(tok, "publish"))
            ok = p->type == MQTT_PUBLISH;
        else if (!strcmp(tok, "subscribe"))
            ok = p->type == MQTT_SUBSCRIBE;
        else if (!strcmp(tok, "unsubscribe"))
            ok = p->type == MQTT_UNSUBSCRIBE;
        else if (!strcmp(tok, "ack"))
            ok = p->type == MQTT_PUBACK;
        else if (!strcmp(tok, "ping"))
            ok = p->type == MQTT_PINGREQ;
        else if (!strcmp(tok, "disconnect"))
            ok = p->type == MQTT_DISCONNECT;
        else if (!strcmp(tok, "clean"))
            ok = p->u.connect.clean_session == atoi(v);
        else if (!strcmp(tok, "keepalive"))
            ok = p->u.connect.keepalive_s == atoi(v);
        else if (!strcmp(tok, "id") && p->type == MQTT_CONNECT)
            ok = str_is(p->u.connect.client_id, v);
        else if (!strcmp(tok, "user"))
            ok = p->u.connect.has_user && str_is(p->u.connect.user, v);
        else if (!strcmp(tok, "pass"))
            ok = p->u.connect.has_password && str_is(p->u.connect.password, v);
        else if (!strcmp(tok, "will"))
            ok = p->u.connect.has_will && str_is(p->u.connect.will_topic, v);
        else if (!strcmp(tok, "qos"))
            ok = p->u.publish.qos == atoi(v);
        else if (!strcmp(tok, "topic"))
            ok = str_is(p->u.publish.topic, v);
        else if (!strcmp(tok, "payload"))
            ok = p->u.publish.payload_len == strlen(v) && memcmp(p->u.publish.payload, v, strlen(v)) == 0;
        else if (!strcmp(tok, "retain"))
            ok = p->u.publish.retain == atoi(v);
        else if (!strcmp(tok, "id") && p->type == MQTT_PUBLISH)
            ok = p->u.publish.packet_id == atoi(v);
        else if (!strcmp(tok, "id") && (p->type == MQTT_SUBSCRIBE || p->type == MQTT_UNSUBSCRIBE))
            ok = p->u.subscribe.packet_id == atoi(v);
        else if (!strcmp(tok, "id"))
            ok = p->u.packet_id == atoi(v);
        else if (!strcmp(tok, "n"))
            ok = p->u.subscribe.count == (unsigned)atoi(v);
        else
            ok = 0;
        check_record(ok, where, 0, tok);
    }
}

static void packet_vector(char **f, int n, const char *where)
{
    uint8_t pkt[512];
    struct mqtt_packet p;
    size_t len = check_from_hex(f[0], pkt, sizeof(pkt));
    int framed = mqtt_packet_length(pkt, len);
    if (n >= 2 && !strcmp(f[1], "MORE")) {
        check_record(framed == 0 || (framed > 0 && (size_t)framed > len), where, 0,
                     "incomplete packet needs more bytes");
        return;
    }
    int rc = framed > 0 && (size_t)framed == len ? mqtt_parse(pkt, len, &p)
                                                 : (framed < 0 ? framed : -HEARTH_EBADMSG);
    int want = !strcmp(f[1], "OK") ? 0 : !strcmp(f[1], "ENOTSUP") ? -HEARTH_ENOTSUP : -HEARTH_EBADMSG;
    check_record(rc == want, where, 0, "parse result");
    if (rc != want)
        check_note("  got %d", rc);
    if (rc == 0 && n >= 3)
        check_fields(&p, f[2], where);
}

static void test_encoders_round_trip(void)
{
    uint8_t buf[64];
    struct mqtt_packet p;
    struct mqtt_str topic = str("hearth/pot1/moisture");
    int len = mqtt_encode_publish(buf, sizeof(buf), &topic, 1, 1, 0, 42, (const uint8_t *)"37", 2);
    CHECK(len > 0);
    CHECK_INT(mqtt_packet_length(buf, (size_t)len), len);
    CHECK_INT(mqtt_parse(buf, (size_t)len, &p), 0);
    CHECK(p.type == MQTT_PUBLISH && p.u.publish.qos == 1 && p.u.publish.retain &&
          p.u.publish.packet_id == 42);
    CHECK(str_is(p.u.publish.topic, "hearth/pot1/moisture") && p.u.publish.payload_len == 2);
    CHECK_INT(mqtt_encode_publish(buf, 10, &topic, 0, 0, 0, 0, NULL, 0), -HEARTH_ERANGE);

    /* A payload big enough for a two-byte remaining length. */
    static uint8_t big[400], payload[300];
    memset(payload, 'x', sizeof(payload));
    len = mqtt_encode_publish(big, sizeof(big), &topic, 0, 0, 0, 0, payload, sizeof(payload));
    CHECK(len > 0 && big[1] & 0x80);
    CHECK_INT(mqtt_parse(big, (size_t)len, &p), 0);
    CHECK(p.u.publish.payload_len == sizeof(payload));

    uint8_t codes[] = {0, 1, 0x80};
    len = mqtt_encode_suback(buf, sizeof(buf), 9, codes, 3);
    CHECK(len == 7 && buf[0] == 0x90 && buf[1] == 5 && buf[3] == 9 && buf[6] == 0x80);
    CHECK_INT(mqtt_encode_connack(buf, sizeof(buf), 0, MQTT_CONNACK_BAD_CREDENTIALS), 4);
    CHECK(buf[0] == 0x20 && buf[3] == 4);
    CHECK_INT(mqtt_encode_ack(buf, sizeof(buf), MQTT_PUBACK, 0x1234), 4);
    CHECK(buf[0] == 0x40 && buf[2] == 0x12 && buf[3] == 0x34);
    CHECK_INT(mqtt_encode_pingresp(buf, 1), -HEARTH_ERANGE);
}

static void test_length_limits(void)
{
    uint8_t too_big[] = {0x30, 0xff, 0xff, 0x03}; /* 65535 + 3: above MQTT_MAX_PACKET */
    CHECK_INT(mqtt_packet_length(too_big, sizeof(too_big)), -HEARTH_ERANGE);
    uint8_t one[] = {0x30};
    CHECK_INT(mqtt_packet_length(one, 1), 0);
}

int main(void)
{
    CHECK(check_vectors("vectors/mqtt_topic.txt", 3, topic_vector) >= 20);
    CHECK(check_vectors("vectors/mqtt_packet.txt", 3, packet_vector) >= 30);
    test_encoders_round_trip();
    test_length_limits();
    return check_summary("mqtt_codec");
}
