/* SPDX-License-Identifier: ISC */
/* MQTT broker core: one session per connection, routing by topic filter, retained messages and wills. */
#include "mqtt_broker.h"
#include "mqtt_internal.h"

#include "log.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mqtt_str mqtt_cstr(const char *s)
{
    return (struct mqtt_str){(const uint8_t *)s, (uint16_t)strlen(s)};
}

char *mqtt_dup_str(struct mqtt_str s)
{
    char *d = malloc((size_t)s.len + 1);
    if (d) {
        memcpy(d, s.p, s.len);
        d[s.len] = '\0';
    }
    return d;
}

void mqtt_broker_init(struct mqtt_broker *b, struct loop *loop, mqtt_auth_fn auth, void *auth_arg,
                      mqtt_ingest_fn ingest, void *ingest_arg)
{
    memset(b, 0, sizeof(*b));
    b->loop = loop;
    b->auth = auth;
    b->auth_arg = auth_arg;
    b->ingest = ingest;
    b->ingest_arg = ingest_arg;
    b->next_session_id = 1;
}

const struct mqtt_broker_stats *mqtt_broker_stats(const struct mqtt_broker *b)
{
    return &b->stats;
}

/* ---- output ---- */

void mqtt_flush(struct mqtt_session *m)
{
    while (m->s && m->out_sent < m->out_len) {
        int n = hearth_stream_write(m->s, m->out + m->out_sent, m->out_len - m->out_sent);
        if (n <= 0)
            break;
        m->out_sent += (size_t)n;
    }
    if (m->out_sent == m->out_len)
        m->out_len = m->out_sent = 0;
}

/* Room for n more output bytes, compacting first; NULL when the subscriber is too far behind. */
uint8_t *mqtt_out_reserve(struct mqtt_session *m, size_t n)
{
    if (!m->out && !(m->out = malloc(MQTT_OUT_CAP)))
        return NULL;
    if (m->out_len + n > MQTT_OUT_CAP && m->out_sent) {
        memmove(m->out, m->out + m->out_sent, m->out_len - m->out_sent);
        m->out_len -= m->out_sent;
        m->out_sent = 0;
    }
    return m->out_len + n <= MQTT_OUT_CAP ? m->out + m->out_len : NULL;
}

void mqtt_send_ack(struct mqtt_session *m, enum mqtt_type type, uint16_t id)
{
    uint8_t *p = mqtt_out_reserve(m, 4);
    if (p) {
        m->out_len += (size_t)mqtt_encode_ack(p, 4, type, id);
        mqtt_flush(m);
    }
}

/* ---- session lifetime ---- */

static void session_free(struct mqtt_session *m)
{
    struct mqtt_broker *b = m->b;
    for (unsigned i = 0; i < MQTT_MAX_SESSIONS; i++)
        if (b->sessions[i] == m)
            b->sessions[i] = NULL;
    for (unsigned i = 0; i < m->nsubs; i++)
        free(m->subs[i].filter);
    free(m->will_topic);
    free(m->will_msg);
    free(m->out);
    free(m);
}

/* Ends the connection. publish_will: an abnormal end (3.1.1 section 3.1.2.5). */
void mqtt_session_end(struct mqtt_session *m, int publish_will)
{
    if (m->closing)
        return;
    m->closing = 1;
    timer_cancel(&m->b->loop->timers, &m->timer);
    if (publish_will && m->has_will && m->connected) {
        struct mqtt_str topic = mqtt_cstr(m->will_topic);
        if (m->will_retain)
            mqtt_retain_store(m->b, &topic, m->will_msg, m->will_len, m->will_qos);
        mqtt_deliver_all(m->b, &topic, m->will_msg, m->will_len, m->will_qos);
    }
    if (m->s) {
        mqtt_flush(m);
        hearth_stream_close(m->s);
        m->s = NULL;
    }
    if (m->busy)
        return; /* the callback on the stack frees or parks it */
    if (m->connected && !m->clean) {
        /* A persistent session outlives its connection: keep the subscriptions for the next CONNECT. */
        m->closing = m->connected = 0;
        m->in_len = m->out_len = m->out_sent = 0;
        m->ninflight = 0;
        return;
    }
    session_free(m);
}

void mqtt_leave(struct mqtt_session *m)
{
    if (--m->busy == 0 && m->closing) {
        m->closing = 0;
        mqtt_session_end(m, 0);
    }
}

static void on_timer(struct timer *t, void *arg)
{
    struct mqtt_session *m = arg;
    (void)t;
    log_line("mqtt: %s: %s", m->client_id[0] ? m->client_id : "client",
             m->connected ? "keepalive expired" : "no CONNECT in time");
    mqtt_session_end(m, 1);
}

