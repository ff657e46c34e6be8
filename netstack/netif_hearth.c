/* SPDX-License-Identifier: ISC */
/* The lwIP netif over hearth/net.h: linkoutput copies to hearth_net_write, polling feeds netif->input. */
#include "netif_hearth.h"

#include "trace.h"

#include <hearth/err.h>
#include <lwip/etharp.h>
#include <lwip/ethip6.h>
#include <lwip/igmp.h>
#include <lwip/pbuf.h>
#include <lwip/snmp.h>
#include <netif/ethernet.h>
#include <string.h>

/* Link state is polled, not signalled, so a backend reconnect is noticed within this period. */
#define LINK_CHECK_NS 500000000ull
#define ETH_HEADER_LEN 14

/*
 * The TCP port of the far end of a frame (its source port when received, its destination when sent), or 0
 * for anything but TCP over IPv4 or IPv6 without extension headers. It lets a trace tie frames, which
 * know no connection, to the connection with that peer port. Reads only within len.
 */
static int32_t frame_tcp_peer_port(const uint8_t *f, size_t len, int received)
{
    size_t l4;
    if (len < ETH_HEADER_LEN + 20)
        return 0;
    unsigned type = (unsigned)f[12] << 8 | f[13];
    if (type == 0x0800 && (f[14] >> 4) == 4 && f[23] == 6) {
        l4 = ETH_HEADER_LEN + (size_t)(f[14] & 0x0f) * 4u;
    } else if (type == 0x86dd && len >= ETH_HEADER_LEN + 40 && f[20] == 6) {
        l4 = ETH_HEADER_LEN + 40;
    } else {
        return 0;
    }
    if (len < l4 + 4)
        return 0;
    const uint8_t *port = f + l4 + (received ? 0 : 2);
    return (int32_t)((unsigned)port[0] << 8 | port[1]);
}

static err_t linkoutput(struct netif *netif, struct pbuf *p)
{
    /* Static, not on the stack: linkoutput runs deep inside TCP input, and never re-enters itself. */
    static uint8_t frame[HEARTH_NET_MAX_FRAME];
    struct netif_hearth *nh = netif->state;
    const void *data = p->payload;

    if (p->tot_len > sizeof(frame)) {
        nh->tx_dropped++;
        return ERR_BUF;
    }
    /* The device contract takes one contiguous buffer; chained pbufs (headers + TCP data) are joined. */
    if (p->next) {
        pbuf_copy_partial(p, frame, p->tot_len, 0);
        data = frame;
    }
    trace_instant(TRACE_FRAME_TX, 0, p->tot_len, frame_tcp_peer_port(data, p->tot_len, 0));
    int rc = hearth_net_write(nh->dev, data, p->tot_len);
    if (rc < 0) {
        nh->tx_dropped++;
        /* A full ring is transient: TCP retransmits, and ERR_WOULDBLOCK keeps the segment queued. */
        return rc == -HEARTH_EAGAIN ? ERR_WOULDBLOCK : ERR_IF;
    }
    nh->tx_frames++;
    return ERR_OK;
}

#if LWIP_IGMP
/* The device contract delivers every frame for our MAC and all multicast, so joining needs no filter. */
static err_t igmp_filter(struct netif *netif, const ip4_addr_t *group, enum netif_mac_filter_action action)
{
    (void)netif;
    (void)group;
    (void)action;
    return ERR_OK;
}
#endif

err_t netif_hearth_init(struct netif *netif)
{
    struct netif_hearth *nh = netif->state;
    struct hearth_net_info info;

    hearth_net_info(nh->dev, &info);
    netif->name[0] = 'h';
    netif->name[1] = 'n';
    netif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(netif->hwaddr, info.mac, ETH_HWADDR_LEN);
    netif->mtu = (u16_t)(info.mtu > 1500 ? 1500 : info.mtu);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_IGMP;
    netif->output = etharp_output;
    netif->linkoutput = linkoutput;
#if LWIP_IGMP
    netif_set_igmp_mac_filter(netif, igmp_filter);
#endif
#if LWIP_IPV6
    netif->output_ip6 = ethip6_output;
    netif->flags |= NETIF_FLAG_MLD6;
#endif
    nh->next_link_check_ns = 0;
    nh->rx_frames = nh->rx_dropped = nh->tx_frames = nh->tx_dropped = 0;
    return ERR_OK;
}

static void check_link(struct netif_hearth *nh, uint64_t now_ns)
{
    struct hearth_net_info info;
    if (now_ns < nh->next_link_check_ns)
        return;
    nh->next_link_check_ns = now_ns + LINK_CHECK_NS;
    hearth_net_info(nh->dev, &info);
    if (info.link_up && !netif_is_link_up(&nh->netif))
        netif_set_link_up(&nh->netif);
    else if (!info.link_up && netif_is_link_up(&nh->netif))
        netif_set_link_down(&nh->netif);
}

/* Reads one frame straight into a pool pbuf. Returns 1 if a frame was read (or dropped), 0 if none. */
static int read_one(struct netif_hearth *nh)
{
    /* One pool buffer holds a whole frame (PBUF_POOL_BUFSIZE >= 1514), so the read needs no bounce copy;
     * with a smaller pool size the pbuf would be a chain and we fall back to a bounce buffer. */
    static uint8_t bounce[HEARTH_NET_MAX_FRAME];
    struct pbuf *p = pbuf_alloc(PBUF_RAW, HEARTH_NET_MAX_FRAME, PBUF_POOL);
    int n;

    if (!p) {
        /* Out of receive buffers: drain the frame anyway, or one stuck frame would stall the device. */
        n = hearth_net_read(nh->dev, bounce, sizeof(bounce));
        if (n == 0)
            return 0;
        nh->rx_dropped++;
        return 1;
    }
    n = hearth_net_read(nh->dev, p->next ? bounce : p->payload, HEARTH_NET_MAX_FRAME);
    if (n <= 0) {
        pbuf_free(p);
        if (n == 0)
            return 0;
        nh->rx_dropped++; /* -HEARTH_EOVERFLOW: longer than Ethernet allows, already discarded */
        return 1;
    }
    if (n < ETH_HEADER_LEN) {
        pbuf_free(p);
        nh->rx_dropped++;
        return 1;
    }
    const uint8_t *frame = p->next ? bounce : p->payload;
    /* A span: everything this frame causes (TCP, TLS, HTTP, the frames sent in reply) nests inside it. */
    trace_begin(TRACE_FRAME_RX, 0, n, frame_tcp_peer_port(frame, (size_t)n, 1));
    if (p->next)
        pbuf_take(p, bounce, (u16_t)n);
    pbuf_realloc(p, (u16_t)n);
    err_t err = nh->netif.input(p, &nh->netif);
    trace_end(TRACE_FRAME_RX, 0, n, 0);
    if (err != ERR_OK) {
        pbuf_free(p);
        nh->rx_dropped++;
        return 1;
    }
    nh->rx_frames++;
    return 1;
}

unsigned netif_hearth_poll(struct netif_hearth *nh, unsigned budget, uint64_t now_ns)
{
    unsigned done = 0;
    check_link(nh, now_ns);
    while (done < budget && read_one(nh))
        done++;
    return done;
}
