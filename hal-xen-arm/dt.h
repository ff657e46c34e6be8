/* SPDX-License-Identifier: ISC */
/* Device-tree discovery: what a Xen guest needs from the DTB the hypervisor passes at boot. */
#ifndef HAL_XEN_ARM_DT_H
#define HAL_XEN_ARM_DT_H

#include <stddef.h>
#include <stdint.h>

#define DT_MAX_MEMORY_BANKS 4

struct dt_range {
    uint64_t base, size;
};

struct dt_platform {
    size_t dtb_size; /* totalsize from the header */
    unsigned memory_count;
    struct dt_range memory[DT_MAX_MEMORY_BANKS];
    const char *bootargs;              /* /chosen/bootargs inside the DTB, or "" */
    struct dt_range uart;              /* pl011 / sbsa-uart; size 0 if none */
    int gic_version;                   /* 2, 3, or 0 if none found */
    struct dt_range gic_dist, gic_cpu; /* GICv2: distributor and CPU interface */
    unsigned vtimer_intid;             /* virtual timer interrupt (GIC INTID), 0 if none */
    int has_xen_node;                  /* a "xen,xen" hypervisor node is present */
    struct dt_range xen_grant;         /* its reg: where grant frames may be mapped */
    unsigned xen_evtchn_intid;         /* its interrupt: event-channel upcall */
};

/*
 * Parses the device tree at dtb (8-byte aligned), reading at most max_size bytes. *out is zeroed first,
 * so on error it holds no stale data. Validates the whole structure first
 * (the blob comes from outside), then fills *out. Returns 0, -HEARTH_EBADMSG for a malformed blob or
 * malformed properties, -HEARTH_ERANGE if the blob is larger than max_size, -HEARTH_ENOENT if it has
 * no memory node. Missing optional devices are not errors: their fields stay zero.
 */
int dt_parse(const void *dtb, size_t max_size, struct dt_platform *out);

#endif
