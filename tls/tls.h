/* SPDX-License-Identifier: ISC */
/* TLS for services: start it once (entropy, device identity), then listen like plain TCP with tls_listen. */
#ifndef TLS_TLS_H
#define TLS_TLS_H

#include <hearth/stream.h>
#include <stddef.h>
#include <stdint.h>

struct loop;

/*
 * Seeds the random generator and loads (or on first boot creates) the device identity: a long-term key
 * and a certificate for it valid 397 days, re-issued from the same key when it is not valid for the
 * best-known time (tls_time_best: the wall clock, the last time written to the key slots, the build date)
 * or expires within 60 days; checked every 10 s and on tls_clock_changed. Boot arguments:
 * blkdev=<name> is the block device holding the key slots (default "0", the first Xen vbd; a file path
 * when hosted); tls.printcert=1 prints the certificate as PEM on the console. ipv4 ("a.b.c.d" or NULL)
 * goes into a new certificate's subjectAltName. wall_ns is the wall clock to use (NULL: the platform's).
 * loop runs the handshake timeouts and must outlive TLS.
 *
 * Logs "tls: device key SHA-256 SPKI pin AA:BB:..." (what clients should pin: it survives renewals) and
 * "tls: device certificate SHA-256 fingerprint AA:BB:..." (again after each renewal) on success, and a
 * line saying why on failure. Fails closed: without a hardware random source and without seed storage, TLS
 * stays off. Returns 0, -HEARTH_ENOTSUP (no usable entropy), -HEARTH_EIO (health test, key generation or
 * storage failed), -HEARTH_ENOMEM, or -HEARTH_EBUSY if already started.
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

/* The current certificate's SHA-256 fingerprint as "AA:BB:...", or NULL before tls_start succeeded. */
const char *tls_fingerprint(void);

/* The SHA-256 of the device key's SubjectPublicKeyInfo as "AA:BB:...", or NULL before tls_start succeeded. */
const char *tls_spki_pin(void);

/*
 * The wall clock was set or stepped (SNTP): re-checks the certificate against the new time at once (a
 * certificate issued for the build date is replaced when SNTP says it is later) and writes the time
 * down. No-op before tls_start succeeded.
 */
void tls_clock_changed(void);

/*
 * The device's current CRL (DER, empty, signed by the device key, valid 7 days, re-made daily), which
 * the certificate's CRL Distribution Point names (http://hearth.local/crl.der). *der points into TLS's
 * own buffer, valid until the next call. Returns 0, -HEARTH_ENOTCONN before tls_start succeeded, or
 * tls_crl_write's errors.
 */
int tls_crl(const uint8_t **der, size_t *len);

/*
 * Writes the device certificate as PEM into buf (cap bytes, NUL-terminated; 1 KiB suffices).
 * Returns the length, -HEARTH_ENOTCONN before tls_start succeeded, or -HEARTH_ERANGE.
 */
int tls_certificate_pem(char *buf, size_t cap);

#endif
