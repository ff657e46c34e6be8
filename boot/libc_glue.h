/* SPDX-License-Identifier: ISC */
/* The C library's system-call glue (heap, console, exit); set up by the HAL at boot. */
#ifndef BOOT_LIBC_GLUE_H
#define BOOT_LIBC_GLUE_H

#include <stddef.h>
#include <stdint.h>

/* Gives malloc the arena [base, base + size). Called once, before the first allocation. */
void libc_glue_set_heap(uintptr_t base, size_t size);

#endif
