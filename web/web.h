/* SPDX-License-Identifier: ISC */
/* The hub's web face: HTTPS routes (API and dashboard assets) and the port-80 redirect. */
#ifndef WEB_WEB_H
#define WEB_WEB_H

#include "http_server.h"
#include "loop.h"

#include <hearth/stream.h>
#include <stdint.h>

/* How to listen for TLS connections (tls_listen); passed in so that web/ does not link the TLS layer. */
typedef int (*web_secure_listen_fn)(uint16_t port, hearth_stream_accept_fn accept, void *arg);

/*
 * Starts the HTTPS server on 443 through secure_listen and the HTTP redirect on 80. Without
 * secure_listen (TLS could not start) only the redirect runs and the console says why. Returns 0 or
 * the first listener's error.
 */
int web_start(struct loop *loop, web_secure_listen_fn secure_listen);

/* Route handlers, exposed for unit tests. */
void web_static(struct http_exchange *x, void *arg);
void web_health(struct http_exchange *x, void *arg);
void web_redirect(struct http_exchange *x, void *arg);
void web_readings(struct http_exchange *x, void *arg);
void web_sensors(struct http_exchange *x, void *arg);

/* The privacy gateway's routes (web/gateway_api.c, web/audit_api.c); no authentication in here. */
void web_policy_get(struct http_exchange *x, void *arg);
void web_policy_put(struct http_exchange *x, void *arg);
void web_recipients(struct http_exchange *x, void *arg);
void web_recipients_revoke(struct http_exchange *x, void *arg);
void web_audit(struct http_exchange *x, void *arg);
void web_audit_verify(struct http_exchange *x, void *arg);
void web_audit_summary(struct http_exchange *x, void *arg);

struct gateway_admin;
/* The gateway (and its policy text and audit log) the routes above act on (NULL: 503 until there is one). */
void web_gateway_set(struct gateway_admin *a);
struct gateway_admin *web_gateway_admin(void);

struct store;
/* The store web_readings answers from (NULL: 503 until there is one). */
void web_readings_set_store(struct store *st);
struct store *web_readings_store(void);

/* The routes of the HTTPS server and how many there are. */
extern const struct http_route web_routes[];
extern const unsigned web_route_count;

#endif
