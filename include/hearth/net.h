/* SPDX-License-Identifier: ISC */
/* The network-device contract: whole Ethernet frames in and out, never blocking. */
#ifndef HEARTH_NET_H
#define HEARTH_NET_H

#include <stddef.h>
#include <stdint.h>

#define HEARTH_NET_MAC_LEN 6
#define HEARTH_NET_MAX_FRAME 1514 /* Ethernet header + 1500-byte MTU, no FCS */

struct hearth_netdev; /* owned by the HAL */

struct hearth_net_info {
    uint8_t mac[HEARTH_NET_MAC_LEN];
    unsigned mtu; /* IP MTU, normally 1500 */
    int link_up;  /* 0 while the backend is (re)connecting */
};

/*
 * Acquires the network device called name ("0" is the first Xen vif; a TAP name when hosted).
 * Returns the device (owned by the HAL) or NULL; *err, if not NULL, gets -HEARTH_ENOENT (no such
 * device), -HEARTH_EBUSY (already acquired), -HEARTH_EIO (backend failed) or -HEARTH_ENOMEM.
 */
struct hearth_netdev *hearth_net_open(const char *name, int *err);

/* Fills *info with the current MAC, MTU and link state. */
void hearth_net_info(struct hearth_netdev *dev, struct hearth_net_info *info);

/*
 * Copies the next received frame into buf (at most len bytes). Returns the frame length, 0 when no
 * frame is waiting, or -HEARTH_EOVERFLOW if the frame was longer than len (the frame is dropped).
 */
int hearth_net_read(struct hearth_netdev *dev, void *buf, size_t len);

/*
 * Queues one frame for transmission; the data is copied before return. Returns 0, -HEARTH_EAGAIN
 * when the transmit ring is full (retry after hearth_plat_yield), -HEARTH_EINVAL for a frame longer
 * than HEARTH_NET_MAX_FRAME or shorter than an Ethernet header, or -HEARTH_EIO while the link is down.
 */
int hearth_net_write(struct hearth_netdev *dev, const void *frame, size_t len);

#endif
