/* SPDX-License-Identifier: ISC */
/* The auth API: state, pairing with the setup code, login, logout and password change. */
#include "auth.h"
#include "auth_parse.h"
#include "log.h"

#include <hearth/err.h>
#include <stdio.h>
#include <string.h>

#define NO_STORE "Cache-Control: no-store\r\n"

/* Clients can hardly be told apart in the console without their address; IPv4 dotted, IPv6 abridged. */
static void peer_text(struct http_exchange *x, uint8_t addr[16], unsigned *len, char *out, size_t cap)
{
    *len = http_peer(x, addr);
    if (*len == 4)
        snprintf(out, cap, "%u.%u.%u.%u", addr[0], addr[1], addr[2], addr[3]);
    else if (*len == 16)
        snprintf(out, cap, "%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64", addr[0], addr[1], addr[2], addr[3],
                 addr[4], addr[5], addr[6], addr[7]);
    else
        snprintf(out, cap, "an unknown address");
}

static void json_error(struct http_exchange *x, int status, const char *message)
{
    http_respond_fmt(x, status, "application/json", "{\"error\":\"%s\",\"status\":%d}\n", message, status);
}

/* 429 with the wait in seconds, as a header (for clients) and in the body (for the page). */
static void too_many(struct http_exchange *x, uint32_t wait_s)
{
    char headers[80], body[96];
    snprintf(headers, sizeof(headers), "Retry-After: %lu\r\n" NO_STORE, (unsigned long)wait_s);
    int n =
        snprintf(body, sizeof(body), "{\"error\":\"too many attempts\",\"status\":429,\"retry_after\":%lu}\n",
                 (unsigned long)wait_s);
    http_respond(x, 429, "application/json", headers, body, (size_t)n, 1);
}

/* Starts a session and answers 200 with its cookie and CSRF token. */
static void start_session(struct auth *a, struct http_exchange *x)
{
    uint8_t rnd[AUTH_SESSION_RANDOM];
    char id[AUTH_TOKEN_HEX + 1], headers[256], body[128];
    struct auth_session *s;
    if (a->random(rnd, sizeof(rnd)) < 0 || auth_session_create(&a->sessions, rnd, a->now_ns(), id, &s) < 0) {
        memset(rnd, 0, sizeof(rnd));
        json_error(x, 500, "no session could be made");
        return;
    }
    memset(rnd, 0, sizeof(rnd));
    a->current = s;
    snprintf(headers, sizeof(headers),
             "Set-Cookie: " AUTH_COOKIE
             "=%s; Path=/; Max-Age=%lu; HttpOnly; Secure; SameSite=Strict\r\n" NO_STORE,
             id, (unsigned long)AUTH_SESSION_MAX_AGE_S);
    int n = snprintf(body, sizeof(body), "{\"ok\":true,\"csrf\":\"%s\"}\n", s->csrf);
    http_respond(x, 200, "application/json", headers, body, (size_t)n, 1);
    memset(id, 0, sizeof(id));
    memset(headers, 0, sizeof(headers));
}

/* A new record for password: fresh salt, cost calibrated on this machine. Returns 0 or an error. */
static int make_record(struct auth *a, const char *password, size_t len, struct auth_pw *pw)
{
    uint8_t salt[AUTH_PW_SALT_LEN];
    int rc = a->random(salt, sizeof(salt));
    if (rc < 0)
        return rc;
    uint32_t iterations =
        a->test_iterations ? a->test_iterations : auth_pw_calibrate(AUTH_PW_TARGET_NS, a->now_ns);
    return auth_pw_make(pw, password, len, salt, iterations);
}

/* Reads a string member of the body; answers 400 itself and returns < 0 when it cannot. */
static int body_field(struct http_exchange *x, const char *name, char *out, size_t cap)
{
    size_t len;
    const uint8_t *body = http_body(x, &len);
    int n = auth_json_string(body, len, name, out, cap);
    if (n == -HEARTH_ERANGE)
        json_error(x, 400, "a field is too long");
    else if (n < 0)
        json_error(x, 400, "expected a JSON object of strings");
    return n;
}

void auth_state(struct http_exchange *x, void *arg)
{
    struct auth *a = arg;
    char body[160];
    int n = snprintf(body, sizeof(body), "{\"paired\":%s,\"logged_in\":%s%s%s%s}\n",
                     a->owner.paired ? "true" : "false", a->current ? "true" : "false",
                     a->current ? ",\"csrf\":\"" : "", a->current ? a->current->csrf : "",
                     a->current ? "\"" : "");
    http_respond(x, 200, "application/json", NO_STORE, body, (size_t)n, 1);
}

