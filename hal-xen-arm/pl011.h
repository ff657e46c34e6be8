/* SPDX-License-Identifier: ISC */
/* Polled PL011 / SBSA UART transmit: Xen's vpl011 console for dom0less guests, and real boards' UARTs. */
#ifndef HAL_XEN_ARM_PL011_H
#define HAL_XEN_ARM_PL011_H

#include <stddef.h>
#include <stdint.h>

/* Sets the UART's register base (already mapped as device memory). */
void pl011_init(uintptr_t base);

/* Writes len bytes, busy-waiting while the transmit FIFO is full. */
void pl011_write(const char *buf, size_t len);

#endif
