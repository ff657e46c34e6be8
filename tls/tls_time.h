/* SPDX-License-Identifier: ISC */
/* The clocks Mbed TLS and the identity code use: wall time when known, monotonic time for durations. */
#ifndef TLS_TIME_H
#define TLS_TIME_H

#include <stdint.h>

/* Wall clocks before this (2024-01-01T00:00:00Z) are treated as unknown: an unset RTC or Xen's 1970. */
#define TLS_TIME_SANE_MIN 1704067200

/* Sets the wall-clock source (e.g. netstack_wall_ns, which prefers SNTP); NULL: hearth_plat_wall_ns. */
void tls_time_set_wall(int (*wall_ns)(int64_t *unix_ns));

/* The wall time in seconds in *unix_s. Returns 0, or -HEARTH_ENODATA when unknown or not sane. */
int tls_time_wall(int64_t *unix_s);

/*
 * Mbed TLS's time() (MBEDTLS_PLATFORM_TIME_MACRO): wall seconds when known, else seconds since boot.
 * Mbed TLS only takes differences of it (ticket lifetimes, key rotation), and ticket keys live in RAM
 * for one boot, so a jump when SNTP sets the clock only expires tickets early.
 */
long long tls_time_seconds(long long *now);

#endif
