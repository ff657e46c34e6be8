/* SPDX-License-Identifier: ISC */
/* hearth_stream over TLS: Mbed TLS driven by netstack_tcp's callbacks, non-blocking from end to end. */
#include "log.h"
#include "loop.h"
#include "tcp.h"
#include "tls.h"
#include "tls_priv.h"
#include "trace.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <string.h>

#define PLAIN_BYTES 4096u /* decrypted bytes offered to the service at once */
/* Ciphertext netstack could not take: at most one record (payload, header, nonce, tag, inner type). */
#define OVERFLOW_BYTES (MBEDTLS_SSL_OUT_CONTENT_LEN + 64u)
#define HANDSHAKE_TIMEOUT_NS (10 * 1000000000ull)
#define CLOSING_TIMEOUT_NS (10 * 1000000000ull)
#define SWEEP_PERIOD_NS 1000000000ull
#define MAX_LISTENERS 4

enum conn_state { CONN_FREE, CONN_CONNECTING, CONN_HANDSHAKE, CONN_OPEN, CONN_CLOSING };

struct tls_listener {
    hearth_stream_accept_fn accept;
    void *arg;
};

struct tls_conn {
    struct hearth_stream stream; /* first: the service sees &stream */
    enum conn_state state;
    struct netstack_tcp *tcp;
    struct tls_listener *listener; /* NULL for an outbound connection */
    struct tls_client *client;     /* an outbound connection's owner (tls_client.c), else NULL */
    int client_told;               /* tls_client_done has run */
    mbedtls_ssl_context ssl;
    uint64_t deadline_ns;   /* handshake or closing must finish by then */
    const uint8_t *rx;      /* netstack's bytes during on_recv, else NULL */
    size_t rx_len, rx_used; /* rx_used: what Mbed TLS consumed, returned to netstack */
    unsigned depth;         /* nesting of our calls into the service */
    uint32_t trace_id;      /* the TCP connection's, for trace events */
    int service_gone;       /* the service closed the stream (or was told it closed) */
    int notify_sent;        /* close_notify written (or not owed) */
    int peer_notified;      /* the peer's close_notify arrived */
    size_t plain_len;       /* decrypted, not yet consumed by the service */
    size_t ov_off, ov_len;  /* overflow[ov_off .. ov_off + ov_len) still to hand to netstack */
    uint8_t plain[PLAIN_BYTES];
    uint8_t overflow[OVERFLOW_BYTES];
};

static struct tls_conn conns[TLS_MAX_CONNECTIONS];
static struct tls_listener listeners[MAX_LISTENERS];
static struct timer sweep_timer;
static uint64_t refused_logged_ns;

static void release(struct tls_conn *c)
{
    struct tls_client *cl = c->client;
    mbedtls_ssl_free(&c->ssl); /* before the client's configuration, which the context points to */
    memset(c, 0, sizeof(*c));
    if (cl)
        tls_client_release(cl);
}

/* An outbound connection that never became a stream: its owner hears why, once. */
static void tell_client_failed(struct tls_conn *c, int err, int mbedtls_err)
{
    if (!c->client || c->client_told)
        return;
    c->client_told = 1;
    int rc = tls_client_result(c->client, c->state == CONN_HANDSHAKE ? &c->ssl : NULL, err, mbedtls_err);
    c->depth++;
    tls_client_done(c->client, NULL, rc);
    c->depth--;
}

/* ---- Mbed TLS's I/O callbacks. ---- */

/* Feeds Mbed TLS from the bytes netstack offered; what it takes is what we report consumed. */
static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    struct tls_conn *c = ctx;
    if (!c->rx || c->rx_used == c->rx_len)
        return MBEDTLS_ERR_SSL_WANT_READ;
    size_t n = c->rx_len - c->rx_used;
    if (n > len)
        n = len;
    memcpy(buf, c->rx + c->rx_used, n);
    c->rx_used += n;
    return (int)n;
}

/*
 * Hands a record to netstack. What its send buffer cannot take waits in the overflow buffer and is
 * reported as sent, so Mbed TLS never holds a half-sent application record (whose retry rules would
 * leak into the stream API). While the overflow holds bytes, further records wait in Mbed TLS instead.
 */
