/* SPDX-License-Identifier: ISC */
/* blkfront: hearth/blk.h over Xen's PV block protocol, bounce-buffered, one request in flight. */
#include "evtchn.h"
#include "gnttab.h"
#include "page.h"
#include "ring.h"
#include "xenbus.h"
#include "xenstore.h"

#include <hearth/blk.h>
#include <hearth/err.h>
#include <hearth/plat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/blkif.h>
#include <xen/io/protocols.h>

#define PAGE PAGE_SIZE
#define SECTOR 512u
#define MAX_RING_ORDER 2u /* up to 4 ring pages when the backend offers them */
#define MAX_RING_PAGES (1u << MAX_RING_ORDER)
#define SEGMENTS BLKIF_MAX_SEGMENTS_PER_REQUEST
#define XS_WAIT_NS (120 * 1000000000ull)
#define CONNECT_WAIT_NS (30 * 1000000000ull)
#define IO_TIMEOUT_NS (10 * 1000000000ull)
#define DEVICE_WAIT_NS (30 * 1000000000ull)

struct hearth_blkdev {
    struct xenbus_device xb;
    int acquired;
    volatile blkif_sring_t *ring;
    unsigned ring_pages, ring_size;
    gnttab_ref_t ring_refs[MAX_RING_PAGES];
    evtchn_port_t port;
    uint32_t req_prod, rsp_cons;
    uint64_t next_id;
    void *bounce[SEGMENTS];
    gnttab_ref_t bounce_refs[SEGMENTS];
    uint64_t sectors;     /* capacity in 512-byte sectors, as the protocol counts */
    uint32_t sector_size; /* the backend's logical block size: our block size */
    int read_only, flush_op, vdev;
};

static struct hearth_blkdev vbd0;

static void on_event(evtchn_port_t port, void *arg)
{
    (void)port;
    (void)arg;
}

static int read_backend_u64(struct hearth_blkdev *d, const char *key, uint64_t *out)
{
    char buf[32];
    int rc = xenbus_read_backend(&d->xb, key, buf, sizeof(buf));
    if (rc <= 0)
        return rc < 0 ? rc : -HEARTH_EBADMSG;
    uint64_t v = 0;
    for (const char *p = buf; *p; p++) {
        if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10)
            return -HEARTH_EBADMSG;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    *out = v;
    return 0;
}

/* Entries in a ring of `pages` pages: the largest power of two that fits, as Xen's ring.h computes. */
static unsigned ring_entries(unsigned pages)
{
    size_t n = ((size_t)pages * PAGE - offsetof(blkif_sring_t, ring)) / sizeof(union blkif_sring_entry);
    unsigned p = 1;
    while ((size_t)p * 2 <= n)
        p *= 2;
    return p;
}

static void release(struct hearth_blkdev *d)
{
    if (d->port)
        evtchn_unbind(d->port, 1);
    d->port = 0;
    for (unsigned i = 0; i < SEGMENTS; i++) {
        if (d->bounce[i] && gnttab_end(d->bounce_refs[i]) == 0)
            page_free(d->bounce[i]);
        d->bounce[i] = NULL;
    }
    int ring_free = 1;
    for (unsigned i = 0; i < d->ring_pages; i++)
        ring_free &= gnttab_end(d->ring_refs[i]) == 0;
    if (d->ring && ring_free)
        page_free((void *)d->ring);
    d->ring = NULL;
    d->ring_pages = 0;
}

static int publish(struct hearth_blkdev *d, unsigned order)
{
    char key[16], value[16];
    for (int attempt = 0;; attempt++) {
        uint32_t tx;
        int rc = xs_transaction_start(&tx);
        if (rc < 0)
            return rc;
        if (order == 0) {
            snprintf(value, sizeof(value), "%u", (unsigned)d->ring_refs[0]);
            rc = xenbus_write_key(tx, &d->xb, "ring-ref", value);
        } else {
            snprintf(value, sizeof(value), "%u", order);
            rc = xenbus_write_key(tx, &d->xb, "ring-page-order", value);
            for (unsigned i = 0; rc == 0 && i < d->ring_pages; i++) {
                snprintf(key, sizeof(key), "ring-ref%u", i);
                snprintf(value, sizeof(value), "%u", (unsigned)d->ring_refs[i]);
                rc = xenbus_write_key(tx, &d->xb, key, value);
            }
        }
        snprintf(value, sizeof(value), "%u", (unsigned)d->port);
        rc = rc ? rc : xenbus_write_key(tx, &d->xb, "event-channel", value);
        rc = rc ? rc : xenbus_write_key(tx, &d->xb, "protocol", XEN_IO_PROTO_ABI_ARM);
        /*
         * Our bounce pages stay granted for the device's life, so the backend may keep them mapped
         * (persistent grants): no map and unmap per request, which is both faster and avoids stalls
         * we saw in dom0's asynchronous unmap path.
         */
        rc = rc ? rc : xenbus_write_key(tx, &d->xb, "feature-persistent", "1");
        int end = xs_transaction_end(tx, rc == 0);
        if (rc < 0)
            return rc;
        if (end != -HEARTH_EAGAIN || attempt > 10)
            return end;
    }
}

