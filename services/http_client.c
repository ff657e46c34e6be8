/* SPDX-License-Identifier: ISC */
/* http_client_send: DNS, then tls_connect, then one request out and one strictly parsed response back. */
#include "http_client.h"

#include "dns.h"
#include "http_response.h"
#include "log.h"
#include "tls_client.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <hearth_config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOST_MAX 253
#define PATH_MAX_LEN 2048
#define HEAD_MAX (PATH_MAX_LEN + HOST_MAX + 1024)

enum phase { FREE, RESOLVING, CONNECTING, EXCHANGING, ZOMBIE };

struct http_client_req {
    enum phase phase;
    struct loop *loop;
    struct timer timer;
    uint64_t deadline_ns;
    http_client_done_fn done;
    void *arg;
    char host[HOST_MAX + 1];
    uint16_t port;
    char method[16];
    char *ca_pem;
    uint8_t pin[32];
    int pinned;
    char *out; /* the whole request: head and body */
    size_t out_len, out_off;
    struct hearth_stream *stream;
    struct http_response *resp; /* with its body buffer after it */
};

static struct http_client_req reqs[HTTP_CLIENT_MAX];

static int is_host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

int http_client_parse_url(const char *url, char *host, size_t host_cap, uint16_t *port, const char **path)
{
    if (!url || strncmp(url, "https://", 8) != 0)
        return -HEARTH_EINVAL;
    const char *h = url + 8, *p = h;
    while (is_host_char(*p))
        p++;
    size_t hlen = (size_t)(p - h);
    if (hlen == 0 || h[0] == '.' || h[0] == '-')
        return -HEARTH_EINVAL;
    if (hlen >= host_cap || hlen > HOST_MAX)
        return -HEARTH_ERANGE;
    unsigned long prt = 443;
    if (*p == ':') {
        char *end;
        if (p[1] < '0' || p[1] > '9')
            return -HEARTH_EINVAL;
        prt = strtoul(p + 1, &end, 10);
        if (prt == 0 || prt > 65535 || end - (p + 1) > 5)
            return -HEARTH_EINVAL;
        p = end;
    }
    if (*p != '\0' && *p != '/')
        return -HEARTH_EINVAL; /* userinfo, IPv6 literals, anything unexpected */
    if (strlen(p) > PATH_MAX_LEN)
        return -HEARTH_ERANGE;
    for (const char *q = p; *q; q++)
        if ((unsigned char)*q <= 0x20 || (unsigned char)*q >= 0x7f || *q == '#')
            return -HEARTH_EINVAL;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = (uint16_t)prt;
    *path = p;
    return 0;
}

static int is_token(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              strchr("!#$%&'*+-.^_`|~", *s)))
            return 0;
    return 1;
}

/* Extra header lines must be "Name: value\r\n" each, so nothing can end the head early or split it. */
static int headers_ok(const char *h)
{
    while (*h) {
        const char *eol = strstr(h, "\r\n"), *colon = strchr(h, ':');
        if (!eol || !colon || colon > eol || colon == h)
            return 0;
        for (const char *p = h; p < eol; p++)
            if ((unsigned char)*p < 0x20 && *p != '\t')
                return 0;
        h = eol + 2;
    }
    return 1;
}

static void release(struct http_client_req *r)
{
    timer_cancel(&r->loop->timers, &r->timer);
    free(r->ca_pem);
    free(r->out);
    free(r->resp);
    memset(r, 0, sizeof(*r));
}

/* Tells the caller (once) and frees the request, unless tls_connect still owes us its callback. */
static void finish(struct http_client_req *r, int rc, const struct http_client_response *resp)
{
    http_client_done_fn done = r->done;
    void *arg = r->arg;
    int waiting_for_connect = r->phase == CONNECTING;
    if (rc == 0)
        log_line("http_client: %s https://%s:%u: %d, %lu bytes", r->method, r->host, (unsigned)r->port,
                 resp->status, (unsigned long)resp->body_len);
    else
        log_line("http_client: %s https://%s:%u failed: %s", r->method, r->host, (unsigned)r->port,
                 hearth_strerror(rc));
    if (r->stream) {
        struct hearth_stream *s = r->stream;
        r->stream = NULL;
        hearth_stream_close(s);
    }
    timer_cancel(&r->loop->timers, &r->timer);
    if (waiting_for_connect)
        r->phase = ZOMBIE; /* on_connected frees it */
    else
        release(r);
    done(arg, rc, resp);
}

