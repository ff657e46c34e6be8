/* SPDX-License-Identifier: ISC */
/* Netfront's judgement of the backend's ring responses: ids, sizes, offsets and flags, never trusted. */
#include "netif_rsp.h"

enum netif_rx_verdict netif_rx_judge(const netif_rx_response_t *rsp, const uint8_t *posted, unsigned nbuf,
                                     size_t page, size_t cap, int *dropping)
{
    if (rsp->id >= nbuf || !posted[rsp->id])
        return NETIF_RX_UNKNOWN_ID;
    /* Widened before adding: a hostile offset plus size must not wrap past the page check. */
    int bad = rsp->status <= 0 || (uint32_t)rsp->offset + (uint32_t)rsp->status > page ||
              (rsp->flags & (NETRXF_extra_info | NETRXF_gso_prefix));
    int more = (rsp->flags & NETRXF_more_data) != 0;
    if (*dropping || bad || more) {
        /* A fragment chain is dropped whole: we never offered scatter-gather or GSO. */
        *dropping = more;
        return bad ? NETIF_RX_BAD : NETIF_RX_DROP;
    }
    if ((size_t)rsp->status > cap)
        return NETIF_RX_TOO_BIG;
    return NETIF_RX_DELIVER;
}

int netif_tx_judge(const netif_tx_response_t *rsp, const uint8_t *queued, unsigned nbuf, int *failed)
{
    if (rsp->status == NETIF_RSP_NULL)
        return 0;
    if (rsp->id >= nbuf || !queued[rsp->id])
        return -1;
    *failed = rsp->status != NETIF_RSP_OKAY;
    return 1;
}
