/* SPDX-License-Identifier: ISC */
/* lwIP's configuration for Hearth: one cooperative thread (NO_SYS), one Ethernet netif, a small domU. */
#ifndef NETSTACK_LWIPOPTS_H
#define NETSTACK_LWIPOPTS_H

/*
 * Anything not set here keeps lwIP's default from lwip/opt.h. The pool sizes that scale with the number
 * of connections are board settings (board.cmake -> hearth_config.h, HEARTH_NET_*). The Xen boards' figures
 * assume a 16 MiB domU that serves a handful of HTTPS and MQTT clients at once: lwIP's own pools and heap
 * come to roughly 200 KiB (PBUF_POOL ~75 KiB, MEM_SIZE 96 KiB, PCBs and segments ~25 KiB). The hosted
 * board's are sized for load tests with hundreds of connections. Either way they are reserved statically
 * in .bss so exhaustion shows up as dropped frames and ERR_MEM, never as a failing malloc elsewhere.
 */
#include <hearth_config.h>

/* ---- System: no threads, no OS primitives; the event loop calls us (netstack/netstack.c). ---- */
#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0 /* no interrupts above the HAL, so nothing can preempt lwIP */
#define LWIP_NETCONN 0         /* raw/altcp API only: no sequential API without threads */
#define LWIP_SOCKET 0
#define LWIP_NETIF_API 0

/* ---- Memory. ---- */
#define MEM_LIBC_MALLOC 0 /* lwIP's own heap: bounded, and independent of the HAL's malloc arena */
#define MEMP_MEM_MALLOC 0
#define MEM_ALIGNMENT 8 /* 64-bit fields (SNTP timestamps, stats) stay aligned on arm32 and arm64 */
/* The heap holds PBUF_RAM: TCP segments queued for sending (copied) and the UDP/DNS/mDNS replies. */
#define MEM_SIZE (HEARTH_NET_MEM_KIB * 1024)
/* Received frames: each pool buffer holds one whole 1514-byte frame (PBUF_POOL_BUFSIZE keeps lwIP's
 * default, TCP_MSS + headers), so the netif reads straight into it. The domU's 48 buffers cover four
 * connections with full receive windows plus bursts of ARP and mDNS. */
#define PBUF_POOL_SIZE HEARTH_NET_PBUF_POOL
#define MEMP_NUM_PBUF 32 /* PBUF_REF/ROM headers: static replies and zero-copy sends */
#define MEMP_NUM_RAW_PCB 2
/* DHCP, DNS, mDNS (one per IP version), SNTP, the UDP echo service and spares for later services. */
#define MEMP_NUM_UDP_PCB 10
#define MEMP_NUM_TCP_PCB HEARTH_NET_TCP_PCBS /* concurrent connections, including ones in TIME_WAIT */
#define MEMP_NUM_TCP_PCB_LISTEN 8
#define MEMP_NUM_TCP_SEG HEARTH_NET_TCP_SEGS /* must be >= TCP_SND_QUEUELEN (CMake checks) */
#define MEMP_NUM_ARP_QUEUE 16
/* lwIP's own timers plus mDNS (probing, announcing, delayed multicast replies) and SNTP, and one per
 * outbound connection being made or name being resolved (netstack_tcp_connect, netstack_dns_resolve). */
#define NETSTACK_DNS_PENDING 4
#define NETSTACK_CONNECTS 8
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 10 + NETSTACK_DNS_PENDING + NETSTACK_CONNECTS)

/* ---- Link layer. ---- */
#define LWIP_ARP 1
#define ARP_TABLE_SIZE 16
#define ARP_QUEUEING 1 /* keep the first packets to a new neighbour while ARP resolves it */
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define ETH_PAD_SIZE 0
#define LWIP_SINGLE_NETIF 1 /* one device per guest; saves the per-packet netif search */
#define LWIP_HAVE_LOOPIF 0
#define LWIP_NETIF_LOOPBACK 0
#define LWIP_NETIF_STATUS_CALLBACK 1     /* address changes: the "net: up" line */
#define LWIP_NETIF_LINK_CALLBACK 1       /* backend reconnects */
#define LWIP_NETIF_EXT_STATUS_CALLBACK 1 /* mDNS re-announces on address changes through it */
#define LWIP_NETIF_HOSTNAME 1            /* DHCP sends the hostname, so the host's DNS can learn it */
#define LWIP_NUM_NETIF_CLIENT_DATA 1     /* the mDNS responder's per-netif state */

/* ---- IPv4 and friends. ---- */
#define LWIP_IPV4 1
#define IP_FORWARD 0
#define IP_REASSEMBLY 1
#define IP_REASS_MAX_PBUFS 12 /* bounds what a fragment flood can pin; below PBUF_POOL_SIZE */
#define IP_FRAG 1
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_IGMP 1 /* mDNS joins 224.0.0.251 */
#define LWIP_DHCP 1
/* Address-conflict probing would add 5 to 8 s to every lease, eating most of the 10 s budget before the
 * static fallback; the bridge behind a Xen host is ours, so conflicts are a configuration error anyway. */
