/* SPDX-License-Identifier: ISC */
/* The CoAP endpoint (RFC 7252, observe per RFC 7641): POST readings in, GET and observe the latest value. */
#ifndef SENSORS_COAP_SERVER_H
#define SENSORS_COAP_SERVER_H

/*
 * Resources:
 *   POST /hearth/<sensor>/<quantity>   payload "21.5" or {"value":21.5,"ts":<unix s>} (text/plain or JSON)
 *                                      -> 2.01 once the reading is durable
 *   GET  /hearth/<sensor>/<quantity>   -> 2.05 the latest value (Accept text/plain or application/json);
 *                                      Observe 0 registers for notifications, Observe 1 deregisters
 *   GET  /.well-known/core             -> the series the store holds, in RFC 6690 link format
 *
 * This is a compact implementation rather than libcoap: libcoap owns its sockets and I/O loop (or
 * threads), while Hearth has one cooperative NO_SYS loop and lwIP raw callbacks, and the part of CoAP a
 * sensor hub needs is small. No DTLS: CoAP requests are not authenticated (MQTT and HTTPS are the
 * authenticated ingest paths).
 *
 * Acknowledgements: a Confirmable POST is answered by a piggy-backed 2.01 in its ACK once the store says
 * the reading is durable (normally within the store's 20 ms commit delay). If that takes longer than
 * COAP_EMPTY_ACK_AFTER_NS, an Empty ACK goes out first and the 2.01 follows as a separate Confirmable
 * response, retransmitted until acknowledged. A Non-confirmable POST gets a Non-confirmable 2.01.
 */

#include "coap_codec.h"
#include "ingest.h"
#include "loop.h"
#include "udp.h"

#include <stdint.h>

#define COAP_PORT 5683
#define COAP_PAYLOAD_MAX 256 /* request payloads above this get 4.13 with Size1 */

/* RFC 7252 section 4.8 transmission parameters (the defaults). */
#define COAP_ACK_TIMEOUT_NS 2000000000ull
#define COAP_MAX_RETRANSMIT 4
#define COAP_EXCHANGE_LIFETIME_NS 247000000000ull
/* Well inside the client's first retransmission timeout (ACK_TIMEOUT, 2 to 3 s). */
#define COAP_EMPTY_ACK_AFTER_NS 1000000000ull

/*
 * Bounded state. The deduplication cache remembers POSTs (the only non-idempotent request) for
 * EXCHANGE_LIFETIME; when it is full the oldest answered one is forgotten early (a retransmission of that
 * one alone could then be stored twice), and when every slot still waits for the disk a POST gets 5.03.
 */
#define COAP_DEDUP_SLOTS 128
#define COAP_OUTSTANDING_SLOTS 16 /* Confirmable messages we send and retransmit */
#define COAP_OUT_MSG_MAX 192
#define COAP_OBSERVERS_MAX 16
/* Notifications are Non-confirmable, but every COAP_OBS_CON_EVERY-th one, and the first one after
 * COAP_OBS_CON_INTERVAL_NS, is Confirmable: an observer that no longer answers is then dropped. */
#define COAP_OBS_CON_EVERY 8
#define COAP_OBS_CON_INTERVAL_NS 60000000000ull
/* A notification waits until its reading is durable; one that never becomes durable is abandoned. */
#define COAP_OBS_DURABLE_POLL_NS 10000000ull
#define COAP_OBS_DURABLE_GIVE_UP_NS 5000000000ull

/* Sends one datagram (copied); the server ignores failures (CoAP's retransmissions cover losses). */
typedef int (*coap_send_fn)(void *arg, const uint8_t *data, size_t len, const struct netstack_endpoint *to);

struct coap_server_stats {
    unsigned long requests, created, rejected, duplicates, format_errors, ignored, resets_sent;
    unsigned long notifications, observers_dropped, retransmits, separate_responses;
};

/* Internal layout, here so callers can embed the server; touch only through the functions below. */
enum coap_dedup_state { COAP_DEDUP_FREE, COAP_DEDUP_PENDING, COAP_DEDUP_DONE };

struct coap_server;

/* A POST this server saw: its answer, or that the answer waits for the disk. */
struct coap_dedup {
    struct coap_server *srv; /* for the durability callback */
    struct netstack_endpoint peer;
    uint16_t mid;
    uint8_t state, req_type, empty_acked, tkl, code;
    uint8_t token[COAP_TOKEN_MAX];
    const char *diag;    /* a constant diagnostic payload, or NULL */
    uint64_t expires_ns; /* DONE: forgotten after this */
    uint64_t ack_due_ns; /* PENDING and Confirmable: when an Empty ACK goes out */
};

/* A Confirmable message we sent: retransmitted with exponential back-off until ACK or RST. */
struct coap_outgoing {
    uint8_t used, retransmits;
    int8_t observer; /* the observer it notifies, or -1 (a separate response) */
    struct netstack_endpoint peer;
    uint16_t mid, len;
    uint64_t next_ns, timeout_ns;
    uint8_t bytes[COAP_OUT_MSG_MAX];
};

struct coap_observer {
    uint8_t used, tkl, format, since_con;
    struct netstack_endpoint peer;
    uint8_t token[COAP_TOKEN_MAX];
    char key[READING_SENSOR_MAX + READING_QUANTITY_MAX + 2]; /* "<sensor>/<quantity>" */
    uint16_t last_mid;    /* of the latest notification: a Reset to it cancels */
    uint64_t last_con_ns; /* when the latest Confirmable notification (or the registration) went out */
    uint64_t pending_seq; /* a reading waiting to be durable before it is notified; 0: none */
    uint64_t pending_since_ns, pending_ts_ns;
    char pending_value[32];
};

struct coap_server {
    struct loop *loop;
    struct ingest *ingest;
    coap_send_fn send;
    void *send_arg;
    struct timer timer;
    uint16_t next_mid;
    uint32_t rng, observe_counter;
    uint64_t last_log_ns;
    struct coap_server_stats stats;
    struct coap_dedup dedup[COAP_DEDUP_SLOTS];
    struct coap_outgoing out[COAP_OUTSTANDING_SLOTS];
    struct coap_observer obs[COAP_OBSERVERS_MAX];
};

/*
 * Prepares s (zeroing it) to serve readings through in and to send with send(send_arg, ...) (NULL when
 * coap_server_listen provides it); registers with in's observers for notifications. loop carries the
 * retransmission timer. s must outlive in and
 * every reading it submitted. Returns 0 or -HEARTH_ENOSPC (in's observer table is full).
 */
int coap_server_init(struct coap_server *s, struct loop *loop, struct ingest *in, coap_send_fn send,
                     void *send_arg);

/* Handles one datagram from from; data is only read during the call. */
void coap_server_input(struct coap_server *s, const uint8_t *data, size_t len,
                       const struct netstack_endpoint *from);

/* Cancels the timer (tests tear a server down with it; a live hub never stops its server). */
void coap_server_stop(struct coap_server *s);

/*
 * Binds UDP port on the network stack and feeds its datagrams to s, answering through the same port
 * (sensors/coap_udp.c). Call after coap_server_init. Returns 0 or netstack_udp_bind's errors.
 */
int coap_server_listen(struct coap_server *s, uint16_t port);

const struct coap_server_stats *coap_server_stats(const struct coap_server *s);

#endif
