/* SPDX-License-Identifier: ISC */
/* The services' TCP API over lwIP's raw callbacks: a fixed pool of connections, consume-what-you-can. */
#include "tcp.h"

#include "netstack.h"
#include "netstack_priv.h"
#include "trace.h"

#include <hearth/err.h>
#include <lwip/tcp.h>
#include <lwip/timeouts.h>
#include <stdbool.h>
#include <string.h>

/* One entry per lwIP PCB is enough: a connection never outlives its PCB. */
#define TCP_CONNS MEMP_NUM_TCP_PCB
#define TCP_LISTENERS MEMP_NUM_TCP_PCB_LISTEN
#define POLL_INTERVAL 4 /* lwIP's coarse timer ticks (500 ms): the re-offer safety net runs every 2 s */

struct netstack_tcp {
    struct tcp_pcb *pcb; /* NULL: the entry is free */
    const struct netstack_tcp_ops *ops;
    void *arg;
    struct pbuf *pending; /* received, not yet consumed; its bytes are not yet tcp_recved */
    bool peer_closed;     /* FIN seen */
    bool close_asked;     /* netstack_tcp_close during a callback: done when the callback returns */
    bool connecting;      /* netstack_tcp_connect's handshake is under way (its timer is armed) */
    bool timed_out;       /* that timer fired: the abort it caused is reported as a timeout */
    unsigned depth;       /* nesting of our callbacks into the service */
    uint32_t trace_id;    /* correlates this connection's events across layers (services/trace.h) */
};

struct listener {
    struct tcp_pcb *pcb;
    const struct netstack_tcp_ops *ops;
    void *arg;
};

static struct netstack_tcp conns[TCP_CONNS];
static struct listener listeners[TCP_LISTENERS];

static void connect_timeout(void *arg);

/* Detaches c from its PCB and closes it gracefully (a reset if lwIP has no memory for the FIN).
 * Returns ERR_ABRT when the PCB was aborted, which lwIP needs to hear from the callback that did it. */
static err_t finish(struct netstack_tcp *c)
{
    struct tcp_pcb *pcb = c->pcb;
    err_t ret = ERR_OK;

    if (c->connecting)
        sys_untimeout(connect_timeout, c);
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    tcp_poll(pcb, NULL, 0);
    trace_instant(TRACE_TCP_CLOSE, c->trace_id, 0, 0);
    /* Reopen the window for what we never consumed, or lwIP answers our close with a reset. */
    if (c->pending) {
        tcp_recved(pcb, c->pending->tot_len);
        pbuf_free(c->pending);
    }
    if (tcp_close(pcb) != ERR_OK) {
        tcp_abort(pcb);
        ret = ERR_ABRT;
    }
    *c = (struct netstack_tcp){0};
    return ret;
}

/* Offers pending bytes to the service until it stops consuming, then acts on a close from either side. */
static err_t deliver(struct netstack_tcp *c)
{
    c->depth++;
    while (c->pending && !c->close_asked) {
        if (c->pending->tot_len == 0) {
            pbuf_free(c->pending); /* only emptied header pbufs were left */
            c->pending = NULL;
            break;
        }
        struct pbuf *q = c->pending;
        while (q->len == 0)
            q = q->next; /* lwIP may leave an emptied header pbuf at the front of a chain */
        size_t n = c->ops->recv(c, q->payload, q->len, c->arg);
        if (n == 0)
            break;
        if (n > q->len)
            n = q->len;
        /* Frees the pbufs in front (zero-length ones included) and trims the partly consumed one. */
        c->pending = pbuf_free_header(c->pending, (u16_t)n);
        tcp_recved(c->pcb, (u16_t)n);
    }
    if (c->peer_closed && !c->pending && !c->close_asked) {
        if (c->ops->closed)
            c->ops->closed(c, 0, c->arg);
        c->close_asked = true;
    }
    c->depth--;
    if (c->close_asked && c->depth == 0)
        return finish(c);
    return ERR_OK;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct netstack_tcp *c = arg;
    (void)pcb;
    (void)err; /* lwIP only ever passes ERR_OK here */
    if (!p) {
        c->peer_closed = true;
    } else if (c->peer_closed || c->close_asked) {
        tcp_recved(pcb, p->tot_len); /* data after FIN cannot happen; after our close it is discarded */
        pbuf_free(p);
        return ERR_OK;
    } else if (c->pending) {
        pbuf_cat(c->pending, p);
    } else {
        c->pending = p;
    }
    return deliver(c);
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    struct netstack_tcp *c = arg;
    (void)pcb;
    (void)len;
    err_t ret = deliver(c);
    /* Acknowledged bytes freed send space: a writer with more to say can go on now. */
    if (ret != ERR_OK || !c->pcb || c->close_asked || !c->ops->sent)
        return ret;
    c->depth++;
    c->ops->sent(c, c->arg);
    c->depth--;
    if (c->close_asked && c->depth == 0)
        return finish(c);
    return ERR_OK;
}

