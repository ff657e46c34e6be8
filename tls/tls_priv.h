/* SPDX-License-Identifier: ISC */
/* Shared between tls.c and tls_stream.c only: the server configuration and the stream engine's start. */
#ifndef TLS_PRIV_H
#define TLS_PRIV_H

#include <hearth/stream.h>
#include <hearth_config.h>
#include <mbedtls/ssl.h>
#include <stdint.h>

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

/* ---- The client side: tls_client.c configures, tls_stream.c runs the connection. ---- */

struct tls_client; /* one outbound connection's configuration and verification state (tls_client.c) */

/*
 * Connects to addr:port and runs a client handshake with conf; sni (NULL: none) is sent as the server
 * name and checked against the certificate by Mbed TLS. The connection counts against
 * TLS_MAX_CONNECTIONS. Once the handshake ended, successfully or not, or timeout_ns passed, calls
 * tls_client_done(cl, stream or NULL, err); when the connection's slot is freed (after that, or before
 * on an immediate error return) tls_client_release(cl). Returns 0, -HEARTH_ENOTCONN before tls_start,
 * -HEARTH_ENOMEM (no slot), or netstack_tcp_connect's errors (then neither callback runs).
 */
int tls_stream_connect(const uint8_t addr[4], uint16_t port, const mbedtls_ssl_config *conf, const char *sni,
                       uint64_t timeout_ns, struct tls_client *cl);

/* Called by tls_stream.c: the handshake's outcome (ssl NULL when TCP failed before it), see above.
 * Returns the error to report (a handshake error is translated and logged here). */
int tls_client_result(struct tls_client *cl, const mbedtls_ssl_context *ssl, int err, int mbedtls_err);
void tls_client_done(struct tls_client *cl, struct hearth_stream *s, int err);
void tls_client_release(struct tls_client *cl);

#endif
