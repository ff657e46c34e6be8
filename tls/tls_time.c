/* SPDX-License-Identifier: ISC */
/* Time hooks for Mbed TLS (time, milliseconds, gmtime_r) and the best-known wall time with its floors. */
#include "tls_time.h"

#include "tls_format.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <hearth_config.h>
#include <mbedtls/platform_time.h>
#include <mbedtls/platform_util.h>
#include <time.h>

static int (*wall_source)(int64_t *unix_ns);
/* A time known to have passed, and the monotonic clock when it was learnt: both only ever move forward
 * together, so floor_s + (monotonic - floor_mono_ns) is also a time that has passed. */
static int64_t floor_s = HEARTH_BUILD_UNIX_S;
static uint64_t floor_mono_ns; /* the build time was before boot, i.e. before monotonic 0 */

void tls_time_set_wall(int (*wall_ns)(int64_t *unix_ns))
{
    wall_source = wall_ns;
}

int tls_time_wall(int64_t *unix_s)
{
    int64_t ns;
    int rc = wall_source ? wall_source(&ns) : hearth_plat_wall_ns(&ns);
    if (rc < 0)
        return -HEARTH_ENODATA;
    if (ns / 1000000000 < TLS_TIME_SANE_MIN)
        return -HEARTH_ENODATA;
    *unix_s = ns / 1000000000;
    return 0;
}

static int64_t floor_now(void)
{
    return floor_s + (int64_t)((hearth_plat_monotonic_ns() - floor_mono_ns) / 1000000000u);
}

void tls_time_raise_floor(int64_t unix_s)
{
    if (unix_s <= floor_now())
        return;
    floor_s = unix_s;
    floor_mono_ns = hearth_plat_monotonic_ns();
}

void tls_time_reset_floor(void)
{
    floor_s = HEARTH_BUILD_UNIX_S;
    floor_mono_ns = 0;
}

int64_t tls_time_best(int *from_clock)
{
    int64_t best = floor_now(), wall;
    int clock = 0;
    if (tls_time_wall(&wall) == 0 && wall >= best) {
        best = wall;
        clock = 1;
    }
    if (from_clock)
        *from_clock = clock;
    return best;
}

long long tls_time_seconds(long long *now)
{
    long long s = (long long)tls_time_best(NULL);
    if (now)
        *now = s;
    return s;
}

/* Milliseconds for TLS 1.3 ticket ages: only differences matter, so the monotonic clock is right. */
mbedtls_ms_time_t mbedtls_ms_time(void)
{
    return (mbedtls_ms_time_t)(hearth_plat_monotonic_ns() / 1000000u);
}

/* MBEDTLS_PLATFORM_GMTIME_R_ALT: certificate date checks need a calendar, which freestanding libcs lack. */
struct tm *mbedtls_platform_gmtime_r(const mbedtls_time_t *tt, struct tm *tm_buf)
{
    int64_t t = (int64_t)*tt, y;
    unsigned m, d;
    if (t < 0)
        return NULL;
    tls_format_civil(t / 86400, &y, &m, &d);
    unsigned secs = (unsigned)(t % 86400);
    *tm_buf = (struct tm){.tm_year = (int)(y - 1900),
                          .tm_mon = (int)m - 1,
                          .tm_mday = (int)d,
                          .tm_hour = (int)(secs / 3600),
                          .tm_min = (int)(secs / 60 % 60),
                          .tm_sec = (int)(secs % 60)};
    return tm_buf;
}
