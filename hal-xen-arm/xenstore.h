/* SPDX-License-Identifier: ISC */
/* The xenstore client: read/write/list/watch and transactions over the shared ring. Blocking calls. */
#ifndef HAL_XEN_ARM_XENSTORE_H
#define HAL_XEN_ARM_XENSTORE_H

#include <stddef.h>
#include <stdint.h>

#define XS_NO_TX 0u

/*
 * Connects to xenstore, waiting up to timeout_ns for the dom0less late start (the ring page appears
 * only once dom0 has run init-dom0less). Returns 0, -HEARTH_ENOENT if this domain has no xenstore,
 * -HEARTH_ETIMEDOUT, or -HEARTH_EIO. Calling it again after success is a no-op.
 */
int xs_connect(uint64_t timeout_ns);

/* 1 once connected. */
int xs_connected(void);

/*
 * Reads path into buf as a NUL-terminated string. Returns its length, -HEARTH_ENOENT, -HEARTH_ERANGE
 * if it does not fit, -HEARTH_ETIMEDOUT, or -HEARTH_EIO.
 */
int xs_read(uint32_t tx, const char *path, char *buf, size_t cap);

/* Reads path as an unsigned decimal integer. Returns 0, -HEARTH_EBADMSG if not one, or xs_read's errors. */
int xs_read_uint(uint32_t tx, const char *path, unsigned long *value);

/* Writes value at path. Returns 0 or a negative HEARTH_E* code. */
int xs_write(uint32_t tx, const char *path, const char *value);

/* Removes path and its children. Returns 0 or a negative HEARTH_E* code. */
int xs_rm(uint32_t tx, const char *path);

/*
 * Lists the children of path into buf as consecutive NUL-terminated names. Returns the number of
 * bytes used, or a negative HEARTH_E* code (-HEARTH_ERANGE if buf is too small).
 */
int xs_directory(uint32_t tx, const char *path, char *buf, size_t cap);

/* Starts a transaction in *tx. Returns 0 or a negative HEARTH_E* code. */
int xs_transaction_start(uint32_t *tx);

/* Commits (commit != 0) or aborts tx. Returns 0, -HEARTH_EAGAIN if the caller must retry, or an error. */
int xs_transaction_end(uint32_t tx, int commit);

/* Asks for watch events on path (and below). Returns 0 or a negative HEARTH_E* code. */
int xs_watch(const char *path, const char *token);
int xs_unwatch(const char *path, const char *token);

/*
 * Takes the oldest queued watch event: copies its token into token (cap bytes). Returns 1 when an
 * event was taken, 0 when none is queued. Events beyond the queue's capacity are merged: a watcher
 * must re-read the state it watches rather than count events.
 */
int xs_watch_event(char *token, size_t cap);

#endif
