/* SPDX-License-Identifier: ISC */
/* Console logging with a monotonic timestamp, through hearth_plat_console_write. */
#include "log.h"

#include <hearth/plat.h>
#include <stdarg.h>
#include <stdio.h>

void log_line(const char *fmt, ...)
{
    char line[512 + 32];
    uint64_t ms = hearth_plat_monotonic_ns() / 1000000u;
    int head =
        snprintf(line, sizeof(line), "[%5lu.%03lu] ", (unsigned long)(ms / 1000), (unsigned long)(ms % 1000));
    va_list ap;
    va_start(ap, fmt);
    int body = vsnprintf(line + head, sizeof(line) - (size_t)head - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)head;
    if (body > 0)
        len +=
            (size_t)body < sizeof(line) - (size_t)head - 1 ? (size_t)body : sizeof(line) - (size_t)head - 2;
    line[len++] = '\n';
    hearth_plat_console_write(line, len);
}
