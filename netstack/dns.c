/* SPDX-License-Identifier: ISC */
/* netstack_dns_resolve over lwIP's dns_gethostbyname: literals and cache at once, a table of pending ones. */
#include "dns.h"

#include "netcfg.h"
#include "netstack_priv.h"

#include <hearth/err.h>
#include <lwip/dns.h>
#include <lwip/timeouts.h>
#include <stdbool.h>
#include <string.h>

struct pending {
    bool used;
    bool in_call; /* inside dns_gethostbyname: lwIP may answer (fail) synchronously */
    int sync_err; /* that synchronous answer */
    char name[DNS_MAX_NAME_LENGTH + 1];
    netstack_dns_fn cb;
    void *arg;
};

static struct pending table[NETSTACK_DNS_PENDING];

static void on_timeout(void *arg);

static void finish(struct pending *p, int err, const uint8_t addr[4])
{
    netstack_dns_fn cb = p->cb;
    void *arg = p->arg;
    sys_untimeout(on_timeout, p);
    p->used = false;
    cb(err, addr, arg);
}

static void on_timeout(void *arg)
{
    struct pending *p = arg;
    if (p->used)
        finish(p, -HEARTH_ETIMEDOUT, NULL);
}

/* lwIP's answer. An entry reused since for another name is not ours to answer (a stale late reply). */
static void on_found(const char *name, const ip_addr_t *ipaddr, void *arg)
{
    struct pending *p = arg;
    uint8_t a[4];
    if (!p->used || strcmp(p->name, name) != 0)
        return;
    if (p->in_call) {
        p->sync_err = ipaddr ? 0 : -HEARTH_ENOTCONN; /* only "no server" answers inside the call */
        return;
    }
    if (!ipaddr || !IP_IS_V4(ipaddr)) {
        finish(p, -HEARTH_ENOENT, NULL);
        return;
    }
    uint32_t v = ip4_addr_get_u32(ip_2_ip4(ipaddr));
    memcpy(a, &v, 4); /* lwIP keeps addresses in network order */
    finish(p, 0, a);
}

int netstack_dns_resolve(const char *name, uint64_t timeout_ns, uint8_t out[4], netstack_dns_fn cb, void *arg)
{
    struct pending *p = NULL;
    ip_addr_t addr;
    size_t len = name ? strlen(name) : 0;

    if (len == 0 || len > DNS_MAX_NAME_LENGTH || !cb || timeout_ns == 0 || !out)
        return -HEARTH_EINVAL;
    if (netcfg_parse_ip4(name, out) == 0)
        return 0;
    if (!netstack_running())
        return -HEARTH_ENOTCONN;
    for (unsigned i = 0; i < NETSTACK_DNS_PENDING && !p; i++)
        if (!table[i].used)
            p = &table[i];
    if (!p)
        return -HEARTH_ENOMEM;
    *p = (struct pending){.used = true, .in_call = true, .cb = cb, .arg = arg};
    memcpy(p->name, name, len + 1);
    err_t err = dns_gethostbyname(name, &addr, on_found, p);
    p->in_call = false;
    if (err == ERR_OK) {
        p->used = false;
        if (!IP_IS_V4(&addr))
            return -HEARTH_ENOENT;
        uint32_t v = ip4_addr_get_u32(ip_2_ip4(&addr));
        memcpy(out, &v, 4);
        return 0;
    }
    if (err != ERR_INPROGRESS || p->sync_err) {
        p->used = false;
        return p->sync_err ? p->sync_err : err == ERR_VAL ? -HEARTH_ENOTCONN : netstack_err(err);
    }
    uint64_t ms = timeout_ns / 1000000u;
    sys_timeout(ms > 0x7fffffffu ? 0x7fffffffu : (u32_t)(ms ? ms : 1), on_timeout, p);
    return 1;
}

void netstack_dns_cancel(netstack_dns_fn cb, void *arg)
{
    for (unsigned i = 0; i < NETSTACK_DNS_PENDING; i++) {
        struct pending *p = &table[i];
        if (p->used && p->cb == cb && p->arg == arg) {
            sys_untimeout(on_timeout, p);
            p->used = false;
        }
    }
}
