/* SPDX-License-Identifier: ISC */
/* The CoAP message layer: message types, deduplication, ACKs and separate responses, retransmission. */
#include "coap_internal.h"
#include "log.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <stdio.h>
#include <string.h>

uint64_t coap_now(void)
{
    return hearth_plat_monotonic_ns();
}

uint16_t coap_new_mid(struct coap_server *s)
{
    return s->next_mid++;
}

bool coap_same_peer(const struct netstack_endpoint *a, const struct netstack_endpoint *b)
{
    return a->port == b->port && memcmp(a->addr, b->addr, 4) == 0;
}

void coap_peer_name(const struct netstack_endpoint *p, char *buf, size_t cap)
{
    snprintf(buf, cap, "%u.%u.%u.%u:%u", p->addr[0], p->addr[1], p->addr[2], p->addr[3], p->port);
}

void coap_send(struct coap_server *s, const uint8_t *data, size_t len, const struct netstack_endpoint *to)
{
    if (s->send)
        (void)s->send(s->send_arg, data, len, to); /* a lost datagram is what CoAP retransmits for */
}

void coap_send_reset(struct coap_server *s, const struct netstack_endpoint *to, uint16_t mid)
{
    uint8_t rst[COAP_HEADER_LEN];
    coap_send(s, rst, (size_t)coap_encode_empty(rst, COAP_RST, mid), to);
    s->stats.resets_sent++;
}

static void send_empty_ack(struct coap_server *s, const struct netstack_endpoint *to, uint16_t mid)
{
    uint8_t ack[COAP_HEADER_LEN];
    coap_send(s, ack, (size_t)coap_encode_empty(ack, COAP_ACK, mid), to);
}

/* A small xorshift generator: only for spreading retransmission timeouts, never for security. */
static uint32_t next_random(struct coap_server *s)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 17;
    s->rng ^= s->rng << 5;
    return s->rng;
}

static void on_timer(struct timer *t, void *arg);

void coap_kick(struct coap_server *s, uint64_t deadline_ns)
{
    if (!s->timer.armed || deadline_ns < s->timer.deadline_ns)
        timer_arm(&s->loop->timers, &s->timer, deadline_ns, 0, on_timer, s);
}

struct coap_reply coap_reply_diag(uint8_t code, const char *diag)
{
    return (struct coap_reply){
        .code = code, .observe = -1, .format = -1, .payload = diag, .payload_len = diag ? strlen(diag) : 0};
}

int coap_build_reply(uint8_t *buf, size_t cap, uint8_t type, uint16_t mid, const uint8_t *token, uint8_t tkl,
                     const struct coap_reply *r)
{
    struct coap_writer w;
    coap_writer_init(&w, buf, cap, type, r->code, mid, token, tkl);
    if (r->etag_len)
        coap_writer_option(&w, COAP_OPT_ETAG, r->etag, r->etag_len);
    if (r->observe >= 0)
        coap_writer_option_uint(&w, COAP_OPT_OBSERVE, (uint32_t)r->observe);
    if (r->format >= 0)
        coap_writer_option_uint(&w, COAP_OPT_CONTENT_FORMAT, (uint32_t)r->format);
    if (r->code == COAP_TOO_LARGE)
        coap_writer_option_uint(&w, COAP_OPT_SIZE1, COAP_PAYLOAD_MAX); /* RFC 7252 5.9.2.9 */
    coap_writer_payload(&w, r->payload, r->payload_len);
    return coap_writer_finish(&w);
}

