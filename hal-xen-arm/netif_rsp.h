/* SPDX-License-Identifier: ISC */
/* Netfront's judgement of the backend's ring responses, free of rings and grants so the host can fuzz it. */
#ifndef HAL_XEN_ARM_NETIF_RSP_H
#define HAL_XEN_ARM_NETIF_RSP_H

#include <stddef.h>
#include <stdint.h>
#include <xen/io/netif.h>

enum netif_rx_verdict {
    NETIF_RX_UNKNOWN_ID, /* an id we never posted (or not now): count an error, never index with it */
    NETIF_RX_DROP,       /* part of a multi-fragment packet (we offered no scatter-gather): repost, drop */
    NETIF_RX_BAD,        /* an error status, a size past the page, or extra-info/GSO flags: count, drop */
    NETIF_RX_TOO_BIG,    /* a good frame larger than the caller's buffer */
    NETIF_RX_DELIVER,    /* copy rsp->status bytes from rsp->offset of the buffer's page */
};

/*
 * Judges one receive response, already copied out of the shared ring (the backend may rewrite the slot).
 * posted[id] (nbuf entries) says whether buffer id is posted to the backend now; page is the buffer size;
 * cap is the caller's frame buffer. *dropping carries "the rest of this packet is dropped" from one
 * response to the next and is updated. NETIF_RX_DELIVER guarantees rsp->id < nbuf,
 * 0 < rsp->status <= cap and rsp->offset + rsp->status <= page; every verdict but NETIF_RX_UNKNOWN_ID
 * guarantees rsp->id < nbuf and posted[rsp->id] (the caller reposts that buffer).
 */
enum netif_rx_verdict netif_rx_judge(const netif_rx_response_t *rsp, const uint8_t *posted, unsigned nbuf,
                                     size_t page, size_t cap, int *dropping);

/*
 * Judges one transmit response: 1 when it completes buffer rsp->id (then rsp->id < nbuf and
 * queued[rsp->id] was set; *failed says whether the backend reported an error), 0 for a NULL response
 * (a slot the backend skipped), -1 for an id we have nothing queued under (count an error, ignore it).
 */
int netif_tx_judge(const netif_tx_response_t *rsp, const uint8_t *queued, unsigned nbuf, int *failed);

#endif
