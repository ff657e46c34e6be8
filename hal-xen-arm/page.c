/* SPDX-License-Identifier: ISC */
/* Page allocation through the C library's memalign (newlib's aligned_alloc lacks posix_memalign). */
#include "page.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

void *page_alloc(size_t count)
{
    if (count == 0 || count > ((size_t)-1) / PAGE_SIZE)
        return NULL;
    void *p = memalign(PAGE_SIZE, count * PAGE_SIZE);
    if (p)
        memset(p, 0, count * PAGE_SIZE);
    return p;
}

void page_free(void *pages)
{
    free(pages);
}
