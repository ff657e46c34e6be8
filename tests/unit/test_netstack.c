/* SPDX-License-Identifier: ISC */
/* netstack over the loopback pair against a scripted peer: ARP, ping, UDP and TCP echo, mDNS, and the log. */
#include "check.h"
#include "echo.h"
#include "netpeer.h"
#include "netstack.h"

#include <hearth/err.h>
#include <hearth/net.h>
#include <string.h>

static struct loop loop;

static int is_arp_reply(const struct frame *f, void *arg)
{
    (void)arg;
    return f->len >= 42 && be16(f->b + 12) == 0x0806 && be16(f->b + 20) == 2;
}

/* Matches an IPv4 frame from the hub with protocol *(uint8_t *)arg to the peer. */
static int is_ip_proto(const struct frame *f, void *arg)
{
    const uint8_t *ip = f->b + 14;
    return f->len >= 34 && be16(f->b + 12) == 0x0800 && ip[9] == *(uint8_t *)arg &&
           memcmp(ip + 16, peer_ip, 4) == 0;
}

static void test_arp(void)
{
    uint8_t req[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    struct frame f;
    memcpy(req + 6, peer_mac, 6);
    req[12] = 0x08, req[13] = 0x06;
    const uint8_t head[8] = {0, 1, 8, 0, 6, 4, 0, 1}; /* Ethernet/IPv4, request */
    memcpy(req + 14, head, 8);
    memcpy(req + 22, peer_mac, 6);
    memcpy(req + 28, peer_ip, 4);
    memcpy(req + 38, hub_ip, 4);
    netpeer_send(req, sizeof(req));
    CHECK(netpeer_expect(&loop, 1000, is_arp_reply, NULL, &f));
    CHECK(memcmp(f.b, peer_mac, 6) == 0);
    CHECK(memcmp(f.b + 6, hub_mac, 6) == 0);
    CHECK(memcmp(f.b + 22, hub_mac, 6) == 0); /* sender MAC: ours, derived from "pair0" */
    CHECK(memcmp(f.b + 28, hub_ip, 4) == 0);
    CHECK(memcmp(f.b + 32, peer_mac, 6) == 0);
    CHECK(memcmp(f.b + 38, peer_ip, 4) == 0);
}

static void test_ping(void)
{
    uint8_t icmp[8 + 56], buf[1514];
    uint8_t proto = 1;
    struct frame f;
    memset(icmp, 0, 8);
    icmp[0] = 8; /* echo request */
    icmp[4] = 0x12, icmp[5] = 0x34, icmp[7] = 1;
    for (int i = 0; i < 56; i++)
        icmp[8 + i] = (uint8_t)(i * 7);
    uint16_t c = netpeer_csum(icmp, sizeof(icmp), 0);
    icmp[2] = (uint8_t)(c >> 8), icmp[3] = (uint8_t)c;
    netpeer_send(buf, netpeer_ipv4(buf, hub_mac, hub_ip, 1, icmp, sizeof(icmp)));
    CHECK(netpeer_expect(&loop, 1000, is_ip_proto, &proto, &f));
    const uint8_t *r = f.b + 34;
    CHECK(netpeer_checksums_ok(&f));
    CHECK_INT(r[0], 0); /* echo reply */
    CHECK_INT(be16(r + 4), 0x1234);
    CHECK_INT(be16(r + 6), 1);
    CHECK_INT(f.len, 34 + sizeof(icmp));
    CHECK(memcmp(r + 8, icmp + 8, 56) == 0);
    CHECK(memcmp(f.b + 14 + 12, hub_ip, 4) == 0);
}

/* Matches a UDP datagram from the hub's port *(uint16_t *)arg to the peer (not SNTP's requests). */
static int is_udp_from(const struct frame *f, void *arg)
{
    uint8_t udp = 17;
    return is_ip_proto(f, &udp) && be16(f->b + 34) == *(uint16_t *)arg;
}

static void test_udp_echo(void)
{
    static const char msg[] = "hello, hearth";
    uint8_t buf[1514], bcast[4] = {192, 0, 2, 255};
    const uint8_t bmac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint16_t port = ECHO_PORT;
    struct frame f;

    netpeer_send(buf, netpeer_udp(buf, hub_mac, hub_ip, 40000, ECHO_PORT, msg, sizeof(msg)));
    CHECK(netpeer_expect(&loop, 1000, is_udp_from, &port, &f));
    const uint8_t *u = f.b + 34;
    CHECK(netpeer_checksums_ok(&f));
    CHECK_INT(be16(u), ECHO_PORT);
    CHECK_INT(be16(u + 2), 40000);
    CHECK_INT(be16(u + 4), 8 + sizeof(msg));
    CHECK(memcmp(u + 8, msg, sizeof(msg)) == 0);

    /* No reply to a privileged source port (reflection loops) nor to a broadcast. */
    netpeer_send(buf, netpeer_udp(buf, hub_mac, hub_ip, 19, ECHO_PORT, msg, sizeof(msg)));
    netpeer_send(buf, netpeer_udp(buf, bmac, bcast, 40001, ECHO_PORT, msg, sizeof(msg)));
    CHECK(!netpeer_expect(&loop, 300, is_udp_from, &port, &f));
}

/* Matches a TCP segment from the hub's echo port whose flags include *(uint8_t *)arg. */
static int is_tcp_with(const struct frame *f, void *arg)
{
    uint8_t tcp = 6;
    return is_ip_proto(f, &tcp) && be16(f->b + 34) == ECHO_PORT && (f->b[34 + 13] & *(uint8_t *)arg);
}

/* Matches a TCP segment from the echo port that carries data. */
static int is_tcp_data(const struct frame *f, void *arg)
{
    uint8_t any = 0xff;
    (void)arg;
    return is_tcp_with(f, &any) && be16(f->b + 16) > 20 + (size_t)(f->b[34 + 12] >> 4) * 4;
}

static void test_tcp_echo(void)
{
    static const char msg[] = "echo me over TCP";
    uint8_t buf[1514], syn_ack = 0x12, fin = 0x01;
    uint32_t seq = 1000;
    struct frame f;

    netpeer_send(buf, netpeer_tcp(buf, 41000, ECHO_PORT, seq, 0, 0x02, NULL, 0));
    int got = netpeer_expect(&loop, 1000, is_tcp_with, &syn_ack, &f);
    CHECK(got);
    if (!got)
        return;
    CHECK(netpeer_checksums_ok(&f));
    CHECK_INT(f.b[34 + 13] & 0x12, 0x12);
    CHECK_INT(be32(f.b + 34 + 8), seq + 1);
    uint32_t hub_seq = be32(f.b + 34 + 4) + 1;
    seq++;
    netpeer_send(buf, netpeer_tcp(buf, 41000, ECHO_PORT, seq, hub_seq, 0x18, msg, sizeof(msg)));
    seq += sizeof(msg);
    CHECK(netpeer_expect(&loop, 1000, is_tcp_data, NULL, &f));
    size_t hlen = (size_t)(f.b[34 + 12] >> 4) * 4;
    CHECK(netpeer_checksums_ok(&f));
    CHECK_INT(be16(f.b + 16) - 20 - hlen, sizeof(msg));
    CHECK(memcmp(f.b + 34 + hlen, msg, sizeof(msg)) == 0);
    CHECK_INT(be32(f.b + 34 + 4), hub_seq);
    hub_seq += sizeof(msg);
    /* Our FIN: the service has consumed everything, so the hub closes its side too. */
    netpeer_send(buf, netpeer_tcp(buf, 41000, ECHO_PORT, seq, hub_seq, 0x11, NULL, 0));
    CHECK(netpeer_expect(&loop, 1000, is_tcp_with, &fin, &f));
    CHECK_INT(be32(f.b + 34 + 8), seq + 1);
    netpeer_send(buf, netpeer_tcp(buf, 41000, ECHO_PORT, seq + 1, hub_seq + 1, 0x10, NULL, 0));
    netpeer_pump(&loop, 50);
}

/* Matches an mDNS response (from port 5353, QR bit set) that carries the hub's address. */
static int is_mdns_answer(const struct frame *f, void *arg)
{
    uint8_t udp = 17;
    const uint8_t *ip = f->b + 14, *u = f->b + 34;
    (void)arg;
    if (f->len < 54 || be16(f->b + 12) != 0x0800 || ip[9] != udp || be16(u) != 5353 || !(u[10] & 0x80))
        return 0;
    for (size_t i = 42; i + 4 <= f->len; i++) {
        if (memcmp(f->b + i, hub_ip, 4) == 0 && i >= 42 + 12)
            return 1;
    }
    return 0;
}

static void test_mdns(void)
{
    /* A one-shot query (source port 40002, so a unicast reply is allowed) for unit.local, type A. */
    static const uint8_t query[] = {0x12, 0x34, 0,   0, 0,   1,   0,   0,   0,   0, 0, 0, 4, 'u',
                                    'n',  'i',  't', 5, 'l', 'o', 'c', 'a', 'l', 0, 0, 1, 0, 1};
    const uint8_t group[4] = {224, 0, 0, 251}, gmac[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
    uint8_t buf[1514];
    struct frame f;
    int answered = 0;
    /* The responder probes its name for about a second before it answers anything. */
    for (int attempt = 0; attempt < 10 && !answered; attempt++) {
        netpeer_send(buf, netpeer_udp(buf, gmac, group, 40002, 5353, query, sizeof(query)));
        answered = netpeer_expect(&loop, 500, is_mdns_answer, NULL, &f);
    }
    CHECK(answered);
    CHECK(strstr(netpeer_console(), "mdns: answering for unit.local") != NULL);
}

int main(void)
{
    int err;

    loop_init(&loop);
    CHECK_INT(netstack_start(&loop, "net=pair0 ip=192.0.2.2/24 gw=192.0.2.1 hostname=unit ntp=192.0.2.1"), 0);
    CHECK_INT(netstack_start(&loop, "net=pair0"), -HEARTH_EBUSY);
    CHECK(netstack_is_up());
    CHECK(strstr(netpeer_console(), "net: up 192.0.2.2/24 gw 192.0.2.1 via static") != NULL);
    CHECK(strstr(netpeer_console(), "ntp: asking 192.0.2.1") != NULL);
    CHECK_INT(netpeer_open(), 0);
    CHECK(hearth_net_open("pair1", &err) == NULL && err == -HEARTH_EBUSY);
    CHECK(hearth_net_open("nosuchtap0", &err) == NULL && err == -HEARTH_ENOENT);
    CHECK_INT(echo_start(ECHO_PORT), 0);
    CHECK_INT(echo_start(ECHO_PORT), -HEARTH_EADDRINUSE);

    netpeer_pump(&loop, 100); /* IGMP reports, mDNS probes */
    test_arp();
    test_ping();
    test_udp_echo();
    test_tcp_echo();
    test_mdns();
    return check_summary("netstack");
}
