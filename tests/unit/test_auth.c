/* SPDX-License-Identifier: ISC */
/* Unit tests for authentication's parts: PBKDF2, password records, sessions, throttling, codes, the guard
 * table. */
#include "auth.h"
#include "check.h"
#include "memdisk.h"
#include "store.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The console is thrown away (auth_routes.c logs); the clock and disk are memdisk.c's. */
void hearth_plat_console_write(const char *buf, size_t len)
{
    (void)buf;
    (void)len;
}

/* Linked in with Mbed TLS's random-source glue, never called here. */
int hearth_plat_entropy(void *buf, size_t len)
{
    (void)buf;
    (void)len;
    return -HEARTH_ENOTSUP;
}

#define S 1000000000ull

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (; hex[0] && hex[1] && n < cap; hex += 2) {
        char b[3] = {hex[0], hex[1], 0};
        out[n++] = (uint8_t)strtoul(b, NULL, 16);
    }
    return n;
}

static void pbkdf2_vector(char **f, int n, const char *where)
{
    char pw[128], salt[128];
    uint8_t want[128], got[128];
    if (n != 4) {
        check_record(0, where, 0, "vector has 4 fields");
        return;
    }
    size_t pw_len = check_unescape(f[0], pw, sizeof(pw)), salt_len = check_unescape(f[1], salt, sizeof(salt));
    size_t dk_len = unhex(f[3], want, sizeof(want));
    int rc = auth_pbkdf2_sha256((const uint8_t *)pw, pw_len, (const uint8_t *)salt, salt_len,
                                (uint32_t)strtoul(f[2], NULL, 10), got, dk_len);
    check_record(rc == 0 && memcmp(got, want, dk_len) == 0, where, 0, "PBKDF2-HMAC-SHA256 derived key");
}

