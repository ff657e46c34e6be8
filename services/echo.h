/* SPDX-License-Identifier: ISC */
/* The echo service (RFC 862) on TCP and UDP: a network self-check for tests and operators. */
#ifndef SERVICES_ECHO_H
#define SERVICES_ECHO_H

#include <stdint.h>

#define ECHO_PORT 7

/*
 * Starts echoing on TCP and UDP port `port` (netstack must be started). Returns 0, or the first error of
 * netstack_tcp_listen / netstack_udp_bind (-HEARTH_EADDRINUSE, -HEARTH_ENOMEM, -HEARTH_ENOTCONN).
 * Off by default (echo=1 turns it on): an open UDP echo is a traffic reflector.
 */
int echo_start(uint16_t port);

#endif
