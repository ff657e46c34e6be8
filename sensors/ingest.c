/* SPDX-License-Identifier: ISC */
/* Readings from MQTT into the store: parse, validate, append, and PUBACK from the durability callback. */
#include "ingest.h"

#include "log.h"
#include "reading.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <stdlib.h>
#include <string.h>

/* One pending acknowledgement: freed by the store's durability callback. */
struct pending_ack {
    struct ingest *in;
    uint64_t ticket;
};

void ingest_init(struct ingest *in, struct store *store, struct mqtt_broker *broker,
                 int (*wall_ns)(int64_t *))
{
    memset(in, 0, sizeof(*in));
    in->store = store;
    in->broker = broker;
    in->wall_ns = wall_ns;
}

static void on_durable(void *arg, uint64_t seq, int status)
{
    struct pending_ack *ack = arg;
    (void)seq;
    if (status == 0) {
        ack->in->stats.durable++;
        mqtt_broker_durable(ack->in->broker, ack->ticket);
    }
    /* A failed store never acknowledges: the client keeps the message and sends it again. */
    free(ack);
}

int ingest_mqtt(struct mqtt_broker *b, const struct mqtt_publication *pub, uint64_t ticket, void *arg)
{
    struct ingest *in = arg;
    struct reading r;
    (void)b;
    int rc = reading_parse_topic((const char *)pub->topic.p, pub->topic.len, &r);
    if (rc == -HEARTH_ENOENT) {
        in->stats.not_readings++;
        return 1; /* other topics are only routed, e.g. homeassistant/... discovery */
    }
    int64_t now_ns = 0;
    int have_clock = in->wall_ns && in->wall_ns(&now_ns) == 0;
    if (rc == 0)
        rc = reading_parse_payload(pub->payload, pub->payload_len, &r);
    if (rc == 0)
        rc = reading_validate(&r, have_clock ? now_ns / 1000000000 : 0);
    if (rc < 0) {
        /* MQTT 3.1.1 has no negative acknowledgement: the message is acknowledged and dropped, logged. */
        in->stats.rejected++;
        log_line("ingest: rejected %.*s from %.*s (%s)", (int)pub->topic.len, (const char *)pub->topic.p,
                 (int)pub->client_id.len, (const char *)pub->client_id.p, hearth_strerror(rc));
        return 1;
    }
    if (!r.timestamp_ns)
        r.timestamp_ns = have_clock ? (uint64_t)now_ns : hearth_plat_monotonic_ns();
    if (!in->store)
        return pub->qos ? -HEARTH_EIO : 1; /* nowhere durable to put it: QoS 1 is refused */

    char key[READING_SENSOR_MAX + READING_QUANTITY_MAX + 2], value[32];
    int klen = reading_key(&r, key, sizeof(key));
    int vlen = reading_encode_value(&r, value, sizeof(value));
    struct pending_ack *ack = pub->qos ? malloc(sizeof(*ack)) : NULL;
    if (klen < 0 || vlen < 0 || (pub->qos && !ack)) {
        free(ack);
        return -HEARTH_ENOMEM;
    }
    if (ack)
        *ack = (struct pending_ack){.in = in, .ticket = ticket};
    struct store_record rec = {.type = STORE_T_READING,
                               .key = (const uint8_t *)key,
                               .key_len = (uint8_t)klen,
                               .payload = (const uint8_t *)value,
                               .payload_len = (uint16_t)vlen,
                               .timestamp_ns = r.timestamp_ns};
    rc = store_append(in->store, &rec, ack ? on_durable : NULL, ack, NULL);
    if (rc < 0) {
        free(ack);
        log_line("ingest: store refused a reading (%s)", hearth_strerror(rc));
        return rc;
    }
    in->stats.accepted++;
    return 0;
}