static int connect(struct hearth_blkdev *d)
{
    uint64_t max_order = 0, value;
    uint16_t be = d->xb.backend_id;
    int rc;

    if (read_backend_u64(d, "max-ring-page-order", &max_order) < 0)
        max_order = 0;
    unsigned order = max_order < MAX_RING_ORDER ? (unsigned)max_order : MAX_RING_ORDER;
    d->ring_pages = 1u << order;
    d->ring_size = ring_entries(d->ring_pages);
    d->ring = page_alloc(d->ring_pages);
    if (!d->ring)
        return -HEARTH_ENOMEM;
    d->ring->req_event = d->ring->rsp_event = 1;
    d->req_prod = d->rsp_cons = 0;
    for (unsigned i = 0; i < d->ring_pages; i++)
        if (gnttab_grant(be, (const uint8_t *)d->ring + i * PAGE, 0, &d->ring_refs[i]) < 0)
            return -HEARTH_ENOSPC;
    for (unsigned i = 0; i < SEGMENTS; i++) {
        if (!(d->bounce[i] = page_alloc(1)))
            return -HEARTH_ENOMEM;
        if (gnttab_grant(be, d->bounce[i], 0, &d->bounce_refs[i]) < 0)
            return -HEARTH_ENOSPC;
    }
    if ((rc = evtchn_alloc_unbound(be, &d->port)) < 0 || (rc = evtchn_bind(d->port, on_event, d)) < 0)
        return rc;
    if ((rc = publish(d, order)) < 0)
        return rc;
    if ((rc = xenbus_set_state(&d->xb, XenbusStateInitialised)) < 0)
        return rc;
    rc = xenbus_wait_backend(&d->xb, 1u << XenbusStateConnected, CONNECT_WAIT_NS);
    if (rc < 0)
        return rc;

    /* The backend publishes the disk's geometry once connected; check it before trusting it. */
    if ((rc = read_backend_u64(d, "sectors", &d->sectors)) < 0)
        return rc;
    if (read_backend_u64(d, "sector-size", &value) < 0 || value < SECTOR || value > PAGE ||
        (value & (value - 1)))
        return -HEARTH_EBADMSG;
    d->sector_size = (uint32_t)value;
    char info[16];
    d->read_only = xenbus_read_backend(&d->xb, "mode", info, sizeof(info)) > 0 && info[0] == 'r';
    d->flush_op = -1;
    if (read_backend_u64(d, "feature-flush-cache", &value) == 0 && value)
        d->flush_op = BLKIF_OP_FLUSH_DISKCACHE;
    else if (read_backend_u64(d, "feature-barrier", &value) == 0 && value)
        d->flush_op = BLKIF_OP_WRITE_BARRIER;
    return xenbus_set_state(&d->xb, XenbusStateConnected);
}

struct hearth_blkdev *hearth_blk_open(const char *name, int *err)
{
    struct hearth_blkdev *d = &vbd0;
    char ids[128];
    int rc;

    if (d->acquired) {
        rc = -HEARTH_EBUSY;
        goto out;
    }
    if ((rc = xs_connect(XS_WAIT_NS)) < 0)
        goto out;
    memset(d, 0, sizeof(*d));
    /*
     * name is an index into the vbd list ("0" = first), so callers need not know device numbers.
     * dom0 attaches disks a moment after it introduced us to xenstore: give them time to appear.
     */
    const char *id = NULL;
    uint64_t deadline = hearth_plat_monotonic_ns() + DEVICE_WAIT_NS;
    for (;;) {
        int n = xenbus_list("vbd", ids, sizeof(ids));
        unsigned want = (unsigned)strtoul(name, NULL, 10);
        for (const char *p = ids; n > 0 && p < ids + n; p += strlen(p) + 1)
            if (want-- == 0) {
                id = p;
                break;
            }
        if (id || (n < 0 && n != -HEARTH_ENOENT) || hearth_plat_monotonic_ns() >= deadline)
            break;
        hearth_plat_yield(hearth_plat_monotonic_ns() + 200000000ull);
    }
    if (!id) {
        rc = -HEARTH_ENOENT;
        goto out;
    }
    if ((rc = xenbus_device_open(&d->xb, "vbd", id)) < 0)
        goto out;
    d->vdev = (int)strtol(id, NULL, 10);
    if ((rc = connect(d)) < 0) {
        release(d);
        goto out;
    }
    d->acquired = 1;
out:
    if (err)
        *err = rc;
    return rc < 0 ? NULL : d;
}

void hearth_blk_info(struct hearth_blkdev *d, struct hearth_blk_info *info)
{
    info->block_size = d->sector_size;
    info->block_count = d->sectors / (d->sector_size / SECTOR);
    info->read_only = d->read_only;
}

