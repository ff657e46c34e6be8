/* SPDX-License-Identifier: ISC */
/* The CoAP resources: POST a reading, GET (and observe) a series' latest value, /.well-known/core. */
#include "coap_internal.h"
#include "store.h"

#include <hearth/err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINK_FORMAT_MAX 1024 /* no Block2: the catalogue is cut to what fits one datagram */

static bool segment_is(const struct coap_bytes *b, const char *s)
{
    return b->len == strlen(s) && memcmp(b->p, s, b->len) == 0;
}

uint8_t coap_etag_for_seq(uint64_t seq, uint8_t out[8])
{
    uint8_t n = 0;
    for (int shift = 56; shift >= 0; shift -= 8)
        if (n || (seq >> shift) & 0xff || shift == 0)
            out[n++] = (uint8_t)(seq >> shift);
    return n;
}

/* The series a /hearth/<sensor>/<quantity> path names, checked like an MQTT topic. Returns 0 or -1. */
static int series_of(const struct coap_request *req, struct reading *r)
{
    char topic[sizeof("hearth/") + READING_SENSOR_MAX + 1 + READING_QUANTITY_MAX];
    const struct coap_bytes *sensor = &req->path[1], *quantity = &req->path[2];
    if (sensor->len > READING_SENSOR_MAX || quantity->len > READING_QUANTITY_MAX)
        return -1;
    int n = snprintf(topic, sizeof(topic), "hearth/%.*s/%.*s", (int)sensor->len, (const char *)sensor->p,
                     (int)quantity->len, (const char *)quantity->p);
    /* A NUL inside a segment would shorten the text: the lengths must add up exactly. */
    if (n != (int)(8 + sensor->len + quantity->len) || memchr(sensor->p, 0, sensor->len) ||
        memchr(quantity->p, 0, quantity->len))
        return -1;
    memset(r, 0, sizeof(*r));
    return reading_parse_topic(topic, (size_t)n, r) == 0 ? 0 : -1;
}

static void post_durable(void *arg, int status)
{
    struct coap_dedup *e = arg;
    /* Never 2.01 for a reading the store could not keep: the client may send it again. */
    if (status == 0)
        coap_dedup_finish(e, COAP_CREATED, NULL);
    else
        coap_dedup_finish(e, COAP_INTERNAL_ERROR, "the store failed");
}

static void post_reading(struct coap_server *s, const struct coap_msg *m, const struct coap_request *req,
                         const struct netstack_endpoint *peer, struct reading *r)
{
    struct coap_reply bad;
    if (m->payload_len > COAP_PAYLOAD_MAX)
        bad = coap_reply_diag(COAP_TOO_LARGE, "a reading is at most 256 bytes");
    else if (req->content_format >= 0 && req->content_format != COAP_FMT_TEXT &&
             req->content_format != COAP_FMT_JSON)
        bad = coap_reply_diag(COAP_UNSUPPORTED_FORMAT, "text/plain (0) or application/json (50)");
    else if (!m->payload || reading_parse_payload(m->payload, m->payload_len, r) < 0)
        bad = coap_reply_diag(COAP_BAD_REQUEST, "payload: a number or {\"value\":<number>,\"ts\":<unix s>}");
    else if (!s->ingest->store)
        bad = coap_reply_diag(COAP_UNAVAILABLE, "no store: readings cannot be kept");
    else
        bad.code = 0;
    if (bad.code) {
        coap_respond(s, m, peer, &bad);
        return;
    }
    struct coap_dedup *e = coap_dedup_claim(s, m, peer);
    if (!e) {
        bad = coap_reply_diag(COAP_UNAVAILABLE, "busy: try again");
        coap_respond(s, m, peer, &bad);
        return;
    }
    char source[32];
    memcpy(source, "coap ", 5);
    coap_peer_name(peer, source + 5, sizeof(source) - 5);
    int rc = ingest_submit(s->ingest, r, source, post_durable, e);
    if (rc == 0)
        coap_dedup_wait(e);
    else if (rc == -HEARTH_ERANGE)
        coap_dedup_finish(e, COAP_BAD_REQUEST, "implausible value or timestamp");
    else if (rc == -HEARTH_ENOMEM || rc == -HEARTH_ENOSPC)
        coap_dedup_finish(e, COAP_UNAVAILABLE, "out of space: try again later");
    else
        coap_dedup_finish(e, COAP_INTERNAL_ERROR, "the store failed");
}