void auth_setup(struct http_exchange *x, void *arg)
{
    struct auth *a = arg;
    char code[32], password[AUTH_PW_MAX_LEN + 1], who[48];
    uint8_t addr[16];
    unsigned addr_len;
    struct auth_pw pw;
    peer_text(x, addr, &addr_len, who, sizeof(who));
    if (a->owner.paired) {
        json_error(x, 409, "already paired: log in instead");
        return;
    }
    if (body_field(x, "code", code, sizeof(code)) < 0)
        return;
    int n = body_field(x, "password", password, sizeof(password));
    if (n < 0)
        return;
    if (n < AUTH_PW_MIN_LEN) {
        json_error(x, 400, "the password needs at least 10 characters");
        goto out;
    }
    uint32_t wait = auth_throttle_begin(&a->throttle, addr, addr_len, a->now_ns());
    if (wait) {
        too_many(x, wait);
        goto out;
    }
    if (!auth_owner_code_ok(&a->owner, code)) {
        uint32_t failures = auth_throttle_failed(&a->throttle, addr, addr_len, a->now_ns());
        log_line("auth: wrong setup code from %s (%lu in a row)", who, (unsigned long)failures);
        json_error(x, 403, "wrong setup code");
        goto out;
    }
    uint64_t t0 = a->now_ns();
    int rc = make_record(a, password, (size_t)n, &pw);
    uint64_t took_ms = (a->now_ns() - t0) / 1000000u;
    if (rc == 0)
        rc = auth_owner_set(&a->owner, &pw, 0);
    if (rc < 0) {
        log_line("auth: the password could not be set (%s)", hearth_strerror(rc));
        json_error(x, 500, "the password could not be stored");
        goto out;
    }
    auth_throttle_succeeded(&a->throttle, addr, addr_len, a->now_ns());
    log_line("auth: paired from %s; owner password set (PBKDF2-HMAC-SHA256, %lu iterations; calibrating and "
             "hashing took %lu ms)%s",
             who, (unsigned long)pw.iterations, (unsigned long)took_ms,
             a->owner.store ? "" : "; no store: it lasts until the next boot");
    start_session(a, x);
out:
    memset(password, 0, sizeof(password));
}

/*
 * Checks a password guess under the throttle (what: the console's words for a right one). Returns 0 when
 * it is right; otherwise it has answered
 * (429, 401, 500) and returns < 0.
 */
static int check_guess(struct auth *a, struct http_exchange *x, const char *guess, size_t len,
                       const char *what)
{
    char who[48];
    uint8_t addr[16];
    unsigned addr_len;
    peer_text(x, addr, &addr_len, who, sizeof(who));
    uint32_t wait = auth_throttle_begin(&a->throttle, addr, addr_len, a->now_ns());
    if (wait) {
        too_many(x, wait);
        return -HEARTH_EBUSY;
    }
    uint64_t t0 = a->now_ns();
    int rc = auth_pw_verify(&a->owner.pw, guess, len);
    uint64_t took_ms = (a->now_ns() - t0) / 1000000u;
    if (rc == -HEARTH_EPERM) {
        uint32_t failures = auth_throttle_failed(&a->throttle, addr, addr_len, a->now_ns());
        uint32_t next = auth_throttle_wait_after(failures);
        log_line("auth: wrong password from %s (%lu in a row)", who, (unsigned long)failures);
        char headers[64] = "";
        if (next)
            snprintf(headers, sizeof(headers), "Retry-After: %lu\r\n", (unsigned long)next);
        char body[96];
        int n = snprintf(body, sizeof(body),
                         "{\"error\":\"wrong password\",\"status\":401,\"retry_after\":%lu}\n",
                         (unsigned long)next);
        http_respond(x, 401, "application/json", headers, body, (size_t)n, 1);
        return rc;
    }
    if (rc < 0) {
        json_error(x, 500, "the password could not be checked");
        return rc;
    }
    auth_throttle_succeeded(&a->throttle, addr, addr_len, a->now_ns());
    log_line("auth: %s from %s (password check took %lu ms)", what, who, (unsigned long)took_ms);
    return 0;
}

void auth_login(struct http_exchange *x, void *arg)
{
    struct auth *a = arg;
    char password[AUTH_PW_MAX_LEN + 1];
    if (!a->owner.paired) {
        json_error(x, 409, "not paired yet: set a password with the setup code");
        return;
    }
    int n = body_field(x, "password", password, sizeof(password));
    if (n >= 0 && check_guess(a, x, password, (size_t)n, "owner logged in") == 0)
        start_session(a, x);
    memset(password, 0, sizeof(password));
}

