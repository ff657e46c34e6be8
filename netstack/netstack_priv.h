/* SPDX-License-Identifier: ISC */
/* Internal to netstack/: the lwIP-facing pieces shared between its files. Never included by services. */
#ifndef NETSTACK_NETSTACK_PRIV_H
#define NETSTACK_NETSTACK_PRIV_H

#include "netcfg.h"

#include <lwip/err.h>
#include <lwip/netif.h>

/* True once netstack_start has initialised lwIP: the TCP and UDP APIs refuse to run before. */
bool netstack_running(void);

/* The trace id of the netstack_tcp connection that owns pcb, or 0 (listeners, half-open, other users). */
struct tcp_pcb;
uint32_t netstack_tcp_pcb_trace_id(const struct tcp_pcb *pcb);

/* Translates an lwIP err_t to 0 or a negative -HEARTH_E* code: the one place err_t is mapped. */
int netstack_err(err_t err);

/*
 * Starts the mDNS responder on netif for <cfg->hostname>.local with the _https._tcp service on port 443.
 * It follows address and link changes by itself (lwIP's extended netif callback).
 * Returns 0 or a -HEARTH_E* code (the stack runs on without mDNS then).
 */
int netstack_mdns_start(struct netif *netif, const struct netcfg *cfg);

/* Configures SNTP's server before the interface comes up: cfg->ntp, or DHCP's offer when there is none. */
void netstack_ntp_init(const struct netcfg *cfg);

/*
 * Starts SNTP once the interface has an address. Returns 0 (also when already running), or
 * -HEARTH_ENOENT when there is no server to ask (no ntp= and DHCP offered none).
 */
int netstack_ntp_start(void);

#endif
