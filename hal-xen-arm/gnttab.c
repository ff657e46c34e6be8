/* SPDX-License-Identifier: ISC */
/* Grant table v1: frames mapped into the DT-given region, a free list, and careful revocation. */
#include "gnttab.h"

#include "hypercall.h"
#include "mmu_lpae.h"

#include <hearth/err.h>
#include <string.h>

#define PAGE 4096u
#define MAX_FRAMES 4u /* 2048 entries: rings and buffers of one netfront and one blkfront fit */
#define ENTRIES_PER_FRAME (PAGE / sizeof(grant_entry_v1_t))
#define MAX_ENTRIES (MAX_FRAMES * ENTRIES_PER_FRAME)
#define FIRST_FREE 8u /* GNTTAB_NR_RESERVED_ENTRIES: the toolstack's console and xenstore grants */
#define FREE_END 0xffffffffu

static struct {
    volatile grant_entry_v1_t *table;
    unsigned entries;
    uint32_t next_free[MAX_ENTRIES]; /* free list links; FREE_END terminates */
    uint8_t granted[MAX_ENTRIES];
    uint32_t free_head;
    unsigned in_use;
} gt;

int gnttab_init(uint64_t region_base, uint64_t region_size)
{
    struct gnttab_query_size query = {.dom = DOMID_SELF};
    unsigned frames = MAX_FRAMES;

    memset(&gt, 0, sizeof(gt));
    if (region_base & (PAGE - 1) || region_size < PAGE)
        return -HEARTH_ENOTSUP;
    if (hypercall_grant_table_op(GNTTABOP_query_size, &query, 1) != 0 || query.status != GNTST_okay)
        return -HEARTH_EIO;
    if (frames > query.max_nr_frames)
        frames = query.max_nr_frames;
    if (frames > region_size / PAGE)
        frames = (unsigned)(region_size / PAGE);
    if (frames == 0 || mmu_remap_normal(region_base, (uint64_t)frames * PAGE) != 0)
        return -HEARTH_ENOTSUP;
    for (unsigned i = 0; i < frames; i++)
        if (hypercall_add_to_physmap(XENMAPSPACE_grant_table, i, (region_base >> 12) + i) != 0)
            return -HEARTH_EIO;
    gt.table = (volatile grant_entry_v1_t *)(uintptr_t)region_base;
    gt.entries = frames * ENTRIES_PER_FRAME;
    gt.free_head = FREE_END;
    for (uint32_t r = gt.entries; r-- > FIRST_FREE;) {
        gt.next_free[r] = gt.free_head;
        gt.free_head = r;
    }
    return 0;
}

int gnttab_grant(uint16_t domid, const void *page, int readonly, gnttab_ref_t *ref)
{
    uintptr_t addr = (uintptr_t)page;
    if (addr & (PAGE - 1))
        return -HEARTH_EINVAL;
    if (gt.free_head == FREE_END)
        return -HEARTH_ENOSPC;
    uint32_t r = gt.free_head;
    gt.free_head = gt.next_free[r];
    gt.granted[r] = 1;
    gt.in_use++;
    gt.table[r].frame = (uint32_t)(addr >> 12);
    gt.table[r].domid = domid;
    /* The backend may act as soon as it sees the flags: publish frame and domid first. */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    gt.table[r].flags = (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0));
    *ref = r;
    return 0;
}

int gnttab_end(gnttab_ref_t ref)
{
    if (ref < FIRST_FREE || ref >= gt.entries || !gt.granted[ref])
        return -HEARTH_EINVAL;
    /*
     * Clear the flags only if the backend is not reading or writing the page right now; a compare-
     * and-swap makes the check and the clear one step, so it cannot start in between.
     */
    volatile uint16_t *flags = &gt.table[ref].flags;
    uint16_t seen = __atomic_load_n(flags, __ATOMIC_ACQUIRE);
    do {
        if (seen & (GTF_reading | GTF_writing))
            return -HEARTH_EBUSY;
    } while (!__atomic_compare_exchange_n(flags, &seen, 0, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
    gt.granted[ref] = 0;
    gt.in_use--;
    gt.next_free[ref] = gt.free_head;
    gt.free_head = ref;
    return 0;
}

unsigned gnttab_in_use(void)
{
    return gt.in_use;
}