static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    struct tls_conn *c = ctx;
    if (!c->tcp)
        return MBEDTLS_ERR_SSL_CONN_EOF;
    if (c->ov_len)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    int n = netstack_tcp_write(c->tcp, buf, len);
    if (n < 0)
        return MBEDTLS_ERR_SSL_CONN_EOF;
    size_t rest = len - (size_t)n;
    if (rest > sizeof(c->overflow))
        rest = sizeof(c->overflow);
    memcpy(c->overflow, buf + n, rest);
    c->ov_off = 0;
    c->ov_len = rest;
    return (int)((size_t)n + rest);
}

/* Moves overflow bytes into netstack's send buffer. Returns 1 once the overflow is empty. */
static int drain(struct tls_conn *c)
{
    while (c->ov_len && c->tcp) {
        int n = netstack_tcp_write(c->tcp, c->overflow + c->ov_off, c->ov_len);
        if (n <= 0)
            break;
        c->ov_off += (size_t)n;
        c->ov_len -= (size_t)n;
    }
    return c->ov_len == 0;
}

/* ---- Closing. ---- */

/* Sends close_notify (once) and closes TCP when everything is out; otherwise waits for on_sent. */
static void closing_step(struct tls_conn *c)
{
    if (c->depth || !drain(c))
        return;
    if (!c->notify_sent) {
        int r = mbedtls_ssl_close_notify(&c->ssl);
        if (r == MBEDTLS_ERR_SSL_WANT_WRITE)
            return;
        c->notify_sent = 1;
        if (!drain(c))
            return;
    }
    netstack_tcp_close(c->tcp);
    release(c);
}

static void begin_close(struct tls_conn *c, int send_notify)
{
    if (c->state == CONN_CLOSING)
        return;
    c->state = CONN_CLOSING;
    c->notify_sent = !send_notify;
    c->service_gone = 1;
    c->deadline_ns = hearth_plat_monotonic_ns() + CLOSING_TIMEOUT_NS;
    closing_step(c);
}

/* The connection failed inside TLS (bad record, alert, internal error): tell the service, then close. */
static void fail(struct tls_conn *c, int err, int mbedtls_err)
{
    const struct hearth_stream_handler *h = c->stream.handler;
    log_line("tls: connection failed (Mbed TLS error -0x%04x)", (unsigned)-mbedtls_err);
    if (c->state == CONN_OPEN && !c->service_gone && h && h->on_closed) {
        c->service_gone = 1;
        c->depth++;
        h->on_closed(&c->stream, err, c->stream.arg);
        c->depth--;
    }
    /* Mbed TLS has already queued a fatal alert where one is due; close_notify after it is not. */
    begin_close(c, 0);
}

/* ---- The stream ops the service calls. ---- */

static int stream_write(struct hearth_stream *s, const void *data, size_t len)
{
    struct tls_conn *c = (struct tls_conn *)s;
    const uint8_t *p = data;
    size_t total = 0;
    if (c->state != CONN_OPEN || c->service_gone)
        return -HEARTH_ENOTCONN;
    int exp = mbedtls_ssl_get_record_expansion(&c->ssl);
    int max = mbedtls_ssl_get_max_out_record_payload(&c->ssl);
    if (exp < 0 || max <= 0)
        return -HEARTH_EIO;
    /* Records no larger than netstack can take right now, so the overflow is rarely needed. */
    while (total < len && c->ov_len == 0) {
        size_t room = netstack_tcp_writable(c->tcp);
        if (room <= (size_t)exp)
            break;
        size_t chunk = len - total;
        if (chunk > room - (size_t)exp)
            chunk = room - (size_t)exp;
        if (chunk > (size_t)max)
            chunk = (size_t)max;
        int r = mbedtls_ssl_write(&c->ssl, p + total, chunk);
        if (r <= 0) {
            /* bio_send never refuses with an empty overflow, so this is a broken connection. */
            fail(c, -HEARTH_ECONNABORTED, r);
            return total ? (int)total : -HEARTH_ECONNABORTED;
        }
        total += (size_t)r;
    }
    return (int)total;
}