void coap_respond(struct coap_server *s, const struct coap_msg *m, const struct netstack_endpoint *peer,
                  const struct coap_reply *r)
{
    uint8_t buf[1280];
    int con = m->type == COAP_CON;
    int len = coap_build_reply(buf, sizeof(buf), con ? COAP_ACK : COAP_NON, con ? m->mid : coap_new_mid(s),
                               m->token, m->tkl, r);
    if (len < 0) {
        /* Only a bug can get here (replies are built within bounds); the client still deserves one. */
        struct coap_reply fallback = coap_reply_diag(COAP_INTERNAL_ERROR, NULL);
        len = coap_build_reply(buf, sizeof(buf), con ? COAP_ACK : COAP_NON, con ? m->mid : coap_new_mid(s),
                               m->token, m->tkl, &fallback);
    }
    if (COAP_CODE_CLASS(r->code) != 2)
        s->stats.rejected++;
    coap_send(s, buf, (size_t)len, peer);
}

int coap_send_confirmable(struct coap_server *s, const struct netstack_endpoint *to, const uint8_t *bytes,
                          size_t len, uint16_t mid, int observer)
{
    struct coap_outgoing *slot = NULL;
    uint8_t retransmits = 0;
    uint64_t timeout = COAP_ACK_TIMEOUT_NS + (COAP_ACK_TIMEOUT_NS / 2) * (next_random(s) % 1024) / 1024;
    for (unsigned i = 0; i < COAP_OUTSTANDING_SLOTS && observer >= 0; i++) {
        struct coap_outgoing *o = &s->out[i];
        if (o->used && o->observer == observer) {
            slot = o;
            retransmits = o->retransmits;
            timeout = o->timeout_ns;
        }
    }
    for (unsigned i = 0; i < COAP_OUTSTANDING_SLOTS && !slot; i++)
        if (!s->out[i].used)
            slot = &s->out[i];
    coap_send(s, bytes, len, to);
    if (!slot || len > COAP_OUT_MSG_MAX)
        return -HEARTH_ENOSPC;
    *slot = (struct coap_outgoing){.used = 1,
                                   .retransmits = retransmits,
                                   .observer = (int8_t)observer,
                                   .peer = *to,
                                   .mid = mid,
                                   .len = (uint16_t)len,
                                   .timeout_ns = timeout,
                                   .next_ns = coap_now() + timeout};
    memcpy(slot->bytes, bytes, len);
    coap_kick(s, slot->next_ns);
    return 0;
}

/* Retransmits what is due and gives up after MAX_RETRANSMIT; returns the next deadline. */
static uint64_t service_outgoing(struct coap_server *s, uint64_t now)
{
    uint64_t next = UINT64_MAX;
    for (unsigned i = 0; i < COAP_OUTSTANDING_SLOTS; i++) {
        struct coap_outgoing *o = &s->out[i];
        if (o->used && now >= o->next_ns) {
            if (o->retransmits >= COAP_MAX_RETRANSMIT) {
                o->used = 0;
                if (o->observer >= 0)
                    coap_observe_drop(s, o->observer, "no acknowledgement");
                continue;
            }
            o->retransmits++;
            o->timeout_ns *= 2;
            o->next_ns = now + o->timeout_ns;
            s->stats.retransmits++;
            coap_send(s, o->bytes, o->len, &o->peer);
        }
        if (o->used && o->next_ns < next)
            next = o->next_ns;
    }
    return next;
}

/* Empty ACKs for Confirmable POSTs whose disk write takes too long; returns the next deadline. */
static uint64_t service_pending(struct coap_server *s, uint64_t now)
{
    uint64_t next = UINT64_MAX;
    for (unsigned i = 0; i < COAP_DEDUP_SLOTS; i++) {
        struct coap_dedup *e = &s->dedup[i];
        if (e->state != COAP_DEDUP_PENDING || e->req_type != COAP_CON || e->empty_acked)
            continue;
        if (now >= e->ack_due_ns) {
            e->empty_acked = 1;
            send_empty_ack(s, &e->peer, e->mid);
        } else if (e->ack_due_ns < next) {
            next = e->ack_due_ns;
        }
    }
    return next;
}

static void on_timer(struct timer *t, void *arg)
{
    struct coap_server *s = arg;
    (void)t;
    uint64_t now = coap_now();
    uint64_t next = service_pending(s, now), b = service_outgoing(s, now), c = coap_observe_service(s, now);
    next = b < next ? b : next;
    next = c < next ? c : next;
    if (next != UINT64_MAX)
        coap_kick(s, next);
}

