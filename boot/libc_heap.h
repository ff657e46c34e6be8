/* SPDX-License-Identifier: ISC */
/* Internal to boot/: the break pointer shared by both C libraries' glue. */
#ifndef BOOT_LIBC_HEAP_H
#define BOOT_LIBC_HEAP_H

#include "libc_glue.h"

/* Moves the break by increment bytes; returns the old break, or (void *)-1 when out of arena. */
void *libc_heap_sbrk(intptr_t increment);

#endif
