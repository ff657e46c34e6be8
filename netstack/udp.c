/* SPDX-License-Identifier: ISC */
/* The services' UDP API over lwIP's raw PCBs: unicast datagrams in by callback, copies out. */
#include "udp.h"

#include "netstack_priv.h"

#include <hearth/err.h>
#include <lwip/ip.h>
#include <lwip/udp.h>
#include <string.h>

#define UDP_BINDINGS 4

struct netstack_udp {
    struct udp_pcb *pcb; /* NULL: the entry is free */
    netstack_udp_recv_fn fn;
    void *arg;
};

static struct netstack_udp bindings[UDP_BINDINGS];

static void on_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    /* Datagrams spread over several pbufs (reassembled ones) are joined here; one loop, no re-entry. */
    static uint8_t joined[NETSTACK_UDP_MAX];
    struct netstack_udp *u = arg;
    struct netstack_endpoint from;
    const uint8_t *data = p->payload;
    (void)pcb;

    /* Only datagrams addressed to us: answering broadcasts or multicasts would let one forged packet
     * make the service reply to a whole subnet. */
    if (!IP_IS_V4(addr) || p->tot_len > NETSTACK_UDP_MAX)
        goto out;
    const ip4_addr_t *dst = ip4_current_dest_addr();
    if (ip4_addr_ismulticast(dst) || ip4_addr_isbroadcast(dst, ip_current_input_netif()))
        goto out;
    if (p->len != p->tot_len) {
        pbuf_copy_partial(p, joined, p->tot_len, 0);
        data = joined;
    }
    memcpy(from.addr, &ip_2_ip4(addr)->addr, 4);
    from.port = port;
    u->fn(u, data, p->tot_len, &from, u->arg);
out:
    pbuf_free(p);
}

int netstack_udp_bind(uint16_t port, netstack_udp_recv_fn fn, void *arg, struct netstack_udp **out)
{
    struct netstack_udp *u = NULL;
    err_t err;

    if (port == 0 || !fn)
        return -HEARTH_EINVAL;
    if (!netstack_running())
        return -HEARTH_ENOTCONN;
    for (unsigned i = 0; i < UDP_BINDINGS && !u; i++) {
        if (!bindings[i].pcb)
            u = &bindings[i];
    }
    if (!u)
        return -HEARTH_ENOMEM;
    struct udp_pcb *pcb = udp_new_ip_type(IPADDR_TYPE_ANY);
    if (!pcb)
        return -HEARTH_ENOMEM;
    err = udp_bind(pcb, IP_ANY_TYPE, port);
    if (err != ERR_OK) {
        udp_remove(pcb);
        return netstack_err(err);
    }
    *u = (struct netstack_udp){.pcb = pcb, .fn = fn, .arg = arg};
    udp_recv(pcb, on_recv, u);
    *out = u;
    return 0;
}

int netstack_udp_send(struct netstack_udp *u, const void *data, size_t len,
                      const struct netstack_endpoint *to)
{
    ip_addr_t dst;
    int rc;

    if (len > NETSTACK_UDP_MAX)
        return -HEARTH_EINVAL;
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
    if (!p)
        return -HEARTH_ENOMEM;
    memcpy(p->payload, data, len);
    IP_ADDR4(&dst, to->addr[0], to->addr[1], to->addr[2], to->addr[3]);
    rc = netstack_err(udp_sendto(u->pcb, p, &dst, to->port));
    pbuf_free(p);
    return rc;
}
