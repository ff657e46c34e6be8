/* SPDX-License-Identifier: ISC */
/* The loopback pair "pair0" <-> "pair1": two connected in-process devices for unit tests. */
#define _GNU_SOURCE
#include "net_hosted.h"

#include <hearth/err.h>
#include <string.h>
#include <sys/socket.h>

/* A SEQPACKET socket pair keeps frame boundaries, is non-blocking, and can be polled like a TAP fd. */
static int pair_fds[2] = {-1, -1};

int net_pair_open(const char *name, struct hearth_netdev *dev)
{
    int end;
    if (strcmp(name, "pair0") == 0)
        end = 0;
    else if (strcmp(name, "pair1") == 0)
        end = 1;
    else
        return -HEARTH_ENOENT;
    if (pair_fds[0] < 0 &&
        socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair_fds) != 0) {
        pair_fds[0] = pair_fds[1] = -1;
        return -HEARTH_EIO;
    }
    dev->fd = pair_fds[end];
    dev->is_tap = false;
    dev->mtu = 1500;
    return 0;
}
