/* SPDX-License-Identifier: ISC */
/* The hosted HAL's wake-up sources: a fixed set of descriptors that hearth_plat_yield polls. */
#include "fdwatch.h"

#include <errno.h>
#include <hearth/err.h>
#include <poll.h>
#include <stddef.h>

/* A guest has a handful of devices; a fixed table keeps yield free of allocation. */
#define FDWATCH_MAX 8

static struct pollfd watched[FDWATCH_MAX];
static nfds_t watched_count;

int fdwatch_add(int fd)
{
    for (nfds_t i = 0; i < watched_count; i++) {
        if (watched[i].fd == fd)
            return 0;
    }
    if (watched_count == FDWATCH_MAX)
        return -HEARTH_ENOSPC;
    watched[watched_count].fd = fd;
    watched[watched_count].events = POLLIN;
    watched[watched_count].revents = 0;
    watched_count++;
    return 0;
}

void fdwatch_remove(int fd)
{
    for (nfds_t i = 0; i < watched_count; i++) {
        if (watched[i].fd == fd) {
            watched[i] = watched[--watched_count];
            return;
        }
    }
}

int fdwatch_wait(int timeout_ms)
{
    int n = poll(watched_count ? watched : NULL, watched_count, timeout_ms);
    /* A signal counts as an event: the caller re-checks its state anyway, and spurious wake-ups are
     * allowed by the contract. Errors other than EINTR cannot happen with a valid fixed table. */
    if (n < 0)
        return errno == EINTR ? 1 : 0;
    /* A descriptor in error (the host deleted the TAP) would end every wait at once and spin the loop:
     * stop watching it. Its device then reads as idle. */
    for (nfds_t i = 0; i < watched_count;) {
        if (watched[i].revents & (POLLERR | POLLHUP | POLLNVAL))
            watched[i] = watched[--watched_count];
        else
            i++;
    }
    return n > 0 ? 1 : 0;
}
