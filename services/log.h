/* SPDX-License-Identifier: ISC */
/* Console logging: printf-style lines with the monotonic time, written through the platform. */
#ifndef SERVICES_LOG_H
#define SERVICES_LOG_H

/* Writes "[   s.mmm] <message>\n" to the console; messages longer than 512 bytes are cut. */
void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
