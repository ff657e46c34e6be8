/* SPDX-License-Identifier: ISC */
/* Outbound TLS: a client connection to a server verified against a pinned CA or a pinned certificate. */
#ifndef TLS_TLS_CLIENT_H
#define TLS_TLS_CLIENT_H

#include <hearth/stream.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_CLIENT_MAX 4 /* outbound connections at once (each also takes a TLS_MAX_CONNECTIONS slot) */
#define TLS_CLIENT_HOST_MAX 253 /* the longest DNS name */

struct tls_client_opts {
    /*
     * The server's name as the URL gave it: a DNS name is sent as SNI and must match the certificate's
     * subjectAltName (or CN when it has none); a dotted IPv4 address sends no SNI and must be one of the
     * certificate's IP subjectAltNames. Required.
     */
    const char *host;
    /*
     * Trust: exactly one of the two. ca_pem: one or more PEM certificates (NUL-terminated), the only
     * trust anchors; the chain, dates (against tls_time_best) and name are verified. pin_sha256: the
     * SHA-256 of the server's leaf certificate (DER, 32 bytes); the exact certificate replaces the chain,
     * date and name checks.
     */
    const char *ca_pem;
    const uint8_t *pin_sha256;
};

/*
 * Connects to addr (IPv4, network order):port, runs a TLS 1.3 or 1.2 handshake and verifies the server
 * as opts says, all within timeout_ns. Then calls done with a stream of plaintext (s->secure is 1; set
 * its handler inside done), or with NULL and -HEARTH_EKEYREJECTED (verification failed: the console
 * says why, e.g. "not signed by the pinned CA", "name mismatch", "pin mismatch"), -HEARTH_ETIMEDOUT,
 * -HEARTH_ECONNREFUSED, -HEARTH_ECONNRESET, -HEARTH_ECONNABORTED (other TLS failure, logged with Mbed
 * TLS's code). The stream behaves as tls_listen's (close_notify on close; on_closed 0 only after the
 * server's close_notify). done never runs inside this call. opts' strings are copied.
 * Returns 0 (done follows), -HEARTH_EINVAL (no host, not exactly one of ca_pem and pin_sha256, host too
 * long), -HEARTH_EBADMSG (ca_pem has no usable certificate), -HEARTH_ENOMEM (all TLS_CLIENT_MAX in use),
 * -HEARTH_ENOTCONN (TLS or the network not started), or netstack_tcp_connect's errors.
 */
int tls_connect(const uint8_t addr[4], uint16_t port, const struct tls_client_opts *opts, uint64_t timeout_ns,
                hearth_stream_connect_fn done, void *arg);

#endif
