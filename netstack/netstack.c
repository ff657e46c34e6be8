/* SPDX-License-Identifier: ISC */
/* Starts lwIP on the boot arguments' device, brings the address up (static, DHCP, fallback) and polls it. */
#include "netstack.h"

#include "log.h"
#include "netif_hearth.h"
#include "netstack_priv.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <lwip/dhcp.h>
#include <lwip/dns.h>
#include <lwip/init.h>
#include <lwip/ip4_addr.h>
#include <lwip/timeouts.h>
#include <netif/ethernet.h>
#include <string.h>

/* Frames handled per loop iteration: bounds the time other services wait behind a flood. */
#define RX_BUDGET 32u
#define NS_PER_MS 1000000ull

static struct {
    struct netcfg cfg; /* static: lwIP keeps pointers to the hostname and the NTP server name */
    struct netif_hearth nh;
    struct loop_source source;
    netif_ext_callback_t ext_cb;
    bool started, up, dhcp_waiting;
    uint64_t dhcp_deadline_ns;
    ip4_addr_t shown_ip, shown_mask, shown_gw; /* what the last "net: up" line said */
} ns;

bool netstack_running(void)
{
    return ns.started;
}

bool netstack_is_up(void)
{
    return ns.up;
}

static void quad_to_ip4(const uint8_t q[4], ip4_addr_t *out)
{
    IP4_ADDR(out, q[0], q[1], q[2], q[3]);
}

/* Puts the command line's DNS servers in place (after DHCP too: an explicit dns= wins over the lease). */
static void apply_dns(void)
{
    for (unsigned i = 0; i < ns.cfg.dns_count; i++) {
        const uint8_t *q = ns.cfg.dns[i];
        ip_addr_t a;
        IP_ADDR4(&a, q[0], q[1], q[2], q[3]);
        dns_setserver((u8_t)i, &a);
    }
}

static void apply_static(void)
{
    ip4_addr_t ip, mask, gw;
    uint8_t m[4];
    netcfg_prefix_mask(ns.cfg.prefix, m);
    quad_to_ip4(ns.cfg.ip, &ip);
    quad_to_ip4(m, &mask);
    quad_to_ip4(ns.cfg.gw, &gw);
    netif_set_addr(&ns.nh.netif, &ip, &mask, &gw);
    apply_dns();
}

static unsigned mask_prefix(const ip4_addr_t *mask)
{
    uint32_t m = lwip_ntohl(ip4_addr_get_u32(mask));
    unsigned n = 0;
    while (m & 0x80000000u) {
        n++;
        m <<= 1;
    }
    return n;
}

/* Logs "net: up ..." (the system tests' marker) whenever the address, mask or gateway really changed. */
static void show_address(struct netif *netif)
{
    char ip[IP4ADDR_STRLEN_MAX], gw[IP4ADDR_STRLEN_MAX];
    const ip4_addr_t *a = netif_ip4_addr(netif), *m = netif_ip4_netmask(netif), *g = netif_ip4_gw(netif);

    if (ip4_addr_isany(a)) {
        if (ns.up)
            log_line("net: down (address released)");
        ns.up = false;
        ip4_addr_set_zero(&ns.shown_ip);
        return;
    }
    if (ns.up && ip4_addr_eq(a, &ns.shown_ip) && ip4_addr_eq(m, &ns.shown_mask) &&
        ip4_addr_eq(g, &ns.shown_gw))
        return;
    ns.up = true;
    ip4_addr_copy(ns.shown_ip, *a);
    ip4_addr_copy(ns.shown_mask, *m);
    ip4_addr_copy(ns.shown_gw, *g);
    ip4addr_ntoa_r(a, ip, sizeof(ip));
    if (ip4_addr_isany(g))
        memcpy(gw, "none", 5);
    else
        ip4addr_ntoa_r(g, gw, sizeof(gw));
    bool leased = dhcp_supplied_address(netif);
    log_line("net: up %s/%u gw %s via %s", ip, mask_prefix(m), gw, leased ? "dhcp" : "static");
    if (leased) {
        ns.dhcp_waiting = false;
        if (ns.cfg.dns_given)
            apply_dns();
    }
    if (netstack_ntp_start() == -HEARTH_ENOENT && !leased)
        log_line("ntp: no server (ntp= not given); the wall clock stays the platform's");
}

