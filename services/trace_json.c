/* SPDX-License-Identifier: ISC */
/* The trace ring as Chrome/Perfetto trace-event JSON: formatting happens here, never when recording. */
#include "trace.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

/* The names of each kind's two numbers; the end of a span may mean other things than its begin.
 * NULL leaves the number out. */
static const struct {
    const char *a0, *a1, *end_a0, *end_a1;
} arg_names[TRACE_KIND_COUNT] = {
    [TRACE_FRAME_RX] = {"len", "port", NULL, NULL},
    [TRACE_FRAME_TX] = {"len", "port", NULL, NULL},
    [TRACE_TCP_SEG_IN] = {"port", NULL, NULL, NULL}, /* a1 is split into flags and len below */
    [TRACE_TCP_SEG_OUT] = {"port", NULL, NULL, NULL},
    [TRACE_TCP_ACCEPT] = {"port", "local_port", NULL, NULL},
    [TRACE_TCP_CLOSE] = {"err", NULL, NULL, NULL},
    [TRACE_TLS_HANDSHAKE] = {NULL, NULL, "result", "version"},
    [TRACE_HTTP_REQUEST] = {"bytes", NULL, "status", "body_len"},
    [TRACE_MQTT_PUBLISH] = {"qos", "len", NULL, NULL},
    [TRACE_STORE_COMMIT] = {"waiting", NULL, "durable", "result"},
    [TRACE_POLICY_DECISION] = {"decision", "rule", NULL, NULL},
};

struct out {
    char *buf;
    uint32_t cap, len; /* len counts what the whole document needs, also past cap */
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *at = o->len < o->cap ? o->buf + o->len : NULL;
    int n = vsnprintf(at, at ? o->cap - o->len : 0, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (uint32_t)n;
}

static void put_arg(struct out *o, const char *name, int32_t value)
{
    if (name)
        put(o, ",\"%s\":%ld", name, (long)value);
}

static void put_event(struct out *o, const struct trace_event *e)
{
    unsigned k = e->kind < TRACE_KIND_COUNT ? e->kind : 0;
    char ph = e->phase == TRACE_BEGIN || e->phase == TRACE_END ? (char)e->phase : 'i';
    put(o,
        ",\n{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"%c\",\"ts\":%" PRIu64 ".%03u,\"pid\":1,\"tid\":%lu%s,"
        "\"args\":{\"conn\":%lu",
        trace_kind_name(k), trace_kind_layer(k), ph, e->ts_ns / 1000u, (unsigned)(e->ts_ns % 1000u),
        (unsigned long)e->id, ph == 'i' ? ",\"s\":\"t\"" : "", (unsigned long)e->id);
    int end = ph == 'E';
    put_arg(o, end ? arg_names[k].end_a0 : arg_names[k].a0, e->a0);
    put_arg(o, end ? arg_names[k].end_a1 : arg_names[k].a1, e->a1);
    if (k == TRACE_TCP_SEG_IN || k == TRACE_TCP_SEG_OUT) {
        put_arg(o, "flags", (int32_t)((uint32_t)e->a1 >> 16));
        put_arg(o, "len", (int32_t)((uint32_t)e->a1 & 0xffffu));
    }
    put(o, "}}");
}

uint32_t trace_json(char *buf, uint32_t cap)
{
    struct out o = {.buf = buf, .cap = buf ? cap : 0, .len = 0};
    struct trace_event e;
    uint32_t n = trace_count();
    if (o.cap)
        o.buf[0] = '\0';
    put(&o,
        "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"capacity\":%lu,\"events\":%lu,\"dropped\":%" PRIu64
        "},",
        (unsigned long)trace_capacity(), (unsigned long)n, trace_dropped());
    put(&o, "\"traceEvents\":[{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,"
            "\"args\":{\"name\":\"hearth\"}}");
    for (uint32_t i = 0; i < n; i++) {
        if (trace_get(i, &e) == 0)
            put_event(&o, &e);
    }
    put(&o, "\n]}\n");
    return o.len;
}
