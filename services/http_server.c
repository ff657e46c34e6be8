/* SPDX-License-Identifier: ISC */
/* HTTP/1.1 connections: buffer one request, dispatch it, send the answer, then the next (pipelining-safe). */
#include "http_server.h"

#include "log.h"
#include "trace.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IN_CAP (HTTP_MAX_HEAD + HTTP_MAX_BODY)
#define OUT_HEAD_CAP 1024

enum conn_state { READING, RESPONDING, CLOSING };

struct http_exchange {
    struct http_conn *conn;
    struct http_request req;
    char path[HTTP_MAX_TARGET + 1];
    const char *query;
    const uint8_t *body;
    size_t body_len;
    int answered;
};

struct http_conn {
    struct http_server *server;
    struct hearth_stream *stream;
    enum conn_state state;
    int busy; /* inside one of our callbacks: freeing waits until it returns */
    struct timer timeout;
    uint8_t *in;   /* request bytes: head, then body (decoded in place when chunked) */
    size_t in_len; /* bytes held */
    /* The answer being sent: head in out_head, then the body (owned when out_body_owned). */
    char out_head[OUT_HEAD_CAP];
    size_t out_head_len, out_head_sent;
    const uint8_t *out_body;
    size_t out_body_len, out_body_sent;
    uint8_t *out_body_owned;
    int keep_alive;
    int status;         /* of the answer being sent, for the trace */
    size_t request_len; /* bytes of in[] that the current request used, dropped once answered */
    struct http_exchange x;
};

static void conn_free(struct http_conn *c)
{
    timer_cancel(&c->server->loop->timers, &c->timeout);
    c->server->active--;
    free(c->out_body_owned);
    free(c->in);
    free(c);
}

/* Closes the stream at once; the memory goes when no callback of ours is still running on it. */
static void conn_close(struct http_conn *c)
{
    if (c->state == CLOSING)
        return;
    c->state = CLOSING;
    timer_cancel(&c->server->loop->timers, &c->timeout);
    hearth_stream_close(c->stream);
    if (!c->busy)
        conn_free(c);
}

static void leave_callback(struct http_conn *c)
{
    if (--c->busy == 0 && c->state == CLOSING)
        conn_free(c);
}

static void on_timeout(struct timer *t, void *arg)
{
    (void)t;
    conn_close(arg); /* slow or idle clients lose their slot, without an answer (RFC 9110 permits it) */
}

static void arm_timeout(struct http_conn *c, uint64_t after_ns)
{
    timer_arm(&c->server->loop->timers, &c->timeout, hearth_plat_monotonic_ns() + after_ns, 0, on_timeout, c);
}

const char *http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    case 507: return "Insufficient Storage";
    default: return "Unknown";
    }
}

/* Writes as much of the pending answer as the transport takes; finishes the exchange when all is out. */
static void flush(struct http_conn *c)
{
    while (c->state == RESPONDING) {
        const uint8_t *p;
        size_t left;
        if (c->out_head_sent < c->out_head_len) {
            p = (const uint8_t *)c->out_head + c->out_head_sent;
            left = c->out_head_len - c->out_head_sent;
        } else if (c->out_body_sent < c->out_body_len) {
            p = c->out_body + c->out_body_sent;
            left = c->out_body_len - c->out_body_sent;
        } else {
            break;
        }
        int n = hearth_stream_write(c->stream, p, left);
        if (n < 0) {
            conn_close(c);
            return;
        }
        if (n == 0)
            return; /* on_writable brings us back */
        if (c->out_head_sent < c->out_head_len)
            c->out_head_sent += (size_t)n;
        else
            c->out_body_sent += (size_t)n;
    }
    if (c->state != RESPONDING)
        return;
    free(c->out_body_owned);
    c->out_body_owned = NULL;
    c->server->served++;
    if (!c->keep_alive) {
        conn_close(c);
        return;
    }
    /* Drop the answered request; pipelined bytes after it move to the front. */
    memmove(c->in, c->in + c->request_len, c->in_len - c->request_len);
    c->in_len -= c->request_len;
    c->request_len = 0;
    c->state = READING;
    arm_timeout(c, c->in_len ? HTTP_HEAD_TIMEOUT_NS : HTTP_IDLE_TIMEOUT_NS);
}

