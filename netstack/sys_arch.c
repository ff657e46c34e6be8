/* SPDX-License-Identifier: ISC */
/* lwIP's port hooks for NO_SYS: the millisecond clock, the PRNG, TCP sequence numbers, TIME_WAIT reuse and
 * diagnostics. */
#include "log.h"
#include "netstack_hooks.h"
#include "netstack_priv.h"
#include "trace.h"

#include <hearth/plat.h>
#include <lwip/priv/tcp_priv.h>
#include <lwip/prot/tcp.h>
#include <lwip/sys.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* lwIP's timeouts run on a wrapping 32-bit millisecond counter; wrap-around is handled inside lwIP. */
u32_t sys_now(void)
{
    return (u32_t)(hearth_plat_monotonic_ns() / 1000000u);
}

/* splitmix64's output function: a cheap, well-mixed bijection of 64 bits. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rand_state;
static bool rand_seeded;

/*
 * splitmix64 over a state seeded once from the platform's entropy source, or from the boot clock where
 * the platform has none (Xen today: hearth_plat_entropy says -HEARTH_ENOTSUP). Every call also folds in
 * the monotonic clock, so the timing of network events perturbs the sequence.
 *
 * Good enough for port numbers, DNS IDs and DHCP transaction IDs against an off-path guesser; the hub
 * reseeds it from the TLS generator with netstack_reseed as soon as TLS is up.
 */
uint32_t netstack_rand(void)
{
    if (!rand_seeded) {
        uint64_t seed;
        if (hearth_plat_entropy(&seed, sizeof(seed)) != 0)
            seed = 0;
        rand_state = seed ^ hearth_plat_monotonic_ns();
        rand_seeded = true;
    }
    rand_state += 0x9e3779b97f4a7c15ull + (hearth_plat_monotonic_ns() << 1);
    return (uint32_t)(mix64(rand_state) >> 16);
}

static uint64_t isn_key[2];
static bool isn_keyed;

void netstack_reseed(const void *seed, size_t len)
{
    const uint8_t *p = seed;
    for (size_t i = 0; i < len; i++)
        rand_state = mix64(rand_state ^ ((uint64_t)p[i] << ((i % 8) * 8)));
    rand_seeded = true;
    isn_keyed = false; /* the next connection takes a key derived from the new state */
}

static uint64_t fold_addr(const ip_addr_t *a)
{
#if LWIP_IPV6
    if (IP_IS_V6(a)) {
        const u32_t *w = ip_2_ip6(a)->addr;
        return ((uint64_t)(w[0] ^ w[2]) << 32) | (w[1] ^ w[3]);
    }
#endif
    return ip4_addr_get_u32(ip_2_ip4(a));
}

/*
 * The keyed hash is splitmix64 rounds over a 128-bit key, which hides the key from an off-path guesser
 * but is no PRF; the key comes from the generator above, reseeded from the TLS DRBG once TLS is up.
 */
u32_t netstack_tcp_isn(const ip_addr_t *local_ip, u16_t local_port, const ip_addr_t *remote_ip,
                       u16_t remote_port)
{
    if (!isn_keyed) {
        isn_key[0] = (uint64_t)netstack_rand() << 32 | netstack_rand();
        isn_key[1] = (uint64_t)netstack_rand() << 32 | netstack_rand();
        isn_keyed = true;
    }
    uint64_t h = mix64(isn_key[0] ^ fold_addr(local_ip));
    h = mix64(h ^ fold_addr(remote_ip) ^ isn_key[1]);
    h = mix64(h ^ ((uint64_t)local_port << 16 | remote_port));
    return (u32_t)(hearth_plat_monotonic_ns() / 4000u) + (u32_t)(h >> 32);
}

/*
 * A SYN for a connection that we closed first and still hold in TIME_WAIT (a failed handshake, an answer
 * with "Connection: close", an idle timeout). lwIP keeps TIME_WAIT for 2 MSL (two minutes), answers such a
 * SYN with an ACK and ignores the client's reset (RFC 1337), so a client that reuses its source port within
 * those two minutes cannot connect at all. Linux does reuse ports that soon when it makes many
 * connections to one server (seen after ~45 s under testssl.sh: a two-minute connect stall). Like Linux
 * and the BSDs (RFC 1122 4.2.2.13, RFC 6191), we take a SYN whose sequence number lies beyond all of the
 * old connection's as a new connection: the TIME_WAIT PCB expires at lwIP's next slow timer (within
 * 500 ms) and this SYN is dropped unanswered, so the client's retransmission a second later reaches the
 * listener. lwIP forbids changing PCB lists from this hook; moving the timestamp back does not.
 */
err_t netstack_tcp_inpacket(struct tcp_pcb *pcb, struct tcp_hdr *hdr, struct pbuf *p)
{
    /* lwIP has moved p past the header, so tot_len is the segment's data. */
    trace_instant(TRACE_TCP_SEG_IN, netstack_tcp_pcb_trace_id(pcb), hdr->src,
                  (int32_t)((uint32_t)TCPH_FLAGS(hdr) << 16 | (p ? p->tot_len : 0u)));
    if (pcb->state != TIME_WAIT || (TCPH_FLAGS(hdr) & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN ||
        !TCP_SEQ_GT(hdr->seqno, pcb->rcv_nxt)) /* lwIP has converted hdr to host byte order */
        return ERR_OK;
    pcb->tmr = tcp_ticks - 2 * TCP_MSL / TCP_SLOW_INTERVAL - 1;
    return ERR_ABRT; /* drop: no ACK, which would only draw a reset from the client */
}

u32_t *netstack_tcp_outpacket(struct pbuf *p, struct tcp_hdr *hdr, const struct tcp_pcb *pcb, u32_t *opts)
{
    unsigned hlen = TCPH_HDRLEN_BYTES(hdr);
    unsigned data = p->tot_len > hlen ? p->tot_len - hlen : 0u;
    trace_instant(TRACE_TCP_SEG_OUT, netstack_tcp_pcb_trace_id(pcb), lwip_ntohs(hdr->dest),
                  (int32_t)((uint32_t)TCPH_FLAGS(hdr) << 16 | data));
    return opts;
}

/*
 * LWIP_PLATFORM_DIAG prints pieces of lines (LWIP_DEBUGF calls build one line in several printf calls),
 * so they are collected and written as one log line at each newline.
 */
void netstack_diag(const char *fmt, ...)
{
    static char line[256];
    static size_t used;
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(line + used, sizeof(line) - used, fmt, ap);
    va_end(ap);
    if (n > 0)
        used += (size_t)n < sizeof(line) - used ? (size_t)n : sizeof(line) - used - 1;
    char *nl;
    while ((nl = memchr(line, '\n', used)) != NULL) {
        *nl = '\0';
        log_line("lwip: %s", line);
        size_t rest = used - (size_t)(nl + 1 - line);
        memmove(line, nl + 1, rest);
        used = rest;
    }
    if (used == sizeof(line) - 1) {
        line[used] = '\0';
        log_line("lwip: %s", line);
        used = 0;
    }
}