static void get_latest(struct coap_server *s, const struct coap_msg *m, const struct coap_request *req,
                       const struct netstack_endpoint *peer, const struct reading *r)
{
    struct coap_reply reply;
    char key[sizeof(((struct coap_observer *)0)->key)];
    uint8_t buf[STORE_KEY_MAX + 64], etag[8];
    struct store_record rec;
    int32_t format = req->accept < 0 ? COAP_FMT_TEXT : req->accept;
    int klen = reading_key(r, key, sizeof(key)), rc = -HEARTH_EIO;
    if (format != COAP_FMT_TEXT && format != COAP_FMT_JSON) {
        reply = coap_reply_diag(COAP_NOT_ACCEPTABLE, "text/plain (0) or application/json (50)");
        goto out;
    }
    if (!s->ingest->store) {
        reply = coap_reply_diag(COAP_UNAVAILABLE, "no store");
        goto out;
    }
    if (klen > 0)
        rc = store_get_latest(s->ingest->store, STORE_T_READING, (const uint8_t *)key, (uint8_t)klen, &rec,
                              buf, sizeof(buf));
    if (rc < 0) {
        reply = rc == -HEARTH_ENOENT ? coap_reply_diag(COAP_NOT_FOUND, "no readings yet")
                                     : coap_reply_diag(COAP_INTERNAL_ERROR, "the store failed");
        goto out;
    }
    char value[40], body[96];
    size_t vlen = rec.payload_len < sizeof(value) - 1 ? rec.payload_len : sizeof(value) - 1;
    memcpy(value, rec.payload, vlen);
    value[vlen] = '\0';
    reply = (struct coap_reply){.code = COAP_CONTENT, .observe = -1, .format = format, .etag = etag};
    reply.etag_len = coap_etag_for_seq(rec.seq, etag);
    if (format == COAP_FMT_JSON) {
        int n = snprintf(body, sizeof(body), "{\"value\":%s,\"ts\":%" PRIu64 "}", value,
                         rec.timestamp_ns / 1000000000u);
        reply.payload = body;
        reply.payload_len = n > 0 && (size_t)n < sizeof(body) ? (size_t)n : 0;
    } else {
        reply.payload = value;
        reply.payload_len = vlen;
    }
    for (unsigned i = 0; i < req->etag_count; i++) {
        if (req->etag[i].len == reply.etag_len && memcmp(req->etag[i].p, etag, reply.etag_len) == 0) {
            reply.code = COAP_VALID; /* the client's copy is current (section 5.10.6.2) */
            reply.payload = NULL;
            reply.payload_len = 0;
            reply.format = -1;
        }
    }
    if (req->observe == 0)
        reply.observe = coap_observe_register(s, peer, m->token, m->tkl, key, (uint8_t)format);
out:
    /* RFC 7641 section 4.1: an error response ends an observation; Observe 1 ends it explicitly. */
    if (req->observe == 1 || (req->observe == 0 && COAP_CODE_CLASS(reply.code) != 2))
        coap_observe_deregister(s, peer, m->token, m->tkl);
    coap_respond(s, m, peer, &reply);
}

struct catalogue {
    char *body;
    size_t len;
    int full;
};

static int add_link(void *arg, const struct store_record *rec)
{
    struct catalogue *c = arg;
    char link[STORE_KEY_MAX + 64];
    int n = snprintf(link, sizeof(link), "</hearth/%.*s>;rt=\"hearth.reading\";ct=\"0 50\";obs",
                     (int)rec->key_len, (const char *)rec->key);
    if (n <= 0 || (size_t)n >= sizeof(link))
        return 0;
    link[n] = '\0';
    /* Each series once; the catalogue is small, so a search of it is cheap. */
    char *found = c->body;
    size_t prefix = (size_t)(strchr(link, '>') - link) + 1;
    while ((found = strstr(found, "</hearth/")) != NULL) {
        if (strncmp(found, link, prefix) == 0)
            return 0;
        found++;
    }
    if (c->len + (c->len ? 1 : 0) + (size_t)n >= LINK_FORMAT_MAX) {
        c->full = 1;
        return 0;
    }
    c->len += (size_t)snprintf(c->body + c->len, LINK_FORMAT_MAX - c->len, "%s%s", c->len ? "," : "", link);
    return 0;
}

static void well_known_core(struct coap_server *s, const struct coap_msg *m, const struct coap_request *req,
                            const struct netstack_endpoint *peer)
{
    struct coap_reply reply;
    struct catalogue c = {.body = malloc(LINK_FORMAT_MAX)};
    if (req->accept >= 0 && req->accept != COAP_FMT_LINK) {
        reply = coap_reply_diag(COAP_NOT_ACCEPTABLE, "application/link-format (40)");
    } else if (!c.body) {
        reply = coap_reply_diag(COAP_UNAVAILABLE, "out of memory");
    } else {
        c.body[0] = '\0';
        struct store_query q = {.type = STORE_T_READING};
        if (s->ingest->store)
            (void)store_iterate(s->ingest->store, &q, add_link, &c); /* a failed store lists what it got */
        reply = (struct coap_reply){.code = COAP_CONTENT,
                                    .observe = -1,
                                    .format = COAP_FMT_LINK,
                                    .payload = c.body,
                                    .payload_len = c.len};
    }
    coap_respond(s, m, peer, &reply);
    free(c.body);
}

void coap_handle_request(struct coap_server *s, const struct coap_msg *m,
                         const struct netstack_endpoint *peer)
{
    struct coap_request req;
    struct coap_reply reply;
    struct reading r;
    char diag[48];
    if (coap_request_parse(m, &req) < 0) {
        /* Section 5.4.1: 4.02 for a Confirmable request; a Non-confirmable one is rejected. */
        if (m->type == COAP_NON) {
            coap_send_reset(s, peer, m->mid);
            return;
        }
        snprintf(diag, sizeof(diag), "critical option %u not supported", req.bad_option);
        reply = coap_reply_diag(COAP_BAD_OPTION, diag);
    } else if (req.proxy) {
        reply = coap_reply_diag(COAP_PROXYING_NOT_SUPPORTED, "not a proxy");
    } else if (req.path_count == 2 && segment_is(&req.path[0], ".well-known") &&
               segment_is(&req.path[1], "core")) {
        if (m->code == COAP_GET) {
            well_known_core(s, m, &req, peer);
            return;
        }
        reply = coap_reply_diag(COAP_METHOD_NOT_ALLOWED, "GET only");
    } else if (req.path_count == 3 && segment_is(&req.path[0], "hearth") && series_of(&req, &r) == 0) {
        if (m->code == COAP_POST) {
            post_reading(s, m, &req, peer, &r);
            return;
        }
        if (m->code == COAP_GET) {
            get_latest(s, m, &req, peer, &r);
            return;
        }
        reply = coap_reply_diag(COAP_METHOD_NOT_ALLOWED, "GET or POST");
    } else {
        reply = coap_reply_diag(COAP_NOT_FOUND, "resources: /hearth/<sensor>/<quantity>, /.well-known/core");
    }
    coap_respond(s, m, peer, &reply);
}
