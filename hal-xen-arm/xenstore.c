/* SPDX-License-Identifier: ISC */
/* xenstore client over the shared ring; waits by yielding to the platform, with a timeout per call. */
#include "xenstore.h"

#include "evtchn.h"
#include "hypercall.h"
#include "mmu_lpae.h"
#include "xs_wire.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <string.h>
#include <xen/io/xs_wire.h>

#define XS_CALL_TIMEOUT_NS (10 * 1000000000ull)
#define WATCH_QUEUE 16
#define TOKEN_MAX 64

struct xs_client {
    volatile struct xenstore_domain_interface *ring;
    evtchn_port_t port;
    int connected;
    uint32_t next_req_id;
    /* The message being received, possibly over several ring reads. */
    uint8_t rx[XS_HEADER_SIZE + XS_PAYLOAD_MAX + 1];
    size_t rx_have;
    /* The reply we are waiting for, once complete. */
    int reply_ready;
    uint32_t reply_req_id;
    struct xs_header reply_hdr;
    /* Watch tokens seen but not yet taken. */
    char watch_tokens[WATCH_QUEUE][TOKEN_MAX];
    unsigned watch_head, watch_count;
    uint8_t tx_buf[XS_HEADER_SIZE + XS_PAYLOAD_MAX];
};

static struct xs_client xs;

static void on_store_event(evtchn_port_t port, void *arg)
{
    (void)port;
    (void)arg; /* the ring is re-read by whoever waits; the wake-up itself is the message */
}

static void queue_watch(const char *token)
{
    for (unsigned i = 0; i < xs.watch_count; i++)
        if (strcmp(xs.watch_tokens[(xs.watch_head + i) % WATCH_QUEUE], token) == 0)
            return; /* already queued: watchers re-read state, so one entry is enough */
    if (xs.watch_count == WATCH_QUEUE)
        return;
    char *slot = xs.watch_tokens[(xs.watch_head + xs.watch_count) % WATCH_QUEUE];
    strncpy(slot, token, TOKEN_MAX - 1);
    slot[TOKEN_MAX - 1] = '\0';
    xs.watch_count++;
}

/*
 * Moves whatever the ring holds into xs.rx and handles complete messages. Returns 0, or
 * -HEARTH_EBADMSG when the indexes or a header are corrupt (the connection is then unusable).
 */
static int pump_rx(void)
{
    volatile struct xenstore_domain_interface *r = xs.ring;
    for (;;) {
        size_t want = XS_HEADER_SIZE;
        if (xs.rx_have >= XS_HEADER_SIZE) {
            struct xs_header h;
            if (xs_header_decode(xs.rx, &h) < 0)
                return -HEARTH_EBADMSG;
            want = XS_HEADER_SIZE + h.len;
            if (xs.rx_have == want) {
                xs.rx[want] = '\0';
                if (h.type != XS_WATCH_EVENT && xs.reply_req_id && h.req_id == xs.reply_req_id) {
                    xs.reply_hdr = h;
                    xs.reply_ready = 1;
                    return 0; /* xs.rx holds the reply until request() takes it */
                }
                const char *path, *token;
                if (h.type == XS_WATCH_EVENT &&
                    xs_watch_event_split((const char *)xs.rx + XS_HEADER_SIZE, h.len, &path, &token) == 0)
                    queue_watch(token);
                xs.rx_have = 0; /* a watch event, or a reply nobody waits for any more */
                continue;
            }
        }
        uint32_t cons = r->rsp_cons, prod = __atomic_load_n(&r->rsp_prod, __ATOMIC_ACQUIRE);
        int avail = xs_ring_readable(cons, prod);
        if (avail <= 0)
            return avail;
        size_t n = want - xs.rx_have;
        if (n > (size_t)avail)
            n = (size_t)avail;
        xs_ring_copy_out(r->rsp, cons, xs.rx + xs.rx_have, n);
        __atomic_store_n(&r->rsp_cons, cons + (uint32_t)n, __ATOMIC_RELEASE);
        evtchn_notify(xs.port);
        xs.rx_have += n;
    }
}

static int wait_for_reply(uint64_t deadline)
{
    for (;;) {
        int rc = pump_rx();
        if (rc < 0)
            return rc;
        if (xs.reply_ready)
            return 0;
        if (hearth_plat_monotonic_ns() >= deadline)
            return -HEARTH_ETIMEDOUT;
        hearth_plat_yield(deadline);
    }
}

