/* SPDX-License-Identifier: ISC */
/* The session table: ids hashed with SHA-256, constant-time lookup, least-recently-used eviction, expiry. */
#include "auth_session.h"

#include <hearth/err.h>
#include <mbedtls/constant_time.h>
#include <mbedtls/sha256.h>
#include <string.h>

void auth_hex(const uint8_t *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

void auth_sessions_reset(struct auth_sessions *t)
{
    memset(t, 0, sizeof(*t));
}

static int expired(const struct auth_session *s, uint64_t now_ns)
{
    return now_ns - s->last_ns >= AUTH_SESSION_IDLE_NS || now_ns - s->created_ns >= AUTH_SESSION_MAX_NS;
}

int auth_session_create(struct auth_sessions *t, const uint8_t rnd[AUTH_SESSION_RANDOM], uint64_t now_ns,
                        char id_hex[AUTH_TOKEN_HEX + 1], struct auth_session **out)
{
    struct auth_session *s = NULL;
    for (unsigned i = 0; i < AUTH_SESSIONS; i++)
        if (t->slot[i].live && expired(&t->slot[i], now_ns))
            auth_session_end(&t->slot[i]);
    for (unsigned i = 0; i < AUTH_SESSIONS && !s; i++)
        if (!t->slot[i].live)
            s = &t->slot[i];
    if (!s) { /* full: the least recently used one goes */
        s = &t->slot[0];
        for (unsigned i = 1; i < AUTH_SESSIONS; i++)
            if (t->slot[i].last_ns < s->last_ns)
                s = &t->slot[i];
    }
    auth_session_end(s);
    auth_hex(rnd, 32, id_hex);
    /* The table keys on the hash of the text the cookie carries, which is what lookups hash too. */
    if (mbedtls_sha256((const unsigned char *)id_hex, AUTH_TOKEN_HEX, s->id_hash, 0) != 0) {
        memset(id_hex, 0, AUTH_TOKEN_HEX + 1);
        return -HEARTH_EIO;
    }
    auth_hex(rnd + 32, 32, s->csrf);
    s->created_ns = s->last_ns = now_ns;
    s->live = 1;
    *out = s;
    return 0;
}

static int is_token(const char *p, size_t len)
{
    if (len != AUTH_TOKEN_HEX)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return 0;
    return 1;
}

struct auth_session *auth_session_find(struct auth_sessions *t, const char *id_hex, size_t len,
                                       uint64_t now_ns)
{
    uint8_t h[32];
    struct auth_session *hit = NULL;
    if (!id_hex || !is_token(id_hex, len) || mbedtls_sha256((const unsigned char *)id_hex, len, h, 0) != 0)
        return NULL;
    /* No early exit: the time taken does not depend on which slot (if any) matched. */
    for (unsigned i = 0; i < AUTH_SESSIONS; i++) {
        struct auth_session *s = &t->slot[i];
        int same = mbedtls_ct_memcmp(h, s->id_hash, sizeof(h)) == 0;
        if (same && s->live)
            hit = s;
    }
    if (hit && expired(hit, now_ns)) {
        auth_session_end(hit);
        hit = NULL;
    }
    if (hit)
        hit->last_ns = now_ns;
    return hit;
}

void auth_session_end(struct auth_session *s)
{
    memset(s, 0, sizeof(*s));
}

void auth_sessions_end_others(struct auth_sessions *t, const struct auth_session *keep)
{
    for (unsigned i = 0; i < AUTH_SESSIONS; i++)
        if (&t->slot[i] != keep)
            auth_session_end(&t->slot[i]);
}

int auth_csrf_ok(const struct auth_session *s, const char *token)
{
    if (!s || !s->live || !token || strlen(token) != AUTH_TOKEN_HEX)
        return 0;
    return mbedtls_ct_memcmp(token, s->csrf, AUTH_TOKEN_HEX) == 0;
}
