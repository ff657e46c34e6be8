/* SPDX-License-Identifier: ISC */
/* The one lwIP netif over a hearth/net.h device: frames in by polling, frames out by copying. */
#ifndef NETSTACK_NETIF_HEARTH_H
#define NETSTACK_NETIF_HEARTH_H

#include <hearth/net.h>
#include <lwip/netif.h>
#include <stdint.h>

struct netif_hearth {
    struct netif netif;
    struct hearth_netdev *dev; /* owned by the HAL */
    uint64_t next_link_check_ns;
    uint32_t rx_frames, rx_dropped, tx_frames, tx_dropped;
};

/*
 * The init function for netif_add(): nh->dev must be set and netif->state must point at nh.
 * Sets the MAC, MTU and flags from the device; the link state follows the device from the first poll.
 */
err_t netif_hearth_init(struct netif *netif);

/*
 * Passes up to budget waiting frames to lwIP (netif->input) and, every 500 ms, copies the device's link
 * state to the netif. Returns the number of frames read: budget means more may be waiting.
 */
unsigned netif_hearth_poll(struct netif_hearth *nh, unsigned budget, uint64_t now_ns);

#endif