static void pump(struct http_client_req *r)
{
    while (r->stream && r->out_off < r->out_len) {
        int n = hearth_stream_write(r->stream, r->out + r->out_off, r->out_len - r->out_off);
        if (n <= 0) {
            if (n < 0)
                finish(r, n, NULL);
            return;
        }
        r->out_off += (size_t)n;
    }
}

static void complete(struct http_client_req *r)
{
    struct http_client_response resp = {
        .status = r->resp->status, .body = r->resp->body, .body_len = r->resp->body_len};
    finish(r, 0, &resp);
}

static size_t on_data(struct hearth_stream *s, const uint8_t *data, size_t len, void *arg)
{
    struct http_client_req *r = arg;
    size_t used = 0;
    (void)s;
    int rc = http_response_feed(r->resp, data, len, &used);
    if (rc == 1)
        complete(r);
    else if (rc < 0)
        finish(r, rc, NULL);
    return len; /* everything is taken: after a complete or failed response the rest is dropped */
}

static void on_writable(struct hearth_stream *s, void *arg)
{
    (void)s;
    pump(arg);
}

static void on_closed(struct hearth_stream *s, int err, void *arg)
{
    struct http_client_req *r = arg;
    (void)s;
    r->stream = NULL; /* gone: finish must not close it */
    /* A body that runs until the close needs TLS's close_notify (err 0): a bare FIN may be a truncation. */
    if (err == 0 && http_response_eof(r->resp) == 1)
        complete(r);
    else
        finish(r, err < 0 ? err : -HEARTH_ECONNRESET, NULL);
}

static const struct hearth_stream_handler handler = {
    .on_data = on_data,
    .on_writable = on_writable,
    .on_closed = on_closed,
};

static void on_connected(struct hearth_stream *s, int err, void *arg)
{
    struct http_client_req *r = arg;
    if (r->phase == ZOMBIE) { /* the caller already heard of the timeout */
        if (s)
            hearth_stream_close(s);
        release(r);
        return;
    }
    r->phase = EXCHANGING;
    if (err < 0) {
        finish(r, err, NULL);
        return;
    }
    s->handler = &handler;
    s->arg = r;
    r->stream = s;
    pump(r);
}

static uint64_t remaining(const struct http_client_req *r)
{
    uint64_t now = hearth_plat_monotonic_ns();
    return r->deadline_ns > now ? r->deadline_ns - now : 1;
}

static int start_connect(struct http_client_req *r, const uint8_t addr[4])
{
    struct tls_client_opts o = {
        .host = r->host, .ca_pem = r->ca_pem, .pin_sha256 = r->pinned ? r->pin : NULL};
    r->phase = CONNECTING;
    int rc = tls_connect(addr, r->port, &o, remaining(r), on_connected, r);
    if (rc < 0)
        r->phase = RESOLVING; /* not connecting after all: nothing will call back */
    return rc;
}

static void on_resolved(int err, const uint8_t addr[4], void *arg)
{
    struct http_client_req *r = arg;
    int rc = err < 0 ? err : start_connect(r, addr);
    if (rc < 0) {
        r->phase = EXCHANGING; /* nothing outstanding: finish frees it */
        finish(r, rc, NULL);
    }
}

static void on_timeout(struct timer *t, void *arg)
{
    struct http_client_req *r = arg;
    (void)t;
    if (r->phase == RESOLVING)
        netstack_dns_cancel(on_resolved, r);
    finish(r, -HEARTH_ETIMEDOUT, NULL);
}