void mqtt_arm_keepalive(struct mqtt_session *m)
{
    if (m->keepalive_s)
        timer_arm(&m->b->loop->timers, &m->timer,
                  hearth_plat_monotonic_ns() + (uint64_t)m->keepalive_s * 1500000000ull, 0, on_timer, m);
}

/* ---- routing ---- */

static void deliver(struct mqtt_session *m, const struct mqtt_str *topic, const uint8_t *payload, size_t len,
                    uint8_t qos, int retain)
{
    struct mqtt_broker *b = m->b;
    if (!m->s || !m->connected || m->closing)
        return;
    uint16_t id = 0;
    if (qos) {
        if (m->ninflight == MQTT_MAX_INFLIGHT) {
            b->stats.dropped++;
            return;
        }
        if (++m->next_packet_id == 0)
            m->next_packet_id = 1;
        id = m->next_packet_id;
    }
    size_t need = 5 + 2 + topic->len + 2 + len;
    uint8_t *p = mqtt_out_reserve(m, need);
    if (!p) {
        b->stats.dropped++; /* a subscriber that does not read loses messages, not the broker */
        return;
    }
    int n = mqtt_encode_publish(p, need, topic, qos, retain, 0, id, payload, len);
    if (n < 0)
        return;
    m->out_len += (size_t)n;
    if (qos)
        m->inflight[m->ninflight++] = id;
    b->stats.delivered++;
    mqtt_flush(m);
}

void mqtt_deliver_all(struct mqtt_broker *b, const struct mqtt_str *topic, const uint8_t *payload, size_t len,
                      uint8_t qos)
{
    for (unsigned i = 0; i < MQTT_MAX_SESSIONS; i++) {
        struct mqtt_session *m = b->sessions[i];
        if (!m)
            continue;
        int best = -1;
        for (unsigned k = 0; k < m->nsubs; k++) {
            struct mqtt_str f = mqtt_cstr(m->subs[k].filter);
            if (mqtt_topic_matches(&f, topic) && m->subs[k].qos > best)
                best = m->subs[k].qos;
        }
        if (best >= 0)
            deliver(m, topic, payload, len, (uint8_t)(qos < best ? qos : best), 0);
    }
}

void mqtt_retain_store(struct mqtt_broker *b, const struct mqtt_str *topic, const uint8_t *payload,
                       size_t len, uint8_t qos)
{
    struct mqtt_retained *slot = NULL, *free_slot = NULL;
    for (unsigned i = 0; i < MQTT_MAX_RETAINED; i++) {
        struct mqtt_retained *r = &b->retained[i];
        if (r->topic && strlen(r->topic) == topic->len && memcmp(r->topic, topic->p, topic->len) == 0)
            slot = r;
        else if (!r->topic && !free_slot)
            free_slot = r;
    }
    if (slot) {
        free(slot->topic);
        free(slot->payload);
        *slot = (struct mqtt_retained){0};
    }
    if (len == 0)
        return; /* an empty retained message deletes the retained one (3.3.1.3) */
    struct mqtt_retained *r = slot ? slot : free_slot;
    if (!r) {
        b->stats.dropped++;
        return;
    }
    r->topic = mqtt_dup_str(*topic);
    r->payload = malloc(len);
    if (!r->topic || !r->payload) {
        free(r->topic);
        free(r->payload);
        *r = (struct mqtt_retained){0};
        return;
    }
    memcpy(r->payload, payload, len);
    r->payload_len = len;
    r->qos = qos;
}

int mqtt_broker_publish(struct mqtt_broker *b, const char *topic, const void *payload, size_t len,
                        uint8_t qos, int retain)
{
    struct mqtt_str t = mqtt_cstr(topic);
    if (!mqtt_topic_name_valid(&t) || qos > 1)
        return -HEARTH_EINVAL;
    if (retain)
        mqtt_retain_store(b, &t, payload, len, qos);
    mqtt_deliver_all(b, &t, payload, len, qos);
    return 0;
}

void mqtt_broker_durable(struct mqtt_broker *b, uint64_t ticket)
{
    uint32_t id = (uint32_t)(ticket >> 16);
    for (unsigned i = 0; i < MQTT_MAX_SESSIONS; i++) {
        struct mqtt_session *m = b->sessions[i];
        if (m && m->id == id && m->s && m->connected && !m->closing)
            mqtt_send_ack(m, MQTT_PUBACK, (uint16_t)ticket);
    }
}
