/* SPDX-License-Identifier: ISC */
/* libFuzzer target for the MQTT codec and the reading parsers: a client's bytes, packet by packet. */
#include "mqtt_codec.h"
#include "reading.h"

#include <hearth/err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, int rc)
{
    fprintf(stderr, "mqtt: rc %d: %s\n", rc, what);
    abort();
}

static void check_publish(const struct mqtt_packet *p)
{
    /* A parsed PUBLISH must re-encode into a packet that parses to the same fields. */
    size_t cap = 16 + p->u.publish.topic.len + p->u.publish.payload_len;
    uint8_t *buf = malloc(cap);
    int n = mqtt_encode_publish(buf, cap, &p->u.publish.topic, p->u.publish.qos > 1 ? 1 : p->u.publish.qos,
                                p->u.publish.retain, 0, p->u.publish.qos ? p->u.publish.packet_id : 0,
                                p->u.publish.payload, p->u.publish.payload_len);
    struct mqtt_packet back;
    if (n < 0 || mqtt_parse(buf, (size_t)n, &back) != 0 ||
        back.u.publish.payload_len != p->u.publish.payload_len ||
        back.u.publish.topic.len != p->u.publish.topic.len)
        fail("PUBLISH does not survive a re-encode", n);
    struct reading r;
    if (reading_parse_topic((const char *)p->u.publish.topic.p, p->u.publish.topic.len, &r) == 0) {
        if (strlen(r.sensor) == 0 || strlen(r.quantity) == 0)
            fail("reading topic with an empty part", 0);
        if (reading_parse_payload(p->u.publish.payload, p->u.publish.payload_len, &r) == 0)
            (void)reading_validate(&r, 1800000000);
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    while (off < size) {
        int total = mqtt_packet_length(data + off, size - off);
        if (total < 0 && total != -HEARTH_EBADMSG && total != -HEARTH_ERANGE)
            fail("mqtt_packet_length: undocumented error", total);
        if (total <= 0 || (size_t)total > size - off)
            break;
        struct mqtt_packet p;
        int rc = mqtt_parse(data + off, (size_t)total, &p);
        if (rc != 0 && rc != -HEARTH_EBADMSG && rc != -HEARTH_ENOTSUP)
            fail("mqtt_parse: undocumented error", rc);
        if (rc == 0 && p.type == MQTT_PUBLISH)
            check_publish(&p);
        if (rc == 0 && p.type == MQTT_SUBSCRIBE) {
            for (unsigned i = 0; i < p.u.subscribe.count; i++) {
                if (!mqtt_topic_filter_valid(&p.u.subscribe.filters[i]))
                    fail("SUBSCRIBE accepted an invalid filter", 0);
                struct mqtt_str t = {(const uint8_t *)"hearth/pot1/moisture", 20};
                (void)mqtt_topic_matches(&p.u.subscribe.filters[i], &t);
            }
        }
        off += (size_t)total;
    }
    /* The raw bytes as a reading payload too: the parsers see payloads from every protocol. */
    struct reading r;
    if (reading_parse_payload(data, size, &r) == 0 && r.value != r.value)
        fail("NaN accepted as a reading", 0);
    return 0;
}
