/* SPDX-License-Identifier: ISC */
/* Fuzzes netfront's judgement of ring responses from a hostile backend: ids, sizes, offsets, flags, indexes.
 */
#include "netif_rsp.h"
#include "ring.h"

#include <stdlib.h>
#include <string.h>

#define NBUF 64u
#define PAGE 4096u
#define RING 256u

static uint16_t u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/*
 * The input is a stream of 9-byte records: a selector byte, then a response as the backend wrote it.
 * Selector bit 0: receive (id, offset, flags, status) or transmit (id, status) response; bits 1..: the
 * caller's buffer size for this read. Every 16th record also feeds the ring index check.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t pages[NBUF][PAGE];
    uint8_t posted[NBUF], queued[NBUF], frame[2048];
    int dropping = 0;
    memset(posted, 1, sizeof(posted));
    memset(queued, 1, sizeof(queued));
    for (size_t i = 0; i + 9 <= size; i += 9) {
        const uint8_t *r = data + i;
        if (r[0] & 1) {
            netif_rx_response_t rsp = {
                .id = u16(r + 1), .offset = u16(r + 3), .flags = u16(r + 5), .status = (int16_t)u16(r + 7)};
            size_t cap = (size_t)(r[0] >> 1) * 16u; /* 0 .. 2032 bytes */
            enum netif_rx_verdict v = netif_rx_judge(&rsp, posted, NBUF, PAGE, cap, &dropping);
            if (v == NETIF_RX_UNKNOWN_ID)
                continue;
            if (rsp.id >= NBUF || !posted[rsp.id])
                abort(); /* the contract: every other verdict names a posted buffer */
            if (v == NETIF_RX_DELIVER) {
                if (rsp.status <= 0 || (size_t)rsp.status > cap || rsp.offset + (size_t)rsp.status > PAGE)
                    abort();
                memcpy(frame, pages[rsp.id] + rsp.offset, (size_t)rsp.status); /* ASan checks the bounds */
            }
            posted[rsp.id] = 1; /* reposted, as netfront does */
        } else {
            netif_tx_response_t rsp = {.id = u16(r + 1), .status = (int16_t)u16(r + 3)};
            int failed = 0, done = netif_tx_judge(&rsp, queued, NBUF, &failed);
            if (done == 1) {
                if (rsp.id >= NBUF || !queued[rsp.id])
                    abort();
                queued[rsp.id] = 0;
            }
            if (r[5] & 1)
                memset(queued, 1, sizeof(queued)); /* the next burst of frames */
        }
        if ((i / 9) % 16 == 15) {
            uint32_t prod = (uint32_t)r[5] << 24 | (uint32_t)r[6] << 16 | (uint32_t)r[7] << 8 | r[8];
            uint32_t cons = (uint32_t)r[1] << 24 | (uint32_t)r[2] << 16 | (uint32_t)r[3] << 8 | r[4];
            int n = ring_pending_responses(prod, cons, RING);
            if (n > (int)RING || (n >= 0 && prod - cons != (uint32_t)n))
                abort();
        }
    }
    return 0;
}
