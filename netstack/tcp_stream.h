/* SPDX-License-Identifier: ISC */
/* Plain TCP listeners and outbound connections that hand each connection to a service as a hearth_stream. */
#ifndef NETSTACK_TCP_STREAM_H
#define NETSTACK_TCP_STREAM_H

#include <hearth/stream.h>
#include <stdint.h>

/*
 * Listens on port and calls accept for each connection with a fresh stream. accept and listen_arg
 * must stay valid for the program's life. Returns 0 or netstack_tcp_listen's errors.
 */
int tcp_stream_listen(uint16_t port, hearth_stream_accept_fn accept, void *listen_arg);

/*
 * Connects to addr (IPv4, network order):port and calls done with the stream, or with an error
 * (netstack_tcp_connect's connected() codes) when it failed or took longer than timeout_ns. done and arg
 * must stay valid until done ran. Returns 0 (done follows, never from inside this call), or
 * netstack_tcp_connect's errors (-HEARTH_ENOMEM also when no stream is free).
 */
int tcp_stream_connect(const uint8_t addr[4], uint16_t port, uint64_t timeout_ns,
                       hearth_stream_connect_fn done, void *arg);

#endif
