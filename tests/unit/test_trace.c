/* SPDX-License-Identifier: ISC */
/* Unit tests for the trace ring (wrap-around, dropped count, reset) and its Chrome trace JSON export. */
#include "check.h"
#include "trace.h"

#include <stdio.h>
#include <string.h>

static uint64_t fake_now_ns;

/* The ring timestamps with the platform clock; here the test sets it. */
uint64_t hearth_plat_monotonic_ns(void)
{
    return fake_now_ns;
}

static void test_off_until_init(void)
{
    trace_init(NULL, 0);
    trace_instant(TRACE_FRAME_TX, 0, 60, 0);
    CHECK_INT(trace_count(), 0);
    CHECK_INT(trace_capacity(), 0);
    struct trace_event e;
    CHECK_INT(trace_get(0, &e), -1);
    char buf[512];
    uint32_t n = trace_json(buf, sizeof(buf));
    CHECK_INT(n, strlen(buf));
    CHECK(strstr(buf, "\"traceEvents\":[") != NULL);
}

static void test_wrap_and_dropped(void)
{
    struct trace_event ring[4];
    trace_init(ring, 4);
    CHECK_INT(trace_capacity(), 4);
    for (int i = 1; i <= 3; i++) {
        fake_now_ns = (uint64_t)i * 1000u;
        trace_instant(TRACE_MQTT_PUBLISH, 7, 1, i);
    }
    CHECK_INT(trace_count(), 3);
    CHECK_INT(trace_dropped(), 0);
    struct trace_event e;
    CHECK_INT(trace_get(0, &e), 0);
    CHECK_INT(e.a1, 1);
    CHECK_INT(e.ts_ns, 1000);
    CHECK_INT(e.id, 7);
    CHECK_INT(e.kind, TRACE_MQTT_PUBLISH);
    CHECK_INT(e.phase, TRACE_INSTANT);
    CHECK_INT(trace_get(3, &e), -1);

    /* Three more: the ring holds the newest four, oldest first, and counts the two it lost. */
    for (int i = 4; i <= 6; i++)
        trace_instant(TRACE_MQTT_PUBLISH, 7, 1, i);
    CHECK_INT(trace_count(), 4);
    CHECK_INT(trace_dropped(), 2);
    for (uint32_t i = 0; i < 4; i++) {
        CHECK_INT(trace_get(i, &e), 0);
        CHECK_INT(e.a1, 3 + (int)i);
    }
    /* Many laps later the order still holds. */
    for (int i = 7; i <= 1001; i++)
        trace_instant(TRACE_MQTT_PUBLISH, 7, 1, i);
    CHECK_INT(trace_dropped(), 997);
    CHECK_INT(trace_get(0, &e), 0);
    CHECK_INT(e.a1, 998);
    CHECK_INT(trace_get(3, &e), 0);
    CHECK_INT(e.a1, 1001);

    /* Unknown kinds are ignored, not stored. */
    trace_emit((enum trace_kind)0, TRACE_INSTANT, 1, 0, 0);
    trace_emit(TRACE_KIND_COUNT, TRACE_INSTANT, 1, 0, 0);
    CHECK_INT(trace_dropped(), 997);

    trace_reset();
    CHECK_INT(trace_count(), 0);
    CHECK_INT(trace_dropped(), 0);
    CHECK_INT(trace_capacity(), 4);
    trace_begin(TRACE_STORE_COMMIT, 0, 2, 0);
    CHECK_INT(trace_count(), 1);
    CHECK_INT(trace_get(0, &e), 0);
    CHECK_INT(e.phase, TRACE_BEGIN);
}

static void test_ids(void)
{
    uint32_t a = trace_new_id(), b = trace_new_id();
    CHECK(a != 0);
    CHECK(b != 0 && b != a);
}

