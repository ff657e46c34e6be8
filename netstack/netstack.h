/* SPDX-License-Identifier: ISC */
/* The network stack as services see it: start it on the event loop, ask for the time; no lwIP types. */
#ifndef NETSTACK_NETSTACK_H
#define NETSTACK_NETSTACK_H

#include "loop.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Starts lwIP on the network device named by the boot arguments and adds a source to loop that feeds it
 * frames and runs its timers. Boot arguments (see netcfg.h): net=<device> (default "0"),
 * ip=a.b.c.d/prefix (static; absent or "dhcp": DHCP with a static fallback after 10 s), gw=, dns=,
 * ntp=<server> (else DHCP's), hostname=<name> (default "hearth", answered as <name>.local by mDNS).
 *
 * Logs "net: no device (<name>: <reason>)" when the device cannot be opened, and
 * "net: up <ip>/<prefix> gw <gw|none> via <dhcp|static>" each time an address is (re)configured.
 * Call once; lwIP is global. loop must outlive the stack.
 *
 * Returns 0 once the device is open and the stack is running (the address may come later),
 * -HEARTH_ENOENT / -HEARTH_EBUSY / -HEARTH_EIO / -HEARTH_EPERM when the device cannot be opened,
 * -HEARTH_EINVAL or -HEARTH_ERANGE for malformed network boot arguments (nothing is started),
 * -HEARTH_ENOMEM if lwIP cannot register the interface, -HEARTH_EBUSY if already started.
 */
int netstack_start(struct loop *loop, const char *cmdline);

/*
 * Mixes len bytes from a cryptographic generator into the stack's own generator (port numbers, DNS and
 * DHCP ids) and re-keys TCP's initial sequence numbers; may be called before or after netstack_start.
 */
void netstack_reseed(const void *seed, size_t len);

/* True once the interface has an address (static, leased or fallback). */
bool netstack_is_up(void);

/*
 * Wall-clock time as nanoseconds since the Unix epoch: SNTP's once it has synchronised, else the
 * platform's (hearth_plat_wall_ns). Returns 0, or -HEARTH_ENODATA while neither knows the time.
 */
int netstack_wall_ns(int64_t *unix_ns);

/*
 * Registers fn (NULL: none) to be called on the event loop each time SNTP sets the wall clock, after
 * netstack_wall_ns already returns the new time (e.g. tls_clock_changed). One observer; the last wins.
 */
void netstack_on_clock_set(void (*fn)(void));

#endif
