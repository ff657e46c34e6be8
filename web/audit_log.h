/* SPDX-License-Identifier: ISC */
/* The audit log over the store: appending chained entries, reading them back, verifying the chain. */
#ifndef WEB_AUDIT_LOG_H
#define WEB_AUDIT_LOG_H

#include "audit.h"

#include <stdint.h>

struct store;

struct audit_log {
    struct store *store;
    int (*wall_ns)(int64_t *unix_ns);
    uint64_t next_seq; /* the seq the next entry gets */
    uint8_t head[32];  /* the hash of the last entry (zeros before the first) */
    int failed;        /* an append failed: nothing more may leave the home unrecorded */
};

/*
 * Prepares log over st (the caller keeps st open) and continues the chain after the stored entry with
 * the highest seq. wall_ns gives entry times (it may fail: the time is then 0). Returns 0, or the
 * store's error (-HEARTH_EIO, -HEARTH_EBUSY) with log->failed set; -HEARTH_EINVAL without a store.
 */
int audit_log_open(struct audit_log *log, struct store *st, int (*wall_ns)(int64_t *unix_ns));

/*
 * Fills e's seq, time (if 0), prev and hash and appends it (durable at the store's next commit).
 * Returns 0, -HEARTH_EINVAL (a field the format cannot carry), -HEARTH_EIO (the log failed before)
 * or the store's append error (log->failed is then set).
 */
int audit_log_append(struct audit_log *log, struct audit_entry *e);

/* Called with each readable entry, in the store's order; non-zero stops and is returned. */
typedef int (*audit_visit_fn)(void *arg, const struct audit_entry *e);

/* Visits the stored entries. Returns 0, visit's value, -HEARTH_ENOMEM or the store's error. */
int audit_log_iterate(struct audit_log *log, audit_visit_fn visit, void *arg);

/*
 * Verifies the stored chain (audit_chain_check) against the head this log holds in memory and, with
 * expect_seq non-zero, a head kept elsewhere (expect_hash: 32 bytes). Fills *v, head_hash included.
 * Returns 0 (whatever the verdict), -HEARTH_ENOMEM, or the store's error.
 */
int audit_log_verify(struct audit_log *log, uint64_t expect_seq, const uint8_t *expect_hash,
                     struct audit_verdict *v);

#endif