int http_respond(struct http_exchange *x, int status, const char *content_type, const char *extra_headers,
                 const void *body, size_t len, int copy)
{
    struct http_conn *c = x->conn;
    if (x->answered)
        return -HEARTH_EBUSY;
    x->answered = 1;
    if (copy && len) {
        if (!(c->out_body_owned = malloc(len)))
            return -HEARTH_ENOMEM;
        memcpy(c->out_body_owned, body, len);
        body = c->out_body_owned;
    }
    int head_only = strcmp(x->req.method ? x->req.method : "", "HEAD") == 0 || status == 304 || status == 204;
    int n = snprintf(c->out_head, sizeof(c->out_head),
                     "HTTP/1.1 %d %s\r\n"
                     "Server: hearth\r\n"
                     "%s%s%s"
                     "Content-Length: %lu\r\n"
                     "X-Content-Type-Options: nosniff\r\n"
                     "%s"
                     "%s"
                     "Connection: %s\r\n\r\n",
                     status, http_reason(status), content_type ? "Content-Type: " : "",
                     content_type ? content_type : "", content_type ? "\r\n" : "", (unsigned long)len,
                     x->conn->stream->secure ? "Strict-Transport-Security: max-age=31536000\r\n" : "",
                     extra_headers ? extra_headers : "", c->keep_alive ? "keep-alive" : "close");
    if (n < 0 || (size_t)n >= sizeof(c->out_head))
        return -HEARTH_ENOMEM;
    c->out_head_len = (size_t)n;
    c->out_head_sent = 0;
    c->status = status;
    c->out_body = body;
    c->out_body_len = head_only ? 0 : len;
    c->out_body_sent = 0;
    c->state = RESPONDING;
    return 0;
}

int http_respond_fmt(struct http_exchange *x, int status, const char *content_type, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(buf))
        return http_respond_error(x, 500);
    return http_respond(x, status, content_type, NULL, buf, (size_t)n, 1);
}

int http_respond_error(struct http_exchange *x, int status)
{
    char body[96];
    int n = snprintf(body, sizeof(body), "{\"error\":\"%s\",\"status\":%d}\n", http_reason(status), status);
    return http_respond(x, status, "application/json", NULL, body, (size_t)n, 1);
}

const struct http_request *http_request_of(const struct http_exchange *x)
{
    return &x->req;
}

const char *http_path(const struct http_exchange *x)
{
    return x->path;
}

const char *http_query(const struct http_exchange *x)
{
    return x->query;
}

const uint8_t *http_body(const struct http_exchange *x, size_t *len)
{
    *len = x->body_len;
    return x->body;
}

int http_is_secure(const struct http_exchange *x)
{
    return x->conn->stream->secure;
}

unsigned http_peer(const struct http_exchange *x, uint8_t addr[16])
{
    const struct hearth_stream *s = x->conn->stream;
    unsigned n = s->peer_addr_len <= 16 ? s->peer_addr_len : 0;
    memcpy(addr, s->peer_addr, n);
    return n;
}

/* Asks the server's guard whether route (NULL: the fallback) may run; 1 when it may. */
static int admitted(struct http_server *srv, struct http_exchange *x, const struct http_route *route)
{
    return !srv->guard || srv->guard(x, route, srv->guard_arg) == 0;
}

static void dispatch(struct http_conn *c)
{
    struct http_exchange *x = &c->x;
    struct http_server *srv = c->server;
    const char *target = x->req.target;
    size_t plen = strcspn(target, "?");
    memcpy(x->path, target, plen);
    x->path[plen] = '\0';
    x->query = target[plen] ? target + plen + 1 : "";

    int path_matched = 0, denied = 0;
    for (unsigned i = 0; i < srv->route_count; i++) {
        const struct http_route *r = &srv->routes[i];
        int match =
            r->prefix ? strncmp(x->path, r->path, strlen(r->path)) == 0 : strcmp(x->path, r->path) == 0;
        if (!match)
            continue;
        path_matched = 1;
        if (r->method && strcmp(r->method, x->req.method) != 0 &&
            !(strcmp(r->method, "GET") == 0 && strcmp(x->req.method, "HEAD") == 0))
            continue;
        if (admitted(srv, x, r))
            r->fn(x, r->arg);
        else
            denied = 1;
        break;
    }
    if (!x->answered && !path_matched && srv->fallback) {
        if (admitted(srv, x, NULL))
            srv->fallback(x, srv->fallback_arg);
        else
            denied = 1;
    }
    if (!x->answered)
        http_respond_error(x, denied ? 403 : path_matched ? 405 : 404); /* a guard that refused silently */
}

/* Answers a framing error and closes afterwards: after a malformed request the stream is out of sync. */
static void fail_request(struct http_conn *c, int status)
{
    memset(&c->x, 0, sizeof(c->x));
    c->x.conn = c;
    c->keep_alive = 0;
    c->request_len = c->in_len;
    trace_begin(TRACE_HTTP_REQUEST, c->stream->trace_id, (int32_t)c->in_len, 0);
    http_respond_error(&c->x, status);
    trace_end(TRACE_HTTP_REQUEST, c->stream->trace_id, status, (int32_t)c->out_body_len);
    flush(c);
}

/*
 * Tries to complete one request from c->in. Returns 1 when a request was answered (or is being sent),
 * 0 when more bytes are needed.
 */
