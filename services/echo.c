/* SPDX-License-Identifier: ISC */
/* Echo (RFC 862) through netstack's callback API, which keeps lwIP types out of services/. */
#include "echo.h"

#include "log.h"
#include "tcp.h"
#include "udp.h"

#include <hearth/err.h>

/* TCP: write back as much as the send buffer takes; the rest waits in netstack (back-pressure). */
static size_t echo_recv(struct netstack_tcp *c, const uint8_t *data, size_t len, void *arg)
{
    (void)arg;
    int n = netstack_tcp_write(c, data, len);
    if (n < 0) {
        netstack_tcp_close(c);
        return 0;
    }
    return (size_t)n;
}

static const struct netstack_tcp_ops echo_tcp_ops = {.recv = echo_recv};

/*
 * UDP: reply to the sender. Datagrams from privileged ports are ignored: a forged source of another
 * small service (echo, chargen, DNS, NTP on ports below 1024) would otherwise start an endless ping-pong.
 */
static void echo_datagram(struct netstack_udp *u, const uint8_t *data, size_t len,
                          const struct netstack_endpoint *from, void *arg)
{
    (void)arg;
    if (from->port < 1024)
        return;
    (void)netstack_udp_send(u, data, len, from);
}

int echo_start(uint16_t port)
{
    struct netstack_udp *u;
    int rc = netstack_tcp_listen(port, &echo_tcp_ops, NULL);
    if (rc == 0)
        rc = netstack_udp_bind(port, echo_datagram, NULL, &u);
    if (rc < 0) {
        log_line("echo: not started (%s)", hearth_strerror(rc));
        return rc;
    }
    log_line("echo: listening on tcp/%u and udp/%u", (unsigned)port, (unsigned)port);
    return 0;
}
