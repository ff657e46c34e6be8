/* SPDX-License-Identifier: ISC */
/* Outbound netstack against a scripted peer: TCP connect (accepted, refused, timed out) and DNS lookups. */
#include "check.h"
#include "dns.h"
#include "netpeer.h"
#include "netstack.h"
#include "tcp.h"
#include "tcp_stream.h"

#include <hearth/err.h>
#include <string.h>

static struct loop loop;

struct client {
    int calls, err, closed, closed_err;
    struct hearth_stream *s;
    char got[64];
    size_t got_len;
};

static size_t on_data(struct hearth_stream *s, const uint8_t *data, size_t len, void *arg)
{
    struct client *c = arg;
    (void)s;
    size_t n = len < sizeof(c->got) - c->got_len ? len : sizeof(c->got) - c->got_len;
    memcpy(c->got + c->got_len, data, n);
    c->got_len += n;
    return len;
}

static void on_closed(struct hearth_stream *s, int err, void *arg)
{
    struct client *c = arg;
    (void)s;
    c->closed++;
    c->closed_err = err;
    c->s = NULL;
}

static const struct hearth_stream_handler handler = {.on_data = on_data, .on_closed = on_closed};

static void on_connect(struct hearth_stream *s, int err, void *arg)
{
    struct client *c = arg;
    c->calls++;
    c->err = err;
    c->s = s;
    if (s) {
        s->handler = &handler;
        s->arg = c;
    }
}

/* Matches a TCP segment from the hub to the peer's port *(uint16_t *)arg. */
static int is_tcp_to(const struct frame *f, void *arg)
{
    const uint8_t *ip = f->b + 14;
    return f->len >= 54 && be16(f->b + 12) == 0x0800 && ip[9] == 6 && memcmp(ip + 16, peer_ip, 4) == 0 &&
           be16(f->b + 36) == *(uint16_t *)arg;
}

static int is_tcp_data_to(const struct frame *f, void *arg)
{
    return is_tcp_to(f, arg) && be16(f->b + 16) > 20 + (size_t)(f->b[34 + 12] >> 4) * 4;
}

/* Waits for the hub's SYN to port; returns its source port and sequence number. */
static int expect_syn(uint16_t port, uint16_t *src, uint32_t *isn)
{
    struct frame f;
    if (!netpeer_expect(&loop, 1000, is_tcp_to, &port, &f) || !(f.b[34 + 13] & 0x02))
        return 0;
    *src = be16(f.b + 34);
    *isn = be32(f.b + 34 + 4);
    return 1;
}

static void test_connect(void)
{
    static struct client c;
    uint8_t buf[1514];
    uint16_t port = 5000, hub_port;
    uint32_t isn, seq = 7000;
    struct frame f;

    CHECK_INT(tcp_stream_connect(peer_ip, port, 2000000000ull, on_connect, &c), 0);
    CHECK_INT(c.calls, 0); /* never from inside the call */
    if (!expect_syn(port, &hub_port, &isn)) {
        CHECK(!"SYN from the hub");
        return;
    }
    netpeer_send(buf, netpeer_tcp(buf, port, hub_port, seq, isn + 1, 0x12, NULL, 0));
    netpeer_pump(&loop, 50);
    CHECK_INT(c.calls, 1);
    CHECK_INT(c.err, 0);
    CHECK(c.s != NULL);
    if (!c.s)
        return;
    seq++;
    CHECK_INT(hearth_stream_write(c.s, "hello", 5), 5);
    CHECK(netpeer_expect(&loop, 1000, is_tcp_data_to, &port, &f));
    size_t hlen = (size_t)(f.b[34 + 12] >> 4) * 4;
    CHECK(netpeer_checksums_ok(&f));
    CHECK(memcmp(f.b + 34 + hlen, "hello", 5) == 0);
    netpeer_send(buf, netpeer_tcp(buf, port, hub_port, seq, isn + 6, 0x18, "world", 5));
    netpeer_pump(&loop, 50);
    CHECK(c.got_len == 5 && memcmp(c.got, "world", 5) == 0);
    /* The peer resets: the stream's last callback says so. */
    netpeer_send(buf, netpeer_tcp(buf, port, hub_port, seq + 5, isn + 6, 0x14, NULL, 0));
    netpeer_pump(&loop, 50);
    CHECK_INT(c.closed, 1);
    CHECK_INT(c.closed_err, -HEARTH_ECONNRESET);
}

static void test_refused(void)
{
    static struct client c;
    uint8_t buf[1514];
    uint16_t port = 5001, hub_port;
    uint32_t isn;
    CHECK_INT(tcp_stream_connect(peer_ip, port, 2000000000ull, on_connect, &c), 0);
    if (!expect_syn(port, &hub_port, &isn)) {
        CHECK(!"SYN from the hub");
        return;
    }
    netpeer_send(buf, netpeer_tcp(buf, port, hub_port, 0, isn + 1, 0x14, NULL, 0));
    netpeer_pump(&loop, 50);
    CHECK_INT(c.calls, 1);
    CHECK_INT(c.err, -HEARTH_ECONNREFUSED);
    CHECK(c.s == NULL);
}

