/* SPDX-License-Identifier: ISC */
/* GICv2 driver. Interrupts stay masked at the CPU; WFI still wakes on a pending one, then we ack it. */
#include "gic.h"

#define GICD_CTLR 0x000
#define GICD_ISENABLER 0x100
#define GICD_IPRIORITYR 0x400
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10

static inline void write32(volatile uint8_t *base, unsigned off, uint32_t v)
{
    *(volatile uint32_t *)(base + off) = v;
}

static inline uint32_t read32(volatile uint8_t *base, unsigned off)
{
    return *(volatile uint32_t *)(base + off);
}

void gic_init(struct gic *g, uintptr_t dist_base, uintptr_t cpu_base)
{
    g->dist = (volatile uint8_t *)dist_base;
    g->cpu = (volatile uint8_t *)cpu_base;
    write32(g->dist, GICD_CTLR, 1);
    write32(g->cpu, GICC_PMR, 0xff);
    write32(g->cpu, GICC_CTLR, 1);
}

void gic_enable(struct gic *g, unsigned intid)
{
    g->dist[GICD_IPRIORITYR + intid] = 0xa0;
    write32(g->dist, GICD_ISENABLER + 4 * (intid / 32), 1u << (intid % 32));
}

uint32_t gic_ack(struct gic *g)
{
    return read32(g->cpu, GICC_IAR);
}

void gic_eoi(struct gic *g, uint32_t iar)
{
    write32(g->cpu, GICC_EOIR, iar);
}