struct coap_dedup *coap_dedup_claim(struct coap_server *s, const struct coap_msg *m,
                                    const struct netstack_endpoint *peer)
{
    uint64_t now = coap_now();
    struct coap_dedup *pick = NULL;
    for (unsigned i = 0; i < COAP_DEDUP_SLOTS; i++) {
        struct coap_dedup *e = &s->dedup[i];
        if (e->state == COAP_DEDUP_FREE || (e->state == COAP_DEDUP_DONE && now >= e->expires_ns)) {
            pick = e;
            break;
        }
        if (e->state == COAP_DEDUP_DONE && (!pick || e->expires_ns < pick->expires_ns))
            pick = e; /* the oldest answer is forgotten first */
    }
    if (!pick)
        return NULL;
    *pick = (struct coap_dedup){.srv = s,
                                .peer = *peer,
                                .mid = m->mid,
                                .state = COAP_DEDUP_PENDING,
                                .req_type = m->type,
                                .tkl = m->tkl,
                                .expires_ns = now + COAP_EXCHANGE_LIFETIME_NS};
    memcpy(pick->token, m->token, m->tkl);
    return pick;
}

void coap_dedup_wait(struct coap_dedup *e)
{
    e->ack_due_ns = coap_now() + COAP_EMPTY_ACK_AFTER_NS;
    if (e->req_type == COAP_CON)
        coap_kick(e->srv, e->ack_due_ns);
}

/* The answer to a POST, as first sent or as repeated for a duplicate. */
static void send_dedup_answer(struct coap_dedup *e, int first)
{
    struct coap_server *s = e->srv;
    struct coap_reply r = coap_reply_diag(e->code, e->diag);
    uint8_t buf[128];
    if (e->req_type == COAP_CON && e->empty_acked && !first) {
        send_empty_ack(s, &e->peer, e->mid); /* the same ACK again; the response travels on its own */
        return;
    }
    int separate = e->req_type == COAP_NON || e->empty_acked;
    uint16_t mid = separate ? coap_new_mid(s) : e->mid;
    uint8_t type = e->req_type == COAP_NON ? COAP_NON : e->empty_acked ? COAP_CON : COAP_ACK;
    int len = coap_build_reply(buf, sizeof(buf), type, mid, e->token, e->tkl, &r);
    if (len < 0)
        return; /* cannot happen: constant diagnostics are short */
    if (type == COAP_CON) {
        s->stats.separate_responses++;
        coap_send_confirmable(s, &e->peer, buf, (size_t)len, mid, -1);
    } else {
        coap_send(s, buf, (size_t)len, &e->peer);
    }
}

void coap_dedup_finish(struct coap_dedup *e, uint8_t code, const char *diag)
{
    e->state = COAP_DEDUP_DONE;
    e->code = code;
    e->diag = diag;
    if (code == COAP_CREATED)
        e->srv->stats.created++;
    else
        e->srv->stats.rejected++;
    send_dedup_answer(e, 1);
}

/* A request seen before (same peer and message ID): answered as the first time, never processed again. */
static bool handle_duplicate(struct coap_server *s, const struct coap_msg *m,
                             const struct netstack_endpoint *peer)
{
    uint64_t now = coap_now();
    for (unsigned i = 0; i < COAP_DEDUP_SLOTS; i++) {
        struct coap_dedup *e = &s->dedup[i];
        if (e->state == COAP_DEDUP_FREE || e->mid != m->mid || !coap_same_peer(&e->peer, peer))
            continue;
        if (e->state == COAP_DEDUP_DONE && now >= e->expires_ns) {
            e->state = COAP_DEDUP_FREE;
            return false;
        }
        s->stats.duplicates++;
        /* Non-confirmable duplicates are dropped (section 4.5). A Confirmable one still waiting for the disk
         * gets nothing yet unless we already sent its Empty ACK: the real answer follows shortly. */
        if (m->type == COAP_CON && e->state == COAP_DEDUP_DONE)
            send_dedup_answer(e, 0);
        else if (m->type == COAP_CON && e->empty_acked)
            send_empty_ack(s, peer, m->mid);
        return true;
    }
    return false;
}

