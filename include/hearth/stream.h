/* SPDX-License-Identifier: ISC */
/* The byte-stream contract between transports (plain TCP, TLS) and the services that speak over them. */
#ifndef HEARTH_STREAM_H
#define HEARTH_STREAM_H

#include <stddef.h>
#include <stdint.h>

struct hearth_stream;

/* What a service does with a stream; every callback runs on the event loop. */
struct hearth_stream_handler {
    /*
     * Plaintext bytes arrived. Return how many were consumed (0..len); the rest is offered again with
     * newer bytes appended, after writes drain or more data arrives (back-pressure). Required.
     */
    size_t (*on_data)(struct hearth_stream *s, const uint8_t *data, size_t len, void *arg);
    /* Send space was freed: hearth_stream_writable may have grown. Optional. */
    void (*on_writable)(struct hearth_stream *s, void *arg);
    /*
     * The last callback: err 0 when the peer closed cleanly, a negative HEARTH_E* code when the
     * connection failed (reset, timeout, TLS alert). The stream is invalid afterwards. Optional.
     */
    void (*on_closed)(struct hearth_stream *s, int err, void *arg);
};

/* The transport's side: implemented by netstack (plain TCP) and tls/. */
struct hearth_stream_ops {
    int (*write)(struct hearth_stream *s, const void *data, size_t len);
    size_t (*writable)(struct hearth_stream *s);
    void (*close)(struct hearth_stream *s);
};

struct hearth_stream {
    const struct hearth_stream_ops *ops;
    const struct hearth_stream_handler *handler; /* set by the accept callback */
    void *arg;                                   /* the handler's, set by the accept callback */
    int secure;                                  /* 1 when the bytes travel inside TLS */
    uint32_t trace_id; /* the connection's id in trace events (services/trace.h), set by the transport */
    /*
     * The peer's address as the transport saw it (network byte order), for per-client limits such as
     * login throttling: 4 bytes for IPv4, 16 for IPv6, 0 when the transport does not know it.
     * Filled by the transport before the accept callback runs.
     */
    uint8_t peer_addr[16];
    uint8_t peer_addr_len;
};

/*
 * Called for each new connection on a listener. Set s->handler and s->arg and return 0 to take it,
 * or return a negative HEARTH_E* code to refuse it (the transport closes it at once).
 */
typedef int (*hearth_stream_accept_fn)(struct hearth_stream *s, void *listen_arg);

/*
 * The result of an outbound connection (tcp_stream_connect, tls_connect), called once. err 0: s is the new
 * stream; set s->handler (with on_data) and s->arg before returning, or close it. err < 0: s is NULL.
 */
typedef void (*hearth_stream_connect_fn)(struct hearth_stream *s, int err, void *arg);

/* Copies up to len bytes for sending; returns the count taken (0 when full) or a negative code. */
static inline int hearth_stream_write(struct hearth_stream *s, const void *data, size_t len)
{
    return s->ops->write(s, data, len);
}

/* Bytes hearth_stream_write would take right now. */
static inline size_t hearth_stream_writable(struct hearth_stream *s)
{
    return s->ops->writable(s);
}

/*
 * Closes after delivering what was written. No further callbacks arrive for s (on_closed is not
 * called for a close asked for here), and s is invalid afterwards, also inside a callback.
 */
static inline void hearth_stream_close(struct hearth_stream *s)
{
    s->ops->close(s);
}

#endif