#define LWIP_DHCP_DOES_ACD_CHECK 0
#define LWIP_AUTOIP 0 /* the static fallback replaces link-local addressing */
#define LWIP_DHCP_GET_NTP_SRV 1
#define LWIP_DHCP_MAX_NTP_SERVERS 1
#define LWIP_DNS 1
#define DNS_MAX_SERVERS 2
#define DNS_TABLE_SIZE 4
#define LWIP_DNS_SECURE 7 /* random query ID, random source port, no duplicate outstanding queries */

/* ---- IPv6: off by default (HEARTH_NET_IPV6 in CMake); the dom0 bridge network is IPv4 today. ---- */
#define LWIP_IPV6 HEARTH_NET_IPV6
#define LWIP_IPV6_AUTOCONFIG HEARTH_NET_IPV6
#define LWIP_IPV6_MLD HEARTH_NET_IPV6
#define LWIP_IPV6_DHCP6 0
#define IPV6_FRAG_COPYHEADER 1 /* required with 64-bit pointers (arm64, hosted) */

/* ---- UDP and TCP. ---- */
#define LWIP_UDP 1
#define LWIP_TCP 1
#define TCP_MSS 1460
#define TCP_WND (8 * TCP_MSS)     /* 11.4 KiB per connection keeps a LAN link busy without a big pool */
#define TCP_SND_BUF (8 * TCP_MSS) /* a TLS record (16 KiB) fits in two rounds */
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_LISTEN_BACKLOG 1 /* a SYN flood fills one listener's backlog, not every PCB */
/* Half-open connections per listener; a burst of clients beyond it retries its SYN a second later. */
#define TCP_DEFAULT_LISTEN_BACKLOG HEARTH_NET_LISTEN_BACKLOG
#define LWIP_TCP_KEEPALIVE 1 /* services can reap peers that vanished without a FIN */
#define TCP_QUEUE_OOSEQ 1
#define TCP_OOSEQ_MAX_PBUFS 8 /* out-of-order data cannot drain the receive pool */
#define LWIP_ALTCP 1          /* TLS (tls/) wraps connections through altcp later */
#define LWIP_ALTCP_TLS 0

/* ---- Randomness (ports, DNS IDs, DHCP xid, mDNS, SNTP). ---- */
/* netstack_rand is a fast non-cryptographic generator (sys_arch.c), reseeded from the TLS DRBG when TLS
 * starts (netstack_reseed); the TCP ISN key is drawn from it. */
#define LWIP_RANDOMIZE_INITIAL_LOCAL_PORTS 1
#define LWIP_HOOK_FILENAME "netstack_hooks.h"
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port)                                      \
    netstack_tcp_isn((local_ip), (local_port), (remote_ip), (remote_port))
/* A client reusing its port while we hold the old connection in TIME_WAIT gets through (sys_arch.c). */
/* It also records every segment that reached a PCB in the trace ring, as the out hook does for every one
 * sent (sys_arch.c); the out hook adds no options, it only looks. */
#define LWIP_HOOK_TCP_INPACKET_PCB(pcb, hdr, optlen, opt1len, opt2, p)                                       \
    netstack_tcp_inpacket((pcb), (hdr), (p))
#define LWIP_HOOK_TCP_OUT_ADD_TCPOPTS(p, hdr, pcb, opts) netstack_tcp_outpacket((p), (hdr), (pcb), (opts))

/* ---- Applications. ---- */
#define LWIP_MDNS_RESPONDER 1
#define MDNS_MAX_SERVICES 2 /* _https._tcp now; room for one more (e.g. _mqtt._tcp) */
#define LWIP_SNTP 1
#define SNTP_SERVER_DNS 1 /* ntp= may name a host */
#define SNTP_MAX_SERVERS 1
#define SNTP_GET_SERVERS_FROM_DHCP 1
#define SNTP_CHECK_RESPONSE 2 /* the reply must echo our transmit timestamp: blind spoofing fails */
#define SNTP_COMP_ROUNDTRIP 1 /* RFC 4330 offset: half the round trip is taken off */
#define SNTP_STARTUP_DELAY 0
#define SNTP_UPDATE_DELAY (60 * 60 * 1000) /* hourly; the monotonic clock carries us in between */
#define SNTP_SET_SYSTEM_TIME_NTP(sec, frac) netstack_ntp_set((sec), (frac))
#define SNTP_GET_SYSTEM_TIME_NTP(sec, frac) netstack_ntp_get(&(sec), &(frac))

/* ---- Checksums, statistics, debugging. ---- */
#define LWIP_STATS 0
#define LWIP_PROVIDE_ERRNO 0
#define LWIP_NO_CTYPE_H 1 /* lwIP's ASCII-only character classes; no locale on a unikernel */
#if HEARTH_NET_DEBUG
#define LWIP_DEBUG 1
#define LWIP_DBG_MIN_LEVEL LWIP_DBG_LEVEL_ALL
#define LWIP_DBG_TYPES_ON LWIP_DBG_ON
#define DHCP_DEBUG LWIP_DBG_ON
#define MDNS_DEBUG LWIP_DBG_ON
#define SNTP_DEBUG LWIP_DBG_ON
#define NETIF_DEBUG LWIP_DBG_ON
#endif

/* The hooks above, implemented in netstack/ntp.c; plain C types because lwIP's are not defined yet. */
#include <stdint.h>
void netstack_ntp_set(int32_t ntp_sec, uint32_t ntp_frac);
void netstack_ntp_get(int32_t *ntp_sec, uint32_t *ntp_frac);

#endif
