/* SPDX-License-Identifier: ISC */
/* The owner's operations on the gateway: replacing the policy, revoking, and starting from the store. */
#ifndef WEB_GATEWAY_ADMIN_H
#define WEB_GATEWAY_ADMIN_H

#include "gateway.h"

#include <stddef.h>
#include <stdint.h>

struct store;

/* The current policy text and its version, alongside the gateway that enforces it. */
struct gateway_admin {
    struct gateway *gw;
    struct audit_log *audit;
    struct store *store;
    char *text; /* malloc'd, NUL-terminated; NULL: no policy yet */
    size_t len;
    uint32_t version;
};

/*
 * Loads the saved policy from st and puts it in force on gw (a missing or damaged one allows nothing,
 * and says so on the console). Returns 0, or the error of loading (the gateway then allows nothing).
 */
int gateway_admin_start(struct gateway_admin *a, struct gateway *gw, struct audit_log *audit,
                        struct store *st);

/*
 * Validates text; if valid, saves it as the next version, records a policy-change audit entry and puts it
 * in force at once. errors/max_errors/error_count as for policy_parse. Returns 0 (*version set),
 * -HEARTH_EINVAL (invalid: see errors), -HEARTH_EIO (no store or audit log: nothing is changed),
 * -HEARTH_ENOMEM, or the store's error.
 */
int gateway_admin_put(struct gateway_admin *a, const char *text, size_t len, struct policy_error *errors,
                      unsigned max_errors, unsigned *error_count, uint32_t *version);

/*
 * Revokes recipient name (series NULL) or one of its allow lines (series "sensor/quantity"): edits the
 * text (policy_revoke_text), saves it as the next version, records a recipient-change audit entry and
 * puts it in force at once. Returns 0, -HEARTH_ENOENT (no such recipient or line), -HEARTH_EIO,
 * -HEARTH_ENOMEM, or the store's error.
 */
int gateway_admin_revoke(struct gateway_admin *a, const char *name, const char *series, uint32_t *version);

/* Frees the text (the gateway is stopped separately). */
void gateway_admin_free(struct gateway_admin *a);

#endif