static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
    (void)pcb;
    return deliver(arg);
}

/* The PCB is already gone (reset, timeout, or out of memory): tell the service and free the entry. */
static void on_err(void *arg, err_t err)
{
    struct netstack_tcp *c = arg;
    if (c->pending)
        pbuf_free(c->pending);
    c->pending = NULL;
    c->pcb = NULL;
    trace_instant(TRACE_TCP_CLOSE, c->trace_id, netstack_err(err), 0);
    if (c->connecting) {
        /* A reset answering our SYN is a refusal; an abort by our own timer is a timeout. */
        int rc = c->timed_out ? -HEARTH_ETIMEDOUT : err == ERR_RST ? -HEARTH_ECONNREFUSED : netstack_err(err);
        sys_untimeout(connect_timeout, c);
        c->connecting = false;
        if (!c->close_asked)
            c->ops->connected(c, rc, c->arg);
    } else if (!c->close_asked && c->ops->closed) {
        c->ops->closed(c, netstack_err(err), c->arg);
    }
    *c = (struct netstack_tcp){0};
}

/*
 * From now on lwIP reports the connection's events to us. Nagle is off: every service here writes whole
 * messages (a TLS record, an HTTP head then its body), and holding a message's small tail back until the
 * peer acknowledges the previous segment costs a delayed-ACK round (tens of ms) per keep-alive request.
 */
static void install(struct netstack_tcp *c)
{
    tcp_nagle_disable(c->pcb);
    tcp_arg(c->pcb, c);
    tcp_recv(c->pcb, on_recv);
    tcp_sent(c->pcb, on_sent);
    tcp_err(c->pcb, on_err);
    tcp_poll(c->pcb, on_poll, POLL_INTERVAL);
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct listener *l = arg;
    struct netstack_tcp *c = NULL;

    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    for (unsigned i = 0; i < TCP_CONNS && !c; i++) {
        if (!conns[i].pcb)
            c = &conns[i];
    }
    if (!c)
        return ERR_MEM; /* lwIP aborts the new PCB */
    *c = (struct netstack_tcp){.pcb = pcb, .ops = l->ops, .arg = l->arg, .trace_id = trace_new_id()};
    trace_instant(TRACE_TCP_ACCEPT, c->trace_id, pcb->remote_port, pcb->local_port);
    if (l->ops->accept) {
        void *conn_arg = NULL;
        int rc = l->ops->accept(c, l->arg, &conn_arg);
        if (rc < 0) {
            trace_instant(TRACE_TCP_CLOSE, c->trace_id, rc, 0);
            *c = (struct netstack_tcp){0};
            tcp_abort(pcb);
            return ERR_ABRT;
        }
        c->arg = conn_arg;
    }
    install(c);
    return ERR_OK;
}

/* Our timer ran out before the handshake completed: abort, which on_err reports as a timeout. */
static void connect_timeout(void *arg)
{
    struct netstack_tcp *c = arg;
    if (!c->pcb || !c->connecting)
        return;
    c->timed_out = true;
    tcp_abort(c->pcb); /* calls on_err, which frees the entry */
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct netstack_tcp *c = arg;
    (void)pcb;
    (void)err; /* lwIP reports failures through on_err; this is only called on success */
    sys_untimeout(connect_timeout, c);
    c->connecting = false;
    install(c);
    c->depth++;
    c->ops->connected(c, 0, c->arg);
    c->depth--;
    if (c->close_asked && c->depth == 0)
        return finish(c);
    return ERR_OK;
}

