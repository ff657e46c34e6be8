/* SPDX-License-Identifier: ISC */
/* Plain TCP listeners that hand each connection to a service as a hearth_stream. */
#ifndef NETSTACK_TCP_STREAM_H
#define NETSTACK_TCP_STREAM_H

#include <hearth/stream.h>
#include <stdint.h>

/*
 * Listens on port and calls accept for each connection with a fresh stream. accept and listen_arg
 * must stay valid for the program's life. Returns 0 or netstack_tcp_listen's errors.
 */
int tcp_stream_listen(uint16_t port, hearth_stream_accept_fn accept, void *listen_arg);

#endif
