/* SPDX-License-Identifier: ISC */
/* Parsing and checking the network boot arguments; no lwIP here, so the unit tests can drive it alone. */
#include "netcfg.h"

#include "cmdline.h"

#include <hearth/err.h>
#include <string.h>

/* Reads one decimal octet at *p (0..255, no leading zeros), advancing *p. Returns 0 or -HEARTH_EINVAL. */
static int parse_octet(const char **p, uint8_t *out)
{
    const char *s = *p;
    unsigned v = 0;
    int digits = 0;
    while (*s >= '0' && *s <= '9') {
        if (digits == 3)
            return -HEARTH_EINVAL;
        v = v * 10 + (unsigned)(*s - '0');
        digits++;
        s++;
    }
    /* "010" would be octal to inet_aton but decimal to us: refuse the ambiguity. */
    if (digits == 0 || v > 255 || (digits > 1 && **p == '0'))
        return -HEARTH_EINVAL;
    *out = (uint8_t)v;
    *p = s;
    return 0;
}

/* Parses a dotted quad at *p, advancing *p past it. */
static int parse_quad(const char **p, uint8_t out[4])
{
    uint8_t tmp[4];
    for (int i = 0; i < 4; i++) {
        if (i > 0) {
            if (**p != '.')
                return -HEARTH_EINVAL;
            (*p)++;
        }
        if (parse_octet(p, &tmp[i]) < 0)
            return -HEARTH_EINVAL;
    }
    memcpy(out, tmp, 4);
    return 0;
}

int netcfg_parse_ip4(const char *s, uint8_t out[4])
{
    uint8_t tmp[4];
    if (parse_quad(&s, tmp) < 0 || *s != '\0')
        return -HEARTH_EINVAL;
    memcpy(out, tmp, 4);
    return 0;
}

int netcfg_parse_cidr(const char *s, uint8_t ip[4], unsigned *prefix)
{
    uint8_t tmp[4];
    unsigned v = 0;
    int digits = 0;
    if (parse_quad(&s, tmp) < 0 || *s++ != '/')
        return -HEARTH_EINVAL;
    while (*s >= '0' && *s <= '9' && digits < 3) {
        v = v * 10 + (unsigned)(*s++ - '0');
        digits++;
    }
    if (digits == 0 || *s != '\0' || v < 1 || v > 32)
        return -HEARTH_EINVAL;
    memcpy(ip, tmp, 4);
    *prefix = v;
    return 0;
}

void netcfg_prefix_mask(unsigned prefix, uint8_t out[4])
{
    uint32_t m = prefix >= 32 ? 0xffffffffu : prefix == 0 ? 0 : ~(0xffffffffu >> prefix);
    for (int i = 0; i < 4; i++)
        out[i] = (uint8_t)(m >> (24 - 8 * i));
}

/* A host address must be unicast and not the subnet's network or broadcast address (for prefix < 31). */
static bool usable_host(const uint8_t ip[4], unsigned prefix)
{
    uint8_t mask[4];
    bool host_zero = true, host_ones = true;
    if (ip[0] == 0 || ip[0] == 127 || ip[0] >= 224)
        return false;
    if (prefix >= 31)
        return true;
    netcfg_prefix_mask(prefix, mask);
    for (int i = 0; i < 4; i++) {
        if (ip[i] & (uint8_t)~mask[i])
            host_zero = false;
        if ((ip[i] | mask[i]) != 0xff)
            host_ones = false;
    }
    return !host_zero && !host_ones;
}

static bool same_subnet(const uint8_t a[4], const uint8_t b[4], unsigned prefix)
{
    uint8_t mask[4];
    netcfg_prefix_mask(prefix, mask);
    for (int i = 0; i < 4; i++) {
        if ((a[i] & mask[i]) != (b[i] & mask[i]))
            return false;
    }
    return true;
}