static int send_bytes(const uint8_t *buf, size_t len, uint64_t deadline)
{
    volatile struct xenstore_domain_interface *r = xs.ring;
    while (len > 0) {
        uint32_t prod = r->req_prod, cons = __atomic_load_n(&r->req_cons, __ATOMIC_ACQUIRE);
        int room = xs_ring_writable(cons, prod);
        if (room < 0)
            return room;
        if (room == 0) {
            if (hearth_plat_monotonic_ns() >= deadline)
                return -HEARTH_ETIMEDOUT;
            hearth_plat_yield(deadline);
            continue;
        }
        size_t n = len < (size_t)room ? len : (size_t)room;
        xs_ring_copy_in(r->req, prod, buf, n);
        __atomic_store_n(&r->req_prod, prod + (uint32_t)n, __ATOMIC_RELEASE);
        evtchn_notify(xs.port);
        buf += n;
        len -= n;
    }
    return 0;
}

/*
 * One request/reply exchange. On success the reply payload (NUL-terminated) is copied into reply
 * (if not NULL) and its length returned.
 */
static int request(uint32_t type, uint32_t tx, const char *const *parts, unsigned nparts, int last_raw,
                   char *reply, size_t cap)
{
    if (!xs.connected)
        return -HEARTH_EIO;
    uint32_t id = ++xs.next_req_id;
    int len = xs_request_encode(xs.tx_buf, sizeof(xs.tx_buf), type, id, tx, parts, nparts, last_raw);
    if (len < 0)
        return len;
    uint64_t deadline = hearth_plat_monotonic_ns() + XS_CALL_TIMEOUT_NS;
    xs.reply_req_id = id;
    xs.reply_ready = 0;
    int rc = send_bytes(xs.tx_buf, (size_t)len, deadline);
    if (rc == 0)
        rc = wait_for_reply(deadline);
    if (rc < 0) {
        xs.reply_req_id = 0; /* a late reply will be dropped */
        return rc;
    }
    const char *payload = (const char *)xs.rx + XS_HEADER_SIZE;
    size_t plen = xs.reply_hdr.len;
    if (xs.reply_hdr.type == XS_ERROR)
        rc = xs_error_decode(payload, plen);
    else if (xs.reply_hdr.type != type)
        rc = -HEARTH_EBADMSG;
    else if (reply && plen + 1 > cap)
        rc = -HEARTH_ERANGE;
    else {
        if (reply) {
            memcpy(reply, payload, plen);
            reply[plen] = '\0';
        }
        rc = (int)plen;
    }
    xs.rx_have = 0;
    xs.reply_ready = 0;
    xs.reply_req_id = 0;
    return rc;
}

int xs_connected(void)
{
    return xs.connected;
}

int xs_connect(uint64_t timeout_ns)
{
    uint64_t port, pfn;
    if (xs.connected)
        return 0;
    if (hypercall_hvm_get_param(HVM_PARAM_STORE_EVTCHN, &port) != 0 || port == 0)
        return -HEARTH_ENOENT;
    if (xs.port != (evtchn_port_t)port) {
        xs.port = (evtchn_port_t)port;
        evtchn_bind(xs.port, on_store_event, NULL);
    }
    uint64_t deadline = hearth_plat_monotonic_ns() + timeout_ns;
    /* dom0less: the page (and STORE_PFN) arrive when dom0 runs init-dom0less, which then notifies. */
    for (;;) {
        if (hypercall_hvm_get_param(HVM_PARAM_STORE_PFN, &pfn) != 0 || pfn == 0)
            return -HEARTH_EIO;
        if (pfn != ~0ull) {
            uintptr_t addr = (uintptr_t)(pfn << 12);
            if (mmu_remap_normal(addr, 4096) != 0)
                return -HEARTH_EIO;
            xs.ring = (volatile struct xenstore_domain_interface *)addr;
            if (__atomic_load_n(&xs.ring->connection, __ATOMIC_ACQUIRE) == XENSTORE_CONNECTED)
                break;
        }
        if (hearth_plat_monotonic_ns() >= deadline)
            return -HEARTH_ETIMEDOUT;
        hearth_plat_yield(deadline);
    }
    /* Whatever a previous user left in the response ring is not ours. */
    xs.ring->rsp_cons = __atomic_load_n(&xs.ring->rsp_prod, __ATOMIC_ACQUIRE);
    xs.rx_have = 0;
    xs.connected = 1;
    /*
     * A PV console ring is only there when the toolstack made one: Xen 4.17's init-dom0less does not
     * (HVM_PARAM_CONSOLE_PFN reads 0, measured), so a dom0less guest keeps its vpl011 console. Say so.
     */
    uint64_t console_pfn = 0;
    if (hypercall_hvm_get_param(HVM_PARAM_CONSOLE_PFN, &console_pfn) != 0 || console_pfn == 0 ||
        console_pfn == ~0ull) {
        static const char note[] =
            "xen: xenstore connected; no PV console ring for this domain (console stays vpl011)\n";
        hearth_plat_console_write(note, sizeof(note) - 1);
    }
    return 0;
}

