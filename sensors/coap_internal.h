/* SPDX-License-Identifier: ISC */
/* Shared internals of the CoAP server: the message layer, the resources and the observers. */
#ifndef SENSORS_COAP_INTERNAL_H
#define SENSORS_COAP_INTERNAL_H

#include "coap_server.h"

#include <stdbool.h>

/* A response to describe; coap_build_reply turns it into bytes. */
struct coap_reply {
    uint8_t code;
    int32_t observe; /* -1: no Observe option */
    int32_t format;  /* Content-Format, -1: none (diagnostic payloads carry none, RFC 7252 5.5.2) */
    const uint8_t *etag;
    uint8_t etag_len;
    const char *payload; /* may be NULL */
    size_t payload_len;
};

/* A reply with only a code and an optional constant diagnostic text. */
struct coap_reply coap_reply_diag(uint8_t code, const char *diag);

/* Serialises r with the given header into buf; adds Size1 to 4.13. Returns the length or a writer error. */
int coap_build_reply(uint8_t *buf, size_t cap, uint8_t type, uint16_t mid, const uint8_t *token, uint8_t tkl,
                     const struct coap_reply *r);

/* coap_server.c: the message layer. */
uint64_t coap_now(void);
uint16_t coap_new_mid(struct coap_server *s);
void coap_send(struct coap_server *s, const uint8_t *data, size_t len, const struct netstack_endpoint *to);
void coap_send_reset(struct coap_server *s, const struct netstack_endpoint *to, uint16_t mid);
bool coap_same_peer(const struct netstack_endpoint *a, const struct netstack_endpoint *b);
/* Makes the timer fire no later than deadline_ns. */
void coap_kick(struct coap_server *s, uint64_t deadline_ns);
/* Answers request m: piggy-backed in the ACK of a Confirmable request, Non-confirmable otherwise. */
void coap_respond(struct coap_server *s, const struct coap_msg *m, const struct netstack_endpoint *peer,
                  const struct coap_reply *r);
/*
 * Sends a Confirmable message (bytes copied) and retransmits it until acknowledged. With observer >= 0 it
 * replaces that observer's outstanding notification, keeping its retransmission count and timeout
 * (RFC 7641 section 4.5.2), so a fast-changing value cannot keep a dead observer alive. Returns 0, or
 * -HEARTH_ENOSPC when every slot is busy (the message is then sent once, untracked).
 */
int coap_send_confirmable(struct coap_server *s, const struct netstack_endpoint *to, const uint8_t *bytes,
                          size_t len, uint16_t mid, int observer);
/* A slot for a POST about to be ingested, marked PENDING; NULL when every slot still waits for the disk. */
struct coap_dedup *coap_dedup_claim(struct coap_server *s, const struct coap_msg *m,
                                    const struct netstack_endpoint *peer);
/* The POST in e is answered with code (and a constant diagnostic): sent now and remembered. */
void coap_dedup_finish(struct coap_dedup *e, uint8_t code, const char *diag);
/* The POST in e was handed to the store: its ACK waits for the durability callback (or the timer). */
void coap_dedup_wait(struct coap_dedup *e);

/* coap_resources.c: a request that is neither a duplicate nor malformed. */
void coap_handle_request(struct coap_server *s, const struct coap_msg *m,
                         const struct netstack_endpoint *peer);

/* coap_observe.c */
/* Registers (or refreshes) peer+token for key; returns the Observe number for the reply, or -1 when the
 * table is full (the reply then carries no Observe option: the client is not registered). */
int32_t coap_observe_register(struct coap_server *s, const struct netstack_endpoint *peer,
                              const uint8_t *token, uint8_t tkl, const char *key, uint8_t format);
void coap_observe_deregister(struct coap_server *s, const struct netstack_endpoint *peer,
                             const uint8_t *token, uint8_t tkl);
/* The ingest observer: remembers accepted readings of observed series until they are durable. */
void coap_observe_on_reading(void *arg, const struct reading *r, uint64_t seq);
/* Sends the notifications whose readings are durable; returns when it wants to run again. */
uint64_t coap_observe_service(struct coap_server *s, uint64_t now_ns);
/* A Reset arrived for mid from peer: cancels the observer it answers. */
void coap_observe_reset(struct coap_server *s, const struct netstack_endpoint *peer, uint16_t mid);
void coap_observe_drop(struct coap_server *s, int index, const char *why);

/* "a.b.c.d:port" into buf (at least 22 bytes). */
void coap_peer_name(const struct netstack_endpoint *p, char *buf, size_t cap);
/* An ETag (1..8 bytes) for a store sequence number; returns its length. */
uint8_t coap_etag_for_seq(uint64_t seq, uint8_t out[8]);

#endif
