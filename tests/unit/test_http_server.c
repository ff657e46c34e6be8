/* SPDX-License-Identifier: ISC */
/* Unit tests for the HTTP server engine and the hub's routes over an in-memory stream and a fake clock. */
#include "check.h"
#include "http_server.h"
#include "web.h"

#include <hearth/plat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The platform, faked: a clock the tests move and a console that is thrown away. */
static uint64_t fake_now;
uint64_t hearth_plat_monotonic_ns(void)
{
    return fake_now;
}
void hearth_plat_console_write(const char *buf, size_t len)
{
    (void)buf;
    (void)len;
}
int hearth_plat_yield(uint64_t deadline_ns)
{
    fake_now = deadline_ns;
    return 0;
}

int hearth_plat_poweroff_requested(void)
{
    return 0;
}

struct fake_stream {
    struct hearth_stream s;
    char out[256 * 1024];
    size_t out_len;
    int limited; /* when set, write() takes at most budget bytes in all until refilled */
    size_t budget;
    int closed;
};

static int fake_write(struct hearth_stream *s, const void *data, size_t len)
{
    struct fake_stream *f = (struct fake_stream *)s;
    if (f->closed)
        return -1;
    size_t n = f->limited && len > f->budget ? f->budget : len;
    if (f->limited)
        f->budget -= n;
    if (n > sizeof(f->out) - f->out_len)
        n = sizeof(f->out) - f->out_len;
    memcpy(f->out + f->out_len, data, n);
    f->out_len += n;
    return (int)n;
}

static size_t fake_writable(struct hearth_stream *s)
{
    struct fake_stream *f = (struct fake_stream *)s;
    return f->limited ? f->budget : sizeof(f->out) - f->out_len;
}

static void fake_close(struct hearth_stream *s)
{
    ((struct fake_stream *)s)->closed = 1;
}

static const struct hearth_stream_ops fake_ops = {fake_write, fake_writable, fake_close};

static struct loop loop;
static struct http_server server;

static void echo_body(struct http_exchange *x, void *arg)
{
    (void)arg;
    size_t len;
    const uint8_t *body = http_body(x, &len);
    http_respond(x, 201, "application/octet-stream", NULL, body, len, 1);
}

static const struct http_route test_routes[] = {
    {"GET", "/api/health", 0, web_health, NULL, HTTP_ACCESS_PUBLIC},
    {"POST", "/echo", 0, echo_body, NULL, HTTP_ACCESS_PUBLIC},
};

static struct fake_stream *open_conn(void)
{
    struct fake_stream *f = calloc(1, sizeof(*f));
    f->s.ops = &fake_ops;
    CHECK_INT(http_server_accept(&f->s, &server), 0);
    return f;
}

