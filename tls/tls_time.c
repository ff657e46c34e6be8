/* SPDX-License-Identifier: ISC */
/* Time hooks for Mbed TLS (MBEDTLS_PLATFORM_TIME_MACRO and MBEDTLS_PLATFORM_MS_TIME_ALT). */
#include "tls_time.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <mbedtls/platform_time.h>

static int (*wall_source)(int64_t *unix_ns);

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

long long tls_time_seconds(long long *now)
{
    int64_t s;
    if (tls_time_wall(&s) < 0)
        s = (int64_t)(hearth_plat_monotonic_ns() / 1000000000u);
    if (now)
        *now = s;
    return s;
}

/* Milliseconds for TLS 1.3 ticket ages: only differences matter, so the monotonic clock is right. */
mbedtls_ms_time_t mbedtls_ms_time(void)
{
    return (mbedtls_ms_time_t)(hearth_plat_monotonic_ns() / 1000000u);
}
