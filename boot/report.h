/* SPDX-License-Identifier: ISC */
/* Allocation-free console formatting for the exception reports, safe when the heap or libc is broken. */
#ifndef BOOT_REPORT_H
#define BOOT_REPORT_H

#include <stdint.h>

void report_str(const char *s);
void report_hex(uint64_t v, unsigned digits);
/* Prints "name=0x<hex>" padded for register dumps. */
void report_reg(const char *name, uint64_t v, unsigned digits);

/*
 * Walks the frame-pointer chain from fp and prints "backtrace: <pc> <lr> <lr>..." with an addr2line
 * hint. Stops at a NULL, misaligned or out-of-stack frame pointer, or after 16 frames.
 * fp_next and lr_at give the offsets (in words) of the saved frame pointer and return address.
 */
void report_backtrace(uint64_t pc, uintptr_t fp, int fp_next, int lr_at);

/* Reports a second exception during a report and parks instead of recursing. Returns if first. */
void report_enter(void);

#endif
