/* SPDX-License-Identifier: ISC */
/* UDP for services without lwIP types: bind a port, receive datagrams by callback, send replies. */
#ifndef NETSTACK_UDP_H
#define NETSTACK_UDP_H

#include <stddef.h>
#include <stdint.h>

/* Datagrams larger than this (IP-reassembled) are dropped before a service sees them. */
#define NETSTACK_UDP_MAX 2048

struct netstack_udp; /* a bound port; owned by netstack, valid for the program's life */

/* A peer: an IPv4 address (network order, a.b.c.d in addr[0..3]) and a port. */
struct netstack_endpoint {
    uint8_t addr[4];
    uint16_t port;
};

/*
 * A datagram sent to our unicast address arrived (broadcast and multicast ones are not delivered, so a
 * service cannot be made to answer a whole subnet). data is only valid during the call.
 */
typedef void (*netstack_udp_recv_fn)(struct netstack_udp *u, const uint8_t *data, size_t len,
                                     const struct netstack_endpoint *from, void *arg);

/*
 * Binds port on all addresses and calls fn(arg) per datagram. Returns 0 with *out set,
 * -HEARTH_EADDRINUSE, -HEARTH_ENOMEM, -HEARTH_EINVAL (port 0, no fn), or -HEARTH_ENOTCONN if netstack is
 * not started.
 */
int netstack_udp_bind(uint16_t port, netstack_udp_recv_fn fn, void *arg, struct netstack_udp **out);

/*
 * Sends one datagram (copied) from u's port to to. Returns 0, -HEARTH_EINVAL (len > NETSTACK_UDP_MAX),
 * -HEARTH_ENOMEM, or -HEARTH_EHOSTUNREACH.
 */
int netstack_udp_send(struct netstack_udp *u, const void *data, size_t len,
                      const struct netstack_endpoint *to);

#endif
