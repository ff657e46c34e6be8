/* SPDX-License-Identifier: ISC */
/* Unit tests for the auth guard and routes through the HTTP server engine, over in-memory streams. */
#include "auth.h"
#include "check.h"
#include "http_server.h"
#include "memdisk.h"
#include "web.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S 1000000000ull

void hearth_plat_console_write(const char *buf, size_t len)
{
    (void)buf;
    (void)len;
}

int hearth_plat_entropy(void *buf, size_t len)
{
    (void)buf;
    (void)len;
    return -HEARTH_ENOTSUP;
}

/* Predictable "random" bytes: the tests need different ids, not secret ones. */
static uint8_t counter;
static int fake_random(void *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = counter++;
    return 0;
}

struct fake_stream {
    struct hearth_stream s;
    char out[64 * 1024];
    size_t out_len;
    int closed;
};

static int fake_write(struct hearth_stream *s, const void *data, size_t len)
{
    struct fake_stream *f = (struct fake_stream *)s;
    if (len > sizeof(f->out) - 1 - f->out_len)
        len = sizeof(f->out) - 1 - f->out_len;
    memcpy(f->out + f->out_len, data, len);
    f->out_len += len;
    f->out[f->out_len] = '\0';
    return (int)len;
}

static size_t fake_writable(struct hearth_stream *s)
{
    struct fake_stream *f = (struct fake_stream *)s;
    return sizeof(f->out) - 1 - f->out_len;
}

static void fake_close(struct hearth_stream *s)
{
    ((struct fake_stream *)s)->closed = 1;
}

static const struct hearth_stream_ops fake_ops = {fake_write, fake_writable, fake_close};

static struct auth auth;
static struct loop loop;
static int handled;

static void ok_handler(struct http_exchange *x, void *arg)
{
    (void)arg;
    handled++;
    http_respond_fmt(x, 200, "application/json", "{\"ok\":true}\n");
}

static const struct http_route routes[] = {
    {"GET", "/api/health", 0, web_health, NULL, HTTP_ACCESS_PUBLIC},
    {"GET", "/api/auth/state", 0, auth_state, &auth, HTTP_ACCESS_PUBLIC},
    {"POST", "/api/auth/setup", 0, auth_setup, &auth, HTTP_ACCESS_PUBLIC},
    {"POST", "/api/auth/login", 0, auth_login, &auth, HTTP_ACCESS_PUBLIC},
    {"POST", "/api/auth/logout", 0, auth_logout, &auth, HTTP_ACCESS_OWNER},
    {"POST", "/api/auth/password", 0, auth_password, &auth, HTTP_ACCESS_OWNER},
    {"GET", "/api/secret", 0, ok_handler, NULL, HTTP_ACCESS_OWNER},
    {"POST", "/api/secret", 0, ok_handler, NULL, HTTP_ACCESS_OWNER},
    {"POST", "/api/ingest", 0, ok_handler, NULL, HTTP_ACCESS_HANDLER},
};

static struct http_server server = {.routes = routes,
                                    .route_count = sizeof(routes) / sizeof(routes[0]),
                                    .fallback = web_static,
                                    .loop = &loop,
                                    .guard = auth_guard,
                                    .guard_arg = &auth};

/* Sends one request from peer 10.0.0.<host> on a fresh connection; returns the stream with the answer. */
static struct fake_stream *request(uint8_t host, const char *method, const char *path, const char *headers,
                                   const char *body)
{
    static struct fake_stream f;
    char req[4096];
    memset(&f, 0, sizeof(f));
    f.s.ops = &fake_ops;
    f.s.secure = 1;
    f.s.peer_addr_len = 4;
    memcpy(f.s.peer_addr, (uint8_t[]){10, 0, 0, host}, 4);
    CHECK_INT(http_server_accept(&f.s, &server), 0);
    int n = body ? snprintf(req, sizeof(req),
                            "%s %s HTTP/1.1\r\nHost: hearth.local\r\nConnection: close\r\n%s"
                            "Content-Type: application/json\r\nContent-Length: %lu\r\n\r\n%s",
                            method, path, headers ? headers : "", (unsigned long)strlen(body), body)
                 : snprintf(req, sizeof(req),
                            "%s %s HTTP/1.1\r\nHost: hearth.local\r\nConnection: close\r\n%s\r\n", method,
                            path, headers ? headers : "");
    f.s.handler->on_data(&f.s, (const uint8_t *)req, (size_t)n, f.s.arg);
    if (!f.closed && f.s.handler->on_closed)
        f.s.handler->on_closed(&f.s, 0, f.s.arg);
    return &f;
}

static int status_of(const struct fake_stream *f)
{
    return strncmp(f->out, "HTTP/1.1 ", 9) == 0 ? atoi(f->out + 9) : -1;
}

