/* SPDX-License-Identifier: ISC */
/* MQTT sessions: the packets a client sends, answered in order, over one hearth_stream each. */
#include "log.h"
#include "mqtt_internal.h"
#include "trace.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Finds the session of client_id other than self, connected or parked. */
static struct mqtt_session *find_client(struct mqtt_broker *b, const char *client_id,
                                        struct mqtt_session *self)
{
    for (unsigned i = 0; i < MQTT_MAX_SESSIONS; i++) {
        struct mqtt_session *m = b->sessions[i];
        if (m && m != self && m->client_id[0] && strcmp(m->client_id, client_id) == 0)
            return m;
    }
    return NULL;
}

static int send_connack(struct mqtt_session *m, int present, enum mqtt_connack_code code)
{
    uint8_t *p = mqtt_out_reserve(m, 4);
    if (!p)
        return -HEARTH_ENOMEM;
    m->out_len += (size_t)mqtt_encode_connack(p, 4, present, code);
    mqtt_flush(m);
    return 0;
}

static int on_connect(struct mqtt_session *m, const struct mqtt_packet *p)
{
    struct mqtt_broker *b = m->b;
    if (m->connected)
        return -HEARTH_EBADMSG; /* a second CONNECT is a protocol violation (3.1.0-2) */
    if (p->u.connect.level != 4) {
        send_connack(m, 0, MQTT_CONNACK_BAD_PROTOCOL);
        return -HEARTH_ENOTSUP;
    }
    const struct mqtt_str *id = &p->u.connect.client_id;
    if (id->len >= CLIENT_ID_MAX || (id->len == 0 && !p->u.connect.clean_session)) {
        send_connack(m, 0, MQTT_CONNACK_ID_REJECTED);
        return -HEARTH_EINVAL;
    }
    if (b->auth) {
        enum mqtt_connack_code code =
            b->auth(id, p->u.connect.has_user ? &p->u.connect.user : NULL,
                    p->u.connect.has_password ? &p->u.connect.password : NULL, b->auth_arg);
        if (code != MQTT_CONNACK_ACCEPTED) {
            b->stats.refused++;
            send_connack(m, 0, code);
            return -HEARTH_EPERM;
        }
    }
    if (id->len)
        memcpy(m->client_id, id->p, id->len);
    else
        snprintf(m->client_id, sizeof(m->client_id), "hearth-anon-%lu", (unsigned long)m->id);
    m->clean = p->u.connect.clean_session;

    /* The same client again: it replaces the old connection, and may take over its subscriptions. */
    int present = 0;
    struct mqtt_session *old = find_client(b, m->client_id, m);
    if (old) {
        if (!m->clean && !old->clean && old->nsubs) {
            memcpy(m->subs, old->subs, sizeof(m->subs));
            m->nsubs = old->nsubs;
            old->nsubs = 0;
            present = 1;
        }
        old->clean = 1; /* it must not linger as a parked session */
        old->has_will = 0;
        mqtt_session_end(old, 0);
    }
    if (p->u.connect.has_will) {
        m->will_topic = mqtt_dup_str(p->u.connect.will_topic);
        m->will_msg = malloc(p->u.connect.will_message.len + 1u);
        if (!m->will_topic || !m->will_msg)
            return -HEARTH_ENOMEM;
        memcpy(m->will_msg, p->u.connect.will_message.p, p->u.connect.will_message.len);
        m->will_len = p->u.connect.will_message.len;
        m->will_qos = p->u.connect.will_qos > 1 ? 1 : p->u.connect.will_qos;
        m->will_retain = p->u.connect.will_retain;
        m->has_will = 1;
    }
    m->keepalive_s = p->u.connect.keepalive_s;
    m->connected = 1;
    b->stats.connects++;
    timer_cancel(&b->loop->timers, &m->timer);
    mqtt_arm_keepalive(m);
    return send_connack(m, present, MQTT_CONNACK_ACCEPTED);
}

static int seen_qos2(struct mqtt_session *m, uint16_t id, int remember)
{
    for (unsigned i = 0; i < QOS2_PENDING; i++)
        if (m->qos2[i] == id)
            return 1;
    for (unsigned i = 0; remember && i < QOS2_PENDING; i++)
        if (m->qos2[i] == 0) {
            m->qos2[i] = id;
            return 0;
        }
    return 0;
}

