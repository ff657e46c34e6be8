/* SPDX-License-Identifier: ISC */
/* hearth/net.h over Linux: an existing TAP device (IFF_TAP | IFF_NO_PI, non-blocking), or the test pair. */
#define _GNU_SOURCE
#include "fdwatch.h"
#include "net_hosted.h"

#include <errno.h>
#include <fcntl.h>
#include <hearth/err.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* A hosted guest has a device or two; opening one twice is refused like a second Xen frontend would be. */
#define NET_HOSTED_MAX_DEVS 4

static struct hearth_netdev devs[NET_HOSTED_MAX_DEVS];
static unsigned dev_count;

void net_hosted_mac_from_name(const char *name, uint8_t mac[HEARTH_NET_MAC_LEN])
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const char *p = name; *p; p++) {
        h ^= (uint8_t)*p;
        h *= 0x100000001b3ull;
    }
    /* 0x02 in the first octet: locally administered, unicast; never collides with a vendor's MAC. */
    mac[0] = 0x02;
    for (int i = 1; i < HEARTH_NET_MAC_LEN; i++)
        mac[i] = (uint8_t)(h >> (8 * (i - 1)));
}

static int errno_to_hearth(int e)
{
    switch (e) {
    case ENOENT:
    case ENODEV:
    case ENXIO: return -HEARTH_ENOENT;
    case EPERM:
    case EACCES: return -HEARTH_EPERM;
    case EBUSY: return -HEARTH_EBUSY;
    case ENOMEM: return -HEARTH_ENOMEM;
    case EINVAL: return -HEARTH_EINVAL;
    default: return -HEARTH_EIO;
    }
}

/* Runs an interface ioctl (SIOCGIFMTU, SIOCGIFFLAGS) on the host side of the TAP. */
static int host_ifreq(const char *name, unsigned long request, struct ifreq *ifr)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -HEARTH_EIO;
    memset(ifr, 0, sizeof(*ifr));
    memcpy(ifr->ifr_name, name, strlen(name) + 1);
    int rc = ioctl(s, request, ifr) == 0 ? 0 : errno_to_hearth(errno);
    close(s);
    return rc;
}

/*
 * Attaches to the TAP interface called name. Hearth never creates host interfaces: the test or the
 * operator makes the TAP (and its address), so running the hosted build without one changes nothing.
 */
static int tap_open(const char *name, struct hearth_netdev *dev)
{
    struct ifreq ifr;
    int fd = -1, rc;

    if (if_nametoindex(name) == 0) {
        rc = -HEARTH_ENOENT;
        goto out;
    }
    fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        rc = errno_to_hearth(errno);
        goto out;
    }
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    memcpy(ifr.ifr_name, name, strlen(name) + 1);
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        rc = errno_to_hearth(errno);
        goto out;
    }
    dev->fd = fd;
    dev->is_tap = true;
    dev->mtu = 1500;
    /* A host MTU below Ethernet's 1500 (a tunnel underneath) caps ours; a larger one does not raise it. */
    if (host_ifreq(name, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu >= 576 && ifr.ifr_mtu < 1500)
        dev->mtu = (unsigned)ifr.ifr_mtu;
    fd = -1;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

struct hearth_netdev *hearth_net_open(const char *name, int *err)
{
    struct hearth_netdev *dev = NULL;
    int rc;

    if (name[0] == '\0' || strlen(name) >= NET_HOSTED_NAME_MAX) {
        rc = -HEARTH_ENOENT;
        goto out;
    }
    for (unsigned i = 0; i < dev_count; i++) {
        if (strcmp(devs[i].name, name) == 0) {
            rc = -HEARTH_EBUSY;
            goto out;
        }
    }
    if (dev_count == NET_HOSTED_MAX_DEVS) {
        rc = -HEARTH_ENOMEM;
        goto out;
    }
    struct hearth_netdev *d = &devs[dev_count];
    memset(d, 0, sizeof(*d));
    rc = net_pair_open(name, d);
    if (rc == -HEARTH_ENOENT)
        rc = tap_open(name, d);
    if (rc < 0)
        goto out;
    memcpy(d->name, name, strlen(name) + 1);
    net_hosted_mac_from_name(name, d->mac);
    /* The watch table has room for every device this table can hold, so this cannot fail. */
    rc = fdwatch_add(d->fd);
    HEARTH_ASSERT(rc == 0);
    dev_count++;
    dev = d;
out:
    if (err)
        *err = dev ? 0 : rc;
    return dev;
}

void hearth_net_info(struct hearth_netdev *dev, struct hearth_net_info *info)
{
    struct ifreq ifr;
    memcpy(info->mac, dev->mac, HEARTH_NET_MAC_LEN);
    info->mtu = dev->mtu;
    info->link_up = 1;
    /* The host side administratively down means writes fail with EIO: report it as link down. */
    if (dev->is_tap && host_ifreq(dev->name, SIOCGIFFLAGS, &ifr) == 0)
        info->link_up = (ifr.ifr_flags & IFF_UP) != 0;
}

int hearth_net_read(struct hearth_netdev *dev, void *buf, size_t len)
{
    /* Whatever does not fit in buf lands in the spill buffer, so an oversized frame is detected (and
     * dropped) instead of being truncated silently; the common case copies once. */
    static uint8_t spill[65536];
    struct iovec iov[2] = {{.iov_base = buf, .iov_len = len}, {.iov_base = spill, .iov_len = sizeof(spill)}};
    for (;;) {
        ssize_t n = readv(dev->fd, iov, 2);
        if (n >= 0)
            return (size_t)n > len ? -HEARTH_EOVERFLOW : (int)n;
        if (errno == EINTR)
            continue;
        /* EAGAIN: nothing waiting. Any other error (the host deleted the TAP) reads as an idle link. */
        return 0;
    }
}

int hearth_net_write(struct hearth_netdev *dev, const void *frame, size_t len)
{
    if (len < 14 || len > HEARTH_NET_MAX_FRAME)
        return -HEARTH_EINVAL;
    for (;;) {
        ssize_t n = write(dev->fd, frame, len);
        if (n == (ssize_t)len)
            return 0;
        if (n >= 0)
            return -HEARTH_EIO; /* a TAP or SEQPACKET write is all or nothing; a short one is a failure */
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
            return -HEARTH_EAGAIN;
        return -HEARTH_EIO;
    }
}
