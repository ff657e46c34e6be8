/* SPDX-License-Identifier: ISC */
/* The clocks Mbed TLS and the identity code use: the best-known wall time, monotonic time for durations. */
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
 * Raises the floor of tls_time_best to unix_s, a time known to have passed by now (e.g. the last time
 * persisted on the disk, read at boot); the floor then advances with the monotonic clock. A value below
 * the current floor changes nothing.
 */
void tls_time_raise_floor(int64_t unix_s);

/* Puts the floor back to the build time at boot (for tests). */
void tls_time_reset_floor(void);

/*
 * The best-known wall time in seconds: the larger of the wall clock (when sane) and the floor plus the
 * monotonic time since it was set (the floor is the build time, HEARTH_BUILD_UNIX_S, at boot). A board
 * without a wall clock at boot thus never believes it is earlier than its own source code or the last
 * time it wrote down. *from_clock (may be NULL) is set to 1 when the wall clock won, 0 when the floor did.
 */
int64_t tls_time_best(int *from_clock);

/*
 * Mbed TLS's time() (MBEDTLS_PLATFORM_TIME_MACRO): tls_time_best. Mbed TLS takes differences of it for
 * ticket lifetimes (ticket keys live in RAM for one boot, so a forward jump when SNTP sets the clock only
 * expires tickets early) and compares it with certificate dates when the HTTPS client verifies a server.
 */
long long tls_time_seconds(long long *now);

#endif
