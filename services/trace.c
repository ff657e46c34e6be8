/* SPDX-License-Identifier: ISC */
/* The trace ring: overwrite-oldest storage of fixed-size events, and the names of their kinds. */
#include "trace.h"

#include <hearth/plat.h>

/* One ring per image: every layer records into it, so it is the one piece of global state, and
 * trace_init/trace_reset put it back into a known state for tests. */
static struct {
    struct trace_event *ring;
    uint32_t cap;
    uint32_t head;  /* where the next event goes */
    uint32_t count; /* events held, at most cap */
    uint64_t dropped;
    uint32_t next_id;
} tr;

static const struct {
    const char *name, *layer;
} kinds[TRACE_KIND_COUNT] = {
    [TRACE_FRAME_RX] = {"frame_rx", "net"},
    [TRACE_FRAME_TX] = {"frame_tx", "net"},
    [TRACE_TCP_SEG_IN] = {"tcp_seg_in", "tcp"},
    [TRACE_TCP_SEG_OUT] = {"tcp_seg_out", "tcp"},
    [TRACE_TCP_ACCEPT] = {"tcp_accept", "tcp"},
    [TRACE_TCP_CLOSE] = {"tcp_close", "tcp"},
    [TRACE_TLS_HANDSHAKE] = {"tls_handshake", "tls"},
    [TRACE_HTTP_REQUEST] = {"http_request", "http"},
    [TRACE_MQTT_PUBLISH] = {"mqtt_publish", "mqtt"},
    [TRACE_STORE_COMMIT] = {"store_commit", "store"},
    [TRACE_POLICY_DECISION] = {"policy_decision", "policy"},
};

void trace_init(struct trace_event *ring, uint32_t capacity)
{
    tr.ring = capacity ? ring : 0;
    tr.cap = ring ? capacity : 0;
    trace_reset();
}

void trace_reset(void)
{
    tr.head = tr.count = 0;
    tr.dropped = 0;
}

void trace_emit(enum trace_kind kind, enum trace_phase phase, uint32_t id, int32_t a0, int32_t a1)
{
    if (!tr.cap || (unsigned)kind == 0 || (unsigned)kind >= TRACE_KIND_COUNT)
        return;
    struct trace_event *e = &tr.ring[tr.head];
    *e = (struct trace_event){.ts_ns = hearth_plat_monotonic_ns(),
                              .id = id,
                              .a0 = a0,
                              .a1 = a1,
                              .kind = (uint8_t)kind,
                              .phase = (uint8_t)phase};
    tr.head = tr.head + 1 == tr.cap ? 0 : tr.head + 1;
    if (tr.count < tr.cap)
        tr.count++;
    else
        tr.dropped++;
}

uint32_t trace_new_id(void)
{
    if (++tr.next_id == 0)
        tr.next_id = 1;
    return tr.next_id;
}

uint32_t trace_count(void)
{
    return tr.count;
}

uint32_t trace_capacity(void)
{
    return tr.cap;
}

uint64_t trace_dropped(void)
{
    return tr.dropped;
}

int trace_get(uint32_t i, struct trace_event *out)
{
    if (i >= tr.count)
        return -1;
    /* The oldest event sits at head once the ring has wrapped, at 0 before. */
    uint32_t at = tr.count < tr.cap ? i : tr.head + i;
    if (at >= tr.cap)
        at -= tr.cap;
    *out = tr.ring[at];
    return 0;
}

const char *trace_kind_name(unsigned kind)
{
    return kind && kind < TRACE_KIND_COUNT ? kinds[kind].name : "unknown";
}

const char *trace_kind_layer(unsigned kind)
{
    return kind && kind < TRACE_KIND_COUNT ? kinds[kind].layer : "unknown";
}
