/* SPDX-License-Identifier: ISC */
/* Invariants of a dt_parse result, checked without knowing what the input was meant to say. */
#include "dt_consistent.h"

#include <hearth/err.h>
#include <stdint.h>
#include <string.h>

/* An INTID the parser may report: 0 for none, a PPI (16..31) or an SPI (32..1019). */
static int intid_ok(unsigned intid)
{
    return intid == 0 || (intid >= 16 && intid <= 1019);
}

static int range_zero(const struct dt_range *r)
{
    return r->base == 0 && r->size == 0;
}

const char *dt_consistent(const void *dtb, size_t max_size, int rc, const struct dt_platform *p)
{
    if (rc != 0 && rc != -HEARTH_EBADMSG && rc != -HEARTH_ERANGE && rc != -HEARTH_ENOENT)
        return "return code is not one that dt.h documents";
    if (rc != 0)
        return NULL;
    if (p->dtb_size < 40 || p->dtb_size > max_size)
        return "dtb_size is outside [header size, max_size]";
    if (p->memory_count < 1 || p->memory_count > DT_MAX_MEMORY_BANKS)
        return "memory_count is outside [1, DT_MAX_MEMORY_BANKS] on success";
    for (unsigned i = 0; i < p->memory_count; i++)
        if (p->memory[i].size == 0)
            return "an empty memory bank was reported";
    if (!p->bootargs)
        return "bootargs is NULL";
    /* bootargs is either a string inside the blob, ending before the blob does, or an empty one. */
    uintptr_t off = (uintptr_t)p->bootargs - (uintptr_t)dtb;
    if (off < p->dtb_size) {
        if (!memchr(p->bootargs, '\0', p->dtb_size - off))
            return "bootargs is not NUL-terminated inside the blob";
    } else if (p->bootargs[0] != '\0') {
        return "a non-empty bootargs points outside the blob";
    }
    if (p->gic_version != 0 && p->gic_version != 2 && p->gic_version != 3)
        return "gic_version is not 0, 2 or 3";
    if (p->gic_version != 2 && (!range_zero(&p->gic_dist) || !range_zero(&p->gic_cpu)))
        return "GICv2 ranges set without a GICv2";
    if (!intid_ok(p->vtimer_intid) || !intid_ok(p->xen_evtchn_intid))
        return "an INTID is outside the GIC's PPI and SPI ranges";
    if (!p->has_xen_node && (!range_zero(&p->xen_grant) || p->xen_evtchn_intid != 0))
        return "Xen fields set without a xen,xen node";
    return NULL;
}
