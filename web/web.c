/* SPDX-License-Identifier: ISC */
/* Wires the hub's routes to listeners: HTTPS on 443, and on 80 the CRL and a redirect to HTTPS. */
#include "web.h"

#include "log.h"
#include "tcp_stream.h"

#include <hearth/err.h>

#define HTTPS_PORT 443
#define HTTP_PORT 80

const struct http_route web_routes[] = {
    {"GET", "/api/health", 0, web_health, NULL},
    {"GET", "/api/readings", 0, web_readings, NULL},
    {"GET", "/api/sensors", 0, web_sensors, NULL},
};
const unsigned web_route_count = sizeof(web_routes) / sizeof(web_routes[0]);

/* Port 80 serves only what must be fetchable without TLS: the CRL the device certificate points to. */
static const struct http_route plain_routes[] = {
    {"GET", "/crl.der", 0, web_crl, NULL},
};

static struct http_server https_server, redirect_server;

int web_start(struct loop *loop, web_secure_listen_fn secure_listen)
{
    int rc = 0;
    https_server = (struct http_server){
        .routes = web_routes, .route_count = web_route_count, .fallback = web_static, .loop = loop};
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
