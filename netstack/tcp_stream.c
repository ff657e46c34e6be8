/* SPDX-License-Identifier: ISC */
/* hearth_stream over netstack_tcp: one stream object per connection slot, no copies in between. */
#include "tcp_stream.h"

#include "lwipopts.h"
#include "tcp.h"

#include <hearth/err.h>
#include <string.h>

struct tcp_stream {
    struct hearth_stream stream; /* first: the handler sees &stream */
    struct netstack_tcp *conn;
    hearth_stream_connect_fn done; /* outbound, until connected */
    void *done_arg;
};

struct tcp_stream_listener {
    hearth_stream_accept_fn accept;
    void *arg;
};

static struct tcp_stream streams[MEMP_NUM_TCP_PCB];
static struct tcp_stream_listener listeners[MEMP_NUM_TCP_PCB_LISTEN];

static int stream_write(struct hearth_stream *s, const void *data, size_t len)
{
    struct tcp_stream *t = (struct tcp_stream *)s;
    return t->conn ? netstack_tcp_write(t->conn, data, len) : -HEARTH_ENOTCONN;
}

static size_t stream_writable(struct hearth_stream *s)
{
    struct tcp_stream *t = (struct tcp_stream *)s;
    return t->conn ? netstack_tcp_writable(t->conn) : 0;
}

static void stream_close(struct hearth_stream *s)
{
    struct tcp_stream *t = (struct tcp_stream *)s;
    struct netstack_tcp *c = t->conn;
    memset(t, 0, sizeof(*t));
    if (c)
        netstack_tcp_close(c);
}

static const struct hearth_stream_ops plain_ops = {
    .write = stream_write,
    .writable = stream_writable,
    .close = stream_close,
};

static struct tcp_stream *free_stream(void)
{
    for (size_t i = 0; i < sizeof(streams) / sizeof(streams[0]); i++)
        if (!streams[i].conn && !streams[i].done)
            return &streams[i];
    return NULL;
}

static int on_accept(struct netstack_tcp *c, void *listen_arg, void **conn_arg)
{
    struct tcp_stream_listener *l = listen_arg;
    struct tcp_stream *t = NULL;
    if (!(t = free_stream()))
        return -HEARTH_ENOMEM;
    *t = (struct tcp_stream){.stream = {.ops = &plain_ops, .trace_id = netstack_tcp_trace_id(c)}, .conn = c};
    t->stream.peer_addr_len = (uint8_t)netstack_tcp_peer(c, t->stream.peer_addr);
    int rc = l->accept(&t->stream, l->arg);
    if (rc < 0 || !t->stream.handler || !t->stream.handler->on_data) {
        memset(t, 0, sizeof(*t));
        return rc < 0 ? rc : -HEARTH_EINVAL;
    }
    *conn_arg = t;
    return 0;
}

static size_t on_recv(struct netstack_tcp *c, const uint8_t *data, size_t len, void *conn_arg)
{
    struct tcp_stream *t = conn_arg;
    (void)c;
    return t->stream.handler->on_data(&t->stream, data, len, t->stream.arg);
}

static void on_closed(struct netstack_tcp *c, int err, void *conn_arg)
{
    struct tcp_stream *t = conn_arg;
    (void)c;
    const struct hearth_stream_handler *h = t->stream.handler;
    void *arg = t->stream.arg;
    /* The connection is gone (or closing on the peer's FIN): the slot is free once the service knows. */
    t->conn = NULL;
    if (h && h->on_closed)
        h->on_closed(&t->stream, err, arg);
    memset(t, 0, sizeof(*t));
}

static void on_sent(struct netstack_tcp *c, void *conn_arg)
{
    struct tcp_stream *t = conn_arg;
    (void)c;
    if (t->stream.handler && t->stream.handler->on_writable)
        t->stream.handler->on_writable(&t->stream, t->stream.arg);
}

static const struct netstack_tcp_ops stream_tcp_ops = {
    .accept = on_accept,
    .recv = on_recv,
    .closed = on_closed,
    .sent = on_sent,
};

/* The outbound connection is up (the service gets the stream) or failed (the slot is freed). */
static void on_connected(struct netstack_tcp *c, int err, void *conn_arg)
{
    struct tcp_stream *t = conn_arg;
    hearth_stream_connect_fn done = t->done;
    void *arg = t->done_arg;
    t->done = NULL;
    if (err < 0) {
        memset(t, 0, sizeof(*t));
        done(NULL, err, arg);
        return;
    }
    t->conn = c;
    done(&t->stream, 0, arg);
    if (t->conn == c && (!t->stream.handler || !t->stream.handler->on_data))
        stream_close(&t->stream); /* the service took no handler: nothing could read the stream */
}

static const struct netstack_tcp_ops connect_tcp_ops = {
    .recv = on_recv,
    .closed = on_closed,
    .sent = on_sent,
    .connected = on_connected,
};

int tcp_stream_connect(const uint8_t addr[4], uint16_t port, uint64_t timeout_ns,
                       hearth_stream_connect_fn done, void *arg)
{
    struct tcp_stream *t = free_stream();
    if (!done)
        return -HEARTH_EINVAL;
    if (!t)
        return -HEARTH_ENOMEM;
    *t = (struct tcp_stream){.stream = {.ops = &plain_ops}, .done = done, .done_arg = arg};
    int rc = netstack_tcp_connect(addr, port, timeout_ns, &connect_tcp_ops, t, NULL);
    if (rc < 0)
        memset(t, 0, sizeof(*t));
    return rc;
}

int tcp_stream_listen(uint16_t port, hearth_stream_accept_fn accept, void *listen_arg)
{
    struct tcp_stream_listener *l = NULL;
    for (size_t i = 0; i < sizeof(listeners) / sizeof(listeners[0]) && !l; i++)
        if (!listeners[i].accept)
            l = &listeners[i];
    if (!l || !accept)
        return l ? -HEARTH_EINVAL : -HEARTH_ENOMEM;
    *l = (struct tcp_stream_listener){.accept = accept, .arg = listen_arg};
    int rc = netstack_tcp_listen(port, &stream_tcp_ops, l);
    if (rc < 0)
        memset(l, 0, sizeof(*l));
    return rc;
}