int netstack_tcp_connect(const uint8_t addr[4], uint16_t port, uint64_t timeout_ns,
                         const struct netstack_tcp_ops *ops, void *conn_arg, struct netstack_tcp **out)
{
    struct netstack_tcp *c = NULL;
    ip_addr_t ip;

    if (port == 0 || !addr || !ops || !ops->recv || !ops->connected)
        return -HEARTH_EINVAL;
    if (!netstack_running() || !netstack_is_up())
        return -HEARTH_ENOTCONN;
    unsigned connecting = 0;
    for (unsigned i = 0; i < TCP_CONNS; i++) {
        connecting += conns[i].connecting;
        if (!conns[i].pcb && !c)
            c = &conns[i];
    }
    if (!c || connecting >= NETSTACK_CONNECTS) /* each holds one of lwIP's timers (lwipopts.h) */
        return -HEARTH_ENOMEM;
    struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (!pcb)
        return -HEARTH_ENOMEM;
    IP_ADDR4(&ip, addr[0], addr[1], addr[2], addr[3]);
    *c = (struct netstack_tcp){.pcb = pcb, .ops = ops, .arg = conn_arg, .connecting = true};
    tcp_arg(pcb, c);
    tcp_err(pcb, on_err);
    err_t err = tcp_connect(pcb, &ip, port, on_connected);
    if (err != ERR_OK) {
        *c = (struct netstack_tcp){0};
        tcp_err(pcb, NULL);
        tcp_arg(pcb, NULL);
        tcp_close(pcb); /* never connected, so this frees it at once */
        return netstack_err(err);
    }
    if (timeout_ns) {
        uint64_t ms = timeout_ns / 1000000u;
        sys_timeout(ms > 0x7fffffffu ? 0x7fffffffu : (u32_t)(ms ? ms : 1), connect_timeout, c);
    }
    if (out)
        *out = c;
    return 0;
}

int netstack_tcp_listen(uint16_t port, const struct netstack_tcp_ops *ops, void *listen_arg)
{
    struct listener *l = NULL;
    err_t err;

    if (port == 0 || !ops || !ops->recv)
        return -HEARTH_EINVAL;
    if (!netstack_running())
        return -HEARTH_ENOTCONN;
    for (unsigned i = 0; i < TCP_LISTENERS && !l; i++) {
        if (!listeners[i].pcb)
            l = &listeners[i];
    }
    if (!l)
        return -HEARTH_ENOMEM;
    struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_ANY);
    if (!pcb)
        return -HEARTH_ENOMEM;
    err = tcp_bind(pcb, IP_ANY_TYPE, port);
    if (err == ERR_OK) {
        struct tcp_pcb *lpcb = tcp_listen_with_backlog_and_err(pcb, TCP_DEFAULT_LISTEN_BACKLOG, &err);
        if (lpcb) {
            *l = (struct listener){.pcb = lpcb, .ops = ops, .arg = listen_arg};
            tcp_arg(lpcb, l);
            tcp_accept(lpcb, on_accept);
            return 0;
        }
    }
    tcp_close(pcb); /* never connected, so this frees it at once */
    return netstack_err(err);
}

uint32_t netstack_tcp_trace_id(const struct netstack_tcp *c)
{
    return c ? c->trace_id : 0;
}

/* Only our connections' PCBs point into conns[]; listeners, half-open PCBs (which still carry their
 * listener's argument) and other users' PCBs do not, so their segments trace as connection 0. */
uint32_t netstack_tcp_pcb_trace_id(const struct tcp_pcb *pcb)
{
    if (!pcb || pcb->state == LISTEN)
        return 0;
    uintptr_t arg = (uintptr_t)pcb->callback_arg, first = (uintptr_t)&conns[0];
    if (arg < first || arg >= (uintptr_t)&conns[TCP_CONNS] || (arg - first) % sizeof(conns[0]) != 0)
        return 0;
    return ((const struct netstack_tcp *)pcb->callback_arg)->trace_id;
}

int netstack_tcp_peer(const struct netstack_tcp *c, uint8_t addr[16])
{
    if (!c->pcb)
        return 0;
    const ip_addr_t *ip = &c->pcb->remote_ip;
#if LWIP_IPV6
    if (IP_IS_V6(ip)) {
        memcpy(addr, ip_2_ip6(ip)->addr, 16);
        return 16;
    }
#endif
    memcpy(addr, &ip_2_ip4(ip)->addr, 4); /* lwIP keeps it in network byte order */
    return 4;
}

size_t netstack_tcp_writable(const struct netstack_tcp *c)
{
    if (!c->pcb || c->close_asked || tcp_sndqueuelen(c->pcb) >= TCP_SND_QUEUELEN)
        return 0;
    return tcp_sndbuf(c->pcb);
}

int netstack_tcp_write(struct netstack_tcp *c, const void *data, size_t len)
{
    if (!c->pcb || c->close_asked)
        return -HEARTH_ENOTCONN;
    size_t n = netstack_tcp_writable(c);
    if (n > len)
        n = len;
    if (n == 0)
        return 0;
    err_t err = tcp_write(c->pcb, data, (u16_t)n, TCP_WRITE_FLAG_COPY);
    if (err == ERR_MEM)
        return 0; /* segments or heap ran out: like a full buffer, retried on the next acknowledgement */
    if (err != ERR_OK)
        return netstack_err(err);
    tcp_output(c->pcb);
    return (int)n;
}

void netstack_tcp_close(struct netstack_tcp *c)
{
    if (!c->pcb)
        return;
    c->close_asked = true;
    if (c->depth == 0)
        finish(c);
}
