/* SPDX-License-Identifier: ISC */
/* Builds identity-mapped LPAE page tables before the MMU is on (so no libc calls in here). */
#include "mmu_lpae.h"

#include <stddef.h>

#define MMU_POOL_TABLES 12
#define ENTRIES 512
#define DESC_VALID (1ull << 0)
#define DESC_TABLE (3ull << 0) /* levels 1-2: next-level table */
#define DESC_BLOCK (1ull << 0) /* levels 1-2: block */
#define DESC_PAGE (3ull << 0)  /* level 3: page */
#define DESC_ATTR(i) ((uint64_t)(i) << 2)
#define DESC_AP_RO (1ull << 7) /* AP[2]: read-only at EL1 */
#define DESC_SH_INNER (3ull << 8)
#define DESC_AF (1ull << 10)
#define DESC_PXN (1ull << 53)
#define DESC_XN (1ull << 54)
#define DESC_ADDR_MASK 0x000000fffffff000ull

/* Tables live in .bss; the entry code zeroes it before calling us, with the MMU still off. */
static uint64_t pool[MMU_POOL_TABLES][ENTRIES] __attribute__((aligned(4096)));
static unsigned pool_used = 1; /* pool[0] is the root */

uint64_t *mmu_root_table(void)
{
    return pool[0];
}

static uint64_t *new_table(void)
{
    if (pool_used >= MMU_POOL_TABLES)
        return NULL;
    return pool[pool_used++];
}

static uint64_t leaf_attrs(unsigned flags)
{
    uint64_t d = DESC_AF;
    if (flags & MMU_NORMAL)
        d |= DESC_ATTR(MMU_ATTR_NORMAL) | DESC_SH_INNER;
    else
        d |= DESC_ATTR(MMU_ATTR_DEVICE);
    if (flags & MMU_READONLY)
        d |= DESC_AP_RO;
    if (!(flags & MMU_EXEC))
        d |= DESC_XN | DESC_PXN;
    return d;
}

/* Level 1 covers 1 GiB per entry, level 2 2 MiB, level 3 4 KiB. */
static int map_level(uint64_t *table, unsigned level, uint64_t va, uint64_t size, uint64_t attrs)
{
    unsigned shift = 39 - 9 * level;
    uint64_t block = 1ull << shift;

    while (size > 0) {
        uint64_t *entry = &table[(va >> shift) & (ENTRIES - 1)];
        uint64_t step = block - (va & (block - 1));
        if (step > size)
            step = size;
        if (level == 3) {
            *entry = (va & DESC_ADDR_MASK) | attrs | DESC_PAGE;
        } else if (step == block) {
            if (*entry & DESC_VALID)
                return -1;
            *entry = (va & DESC_ADDR_MASK) | attrs | DESC_BLOCK;
        } else {
            if (!(*entry & DESC_VALID)) {
                uint64_t *next = new_table();
                if (!next)
                    return -1;
                *entry = (uint64_t)(uintptr_t)next | DESC_TABLE;
            } else if ((*entry & 3) != DESC_TABLE) {
                return -1;
            }
            uint64_t *next = (uint64_t *)(uintptr_t)(*entry & DESC_ADDR_MASK);
            if (map_level(next, level + 1, va, step, attrs) != 0)
                return -1;
        }
        va += step;
        size -= step;
    }
    return 0;
}

int mmu_map_identity(uint64_t va, uint64_t size, unsigned flags)
{
    if ((va | size) & 0xfff)
        return -1;
    return map_level(pool[0], 1, va, size, leaf_attrs(flags));
}

/* Linker-script symbols: the image's sections, 4 KiB aligned. */
extern char _image_start[], _text_end[], _rodata_end[];

#define GIB (1ull << 30)
#define NULL_GUARD (2ull << 20)

int mmu_build_boot_map(void)
{
    uint64_t image = (uintptr_t)_image_start, text_end = (uintptr_t)_text_end,
             ro_end = (uintptr_t)_rodata_end;
    int rc = 0;

    rc |= mmu_map_identity(NULL_GUARD, GIB - NULL_GUARD, MMU_DEVICE);
    rc |= mmu_map_identity(GIB, image - GIB, MMU_NORMAL);
    rc |= mmu_map_identity(image, text_end - image, MMU_NORMAL | MMU_READONLY | MMU_EXEC);
    rc |= mmu_map_identity(text_end, ro_end - text_end, MMU_NORMAL | MMU_READONLY);
    rc |= mmu_map_identity(ro_end, 4 * GIB - ro_end, MMU_NORMAL);
    return rc ? -1 : 0;
}

int mmu_remap_normal(uint64_t va, uint64_t size)
{
    const uint64_t block = 2ull << 20;
    uint64_t start = va & ~(block - 1), end = (va + size + block - 1) & ~(block - 1);
    if (size == 0 || start < NULL_GUARD || end > GIB || end < start)
        return -1;
    uint64_t *l1 = pool[0];
    if ((l1[0] & 3) != DESC_TABLE)
        return -1;
    uint64_t *l2 = (uint64_t *)(uintptr_t)(l1[0] & DESC_ADDR_MASK);
    for (uint64_t a = start; a < end; a += block) {
        uint64_t *entry = &l2[(a >> 21) & (ENTRIES - 1)];
        uint64_t want = (a & DESC_ADDR_MASK) | leaf_attrs(MMU_NORMAL) | DESC_BLOCK;
        if (*entry == want)
            continue;
        /* Break-before-make: no TLB may hold the old and new attributes at once. */
        *entry = 0;
        mmu_tlb_flush_all();
        *entry = want;
    }
    mmu_tlb_flush_all();
    return 0;
}