static int on_publish(struct mqtt_session *m, const struct mqtt_packet *p)
{
    struct mqtt_broker *b = m->b;
    uint8_t qos = p->u.publish.qos;
    uint16_t id = p->u.publish.packet_id;
    trace_instant(TRACE_MQTT_PUBLISH, m->s ? m->s->trace_id : 0, qos, (int32_t)p->u.publish.payload_len);
    /* QoS 2: the first copy is processed; a re-sent one (before PUBREL) only gets its PUBREC again. */
    if (qos == 2 && seen_qos2(m, id, 1)) {
        mqtt_send_ack(m, MQTT_PUBREC, id);
        return 0;
    }
    struct mqtt_publication pub = {
        .topic = p->u.publish.topic,
        .client_id = mqtt_cstr(m->client_id),
        .payload = p->u.publish.payload,
        .payload_len = p->u.publish.payload_len,
        .qos = qos,
        .retain = p->u.publish.retain,
    };
    int durable_later = 0;
    if (b->ingest) {
        int rc = b->ingest(b, &pub, (uint64_t)m->id << 16 | id, b->ingest_arg);
        if (rc < 0)
            return rc;
        durable_later = rc == 0 && qos == 1;
    }
    b->stats.published++;
    if (p->u.publish.retain)
        mqtt_retain_store(b, &p->u.publish.topic, pub.payload, pub.payload_len, qos > 1 ? 1 : qos);
    mqtt_deliver_all(b, &p->u.publish.topic, pub.payload, pub.payload_len, qos > 1 ? 1 : qos);
    if (qos == 1 && !durable_later)
        mqtt_send_ack(m, MQTT_PUBACK, id);
    else if (qos == 2)
        mqtt_send_ack(m, MQTT_PUBREC, id);
    return 0;
}

static int on_subscribe(struct mqtt_session *m, const struct mqtt_packet *p)
{
    uint8_t codes[MQTT_MAX_TOPICS_PER_SUBSCRIBE];
    for (unsigned i = 0; i < p->u.subscribe.count; i++) {
        const struct mqtt_str *f = &p->u.subscribe.filters[i];
        uint8_t granted = p->u.subscribe.qos[i] > 1 ? 1 : p->u.subscribe.qos[i];
        unsigned k;
        for (k = 0; k < m->nsubs; k++)
            if (strlen(m->subs[k].filter) == f->len && memcmp(m->subs[k].filter, f->p, f->len) == 0)
                break;
        if (k == m->nsubs) {
            char *copy = k < MQTT_MAX_SUBS ? mqtt_dup_str(*f) : NULL;
            if (!copy) {
                codes[i] = 0x80; /* failure: too many subscriptions */
                continue;
            }
            m->subs[m->nsubs++].filter = copy;
        }
        m->subs[k].qos = granted;
        codes[i] = granted;
    }
    uint8_t *out = mqtt_out_reserve(m, 5 + 2 + p->u.subscribe.count);
    if (!out)
        return -HEARTH_ENOMEM;
    m->out_len += (size_t)mqtt_encode_suback(out, 5 + 2 + p->u.subscribe.count, p->u.subscribe.packet_id,
                                             codes, p->u.subscribe.count);
    /* Retained messages follow the SUBACK (3.3.1.3). */
    for (unsigned i = 0; i < p->u.subscribe.count; i++)
        if (codes[i] != 0x80)
            mqtt_send_retained(m, &p->u.subscribe.filters[i], codes[i]);
    mqtt_flush(m);
    return 0;
}

static int on_unsubscribe(struct mqtt_session *m, const struct mqtt_packet *p)
{
    for (unsigned i = 0; i < p->u.subscribe.count; i++) {
        const struct mqtt_str *f = &p->u.subscribe.filters[i];
        for (unsigned k = 0; k < m->nsubs; k++) {
            if (strlen(m->subs[k].filter) == f->len && memcmp(m->subs[k].filter, f->p, f->len) == 0) {
                free(m->subs[k].filter);
                m->subs[k] = m->subs[--m->nsubs];
                break;
            }
        }
    }
    mqtt_send_ack(m, MQTT_UNSUBACK, p->u.subscribe.packet_id);
    return 0;
}

static void on_puback(struct mqtt_session *m, uint16_t id)
{
    for (unsigned i = 0; i < m->ninflight; i++)
        if (m->inflight[i] == id) {
            m->inflight[i] = m->inflight[--m->ninflight];
            return;
        }
}

/* Handles one packet; a negative return ends the connection (with the will). */
static int handle(struct mqtt_session *m, const struct mqtt_packet *p)
{
    if (p->type != MQTT_CONNECT && !m->connected)
        return -HEARTH_EBADMSG; /* the first packet must be CONNECT (3.1.0-1) */
    switch (p->type) {
    case MQTT_CONNECT: return on_connect(m, p);
    case MQTT_PUBLISH: return on_publish(m, p);
    case MQTT_SUBSCRIBE: return on_subscribe(m, p);
    case MQTT_UNSUBSCRIBE: return on_unsubscribe(m, p);
    case MQTT_PUBACK: on_puback(m, p->u.packet_id); return 0;
    case MQTT_PUBREL:
        for (unsigned i = 0; i < QOS2_PENDING; i++)
            if (m->qos2[i] == p->u.packet_id)
                m->qos2[i] = 0;
        mqtt_send_ack(m, MQTT_PUBCOMP, p->u.packet_id);
        return 0;
    case MQTT_PUBREC:
    case MQTT_PUBCOMP: return 0; /* we never send QoS 2, so these answer nothing of ours */
    case MQTT_PINGREQ: {
        uint8_t *out = mqtt_out_reserve(m, 2);
        if (out) {
            m->out_len += (size_t)mqtt_encode_pingresp(out, 2);
            mqtt_flush(m);
        }
        return 0;
    }
    case MQTT_DISCONNECT:
        m->has_will = 0; /* a clean goodbye: the will is discarded (3.14.4) */
        mqtt_session_end(m, 0);
        return 1;
    default: return -HEARTH_EBADMSG;
    }
}