static size_t stream_writable(struct hearth_stream *s)
{
    struct tls_conn *c = (struct tls_conn *)s;
    if (c->state != CONN_OPEN || c->service_gone || c->ov_len)
        return 0;
    int exp = mbedtls_ssl_get_record_expansion(&c->ssl);
    size_t room = netstack_tcp_writable(c->tcp);
    return exp >= 0 && room > (size_t)exp ? room - (size_t)exp : 0;
}

static void stream_close(struct hearth_stream *s)
{
    struct tls_conn *c = (struct tls_conn *)s;
    c->stream.handler = NULL; /* no callback reaches the service after it closed */
    if (c->state == CONN_OPEN)
        begin_close(c, 1);
}

static const struct hearth_stream_ops tls_ops = {
    .write = stream_write,
    .writable = stream_writable,
    .close = stream_close,
};

/* ---- Driving Mbed TLS from netstack's events. ---- */

/* Reads plaintext and offers it to the service until it stops consuming or nothing more is there. */
static void deliver(struct tls_conn *c)
{
    for (;;) {
        while (c->plain_len < PLAIN_BYTES && !c->peer_notified) {
            int r = mbedtls_ssl_read(&c->ssl, c->plain + c->plain_len, PLAIN_BYTES - c->plain_len);
            if (r > 0) {
                c->plain_len += (size_t)r;
                continue;
            }
            if (r == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
                continue; /* a TLS 1.3 server's ticket to a client: we do not resume, so nothing to keep */
            if (r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || r == 0) {
                c->peer_notified = 1;
            } else if (r != MBEDTLS_ERR_SSL_WANT_READ && r != MBEDTLS_ERR_SSL_WANT_WRITE) {
                fail(c, -HEARTH_ECONNABORTED, r);
                return;
            }
            break;
        }
        if (c->plain_len == 0 || c->service_gone || !c->stream.handler)
            break;
        c->depth++;
        size_t n = c->stream.handler->on_data(&c->stream, c->plain, c->plain_len, c->stream.arg);
        c->depth--;
        if (c->service_gone || c->state != CONN_OPEN)
            return;
        if (n == 0)
            break; /* back-pressure: offered again after on_writable or new data */
        if (n > c->plain_len)
            n = c->plain_len;
        memmove(c->plain, c->plain + n, c->plain_len - n);
        c->plain_len -= n;
    }
    if (c->peer_notified && c->plain_len == 0 && !c->service_gone) {
        const struct hearth_stream_handler *h = c->stream.handler;
        c->service_gone = 1;
        if (h && h->on_closed) {
            c->depth++;
            h->on_closed(&c->stream, 0, c->stream.arg);
            c->depth--;
        }
        begin_close(c, 1);
    }
}

/* Runs the handshake as far as the bytes at hand allow, then hands the connection to the service. */
static void advance(struct tls_conn *c)
{
    if (c->state == CONN_HANDSHAKE) {
        int r = mbedtls_ssl_handshake(&c->ssl);
        if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE)
            return;
        trace_end(TRACE_TLS_HANDSHAKE, c->trace_id, r,
                  r == 0 ? (int32_t)mbedtls_ssl_get_version_number(&c->ssl) : 0);
        if (r != 0) {
            if (c->client)
                tell_client_failed(c, -HEARTH_ECONNABORTED, r); /* logs why, in the client's words */
            else
                log_line("tls: handshake failed (Mbed TLS error -0x%04x)", (unsigned)-r);
            begin_close(c, 0); /* the service never saw it; Mbed TLS queued the alert */
            return;
        }
        int rc = c->client ? tls_client_result(c->client, &c->ssl, 0, 0) : 0;
        if (rc < 0) {
            tell_client_failed(c, rc, 0);
            begin_close(c, 1);
            return;
        }
        c->state = CONN_OPEN;
        c->stream = (struct hearth_stream){.ops = &tls_ops, .secure = 1, .trace_id = c->trace_id};
        c->stream.peer_addr_len = c->tcp ? (uint8_t)netstack_tcp_peer(c->tcp, c->stream.peer_addr) : 0;
        c->depth++;
        if (c->client) {
            c->client_told = 1;
            tls_client_done(c->client, &c->stream, 0);
            rc = 0;
        } else {
            rc = c->listener->accept(&c->stream, c->listener->arg);
        }
        c->depth--;
        if (c->state != CONN_OPEN)
            return; /* closed from inside the callback */
        if (rc < 0 || !c->stream.handler || !c->stream.handler->on_data) {
            c->stream.handler = NULL;
            begin_close(c, 1);
            return;
        }
    }
    if (c->state == CONN_OPEN)
        deliver(c);
}

