/* SPDX-License-Identifier: ISC */
/* The scripted peer behind "pair1": raw frame building and checking, plus stand-ins for hearth/plat.h. */
#define _GNU_SOURCE
#include "netpeer.h"

#include "net_hosted.h"

#include <hearth/err.h>
#include <hearth/net.h>
#include <hearth/plat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const uint8_t peer_mac[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, 0x01};
const uint8_t peer_ip[4] = PEER_IP;
const uint8_t hub_ip[4] = HUB_IP;
uint8_t hub_mac[6];
uint64_t netpeer_skew_ns;

static struct hearth_netdev *peer;
static char console[65536];
static size_t console_used;

/* ---- The platform, as far as netstack and the runtime use it. ---- */

uint64_t hearth_plat_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + netpeer_skew_ns;
}

int hearth_plat_wall_ns(int64_t *unix_ns)
{
    (void)unix_ns;
    return -HEARTH_ENODATA; /* like Xen today: only SNTP could tell */
}

int hearth_plat_entropy(void *buf, size_t len)
{
    (void)buf;
    (void)len;
    return -HEARTH_ENOTSUP; /* exercises the clock-seeded path of netstack_rand */
}

int hearth_plat_yield(uint64_t deadline_ns)
{
    (void)deadline_ns;
    return 0;
}

int hearth_plat_poweroff_requested(void)
{
    return 0;
}

void hearth_plat_console_write(const char *buf, size_t len)
{
    fwrite(buf, 1, len, stdout);
    if (len > sizeof(console) - 1 - console_used)
        len = sizeof(console) - 1 - console_used;
    memcpy(console + console_used, buf, len);
    console_used += len;
    console[console_used] = '\0';
}

_Noreturn void hearth_panic(const char *file, int line, const char *msg)
{
    fprintf(stderr, "PANIC at %s:%d: %s\n", file, line, msg);
    abort();
}

const char *netpeer_console(void)
{
    return console;
}

/* ---- Frames. ---- */

uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static uint32_t sum_words(const uint8_t *p, size_t len, uint32_t sum)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += be16(p + i);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

uint16_t netpeer_csum(const void *data, size_t len, uint32_t sum)
{
    sum = sum_words(data, len, sum);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

int netpeer_open(void)
{
    int err;
    peer = hearth_net_open("pair1", &err);
    if (!peer)
        return err;
    net_hosted_mac_from_name("pair0", hub_mac);
    return 0;
}

void netpeer_send(const void *frame, size_t len)
{
    int rc = hearth_net_write(peer, frame, len);
    if (rc != 0)
        fprintf(stderr, "netpeer: write failed (%d)\n", rc);
}

size_t netpeer_ipv4(uint8_t *buf, const uint8_t dst_mac[6], const uint8_t dst_ip[4], uint8_t proto,
                    const void *payload, size_t len)
{
    static uint16_t ip_id = 1;
    uint8_t *ip = buf + 14;
    memcpy(buf, dst_mac, 6);
    memcpy(buf + 6, peer_mac, 6);
    put16(buf + 12, 0x0800);
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(20 + len));
    put16(ip + 4, ip_id++);
    ip[8] = 64;
    ip[9] = proto;
    memcpy(ip + 12, peer_ip, 4);
    memcpy(ip + 16, dst_ip, 4);
    put16(ip + 10, netpeer_csum(ip, 20, 0));
    memcpy(ip + 20, payload, len);
    return 14 + 20 + len;
}

/* The TCP/UDP pseudo-header sum for a segment of len bytes between the given addresses. */
static uint32_t pseudo_sum(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, size_t len)
{
    uint32_t sum = sum_words(src, 4, 0);
    sum = sum_words(dst, 4, sum);
    return sum + proto + (uint32_t)len;
}