static void send_text(struct fake_stream *f, const char *text)
{
    size_t len = strlen(text), off = 0;
    /* Re-offer what was not consumed, as the transport does. */
    for (int rounds = 0; off < len && rounds < 1000 && !f->closed; rounds++)
        off += f->s.handler->on_data(&f->s, (const uint8_t *)text + off, len - off, f->s.arg);
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static void finish(struct fake_stream *f)
{
    if (!f->closed && f->s.handler && f->s.handler->on_closed)
        f->s.handler->on_closed(&f->s, 0, f->s.arg);
    free(f);
}

static void test_health_and_keepalive(void)
{
    struct fake_stream *f = open_conn();
    send_text(f, "GET /api/health HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(strncmp(f->out, "HTTP/1.1 200 OK\r\n", 17) == 0);
    CHECK(strstr(f->out, "\"status\":\"ok\"") != NULL);
    CHECK(strstr(f->out, "Connection: keep-alive") != NULL);
    CHECK(!f->closed);
    /* Two pipelined requests in one segment: two answers, in order. */
    f->out_len = 0;
    memset(f->out, 0, sizeof(f->out));
    send_text(f, "GET /api/health HTTP/1.1\r\nHost: h\r\n\r\nGET /nope HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK_INT(count(f->out, "HTTP/1.1 "), 2);
    char *second = strstr(f->out + 1, "HTTP/1.1 ");
    CHECK(second && strncmp(second, "HTTP/1.1 404", 12) == 0);
    finish(f);
}

static void test_errors_close(void)
{
    struct fake_stream *f = open_conn();
    send_text(f,
              "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc");
    CHECK(strncmp(f->out, "HTTP/1.1 400", 12) == 0);
    CHECK(f->closed);
    free(f);

    f = open_conn();
    send_text(f, "GET / HTTP/1.1\nHost: h\r\n\r\n");
    CHECK(strncmp(f->out, "HTTP/1.1 400", 12) == 0 && f->closed);
    free(f);

    f = open_conn();
    send_text(f, "POST /api/health HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
    CHECK(strncmp(f->out, "HTTP/1.1 405", 12) == 0 && !f->closed);
    finish(f);

    f = open_conn();
    send_text(f, "GET /api/health HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    CHECK(strncmp(f->out, "HTTP/1.1 200", 12) == 0 && f->closed);
    free(f);

    f = open_conn();
    char big[HTTP_MAX_BODY + 200];
    snprintf(big, sizeof(big), "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n",
             HTTP_MAX_BODY + 1);
    send_text(f, big);
    CHECK(strncmp(f->out, "HTTP/1.1 413", 12) == 0 && f->closed);
    free(f);
}

static void test_bodies(void)
{
    struct fake_stream *f = open_conn();
    send_text(f, "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhel");
    CHECK_INT(f->out_len, 0); /* body incomplete: no answer yet */
    send_text(f, "lo");
    CHECK(strncmp(f->out, "HTTP/1.1 201", 12) == 0);
    CHECK(f->out_len >= 5 && memcmp(f->out + f->out_len - 5, "hello", 5) == 0);
    f->out_len = 0;
    send_text(f, "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
    CHECK_INT(f->out_len, 0);
    send_text(f, "2\r\nde\r\n0\r\n\r\n");
    CHECK(f->out_len >= 5 && memcmp(f->out + f->out_len - 5, "abcde", 5) == 0);
    CHECK(strstr(f->out, "Content-Length: 5\r\n") != NULL);
    finish(f);
}

static void test_backpressure(void)
{
    struct fake_stream *f = open_conn();
    f->limited = 1;
    f->budget = 7;
    send_text(f, "GET /api/health HTTP/1.1\r\nHost: h\r\n\r\nGET /api/health HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK_INT(f->out_len, 7); /* the send buffer is full after 7 bytes: the rest waits */
    for (int i = 0; i < 1000 && count(f->out, "\"status\":\"ok\"") < 2; i++) {
        f->budget = 7; /* acknowledgements free 7 bytes at a time */
        f->s.handler->on_writable(&f->s, f->s.arg);
        send_text(f, ""); /* nothing new: the pipelined request waits in the server's buffer */
    }
    CHECK_INT(count(f->out, "HTTP/1.1 200"), 2);
    finish(f);
}

static void test_timeouts_and_budget(void)
{
    struct fake_stream *idle = open_conn();
    send_text(idle, "GET /api/he");
    fake_now += HTTP_HEAD_TIMEOUT_NS + 1;
    timer_run_due(&loop.timers, fake_now);
    CHECK(idle->closed); /* a slow client loses its slot */
    free(idle);

    struct fake_stream *conns[HTTP_MAX_CONNS];
    for (int i = 0; i < HTTP_MAX_CONNS; i++)
        conns[i] = open_conn();
    CHECK_INT(server.active, HTTP_MAX_CONNS);
    struct fake_stream *extra = open_conn();
    send_text(extra, "GET /api/health HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(strncmp(extra->out, "HTTP/1.1 503", 12) == 0 && extra->closed);
    free(extra);
    for (int i = 0; i < HTTP_MAX_CONNS; i++)
        finish(conns[i]);
    CHECK_INT(server.active, 0);
}

static void test_static_and_redirect(void)
{
    struct fake_stream *f = open_conn();
    send_text(f, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(strncmp(f->out, "HTTP/1.1 200", 12) == 0 && strstr(f->out, "<title>Hearth</title>"));
    char *etag = strstr(f->out, "ETag: ");
    CHECK(etag != NULL);
    char tag[64] = "";
    if (etag)
        sscanf(etag + 6, "%63[^\r]", tag);
    f->out_len = 0;
    memset(f->out, 0, sizeof(f->out));
    char req[256];
    snprintf(req, sizeof(req), "GET /index.html HTTP/1.1\r\nHost: h\r\nIf-None-Match: %s\r\n\r\n", tag);
    send_text(f, req);
    CHECK(strncmp(f->out, "HTTP/1.1 304", 12) == 0);
    f->out_len = 0;
    memset(f->out, 0, sizeof(f->out));
    send_text(f, "GET /hearth.css HTTP/1.1\r\nHost: h\r\nAccept-Encoding: br, gzip\r\n\r\n");
    CHECK(strstr(f->out, "Content-Encoding: gzip\r\n") != NULL);
    f->out_len = 0;
    memset(f->out, 0, sizeof(f->out));
    send_text(f, "GET /hearth.css HTTP/1.1\r\nHost: h\r\nAccept-Encoding: gzip;q=0\r\n\r\n");
    CHECK(strstr(f->out, "HTTP/1.1 200") && !strstr(f->out, "Content-Encoding"));
    finish(f);

    struct http_server redirect = {.fallback = web_redirect, .loop = &loop};
    struct fake_stream *r = calloc(1, sizeof(*r));
    r->s.ops = &fake_ops;
    http_server_accept(&r->s, &redirect);
    send_text(r, "GET /api/health?x=1 HTTP/1.1\r\nHost: hearth.local:80\r\n\r\n");
    CHECK(strncmp(r->out, "HTTP/1.1 301", 12) == 0);
    CHECK(strstr(r->out, "Location: https://hearth.local/api/health?x=1\r\n") != NULL);
    r->out_len = 0;
    memset(r->out, 0, sizeof(r->out));
    send_text(r, "GET / HTTP/1.1\r\nHost: evil\"<>.example\r\n\r\n");
    CHECK(strstr(r->out, "Location: https://hearth.local/\r\n") != NULL);
    finish(r);
}

/* A guard that records what it was asked and refuses /echo without answering (the engine says 403). */
static const struct http_route *guard_saw;
static int guard_calls;
static uint8_t guard_peer[16];
static unsigned guard_peer_len;
static int test_guard(struct http_exchange *x, const struct http_route *route, void *arg)
{
    (void)arg;
    guard_calls++;
    guard_peer_len = http_peer(x, guard_peer);
    guard_saw = route;
    if (strcmp(http_path(x), "/private.txt") == 0) {
        http_respond_error(x, 401);
        return 1;
    }
    return route && strcmp(route->path, "/echo") == 0;
}

static void test_guard_hook(void)
{
    server.guard = test_guard;
    struct fake_stream *f = open_conn();
    f->s.peer_addr_len = 4;
    memcpy(f->s.peer_addr, (uint8_t[]){192, 0, 2, 7}, 4);
    send_text(f, "GET /api/health HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(strncmp(f->out, "HTTP/1.1 200", 12) == 0 && guard_calls == 1 && guard_saw == &test_routes[0]);
    CHECK(guard_saw && guard_saw->access == HTTP_ACCESS_PUBLIC);
    CHECK(guard_peer_len == 4 && memcmp(guard_peer, (uint8_t[]){192, 0, 2, 7}, 4) == 0);
    f->out_len = 0;
    send_text(f, "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi");
    CHECK(strncmp(f->out, "HTTP/1.1 403", 12) == 0 && guard_calls == 2);
    f->out_len = 0;
    send_text(f, "GET /hearth.css HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(strncmp(f->out, "HTTP/1.1 200", 12) == 0 && guard_calls == 3 && guard_saw == NULL);
    f->out_len = 0;
    send_text(f, "GET /private.txt HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(strncmp(f->out, "HTTP/1.1 401", 12) == 0 && guard_calls == 4);
    /* A method the route does not take is answered before any guard runs. */
    f->out_len = 0;
    send_text(f, "DELETE /api/health HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(strncmp(f->out, "HTTP/1.1 405", 12) == 0 && guard_calls == 4);
    finish(f);
    server.guard = NULL;
}

int main(void)
{
    loop_init(&loop);
    server =
        (struct http_server){.routes = test_routes, .route_count = 2, .fallback = web_static, .loop = &loop};
    test_health_and_keepalive();
    test_errors_close();
    test_bodies();
    test_backpressure();
    test_timeouts_and_budget();
    test_static_and_redirect();
    test_guard_hook();
    return check_summary("http_server");
}
