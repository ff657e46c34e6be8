/* SPDX-License-Identifier: ISC */
/* Grant tables (v1): let a backend domain access our pages, and take that access back. */
#ifndef HAL_XEN_ARM_GNTTAB_H
#define HAL_XEN_ARM_GNTTAB_H

#include <stdint.h>

typedef uint32_t gnttab_ref_t;

/*
 * Maps the grant-table frames at the hypervisor's chosen region (the DT xen,xen node's reg) and builds
 * the free list. Returns 0, -HEARTH_ENOTSUP if the region is unusable, or -HEARTH_EIO.
 */
int gnttab_init(uint64_t region_base, uint64_t region_size);

/*
 * Grants domid access to the 4 KiB page at addr (zeroed by the caller if it held other data).
 * Returns 0 with *ref set, -HEARTH_ENOSPC when every entry is in use, -HEARTH_EINVAL for a
 * misaligned page.
 */
int gnttab_grant(uint16_t domid, const void *page, int readonly, gnttab_ref_t *ref);

/*
 * Revokes ref. Returns 0, or -HEARTH_EBUSY while the backend still has the page mapped (the entry
 * then stays allocated and the page must not be reused; retry later). -HEARTH_EINVAL for a reference
 * that is not granted: that is a caller bug and is also logged by the caller's assert.
 */
int gnttab_end(gnttab_ref_t ref);

/* Entries currently granted (for leak checks). */
unsigned gnttab_in_use(void);

#endif
