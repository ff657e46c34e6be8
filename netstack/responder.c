/* SPDX-License-Identifier: ISC */
/* mDNS: answers <hostname>.local and advertises the HTTPS service, so a LAN finds the hub without DNS. */
#include "log.h"
#include "netstack_priv.h"

#include <hearth/err.h>
#include <lwip/apps/mdns.h>
#include <stdio.h>
#include <string.h>

#define HTTPS_PORT 443
#define MAX_RENAMES 9

static char host[NETCFG_HOST_MAX];
static unsigned renames;

static void https_txt(struct mdns_service *service, void *arg)
{
    (void)arg;
    /* The item is the dashboard's path; a failure only leaves the TXT record empty. */
    (void)mdns_resp_add_service_txtitem(service, "path=/", 6);
}

/*
 * lwIP reports probing outcomes with slot 0 for the host name and service index + 1 for a service. On a
 * conflict mDNS goes quiet on the netif, so we take "<hostname>-2", "-3", ... as RFC 6762 section 9
 * suggests, a bounded number of times, and log each outcome so the operator knows what to type.
 */
static void on_name_result(struct netif *netif, u8_t result, s8_t slot)
{
    char name[NETCFG_HOST_MAX];
    err_t err;

    if (result == MDNS_PROBING_SUCCESSFUL) {
        log_line("mdns: answering for %s.local", host);
        return;
    }
    if (++renames > MAX_RENAMES) {
        log_line("mdns: %s.local is taken and renaming gave up; mDNS stays silent", host);
        mdns_resp_remove_netif(netif);
        return;
    }
    int n = snprintf(name, sizeof(name), "%.*s-%u", (int)(sizeof(name) - 4), host, renames + 1);
    if (n < 0 || (size_t)n >= sizeof(name))
        return;
    log_line("mdns: %s %s is taken on this link; trying %s", slot == 0 ? "host" : "service", host, name);
    if (slot == 0)
        err = mdns_resp_rename_netif(netif, name);
    else
        err = mdns_resp_rename_service(netif, (u8_t)(slot - 1), name);
    if (err == ERR_OK && slot == 0)
        memcpy(host, name, (size_t)n + 1);
}

int netstack_mdns_start(struct netif *netif, const struct netcfg *cfg)
{
    err_t err;

    memcpy(host, cfg->hostname, strlen(cfg->hostname) + 1);
    mdns_resp_register_name_result_cb(on_name_result);
    mdns_resp_init();
    err = mdns_resp_add_netif(netif, host);
    if (err != ERR_OK)
        return netstack_err(err);
    s8_t slot = mdns_resp_add_service(netif, host, "_https", DNSSD_PROTO_TCP, HTTPS_PORT, https_txt, NULL);
    if (slot < 0)
        return netstack_err((err_t)slot);
    return 0;
}
