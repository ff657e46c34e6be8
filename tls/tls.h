/* SPDX-License-Identifier: ISC */
/* TLS for services: start it once (entropy, device identity), then listen like plain TCP with tls_listen. */
#ifndef TLS_TLS_H
#define TLS_TLS_H

#include <hearth/stream.h>
#include <stddef.h>
#include <stdint.h>

struct loop;

/*
 * Seeds the random generator and loads (or on first boot creates) the device identity. Boot arguments:
 * blkdev=<name> is the block device holding the key slots (default "0", the first Xen vbd; a file path
 * when hosted); tls.printcert=1 prints the certificate as PEM on the console. ipv4 ("a.b.c.d" or NULL)
 * goes into a new certificate's subjectAltName. wall_ns is the wall clock to use (NULL: the platform's).
 * loop runs the handshake timeouts and must outlive TLS.
 *
 * Logs "tls: device certificate SHA-256 fingerprint AA:BB:..." on success, and a line saying why on
 * failure. Fails closed: without a hardware random source and without seed storage, TLS stays off.
 * Returns 0, -HEARTH_ENOTSUP (no usable entropy), -HEARTH_EIO (health test, key generation or storage
 * failed), -HEARTH_ENOMEM, or -HEARTH_EBUSY if already started.
 */
int tls_start(struct loop *loop, const char *cmdline, const char *ipv4, int (*wall_ns)(int64_t *unix_ns));

/*
 * Listens on port with TLS 1.3 and 1.2. accept is called for each connection once its handshake has
 * completed, with a stream whose bytes are the plaintext (s->secure is 1). Connections beyond the fixed
 * budget (TLS_MAX_CONNECTIONS) are refused with a TCP reset; handshakes that take longer than 10 s are
 * dropped. A stream's on_closed gets 0 only after the peer's close_notify; a bare TCP FIN (possible
 * truncation) is -HEARTH_ECONNRESET, a TLS failure -HEARTH_ECONNABORTED. Plaintext is offered in pieces
 * of at most 4 KiB. accept and listen_arg must stay valid for the program's life.
 * Returns 0, -HEARTH_ENOTCONN before tls_start succeeded, or netstack_tcp_listen's errors.
 */
int tls_listen(uint16_t port, hearth_stream_accept_fn accept, void *listen_arg);

/*
 * Fills buf with len bytes from the TLS random generator (a DRBG over the fail-closed entropy), for other
 * layers' secrets such as TCP sequence-number keys. Returns 0, or -HEARTH_ENOTCONN before tls_start
 * succeeded, or -HEARTH_EIO if the generator failed.
 */
int tls_random(void *buf, size_t len);

/* The certificate's SHA-256 fingerprint as "AA:BB:...", or NULL before tls_start succeeded. */
const char *tls_fingerprint(void);

/*
 * Writes the device certificate as PEM into buf (cap bytes, NUL-terminated; 1 KiB suffices).
 * Returns the length, -HEARTH_ENOTCONN before tls_start succeeded, or -HEARTH_ERANGE.
 */
int tls_certificate_pem(char *buf, size_t cap);

#endif
