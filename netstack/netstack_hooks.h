/* SPDX-License-Identifier: ISC */
/* lwIP hooks (LWIP_HOOK_FILENAME): included by lwIP's own files after its headers, so lwIP types work. */
#ifndef NETSTACK_NETSTACK_HOOKS_H
#define NETSTACK_NETSTACK_HOOKS_H

#include <lwip/ip_addr.h>

/*
 * RFC 6528 initial sequence numbers: a 4-microsecond clock plus a keyed hash of the connection's
 * addresses and ports, so an off-path host cannot predict them (lwIP's default is a shared counter).
 */
u32_t netstack_tcp_isn(const ip_addr_t *local_ip, u16_t local_port, const ip_addr_t *remote_ip,
                       u16_t remote_port);

#endif