/* An ACK or RST: it settles one of our Confirmable messages; a Reset also cancels an observation. */
static void handle_ack_or_reset(struct coap_server *s, const struct coap_msg *m,
                                const struct netstack_endpoint *peer)
{
    if (m->code != COAP_EMPTY)
        return; /* we never send Confirmable requests, so no piggy-backed response can be ours */
    for (unsigned i = 0; i < COAP_OUTSTANDING_SLOTS; i++) {
        struct coap_outgoing *o = &s->out[i];
        if (o->used && o->mid == m->mid && coap_same_peer(&o->peer, peer)) {
            o->used = 0;
            if (m->type == COAP_RST && o->observer >= 0)
                coap_observe_drop(s, o->observer, "reset");
            return;
        }
    }
    if (m->type == COAP_RST)
        coap_observe_reset(s, peer, m->mid);
}

static void log_format_error(struct coap_server *s, const struct netstack_endpoint *peer)
{
    /* One line a second at most: a flood of junk must not flood the console. */
    uint64_t now = coap_now();
    if (s->last_log_ns && now - s->last_log_ns < 1000000000ull)
        return;
    s->last_log_ns = now;
    char name[24];
    coap_peer_name(peer, name, sizeof(name));
    log_line("coap: malformed message from %s (%lu so far)", name, s->stats.format_errors);
}

void coap_server_input(struct coap_server *s, const uint8_t *data, size_t len,
                       const struct netstack_endpoint *from)
{
    struct coap_msg m;
    int rc = coap_parse(data, len, &m);
    if (rc == -HEARTH_ENOTSUP) {
        s->stats.ignored++; /* another CoAP version: silently ignored (section 3) */
        return;
    }
    if (rc < 0) {
        s->stats.format_errors++;
        log_format_error(s, from);
        if (len >= COAP_HEADER_LEN && m.type == COAP_CON)
            coap_send_reset(s, from, m.mid); /* rejecting a Confirmable message (section 4.2) */
        return;
    }
    if (m.type == COAP_ACK || m.type == COAP_RST) {
        handle_ack_or_reset(s, &m, from);
        return;
    }
    /* An Empty Confirmable message is a ping; responses and reserved code classes (1, 6, 7) cannot be
     * processed by a server. Confirmable ones are rejected with a Reset, Non-confirmable ones ignored. */
    if (m.code == COAP_EMPTY || COAP_CODE_CLASS(m.code) != 0) {
        if (m.type == COAP_CON)
            coap_send_reset(s, from, m.mid);
        else
            s->stats.ignored++;
        return;
    }
    s->stats.requests++;
    if (!handle_duplicate(s, &m, from))
        coap_handle_request(s, &m, from);
}

int coap_server_init(struct coap_server *s, struct loop *loop, struct ingest *in, coap_send_fn send,
                     void *send_arg)
{
    uint32_t seed = 0;
    memset(s, 0, sizeof(*s));
    s->loop = loop;
    s->ingest = in;
    s->send = send;
    s->send_arg = send_arg;
    /* Message IDs start somewhere unpredictable (section 4.4); the clock stands in without entropy. */
    if (hearth_plat_entropy(&seed, sizeof(seed)) < 0 || seed == 0)
        seed = (uint32_t)coap_now() | 1u;
    s->rng = seed;
    s->next_mid = (uint16_t)next_random(s);
    return ingest_add_observer(in, coap_observe_on_reading, s);
}

void coap_server_stop(struct coap_server *s)
{
    timer_cancel(&s->loop->timers, &s->timer);
}

const struct coap_server_stats *coap_server_stats(const struct coap_server *s)
{
    return &s->stats;
}