int xs_read(uint32_t tx, const char *path, char *buf, size_t cap)
{
    const char *parts[] = {path};
    return request(XS_READ, tx, parts, 1, 0, buf, cap);
}

int xs_read_uint(uint32_t tx, const char *path, unsigned long *value)
{
    char buf[24];
    int rc = xs_read(tx, path, buf, sizeof(buf));
    if (rc < 0)
        return rc;
    if (rc == 0)
        return -HEARTH_EBADMSG;
    unsigned long v = 0;
    for (const char *p = buf; *p; p++) {
        if (*p < '0' || *p > '9' || v > (~0ul - 9) / 10)
            return -HEARTH_EBADMSG;
        v = v * 10 + (unsigned long)(*p - '0');
    }
    *value = v;
    return 0;
}

int xs_write(uint32_t tx, const char *path, const char *value)
{
    const char *parts[] = {path, value};
    int rc = request(XS_WRITE, tx, parts, 2, 1, NULL, 0);
    return rc < 0 ? rc : 0;
}

int xs_rm(uint32_t tx, const char *path)
{
    const char *parts[] = {path};
    int rc = request(XS_RM, tx, parts, 1, 0, NULL, 0);
    return rc < 0 ? rc : 0;
}

int xs_directory(uint32_t tx, const char *path, char *buf, size_t cap)
{
    const char *parts[] = {path};
    return request(XS_DIRECTORY, tx, parts, 1, 0, buf, cap);
}

int xs_transaction_start(uint32_t *tx)
{
    char id[16];
    const char *parts[] = {""};
    int rc = request(XS_TRANSACTION_START, XS_NO_TX, parts, 1, 0, id, sizeof(id));
    if (rc < 0)
        return rc;
    unsigned long v = 0;
    for (const char *p = id; *p; p++) {
        if (*p < '0' || *p > '9' || v > 0xffffffffu / 10)
            return -HEARTH_EBADMSG;
        v = v * 10 + (unsigned long)(*p - '0');
    }
    *tx = (uint32_t)v;
    return 0;
}

int xs_transaction_end(uint32_t tx, int commit)
{
    const char *parts[] = {commit ? "T" : "F"};
    int rc = request(XS_TRANSACTION_END, tx, parts, 1, 0, NULL, 0);
    return rc < 0 ? rc : 0;
}

int xs_watch(const char *path, const char *token)
{
    const char *parts[] = {path, token};
    int rc = request(XS_WATCH, XS_NO_TX, parts, 2, 0, NULL, 0);
    return rc < 0 ? rc : 0;
}

int xs_unwatch(const char *path, const char *token)
{
    const char *parts[] = {path, token};
    int rc = request(XS_UNWATCH, XS_NO_TX, parts, 2, 0, NULL, 0);
    return rc < 0 ? rc : 0;
}

int xs_watch_event(char *token, size_t cap)
{
    if (xs.connected && pump_rx() < 0)
        return 0;
    if (xs.watch_count == 0)
        return 0;
    const char *t = xs.watch_tokens[xs.watch_head];
    if (cap > 0) {
        strncpy(token, t, cap - 1);
        token[cap - 1] = '\0';
    }
    xs.watch_head = (xs.watch_head + 1) % WATCH_QUEUE;
    xs.watch_count--;
    return 1;
}
