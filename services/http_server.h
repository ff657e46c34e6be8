/* SPDX-License-Identifier: ISC */
/* HTTP/1.1 server engine over hearth_stream: routing, keep-alive, limits, timeouts, a connection budget. */
#ifndef SERVICES_HTTP_SERVER_H
#define SERVICES_HTTP_SERVER_H

#include "http_parse.h"
#include "loop.h"

#include <hearth/stream.h>
#include <hearth_config.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_BODY (16 * 1024) /* request bodies above this get 413 */
/* Per server; beyond this, new connections get a 503 and are closed. Each open one holds ~26 KiB of heap
 * (its request buffer, HTTP_MAX_HEAD + HTTP_MAX_BODY, and its state), so the board sets it: 12 on the
 * 16 MiB domU, hundreds on the hosted board for load tests. */
#define HTTP_MAX_CONNS HEARTH_HTTP_MAX_CONNS
#define HTTP_HEAD_TIMEOUT_NS (10 * 1000000000ull)
#define HTTP_IDLE_TIMEOUT_NS (30 * 1000000000ull)

struct http_exchange; /* one request and its response, valid during the handler call */

/* A route handler: must answer with exactly one http_respond* call. */
typedef void (*http_handler_fn)(struct http_exchange *x, void *arg);

/*
 * Who may call a route. The server's guard (below) enforces it; the engine only passes it on. The
 * default (0: a designated initializer that leaves it out) is the strictest. Positional initializers
 * must name it: -Wextra's missing-field-initializers makes every route table say who may call what.
 */
enum http_access {
    HTTP_ACCESS_OWNER = 0, /* an owner session is required (and for state-changing methods a CSRF token) */
    HTTP_ACCESS_PUBLIC,    /* anyone; state-changing methods must still not come from another site */
    HTTP_ACCESS_HANDLER,   /* the handler authenticates the caller itself (a sensor's bearer token) */
};

struct http_route {
    const char *method; /* "GET", "POST", ...; NULL matches any */
    const char *path;   /* exact path, or a prefix when it ends in '/' and prefix is set */
    int prefix;
    http_handler_fn fn;
    void *arg;
    enum http_access access;
};

/*
 * Runs before a matched route's handler, and before the fallback (route NULL). Returns 0 to let the
 * request through, or answers it with exactly one http_respond* call and returns non-zero.
 */
typedef int (*http_guard_fn)(struct http_exchange *x, const struct http_route *route, void *arg);

struct http_server {
    const struct http_route *routes;
    unsigned route_count;
    http_handler_fn fallback; /* when no route matches (NULL: 404) */
    void *fallback_arg;
    struct loop *loop;
    unsigned active; /* connections open now */
    unsigned long served, refused;
    /* Access control for every handler and the fallback; NULL lets everything through (port 80's
     * redirect needs none). */
    http_guard_fn guard;
    void *guard_arg;
};

/* The request as parsed; path and query are split out of the target (query may be ""). */
const struct http_request *http_request_of(const struct http_exchange *x);
const char *http_path(const struct http_exchange *x);
const char *http_query(const struct http_exchange *x);
const uint8_t *http_body(const struct http_exchange *x, size_t *len);
int http_is_secure(const struct http_exchange *x);

/*
 * Copies the client's address (network byte order) into addr and returns its length: 4 (IPv4),
 * 16 (IPv6), or 0 when the transport does not know it.
 */
unsigned http_peer(const struct http_exchange *x, uint8_t addr[16]);

/*
 * Answers with status, the given headers block (extra "Name: value\r\n" lines or NULL) and body.
 * body must stay valid until the response is sent when copy is 0 (e.g. in-image assets); with copy
 * set it is copied first. Returns 0 or -HEARTH_ENOMEM (the connection is then closed).
 */
int http_respond(struct http_exchange *x, int status, const char *content_type, const char *extra_headers,
                 const void *body, size_t len, int copy);

/* A small JSON or text answer built with printf formatting (at most 4 KiB). */
int http_respond_fmt(struct http_exchange *x, int status, const char *content_type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* An error page for status (4xx/5xx) as a short JSON object {"error": "<reason>"}. */
int http_respond_error(struct http_exchange *x, int status);

/* The reason phrase of a status code ("Not Found"). */
const char *http_reason(int status);

/*
 * The accept callback for a listener: tcp_stream_listen(80, http_server_accept, &server) or
 * tls_listen(443, http_server_accept, &server). Enforces the connection budget.
 */
int http_server_accept(struct hearth_stream *s, void *server);

#endif
