# SPDX-License-Identifier: ISC
# Builds lwIP (core, IPv4, optional IPv6, DHCP/DNS/mDNS/SNTP, altcp) from the pinned source as `lwip`.
#
# The file list is curated here rather than taken from lwIP's Filelists.cmake: that file writes into the
# source tree, looks for Doxygen and defines targets we do not want. The configuration lives in
# netstack/lwipopts.h and netstack/arch/cc.h, which every lwIP file includes.
file(GLOB HEARTH_LWIP_DIR LIST_DIRECTORIES true ${HEARTH_THIRD_PARTY}/lwip-*)
if(NOT HEARTH_LWIP_DIR OR NOT EXISTS ${HEARTH_LWIP_DIR}/src/core/init.c)
  message(FATAL_ERROR "lwIP source missing: run ./hearth setup")
endif()
option(HEARTH_NET_IPV6 "lwIP: build IPv6 (SLAAC, MLD, ND) next to IPv4" OFF)
option(HEARTH_NET_DEBUG "lwIP: enable LWIP_DEBUG diagnostics on the console" OFF)

set(LWIP_SRC ${HEARTH_LWIP_DIR}/src)
set(HEARTH_LWIP_SOURCES
  # Core: memory, pbufs, netif, timeouts, UDP, TCP and the altcp wrapper that TLS will plug into.
  ${LWIP_SRC}/core/init.c ${LWIP_SRC}/core/def.c ${LWIP_SRC}/core/dns.c ${LWIP_SRC}/core/inet_chksum.c
  ${LWIP_SRC}/core/ip.c ${LWIP_SRC}/core/mem.c ${LWIP_SRC}/core/memp.c ${LWIP_SRC}/core/netif.c
  ${LWIP_SRC}/core/pbuf.c ${LWIP_SRC}/core/raw.c ${LWIP_SRC}/core/stats.c ${LWIP_SRC}/core/sys.c
  ${LWIP_SRC}/core/altcp.c ${LWIP_SRC}/core/altcp_alloc.c ${LWIP_SRC}/core/altcp_tcp.c
  ${LWIP_SRC}/core/tcp.c ${LWIP_SRC}/core/tcp_in.c ${LWIP_SRC}/core/tcp_out.c
  ${LWIP_SRC}/core/timeouts.c ${LWIP_SRC}/core/udp.c
  # IPv4 with ARP, ICMP, IGMP (mDNS needs it), fragmentation and DHCP.
  ${LWIP_SRC}/core/ipv4/acd.c ${LWIP_SRC}/core/ipv4/autoip.c ${LWIP_SRC}/core/ipv4/dhcp.c
  ${LWIP_SRC}/core/ipv4/etharp.c ${LWIP_SRC}/core/ipv4/icmp.c ${LWIP_SRC}/core/ipv4/igmp.c
  ${LWIP_SRC}/core/ipv4/ip4_frag.c ${LWIP_SRC}/core/ipv4/ip4.c ${LWIP_SRC}/core/ipv4/ip4_addr.c
  # IPv6: always compiled, empty unless HEARTH_NET_IPV6 turns LWIP_IPV6 on.
  ${LWIP_SRC}/core/ipv6/dhcp6.c ${LWIP_SRC}/core/ipv6/ethip6.c ${LWIP_SRC}/core/ipv6/icmp6.c
  ${LWIP_SRC}/core/ipv6/inet6.c ${LWIP_SRC}/core/ipv6/ip6.c ${LWIP_SRC}/core/ipv6/ip6_addr.c
  ${LWIP_SRC}/core/ipv6/ip6_frag.c ${LWIP_SRC}/core/ipv6/mld6.c ${LWIP_SRC}/core/ipv6/nd6.c
  # Ethernet framing, and lwIP's err_t names (used only for diagnostics).
  ${LWIP_SRC}/netif/ethernet.c ${LWIP_SRC}/api/err.c
  # Applications: mDNS responder and SNTP client.
  ${LWIP_SRC}/apps/mdns/mdns.c ${LWIP_SRC}/apps/mdns/mdns_out.c ${LWIP_SRC}/apps/mdns/mdns_domain.c
  ${LWIP_SRC}/apps/sntp/sntp.c)

add_library(lwip STATIC ${HEARTH_LWIP_SOURCES})
# netstack/ first: it holds lwipopts.h and arch/cc.h, which lwIP's own headers include by those names.
target_include_directories(lwip SYSTEM PUBLIC ${CMAKE_SOURCE_DIR}/netstack ${LWIP_SRC}/include)
target_compile_definitions(lwip PUBLIC HEARTH_NET_IPV6=$<BOOL:${HEARTH_NET_IPV6}>
                           HEARTH_NET_DEBUG=$<BOOL:${HEARTH_NET_DEBUG}>)
# lwipopts.h and cc.h declare hooks (assert, rand, diag, SNTP clock) with the contracts' types.
target_link_libraries(lwip PUBLIC hearth_contracts)
# Third-party code keeps its own warnings out of our -Werror; our glue in netstack/ gets full warnings.
target_compile_options(lwip PRIVATE -w)
