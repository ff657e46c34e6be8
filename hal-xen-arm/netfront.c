/* SPDX-License-Identifier: ISC */
/* netfront: hearth/net.h over Xen's PV network protocol (rx-copy, one page per ring, no offloads). */
#include "evtchn.h"
#include "gnttab.h"
#include "netif_rsp.h"
#include "page.h"
#include "ring.h"
#include "xenbus.h"
#include "xenstore.h"

#include <hearth/err.h>
#include <hearth/net.h>
#include <hearth/plat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/netif.h>

#define PAGE PAGE_SIZE
#define TX_RING_SIZE __CONST_RING_SIZE(netif_tx, PAGE)
#define RX_RING_SIZE __CONST_RING_SIZE(netif_rx, PAGE)
#define RX_BUFFERS 64u /* posted receive pages: 256 KiB, enough for a small hub's bursts */
#define TX_BUFFERS 32u
#define XS_WAIT_NS (120 * 1000000000ull) /* dom0 boots in seconds, slower on a loaded CI machine */
#define CONNECT_WAIT_NS (30 * 1000000000ull)
#define RESCAN_NS 500000000ull
#define DEVICE_WAIT_NS (30 * 1000000000ull)

struct buffer {
    void *page;
    gnttab_ref_t ref;
};

struct hearth_netdev {
    struct xenbus_device xb;
    char watch_token[48];
    int acquired, connected, broken;
    uint8_t mac[HEARTH_NET_MAC_LEN];
    volatile netif_tx_sring_t *tx_ring;
    volatile netif_rx_sring_t *rx_ring;
    gnttab_ref_t tx_ring_ref, rx_ring_ref;
    evtchn_port_t port;
    uint32_t tx_prod, tx_cons, rx_prod, rx_cons;
    int rx_dropping; /* skipping the rest of a multi-slot packet we never asked for */
    struct buffer rx[RX_BUFFERS], tx[TX_BUFFERS];
    uint8_t rx_posted[RX_BUFFERS], tx_queued[TX_BUFFERS]; /* buffer id is on the ring now */
    uint64_t next_rescan_ns;
    unsigned long rx_errors, tx_errors;
};

static struct hearth_netdev vif0;

static void on_event(evtchn_port_t port, void *arg)
{
    (void)port;
    (void)arg; /* the wake-up is the message: hearth_net_read/write look at the rings */
}

static int parse_mac(const char *s, uint8_t mac[HEARTH_NET_MAC_LEN])
{
    unsigned v[6];
    char tail;
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
        return -HEARTH_EBADMSG;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)v[i];
    return 0;
}

/* Revokes every grant and frees the rings; buffers whose grant is still busy are leaked on purpose. */
static void release(struct hearth_netdev *d)
{
    if (d->port)
        evtchn_unbind(d->port, 1);
    d->port = 0;
    struct buffer *all[2] = {d->rx, d->tx};
    unsigned counts[2] = {RX_BUFFERS, TX_BUFFERS};
    for (int k = 0; k < 2; k++) {
        for (unsigned i = 0; i < counts[k]; i++) {
            struct buffer *b = &all[k][i];
            if (b->page && gnttab_end(b->ref) == 0)
                page_free(b->page);
            b->page = NULL;
        }
    }
    memset(d->rx_posted, 0, sizeof(d->rx_posted));
    memset(d->tx_queued, 0, sizeof(d->tx_queued));
    if (d->tx_ring && gnttab_end(d->tx_ring_ref) == 0)
        page_free((void *)d->tx_ring);
    if (d->rx_ring && gnttab_end(d->rx_ring_ref) == 0)
        page_free((void *)d->rx_ring);
    d->tx_ring = NULL;
    d->rx_ring = NULL;
    d->connected = 0;
}

static void push_rx(struct hearth_netdev *d, unsigned id)
{
    volatile netif_rx_request_t *req = &d->rx_ring->ring[d->rx_prod & (RX_RING_SIZE - 1)].req;
    req->id = (uint16_t)id;
    req->gref = d->rx[id].ref;
    d->rx_posted[id] = 1;
    d->rx_prod++;
}

