/* SPDX-License-Identifier: ISC */
/* Pairing and the owner's password: the one-time setup code, and the password record kept in the store. */
#ifndef WEB_AUTH_OWNER_H
#define WEB_AUTH_OWNER_H

#include "auth_password.h"

#include <stddef.h>
#include <stdint.h>

#define AUTH_CODE_CHARS 10 /* 50 bits from a 32-symbol alphabet, shown as XXXXX-XXXXX */
#define AUTH_CODE_RANDOM AUTH_CODE_CHARS
#define AUTH_OWNER_KEY "auth/owner" /* the STORE_T_CONFIG record holding the password */

struct store;

struct auth_owner {
    struct store *store; /* NULL: nothing persists (the console says so) */
    int paired;          /* a password is set */
    struct auth_pw pw;
    char code[AUTH_CODE_CHARS + 1]; /* the setup code while unpaired, "" once used */
};

/*
 * Loads the password from st (may be NULL) into *o. Returns 0 when a password is set, -HEARTH_ENOENT when
 * the hub is not paired yet, -HEARTH_EINVAL when the stored record is unreadable (a newer format: the hub
 * is then treated as unpaired and pairing from the console starts again), or the store's error (-HEARTH_EIO,
 * also treated as unpaired).
 */
int auth_owner_load(struct auth_owner *o, struct store *st);

/*
 * Makes a new setup code from AUTH_CODE_RANDOM random bytes (any values: each byte picks one of 32
 * symbols without bias) and formats it for the console as "XXXXX-XXXXX" into shown (12 bytes).
 */
void auth_owner_new_code(struct auth_owner *o, const uint8_t rnd[AUTH_CODE_RANDOM], char shown[12]);

/*
 * 1 when input is the live setup code (letters in either case; '-' and spaces ignored), 0 otherwise and
 * always once paired. The comparison takes the same time wherever the first wrong character is.
 */
int auth_owner_code_ok(const struct auth_owner *o, const char *input);

/*
 * Makes pw the owner's password: appends it to the store and commits (durable before this returns), then
 * ends pairing (the setup code is wiped). Returns 0, or the store's error (-HEARTH_EIO, -HEARTH_ENOSPC...),
 * in which case nothing changes. Without a store the password lives until the next boot.
 */
int auth_owner_set(struct auth_owner *o, const struct auth_pw *pw, uint64_t wall_ns);

#endif
