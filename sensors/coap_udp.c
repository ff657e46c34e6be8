/* SPDX-License-Identifier: ISC */
/* The CoAP server on a UDP port of the network stack: datagrams in, replies out through the same port. */
#include "coap_server.h"

static void on_datagram(struct netstack_udp *u, const uint8_t *data, size_t len,
                        const struct netstack_endpoint *from, void *arg)
{
    (void)u;
    coap_server_input(arg, data, len, from);
}

static int send_udp(void *arg, const uint8_t *data, size_t len, const struct netstack_endpoint *to)
{
    return netstack_udp_send(arg, data, len, to);
}

int coap_server_listen(struct coap_server *s, uint16_t port)
{
    struct netstack_udp *u;
    int rc = netstack_udp_bind(port, on_datagram, s, &u);
    if (rc < 0)
        return rc;
    s->send = send_udp;
    s->send_arg = u;
    return 0;
}
