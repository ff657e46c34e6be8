/* SPDX-License-Identifier: ISC */
/* Wires the hub's routes to listeners: HTTPS on 443, and on 80 the CRL and a redirect to HTTPS. */
#include "web.h"

#include "auth.h"
#include "log.h"
#include "tcp_stream.h"

#include <hearth/err.h>
#include <hearth/plat.h>

#define HTTPS_PORT 443
#define HTTP_PORT 80

static struct auth web_auth;

/*
 * Every route says who may call it (http_server.h): leaving access out means an owner session is
 * required (HTTP_ACCESS_OWNER). Only what the login page needs is public; routes whose handler checks
 * a token itself (sensors posting readings) say HTTP_ACCESS_HANDLER.
 */
const struct http_route web_routes[] = {
    {"GET", "/api/health", 0, web_health, NULL, HTTP_ACCESS_PUBLIC},
    {"GET", "/api/auth/state", 0, auth_state, &web_auth, HTTP_ACCESS_PUBLIC},
    {"POST", "/api/auth/setup", 0, auth_setup, &web_auth, HTTP_ACCESS_PUBLIC},
    {"POST", "/api/auth/login", 0, auth_login, &web_auth, HTTP_ACCESS_PUBLIC},
    {"POST", "/api/auth/logout", 0, auth_logout, &web_auth, HTTP_ACCESS_OWNER},
    {"POST", "/api/auth/password", 0, auth_password, &web_auth, HTTP_ACCESS_OWNER},
    {"GET", "/api/readings", 0, web_readings, NULL, HTTP_ACCESS_OWNER},
    {"GET", "/api/sensors", 0, web_sensors, NULL, HTTP_ACCESS_OWNER},
    {"POST", "/api/readings", 0, web_post_readings, NULL, HTTP_ACCESS_HANDLER}, /* sensors: bearer token */
    {"GET", "/api/trace", 0, web_trace, NULL, HTTP_ACCESS_OWNER},
    {"PUT", "/api/sensors/", 1, web_put_sensor, NULL, HTTP_ACCESS_OWNER},
    {"POST", "/api/sensors/", 1, web_rotate_token, NULL, HTTP_ACCESS_OWNER},
    {"GET", "/api/sensors/", 1, web_series, NULL, HTTP_ACCESS_OWNER},
    {"GET", "/api/policy", 0, web_policy_get, NULL, HTTP_ACCESS_OWNER},
    {"PUT", "/api/policy", 0, web_policy_put, NULL, HTTP_ACCESS_OWNER},
    {"GET", "/api/recipients", 0, web_recipients, NULL, HTTP_ACCESS_OWNER},
    {"POST", "/api/recipients/revoke", 0, web_recipients_revoke, NULL, HTTP_ACCESS_OWNER},
    {"GET", "/api/audit", 0, web_audit, NULL, HTTP_ACCESS_OWNER},
    {"GET", "/api/audit/verify", 0, web_audit_verify, NULL, HTTP_ACCESS_OWNER},
    {"GET", "/api/audit/summary", 0, web_audit_summary, NULL, HTTP_ACCESS_OWNER},
};
const unsigned web_route_count = sizeof(web_routes) / sizeof(web_routes[0]);

/* Port 80 serves only what must be fetchable without TLS: the CRL the device certificate points to. */
static const struct http_route plain_routes[] = {
    {"GET", "/crl.der", 0, web_crl, NULL, HTTP_ACCESS_PUBLIC},
};

static struct http_server https_server, redirect_server;
static int auth_ready;

static int no_random(void *buf, size_t len)
{
    (void)buf;
    (void)len;
    return -HEARTH_ENOTSUP;
}

int web_auth_init(struct store *st, int (*random)(void *buf, size_t len))
{
    auth_ready = 1;
    return auth_init(&web_auth, st, random ? random : no_random, hearth_plat_monotonic_ns);
}

int web_start(struct loop *loop, web_secure_listen_fn secure_listen)
{
    int rc = 0;
    if (!auth_ready)
        web_auth_init(NULL, NULL); /* the guard still runs: without a password nobody gets a session */
    https_server = (struct http_server){.routes = web_routes,
                                        .route_count = web_route_count,
                                        .fallback = web_static,
                                        .loop = loop,
                                        .guard = auth_guard,
                                        .guard_arg = &web_auth};
    redirect_server = (struct http_server){.routes = plain_routes,
                                           .route_count = sizeof(plain_routes) / sizeof(plain_routes[0]),
                                           .fallback = web_redirect,
                                           .loop = loop};

    if (!secure_listen) {
        log_line("web: HTTPS not started: TLS is unavailable");
        rc = -HEARTH_ENOTSUP;
    } else if ((rc = secure_listen(HTTPS_PORT, http_server_accept, &https_server)) < 0) {
        log_line("web: HTTPS not started on port %u (%s)", HTTPS_PORT, hearth_strerror(rc));
    } else {
        log_line("web: HTTPS on port %u", HTTPS_PORT);
    }
    int rc80 = tcp_stream_listen(HTTP_PORT, http_server_accept, &redirect_server);
    if (rc80 < 0)
        log_line("web: HTTP redirect not started on port %u (%s)", HTTP_PORT, hearth_strerror(rc80));
    else
        log_line("web: HTTP on port %u redirects to HTTPS", HTTP_PORT);
    return rc < 0 ? rc : rc80;
}
