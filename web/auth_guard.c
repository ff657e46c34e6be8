/* SPDX-License-Identifier: ISC */
/* The HTTPS server's guard: who may reach which route, decided before any handler runs (default deny). */
#include "auth.h"
#include "auth_parse.h"

#include <stdio.h>
#include <string.h>

/* What the login page loads before anyone is logged in; everything else in the bundle needs a session. */
static const char *const public_assets[] = {AUTH_LOGIN_PAGE, "/login.js", "/hearth.css"};

int auth_public_asset(const char *path)
{
    for (unsigned i = 0; i < sizeof(public_assets) / sizeof(public_assets[0]); i++)
        if (strcmp(path, public_assets[i]) == 0)
            return 1;
    return 0;
}

enum auth_verdict auth_decide(const struct auth_facts *f)
{
    if (f->access == HTTP_ACCESS_HANDLER)
        return AUTH_ALLOW;
    /* Fetch-metadata resource isolation: other sites may link to us, nothing more. */
    if (f->foreign && !(f->safe_method && f->navigation))
        return AUTH_FORBIDDEN;
    if (!f->safe_method && !f->same_origin)
        return AUTH_FORBIDDEN;
    if (f->access == HTTP_ACCESS_PUBLIC)
        return AUTH_ALLOW;
    if (!f->session)
        return f->safe_method && !f->api ? AUTH_TO_LOGIN : AUTH_UNAUTHORIZED;
    if (!f->safe_method && !f->csrf_ok)
        return AUTH_FORBIDDEN;
    return AUTH_ALLOW;
}

int auth_guard(struct http_exchange *x, const struct http_route *route, void *arg)
{
    struct auth *a = arg;
    const struct http_request *req = http_request_of(x);
    const char *path = http_path(x);
    char id[AUTH_TOKEN_HEX + 2];
    a->current = NULL;
    struct auth_facts f = {
        .access = route                     ? route->access
                  : auth_public_asset(path) ? HTTP_ACCESS_PUBLIC
                                            : HTTP_ACCESS_OWNER,
        .safe_method = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0,
        .api = strncmp(path, "/api/", 5) == 0,
    };
    if (f.access == HTTP_ACCESS_HANDLER)
        return 0;
    const char *site = http_header_value(req, "Sec-Fetch-Site");
    const char *mode = http_header_value(req, "Sec-Fetch-Mode");
    f.foreign = site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0;
    f.navigation = mode && strcmp(mode, "navigate") == 0;
    f.same_origin = auth_same_origin(http_header_value(req, "Origin"), site, req->host);
    int n = auth_cookie_get(http_header_value(req, "Cookie"), AUTH_COOKIE, id, sizeof(id));
    if (n > 0)
        a->current = auth_session_find(&a->sessions, id, (size_t)n, a->now_ns());
    f.session = a->current != NULL;
    f.csrf_ok = auth_csrf_ok(a->current, http_header_value(req, AUTH_CSRF_HEADER));

    switch (auth_decide(&f)) {
    case AUTH_ALLOW: return 0;
    case AUTH_TO_LOGIN:
        http_respond(x, 303, "text/plain; charset=utf-8",
                     "Location: " AUTH_LOGIN_PAGE "\r\nCache-Control: no-store\r\n", "Log in first\n", 13, 0);
        return 1;
    case AUTH_UNAUTHORIZED:
        http_respond_fmt(x, 401, "application/json", "{\"error\":\"log in first\",\"status\":401}\n");
        return 1;
    case AUTH_FORBIDDEN:
    default:
        http_respond_fmt(x, 403, "application/json", "{\"error\":\"%s\",\"status\":403}\n",
                         f.session && f.same_origin && !f.foreign ? "missing or wrong CSRF token"
                                                                  : "cross-site request refused");
        return 1;
    }
}
