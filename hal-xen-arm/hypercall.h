/* SPDX-License-Identifier: ISC */
/* Xen hypercalls (hvc #0xEA1) with typed wrappers; the ABI numbers come from Debian's libxen-dev. */
#ifndef HAL_XEN_ARM_HYPERCALL_H
#define HAL_XEN_ARM_HYPERCALL_H

#include <stdint.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/version.h>
#include <xen/xen.h>

/* The raw trap, in hypercall_<arch>.S: op goes to x16 (arm64) or r12 (arm32), a0-a4 to x0-x4/r0-r4. */
long hypercall_call5(unsigned long a0, unsigned long a1, unsigned long a2, unsigned long a3, unsigned long a4,
                     unsigned long op);

static inline long hypercall_xen_version(int cmd, void *arg)
{
    return hypercall_call5((unsigned long)cmd, (unsigned long)(uintptr_t)arg, 0, 0, 0,
                           __HYPERVISOR_xen_version);
}

static inline long hypercall_sched_op(int cmd, void *arg)
{
    return hypercall_call5((unsigned long)cmd, (unsigned long)(uintptr_t)arg, 0, 0, 0, __HYPERVISOR_sched_op);
}

static inline long hypercall_memory_op(int cmd, void *arg)
{
    return hypercall_call5((unsigned long)cmd, (unsigned long)(uintptr_t)arg, 0, 0, 0,
                           __HYPERVISOR_memory_op);
}

static inline long hypercall_event_channel_op(int cmd, void *arg)
{
    return hypercall_call5((unsigned long)cmd, (unsigned long)(uintptr_t)arg, 0, 0, 0,
                           __HYPERVISOR_event_channel_op);
}

static inline long hypercall_grant_table_op(int cmd, void *arg, unsigned count)
{
    return hypercall_call5((unsigned long)cmd, (unsigned long)(uintptr_t)arg, count, 0, 0,
                           __HYPERVISOR_grant_table_op);
}

static inline long hypercall_hvm_op(int cmd, void *arg)
{
    return hypercall_call5((unsigned long)cmd, (unsigned long)(uintptr_t)arg, 0, 0, 0, __HYPERVISOR_hvm_op);
}

/* Reads HVM parameter index of this domain into *value. Returns 0 or a negative Xen errno. */
static inline long hypercall_hvm_get_param(uint32_t index, uint64_t *value)
{
    struct xen_hvm_param param = {.domid = DOMID_SELF, .index = index};
    long rc = hypercall_hvm_op(HVMOP_get_param, &param);
    if (rc == 0)
        *value = param.value;
    return rc;
}

/* Maps frame idx of space (XENMAPSPACE_*) at guest frame gpfn. Returns 0 or a negative Xen errno. */
static inline long hypercall_add_to_physmap(unsigned space, unsigned long idx, uint64_t gpfn)
{
    struct xen_add_to_physmap xatp = {.domid = DOMID_SELF, .space = space, .idx = idx, .gpfn = gpfn};
    return hypercall_memory_op(XENMEM_add_to_physmap, &xatp);
}

#endif
