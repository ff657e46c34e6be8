/* SPDX-License-Identifier: ISC */
/* arm64 system registers for the generic timer and WFI. */
#include "cpu.h"

uint64_t cpu_counter(void)
{
    uint64_t v;
    /* The ISB keeps the read from being speculated ahead of earlier instructions. */
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v)::"memory");
    return v;
}

uint32_t cpu_counter_freq(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
    return (uint32_t)v;
}

void cpu_vtimer_arm(uint64_t compare_value)
{
    __asm__ volatile("msr cntv_cval_el0, %0; msr cntv_ctl_el0, %1; isb" ::"r"(compare_value), "r"((uint64_t)1)
                     : "memory");
}

void cpu_vtimer_disarm(void)
{
    __asm__ volatile("msr cntv_ctl_el0, xzr; isb" ::: "memory");
}

void cpu_wait_for_interrupt(void)
{
    __asm__ volatile("dsb sy; wfi" ::: "memory");
}

const char *cpu_arch_name(void)
{
    return "arm64";
}