/* The request: head lines, then the body. */
static int build(struct http_client_req *r, const struct http_client_request *req, const char *path)
{
    char port[8] = "";
    if (r->port != 443)
        snprintf(port, sizeof(port), ":%u", (unsigned)r->port);
    size_t cap = HEAD_MAX + (req->headers ? strlen(req->headers) : 0) + req->body_len;
    r->out = malloc(cap);
    if (!r->out)
        return -HEARTH_ENOMEM;
    int n = snprintf(r->out, cap,
                     "%s %s HTTP/1.1\r\nHost: %s%s\r\nUser-Agent: Hearth/%s\r\nConnection: close\r\n%s%s%s",
                     r->method, path[0] ? path : "/", r->host, port, HEARTH_VERSION,
                     req->content_type ? "Content-Type: " : "", req->content_type ? req->content_type : "",
                     req->content_type ? "\r\n" : "");
    if (req->body_len || strcmp(r->method, "POST") == 0 || strcmp(r->method, "PUT") == 0)
        n += snprintf(r->out + n, cap - (size_t)n, "Content-Length: %lu\r\n", (unsigned long)req->body_len);
    n += snprintf(r->out + n, cap - (size_t)n, "%s\r\n", req->headers ? req->headers : "");
    if (n < 0 || (size_t)n + req->body_len > cap)
        return -HEARTH_ERANGE;
    if (req->body_len)
        memcpy(r->out + n, req->body, req->body_len);
    r->out_len = (size_t)n + req->body_len;
    return 0;
}

int http_client_send(struct loop *loop, const struct http_client_request *req, http_client_done_fn done,
                     void *arg)
{
    struct http_client_req *r = NULL;
    const char *path;
    uint8_t addr[4];
    int rc;

    if (!loop || !req || !done || !req->method || !is_token(req->method) || strlen(req->method) >= 16 ||
        !!req->ca_pem == !!req->pin_sha256 || req->timeout_ns == 0 || (req->body_len && !req->body) ||
        (req->headers && !headers_ok(req->headers)) ||
        (req->content_type && (strchr(req->content_type, '\r') || strchr(req->content_type, '\n'))))
        return -HEARTH_EINVAL;
    if (req->body_len > HTTP_CLIENT_MAX_BODY)
        return -HEARTH_ERANGE;
    for (unsigned i = 0; i < HTTP_CLIENT_MAX && !r; i++)
        if (reqs[i].phase == FREE)
            r = &reqs[i];
    if (!r)
        return -HEARTH_EBUSY;
    memset(r, 0, sizeof(*r));
    r->loop = loop;
    if ((rc = http_client_parse_url(req->url, r->host, sizeof(r->host), &r->port, &path)) < 0)
        goto fail;
    snprintf(r->method, sizeof(r->method), "%s", req->method);
    r->done = done;
    r->arg = arg;
    rc = -HEARTH_ENOMEM;
    if (req->ca_pem && !(r->ca_pem = strdup(req->ca_pem)))
        goto fail;
    if (req->pin_sha256) {
        memcpy(r->pin, req->pin_sha256, sizeof(r->pin));
        r->pinned = 1;
    }
    if (!(r->resp = malloc(sizeof(*r->resp) + HTTP_CLIENT_MAX_RESPONSE)))
        goto fail;
    http_response_init(r->resp, (uint8_t *)(r->resp + 1), HTTP_CLIENT_MAX_RESPONSE,
                       strcmp(r->method, "HEAD") == 0);
    if ((rc = build(r, req, path)) < 0)
        goto fail;
    r->phase = RESOLVING;
    r->deadline_ns = hearth_plat_monotonic_ns() + req->timeout_ns;
    rc = netstack_dns_resolve(r->host, req->timeout_ns, addr, on_resolved, r);
    if (rc == 0)
        rc = start_connect(r, addr);
    if (rc < 0)
        goto fail;
    timer_arm(&loop->timers, &r->timer, r->deadline_ns, 0, on_timeout, r);
    return 0;
fail:
    log_line("http_client: %s %s not sent: %s", req->method, req->url ? req->url : "(no URL)",
             hearth_strerror(rc));
    release(r);
    return rc;
}
