/* SPDX-License-Identifier: ISC */
/* Readings from any protocol into the store: validate, append, and acknowledge from the durability callback.
 */
#include "ingest.h"

#include "log.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One pending acknowledgement: freed by the store's durability callback. */
struct pending_done {
    struct ingest *in;
    ingest_done_fn done;
    void *arg;
};

void ingest_init(struct ingest *in, struct store *store, struct mqtt_broker *broker,
                 int (*wall_ns)(int64_t *))
{
    memset(in, 0, sizeof(*in));
    in->store = store;
    in->broker = broker;
    in->wall_ns = wall_ns;
}

int ingest_add_observer(struct ingest *in, ingest_observer_fn fn, void *arg)
{
    if (in->observer_count >= INGEST_MAX_OBSERVERS)
        return -HEARTH_ENOSPC;
    in->observers[in->observer_count].fn = fn;
    in->observers[in->observer_count].arg = arg;
    in->observer_count++;
    return 0;
}

void ingest_set_mqtt_hooks(struct ingest *in, const struct ingest_mqtt_hooks *hooks)
{
    if (hooks)
        in->mqtt_hooks = *hooks;
    else
        memset(&in->mqtt_hooks, 0, sizeof(in->mqtt_hooks));
}

static void on_durable(void *arg, uint64_t seq, int status)
{
    struct pending_done *p = arg;
    (void)seq;
    if (status == 0)
        p->in->stats.durable++;
    p->done(p->arg, status);
    free(p);
}

int ingest_submit(struct ingest *in, struct reading *r, const char *source, ingest_done_fn done, void *arg)
{
    int64_t now_ns = 0;
    int have_clock = in->wall_ns && in->wall_ns(&now_ns) == 0;
    int rc = reading_validate(r, have_clock ? now_ns / 1000000000 : 0);
    if (rc < 0) {
        in->stats.rejected++;
        log_line("ingest: rejected %s/%s from %s (%s)", r->sensor, r->quantity, source, hearth_strerror(rc));
        return rc;
    }
    if (!r->timestamp_ns)
        r->timestamp_ns = have_clock ? (uint64_t)now_ns : hearth_plat_monotonic_ns();
    if (!in->store)
        return -HEARTH_EIO;

    char key[READING_SENSOR_MAX + READING_QUANTITY_MAX + 2], value[32];
    int klen = reading_key(r, key, sizeof(key));
    int vlen = reading_encode_value(r, value, sizeof(value));
    struct pending_done *p = done ? malloc(sizeof(*p)) : NULL;
    if (klen < 0 || vlen < 0 || (done && !p)) {
        free(p);
        return -HEARTH_ENOMEM;
    }
    if (p)
        *p = (struct pending_done){.in = in, .done = done, .arg = arg};
    struct store_record rec = {.type = STORE_T_READING,
                               .key = (const uint8_t *)key,
                               .key_len = (uint8_t)klen,
                               .payload = (const uint8_t *)value,
                               .payload_len = (uint16_t)vlen,
                               .timestamp_ns = r->timestamp_ns};
    uint64_t seq = 0;
    rc = store_append(in->store, &rec, p ? on_durable : NULL, p, &seq);
    if (rc < 0) {
        free(p);
        log_line("ingest: store refused a reading (%s)", hearth_strerror(rc));
        return rc;
    }
    in->stats.accepted++;
    for (unsigned i = 0; i < in->observer_count; i++)
        in->observers[i].fn(in->observers[i].arg, r, seq);
    return 0;
}

int ingest_commit(struct ingest *in)
{
    return in->store ? store_commit(in->store) : -HEARTH_EIO;
}

/* MQTT's PUBACK waits for the durability callback; the ticket names the waiting publication. */
struct mqtt_ack {
    struct mqtt_broker *broker;
    uint64_t ticket;
};

static void mqtt_durable(void *arg, int status)
{
    struct mqtt_ack *ack = arg;
    /* A failed store never acknowledges: the client keeps the message and sends it again. */
    if (status == 0)
        mqtt_broker_durable(ack->broker, ack->ticket);
    free(ack);
}

int ingest_mqtt(struct mqtt_broker *b, const struct mqtt_publication *pub, uint64_t ticket, void *arg)
{
    struct ingest *in = arg;
    struct reading r;
    int rc = reading_parse_topic((const char *)pub->topic.p, pub->topic.len, &r);
    if (rc == -HEARTH_ENOENT) {
        in->stats.not_readings++;
        if (in->mqtt_hooks.other)
            in->mqtt_hooks.other(in->mqtt_hooks.arg, (const char *)pub->topic.p, pub->topic.len, pub->payload,
                                 pub->payload_len);
        return 1; /* other topics are routed; the hook may read them (homeassistant/... discovery) */
    }
    if (rc == 0)
        rc = reading_parse_payload(pub->payload, pub->payload_len, &r);
    char source[80];
    snprintf(source, sizeof(source), "mqtt client %.*s", (int)pub->client_id.len,
             (const char *)pub->client_id.p);
    if (rc < 0) {
        /* MQTT 3.1.1 has no negative acknowledgement: the message is acknowledged and dropped, logged. */
        in->stats.rejected++;
        log_line("ingest: rejected %.*s from %s (%s)", (int)pub->topic.len, (const char *)pub->topic.p,
                 source, hearth_strerror(rc));
        return 1;
    }
    if (in->mqtt_hooks.admit && in->mqtt_hooks.admit(in->mqtt_hooks.arg, &r, source) < 0) {
        /* Over its rate limit (or no room for a new sensor): acknowledged, routed, not stored. */
        in->stats.limited++;
        return 1;
    }
    struct mqtt_ack *ack = NULL;
    if (pub->qos) {
        if (!(ack = malloc(sizeof(*ack))))
            return -HEARTH_ENOMEM;
        *ack = (struct mqtt_ack){.broker = b, .ticket = ticket};
    }
    rc = ingest_submit(in, &r, source, ack ? mqtt_durable : NULL, ack);
    if (rc == -HEARTH_ERANGE) {
        free(ack);
        return 1; /* logged and dropped, like a malformed one */
    }
    if (rc < 0) {
        free(ack);
        return pub->qos || rc != -HEARTH_EIO ? rc : 1; /* QoS 0 without a store: nothing to promise */
    }
    return 0;
}
