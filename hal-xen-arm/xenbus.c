/* SPDX-License-Identifier: ISC */
/* XenBus frontend plumbing over the xenstore client. */
#include "xenbus.h"

#include "xenstore.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <stdio.h>
#include <string.h>

static int path_join(char *out, size_t cap, const char *a, const char *b)
{
    int n = snprintf(out, cap, "%s/%s", a, b);
    return n < 0 || (size_t)n >= cap ? -HEARTH_ERANGE : 0;
}

int xenbus_device_open(struct xenbus_device *dev, const char *type, const char *id)
{
    char path[XENBUS_PATH_MAX];
    unsigned long backend_id;
    int n = snprintf(dev->node, sizeof(dev->node), "device/%s/%s", type, id);
    if (n < 0 || (size_t)n >= sizeof(dev->node))
        return -HEARTH_ERANGE;
    if (path_join(path, sizeof(path), dev->node, "backend") < 0)
        return -HEARTH_ERANGE;
    int rc = xs_read(XS_NO_TX, path, dev->backend, sizeof(dev->backend));
    if (rc < 0)
        return rc == -HEARTH_ERANGE ? -HEARTH_EBADMSG : rc;
    if (rc == 0 || dev->backend[0] != '/')
        return -HEARTH_EBADMSG;
    if (path_join(path, sizeof(path), dev->node, "backend-id") < 0)
        return -HEARTH_ERANGE;
    rc = xs_read_uint(XS_NO_TX, path, &backend_id);
    if (rc < 0)
        return rc;
    if (backend_id >= 0x7ff0) /* DOMID_FIRST_RESERVED */
        return -HEARTH_EBADMSG;
    dev->backend_id = (uint16_t)backend_id;
    return 0;
}

int xenbus_list(const char *type, char *buf, size_t cap)
{
    char path[XENBUS_PATH_MAX];
    if (path_join(path, sizeof(path), "device", type) < 0)
        return -HEARTH_ERANGE;
    return xs_directory(XS_NO_TX, path, buf, cap);
}

int xenbus_set_state(const struct xenbus_device *dev, XenbusState state)
{
    char value[4];
    snprintf(value, sizeof(value), "%d", (int)state);
    return xenbus_write_key(XS_NO_TX, dev, "state", value);
}

int xenbus_backend_state(const struct xenbus_device *dev)
{
    char path[XENBUS_PATH_MAX];
    unsigned long state;
    if (path_join(path, sizeof(path), dev->backend, "state") < 0)
        return -HEARTH_ERANGE;
    int rc = xs_read_uint(XS_NO_TX, path, &state);
    if (rc < 0)
        return rc;
    return state <= XenbusStateReconfigured ? (int)state : -HEARTH_EBADMSG;
}

int xenbus_wait_backend(const struct xenbus_device *dev, unsigned wanted_mask, uint64_t timeout_ns)
{
    char path[XENBUS_PATH_MAX];
    if (path_join(path, sizeof(path), dev->backend, "state") < 0)
        return -HEARTH_ERANGE;
    /* The watch makes xenstored wake us on every change, so the loop below sleeps between reads. */
    int watching = xs_watch(path, "hearth-xenbus-wait") == 0;
    uint64_t deadline = hearth_plat_monotonic_ns() + timeout_ns;
    int state;
    for (;;) {
        state = xenbus_backend_state(dev);
        if (state >= 0 && (wanted_mask & (1u << state)))
            break;
        if (state < 0 && state != -HEARTH_ENOENT)
            break;
        if (hearth_plat_monotonic_ns() >= deadline) {
            state = -HEARTH_ETIMEDOUT;
            break;
        }
        uint64_t nap = hearth_plat_monotonic_ns() + 100000000ull; /* re-read at least every 100 ms */
        hearth_plat_yield(nap < deadline ? nap : deadline);
    }
    if (watching)
        xs_unwatch(path, "hearth-xenbus-wait");
    return state;
}

int xenbus_write_key(uint32_t tx, const struct xenbus_device *dev, const char *key, const char *value)
{
    char path[XENBUS_PATH_MAX];
    if (path_join(path, sizeof(path), dev->node, key) < 0)
        return -HEARTH_ERANGE;
    return xs_write(tx, path, value);
}

int xenbus_read_backend(const struct xenbus_device *dev, const char *key, char *buf, size_t cap)
{
    char path[XENBUS_PATH_MAX];
    if (path_join(path, sizeof(path), dev->backend, key) < 0)
        return -HEARTH_ERANGE;
    return xs_read(XS_NO_TX, path, buf, cap);
}