static void test_names(void)
{
    CHECK(strcmp(trace_kind_name(TRACE_TLS_HANDSHAKE), "tls_handshake") == 0);
    CHECK(strcmp(trace_kind_layer(TRACE_TLS_HANDSHAKE), "tls") == 0);
    CHECK(strcmp(trace_kind_name(TRACE_POLICY_DECISION), "policy_decision") == 0);
    CHECK(strcmp(trace_kind_name(0), "unknown") == 0);
    CHECK(strcmp(trace_kind_layer(TRACE_KIND_COUNT), "unknown") == 0);
    for (unsigned k = 1; k < TRACE_KIND_COUNT; k++)
        CHECK(strcmp(trace_kind_name(k), "unknown") != 0);
}

/* A little of everything, for the JSON checks here and in check_trace_json.py. */
static void record_sample(struct trace_event *ring, uint32_t cap)
{
    trace_init(ring, cap);
    fake_now_ns = 5000001234ull; /* 5000001.234 us */
    trace_begin(TRACE_FRAME_RX, 0, 74, 40000);
    trace_instant(TRACE_TCP_SEG_IN, 0, 40000, (int32_t)(0x02u << 16 | 0u));
    trace_instant(TRACE_TCP_ACCEPT, 3, 40000, 443);
    trace_begin(TRACE_TLS_HANDSHAKE, 3, 0, 0);
    trace_end(TRACE_FRAME_RX, 0, 74, 0);
    fake_now_ns += 1500;
    trace_end(TRACE_TLS_HANDSHAKE, 3, 0, 0x0304);
    trace_begin(TRACE_HTTP_REQUEST, 3, 120, 0);
    trace_end(TRACE_HTTP_REQUEST, 3, 200, 80);
    trace_instant(TRACE_TCP_SEG_OUT, 3, 40000, (int32_t)(0x18u << 16 | 150u));
    trace_instant(TRACE_FRAME_TX, 0, 204, 40000);
    trace_instant(TRACE_TCP_CLOSE, 3, -104, 0);
    trace_instant(TRACE_POLICY_DECISION, 9, 1, 2);
}

static void test_json(void)
{
    struct trace_event ring[16];
    static char buf[8192];
    record_sample(ring, 16);
    uint32_t need = trace_json(NULL, 0);
    CHECK(need > 0);
    CHECK_INT(trace_json(buf, sizeof(buf)), need);
    CHECK_INT(strlen(buf), need);
    CHECK(strstr(buf, "\"ts\":5000001.234") != NULL);
    CHECK(strstr(buf, "\"ts\":5000002.734") != NULL);
    CHECK(strstr(buf, "\"name\":\"tls_handshake\",\"cat\":\"tls\",\"ph\":\"E\"") != NULL);
    CHECK(strstr(buf, "\"args\":{\"conn\":3,\"status\":200,\"body_len\":80}") != NULL);
    CHECK(strstr(buf, "\"port\":40000,\"flags\":24,\"len\":150") != NULL);
    CHECK(strstr(buf, "\"err\":-104") != NULL);
    CHECK(strstr(buf, "\"dropped\":0") != NULL);

    /* Too small a buffer: the same length is reported, and what was written is cut and terminated. */
    char small[40];
    memset(small, 'x', sizeof(small));
    CHECK_INT(trace_json(small, sizeof(small)), need);
    CHECK_INT(strlen(small), sizeof(small) - 1);
    CHECK(memcmp(small, buf, sizeof(small) - 1) == 0);
    CHECK_INT(trace_json(small, 1), need);
    CHECK_INT(small[0], '\0');
}

int main(int argc, char **argv)
{
    /* --dump: print the sample (in a ring small enough to wrap) for check_trace_json.py to parse. */
    if (argc > 1 && strcmp(argv[1], "--dump") == 0) {
        static struct trace_event ring[10];
        static char buf[8192];
        record_sample(ring, 10);
        if (trace_json(buf, sizeof(buf)) >= sizeof(buf))
            return 1;
        fputs(buf, stdout);
        return 0;
    }
    test_off_until_init();
    test_wrap_and_dropped();
    test_ids();
    test_names();
    test_json();
    return check_summary("trace");
}
