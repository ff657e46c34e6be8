/* SPDX-License-Identifier: ISC */
/* The break pointer behind malloc, shared by the picolibc (sbrk) and newlib (_sbrk) glue. */
#include "libc_heap.h"

static uintptr_t heap_base, heap_end, heap_brk;

void libc_glue_set_heap(uintptr_t base, size_t size)
{
    heap_base = heap_brk = base;
    heap_end = base + size;
}

void *libc_heap_sbrk(intptr_t increment)
{
    uintptr_t old = heap_brk;
    if (increment >= 0 ? (uintptr_t)increment > heap_end - heap_brk
                       : (uintptr_t)(-increment) > heap_brk - heap_base)
        return (void *)-1;
    heap_brk += (uintptr_t)increment;
    return (void *)old;
}