/* After any event: a close asked for during a service callback runs once the callback returned. */
static void settle(struct tls_conn *c)
{
    if (c->state == CONN_CLOSING && c->depth == 0)
        closing_step(c);
}

static int on_accept(struct netstack_tcp *tcp, void *listen_arg, void **conn_arg)
{
    const mbedtls_ssl_config *conf = tls_server_config();
    struct tls_conn *c = NULL;
    for (unsigned i = 0; i < TLS_MAX_CONNECTIONS && !c; i++)
        if (conns[i].state == CONN_FREE)
            c = &conns[i];
    if (!c || !conf) {
        uint64_t now = hearth_plat_monotonic_ns();
        if (now - refused_logged_ns > 10000000000ull || refused_logged_ns == 0) {
            log_line("tls: refusing a connection: all %u TLS slots are busy", TLS_MAX_CONNECTIONS);
            refused_logged_ns = now;
        }
        return -HEARTH_ENOMEM;
    }
    memset(c, 0, sizeof(*c));
    mbedtls_ssl_init(&c->ssl);
    if (mbedtls_ssl_setup(&c->ssl, conf) != 0) {
        release(c);
        return -HEARTH_ENOMEM;
    }
    mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
    c->state = CONN_HANDSHAKE;
    c->tcp = tcp;
    c->listener = listen_arg;
    c->trace_id = netstack_tcp_trace_id(tcp);
    trace_begin(TRACE_TLS_HANDSHAKE, c->trace_id, 0, 0);
    c->deadline_ns = hearth_plat_monotonic_ns() + HANDSHAKE_TIMEOUT_NS;
    *conn_arg = c;
    return 0;
}

static size_t on_recv(struct netstack_tcp *tcp, const uint8_t *data, size_t len, void *conn_arg)
{
    struct tls_conn *c = conn_arg;
    (void)tcp;
    if (c->state == CONN_CLOSING) {
        settle(c);
        return len; /* nothing more is read once closing: discard */
    }
    c->rx = data;
    c->rx_len = len;
    c->rx_used = 0;
    advance(c);
    size_t used = c->rx_used;
    c->rx = NULL;
    c->rx_len = c->rx_used = 0;
    settle(c);
    return used;
}

static void on_sent(struct netstack_tcp *tcp, void *conn_arg)
{
    struct tls_conn *c = conn_arg;
    (void)tcp;
    if (!drain(c) || c->state == CONN_CLOSING) {
        settle(c);
        return;
    }
    /* A handshake flight or plaintext held back by a full buffer can go on now. */
    advance(c);
    const struct hearth_stream_handler *h = c->stream.handler;
    if (c->state == CONN_OPEN && !c->service_gone && h && h->on_writable) {
        c->depth++;
        h->on_writable(&c->stream, c->stream.arg);
        c->depth--;
    }
    settle(c);
}

/* netstack's connection is gone (reset, timeout, or the peer's FIN after all bytes were consumed). */
static void on_closed(struct netstack_tcp *tcp, int err, void *conn_arg)
{
    struct tls_conn *c = conn_arg;
    const struct hearth_stream_handler *h = c->stream.handler;
    (void)tcp;
    c->tcp = NULL;
    if (c->state == CONN_HANDSHAKE)
        trace_end(TRACE_TLS_HANDSHAKE, c->trace_id, err < 0 ? err : -HEARTH_ECONNRESET, 0);
    tell_client_failed(c, err < 0 ? err : -HEARTH_ECONNRESET, 0);
    if (c->state == CONN_OPEN && !c->service_gone && h && h->on_closed) {
        /* A FIN without close_notify may be a truncation attack: not a clean close. */
        c->service_gone = 1;
        h->on_closed(&c->stream, err < 0 ? err : -HEARTH_ECONNRESET, c->stream.arg);
    }
    release(c);
}

