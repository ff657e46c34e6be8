/* SPDX-License-Identifier: ISC */
/* Long-descriptor (LPAE) page tables, the same format on arm64 (4K granule) and arm32 with LPAE. */
#ifndef BOOT_MMU_LPAE_H
#define BOOT_MMU_LPAE_H

#include <stdint.h>

/* Memory attribute indexes into MAIR, as programmed by the arch's mmu_enable. */
#define MMU_ATTR_DEVICE 0 /* Device-nGnRnE */
#define MMU_ATTR_NORMAL 1 /* Normal, write-back, read/write-allocate */

#define MMU_DEVICE (1u << 0)
#define MMU_NORMAL (1u << 1)
#define MMU_READONLY (1u << 2)
#define MMU_EXEC (1u << 3)

/*
 * Maps [va, va + size) to the same physical addresses with the MMU_* flags, using the largest
 * blocks that alignment allows. Ranges must be 4 KiB aligned and must not overlap earlier ones.
 * Returns 0, or -1 when the static table pool is exhausted or a range overlaps a block.
 */
int mmu_map_identity(uint64_t va, uint64_t size, unsigned flags);

/* The root (level-1) table to load into TTBR0. */
uint64_t *mmu_root_table(void);

/*
 * Builds the standard Hearth map: [0, 2 MiB) unmapped so NULL faults, the rest of the first GiB as
 * device memory, [1 GiB, 4 GiB) as normal memory, with the image's text read-only and executable,
 * its rodata read-only, and everything else non-executable. Returns 0 or -1.
 */
int mmu_build_boot_map(void);

/*
 * Changes the memory type of the 2 MiB blocks covering [va, va + size) inside the first GiB (mapped
 * as device memory at boot) to normal cacheable memory, for pages the hypervisor maps there: grant
 * frames, the xenstore ring. Uses break-before-make. Returns 0, or -1 if the range leaves the
 * first GiB or touches the NULL guard.
 */
int mmu_remap_normal(uint64_t va, uint64_t size);

/* Invalidates every stage-1 TLB entry of this CPU (arch code, in start.S). */
void mmu_tlb_flush_all(void);

#endif
