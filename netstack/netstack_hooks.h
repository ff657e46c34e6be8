/* SPDX-License-Identifier: ISC */
/* lwIP hooks (LWIP_HOOK_FILENAME): included by lwIP's own files after its headers, so lwIP types work. */
#ifndef NETSTACK_NETSTACK_HOOKS_H
#define NETSTACK_NETSTACK_HOOKS_H

#include <lwip/err.h>
#include <lwip/ip_addr.h>

/*
 * RFC 6528 initial sequence numbers: a 4-microsecond clock plus a keyed hash of the connection's
 * addresses and ports, so an off-path host cannot predict them (lwIP's default is a shared counter).
 */
u32_t netstack_tcp_isn(const ip_addr_t *local_ip, u16_t local_port, const ip_addr_t *remote_ip,
                       u16_t remote_port);

/*
 * LWIP_HOOK_TCP_INPACKET_PCB: a new SYN for a connection in TIME_WAIT (a client reusing its port) expires
 * the old PCB instead of being refused for two minutes. Returns ERR_OK to let lwIP handle the segment, or
 * ERR_ABRT to drop it.
 */
struct tcp_pcb;
struct tcp_hdr;
struct pbuf;
err_t netstack_tcp_inpacket(struct tcp_pcb *pcb, struct tcp_hdr *hdr, struct pbuf *p);

/*
 * LWIP_HOOK_TCP_OUT_ADD_TCPOPTS: records the segment being sent (p holds header and data, hdr in network
 * byte order, pcb NULL for a reset without a connection) as a trace event. Returns opts unchanged.
 */
u32_t *netstack_tcp_outpacket(struct pbuf *p, struct tcp_hdr *hdr, const struct tcp_pcb *pcb, u32_t *opts);

#endif
