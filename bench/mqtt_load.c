/* SPDX-License-Identifier: ISC */
/* An MQTT 3.1.1 load client for bench/mqtt_bench.sh: publishes N readings at QoS 0 or 1, prints msgs/s. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * QoS 0: every PUBLISH is written as fast as the socket takes it, then one PINGREQ; the broker handles a
 * connection's packets in order, so its PINGRESP means every publication before it was processed. QoS 1:
 * at most <window> publications wait for their PUBACK at any time. The rate is messages over the time
 * from the first PUBLISH to the PINGRESP or last PUBACK. Output: one line "qos=Q messages=N seconds=S
 * rate=R" (R in messages per second) for the script to parse.
 */

#define TOPIC "hearth/bench/temperature"
#define OUT_CAP (64 * 1024)
#define IN_CAP (64 * 1024)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "mqtt_load: %s: %s\n", what, errno ? strerror(errno) : "protocol error");
    exit(1);
}

static size_t put_varint(uint8_t *p, size_t n)
{
    size_t i = 0;
    do {
        uint8_t b = n % 128;
        n /= 128;
        p[i++] = (uint8_t)(b | (n ? 0x80 : 0));
    } while (n);
    return i;
}

/* One PUBLISH of a reading into p (room for 64 bytes); returns its length. */
static size_t put_publish(uint8_t *p, int qos, uint16_t id, unsigned value)
{
    char payload[16];
    int plen = snprintf(payload, sizeof(payload), "%u.%u", 10 + value % 20, value % 10);
    size_t tlen = sizeof(TOPIC) - 1, rem = 2 + tlen + (qos ? 2 : 0) + (size_t)plen, n = 0;
    p[n++] = (uint8_t)(0x30 | qos << 1);
    n += put_varint(p + n, rem);
    p[n++] = (uint8_t)(tlen >> 8);
    p[n++] = (uint8_t)tlen;
    memcpy(p + n, TOPIC, tlen);
    n += tlen;
    if (qos) {
        p[n++] = (uint8_t)(id >> 8);
        p[n++] = (uint8_t)id;
    }
    memcpy(p + n, payload, (size_t)plen);
    return n + (size_t)plen;
}

struct conn {
    int fd;
    uint8_t in[IN_CAP];
    size_t in_len;
};

/* Writes all of p, waiting for room (the socket is non-blocking). */
static void write_all(struct conn *c, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(c->fd, p, n);
        if (w < 0 && errno == EAGAIN) {
            struct pollfd pfd = {.fd = c->fd, .events = POLLOUT};
            poll(&pfd, 1, 1000);
            continue;
        }
        if (w <= 0)
            die("write");
        p += w;
        n -= (size_t)w;
    }
}

/* Reads what is there (waiting up to timeout_ms for something) and returns the packet types and ids seen
 * through cb. */
static void read_packets(struct conn *c, int timeout_ms, void (*cb)(uint8_t type, uint16_t id, void *arg),
                         void *arg)
{
    struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
    if (poll(&pfd, 1, timeout_ms) <= 0)
        return;
    ssize_t r = read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
    if (r == 0)
        die("the broker closed the connection");
    if (r < 0) {
        if (errno == EAGAIN)
            return;
        die("read");
    }
    c->in_len += (size_t)r;
    size_t off = 0;
    for (;;) {
        size_t rem = 0, i = 1, shift = 0;
        if (c->in_len - off < 2)
            break;
        while (i < 5 && off + i < c->in_len) {
            rem |= (size_t)(c->in[off + i] & 0x7f) << shift;
            shift += 7;
            if (!(c->in[off + i++] & 0x80))
                break;
        }
        if (off + i + rem > c->in_len)
            break;
        uint16_t id = rem >= 2 ? (uint16_t)(c->in[off + i] << 8 | c->in[off + i + 1]) : 0;
        cb(c->in[off] >> 4, id, arg);
        off += i + rem;
    }
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
}

struct progress {
    unsigned acked;
    int pong, connack;
};

static void on_packet(uint8_t type, uint16_t id, void *arg)
{
    struct progress *pr = arg;
    (void)id;
    if (type == 2)
        pr->connack = 1;
    else if (type == 4)
        pr->acked++;
    else if (type == 13)
        pr->pong = 1;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: mqtt_load <ipv4> <port> <qos 0|1> <messages> <window>\n");
        return 2;
    }
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    int qos = atoi(argv[3]);
    unsigned total = (unsigned)strtoul(argv[4], NULL, 10), window = (unsigned)strtoul(argv[5], NULL, 10);
    if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 || (qos != 0 && qos != 1) || !total || !window ||
        window > 60000)
        return 2;
    static struct conn c;
    c.fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (c.fd < 0 || connect(c.fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        die("connect");
    char id[32];
    int idlen = snprintf(id, sizeof(id), "bench-%d-%d", (int)getpid(), qos);
    uint8_t connect_pkt[64] = {0x10, (uint8_t)(12 + idlen), 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60,
                               0,    (uint8_t)idlen};
    memcpy(connect_pkt + 14, id, (size_t)idlen);
    struct progress pr = {0};
    fcntl(c.fd, F_SETFL, fcntl(c.fd, F_GETFL) | O_NONBLOCK);
    write_all(&c, connect_pkt, 14 + (size_t)idlen);
    for (int i = 0; i < 100 && !pr.connack; i++)
        read_packets(&c, 100, on_packet, &pr);
    if (!pr.connack)
        die("no CONNACK");

    static uint8_t out[OUT_CAP];
    unsigned sent = 0;
    double start = now_s(), progress_at = start;
    unsigned last_acked = 0;
    while (sent < total || (qos && pr.acked < total)) {
        size_t n = 0;
        unsigned limit = qos ? pr.acked + window : total;
        while (sent < total && sent < limit && n + 64 <= sizeof(out)) {
            n += put_publish(out + n, qos, (uint16_t)(sent % 65535 + 1), sent);
            sent++;
        }
        if (n)
            write_all(&c, out, n);
        if (qos)
            read_packets(&c, n ? 0 : 1000, on_packet, &pr);
        if (pr.acked != last_acked || n) {
            last_acked = pr.acked;
            progress_at = now_s();
        } else if (now_s() - progress_at > 30) {
            fprintf(stderr, "mqtt_load: stalled: %u sent, %u acknowledged\n", sent, pr.acked);
            return 1;
        }
    }
    if (!qos) {
        static const uint8_t ping[2] = {0xc0, 0};
        write_all(&c, ping, sizeof(ping));
        for (int i = 0; i < 600 && !pr.pong; i++)
            read_packets(&c, 100, on_packet, &pr);
        if (!pr.pong)
            die("no PINGRESP");
    }
    double secs = now_s() - start;
    static const uint8_t disconnect[2] = {0xe0, 0};
    write_all(&c, disconnect, sizeof(disconnect));
    close(c.fd);
    printf("qos=%d messages=%u seconds=%.3f rate=%.0f\n", qos, total, secs, total / secs);
    return 0;
}
