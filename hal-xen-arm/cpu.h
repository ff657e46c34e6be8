/* SPDX-License-Identifier: ISC */
/* The few CPU registers the HAL touches: generic timer (virtual), interrupt wait. One file per arch. */
#ifndef HAL_XEN_ARM_CPU_H
#define HAL_XEN_ARM_CPU_H

#include <stdint.h>

/* The virtual counter (CNTVCT); Xen starts it near 0 when the domain is created. */
uint64_t cpu_counter(void);

/* Counter frequency in Hz (CNTFRQ). */
uint32_t cpu_counter_freq(void);

/* Arms the virtual timer to fire when the counter reaches compare_value, interrupt unmasked. */
void cpu_vtimer_arm(uint64_t compare_value);

/* Disables the virtual timer so it stops asserting its interrupt. */
void cpu_vtimer_disarm(void);

/* Waits for an interrupt to become pending. IRQs stay masked at the CPU: the GIC is polled after. */
void cpu_wait_for_interrupt(void);

/* "arm64" or "arm32". */
const char *cpu_arch_name(void);

#endif
