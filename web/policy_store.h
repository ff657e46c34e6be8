/* SPDX-License-Identifier: ISC */
/* Keeping the policy text in the store as versioned STORE_T_CONFIG records. */
#ifndef WEB_POLICY_STORE_H
#define WEB_POLICY_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

/*
 * A policy text is longer than one record may be, so version V is saved as chunks with keys
 * "policy/V/0", "policy/V/1", ... (at most 1536 bytes each) followed by the record that makes it
 * current, key "policy/head", payload "version V\nlength N\nchunks K\nsha256 HEX\n". A crash before the
 * head record leaves the previous version current.
 */

/* Saves text (len <= POLICY_TEXT_MAX) as version and commits (one flush). Returns 0 or the store's error. */
int policy_store_save(struct store *st, uint32_t version, const char *text, size_t len, uint64_t time_ns);

/*
 * Loads the current text: *text (malloc'd, NUL-terminated, caller frees), *len and *version.
 * Returns 0, -HEARTH_ENOENT (no policy saved yet), -HEARTH_EBADMSG (a chunk is missing or does not match
 * the head's SHA-256: treat as no policy, which allows nothing), -HEARTH_ENOMEM or the store's error.
 */
int policy_store_load(struct store *st, char **text, size_t *len, uint32_t *version);

#endif
