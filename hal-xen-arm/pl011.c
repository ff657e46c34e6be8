/* SPDX-License-Identifier: ISC */
/* PL011 transmit path: data register and the TX-FIFO-full flag are all the console needs. */
#include "pl011.h"

#define UARTDR 0x00
#define UARTFR 0x18
#define UARTFR_TXFF (1u << 5)

static volatile uint32_t *uart;

void pl011_init(uintptr_t base)
{
    uart = (volatile uint32_t *)base;
}

static void put(char c)
{
    while (uart[UARTFR / 4] & UARTFR_TXFF)
        ;
    uart[UARTDR / 4] = (uint32_t)(unsigned char)c;
}

void pl011_write(const char *buf, size_t len)
{
    if (!uart)
        return;
    /* Xen's vpl011 line-buffers guest output itself, so newlines go out as they are. */
    for (size_t i = 0; i < len; i++)
        put(buf[i]);
}
