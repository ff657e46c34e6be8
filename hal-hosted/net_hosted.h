/* SPDX-License-Identifier: ISC */
/* HAL-internal: the hosted network devices, each a descriptor that carries one frame per read/write. */
#ifndef HAL_HOSTED_NET_HOSTED_H
#define HAL_HOSTED_NET_HOSTED_H

#include <hearth/net.h>
#include <stdbool.h>

#define NET_HOSTED_NAME_MAX 16 /* IFNAMSIZ, including the NUL */

/* Both kinds (TAP and socket pair) read and write whole frames on fd, so one struct serves both. */
struct hearth_netdev {
    int fd;
    bool is_tap; /* TAP: the link is up while the host side is; pairs are always up */
    char name[NET_HOSTED_NAME_MAX];
    uint8_t mac[HEARTH_NET_MAC_LEN];
    unsigned mtu;
};

/*
 * Opens one end of the in-process test wire: "pair0" and "pair1" are connected to each other (frames
 * written on one are read on the other). Returns 0 with dev->fd set, -HEARTH_ENOENT for another name,
 * or -HEARTH_EIO if the socket pair could not be made.
 */
int net_pair_open(const char *name, struct hearth_netdev *dev);

/* Derives a stable, locally administered unicast MAC from the device name (FNV-1a). */
void net_hosted_mac_from_name(const char *name, uint8_t mac[HEARTH_NET_MAC_LEN]);

#endif