/* The value of header name in the answer, copied into out; "" when absent. */
static const char *header_of(const struct fake_stream *f, const char *name, char *out, size_t cap)
{
    char pattern[64];
    snprintf(pattern, sizeof(pattern), "\r\n%s: ", name);
    const char *p = strstr(f->out, pattern);
    out[0] = '\0';
    if (p) {
        p += strlen(pattern);
        size_t n = strcspn(p, "\r");
        snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), p);
    }
    return out;
}

/* The cookie and CSRF token of a successful login or setup answer. */
static int session_of(const struct fake_stream *f, char *cookie_header, size_t cap, char *csrf_header,
                      size_t cap2)
{
    char set[256];
    header_of(f, "Set-Cookie", set, sizeof(set));
    const char *csrf = strstr(f->out, "\"csrf\":\"");
    if (strncmp(set, "hearth_session=", 15) != 0 || !csrf)
        return -1;
    /* Another cookie in front: the browser sends whatever else this host has set. */
    snprintf(cookie_header, cap, "Cookie: theme=dark; %.*s\r\n", (int)strcspn(set, ";"), set);
    snprintf(csrf_header, cap2, "X-CSRF-Token: %.64s\r\n", csrf + 8);
    return 0;
}

static void test_flow(void)
{
    char cookie[160], csrf[96], h[256], both[320], code[16];
    struct fake_stream *f;
    memdisk_set_time(100 * S);
    auth.test_iterations = 2;
    CHECK_INT(auth_init(&auth, NULL, fake_random, hearth_plat_monotonic_ns), 0);
    snprintf(code, sizeof(code), "%s", auth.owner.code);
    CHECK_INT(strlen(code), 10);

    /* Without a session: public routes answer, the API says 401, pages redirect to the login page. */
    CHECK_INT(status_of(request(1, "GET", "/api/health", NULL, NULL)), 200);
    f = request(1, "GET", "/api/auth/state", NULL, NULL);
    CHECK(status_of(f) == 200 && strstr(f->out, "{\"paired\":false,\"logged_in\":false}"));
    CHECK_INT(status_of(request(1, "GET", "/api/secret", NULL, NULL)), 401);
    f = request(1, "GET", "/", NULL, NULL);
    CHECK(status_of(f) == 303 && strcmp(header_of(f, "Location", h, sizeof(h)), "/login.html") == 0);
    CHECK_INT(status_of(request(1, "GET", "/hearth.js", NULL, NULL)), 303);
    CHECK_INT(status_of(request(1, "GET", "/no-such-page", NULL, NULL)), 303);
    CHECK_INT(status_of(request(1, "GET", "/login.html", NULL, NULL)), 200);
    CHECK_INT(status_of(request(1, "GET", "/login.js", NULL, NULL)), 200);
    CHECK_INT(status_of(request(1, "POST", "/api/secret", NULL, "{}")), 401);
    CHECK_INT(status_of(request(1, "POST", "/api/auth/login", NULL, "{\"password\":\"whatever else\"}")),
              409);
    /* A handler-authenticated route is the handler's business, cross-site or not. */
    handled = 0;
    CHECK_INT(status_of(request(1, "POST", "/api/ingest", "Sec-Fetch-Site: cross-site\r\n", "{}")), 200);
    CHECK_INT(handled, 1);

    /* Pairing. */
    char body[160];
    CHECK_INT(status_of(request(1, "POST", "/api/auth/setup", NULL,
                                "{\"code\":\"2222222222\",\"password\":\"long enough pw\"}")),
              403);
    snprintf(body, sizeof(body), "{\"code\":\"%s\",\"password\":\"short\"}", code);
    CHECK_INT(status_of(request(1, "POST", "/api/auth/setup", NULL, body)), 400);
    snprintf(body, sizeof(body), "{\"code\":\"%s\",\"password\":\"long enough pw\"}", code);
    CHECK_INT(status_of(request(1, "POST", "/api/auth/setup", "Origin: https://evil.example\r\n", body)),
              403);
    CHECK_INT(status_of(request(1, "POST", "/api/auth/setup", NULL, "not json")), 400);
    f = request(1, "POST", "/api/auth/setup", "Origin: https://hearth.local\r\n", body);
    CHECK_INT(status_of(f), 200);
    header_of(f, "Set-Cookie", h, sizeof(h));
    CHECK(strstr(h, "; HttpOnly") && strstr(h, "; Secure") && strstr(h, "; SameSite=Strict") &&
          strstr(h, "; Path=/"));
    CHECK(strstr(f->out, "Cache-Control: no-store") != NULL);
    CHECK_INT(session_of(f, cookie, sizeof(cookie), csrf, sizeof(csrf)), 0);
    CHECK_INT(status_of(request(1, "POST", "/api/auth/setup", NULL, body)), 409);
    CHECK(auth.owner.paired && auth.owner.code[0] == '\0');

    /* With the session. */
    CHECK_INT(status_of(request(1, "GET", "/api/secret", cookie, NULL)), 200);
    CHECK_INT(status_of(request(1, "GET", "/", cookie, NULL)), 200);
    f = request(1, "GET", "/api/auth/state", cookie, NULL);
    char token[AUTH_TOKEN_HEX + 1];
    snprintf(token, sizeof(token), "%.64s", csrf + 14); /* after "X-CSRF-Token: " */
    CHECK(strstr(f->out, "\"logged_in\":true") && strstr(f->out, token));
    CHECK_INT(status_of(request(1, "POST", "/api/secret", cookie, "{}")), 403);
    snprintf(both, sizeof(both), "%s%s", cookie, csrf);
    CHECK_INT(status_of(request(1, "POST", "/api/secret", both, "{}")), 200);
    snprintf(both, sizeof(both), "%s%sOrigin: https://evil.example\r\n", cookie, csrf);
    CHECK_INT(status_of(request(1, "POST", "/api/secret", both, "{}")), 403);
    snprintf(both, sizeof(both), "%s%sOrigin: null\r\n", cookie, csrf);
    CHECK_INT(status_of(request(1, "POST", "/api/secret", both, "{}")), 403);
    snprintf(both, sizeof(both), "%s%sSec-Fetch-Site: same-site\r\n", cookie, csrf);
    CHECK_INT(status_of(request(1, "POST", "/api/secret", both, "{}")), 403);
    snprintf(both, sizeof(both), "%s%sOrigin: https://hearth.local\r\nSec-Fetch-Site: same-origin\r\n",
             cookie, csrf);
    CHECK_INT(status_of(request(1, "POST", "/api/secret", both, "{}")), 200);
    snprintf(both, sizeof(both), "%sSec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: no-cors\r\n", cookie);
    CHECK_INT(status_of(request(1, "GET", "/api/secret", both, NULL)), 403);

    /* Sessions expire when idle. */
    memdisk_set_time(100 * S + AUTH_SESSION_IDLE_NS + 10 * S);
    CHECK_INT(status_of(request(1, "GET", "/api/secret", cookie, NULL)), 401);

    /* Login throttling, per client: five wrong passwords, then waits that grow. */
    uint64_t now = 200 * S + AUTH_SESSION_IDLE_NS;
    memdisk_set_time(now);
    for (int i = 0; i < 5; i++)
        CHECK_INT(status_of(request(2, "POST", "/api/auth/login", NULL, "{\"password\":\"wrong password\"}")),
                  401);
    f = request(2, "POST", "/api/auth/login", NULL, "{\"password\":\"long enough pw\"}");
    CHECK(status_of(f) == 429 && strcmp(header_of(f, "Retry-After", h, sizeof(h)), "1") == 0);
    CHECK_INT(status_of(request(3, "POST", "/api/auth/login", NULL, "{\"password\":\"long enough pw\"}")),
              200);
    memdisk_set_time(now + S);
    f = request(2, "POST", "/api/auth/login", NULL, "{\"password\":\"wrong password\"}");
    CHECK(status_of(f) == 401 && strcmp(header_of(f, "Retry-After", h, sizeof(h)), "2") == 0);
    f = request(2, "POST", "/api/auth/login", NULL, "{\"password\":\"wrong password\"}");
    CHECK(status_of(f) == 429 && strcmp(header_of(f, "Retry-After", h, sizeof(h)), "2") == 0);
    memdisk_set_time(now + 3 * S);
    f = request(2, "POST", "/api/auth/login", NULL, "{\"password\":\"long enough pw\"}");
    CHECK_INT(status_of(f), 200);
    CHECK_INT(session_of(f, cookie, sizeof(cookie), csrf, sizeof(csrf)), 0);

    /* Password change: needs the current password; other sessions end; then logout. */
    snprintf(both, sizeof(both), "%s%s", cookie, csrf);
    CHECK_INT(status_of(request(2, "POST", "/api/auth/password", both,
                                "{\"password\":\"not the one!\",\"new_password\":\"brand new password\"}")),
              401);
    CHECK_INT(status_of(request(2, "POST", "/api/auth/password", both,
                                "{\"password\":\"long enough pw\",\"new_password\":\"tiny\"}")),
              400);
    CHECK_INT(status_of(request(2, "POST", "/api/auth/password", both,
                                "{\"password\":\"long enough pw\",\"new_password\":\"brand new password\"}")),
              200);
    CHECK_INT(status_of(request(2, "GET", "/api/secret", cookie, NULL)), 200);
    CHECK_INT(status_of(request(4, "POST", "/api/auth/login", NULL, "{\"password\":\"long enough pw\"}")),
              401);
    CHECK_INT(status_of(request(4, "POST", "/api/auth/login", NULL, "{\"password\":\"brand new password\"}")),
              200);
    CHECK_INT(status_of(request(2, "POST", "/api/auth/logout", cookie, NULL)), 403);
    f = request(2, "POST", "/api/auth/logout", both, NULL);
    CHECK(status_of(f) == 200 && strstr(header_of(f, "Set-Cookie", h, sizeof(h)), "Max-Age=0") != NULL);
    CHECK_INT(status_of(request(2, "GET", "/api/secret", cookie, NULL)), 401);
}

int main(void)
{
    loop_init(&loop);
    test_flow();
    return check_summary("auth_http");
}
