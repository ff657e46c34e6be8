/* SPDX-License-Identifier: ISC */
/* TCP for services without lwIP types: listen or connect, receive by callback with back-pressure, write,
 * close. */
#ifndef NETSTACK_TCP_H
#define NETSTACK_TCP_H

#include <stddef.h>
#include <stdint.h>

struct netstack_tcp; /* one connection; owned by netstack, valid until closed() or netstack_tcp_close */

/* What a service does with its connections (listened for or made). All callbacks run on the event loop. */
struct netstack_tcp_ops {
    /*
     * A connection arrived on the listener. Return 0 to take it (setting *conn_arg, handed to the other
     * callbacks) or a negative -HEARTH_E* code to refuse it (the peer gets a reset). Optional.
     */
    int (*accept)(struct netstack_tcp *c, void *listen_arg, void **conn_arg);
    /*
     * In-order bytes arrived. Return how many were consumed (0..len). The rest is kept and offered again
     * (with any newer bytes after it) once written data is acknowledged, new data arrives, or the
     * periodic poll runs; the peer's window only reopens for consumed bytes, so this is back-pressure.
     * data is only valid during the call. Required.
     */
    size_t (*recv)(struct netstack_tcp *c, const uint8_t *data, size_t len, void *conn_arg);
    /*
     * The last callback for c. err 0: the peer closed its side and every byte was consumed; netstack then
     * closes ours, still delivering what was written. err < 0 (-HEARTH_ECONNRESET, -HEARTH_ECONNABORTED,
     * -HEARTH_ETIMEDOUT ...): the connection failed and unsent data is lost. Optional.
     */
    void (*closed)(struct netstack_tcp *c, int err, void *conn_arg);
    /* Sent data was acknowledged, so netstack_tcp_writable may have grown. Optional. */
    void (*sent)(struct netstack_tcp *c, void *conn_arg);
    /*
     * For netstack_tcp_connect only (required there): called exactly once, never from inside
     * netstack_tcp_connect. err 0: established, the other callbacks follow. err < 0: it failed
     * (-HEARTH_ECONNREFUSED when the peer reset it, -HEARTH_ETIMEDOUT, -HEARTH_EHOSTUNREACH ...), c is
     * invalid and closed() is not called.
     */
    void (*connected)(struct netstack_tcp *c, int err, void *conn_arg);
};

/*
 * Listens on port (all addresses). ops and listen_arg must stay valid for the program's life.
 * Returns 0, -HEARTH_EADDRINUSE if the port is taken, -HEARTH_ENOMEM when no listener is left,
 * -HEARTH_EINVAL for port 0 or ops without recv, -HEARTH_ENOTCONN if netstack is not started.
 */
int netstack_tcp_listen(uint16_t port, const struct netstack_tcp_ops *ops, void *listen_arg);

/* The connection's id in trace events (services/trace.h), carried up by the streams over it; 0 for NULL. */
uint32_t netstack_tcp_trace_id(const struct netstack_tcp *c);

/*
 * Opens a connection to the IPv4 address addr (4 bytes, network order) and port, giving up after
 * timeout_ns (0: lwIP's own SYN retries, about a minute). ops (with recv and connected) and conn_arg
 * must stay valid until the connection ends; *out (may be NULL) gets the connection, which
 * netstack_tcp_close cancels before connected() ran (then no callback follows).
 * Returns 0 (ops->connected follows), -HEARTH_EINVAL (port 0, missing ops), -HEARTH_ENOTCONN (netstack not
 * started or no address yet), -HEARTH_ENOMEM (no connection or timer left), or lwIP's routing errors
 * (-HEARTH_EHOSTUNREACH).
 */
int netstack_tcp_connect(const uint8_t addr[4], uint16_t port, uint64_t timeout_ns,
                         const struct netstack_tcp_ops *ops, void *conn_arg, struct netstack_tcp **out);

/* Bytes netstack_tcp_write would accept right now (the send buffer's free space). */
size_t netstack_tcp_writable(const struct netstack_tcp *c);

/*
 * Copies up to len bytes of data into the send buffer and starts sending. Returns the number of bytes
 * taken (0 when the buffer is full: retry from recv or after acknowledgements), or -HEARTH_ENOTCONN if
 * the connection is closing, -HEARTH_ENOMEM if lwIP ran out of segments.
 */
int netstack_tcp_write(struct netstack_tcp *c, const void *data, size_t len);

/*
 * Copies the peer's address into addr (network byte order) and returns its length: 4 for IPv4, 16 for
 * IPv6, 0 if c is no longer connected.
 */
int netstack_tcp_peer(const struct netstack_tcp *c, uint8_t addr[16]);

/*
 * Closes the connection: bytes already written are still delivered, then FIN. Unconsumed received data
 * is discarded. closed() is not called for a close asked for here, and c is invalid afterwards (even
 * when called from inside a callback for c).
 */
void netstack_tcp_close(struct netstack_tcp *c);

#endif