void auth_logout(struct http_exchange *x, void *arg)
{
    struct auth *a = arg;
    if (!a->current) {
        json_error(x, 401, "log in first");
        return;
    }
    auth_session_end(a->current);
    a->current = NULL;
    static const char body[] = "{\"ok\":true}\n";
    http_respond(x, 200, "application/json",
                 "Set-Cookie: " AUTH_COOKIE
                 "=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict\r\n" NO_STORE,
                 body, sizeof(body) - 1, 0);
}

void auth_password(struct http_exchange *x, void *arg)
{
    struct auth *a = arg;
    char current[AUTH_PW_MAX_LEN + 1], fresh[AUTH_PW_MAX_LEN + 1];
    struct auth_pw pw;
    int n, m = -1;
    if (!a->current) {
        json_error(x, 401, "log in first");
        return;
    }
    if ((n = body_field(x, "password", current, sizeof(current))) < 0 ||
        (m = body_field(x, "new_password", fresh, sizeof(fresh))) < 0)
        goto out;
    if (m < AUTH_PW_MIN_LEN) {
        json_error(x, 400, "the new password needs at least 10 characters");
        goto out;
    }
    struct auth_session *keep = a->current;
    if (check_guess(a, x, current, (size_t)n, "password change allowed") < 0)
        goto out;
    int rc = make_record(a, fresh, (size_t)m, &pw);
    if (rc == 0)
        rc = auth_owner_set(&a->owner, &pw, 0);
    if (rc < 0) {
        log_line("auth: the new password could not be set (%s)", hearth_strerror(rc));
        json_error(x, 500, "the password could not be stored");
        goto out;
    }
    auth_sessions_end_others(&a->sessions, keep);
    log_line("auth: owner password changed (%lu iterations); other sessions ended",
             (unsigned long)pw.iterations);
    static const char body[] = "{\"ok\":true}\n";
    http_respond(x, 200, "application/json", NO_STORE, body, sizeof(body) - 1, 0);
out:
    memset(current, 0, sizeof(current));
    memset(fresh, 0, sizeof(fresh));
}

int auth_init(struct auth *a, struct store *st, int (*random)(void *buf, size_t len),
              uint64_t (*now_ns)(void))
{
    uint32_t test_iterations = a->test_iterations;
    memset(a, 0, sizeof(*a));
    a->random = random;
    a->now_ns = now_ns;
    a->test_iterations = test_iterations;
    int rc = auth_owner_load(&a->owner, st);
    if (rc == 0) {
        log_line("auth: owner password set (PBKDF2-HMAC-SHA256, %lu iterations); log in at /login.html",
                 (unsigned long)a->owner.pw.iterations);
        return 0;
    }
    if (rc != -HEARTH_ENOENT)
        log_line("auth: the stored owner password is unreadable (%s): pairing starts again",
                 hearth_strerror(rc));
    if (!st)
        log_line("auth: no store: a password set now lasts until the next boot");
    uint8_t rnd[AUTH_CODE_RANDOM];
    char shown[12];
    if ((rc = random(rnd, sizeof(rnd))) < 0) {
        log_line("auth: no random source (%s): no setup code, pairing is impossible", hearth_strerror(rc));
        return rc;
    }
    auth_owner_new_code(&a->owner, rnd, shown);
    memset(rnd, 0, sizeof(rnd));
    log_line("auth: setup code %s (enter it on the hub's web page to set the owner password)", shown);
    return 0;
}

void auth_benchmark(uint64_t (*now_ns)(void))
{
    static const uint8_t salt[AUTH_PW_SALT_LEN] = {1};
    struct auth_pw pw;
    uint32_t iterations = auth_pw_calibrate(AUTH_PW_TARGET_NS, now_ns);
    uint64_t t0 = now_ns();
    int rc = auth_pw_make(&pw, "benchmark passphrase", 20, salt, iterations);
    uint64_t t1 = now_ns();
    log_line("auth: PBKDF2-HMAC-SHA256: %lu iterations for ~%lu ms (floor %lu); one check took %lu ms%s",
             (unsigned long)iterations, (unsigned long)(AUTH_PW_TARGET_NS / 1000000u),
             (unsigned long)AUTH_PW_MIN_ITERATIONS, (unsigned long)((t1 - t0) / 1000000u),
             rc < 0 ? " (failed)" : "");
}