/* A host name for mDNS and DHCP: one DNS label of letters, digits and inner hyphens. */
static bool valid_label(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

/* Parses dns=a.b.c.d[,e.f.g.h] into cfg. */
static int parse_dns(const char *s, struct netcfg *cfg)
{
    uint8_t servers[NETCFG_MAX_DNS][4];
    unsigned n = 0;
    for (;;) {
        if (n == NETCFG_MAX_DNS || parse_quad(&s, servers[n]) < 0)
            return -HEARTH_EINVAL;
        n++;
        if (*s == '\0')
            break;
        if (*s++ != ',')
            return -HEARTH_EINVAL;
    }
    memcpy(cfg->dns, servers, sizeof(servers));
    cfg->dns_count = n;
    cfg->dns_given = true;
    return 0;
}

static void set_defaults(struct netcfg *cfg)
{
    static const uint8_t fb_ip[4] = NETCFG_FALLBACK_IP, fb_gw[4] = NETCFG_FALLBACK_GW,
                         fb_dns[4] = NETCFG_FALLBACK_DNS;
    memset(cfg, 0, sizeof(*cfg));
    memcpy(cfg->dev, "0", 2);
    memcpy(cfg->hostname, "hearth", 7);
    cfg->dhcp = true;
    memcpy(cfg->ip, fb_ip, 4);
    cfg->prefix = NETCFG_FALLBACK_PREFIX;
    memcpy(cfg->gw, fb_gw, 4);
    memcpy(cfg->dns[0], fb_dns, 4);
    cfg->dns_count = 1;
}

/* Looks key up; returns 1 with the value in buf, 0 when absent, or a negative error. */
static int lookup(const char *cmdline, const char *key, char *buf, size_t len)
{
    int rc = cmdline_get(cmdline, key, buf, len);
    if (rc == -HEARTH_ENOENT)
        return 0;
    return rc < 0 ? rc : 1;
}

int netcfg_parse(const char *cmdline, struct netcfg *cfg, const char **bad_key)
{
    char val[NETCFG_NTP_MAX];
    const char *key = NULL;
    bool gw_given = false;
    int rc;

    set_defaults(cfg);
    /* cmdline_get empties its output even when the key is absent, so values go through val first. */
    key = "net";
    if ((rc = lookup(cmdline, key, val, sizeof(cfg->dev))) < 0 || (rc == 1 && val[0] == '\0'))
        goto fail;
    if (rc == 1)
        memcpy(cfg->dev, val, strlen(val) + 1);
    key = "hostname";
    if ((rc = lookup(cmdline, key, val, sizeof(val))) < 0)
        goto fail;
    if (rc == 1) {
        if (!valid_label(val))
            goto fail;
        memcpy(cfg->hostname, val, strlen(val) + 1);
    }
    key = "ip";
    if ((rc = lookup(cmdline, key, val, sizeof(val))) < 0)
        goto fail;
    if (rc == 1 && strcmp(val, "dhcp") != 0) {
        if (netcfg_parse_cidr(val, cfg->ip, &cfg->prefix) < 0 || !usable_host(cfg->ip, cfg->prefix))
            goto fail;
        cfg->dhcp = false;
        memset(cfg->gw, 0, 4); /* a static address has no router unless gw= names one */
    }
    key = "gw";
    if ((rc = lookup(cmdline, key, val, sizeof(val))) < 0)
        goto fail;
    if (rc == 1) {
        if (netcfg_parse_ip4(val, cfg->gw) < 0 || !usable_host(cfg->gw, 32))
            goto fail;
        gw_given = true;
    }
    if ((gw_given || !cfg->dhcp) && (cfg->gw[0] != 0 && !same_subnet(cfg->gw, cfg->ip, cfg->prefix)))
        goto fail;
    key = "dns";
    if ((rc = lookup(cmdline, key, val, sizeof(val))) < 0)
        goto fail;
    if (rc == 1 && parse_dns(val, cfg) < 0)
        goto fail;
    if (!cfg->dhcp && !cfg->dns_given)
        cfg->dns_count = 0;
    key = "ntp";
    if ((rc = lookup(cmdline, key, cfg->ntp, sizeof(cfg->ntp))) < 0)
        goto fail;
    return 0;
fail:
    if (bad_key)
        *bad_key = key;
    /* Leave a usable configuration behind: the defaults, so a caller may still bring the link up. */
    set_defaults(cfg);
    return rc == -HEARTH_ERANGE ? -HEARTH_ERANGE : -HEARTH_EINVAL;
}
