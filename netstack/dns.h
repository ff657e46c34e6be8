/* SPDX-License-Identifier: ISC */
/* Name resolution for services (lwIP's DNS client, the servers from DHCP or dns=), with a timeout. */
#ifndef NETSTACK_DNS_H
#define NETSTACK_DNS_H

#include <stdint.h>

/*
 * The answer to a pending lookup: err 0 with addr (IPv4, network order), or -HEARTH_ENOENT (no such name
 * or the server failed), -HEARTH_ETIMEDOUT, -HEARTH_ENOTCONN (no DNS server known). addr is only valid
 * during the call.
 */
typedef void (*netstack_dns_fn)(int err, const uint8_t addr[4], void *arg);

/*
 * Resolves name to an IPv4 address. A dotted-quad literal ("10.0.0.1", strict: four decimal octets) or a
 * name lwIP has cached is answered at once: returns 0 with out filled, and cb is not called. Otherwise
 * returns 1 and calls cb exactly once later (never from inside this call), within timeout_ns.
 * Returns 0, 1, -HEARTH_EINVAL (empty or over-long name, timeout_ns 0, no cb), -HEARTH_ENOTCONN (netstack
 * not started or no DNS server), -HEARTH_ENOMEM (all NETSTACK_DNS_PENDING lookups in use).
 */
int netstack_dns_resolve(const char *name, uint64_t timeout_ns, uint8_t out[4], netstack_dns_fn cb,
                         void *arg);

/* Forgets every pending lookup for (cb, arg): cb is not called for them. */
void netstack_dns_cancel(netstack_dns_fn cb, void *arg);

#endif