/* An outbound connection's TCP handshake ended: start TLS's, or tell the owner it failed. */
static void on_connected(struct netstack_tcp *tcp, int err, void *conn_arg)
{
    struct tls_conn *c = conn_arg;
    if (err < 0) {
        c->tcp = NULL;
        tell_client_failed(c, err, 0);
        release(c);
        return;
    }
    c->tcp = tcp;
    c->state = CONN_HANDSHAKE;
    advance(c); /* writes the ClientHello */
    settle(c);
}

static const struct netstack_tcp_ops tls_tcp_ops = {
    .accept = on_accept,
    .recv = on_recv,
    .closed = on_closed,
    .sent = on_sent,
    .connected = on_connected,
};

/* Drops handshakes and closes that stalled, and retries overflow a lost acknowledgement left behind. */
static void sweep(struct timer *t, void *arg)
{
    uint64_t now = hearth_plat_monotonic_ns();
    (void)t;
    (void)arg;
    for (unsigned i = 0; i < TLS_MAX_CONNECTIONS; i++) {
        struct tls_conn *c = &conns[i];
        if (c->state == CONN_FREE)
            continue;
        if (c->state != CONN_OPEN && now >= c->deadline_ns) {
            if (c->state == CONN_HANDSHAKE)
                trace_end(TRACE_TLS_HANDSHAKE, c->trace_id, -HEARTH_ETIMEDOUT, 0);
            tell_client_failed(c, -HEARTH_ETIMEDOUT, 0);
            if (c->tcp)
                netstack_tcp_close(c->tcp);
            release(c);
            continue;
        }
        if (c->ov_len && drain(c) && c->state == CONN_CLOSING)
            closing_step(c);
    }
}

void tls_stream_init(struct loop *loop)
{
    timer_arm(&loop->timers, &sweep_timer, hearth_plat_monotonic_ns() + SWEEP_PERIOD_NS, SWEEP_PERIOD_NS,
              sweep, NULL);
}

int tls_stream_connect(const uint8_t addr[4], uint16_t port, const mbedtls_ssl_config *conf, const char *sni,
                       uint64_t timeout_ns, struct tls_client *cl)
{
    struct tls_conn *c = NULL;
    int rc = -HEARTH_ENOMEM;
    if (!tls_server_config())
        return -HEARTH_ENOTCONN;
    for (unsigned i = 0; i < TLS_MAX_CONNECTIONS && !c; i++)
        if (conns[i].state == CONN_FREE)
            c = &conns[i];
    if (!c)
        return -HEARTH_ENOMEM;
    memset(c, 0, sizeof(*c));
    mbedtls_ssl_init(&c->ssl);
    if (mbedtls_ssl_setup(&c->ssl, conf) != 0 || mbedtls_ssl_set_hostname(&c->ssl, sni) != 0)
        goto fail;
    mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
    c->state = CONN_CONNECTING;
    c->deadline_ns = hearth_plat_monotonic_ns() + timeout_ns;
    if ((rc = netstack_tcp_connect(addr, port, timeout_ns, &tls_tcp_ops, c, &c->tcp)) < 0)
        goto fail;
    c->client = cl; /* from here on release() hands it back */
    return 0;
fail:
    mbedtls_ssl_free(&c->ssl);
    memset(c, 0, sizeof(*c));
    return rc;
}

int tls_listen(uint16_t port, hearth_stream_accept_fn accept, void *listen_arg)
{
    struct tls_listener *l = NULL;
    if (!tls_server_config())
        return -HEARTH_ENOTCONN;
    if (!accept)
        return -HEARTH_EINVAL;
    for (unsigned i = 0; i < MAX_LISTENERS && !l; i++)
        if (!listeners[i].accept)
            l = &listeners[i];
    if (!l)
        return -HEARTH_ENOMEM;
    *l = (struct tls_listener){.accept = accept, .arg = listen_arg};
    int rc = netstack_tcp_listen(port, &tls_tcp_ops, l);
    if (rc < 0)
        memset(l, 0, sizeof(*l));
    return rc;
}