static int process(struct http_conn *c)
{
    int head = http_head_length(c->in, c->in_len);
    if (head < 0) {
        fail_request(c, -head);
        return 1;
    }
    if (head == 0)
        return 0;
    /* Parse a copy of the head: the parser writes NULs, and the bytes must stay for later requests. */
    struct http_exchange *x = &c->x;
    memset(x, 0, sizeof(*x));
    x->conn = c;
    static char head_copy[HTTP_MAX_HEAD];
    memcpy(head_copy, c->in, (size_t)head);
    int rc = http_parse_head(head_copy, (size_t)head, HTTP_MAX_BODY, &x->req);
    if (rc < 0) {
        fail_request(c, -rc);
        return 1;
    }
    size_t need = (size_t)head;
    if (x->req.body_kind == HTTP_BODY_LENGTH) {
        need += (size_t)x->req.content_length;
        if (c->in_len < need)
            return 0;
        x->body = c->in + head;
        x->body_len = (size_t)x->req.content_length;
    } else if (x->req.body_kind == HTTP_BODY_CHUNKED) {
        /*
         * Decode into scratch space, leaving the received bytes intact until the body is complete;
         * handlers run synchronously, so one buffer serves every connection.
         */
        static uint8_t decoded[HTTP_MAX_BODY];
        struct http_chunked ch;
        size_t used, produced;
        http_chunked_init(&ch, HTTP_MAX_BODY);
        int crc = http_chunked_decode(&ch, c->in + head, c->in_len - (size_t)head, &used, decoded,
                                      sizeof(decoded), &produced);
        if (crc < 0) {
            fail_request(c, -crc);
            return 1;
        }
        if (crc == 0)
            return 0;
        x->body = decoded;
        x->body_len = produced;
        need += used;
    }
    c->request_len = need;
    c->keep_alive = x->req.keep_alive;
    timer_cancel(&c->server->loop->timers, &c->timeout);
    /* The span covers routing and the handler; the answer's frames follow it as the transport sends them. */
    c->status = 0;
    trace_begin(TRACE_HTTP_REQUEST, c->stream->trace_id, (int32_t)need, 0);
    dispatch(c);
    trace_end(TRACE_HTTP_REQUEST, c->stream->trace_id, c->status, (int32_t)c->out_body_len);
    flush(c);
    return 1;
}

static size_t on_data(struct hearth_stream *s, const uint8_t *data, size_t len, void *arg)
{
    struct http_conn *c = arg;
    (void)s;
    if (c->state != READING)
        return 0; /* one request at a time: the transport keeps the rest (back-pressure) */
    c->busy++;
    size_t take = IN_CAP - c->in_len < len ? IN_CAP - c->in_len : len;
    memcpy(c->in + c->in_len, data, take);
    c->in_len += take;
    /* Answer every complete request in the buffer, stopping while an answer is still being sent. */
    while (c->state == READING && c->in_len > 0) {
        if (!process(c))
            break;
    }
    if (c->state == READING && c->in_len == IN_CAP)
        fail_request(c,
                     413); /* a full buffer without a complete request: head fits, so the body is too big */
    leave_callback(c);
    return take;
}

static void on_writable(struct hearth_stream *s, void *arg)
{
    struct http_conn *c = arg;
    (void)s;
    c->busy++;
    flush(c);
    /* Sending finished and the next pipelined request may already be buffered. */
    while (c->state == READING && c->in_len > 0 && process(c))
        ;
    leave_callback(c);
}

static void on_closed(struct hearth_stream *s, int err, void *arg)
{
    (void)s;
    (void)err;
    conn_free(arg);
}

static const struct hearth_stream_handler http_handler = {
    .on_data = on_data,
    .on_writable = on_writable,
    .on_closed = on_closed,
};

/* Over budget: whatever the client sends is answered with a short 503 it can act on, then closed. */
static size_t refuse_data(struct hearth_stream *s, const uint8_t *data, size_t len, void *arg)
{
    static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n"
                               "Connection: close\r\n\r\n";
    (void)data;
    (void)arg;
    hearth_stream_write(s, busy, sizeof(busy) - 1);
    hearth_stream_close(s);
    return len;
}

static const struct hearth_stream_handler refuse_handler = {.on_data = refuse_data};

int http_server_accept(struct hearth_stream *s, void *server)
{
    struct http_server *srv = server;
    struct http_conn *c = NULL;
    if (srv->active < HTTP_MAX_CONNS && (c = calloc(1, sizeof(*c))) != NULL && !(c->in = malloc(IN_CAP))) {
        free(c);
        c = NULL;
    }
    if (!c) {
        srv->refused++;
        s->handler = &refuse_handler;
        s->arg = NULL;
        return 0;
    }
    c->server = srv;
    c->stream = s;
    c->state = READING;
    srv->active++;
    s->handler = &http_handler;
    s->arg = c;
    arm_timeout(c, HTTP_HEAD_TIMEOUT_NS);
    return 0;
}
