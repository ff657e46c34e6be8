/* SPDX-License-Identifier: ISC */
/* XenBus frontend plumbing: find a device's backend, publish our state, wait for the backend's. */
#ifndef HAL_XEN_ARM_XENBUS_H
#define HAL_XEN_ARM_XENBUS_H

#include <stddef.h>
#include <stdint.h>
#include <xen/io/xenbus.h>

#define XENBUS_PATH_MAX 128

struct xenbus_device {
    char node[XENBUS_PATH_MAX];    /* our frontend directory, e.g. "device/vif/0" */
    char backend[XENBUS_PATH_MAX]; /* the backend's directory */
    uint16_t backend_id;
};

/*
 * Fills dev for the frontend node "device/<type>/<id>": reads its backend path and domain id.
 * Returns 0, -HEARTH_ENOENT if no such device, or -HEARTH_EBADMSG for malformed entries.
 */
int xenbus_device_open(struct xenbus_device *dev, const char *type, const char *id);

/* Lists the ids under "device/<type>" into buf (NUL-separated). Returns bytes used or an error. */
int xenbus_list(const char *type, char *buf, size_t cap);

/* Writes our state. Returns 0 or a negative HEARTH_E* code. */
int xenbus_set_state(const struct xenbus_device *dev, XenbusState state);

/* Reads the backend's state; returns it (>= 0) or a negative HEARTH_E* code. */
int xenbus_backend_state(const struct xenbus_device *dev);

/*
 * Waits up to timeout_ns until the backend's state is one of the bits in wanted_mask (1 << state).
 * Returns the state reached, -HEARTH_ETIMEDOUT, or a negative HEARTH_E* code.
 */
int xenbus_wait_backend(const struct xenbus_device *dev, unsigned wanted_mask, uint64_t timeout_ns);

/* Writes "<dev->node>/<key>" = value inside transaction tx. */
int xenbus_write_key(uint32_t tx, const struct xenbus_device *dev, const char *key, const char *value);

/* Reads "<dev->backend>/<key>". Same returns as xs_read. */
int xenbus_read_backend(const struct xenbus_device *dev, const char *key, char *buf, size_t cap);

#endif