static size_t on_data(struct hearth_stream *s, const uint8_t *data, size_t len, void *arg)
{
    struct mqtt_session *m = arg;
    (void)s;
    if (m->closing)
        return len;
    m->busy++;
    size_t take = sizeof(m->in) - m->in_len < len ? sizeof(m->in) - m->in_len : len;
    memcpy(m->in + m->in_len, data, take);
    m->in_len += take;
    size_t off = 0;
    while (!m->closing && off < m->in_len) {
        int total = mqtt_packet_length(m->in + off, m->in_len - off);
        if (total == 0 || (total > 0 && (size_t)total > m->in_len - off))
            break;
        struct mqtt_packet p;
        int rc = total < 0 ? total : mqtt_parse(m->in + off, (size_t)total, &p);
        if (rc == 0)
            rc = handle(m, &p);
        if (rc < 0) {
            m->b->stats.protocol_errors++;
            log_line("mqtt: %s: closing: %s", m->client_id[0] ? m->client_id : "client", hearth_strerror(rc));
            mqtt_session_end(m, 1);
            break;
        }
        off += (size_t)total;
        if (m->connected)
            mqtt_arm_keepalive(m); /* any packet counts as a sign of life (3.1.2.10) */
    }
    if (!m->closing) {
        memmove(m->in, m->in + off, m->in_len - off);
        m->in_len -= off;
    }
    mqtt_leave(m);
    return take;
}

static void on_writable(struct hearth_stream *s, void *arg)
{
    struct mqtt_session *m = arg;
    (void)s;
    mqtt_flush(m);
}

static void on_closed(struct hearth_stream *s, int err, void *arg)
{
    struct mqtt_session *m = arg;
    (void)s;
    m->s = NULL; /* the transport is gone: nothing more may be written */
    mqtt_session_end(m, err != 0 || !m->closing);
}

static const struct hearth_stream_handler mqtt_handler = {
    .on_data = on_data,
    .on_writable = on_writable,
    .on_closed = on_closed,
};

static void on_connect_timeout(struct timer *t, void *arg)
{
    struct mqtt_session *m = arg;
    (void)t;
    mqtt_session_end(m, 0);
}

int mqtt_broker_accept(struct hearth_stream *s, void *broker)
{
    struct mqtt_broker *b = broker;
    unsigned slot;
    for (slot = 0; slot < MQTT_MAX_SESSIONS && b->sessions[slot]; slot++)
        ;
    struct mqtt_session *m = slot < MQTT_MAX_SESSIONS ? calloc(1, sizeof(*m)) : NULL;
    if (!m) {
        b->stats.refused++;
        return -HEARTH_EBUSY; /* the transport resets the connection */
    }
    m->b = b;
    m->s = s;
    m->id = b->next_session_id++;
    b->sessions[slot] = m;
    s->handler = &mqtt_handler;
    s->arg = m;
    timer_arm(&b->loop->timers, &m->timer, hearth_plat_monotonic_ns() + MQTT_CONNECT_TIMEOUT_NS, 0,
              on_connect_timeout, m);
    return 0;
}

void mqtt_send_retained(struct mqtt_session *m, const struct mqtt_str *filter, uint8_t qos)
{
    for (unsigned i = 0; i < MQTT_MAX_RETAINED; i++) {
        struct mqtt_retained *r = &m->b->retained[i];
        if (!r->topic)
            continue;
        struct mqtt_str topic = mqtt_cstr(r->topic);
        if (!mqtt_topic_matches(filter, &topic))
            continue;
        uint8_t q = r->qos < qos ? r->qos : qos;
        size_t need = 5 + 2 + topic.len + 2 + r->payload_len;
        uint8_t *p = mqtt_out_reserve(m, need);
        if (!p)
            return;
        uint16_t id = 0;
        if (q) {
            if (m->ninflight == MQTT_MAX_INFLIGHT)
                return;
            if (++m->next_packet_id == 0)
                m->next_packet_id = 1;
            id = m->next_packet_id;
            m->inflight[m->ninflight++] = id;
        }
        int n = mqtt_encode_publish(p, need, &topic, q, 1, 0, id, r->payload, r->payload_len);
        if (n > 0)
            m->out_len += (size_t)n;
    }
}
