/* SPDX-License-Identifier: ISC */
/* Event channels: the 2-level pending/mask bitmaps in shared_info, scanned after every upcall. */
#include "evtchn.h"

#include "hypercall.h"

#include <hearth/err.h>
#include <stdio.h>
#include <string.h>

#define WORD_BITS 64u /* xen_ulong_t is 64-bit on both ARM arches */
#define MAX_PORTS (WORD_BITS * WORD_BITS)
#define STORM_BACKOFF_NS 10000000ull

struct port_state {
    evtchn_handler_fn fn;
    void *arg;
    uint32_t count_this_second;
    uint64_t masked_until_ns; /* non-zero while backing off from a storm */
};

/*
 * Xen replaces the RAM page under this buffer with the shared_info frame; it must be a whole,
 * page-aligned page of normal memory that nothing else uses.
 */
static union {
    struct shared_info info;
    uint8_t page[4096];
} shared_page __attribute__((aligned(4096)));

static struct {
    struct shared_info *shared;
    unsigned upcall_intid;
    uint64_t second_start_ns;
    struct port_state ports[MAX_PORTS];
} ev;

static void set_bit64(volatile xen_ulong_t *words, unsigned bit)
{
    __atomic_fetch_or(&words[bit / WORD_BITS], 1ull << (bit % WORD_BITS), __ATOMIC_SEQ_CST);
}

static void clear_bit64(volatile xen_ulong_t *words, unsigned bit)
{
    __atomic_fetch_and(&words[bit / WORD_BITS], ~(1ull << (bit % WORD_BITS)), __ATOMIC_SEQ_CST);
}

static void mask_port(evtchn_port_t port)
{
    set_bit64(ev.shared->evtchn_mask, port);
}

/* Unmasking through the hypervisor re-raises an event that became pending while masked. */
static void unmask_port(evtchn_port_t port)
{
    struct evtchn_unmask op = {.port = port};
    hypercall_event_channel_op(EVTCHNOP_unmask, &op);
}

int evtchn_init(unsigned upcall_intid)
{
    memset(&ev, 0, sizeof(ev));
    memset(&shared_page, 0, sizeof(shared_page));
    uint64_t gpfn = (uintptr_t)&shared_page >> 12;
    if (hypercall_add_to_physmap(XENMAPSPACE_shared_info, 0, gpfn) != 0)
        return -HEARTH_EIO;
    ev.shared = &shared_page.info;
    ev.upcall_intid = upcall_intid;
    for (unsigned w = 0; w < WORD_BITS; w++)
        __atomic_store_n(&ev.shared->evtchn_mask[w], ~0ull, __ATOMIC_SEQ_CST);
    return 0;
}

unsigned evtchn_upcall_intid(void)
{
    return ev.upcall_intid;
}

int evtchn_alloc_unbound(uint16_t remote, evtchn_port_t *port)
{
    struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = remote};
    if (hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &op) != 0)
        return -HEARTH_EIO;
    *port = op.port;
    return 0;
}

int evtchn_bind(evtchn_port_t port, evtchn_handler_fn fn, void *arg)
{
    if (port == 0 || port >= MAX_PORTS || !fn)
        return -HEARTH_ERANGE;
    ev.ports[port] = (struct port_state){.fn = fn, .arg = arg};
    unmask_port(port);
    return 0;
}

void evtchn_unbind(evtchn_port_t port, int close)
{
    if (port == 0 || port >= MAX_PORTS)
        return;
    mask_port(port);
    ev.ports[port] = (struct port_state){0};
    if (close) {
        struct evtchn_close op = {.port = port};
        hypercall_event_channel_op(EVTCHNOP_close, &op);
    }
}

int evtchn_notify(evtchn_port_t port)
{
    struct evtchn_send op = {.port = port};
    return hypercall_event_channel_op(EVTCHNOP_send, &op) == 0 ? 0 : -HEARTH_EIO;
}

/* Lifts storm back-offs that have expired and restarts the per-second counts. */
static void storm_tick(uint64_t now_ns)
{
    if (now_ns - ev.second_start_ns < 1000000000ull)
        return;
    ev.second_start_ns = now_ns;
    for (evtchn_port_t p = 1; p < MAX_PORTS; p++) {
        struct port_state *s = &ev.ports[p];
        s->count_this_second = 0;
        if (s->masked_until_ns && now_ns >= s->masked_until_ns && s->fn) {
            s->masked_until_ns = 0;
            unmask_port(p);
        }
    }
}

unsigned evtchn_dispatch(uint64_t now_ns)
{
    struct shared_info *sh = ev.shared;
    unsigned ran = 0;

    if (!sh)
        return 0;
    storm_tick(now_ns);
    /* The vCPU's summary first, then each selected word: the order Xen sets them in reverse. */
    __atomic_store_n(&sh->vcpu_info[0].evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
    xen_ulong_t selector = __atomic_exchange_n(&sh->vcpu_info[0].evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    while (selector) {
        unsigned w = (unsigned)__builtin_ctzll(selector);
        selector &= selector - 1;
        xen_ulong_t ready = __atomic_load_n(&sh->evtchn_pending[w], __ATOMIC_SEQ_CST) &
                            ~__atomic_load_n(&sh->evtchn_mask[w], __ATOMIC_SEQ_CST);
        while (ready) {
            unsigned bit = (unsigned)__builtin_ctzll(ready);
            ready &= ready - 1;
            evtchn_port_t port = w * WORD_BITS + bit;
            clear_bit64(sh->evtchn_pending, port);
            struct port_state *s = &ev.ports[port];
            if (!s->fn) {
                mask_port(port); /* nobody listens: keep it from waking us again */
                continue;
            }
            if (++s->count_this_second > EVTCHN_STORM_PER_SECOND) {
                mask_port(port);
                s->masked_until_ns = now_ns + STORM_BACKOFF_NS;
                continue;
            }
            s->fn(port, s->arg);
            ran++;
        }
    }
    return ran;
}

int evtchn_shared_wallclock(uint64_t *sec, uint32_t *nsec)
{
    struct shared_info *sh = ev.shared;
    uint32_t version, lo, hi, ns;
    if (!sh)
        return -HEARTH_ENODATA;
    /* wc_version is odd while Xen updates the fields: retry until a stable, even snapshot. */
    do {
        version = __atomic_load_n(&sh->wc_version, __ATOMIC_ACQUIRE);
        lo = sh->wc_sec;
        hi = sh->wc_sec_hi;
        ns = sh->wc_nsec;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while ((version & 1) || version != __atomic_load_n(&sh->wc_version, __ATOMIC_ACQUIRE));
    uint64_t full = ((uint64_t)hi << 32) | lo;
    if (full == 0)
        return -HEARTH_ENODATA;
    *sec = full;
    *nsec = ns;
    return 0;
}

void evtchn_describe(evtchn_port_t port, char *buf, size_t cap)
{
    struct shared_info *sh = ev.shared;
    if (!sh || port >= MAX_PORTS) {
        snprintf(buf, cap, "port %u: no event channels", (unsigned)port);
        return;
    }
    unsigned w = port / WORD_BITS, b = port % WORD_BITS;
    snprintf(buf, cap, "port %u: pending %u, masked %u, upcall pending %u, handled %u this second",
             (unsigned)port, (unsigned)((sh->evtchn_pending[w] >> b) & 1),
             (unsigned)((sh->evtchn_mask[w] >> b) & 1), (unsigned)sh->vcpu_info[0].evtchn_upcall_pending,
             (unsigned)ev.ports[port].count_this_second);
}
