/* SPDX-License-Identifier: ISC */
/* Xen hypercalls (hvc #0xEA1) with typed wrappers; the ABI numbers come from Debian's libxen-dev. */
#ifndef HAL_XEN_ARM_HYPERCALL_H
#define HAL_XEN_ARM_HYPERCALL_H

#include <stdint.h>
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

#endif
