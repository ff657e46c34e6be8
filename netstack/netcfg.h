/* SPDX-License-Identifier: ISC */
/* The network settings from the boot arguments (net= ip= gw= dns= ntp= hostname=), parsed and checked. */
#ifndef NETSTACK_NETCFG_H
#define NETSTACK_NETCFG_H

#include <stdbool.h>
#include <stdint.h>

#define NETCFG_MAX_DNS 2
#define NETCFG_DEV_MAX 16     /* "0", or a TAP name (IFNAMSIZ) */
#define NETCFG_HOST_MAX 64    /* a DNS label: 63 characters + NUL */
#define NETCFG_NTP_MAX 128    /* an address or a host name */
#define NETCFG_DHCP_WAIT_S 10 /* how long DHCP gets before the static fallback */

/*
 * The fallback when DHCP finds no server: QEMU's user-mode network defaults (guest 10.0.2.15/24, router
 * 10.0.2.2, DNS 10.0.2.3), which is what the QEMU boards' bridge leads to. gw= and dns= replace the
 * router and DNS parts of it.
 */
#define NETCFG_FALLBACK_IP                                                                                   \
    {                                                                                                        \
        10, 0, 2, 15                                                                                         \
    }
#define NETCFG_FALLBACK_PREFIX 24
#define NETCFG_FALLBACK_GW                                                                                   \
    {                                                                                                        \
        10, 0, 2, 2                                                                                          \
    }
#define NETCFG_FALLBACK_DNS                                                                                  \
    {                                                                                                        \
        10, 0, 2, 3                                                                                          \
    }

struct netcfg {
    char dev[NETCFG_DEV_MAX];       /* net=<name>; default "0" (the first Xen vif) */
    char hostname[NETCFG_HOST_MAX]; /* hostname=; default "hearth": mDNS <hostname>.local, DHCP option 12 */
    bool dhcp;                      /* no ip= (or ip=dhcp): ask DHCP, fall back to ip/prefix/gw below */
    uint8_t ip[4];                  /* ip=a.b.c.d/prefix, or the fallback */
    unsigned prefix;                /* 1..32 */
    uint8_t gw[4];                  /* gw=; 0.0.0.0 when there is none (on-link only) */
    uint8_t dns[NETCFG_MAX_DNS][4]; /* dns=a.b.c.d[,e.f.g.h]; with DHCP these win over the lease's */
    unsigned dns_count;
    bool dns_given;           /* dns= was on the command line */
    char ntp[NETCFG_NTP_MAX]; /* ntp=<address or name>; "" to use DHCP's offer, if any */
};

/*
 * Fills *cfg from the boot arguments. Returns 0, or -HEARTH_EINVAL when a value is malformed (the key is
 * then in *bad_key, if not NULL; *cfg holds the defaults for it), or -HEARTH_ERANGE when a value is too long.
 * A gateway outside the ip= subnet is refused with -HEARTH_EINVAL ("gw"): lwIP could never reach it.
 */
int netcfg_parse(const char *cmdline, struct netcfg *cfg, const char **bad_key);

/*
 * Parses a dotted-quad IPv4 address (four decimal octets, no leading zeros, nothing after it).
 * Returns 0 with out filled, or -HEARTH_EINVAL.
 */
int netcfg_parse_ip4(const char *s, uint8_t out[4]);

/* Parses "a.b.c.d/prefix" with prefix 1..32. Returns 0 or -HEARTH_EINVAL. */
int netcfg_parse_cidr(const char *s, uint8_t ip[4], unsigned *prefix);

/* The netmask for prefix (0..32) in out, e.g. 24 -> 255.255.255.0. */
void netcfg_prefix_mask(unsigned prefix, uint8_t out[4]);

#endif
