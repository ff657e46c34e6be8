/* SPDX-License-Identifier: ISC */
/* arm32 (ARMv7-A with virtualization extensions) CP15 registers for the generic timer and WFI. */
#include "cpu.h"

uint64_t cpu_counter(void)
{
    uint32_t lo, hi;
    __asm__ volatile("isb; mrrc p15, 1, %0, %1, c14" : "=r"(lo), "=r"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

uint32_t cpu_counter_freq(void)
{
    uint32_t v;
    __asm__ volatile("mrc p15, 0, %0, c14, c0, 0" : "=r"(v));
    return v;
}

void cpu_vtimer_arm(uint64_t compare_value)
{
    __asm__ volatile(
        "mcrr p15, 3, %0, %1, c14; mcr p15, 0, %2, c14, c3, 1; isb" ::"r"((uint32_t)compare_value),
        "r"((uint32_t)(compare_value >> 32)), "r"(1u)
        : "memory");
}

void cpu_vtimer_disarm(void)
{
    __asm__ volatile("mcr p15, 0, %0, c14, c3, 1; isb" ::"r"(0u) : "memory");
}

void cpu_wait_for_interrupt(void)
{
    __asm__ volatile("dsb; wfi" ::: "memory");
}

const char *cpu_arch_name(void)
{
    return "arm32";
}