static void on_netif_event(struct netif *netif, netif_nsc_reason_t reason,
                           const netif_ext_callback_args_t *args)
{
    (void)args;
    if (reason & LWIP_NSC_LINK_CHANGED)
        log_line("net: link %s", netif_is_link_up(netif) ? "up" : "down");
    if (reason & (LWIP_NSC_IPV4_ADDRESS_CHANGED | LWIP_NSC_IPV4_GATEWAY_CHANGED |
                  LWIP_NSC_IPV4_NETMASK_CHANGED | LWIP_NSC_IPV4_SETTINGS_CHANGED))
        show_address(netif);
}

/* DHCP had its time: stop it and use the static fallback (see netcfg.h for the defaults). */
static void dhcp_fallback(void)
{
    char ip[IP4ADDR_STRLEN_MAX];
    ip4_addr_t a;
    ns.dhcp_waiting = false;
    dhcp_release_and_stop(&ns.nh.netif);
    quad_to_ip4(ns.cfg.ip, &a);
    log_line("net: no DHCP lease after %u s; falling back to %s/%u", NETCFG_DHCP_WAIT_S,
             ip4addr_ntoa_r(&a, ip, sizeof(ip)), ns.cfg.prefix);
    apply_static();
}

static uint64_t netstack_poll(struct loop_source *src, uint64_t now_ns)
{
    (void)src;
    unsigned frames = netif_hearth_poll(&ns.nh, RX_BUDGET, now_ns);
    sys_check_timeouts();
    if (ns.dhcp_waiting && now_ns >= ns.dhcp_deadline_ns)
        dhcp_fallback();
    if (frames == RX_BUDGET)
        return now_ns; /* more may be waiting: come back straight after the other sources */
    u32_t sleep_ms = sys_timeouts_sleeptime();
    uint64_t next = sleep_ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? UINT64_MAX : now_ns + sleep_ms * NS_PER_MS;
    if (ns.dhcp_waiting && ns.dhcp_deadline_ns < next)
        next = ns.dhcp_deadline_ns;
    return next;
}

int netstack_start(struct loop *loop, const char *cmdline)
{
    struct netif *netif = &ns.nh.netif;
    const char *bad_key = "?";
    int rc;

    if (ns.started)
        return -HEARTH_EBUSY;
    rc = netcfg_parse(cmdline, &ns.cfg, &bad_key);
    if (rc < 0) {
        log_line("net: bad %s= boot argument (%s); network not started", bad_key, hearth_strerror(rc));
        return rc;
    }
    ns.nh.dev = hearth_net_open(ns.cfg.dev, &rc);
    if (!ns.nh.dev) {
        log_line("net: no device (%s: %s)", ns.cfg.dev, hearth_strerror(rc));
        return rc;
    }
    ns.started = true;

    lwip_init();
    if (!netif_add(netif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, &ns.nh, netif_hearth_init,
                   ethernet_input))
        return -HEARTH_ENOMEM;
    netif_set_hostname(netif, ns.cfg.hostname);
    netif_set_default(netif);
    netif_add_ext_callback(&ns.ext_cb, on_netif_event);
    netif_hearth_poll(&ns.nh, 0, hearth_plat_monotonic_ns()); /* learn the link state before DHCP starts */
    netif_set_up(netif);
#if LWIP_IPV6
    /* IPv6 (HEARTH_NET_IPV6): a link-local address now, global ones from router advertisements. */
    netif_create_ip6_linklocal_address(netif, 1);
    netif_set_ip6_autoconfig_enabled(netif, 1);
#endif
    netstack_ntp_init(&ns.cfg);

    rc = netstack_mdns_start(netif, &ns.cfg);
    if (rc < 0)
        log_line("mdns: not started (%s)", hearth_strerror(rc));
    if (ns.cfg.dhcp) {
        rc = netstack_err(dhcp_start(netif));
        if (rc < 0) {
            log_line("net: DHCP did not start (%s)", hearth_strerror(rc));
            apply_static();
        } else {
            ns.dhcp_waiting = true;
            ns.dhcp_deadline_ns = hearth_plat_monotonic_ns() + NETCFG_DHCP_WAIT_S * 1000000000ull;
            log_line("net: asking DHCP as %s (static fallback after %u s)", ns.cfg.hostname,
                     NETCFG_DHCP_WAIT_S);
        }
    } else {
        apply_static();
    }

    ns.source.poll = netstack_poll;
    loop_add_source(loop, &ns.source);
    return 0;
}
