/* SPDX-License-Identifier: ISC */
/* Exception-report formatting: no malloc and no stdio, because the report runs after a crash. */
#include "report.h"

#include <hearth/plat.h>
#include <hearth_config.h>
#include <stddef.h>

extern char boot_stack[], boot_stack_top[];

static volatile int reporting;

void report_enter(void)
{
    if (reporting) {
        report_str("\n*** exception while reporting an exception: halting ***\n");
        for (;;)
            ;
    }
    reporting = 1;
}

void report_str(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    hearth_plat_console_write(s, n);
}

void report_hex(uint64_t v, unsigned digits)
{
    char buf[18];
    buf[0] = '0';
    buf[1] = 'x';
    for (unsigned i = 0; i < digits; i++)
        buf[2 + i] = "0123456789abcdef"[(v >> (4 * (digits - 1 - i))) & 0xf];
    hearth_plat_console_write(buf, 2 + digits);
}

void report_reg(const char *name, uint64_t v, unsigned digits)
{
    report_str(name);
    report_str("=");
    report_hex(v, digits);
    report_str(" ");
}

void report_backtrace(uint64_t pc, uintptr_t fp, int fp_next, int lr_at)
{
    const unsigned digits = sizeof(uintptr_t) * 2;
    uintptr_t lo = (uintptr_t)boot_stack, hi = (uintptr_t)boot_stack_top;

    report_str("backtrace:");
    report_str(" ");
    report_hex(pc, digits);
    for (int depth = 0; depth < 16; depth++) {
        if (fp < lo || fp >= hi || (fp & (sizeof(uintptr_t) - 1)))
            break;
        const uintptr_t *frame = (const uintptr_t *)fp;
        uintptr_t lr = frame[lr_at];
        if (lr == 0)
            break;
        report_str(" ");
        report_hex(lr, digits);
        fp = frame[fp_next];
    }
    report_str("\nhint: addr2line -f -p -e build/" HEARTH_BOARD_NAME "/hearth.elf <addresses above>\n");
}
