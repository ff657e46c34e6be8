/* SPDX-License-Identifier: ISC */
/* SNTP client wiring and the wall clock it sets: an offset from the monotonic clock, never a jump in it. */
#include "log.h"
#include "netstack.h"
#include "netstack_priv.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <inttypes.h>
#include <lwip/apps/sntp.h>
#include <lwip/ip_addr.h>

/* Seconds from 1970-01-01 to NTP era 1 (2036-02-07T06:28:16Z), where lwIP's signed seconds count from. */
#define NTP_ERA1_UNIX_S 2085978496ll
#define NS_PER_S 1000000000ll

static bool synced;
static int64_t offset_ns; /* unix_ns = monotonic_ns + offset_ns, once synced */
static bool started;
static void (*clock_observer)(void);

void netstack_on_clock_set(void (*fn)(void))
{
    clock_observer = fn;
}

int netstack_wall_ns(int64_t *unix_ns)
{
    if (synced) {
        *unix_ns = (int64_t)hearth_plat_monotonic_ns() + offset_ns;
        return 0;
    }
    return hearth_plat_wall_ns(unix_ns);
}

/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm), for the log line only. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* SNTP_SET_SYSTEM_TIME_NTP: lwIP has a (round-trip compensated) server time for us. */
void netstack_ntp_set(int32_t ntp_sec, uint32_t ntp_frac)
{
    int64_t unix_s = (int64_t)ntp_sec + NTP_ERA1_UNIX_S;
    int64_t frac_ns = (int64_t)(((uint64_t)ntp_frac * (uint64_t)NS_PER_S) >> 32);
    int64_t before;
    bool had_time = netstack_wall_ns(&before) == 0;
    int64_t now_mono = (int64_t)hearth_plat_monotonic_ns();

    offset_ns = unix_s * NS_PER_S + frac_ns - now_mono;
    synced = true;

    int64_t y, days = unix_s / 86400, secs = unix_s % 86400;
    unsigned mo, d;
    civil_from_days(days, &y, &mo, &d);
    int64_t step_ms = had_time ? (unix_s * NS_PER_S + frac_ns - before) / 1000000 : 0;
    log_line("ntp: wall clock set to %04" PRId64 "-%02u-%02uT%02u:%02u:%02uZ (step %s%" PRId64 " ms)", y, mo,
             d, (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60),
             had_time ? "" : "from unknown, ", step_ms);
    if (clock_observer)
        clock_observer();
}

/* SNTP_GET_SYSTEM_TIME_NTP: our current idea of the time, for the request's transmit timestamp. */
void netstack_ntp_get(int32_t *ntp_sec, uint32_t *ntp_frac)
{
    int64_t now;
    if (netstack_wall_ns(&now) != 0)
        now = (int64_t)hearth_plat_monotonic_ns(); /* "1970 plus uptime": the first reply steps it */
    int64_t s = now / NS_PER_S, ns = now % NS_PER_S;
    *ntp_sec = (int32_t)(s - NTP_ERA1_UNIX_S);
    *ntp_frac = (uint32_t)(((uint64_t)ns << 32) / (uint64_t)NS_PER_S);
}

void netstack_ntp_init(const struct netcfg *cfg)
{
    sntp_setoperatingmode(SNTP_OPMODE_POLL);
    /* An explicit ntp= wins; otherwise DHCP's option 42 fills server 0 when the lease arrives. */
    sntp_servermode_dhcp(cfg->ntp[0] == '\0');
    if (cfg->ntp[0] != '\0') {
        ip_addr_t addr;
        if (ipaddr_aton(cfg->ntp, &addr))
            sntp_setserver(0, &addr);
        else
            sntp_setservername(0, cfg->ntp); /* cfg is static in netstack.c: the name outlives SNTP */
    }
}

int netstack_ntp_start(void)
{
    char buf[IPADDR_STRLEN_MAX];
    const char *name;

    if (started)
        return 0;
    const ip_addr_t *addr = sntp_getserver(0);
    name = sntp_getservername(0);
    if (!name && (!addr || ip_addr_isany(addr)))
        return -HEARTH_ENOENT;
    if (!name)
        name = ipaddr_ntoa_r(addr, buf, sizeof(buf));
    sntp_init();
    started = true;
    log_line("ntp: asking %s", name);
    return 0;
}