size_t netpeer_udp(uint8_t *buf, const uint8_t dst_mac[6], const uint8_t dst_ip[4], uint16_t src_port,
                   uint16_t dst_port, const void *payload, size_t len)
{
    uint8_t seg[1480];
    put16(seg, src_port);
    put16(seg + 2, dst_port);
    put16(seg + 4, (uint16_t)(8 + len));
    put16(seg + 6, 0);
    memcpy(seg + 8, payload, len);
    put16(seg + 6, netpeer_csum(seg, 8 + len, pseudo_sum(peer_ip, dst_ip, 17, 8 + len)));
    return netpeer_ipv4(buf, dst_mac, dst_ip, 17, seg, 8 + len);
}

size_t netpeer_tcp(uint8_t *buf, uint16_t src_port, uint16_t dst_port, uint32_t seq, uint32_t ack,
                   uint8_t flags, const void *payload, size_t len)
{
    uint8_t seg[1480];
    memset(seg, 0, 20);
    put16(seg, src_port);
    put16(seg + 2, dst_port);
    put32(seg + 4, seq);
    put32(seg + 8, ack);
    seg[12] = 5 << 4;
    seg[13] = flags;
    put16(seg + 14, 8192);
    if (len)
        memcpy(seg + 20, payload, len);
    put16(seg + 16, netpeer_csum(seg, 20 + len, pseudo_sum(peer_ip, hub_ip, 6, 20 + len)));
    return netpeer_ipv4(buf, hub_mac, hub_ip, 6, seg, 20 + len);
}

int netpeer_checksums_ok(const struct frame *f)
{
    if (f->len < 34 || be16(f->b + 12) != 0x0800)
        return 0;
    const uint8_t *ip = f->b + 14;
    size_t ihl = (size_t)(ip[0] & 15) * 4, total = be16(ip + 2);
    if (ihl < 20 || total < ihl || 14 + total > f->len || netpeer_csum(ip, ihl, 0) != 0)
        return 0;
    const uint8_t *l4 = ip + ihl;
    size_t l4len = total - ihl;
    switch (ip[9]) {
    case 1: return netpeer_csum(l4, l4len, 0) == 0;
    case 6:
    case 17: return netpeer_csum(l4, l4len, pseudo_sum(ip + 12, ip + 16, ip[9], l4len)) == 0;
    default: return 1;
    }
}

/* Answers the hub's ARP request for the peer's address; returns 1 if f was one. */
static int answer_arp(const struct frame *f)
{
    const uint8_t *a = f->b + 14;
    if (f->len < 42 || be16(f->b + 12) != 0x0806 || be16(a + 6) != 1 || memcmp(a + 24, peer_ip, 4) != 0)
        return 0;
    uint8_t r[42];
    memcpy(r, a + 8, 6);
    memcpy(r + 6, peer_mac, 6);
    put16(r + 12, 0x0806);
    memcpy(r + 14, a, 6); /* hardware and protocol types and sizes, as asked */
    put16(r + 20, 2);
    memcpy(r + 22, peer_mac, 6);
    memcpy(r + 28, peer_ip, 4);
    memcpy(r + 32, a + 8, 10); /* the asker's MAC and IP */
    netpeer_send(r, sizeof(r));
    return 1;
}

static void poll_sources(struct loop *loop)
{
    uint64_t now = hearth_plat_monotonic_ns();
    for (struct loop_source *s = loop->sources; s; s = s->next)
        s->poll(s, now);
}

int netpeer_expect(struct loop *loop, unsigned ms, int (*match)(const struct frame *f, void *arg), void *arg,
                   struct frame *out)
{
    uint64_t deadline = hearth_plat_monotonic_ns() + (uint64_t)ms * 1000000u;
    do {
        poll_sources(loop);
        for (;;) {
            int n = hearth_net_read(peer, out->b, sizeof(out->b));
            if (n <= 0)
                break;
            out->len = (size_t)n;
            if (answer_arp(out))
                continue;
            if (match && match(out, arg))
                return 1;
        }
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    } while (hearth_plat_monotonic_ns() < deadline);
    return 0;
}

void netpeer_pump(struct loop *loop, unsigned ms)
{
    struct frame f;
    netpeer_expect(loop, ms, NULL, NULL, &f);
}