/* Sends the request built in *req and waits for its response. Returns 0 or -HEARTH_EIO/-ETIMEDOUT. */
static int submit(struct hearth_blkdev *d, blkif_request_t *req)
{
    req->id = ++d->next_id;
    volatile blkif_request_t *slot = &d->ring->ring[d->req_prod & (d->ring_size - 1)].req;
    memcpy((void *)slot, req, sizeof(*req));
    uint32_t old = d->req_prod++;
    __atomic_store_n(&d->ring->req_prod, d->req_prod, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (ring_request_needs_notify(old, d->req_prod, d->ring->req_event))
        evtchn_notify(d->port);

    uint64_t deadline = hearth_plat_monotonic_ns() + IO_TIMEOUT_NS;
    for (;;) {
        int n = ring_pending_responses(__atomic_load_n(&d->ring->rsp_prod, __ATOMIC_ACQUIRE), d->rsp_cons,
                                       d->ring_size);
        if (n < 0)
            return -HEARTH_EIO; /* the backend's indexes are corrupt */
        while (n-- > 0) {
            blkif_response_t rsp =
                *(volatile blkif_response_t *)&d->ring->ring[d->rsp_cons++ & (d->ring_size - 1)].rsp;
            if (rsp.id != req->id)
                continue; /* stale or forged: only the one request we sent counts */
            d->ring->rsp_event = d->rsp_cons + 1;
            return rsp.status == BLKIF_RSP_OKAY ? 0 : -HEARTH_EIO;
        }
        d->ring->rsp_event = d->rsp_cons + 1;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (__atomic_load_n(&d->ring->rsp_prod, __ATOMIC_ACQUIRE) != d->rsp_cons)
            continue;
        if (hearth_plat_monotonic_ns() >= deadline) {
            /* A backend that never answers: say what the ring and the event channel looked like. */
            char ev[128], line[256];
            evtchn_describe(d->port, ev, sizeof(ev));
            int n = snprintf(
                line, sizeof(line), "blkfront: no response: req_prod %u rsp_prod %u rsp_cons %u; %s\n",
                (unsigned)d->ring->req_prod, (unsigned)d->ring->rsp_prod, (unsigned)d->rsp_cons, ev);
            hearth_plat_console_write(line, n > 0 && (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
            return -HEARTH_ETIMEDOUT;
        }
        hearth_plat_yield(deadline);
    }
}

/* Moves count blocks at lba through the bounce pages, up to SEGMENTS pages per request. */
static int transfer(struct hearth_blkdev *d, int write, uint64_t lba, uint8_t *buf, uint32_t count)
{
    const uint32_t bs = d->sector_size, per_page = PAGE / bs, sectors_per_block = bs / SECTOR;
    struct hearth_blk_info info;
    hearth_blk_info(d, &info);
    if (lba > info.block_count || count > info.block_count - lba)
        return -HEARTH_ERANGE;
    if (write && d->read_only)
        return -HEARTH_EPERM;
    while (count > 0) {
        uint32_t blocks = count < SEGMENTS * per_page ? count : SEGMENTS * per_page;
        blkif_request_t req = {.operation = write ? BLKIF_OP_WRITE : BLKIF_OP_READ,
                               .handle = (blkif_vdev_t)d->vdev,
                               .sector_number = lba * sectors_per_block};
        uint32_t left = blocks;
        for (unsigned seg = 0; left > 0; seg++) {
            uint32_t in_page = left < per_page ? left : per_page;
            req.seg[seg].gref = d->bounce_refs[seg];
            req.seg[seg].first_sect = 0;
            req.seg[seg].last_sect = (uint8_t)(in_page * sectors_per_block - 1);
            if (write)
                memcpy(d->bounce[seg], buf + (size_t)(blocks - left) * bs, (size_t)in_page * bs);
            req.nr_segments = (uint8_t)(seg + 1);
            left -= in_page;
        }
        int rc = submit(d, &req);
        if (rc < 0)
            return rc;
        if (!write) {
            left = blocks;
            for (unsigned seg = 0; left > 0; seg++) {
                uint32_t in_page = left < per_page ? left : per_page;
                memcpy(buf + (size_t)(blocks - left) * bs, d->bounce[seg], (size_t)in_page * bs);
                left -= in_page;
            }
        }
        buf += (size_t)blocks * bs;
        lba += blocks;
        count -= blocks;
    }
    return 0;
}

int hearth_blk_read(struct hearth_blkdev *d, uint64_t lba, void *buf, uint32_t count)
{
    return transfer(d, 0, lba, buf, count);
}

int hearth_blk_write(struct hearth_blkdev *d, uint64_t lba, const void *buf, uint32_t count)
{
    return transfer(d, 1, lba, (uint8_t *)(uintptr_t)buf, count);
}

int hearth_blk_flush(struct hearth_blkdev *d)
{
    if (d->flush_op < 0)
        return 0; /* the backend has no volatile cache to flush: completed writes are durable */
    blkif_request_t req = {.operation = (uint8_t)d->flush_op, .handle = (blkif_vdev_t)d->vdev};
    return submit(d, &req);
}
