/* SPDX-License-Identifier: ISC */
/* Whole, zeroed, page-aligned allocations for memory shared with other domains. */
#ifndef HAL_XEN_ARM_PAGE_H
#define HAL_XEN_ARM_PAGE_H

#include <stddef.h>

#define PAGE_SIZE 4096u

/*
 * Allocates count zeroed pages, page-aligned, from the heap. Zeroing matters: a page granted to a
 * backend must not carry our earlier data. Returns NULL when out of memory; free with page_free.
 */
void *page_alloc(size_t count);

void page_free(void *pages);

#endif
