/* SPDX-License-Identifier: ISC */
/* Owner sessions: a bounded in-memory table of hashed session ids with CSRF tokens, idle and absolute expiry.
 */
#ifndef WEB_AUTH_SESSION_H
#define WEB_AUTH_SESSION_H

#include <stddef.h>
#include <stdint.h>

#define AUTH_SESSIONS 16 /* phones, laptops, a tablet: beyond this the least recently used one ends */
#define AUTH_SESSION_IDLE_NS (24 * 3600 * 1000000000ull)    /* unused this long: ended */
#define AUTH_SESSION_MAX_NS (7 * 24 * 3600 * 1000000000ull) /* after this, log in again whatever */
#define AUTH_SESSION_MAX_AGE_S (7 * 24 * 3600)              /* the cookie's Max-Age: the absolute limit */
#define AUTH_SESSION_RANDOM 64 /* random bytes a new session takes: 32 for its id, 32 for its CSRF token */
#define AUTH_TOKEN_HEX 64      /* a session id or CSRF token as lowercase hex (256 bits) */

/*
 * One session. Only the SHA-256 of its id is kept, so the table (a memory dump, a debug print) never
 * holds a usable cookie. The CSRF token is not a credential on its own: it only counts with the cookie.
 */
struct auth_session {
    uint8_t id_hash[32];
    char csrf[AUTH_TOKEN_HEX + 1];
    uint64_t created_ns, last_ns;
    int live;
};

struct auth_sessions {
    struct auth_session slot[AUTH_SESSIONS];
};

/* Ends every session (the table starts empty on every boot). */
void auth_sessions_reset(struct auth_sessions *t);

/*
 * Starts a session at now_ns from AUTH_SESSION_RANDOM fresh random bytes (rnd, consumed: the caller wipes
 * it). Writes the cookie value, AUTH_TOKEN_HEX hex digits and a NUL, into id_hex; the session's CSRF
 * token is (*out)->csrf. When the table is full the least recently used session ends.
 * Returns 0 or -HEARTH_EIO (hashing failed).
 */
int auth_session_create(struct auth_sessions *t, const uint8_t rnd[AUTH_SESSION_RANDOM], uint64_t now_ns,
                        char id_hex[AUTH_TOKEN_HEX + 1], struct auth_session **out);

/*
 * The live session whose id is id_hex (len bytes, from a cookie), or NULL: unknown, malformed, or
 * expired (expired ones are ended here). Every slot is compared in constant time. A hit counts as use
 * (last_ns = now_ns).
 */
struct auth_session *auth_session_find(struct auth_sessions *t, const char *id_hex, size_t len,
                                       uint64_t now_ns);

/* Ends s (logout). */
void auth_session_end(struct auth_session *s);

/* Ends every session except keep (NULL: all), after a password change. */
void auth_sessions_end_others(struct auth_sessions *t, const struct auth_session *keep);

/* 1 when token (NUL-terminated, may be NULL) is s's CSRF token; constant time for a given length. */
int auth_csrf_ok(const struct auth_session *s, const char *token);

/* Lowercase hex of len bytes into out (2 * len + 1 bytes with the NUL). */
void auth_hex(const uint8_t *in, size_t len, char *out);

#endif
