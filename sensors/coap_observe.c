/* SPDX-License-Identifier: ISC */
/* CoAP observe (RFC 7641): a bounded table of observers, notified once a new reading is durable. */
#include "coap_internal.h"
#include "log.h"
#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static bool same_client(const struct coap_observer *o, const struct netstack_endpoint *peer,
                        const uint8_t *token, uint8_t tkl)
{
    return o->used && o->tkl == tkl && memcmp(o->token, token, tkl) == 0 && coap_same_peer(&o->peer, peer);
}

/* Observe numbers only grow (modulo 2^24), so clients can order notifications (section 3.4). */
static int32_t next_observe_number(struct coap_server *s)
{
    s->observe_counter = (s->observe_counter + 1) & COAP_OBSERVE_MAX;
    return (int32_t)s->observe_counter;
}

int32_t coap_observe_register(struct coap_server *s, const struct netstack_endpoint *peer,
                              const uint8_t *token, uint8_t tkl, const char *key, uint8_t format)
{
    struct coap_observer *slot = NULL;
    /* Section 4.1: the same endpoint and token replace their entry instead of adding one. */
    for (unsigned i = 0; i < COAP_OBSERVERS_MAX && !slot; i++)
        if (same_client(&s->obs[i], peer, token, tkl))
            slot = &s->obs[i];
    for (unsigned i = 0; i < COAP_OBSERVERS_MAX && !slot; i++)
        if (!s->obs[i].used)
            slot = &s->obs[i];
    if (!slot)
        return -1;
    int fresh = !slot->used;
    *slot = (struct coap_observer){
        .used = 1, .tkl = tkl, .format = format, .peer = *peer, .last_con_ns = coap_now()};
    memcpy(slot->token, token, tkl);
    snprintf(slot->key, sizeof(slot->key), "%s", key);
    if (fresh) {
        char name[24];
        coap_peer_name(peer, name, sizeof(name));
        log_line("coap: %s observes %s", name, key);
    }
    return next_observe_number(s);
}

/* Forgets observer i and stops retransmitting its notification. */
static void forget(struct coap_server *s, int i)
{
    s->obs[i].used = 0;
    for (unsigned k = 0; k < COAP_OUTSTANDING_SLOTS; k++)
        if (s->out[k].used && s->out[k].observer == i)
            s->out[k].used = 0;
}

void coap_observe_deregister(struct coap_server *s, const struct netstack_endpoint *peer,
                             const uint8_t *token, uint8_t tkl)
{
    for (int i = 0; i < COAP_OBSERVERS_MAX; i++)
        if (same_client(&s->obs[i], peer, token, tkl))
            forget(s, i);
}

void coap_observe_drop(struct coap_server *s, int index, const char *why)
{
    if (index < 0 || index >= COAP_OBSERVERS_MAX || !s->obs[index].used)
        return;
    char name[24];
    coap_peer_name(&s->obs[index].peer, name, sizeof(name));
    log_line("coap: dropped observer %s of %s (%s)", name, s->obs[index].key, why);
    s->stats.observers_dropped++;
    forget(s, index);
}

void coap_observe_reset(struct coap_server *s, const struct netstack_endpoint *peer, uint16_t mid)
{
    for (int i = 0; i < COAP_OBSERVERS_MAX; i++)
        if (s->obs[i].used && s->obs[i].last_mid == mid && coap_same_peer(&s->obs[i].peer, peer))
            coap_observe_drop(s, i, "reset");
}

void coap_observe_on_reading(void *arg, const struct reading *r, uint64_t seq)
{
    struct coap_server *s = arg;
    char key[sizeof(s->obs[0].key)];
    if (reading_key(r, key, sizeof(key)) < 0)
        return;
    uint64_t now = coap_now();
    bool any = false;
    for (unsigned i = 0; i < COAP_OBSERVERS_MAX; i++) {
        struct coap_observer *o = &s->obs[i];
        if (!o->used || strcmp(o->key, key) != 0)
            continue;
        /* Only the newest state matters to an observer (section 4.5): a later reading replaces this one. */
        if (reading_encode_value(r, o->pending_value, sizeof(o->pending_value)) < 0)
            continue;
        if (!o->pending_seq)
            o->pending_since_ns = now;
        o->pending_seq = seq;
        o->pending_ts_ns = r->timestamp_ns;
        any = true;
    }
    if (any)
        coap_kick(s, now + COAP_OBS_DURABLE_POLL_NS);
}

static void notify(struct coap_server *s, int i, uint64_t now)
{
    struct coap_observer *o = &s->obs[i];
    char body[96];
    uint8_t etag[8], buf[COAP_OUT_MSG_MAX];
    struct coap_reply r = {.code = COAP_CONTENT, .observe = next_observe_number(s), .format = o->format};
    r.etag = etag;
    r.etag_len = coap_etag_for_seq(o->pending_seq, etag);
    if (o->format == COAP_FMT_JSON) {
        int n = snprintf(body, sizeof(body), "{\"value\":%s,\"ts\":%" PRIu64 "}", o->pending_value,
                         o->pending_ts_ns / 1000000000u);
        r.payload_len = n > 0 && (size_t)n < sizeof(body) ? (size_t)n : 0;
    } else {
        r.payload_len = (size_t)snprintf(body, sizeof(body), "%s", o->pending_value);
    }
    r.payload = body;
    o->pending_seq = 0;

    bool outstanding = false;
    for (unsigned k = 0; k < COAP_OUTSTANDING_SLOTS; k++)
        outstanding |= s->out[k].used && s->out[k].observer == i;
    /* A Confirmable one now and then, and always while one is still unacknowledged (it replaces it). */
    bool con = outstanding || o->since_con + 1 >= COAP_OBS_CON_EVERY ||
               now - o->last_con_ns >= COAP_OBS_CON_INTERVAL_NS;
    uint16_t mid = coap_new_mid(s);
    int len = coap_build_reply(buf, sizeof(buf), con ? COAP_CON : COAP_NON, mid, o->token, o->tkl, &r);
    if (len < 0)
        return;
    o->last_mid = mid;
    s->stats.notifications++;
    if (con && coap_send_confirmable(s, &o->peer, buf, (size_t)len, mid, i) == 0) {
        o->since_con = 0;
        o->last_con_ns = now;
    } else {
        if (!con)
            coap_send(s, buf, (size_t)len, &o->peer);
        o->since_con++; /* no free slot: it went out untracked, try a Confirmable one next time */
    }
}

uint64_t coap_observe_service(struct coap_server *s, uint64_t now_ns)
{
    struct store *st = s->ingest->store;
    uint64_t durable = st ? store_durable_seq(st) : 0, next = UINT64_MAX;
    for (int i = 0; i < COAP_OBSERVERS_MAX; i++) {
        struct coap_observer *o = &s->obs[i];
        if (!o->used || !o->pending_seq)
            continue;
        if (o->pending_seq <= durable) {
            notify(s, i, now_ns);
        } else if (now_ns - o->pending_since_ns >= COAP_OBS_DURABLE_GIVE_UP_NS) {
            o->pending_seq = 0; /* the store is failing: it will not become durable */
        } else {
            next = now_ns + COAP_OBS_DURABLE_POLL_NS;
        }
    }
    return next;
}
