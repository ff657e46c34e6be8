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
void web_trace(struct http_exchange *x, void *arg);

/*
 * Sensor ingest over HTTPS and the owner's sensor management (web/ingest_http.c, web/sensors_admin.c):
 *   POST /api/readings            a sensor posts readings with "Authorization: Bearer <its token>"
 *   PUT  /api/sensors/<id>        owner: create or update a sensor (a new one's token is shown once)
 *   POST /api/sensors/<id>/token  owner: a new token for the sensor
 * The owner routes carry no authentication of their own: the route table is where it is added.
 */
void web_post_readings(struct http_exchange *x, void *arg);
void web_put_sensor(struct http_exchange *x, void *arg);
void web_rotate_token(struct http_exchange *x, void *arg);

struct ingest;
struct registry;
/* The ingest and sensor registry those routes (and GET /api/sensors) use; NULL: 503 until set. */
void web_sensors_set(struct ingest *in, struct registry *reg);
struct ingest *web_ingest(void);
struct registry *web_registry(void);

#define WEB_MAX_BATCH 100 /* readings in one POST /api/readings */

/*
 * Answers status with {"error", "status", "detail"[, "index"][, "field"]}: index < 0 and field NULL are
 * left out. extra_headers as for http_respond. Returns what http_respond returns.
 */
int web_problem(struct http_exchange *x, int status, const char *extra_headers, int index, const char *field,
                const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* 1 when the request says its body is application/json (parameters allowed). */
int web_is_json(const struct http_exchange *x);

void web_series(struct http_exchange *x, void *arg);

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

/*
 * Owner authentication (web/auth.h) for the HTTPS server: loads the password from st (NULL: nothing
 * persists) and, until one is set, prints a setup code on the console. random fills a buffer with secret
 * bytes (tls_random; NULL: none, so no setup code and no sessions). Call before web_start (which otherwise
 * starts authentication without a store or random source). Returns auth_init's result.
 */
int web_auth_init(struct store *st, int (*random)(void *buf, size_t len));

/* The store web_readings answers from (NULL: 503 until there is one). */
void web_readings_set_store(struct store *st);
struct store *web_readings_store(void);

struct rollup;
/* What web_series answers from (NULL: 503) and the wall clock for its default time range. */
void web_series_set_rollup(struct rollup *ru, int (*wall_ns)(int64_t *unix_ns));

/* The routes of the HTTPS server and how many there are. */
extern const struct http_route web_routes[];
extern const unsigned web_route_count;

#endif
