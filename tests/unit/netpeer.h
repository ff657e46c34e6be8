/* SPDX-License-Identifier: ISC */
/* A scripted Ethernet peer on "pair1" for netstack tests, and the platform functions those tests need. */
#ifndef TESTS_UNIT_NETPEER_H
#define TESTS_UNIT_NETPEER_H

#include "loop.h"

#include <stddef.h>
#include <stdint.h>

#define PEER_IP                                                                                              \
    {                                                                                                        \
        192, 0, 2, 1                                                                                         \
    }
#define HUB_IP                                                                                               \
    {                                                                                                        \
        192, 0, 2, 2                                                                                         \
    }

extern const uint8_t peer_mac[6];
extern const uint8_t peer_ip[4];
extern const uint8_t hub_ip[4];
extern uint8_t hub_mac[6];

struct frame {
    uint8_t b[1514];
    size_t len;
};

/* Nanoseconds added to the real monotonic clock: tests jump time forward with it. */
extern uint64_t netpeer_skew_ns;

/* Opens pair1 (the hub is on pair0) and learns the hub's MAC. Returns 0 or a -HEARTH_E* code. */
int netpeer_open(void);

/* Everything the code under test wrote to the console so far, NUL-terminated. */
const char *netpeer_console(void);

void netpeer_send(const void *frame, size_t len);

/*
 * Polls the loop's sources for up to ms milliseconds until the hub sends a frame for which match returns
 * non-zero; copies it to *out and returns 1, or returns 0 on timeout. ARP requests for the peer's address
 * are answered on the way; other frames are skipped.
 */
int netpeer_expect(struct loop *loop, unsigned ms, int (*match)(const struct frame *f, void *arg), void *arg,
                   struct frame *out);

/* Polls the loop for ms milliseconds, answering ARP and discarding everything else. */
void netpeer_pump(struct loop *loop, unsigned ms);

/* The Internet checksum over data, folded and inverted, starting from sum (for pseudo headers). */
uint16_t netpeer_csum(const void *data, size_t len, uint32_t sum);

/* Builds Ethernet + IPv4 (+ payload) from the peer to dst_ip/dst_mac in buf; returns the frame length. */
size_t netpeer_ipv4(uint8_t *buf, const uint8_t dst_mac[6], const uint8_t dst_ip[4], uint8_t proto,
                    const void *payload, size_t len);

/* Builds a UDP datagram from the peer (src_port) to dst_ip:dst_port; returns the frame length. */
size_t netpeer_udp(uint8_t *buf, const uint8_t dst_mac[6], const uint8_t dst_ip[4], uint16_t src_port,
                   uint16_t dst_port, const void *payload, size_t len);

/* Builds a TCP segment (no options) from the peer to the hub; returns the frame length. */
size_t netpeer_tcp(uint8_t *buf, uint16_t src_port, uint16_t dst_port, uint32_t seq, uint32_t ack,
                   uint8_t flags, const void *payload, size_t len);

/* Checks the IPv4 header checksum and the TCP/UDP/ICMP checksum of a frame from the hub. */
int netpeer_checksums_ok(const struct frame *f);

/* Big-endian reads from frame bytes. */
uint16_t be16(const uint8_t *p);
uint32_t be32(const uint8_t *p);

#endif
