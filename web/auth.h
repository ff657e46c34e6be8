/* SPDX-License-Identifier: ISC */
/* Owner authentication for the web face: pairing, password login, sessions, CSRF and the route guard. */
#ifndef WEB_AUTH_H
#define WEB_AUTH_H

#include "auth_owner.h"
#include "auth_session.h"
#include "auth_throttle.h"
#include "http_server.h"

#include <stddef.h>
#include <stdint.h>

#define AUTH_COOKIE "hearth_session"
#define AUTH_CSRF_HEADER "X-CSRF-Token"
#define AUTH_LOGIN_PAGE "/login.html"

struct store;

/*
 * Everything authentication keeps; one per HTTPS server (web.c has the hub's). Passed as the arg of the
 * auth routes and as the server's guard_arg.
 */
struct auth {
    struct auth_owner owner;
    struct auth_sessions sessions;
    struct auth_throttle throttle;
    struct auth_session *current; /* the session of the request being handled (set by auth_guard) */
    int (*random)(void *buf, size_t len);
    uint64_t (*now_ns)(void); /* monotonic */
    uint32_t test_iterations; /* tests only: a fixed PBKDF2 cost instead of calibrating (0: calibrate) */
};

/*
 * Loads the owner's password from st (may be NULL: nothing persists) and, while the hub is unpaired,
 * makes a setup code and prints it on the console ("auth: setup code XXXXX-XXXXX"). random fills a
 * buffer with secret random bytes (tls_random) and now_ns is the monotonic clock. Sessions start empty.
 * Returns 0, or the random source's error (no setup code: pairing is impossible until the next boot).
 */
int auth_init(struct auth *a, struct store *st, int (*random)(void *buf, size_t len),
              uint64_t (*now_ns)(void));

/*
 * Measures the password hash on this machine and logs it ("auth: PBKDF2-HMAC-SHA256: N iterations for
 * ~200 ms; one check took M ms"): the boot argument auth.bench=1 runs it, to tune and document the cost
 * per board. Blocks for about half a second.
 */
void auth_benchmark(uint64_t (*now_ns)(void));

/*
 * The guard for the HTTPS server (http_server.guard, guard_arg = the struct auth). Default deny:
 *   - HTTP_ACCESS_HANDLER routes pass untouched (their handler checks a bearer token itself);
 *   - any request that a browser marks as coming from another site (Sec-Fetch-Site other than
 *     same-origin/none) is refused with 403, except top-level page navigations (GET/HEAD);
 *   - state-changing methods (anything but GET and HEAD) need a same-origin Origin when one is sent
 *     (auth_same_origin), else 403;
 *   - HTTP_ACCESS_PUBLIC routes and the login page's assets then pass;
 *   - everything else needs a live session cookie: without one, /api/ paths get 401 JSON and page
 *     requests (GET/HEAD) a 303 to the login page; state-changing methods also need the session's CSRF
 *     token in X-CSRF-Token, else 403.
 * The fallback (static assets) is judged with route NULL and the path. Sets a->current either way.
 */
int auth_guard(struct http_exchange *x, const struct http_route *route, void *arg);

/* What auth_guard decides from the facts of one request; separate so that tests can tabulate it. */
enum auth_verdict {
    AUTH_ALLOW,
    AUTH_UNAUTHORIZED, /* 401 */
    AUTH_TO_LOGIN,     /* 303 to the login page */
    AUTH_FORBIDDEN,    /* 403: cross-site, or no CSRF token */
};

struct auth_facts {
    enum http_access access;
    int safe_method; /* GET or HEAD */
    int api;         /* the path starts with /api/ */
    int foreign;     /* Sec-Fetch-Site says cross-site or same-site */
    int navigation;  /* Sec-Fetch-Mode: navigate */
    int same_origin; /* auth_same_origin's answer */
    int session;     /* a live session cookie came with the request */
    int csrf_ok;     /* X-CSRF-Token matches that session's token */
};

enum auth_verdict auth_decide(const struct auth_facts *f);

/* 1 when path is one of the assets the login page needs before anyone is logged in. */
int auth_public_asset(const char *path);

/*
 * Routes (arg: the struct auth). Bodies are JSON objects of strings; answers are JSON with
 * Cache-Control: no-store.
 *   GET  /api/auth/state     public  {"paired":bool,"logged_in":bool[,"csrf":"<token>"]}
 *   POST /api/auth/setup     public  {"code","password"} -> 200 + session cookie + {"csrf"}; 400 bad body
 *                                    or short password, 403 wrong code, 409 already paired, 429 throttled
 *   POST /api/auth/login     public  {"password"} -> 200 + cookie + {"csrf"}; 401 wrong, 409 unpaired, 429
 *   POST /api/auth/logout    owner   -> 200, the cookie cleared
 *   POST /api/auth/password  owner   {"password","new_password"} -> 200; every other session ends
 */
void auth_state(struct http_exchange *x, void *arg);
void auth_setup(struct http_exchange *x, void *arg);
void auth_login(struct http_exchange *x, void *arg);
void auth_logout(struct http_exchange *x, void *arg);
void auth_password(struct http_exchange *x, void *arg);

#endif