static void publish_rx(struct hearth_netdev *d, uint32_t old_prod)
{
    __atomic_store_n(&d->rx_ring->req_prod, d->rx_prod, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (ring_request_needs_notify(old_prod, d->rx_prod, d->rx_ring->req_event))
        evtchn_notify(d->port);
}

/* Grants rings and buffers, publishes them in one transaction, and waits for the backend. */
static int connect(struct hearth_netdev *d)
{
    char mac[32], value[16];
    int rc = xenbus_read_backend(&d->xb, "mac", mac, sizeof(mac));
    if (rc < 0 || parse_mac(mac, d->mac) < 0) {
        /* The frontend's own copy is the documented place; the backend's is a fallback. */
        char path[XENBUS_PATH_MAX + 8];
        snprintf(path, sizeof(path), "%s/mac", d->xb.node);
        if (xs_read(XS_NO_TX, path, mac, sizeof(mac)) < 0 || parse_mac(mac, d->mac) < 0)
            return -HEARTH_EBADMSG;
    }
    uint16_t be = d->xb.backend_id;
    d->tx_ring = page_alloc(1);
    d->rx_ring = page_alloc(1);
    if (!d->tx_ring || !d->rx_ring)
        return -HEARTH_ENOMEM;
    d->tx_ring->req_event = d->tx_ring->rsp_event = 1;
    d->rx_ring->req_event = d->rx_ring->rsp_event = 1;
    if (gnttab_grant(be, (const void *)d->tx_ring, 0, &d->tx_ring_ref) < 0 ||
        gnttab_grant(be, (const void *)d->rx_ring, 0, &d->rx_ring_ref) < 0)
        return -HEARTH_ENOSPC;
    d->tx_prod = d->tx_cons = d->rx_prod = d->rx_cons = 0;
    d->rx_dropping = 0;
    for (unsigned i = 0; i < RX_BUFFERS; i++) {
        if (!(d->rx[i].page = page_alloc(1)))
            return -HEARTH_ENOMEM;
        if (gnttab_grant(be, d->rx[i].page, 0, &d->rx[i].ref) < 0)
            return -HEARTH_ENOSPC;
        push_rx(d, i);
    }
    for (unsigned i = 0; i < TX_BUFFERS; i++) {
        if (!(d->tx[i].page = page_alloc(1)))
            return -HEARTH_ENOMEM;
        if (gnttab_grant(be, d->tx[i].page, 1, &d->tx[i].ref) < 0)
            return -HEARTH_ENOSPC;
    }
    d->rx_ring->req_prod = d->rx_prod;
    if ((rc = evtchn_alloc_unbound(be, &d->port)) < 0 || (rc = evtchn_bind(d->port, on_event, d)) < 0)
        return rc;

    for (int attempt = 0;; attempt++) {
        uint32_t tx;
        if ((rc = xs_transaction_start(&tx)) < 0)
            return rc;
        snprintf(value, sizeof(value), "%u", (unsigned)d->tx_ring_ref);
        rc = xenbus_write_key(tx, &d->xb, "tx-ring-ref", value);
        snprintf(value, sizeof(value), "%u", (unsigned)d->rx_ring_ref);
        rc = rc ? rc : xenbus_write_key(tx, &d->xb, "rx-ring-ref", value);
        snprintf(value, sizeof(value), "%u", (unsigned)d->port);
        rc = rc ? rc : xenbus_write_key(tx, &d->xb, "event-channel", value);
        rc = rc ? rc : xenbus_write_key(tx, &d->xb, "request-rx-copy", "1");
        rc = rc ? rc : xenbus_write_key(tx, &d->xb, "feature-rx-notify", "1");
        /* No checksum offload: the backend hands us complete checksums and expects them from us. */
        rc = rc ? rc : xenbus_write_key(tx, &d->xb, "feature-no-csum-offload", "1");
        rc = rc ? rc : xenbus_write_key(tx, &d->xb, "feature-sg", "0");
        rc = rc ? rc : xenbus_write_key(tx, &d->xb, "feature-gso-tcpv4", "0");
        int end = xs_transaction_end(tx, rc == 0);
        if (rc < 0)
            return rc;
        if (end == 0)
            break;
        if (end != -HEARTH_EAGAIN || attempt > 10)
            return end;
    }
    if ((rc = xenbus_set_state(&d->xb, XenbusStateConnected)) < 0)
        return rc;
    rc = xenbus_wait_backend(&d->xb, 1u << XenbusStateConnected, CONNECT_WAIT_NS);
    if (rc < 0)
        return rc;
    d->connected = 1;
    d->broken = 0;
    return 0;
}

/* Finds a vif whose backend waits for a frontend and connects to it. */
static int attach(struct hearth_netdev *d, const char *wanted_id)
{
    char ids[256];
    int n = xenbus_list("vif", ids, sizeof(ids));
    if (n < 0)
        return n;
    for (const char *id = ids; id < ids + n; id += strlen(id) + 1) {
        if (wanted_id && strcmp(id, wanted_id) != 0)
            continue;
        if (xenbus_device_open(&d->xb, "vif", id) < 0)
            continue;
        int state = xenbus_backend_state(&d->xb);
        if (state != XenbusStateInitWait && state != XenbusStateInitialised && state != XenbusStateConnected)
            continue;
        snprintf(d->watch_token, sizeof(d->watch_token), "hearth-vif-%.24s", id);
        char path[XENBUS_PATH_MAX + 8];
        snprintf(path, sizeof(path), "%s/state", d->xb.backend);
        xs_watch(path, d->watch_token);
        int rc = connect(d);
        if (rc < 0)
            release(d);
        return rc;
    }
    return -HEARTH_ENOENT;
}

/* Follows the backend through detach (Closing/Closed) and a later re-attach of a vif. */
static void track_backend(struct hearth_netdev *d)
{
    char token[64];
    int changed = 0;
    while (xs_watch_event(token, sizeof(token)))
        changed |= strcmp(token, d->watch_token) == 0;
    uint64_t now = hearth_plat_monotonic_ns();
    if (d->connected && (changed || d->broken)) {
        int state = xenbus_backend_state(&d->xb);
        if (state == XenbusStateConnected && !d->broken)
            return;
        /* The backend is going (or misbehaved): give everything back and say we are closed. */
        release(d);
        xenbus_set_state(&d->xb, XenbusStateClosing);
        xenbus_set_state(&d->xb, XenbusStateClosed);
        char path[XENBUS_PATH_MAX + 8];
        snprintf(path, sizeof(path), "%s/state", d->xb.backend);
        xs_unwatch(path, d->watch_token);
        d->next_rescan_ns = now + RESCAN_NS;
        return;
    }
    if (!d->connected && now >= d->next_rescan_ns) {
        d->next_rescan_ns = now + RESCAN_NS;
        attach(d, NULL);
    }
}

struct hearth_netdev *hearth_net_open(const char *name, int *err)
{
    struct hearth_netdev *d = &vif0;
    int rc;
    if (d->acquired) {
        rc = -HEARTH_EBUSY;
        goto out;
    }
    if ((rc = xs_connect(XS_WAIT_NS)) < 0)
        goto out;
    memset(d, 0, sizeof(*d));
    /* dom0 attaches the vif a moment after it introduced us to xenstore: give it time to appear. */
    uint64_t deadline = hearth_plat_monotonic_ns() + DEVICE_WAIT_NS;
    while ((rc = attach(d, name)) == -HEARTH_ENOENT && hearth_plat_monotonic_ns() < deadline)
        hearth_plat_yield(hearth_plat_monotonic_ns() + RESCAN_NS);
    if (rc < 0)
        goto out;
    d->acquired = 1;
out:
    if (err)
        *err = rc;
    return rc < 0 ? NULL : d;
}

void hearth_net_info(struct hearth_netdev *d, struct hearth_net_info *info)
{
    memcpy(info->mac, d->mac, sizeof(info->mac));
    info->mtu = 1500;
    info->link_up = d->connected;
}

static void collect_tx(struct hearth_netdev *d)
{
    int n = ring_pending_responses(__atomic_load_n(&d->tx_ring->rsp_prod, __ATOMIC_ACQUIRE), d->tx_cons,
                                   TX_RING_SIZE);
    if (n < 0) {
        d->broken = 1;
        return;
    }
    for (; n > 0; n--) {
        /* One read of the response: the backend may change the slot behind our back. */
        netif_tx_response_t rsp =
            *(volatile netif_tx_response_t *)&d->tx_ring->ring[d->tx_cons++ & (TX_RING_SIZE - 1)].rsp;
        int failed = 0, done = netif_tx_judge(&rsp, d->tx_queued, TX_BUFFERS, &failed);
        if (done < 0)
            d->tx_errors++; /* nothing queued under that id: ignore it, never index with it */
        if (done <= 0)
            continue;
        d->tx_queued[rsp.id] = 0;
        d->tx_errors += (unsigned long)failed;
    }
    d->tx_ring->rsp_event = d->tx_cons + 1;
}

int hearth_net_write(struct hearth_netdev *d, const void *frame, size_t len)
{
    if (len < 14 || len > HEARTH_NET_MAX_FRAME)
        return -HEARTH_EINVAL;
    track_backend(d);
    if (!d->connected)
        return -HEARTH_EIO;
    collect_tx(d);
    unsigned id;
    for (id = 0; id < TX_BUFFERS && d->tx_queued[id]; id++)
        ;
    if (id == TX_BUFFERS)
        return -HEARTH_EAGAIN;
    memcpy(d->tx[id].page, frame, len);
    volatile netif_tx_request_t *req = &d->tx_ring->ring[d->tx_prod & (TX_RING_SIZE - 1)].req;
    req->gref = d->tx[id].ref;
    req->offset = 0;
    req->flags = 0;
    req->id = (uint16_t)id;
    req->size = (uint16_t)len;
    d->tx_queued[id] = 1;
    uint32_t old = d->tx_prod++;
    __atomic_store_n(&d->tx_ring->req_prod, d->tx_prod, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (ring_request_needs_notify(old, d->tx_prod, d->tx_ring->req_event))
        evtchn_notify(d->port);
    return 0;
}

int hearth_net_read(struct hearth_netdev *d, void *buf, size_t len)
{
    track_backend(d);
    if (!d->connected)
        return 0;
    collect_tx(d);
    int result = 0;
    uint32_t old_prod = d->rx_prod;
    while (result == 0) {
        int n = ring_pending_responses(__atomic_load_n(&d->rx_ring->rsp_prod, __ATOMIC_ACQUIRE), d->rx_cons,
                                       RX_RING_SIZE);
        if (n < 0) {
            d->broken = 1;
            break;
        }
        if (n == 0) {
            /* Ask for an event at the next response, then look once more to close the race. */
            d->rx_ring->rsp_event = d->rx_cons + 1;
            __atomic_thread_fence(__ATOMIC_SEQ_CST);
            if (__atomic_load_n(&d->rx_ring->rsp_prod, __ATOMIC_ACQUIRE) == d->rx_cons)
                break;
            continue;
        }
        netif_rx_response_t rsp =
            *(volatile netif_rx_response_t *)&d->rx_ring->ring[d->rx_cons++ & (RX_RING_SIZE - 1)].rsp;
        enum netif_rx_verdict v = netif_rx_judge(&rsp, d->rx_posted, RX_BUFFERS, PAGE, len, &d->rx_dropping);
        if (v == NETIF_RX_UNKNOWN_ID) {
            d->rx_errors++; /* an id we never posted: ignore it, never index with it */
            continue;
        }
        d->rx_posted[rsp.id] = 0;
        if (v == NETIF_RX_BAD)
            d->rx_errors++;
        else if (v == NETIF_RX_TOO_BIG)
            result = -HEARTH_EOVERFLOW;
        else if (v == NETIF_RX_DELIVER) {
            memcpy(buf, (const uint8_t *)d->rx[rsp.id].page + rsp.offset, (size_t)rsp.status);
            result = rsp.status;
        }
        push_rx(d, rsp.id); /* the grant stays in place: reposting needs no hypercall */
    }
    if (d->rx_prod != old_prod)
        publish_rx(d, old_prod);
    return result;
}
