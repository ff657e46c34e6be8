/* SPDX-License-Identifier: ISC */
/* GICv2 (Xen's vGIC as seen by a guest; GIC-400 on the Raspberry Pi 4 and the A20): polled use only. */
#ifndef HAL_XEN_ARM_GIC_H
#define HAL_XEN_ARM_GIC_H

#include <stdint.h>

#define GIC_SPURIOUS 1023u

struct gic {
    volatile uint8_t *dist; /* distributor registers */
    volatile uint8_t *cpu;  /* CPU interface registers */
};

/* Enables the distributor and this CPU's interface with every priority let through. */
void gic_init(struct gic *g, uintptr_t dist_base, uintptr_t cpu_base);

/* Enables interrupt intid (SGI/PPI/SPI number) at the distributor. */
void gic_enable(struct gic *g, unsigned intid);

/* Acknowledges the highest-priority pending interrupt; returns its IAR value (intid in bits 0-9). */
uint32_t gic_ack(struct gic *g);

/* Signals the end of the interrupt acknowledged with iar. */
void gic_eoi(struct gic *g, uint32_t iar);

#endif
