/* SPDX-License-Identifier: ISC */
/* The hub's one block device, opened once and shared by its users (key slots, store, self-tests). */
#ifndef SERVICES_DISK_H
#define SERVICES_DISK_H

#include <hearth/blk.h>

/*
 * The disk's layout: tls/'s key slots first, the self-test area last, the store in between.
 *   [0, DISK_KEY_SLOT_BYTES)                 key slots (entropy seed, device key, certificate)
 *   [DISK_KEY_SLOT_BYTES, end - SELFTEST)    the store
 *   [end - DISK_SELFTEST_BYTES, end)         blktest= patterns, never touched by anything else
 */
#define DISK_KEY_SLOT_BYTES (256u * 1024u)
#define DISK_SELFTEST_BYTES (1024u * 1024u)

/*
 * The device named by boot argument blkdev= (default "0": the first Xen vbd; a file path when hosted),
 * opened on first use. Returns it, or NULL with *err (if not NULL) set to hearth_blk_open's error; a
 * failed open is remembered and not retried (the boot waits for a Xen disk only once).
 */
struct hearth_blkdev *disk_get(const char *cmdline, int *err);

/* The name disk_get opened or tried ("0" by default). */
const char *disk_name(void);

/* Forgets the device (tests only: the HAL has no close, so the handle itself stays valid). */
void disk_reset(void);

#endif
