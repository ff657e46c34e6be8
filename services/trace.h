/* SPDX-License-Identifier: ISC */
/* Whole-stack tracing: a fixed-size ring of timestamped events from every layer, cheap enough to leave on. */
#ifndef SERVICES_TRACE_H
#define SERVICES_TRACE_H

/*
 * Only stdint: netstack/ and tls/ sit below services/ but call this too, so it must drag in nothing.
 * Recording an event stores five numbers and the monotonic time; no formatting happens until export.
 */
#include <stdint.h>

/* What happened, one kind per layer's event. The comment gives the meaning of id, a0 and a1. */
enum trace_kind {
    TRACE_FRAME_RX = 1,  /* B/E around a received frame's processing: a0 length, a1 TCP peer port or 0 */
    TRACE_FRAME_TX,      /* instant: a0 length, a1 TCP peer port or 0 */
    TRACE_TCP_SEG_IN,    /* instant, id conn (0 before accept): a0 peer port, a1 flags << 16 | data length */
    TRACE_TCP_SEG_OUT,   /* as TRACE_TCP_SEG_IN, for a segment sent */
    TRACE_TCP_ACCEPT,    /* instant, id the new conn: a0 peer port, a1 local port */
    TRACE_TCP_CLOSE,     /* instant, id conn: a0 0 (orderly) or a negative -HEARTH_E* code */
    TRACE_TLS_HANDSHAKE, /* B/E, id conn: E's a0 0, the negative Mbed TLS error or
                          * -HEARTH_ETIMEDOUT/-HEARTH_ECONNRESET; a1 0x0303/0x0304 (TLS 1.2/1.3) */
    TRACE_HTTP_REQUEST,  /* B/E, id conn: B's a0 request bytes; E's a0 status, a1 body length */
    TRACE_MQTT_PUBLISH,  /* instant, id conn: a0 QoS, a1 payload length */
    TRACE_STORE_COMMIT,  /* B/E: B's a0 records waiting; E's a0 records made durable, a1 0 or -HEARTH_E* */
    TRACE_POLICY_DECISION, /* instant, reserved for the privacy gateway: id request, a0 decision, a1 rule */
    TRACE_KIND_COUNT
};

/* Chrome trace-event phases: a span's begin and end, or a single instant. */
enum trace_phase { TRACE_BEGIN = 'B', TRACE_END = 'E', TRACE_INSTANT = 'i' };

/* One recorded event: 24 bytes. */
struct trace_event {
    uint64_t ts_ns; /* hearth_plat_monotonic_ns() when recorded */
    uint32_t id;    /* connection (or request) it belongs to; 0 when none */
    int32_t a0, a1; /* per-kind numbers, see enum trace_kind */
    uint8_t kind;   /* enum trace_kind */
    uint8_t phase;  /* enum trace_phase */
    uint16_t reserved;
};

/*
 * Starts recording into ring (capacity events, owned by the caller and valid for as long as tracing
 * runs), discarding whatever was recorded before. ring NULL or capacity 0 stops recording: every
 * trace_* call is then a no-op. The image calls it once with the board's HEARTH_TRACE_EVENTS; tests
 * call it with their own ring to start from a known state.
 */
void trace_init(struct trace_event *ring, uint32_t capacity);

/* Forgets every event and the dropped count; keeps the ring and the connection-id counter. */
void trace_reset(void);

/*
 * Records one event. When the ring is full the oldest event is overwritten and counted as dropped.
 * Never fails and never blocks; kinds outside enum trace_kind are ignored.
 */
void trace_emit(enum trace_kind kind, enum trace_phase phase, uint32_t id, int32_t a0, int32_t a1);

static inline void trace_begin(enum trace_kind kind, uint32_t id, int32_t a0, int32_t a1)
{
    trace_emit(kind, TRACE_BEGIN, id, a0, a1);
}

static inline void trace_end(enum trace_kind kind, uint32_t id, int32_t a0, int32_t a1)
{
    trace_emit(kind, TRACE_END, id, a0, a1);
}

static inline void trace_instant(enum trace_kind kind, uint32_t id, int32_t a0, int32_t a1)
{
    trace_emit(kind, TRACE_INSTANT, id, a0, a1);
}

/* A fresh connection id: never 0, distinct from the last 2^32 - 1 ids handed out. */
uint32_t trace_new_id(void);

/* Events held now (at most the capacity). */
uint32_t trace_count(void);

/* The ring's capacity (0 while not recording). */
uint32_t trace_capacity(void);

/* Events overwritten since trace_init or trace_reset. */
uint64_t trace_dropped(void);

/* Copies the i-th held event, oldest first, into *out. Returns 0, or -1 when i >= trace_count(). */
int trace_get(uint32_t i, struct trace_event *out);

/* The event name ("tls_handshake") and layer ("tls") of a kind; "unknown" for anything else. */
const char *trace_kind_name(unsigned kind);
const char *trace_kind_layer(unsigned kind);

/*
 * Writes every held event, oldest first, as Chrome/Perfetto trace-event JSON into buf (cap bytes,
 * NUL-terminated when cap > 0), like snprintf: returns the length the whole document needs, not
 * counting the NUL; the output is complete only when that is below cap. buf may be NULL when cap is 0,
 * to size a buffer. Timestamps are microseconds with nanosecond decimals; tid is the connection id
 * (0 for events of no connection); args carry "conn" and the kind's two numbers by name.
 */
uint32_t trace_json(char *buf, uint32_t cap);

#endif
