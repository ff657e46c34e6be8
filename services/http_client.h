/* SPDX-License-Identifier: ISC */
/* An HTTPS client for one request per connection: DNS, TLS with a pinned CA or certificate, strict parsing.
 */
#ifndef SERVICES_HTTP_CLIENT_H
#define SERVICES_HTTP_CLIENT_H

/*
 * Layering: the client sits on netstack (DNS, TCP) and tls/ (tls_connect), which services/ may use, but
 * hearth_services itself is linked below both; so it is its own library, hearth_http_client
 * (services/CMakeLists.txt), for the application (the privacy gateway) to link. It is the only code that
 * opens outbound connections for the application, and only over verified TLS: there is no plain http://.
 */

#include "loop.h"

#include <stddef.h>
#include <stdint.h>

#define HTTP_CLIENT_MAX 2                      /* requests in flight at once */
#define HTTP_CLIENT_MAX_BODY (64u * 1024u)     /* request body */
#define HTTP_CLIENT_MAX_RESPONSE (16u * 1024u) /* response body (the head has its own 8 KiB limit) */

struct http_client_request {
    const char *method;       /* "POST", "GET", "PUT"...: an HTTP token */
    const char *url;          /* "https://host[:port]/path[?query]"; host a DNS name or dotted IPv4 */
    const char *content_type; /* the body's Content-Type, or NULL (no header) */
    const char *headers;      /* extra "Name: value\r\n" lines (e.g. Authorization), or NULL */
    const void *body;         /* body_len bytes (0: none; with a body Content-Length is sent) */
    size_t body_len;
    const char *ca_pem;        /* trust anchor(s), PEM: chain, dates and host name are verified */
    const uint8_t *pin_sha256; /* or the SHA-256 of the server's certificate (DER): exactly that one */
    uint64_t timeout_ns;       /* for everything: DNS, connect, TLS, request and response */
};

struct http_client_response {
    int status;          /* 200..599 */
    const uint8_t *body; /* decoded (chunked is undone); valid only during the callback */
    size_t body_len;
};

/*
 * Called exactly once per accepted request, on the loop, never inside http_client_send. rc 0: a response
 * arrived (any status: the caller judges it) and resp is valid during the call. rc < 0, resp NULL:
 * -HEARTH_ENOENT (the name does not resolve), -HEARTH_ENOTCONN (no network or DNS server),
 * -HEARTH_ETIMEDOUT, -HEARTH_ECONNREFUSED, -HEARTH_ECONNRESET (closed before the response was complete,
 * or without TLS close_notify where that is what ends the body), -HEARTH_EKEYREJECTED (the server's
 * certificate failed verification; the console says why), -HEARTH_ECONNABORTED (other TLS failures),
 * -HEARTH_EPROTO (malformed response), -HEARTH_EOVERFLOW (response beyond the limits), -HEARTH_ENOMEM.
 */
typedef void (*http_client_done_fn)(void *arg, int rc, const struct http_client_response *resp);

/*
 * Sends req: resolves the host, connects with TLS 1.3/1.2 verified as req says, sends the request with
 * "Connection: close", and reads one response. Everything in req is copied; loop runs the timeout and
 * must outlive the request. Logs one line per request with its outcome.
 * Returns 0 (done follows), -HEARTH_EINVAL (bad method or URL, not https, neither or both of ca_pem and
 * pin_sha256, timeout 0, no done), -HEARTH_ERANGE (body above HTTP_CLIENT_MAX_BODY or host/path too long),
 * -HEARTH_EBUSY (HTTP_CLIENT_MAX requests in flight), -HEARTH_ENOMEM, or an immediate DNS or connect
 * error (-HEARTH_ENOTCONN, -HEARTH_EBADMSG for an unusable ca_pem ...), in which case done is not called.
 */
int http_client_send(struct loop *loop, const struct http_client_request *req, http_client_done_fn done,
                     void *arg);

/*
 * TEST HOOK for the system tests (http_client_hook.c): when booted with httpclient.test=<url>, POSTs a
 * fixed JSON body there once the network is up and logs the outcome. Does nothing without that argument.
 */
void http_client_test_hook(struct loop *loop, const char *cmdline);

/* Splits "https://host[:port]/path" (exposed for tests). host gets at most host_cap - 1 characters,
 * *path points into url ("/" when absent: then *path is "" and the caller sends "/"). Returns 0 or
 * -HEARTH_EINVAL / -HEARTH_ERANGE. */
int http_client_parse_url(const char *url, char *host, size_t host_cap, uint16_t *port, const char **path);

#endif