static void test_password_record(void)
{
    static const uint8_t salt[AUTH_PW_SALT_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    struct auth_pw pw, back;
    uint8_t rec[AUTH_PW_RECORD_LEN];
    const char *good = "correct horse battery";
    CHECK_INT(auth_pw_make(&pw, good, strlen(good), salt, 3), 0);
    CHECK_INT(auth_pw_verify(&pw, good, strlen(good)), 0);
    CHECK_INT(auth_pw_verify(&pw, "correct horse batterz", 21), -HEARTH_EPERM);
    CHECK_INT(auth_pw_verify(&pw, good, strlen(good) - 1), -HEARTH_EPERM);
    CHECK_INT(auth_pw_verify(&pw, "", 0), -HEARTH_EPERM);
    char longer[AUTH_PW_MAX_LEN + 20];
    memset(longer, 'a', sizeof(longer));
    CHECK_INT(auth_pw_verify(&pw, longer, sizeof(longer)), -HEARTH_EPERM);
    /* The hash is PBKDF2 of exactly the password bytes and the salt. */
    uint8_t direct[AUTH_PW_HASH_LEN];
    CHECK_INT(auth_pbkdf2_sha256((const uint8_t *)good, strlen(good), salt, sizeof(salt), 3, direct,
                                 sizeof(direct)),
              0);
    CHECK(memcmp(direct, pw.hash, sizeof(direct)) == 0);
    /* Length limits when setting. */
    CHECK_INT(auth_pw_make(&back, "short", 5, salt, 3), -HEARTH_EINVAL);
    CHECK_INT(auth_pw_make(&back, longer, AUTH_PW_MAX_LEN + 1, salt, 3), -HEARTH_EINVAL);
    CHECK_INT(auth_pw_make(&back, good, strlen(good), salt, 0), -HEARTH_EINVAL);
    CHECK_INT(auth_pw_make(&back, good, strlen(good), salt, AUTH_PW_MAX_ITERATIONS + 1), -HEARTH_EINVAL);

    /* The stored form round-trips, and every damaged header field is refused. */
    auth_pw_encode(&pw, rec);
    CHECK_INT(rec[0], 1);
    CHECK_INT(rec[1], AUTH_PW_ALG_PBKDF2_SHA256);
    CHECK_INT(rec[4] | rec[5] << 8, 3);
    CHECK_INT(auth_pw_decode(rec, sizeof(rec), &back), 0);
    CHECK(memcmp(&back.salt, salt, sizeof(salt)) == 0 && memcmp(back.hash, pw.hash, sizeof(pw.hash)) == 0);
    CHECK_INT(back.iterations, 3);
    CHECK_INT(auth_pw_verify(&back, good, strlen(good)), 0);
    CHECK_INT(auth_pw_decode(rec, sizeof(rec) - 1, &back), -HEARTH_EINVAL);
    static const unsigned damaged[][2] = {{0, 2}, {0, 0}, {1, 2}, {2, 20}, {3, 1}, {4, 0}, {7, 0x80}};
    for (unsigned i = 0; i < sizeof(damaged) / sizeof(damaged[0]); i++) {
        uint8_t bad[AUTH_PW_RECORD_LEN];
        memcpy(bad, rec, sizeof(bad));
        bad[damaged[i][0]] = (uint8_t)damaged[i][1];
        if (damaged[i][0] == 4)
            bad[5] = bad[6] = bad[7] = 0; /* zero iterations */
        CHECK_INT(auth_pw_decode(bad, sizeof(bad), &back), -HEARTH_EINVAL);
    }
}

static uint64_t calib_now;
static uint64_t calib_clock(void)
{
    return calib_now += 50 * 1000000ull; /* every reading 50 ms later: a very slow machine */
}

static void test_calibration(void)
{
    /* However slow the machine, the floor holds. */
    CHECK_INT(auth_pw_calibrate(AUTH_PW_TARGET_NS, calib_clock), AUTH_PW_MIN_ITERATIONS);
}

static void test_sessions(void)
{
    struct auth_sessions t;
    struct auth_session *s, *s2;
    uint8_t rnd[AUTH_SESSION_RANDOM];
    char id[AUTH_TOKEN_HEX + 1], id2[AUTH_TOKEN_HEX + 1];
    auth_sessions_reset(&t);
    for (unsigned i = 0; i < sizeof(rnd); i++)
        rnd[i] = (uint8_t)i;
    uint64_t t0 = 1000 * S;
    CHECK_INT(auth_session_create(&t, rnd, t0, id, &s), 0);
    CHECK_INT(strlen(id), AUTH_TOKEN_HEX);
    CHECK(strncmp(id, "000102030405", 12) == 0);
    CHECK(strncmp(s->csrf, "202122232425", 12) == 0);
    /* Only the hash of the id is kept. */
    int found = 0;
    for (size_t off = 0; off + AUTH_TOKEN_HEX <= sizeof(t); off++)
        found |= memcmp((const char *)&t + off, id, AUTH_TOKEN_HEX) == 0;
    CHECK(!found);
    CHECK(auth_session_find(&t, id, AUTH_TOKEN_HEX, t0 + S) == s);
    /* Malformed or wrong ids. */
    CHECK(auth_session_find(&t, id, AUTH_TOKEN_HEX - 1, t0) == NULL);
    CHECK(auth_session_find(&t, NULL, 0, t0) == NULL);
    char upper[AUTH_TOKEN_HEX + 1];
    memcpy(upper, id, sizeof(upper));
    upper[0] = 'A';
    CHECK(auth_session_find(&t, upper, AUTH_TOKEN_HEX, t0) == NULL);
    upper[0] = id[0] == '1' ? '2' : '1';
    CHECK(auth_session_find(&t, upper, AUTH_TOKEN_HEX, t0) == NULL);
    /* CSRF tokens. */
    CHECK(auth_csrf_ok(s, s->csrf));
    CHECK(!auth_csrf_ok(s, NULL));
    CHECK(!auth_csrf_ok(s, ""));
    CHECK(!auth_csrf_ok(s, id));
    CHECK(!auth_csrf_ok(NULL, s->csrf));

    /* Idle expiry: used just before the limit it lives on; idle for the limit it ends. */
    uint64_t t1 = t0 + AUTH_SESSION_IDLE_NS - 1;
    CHECK(auth_session_find(&t, id, AUTH_TOKEN_HEX, t1) == s);
    CHECK(auth_session_find(&t, id, AUTH_TOKEN_HEX, t1 + AUTH_SESSION_IDLE_NS) == NULL);
    CHECK(!s->live);
    CHECK(auth_session_find(&t, id, AUTH_TOKEN_HEX, t1 + 1) == NULL); /* ended is ended */

    /* Absolute expiry: in use every hour, it still ends AUTH_SESSION_MAX_NS after it began. */
    rnd[0] = 0xaa;
    CHECK_INT(auth_session_create(&t, rnd, t0, id, &s), 0);
    uint64_t now = t0;
    int alive = 1;
    while (alive && now < t0 + AUTH_SESSION_MAX_NS - 3600 * S) {
        now += 3600 * S;
        alive = auth_session_find(&t, id, AUTH_TOKEN_HEX, now) != NULL;
    }
    CHECK(alive);
    CHECK(auth_session_find(&t, id, AUTH_TOKEN_HEX, t0 + AUTH_SESSION_MAX_NS) == NULL);

    /* A full table drops the least recently used session; the others live on. */
    auth_sessions_reset(&t);
    char ids[AUTH_SESSIONS][AUTH_TOKEN_HEX + 1];
    for (unsigned i = 0; i < AUTH_SESSIONS; i++) {
        rnd[0] = (uint8_t)i;
        CHECK_INT(auth_session_create(&t, rnd, t0 + i * S, ids[i], &s), 0);
    }
    CHECK(auth_session_find(&t, ids[0], AUTH_TOKEN_HEX, t0 + 100 * S) !=
          NULL); /* 0 used again: 1 is oldest */
    rnd[0] = 0xee;
    CHECK_INT(auth_session_create(&t, rnd, t0 + 101 * S, id2, &s2), 0);
    CHECK(auth_session_find(&t, ids[1], AUTH_TOKEN_HEX, t0 + 102 * S) == NULL);
    CHECK(auth_session_find(&t, ids[0], AUTH_TOKEN_HEX, t0 + 102 * S) != NULL);
    CHECK(auth_session_find(&t, ids[2], AUTH_TOKEN_HEX, t0 + 102 * S) != NULL);
    CHECK(auth_session_find(&t, id2, AUTH_TOKEN_HEX, t0 + 102 * S) == s2);
    /* A password change keeps only the current session. */
    auth_sessions_end_others(&t, s2);
    CHECK(auth_session_find(&t, ids[0], AUTH_TOKEN_HEX, t0 + 103 * S) == NULL);
    CHECK(auth_session_find(&t, id2, AUTH_TOKEN_HEX, t0 + 103 * S) == s2);
    auth_session_end(s2);
    CHECK(auth_session_find(&t, id2, AUTH_TOKEN_HEX, t0 + 104 * S) == NULL);
}

static void test_throttle_schedule(void)
{
    static const uint32_t want[] = {0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900};
    for (uint32_t f = 0; f < sizeof(want) / sizeof(want[0]); f++)
        CHECK_INT(auth_throttle_wait_after(f), want[f]);
    CHECK_INT(auth_throttle_wait_after(1000), AUTH_THROTTLE_MAX_WAIT_S);
    CHECK_INT(auth_throttle_wait_after(UINT32_MAX), AUTH_THROTTLE_MAX_WAIT_S);
}

static void test_throttle(void)
{
    struct auth_throttle t;
    const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
    const uint8_t v6a[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
    uint8_t v6b[16];
    memcpy(v6b, v6a, 16);
    v6b[15] = 2; /* same /64 */
    auth_throttle_reset(&t);
    uint64_t now = 100 * S;
    /* Ten wrong passwords in a row, the client coming back as soon as allowed: the waits grow. */
    uint32_t waits[10], nwaits = 0;
    for (unsigned i = 0; i < 10; i++) {
        uint32_t w = auth_throttle_begin(&t, a, 4, now);
        if (w) {
            waits[nwaits++] = w;
            now += (uint64_t)w * S;
            CHECK_INT(auth_throttle_begin(&t, a, 4, now), 0);
        }
        CHECK_INT(auth_throttle_failed(&t, a, 4, now), i + 1);
    }
    CHECK_INT(nwaits, 5);
    static const uint32_t want_waits[] = {1, 2, 4, 8, 16};
    CHECK(memcmp(waits, want_waits, sizeof(want_waits)) == 0);
    /* After the tenth, 32 s; asked half a second in, the rest is rounded up. */
    CHECK_INT(auth_throttle_begin(&t, a, 4, now + S / 2), 32);
    CHECK_INT(auth_throttle_begin(&t, a, 4, now + 32 * S - 1), 1);
    /* Another client is not affected; IPv6 clients are grouped by /64; unknown addresses share one. */
    CHECK_INT(auth_throttle_begin(&t, b, 4, now), 0);
    for (unsigned i = 0; i < 5; i++)
        auth_throttle_failed(&t, v6a, 16, now);
    CHECK_INT(auth_throttle_begin(&t, v6b, 16, now), 1);
    for (unsigned i = 0; i < 5; i++)
        auth_throttle_failed(&t, NULL, 0, now);
    CHECK_INT(auth_throttle_begin(&t, NULL, 0, now), 1);
    CHECK_INT(auth_throttle_begin(&t, b, 4, now + 2 * S), 0);
    /* A success clears the count. */
    auth_throttle_succeeded(&t, v6b, 16, now + 2 * S);
    CHECK_INT(auth_throttle_begin(&t, v6a, 16, now + 3 * S), 0);
    /* A day after the last failure the client is forgotten. */
    now += 3600 * S;
    CHECK_INT(auth_throttle_begin(&t, a, 4, now), 0);
    CHECK_INT(auth_throttle_failed(&t, a, 4, now), 11);
    CHECK_INT(auth_throttle_begin(&t, a, 4, now), 64);
    now += AUTH_THROTTLE_FORGET_NS;
    CHECK_INT(auth_throttle_begin(&t, a, 4, now), 0);
    CHECK_INT(auth_throttle_failed(&t, a, 4, now), 1);

    /* The global budget: a burst of checks from many addresses, then one per second. */
    auth_throttle_reset(&t);
    now = 500 * S;
    uint8_t c[4] = {192, 168, 0, 0};
    for (unsigned i = 0; i < AUTH_THROTTLE_BURST; i++) {
        c[3] = (uint8_t)i;
        CHECK_INT(auth_throttle_begin(&t, c, 4, now), 0);
    }
    c[3] = 200;
    CHECK_INT(auth_throttle_begin(&t, c, 4, now), 1);
    CHECK_INT(auth_throttle_begin(&t, c, 4, now + S / 2), 1);
    CHECK_INT(auth_throttle_begin(&t, c, 4, now + S), 0);
    CHECK_INT(auth_throttle_begin(&t, c, 4, now + S), 1);
    CHECK_INT(auth_throttle_begin(&t, c, 4, now + 100 * S), 0); /* refilled, but only up to the burst */
    for (unsigned i = 1; i < AUTH_THROTTLE_BURST; i++)
        CHECK_INT(auth_throttle_begin(&t, c, 4, now + 100 * S), 0);
    CHECK_INT(auth_throttle_begin(&t, c, 4, now + 100 * S), 1);

    /* More clients than the table holds: the one whose last failure is oldest makes room. */
    auth_throttle_reset(&t);
    now = 1000 * S;
    for (unsigned i = 0; i <= AUTH_THROTTLE_CLIENTS; i++) {
        c[3] = (uint8_t)i;
        for (unsigned k = 0; k < 5; k++)
            auth_throttle_failed(&t, c, 4, now + i);
    }
    c[3] = 0;
    CHECK_INT(auth_throttle_begin(&t, c, 4, now + 100), 0);
    c[3] = AUTH_THROTTLE_CLIENTS;
    CHECK_INT(auth_throttle_begin(&t, c, 4, now + 100), 1);
}

static void test_setup_code(void)
{
    struct auth_owner o;
    uint8_t rnd[AUTH_CODE_RANDOM];
    char shown[12];
    CHECK_INT(auth_owner_load(&o, NULL), -HEARTH_ENOENT);
    for (unsigned i = 0; i < sizeof(rnd); i++)
        rnd[i] = (uint8_t)(i * 37 + 224); /* high bits are ignored: & 31 picks the symbol */
    auth_owner_new_code(&o, rnd, shown);
    CHECK_INT(strlen(shown), 11);
    CHECK(shown[5] == '-');
    CHECK(strcspn(o.code, "01IO") == AUTH_CODE_CHARS);
    char lower[12], spaced[24];
    for (unsigned i = 0; i < 12; i++)
        lower[i] = (char)(shown[i] >= 'A' && shown[i] <= 'Z' ? shown[i] - 'A' + 'a' : shown[i]);
    snprintf(spaced, sizeof(spaced), "%.5s %.5s", o.code, o.code + 5);
    CHECK(auth_owner_code_ok(&o, shown));
    CHECK(auth_owner_code_ok(&o, o.code));
    CHECK(auth_owner_code_ok(&o, lower));
    CHECK(auth_owner_code_ok(&o, spaced));
    CHECK(!auth_owner_code_ok(&o, NULL));
    CHECK(!auth_owner_code_ok(&o, ""));
    char wrong[12];
    memcpy(wrong, shown, sizeof(wrong));
    wrong[10] = wrong[10] == '2' ? '3' : '2';
    CHECK(!auth_owner_code_ok(&o, wrong));
    char longer[16];
    snprintf(longer, sizeof(longer), "%s2", shown);
    CHECK(!auth_owner_code_ok(&o, longer));
    CHECK(!auth_owner_code_ok(&o, shown + 1));
    /* Used once (auth_owner_set without a store), the code is gone. */
    struct auth_pw pw = {.alg = AUTH_PW_ALG_PBKDF2_SHA256, .iterations = 1};
    CHECK_INT(auth_owner_set(&o, &pw, 0), 0);
    CHECK(o.paired);
    CHECK(!auth_owner_code_ok(&o, shown));
    /* Every symbol of the alphabet is reachable and the alphabet has 32 of them. */
    int seen[256] = {0};
    for (unsigned v = 0; v < 256; v += AUTH_CODE_RANDOM) {
        for (unsigned i = 0; i < AUTH_CODE_RANDOM; i++)
            rnd[i] = (uint8_t)(v + i);
        auth_owner_new_code(&o, rnd, shown);
        for (unsigned i = 0; i < AUTH_CODE_CHARS; i++)
            seen[(unsigned char)o.code[i]] = 1;
    }
    int symbols = 0;
    for (unsigned i = 0; i < 256; i++)
        symbols += seen[i];
    CHECK_INT(symbols, 32);
}

/* The password record in the store: absent, set (durable at once), read back after a reboot, replaced. */
static void test_owner_persistence(void)
{
    struct hearth_blkdev *dev = memdisk_new(512, 4096);
    struct store_config cfg = {0};
    struct store *st = NULL;
    struct auth_owner o;
    struct auth_pw pw1 = {.alg = AUTH_PW_ALG_PBKDF2_SHA256, .iterations = 12345}, pw2 = pw1;
    memset(pw1.salt, 0x11, sizeof(pw1.salt));
    memset(pw1.hash, 0x22, sizeof(pw1.hash));
    pw2.iterations = 777;
    memset(pw2.hash, 0x33, sizeof(pw2.hash));
    CHECK_INT(store_open(dev, &cfg, &st), 0);
    CHECK_INT(auth_owner_load(&o, st), -HEARTH_ENOENT);
    CHECK(!o.paired);
    CHECK_INT(auth_owner_set(&o, &pw1, 0), 0);
    /* A power cut right after the answer: the record was flushed before auth_owner_set returned. */
    memdisk_crash(dev);
    memdisk_power_cycle(dev);
    store_close(st);
    st = NULL;
    CHECK_INT(store_open(dev, &cfg, &st), 0);
    CHECK_INT(auth_owner_load(&o, st), 0);
    CHECK(o.paired && o.pw.iterations == 12345 && memcmp(o.pw.hash, pw1.hash, sizeof(pw1.hash)) == 0);
    /* A password change: the newest record counts. */
    CHECK_INT(auth_owner_set(&o, &pw2, 0), 0);
    CHECK_INT(auth_owner_load(&o, st), 0);
    CHECK(o.pw.iterations == 777 && memcmp(o.pw.hash, pw2.hash, sizeof(pw2.hash)) == 0);
    /* A record of a newer format is not guessed at: the hub goes back to pairing. */
    uint8_t newer[AUTH_PW_RECORD_LEN];
    auth_pw_encode(&pw2, newer);
    newer[0] = 2;
    struct store_record rec = {.type = STORE_T_CONFIG,
                               .key = (const uint8_t *)AUTH_OWNER_KEY,
                               .key_len = sizeof(AUTH_OWNER_KEY) - 1,
                               .payload = newer,
                               .payload_len = sizeof(newer)};
    CHECK_INT(store_append(st, &rec, NULL, NULL, NULL), 0);
    CHECK_INT(auth_owner_load(&o, st), -HEARTH_EINVAL);
    CHECK(!o.paired);
    store_close(st);
    memdisk_free(dev);
}

static void guard_vector(char **f, int n, const char *where)
{
    if (n != 9) {
        check_record(0, where, 0, "vector has 9 fields");
        return;
    }
    struct auth_facts facts = {
        .access = strcmp(f[0], "public") == 0    ? HTTP_ACCESS_PUBLIC
                  : strcmp(f[0], "handler") == 0 ? HTTP_ACCESS_HANDLER
                                                 : HTTP_ACCESS_OWNER,
        .safe_method = strcmp(f[1], "GET") == 0 || strcmp(f[1], "HEAD") == 0,
        .api = strcmp(f[2], "api") == 0,
        .foreign = strcmp(f[3], "cross-site") == 0 || strcmp(f[3], "same-site") == 0,
        .navigation = atoi(f[4]),
        .same_origin = atoi(f[5]),
        .session = atoi(f[6]),
        .csrf_ok = atoi(f[7]),
    };
    static const char *const names[] = {"allow", "401", "login", "403"};
    enum auth_verdict v = auth_decide(&facts);
    check_record(strcmp(names[v], f[8]) == 0, where, 0, "guard verdict");
    if (strcmp(names[v], f[8]) != 0)
        check_note("  got %s, want %s", names[v], f[8]);
}

int main(void)
{
    CHECK(check_vectors_raw("vectors/pbkdf2_sha256.txt", 4, pbkdf2_vector) >= 9);
    test_password_record();
    test_calibration();
    test_sessions();
    test_throttle_schedule();
    test_throttle();
    test_setup_code();
    test_owner_persistence();
    CHECK(check_vectors("vectors/auth_guard.txt", 9, guard_vector) >= 35);
    CHECK(auth_public_asset("/login.html") && auth_public_asset("/login.js") &&
          auth_public_asset("/hearth.css"));
    CHECK(!auth_public_asset("/") && !auth_public_asset("/index.html") && !auth_public_asset("/hearth.js") &&
          !auth_public_asset("/login.html/") && !auth_public_asset("/LOGIN.HTML"));
    return check_summary("auth");
}