static void test_timeout(void)
{
    static struct client c;
    CHECK_INT(tcp_stream_connect(peer_ip, 5002, 300000000ull, on_connect, &c), 0);
    netpeer_pump(&loop, 200);
    CHECK_INT(c.calls, 0);
    netpeer_pump(&loop, 400); /* SYNs go unanswered */
    CHECK_INT(c.calls, 1);
    CHECK_INT(c.err, -HEARTH_ETIMEDOUT);
    /* Cancelled before the answer: no callback at all. */
    static struct client d;
    struct netstack_tcp *t = NULL;
    static const struct netstack_tcp_ops ops = {.recv = NULL};
    CHECK_INT(netstack_tcp_connect(peer_ip, 5003, 0, &ops, &d, &t), -HEARTH_EINVAL);
    CHECK_INT(tcp_stream_connect(peer_ip, 0, 0, on_connect, &d), -HEARTH_EINVAL);
    CHECK_INT(tcp_stream_connect(peer_ip, 5003, 0, NULL, &d), -HEARTH_EINVAL);
}

/* ---- DNS. ---- */

struct lookup {
    int calls, err;
    uint8_t addr[4];
};

static void on_resolved(int err, const uint8_t addr[4], void *arg)
{
    struct lookup *l = arg;
    l->calls++;
    l->err = err;
    if (addr)
        memcpy(l->addr, addr, 4);
}

static int is_dns_query(const struct frame *f, void *arg)
{
    const uint8_t *ip = f->b + 14;
    (void)arg;
    return f->len >= 54 && be16(f->b + 12) == 0x0800 && ip[9] == 17 && be16(f->b + 36) == 53;
}

/* Answers the hub's next query: rcode 0 with one A record, or rcode 3 (NXDOMAIN) when a is NULL. */
static int answer(const uint8_t *a)
{
    struct frame f;
    uint8_t reply[512], buf[1514];
    if (!netpeer_expect(&loop, 1000, is_dns_query, NULL, &f))
        return 0;
    const uint8_t *q = f.b + 42;
    size_t qlen = be16(f.b + 38) - 8;
    memcpy(reply, q, qlen);
    reply[2] = 0x81;
    reply[3] = a ? 0x80 : 0x83;
    reply[7] = a ? 1 : 0; /* ANCOUNT */
    size_t n = qlen;
    if (a) {
        static const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
        memcpy(reply + n, rr, sizeof(rr));
        memcpy(reply + n + sizeof(rr), a, 4);
        n += sizeof(rr) + 4;
    }
    netpeer_send(buf, netpeer_udp(buf, hub_mac, hub_ip, 53, be16(f.b + 34), reply, n));
    return 1;
}

static void test_dns(void)
{
    static struct lookup l1, l2, l3, l4;
    uint8_t out[4] = {0};
    static const uint8_t want[4] = {192, 0, 2, 77};
    static char long_name[300];

    CHECK_INT(netstack_dns_resolve("192.0.2.9", 1000000000ull, out, on_resolved, &l1), 0);
    CHECK(out[0] == 192 && out[3] == 9 && l1.calls == 0);
    CHECK_INT(netstack_dns_resolve("", 1000000000ull, out, on_resolved, &l1), -HEARTH_EINVAL);
    CHECK_INT(netstack_dns_resolve("a.example", 0, out, on_resolved, &l1), -HEARTH_EINVAL);
    memset(long_name, 'a', sizeof(long_name) - 1);
    CHECK_INT(netstack_dns_resolve(long_name, 1000000000ull, out, on_resolved, &l1), -HEARTH_EINVAL);

    CHECK_INT(netstack_dns_resolve("sensor.example", 2000000000ull, out, on_resolved, &l1), 1);
    CHECK(answer(want));
    netpeer_pump(&loop, 50);
    CHECK_INT(l1.calls, 1);
    CHECK_INT(l1.err, 0);
    CHECK(memcmp(l1.addr, want, 4) == 0);
    /* Cached now: answered at once. */
    memset(out, 0, 4);
    CHECK_INT(netstack_dns_resolve("sensor.example", 2000000000ull, out, on_resolved, &l1), 0);
    CHECK(memcmp(out, want, 4) == 0);

    CHECK_INT(netstack_dns_resolve("missing.example", 2000000000ull, out, on_resolved, &l2), 1);
    CHECK(answer(NULL));
    netpeer_pump(&loop, 50);
    CHECK_INT(l2.calls, 1);
    CHECK_INT(l2.err, -HEARTH_ENOENT);

    CHECK_INT(netstack_dns_resolve("slow.example", 300000000ull, out, on_resolved, &l3), 1);
    netpeer_pump(&loop, 600);
    CHECK_INT(l3.calls, 1);
    CHECK_INT(l3.err, -HEARTH_ETIMEDOUT);

    /* Cancelled: never called, even when the answer comes. */
    CHECK_INT(netstack_dns_resolve("cancel.example", 2000000000ull, out, on_resolved, &l4), 1);
    netstack_dns_cancel(on_resolved, &l4);
    answer(want);
    netpeer_pump(&loop, 100);
    CHECK_INT(l4.calls, 0);
}

int main(void)
{
    loop_init(&loop);
    uint8_t out[4];
    static struct lookup l;
    CHECK_INT(netstack_dns_resolve("x.example", 1000000000ull, out, on_resolved, &l), -HEARTH_ENOTCONN);
    CHECK_INT(netstack_start(&loop, "net=pair0 ip=192.0.2.2/24 gw=192.0.2.1 dns=192.0.2.1 hostname=unit"), 0);
    CHECK_INT(netpeer_open(), 0);
    netpeer_pump(&loop, 100); /* IGMP reports, mDNS probes */
    test_connect();
    test_refused();
    test_timeout();
    test_dns();
    return check_summary("netstack_client");
}
