/* SPDX-License-Identifier: ISC */
/* picolibc glue (arm64): stdio on the console, sbrk over the HAL's heap, _exit to the platform. */
#include "libc_heap.h"

#include <errno.h>
#include <hearth/plat.h>
#include <stdio.h>

static int console_put(char c, FILE *file)
{
    (void)file;
    hearth_plat_console_write(&c, 1);
    return (unsigned char)c;
}

static FILE console = FDEV_SETUP_STREAM(console_put, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdin = &console;
FILE *const stdout = &console;
FILE *const stderr = &console;

void *sbrk(ptrdiff_t increment)
{
    void *old = libc_heap_sbrk(increment);
    if (old == (void *)-1)
        errno = ENOMEM;
    return old;
}

void _exit(int status)
{
    hearth_plat_exit(status);
}
