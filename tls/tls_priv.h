/* SPDX-License-Identifier: ISC */
/* Shared between tls.c and tls_stream.c only: the server configuration and the stream engine's start. */
#ifndef TLS_PRIV_H
#define TLS_PRIV_H

#include <hearth_config.h>
#include <mbedtls/ssl.h>

struct loop;

/*
 * Concurrent TLS connections (handshaking or open), a board setting. Each costs ~30 KiB while open: Mbed
 * TLS's record buffers (16.0 KiB in, 4.0 KiB out) and context (~1 KiB, heap), plus 8 KiB of ours
 * (plaintext and ciphertext overflow, static, so the budget is paid in .bss); the handshake adds a few KiB
 * until it ends. 8 fit a 16 MiB domU easily; the hosted board takes hundreds for load tests.
 */
#define TLS_MAX_CONNECTIONS HEARTH_TLS_MAX_CONNS

/* The server configuration, or NULL before tls_start succeeded. */
const mbedtls_ssl_config *tls_server_config(void);

/* Starts the handshake-timeout sweep on loop. */
void tls_stream_init(struct loop *loop);

#endif
