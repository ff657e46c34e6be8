/* SPDX-License-Identifier: ISC */
/* The hub's web face: HTTPS routes (API and dashboard assets), and on port 80 the CRL and a redirect. */
#ifndef WEB_WEB_H
#define WEB_WEB_H

#include "http_server.h"
#include "loop.h"

#include <hearth/stream.h>
#include <stddef.h>
#include <stdint.h>

/* How to listen for TLS connections (tls_listen); passed in so that web/ does not link the TLS layer. */
typedef int (*web_secure_listen_fn)(uint16_t port, hearth_stream_accept_fn accept, void *arg);

/*
 * Starts the HTTPS server on 443 through secure_listen and on 80 the CRL (GET /crl.der) and a redirect
 * to HTTPS for everything else. Without
 * secure_listen (TLS could not start) only the redirect runs and the console says why. Returns 0 or
 * the first listener's error.
 */
int web_start(struct loop *loop, web_secure_listen_fn secure_listen);

/*
 * Where GET /crl.der on port 80 gets the device's CRL (tls_crl; passed in so that web/ does not link the
 * TLS layer): fills *der (valid until the next call) and *len, returns 0 or a negative -HEARTH_E* code
 * (answered with 503). NULL, the default: 503.
 */
typedef int (*web_crl_source_fn)(const uint8_t **der, size_t *len);
void web_set_crl_source(web_crl_source_fn fn);

/* Route handlers, exposed for unit tests. */
void web_crl(struct http_exchange *x, void *arg);
void web_static(struct http_exchange *x, void *arg);
void web_health(struct http_exchange *x, void *arg);
void web_redirect(struct http_exchange *x, void *arg);
void web_readings(struct http_exchange *x, void *arg);
void web_sensors(struct http_exchange *x, void *arg);

struct store;
/* The store web_readings answers from (NULL: 503 until there is one). */
void web_readings_set_store(struct store *st);
struct store *web_readings_store(void);

/* The routes of the HTTPS server and how many there are. */
extern const struct http_route web_routes[];
extern const unsigned web_route_count;

#endif
