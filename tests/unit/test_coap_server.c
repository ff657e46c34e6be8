/* SPDX-License-Identifier: ISC */
/* Unit tests for the CoAP server over a real store on an in-memory disk, a fake clock and captured sends. */
#include "check.h"
#include "coap_server.h"
#include "memdisk.h"
#include "store.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000000ull
#define S 1000000000ull

void hearth_plat_console_write(const char *buf, size_t len)
{
    (void)buf;
    (void)len;
}

int hearth_plat_entropy(void *buf, size_t len)
{
    memset(buf, 0x5a, len);
    return 0;
}

struct sent {
    uint8_t b[1400];
    size_t len;
    struct netstack_endpoint to;
};

static struct {
    struct loop loop;
    struct hearth_blkdev *disk;
    struct store *st;
    struct ingest in;
    struct coap_server srv;
    uint64_t now;
    struct sent sent[64];
    unsigned nsent;
} h;

static const struct netstack_endpoint client = {{10, 77, 0, 1}, 40000}, other = {{10, 77, 0, 3}, 5683};

static int fake_send(void *arg, const uint8_t *data, size_t len, const struct netstack_endpoint *to)
{
    (void)arg;
    if (h.nsent < 64 && len <= sizeof(h.sent[0].b)) {
        memcpy(h.sent[h.nsent].b, data, len);
        h.sent[h.nsent].len = len;
        h.sent[h.nsent].to = *to;
        h.nsent++;
    }
    return 0;
}

/* A hub with a store (committed by the loop's timer when attach is set) or without one. */
static void setup(int with_store, int attach)
{
    memset(&h, 0, sizeof(h));
    h.now = 1000 * S;
    memdisk_set_time(h.now);
    loop_init(&h.loop);
    if (with_store) {
        h.disk = memdisk_new(512, 400);
        struct store_config cfg = {.first_block = 8, .segment_blocks = 16};
        CHECK_INT(store_open(h.disk, &cfg, &h.st), 0);
        if (attach)
            store_attach_loop(h.st, &h.loop);
    }
    ingest_init(&h.in, h.st, NULL, NULL);
    CHECK_INT(coap_server_init(&h.srv, &h.loop, &h.in, fake_send, NULL), 0);
}

static void teardown(void)
{
    coap_server_stop(&h.srv);
    if (h.st) {
        store_attach_loop(h.st, NULL);
        store_close(h.st);
    }
    if (h.disk)
        memdisk_free(h.disk);
}

static void advance(uint64_t ns)
{
    h.now += ns;
    memdisk_set_time(h.now);
    timer_run_due(&h.loop.timers, h.now);
}

/* Builds a request and hands it to the server; -1 leaves an option out. */
static void deliver(const struct netstack_endpoint *from, uint8_t type, uint8_t code, uint16_t mid,
                    const char *token, const char *path, const char *payload, int cf, int accept, int observe)
{
    uint8_t buf[1024];
    struct coap_writer w;
    coap_writer_init(&w, buf, sizeof(buf), type, code, mid, (const uint8_t *)token, (uint8_t)strlen(token));
    if (observe >= 0)
        coap_writer_option_uint(&w, COAP_OPT_OBSERVE, (uint32_t)observe);
    for (const char *p = path; p && *p;) {
        size_t n = strcspn(p, "/");
        coap_writer_option(&w, COAP_OPT_URI_PATH, p, n);
        p += n + (p[n] == '/');
    }
    if (cf >= 0)
        coap_writer_option_uint(&w, COAP_OPT_CONTENT_FORMAT, (uint32_t)cf);
    if (accept >= 0)
        coap_writer_option_uint(&w, COAP_OPT_ACCEPT, (uint32_t)accept);
    if (payload)
        coap_writer_payload(&w, payload, strlen(payload));
    int len = coap_writer_finish(&w);
    CHECK(len > 0);
    coap_server_input(&h.srv, buf, (size_t)len, from);
}

static void post(uint8_t type, uint16_t mid, const char *token, const char *path, const char *payload)
{
    deliver(&client, type, COAP_POST, mid, token, path, payload, -1, -1, -1);
}

static void get(uint16_t mid, const char *token, const char *path, int accept, int observe)
{
    deliver(&client, COAP_CON, COAP_GET, mid, token, path, NULL, -1, accept, observe);
}

static void raw(const struct netstack_endpoint *from, const char *hex)
{
    uint8_t buf[256];
    size_t n = 0;
    unsigned v;
    for (; hex[2 * n] && sscanf(hex + 2 * n, "%2x", &v) == 1 && n < sizeof(buf); n++)
        buf[n] = (uint8_t)v;
    coap_server_input(&h.srv, buf, n, from);
}

/* The i-th datagram sent, parsed; fails the check when there is none. */
static int sent_msg(unsigned i, struct coap_msg *m)
{
    if (i >= h.nsent) {
        check_record(0, __FILE__, __LINE__, "a datagram was sent");
        memset(m, 0, sizeof(*m));
        return -1;
    }
    return coap_parse(h.sent[i].b, h.sent[i].len, m);
}

static int payload_is(const struct coap_msg *m, const char *want)
{
    return m->payload_len == strlen(want) && memcmp(m->payload, want, m->payload_len) == 0;
}

/* The value of option number in m as an integer, or -1 when absent. */
static long option_uint(const struct coap_msg *m, uint16_t number)
{
    struct coap_option_iter it;
    struct coap_option o;
    coap_option_iter_init(&it, m);
    while (coap_option_next(&it, &o))
        if (o.number == number)
            return (long)coap_option_uint(&o);
    return -1;
}

static int count(void *arg, const struct store_record *r)
{
    (void)r;
    (*(size_t *)arg)++;
    return 0;
}

static size_t readings(const char *key)
{
    struct store_query q = {
        .type = STORE_T_READING, .key = (const uint8_t *)key, .key_len = (uint8_t)strlen(key)};
    size_t n = 0;
    CHECK_INT(store_iterate(h.st, &q, count, &n), 0);
    return n;
}

/* A Confirmable POST is answered in its ACK only once durable; a retransmission is answered, not stored. */
static void test_post_piggybacked_and_deduplicated(void)
{
    struct coap_msg m;
    setup(1, 1);
    post(COAP_CON, 0x1111, "tk", "hearth/pot1/moisture", "21.5");
    CHECK_INT(h.nsent, 0); /* not yet durable: no acknowledgement */
    post(COAP_CON, 0x1111, "tk", "hearth/pot1/moisture", "21.5");
    CHECK_INT(h.nsent, 0); /* a duplicate while waiting: the answer is on its way */
    advance(25 * MS);      /* the store's commit delay */
    CHECK_INT(h.nsent, 1);
    CHECK_INT(sent_msg(0, &m), 0);
    CHECK(m.type == COAP_ACK && m.code == COAP_CREATED && m.mid == 0x1111 && m.tkl == 2 &&
          memcmp(m.token, "tk", 2) == 0 && !m.payload);
    CHECK(h.sent[0].to.port == client.port);
    CHECK_INT(store_durable_seq(h.st) > 0, 1);

    post(COAP_CON, 0x1111, "tk", "hearth/pot1/moisture", "21.5");
    CHECK_INT(h.nsent, 2);
    CHECK(h.sent[1].len == h.sent[0].len && memcmp(h.sent[1].b, h.sent[0].b, h.sent[0].len) == 0);
    CHECK_INT(readings("pot1/moisture"), 1);
    CHECK_INT(coap_server_stats(&h.srv)->duplicates, 2);

    /* The same message ID from another endpoint is another exchange. */
    deliver(&other, COAP_CON, COAP_POST, 0x1111, "tk", "hearth/pot1/moisture", "22", -1, -1, -1);
    advance(25 * MS);
    CHECK_INT(readings("pot1/moisture"), 2);
    CHECK_INT(sent_msg(2, &m), 0);
    CHECK(m.code == COAP_CREATED && h.sent[2].to.port == other.port);

    /* After EXCHANGE_LIFETIME the ID is fresh again. */
    advance(COAP_EXCHANGE_LIFETIME_NS + S);
    post(COAP_CON, 0x1111, "tk", "hearth/pot1/moisture", "21.5");
    advance(25 * MS);
    CHECK_INT(readings("pot1/moisture"), 3);
    teardown();
}

/* A slow disk: Empty ACK after a second, then the 2.01 as a separate Confirmable response. */
static void test_separate_response(void)
{
    struct coap_msg m;
    setup(1, 0); /* nothing commits until ingest_commit */
    post(COAP_CON, 0x2222, "ab", "hearth/pot1/moisture", "30");
    advance(COAP_EMPTY_ACK_AFTER_NS);
    CHECK_INT(h.nsent, 1);
    CHECK_INT(sent_msg(0, &m), 0);
    CHECK(m.type == COAP_ACK && m.code == COAP_EMPTY && m.mid == 0x2222);
    post(COAP_CON, 0x2222, "ab", "hearth/pot1/moisture", "30"); /* the client did not see it: again */
    CHECK_INT(h.nsent, 2);
    CHECK_INT(sent_msg(1, &m), 0);
    CHECK(m.type == COAP_ACK && m.code == COAP_EMPTY);

    CHECK_INT(ingest_commit(&h.in), 0);
    CHECK_INT(h.nsent, 3);
    CHECK_INT(sent_msg(2, &m), 0);
    CHECK(m.type == COAP_CON && m.code == COAP_CREATED && m.mid != 0x2222 && memcmp(m.token, "ab", 2) == 0);
    uint16_t sep_mid = m.mid;
    advance(4 * S); /* unacknowledged: retransmitted after ACK_TIMEOUT (2..3 s) */
    CHECK_INT(h.nsent, 4);
    CHECK(h.sent[3].len == h.sent[2].len && memcmp(h.sent[3].b, h.sent[2].b, h.sent[2].len) == 0);
    char ack[16];
    snprintf(ack, sizeof(ack), "6000%04x", sep_mid);
    raw(&client, ack);
    advance(60 * S);
    CHECK_INT(h.nsent, 4); /* acknowledged: no more retransmissions */
    CHECK_INT(readings("pot1/moisture"), 1);
    teardown();
}

/* Non-confirmable POSTs get a Non-confirmable 2.01; their duplicates are dropped. */
static void test_non_confirmable(void)
{
    struct coap_msg m;
    setup(1, 1);
    post(COAP_NON, 0x3333, "n", "hearth/fridge/temperature", "{\"value\":4.5}");
    post(COAP_NON, 0x3333, "n", "hearth/fridge/temperature", "{\"value\":4.5}");
    advance(25 * MS);
    CHECK_INT(h.nsent, 1);
    CHECK_INT(sent_msg(0, &m), 0);
    CHECK(m.type == COAP_NON && m.code == COAP_CREATED && m.tkl == 1 && m.token[0] == 'n');
    post(COAP_NON, 0x3333, "n", "hearth/fridge/temperature", "{\"value\":4.5}");
    CHECK_INT(h.nsent, 1);
    CHECK_INT(readings("fridge/temperature"), 1);
    teardown();
}

/* Client errors get a piggy-backed 4.xx/5.xx with a diagnostic payload, and nothing is stored. */
static void test_request_errors(void)
{
    struct coap_msg m;
    static char big[COAP_PAYLOAD_MAX + 2];
    memset(big, '1', sizeof(big) - 1);
    setup(1, 1);
    struct {
        uint8_t code;
        const char *path, *payload;
        int cf;
        uint8_t want;
    } cases[] = {
        {COAP_POST, "hearth/pot1/moisture", "wet", -1, COAP_BAD_REQUEST},
        {COAP_POST, "hearth/pot1/moisture", NULL, -1, COAP_BAD_REQUEST},
        {COAP_POST, "hearth/pot1/temperature", "500", -1, COAP_BAD_REQUEST}, /* implausible */
        {COAP_POST, "hearth/pot1/moisture", "21", 42, COAP_UNSUPPORTED_FORMAT},
        {COAP_POST, "hearth/pot1/moisture", big, -1, COAP_TOO_LARGE},
        {COAP_POST, "hearth/Pot1/moisture", "21", -1, COAP_NOT_FOUND},
        {COAP_POST, "hearth/pot1", "21", -1, COAP_NOT_FOUND},
        {COAP_POST, "other/pot1/moisture", "21", -1, COAP_NOT_FOUND},
        {COAP_POST, "hearth/pot1/moisture/x", "21", -1, COAP_NOT_FOUND},
        {COAP_PUT, "hearth/pot1/moisture", "21", -1, COAP_METHOD_NOT_ALLOWED},
        {COAP_DELETE, "hearth/pot1/moisture", NULL, -1, COAP_METHOD_NOT_ALLOWED},
        {COAP_POST, ".well-known/core", "x", -1, COAP_METHOD_NOT_ALLOWED},
        {COAP_CODE(0, 9), "hearth/pot1/moisture", NULL, -1, COAP_METHOD_NOT_ALLOWED},
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        deliver(&client, COAP_CON, cases[i].code, (uint16_t)(0x4000 + i), "e", cases[i].path,
                cases[i].payload, cases[i].cf, -1, -1);
        CHECK_INT(sent_msg(h.nsent - 1, &m), 0);
        CHECK(m.type == COAP_ACK && m.mid == 0x4000 + i);
        CHECK_INT(m.code, cases[i].want);
        CHECK(m.payload_len > 0 && option_uint(&m, COAP_OPT_CONTENT_FORMAT) == -1);
        if (cases[i].want == COAP_TOO_LARGE)
            CHECK_INT(option_uint(&m, COAP_OPT_SIZE1), COAP_PAYLOAD_MAX);
    }
    CHECK_INT(h.nsent, sizeof(cases) / sizeof(cases[0]));
    advance(25 * MS);
    CHECK_INT(readings("pot1/moisture") + readings("pot1/temperature"), 0);

    /* Unknown critical option: 4.02 for a Confirmable request, a Reset for a Non-confirmable one. */
    unsigned before = h.nsent;
    raw(&client, "4102aaaa0191782668656172746803616263"); /* option 9, then Uri-Path hearth/abc */
    CHECK_INT(sent_msg(before, &m), 0);
    CHECK(m.type == COAP_ACK && m.code == COAP_BAD_OPTION && m.mid == 0xaaaa &&
          payload_is(&m, "critical option 9 not supported"));
    raw(&client, "5102aaab0191782668656172746803616263");
    CHECK_INT(sent_msg(before + 1, &m), 0);
    CHECK(m.type == COAP_RST && m.mid == 0xaaab);
    /* Proxy-Uri: 5.05. */
    raw(&client, "4001aaacda16636f61703a2f2f782f79"); /* Proxy-Uri coap://x/y */
    CHECK_INT(sent_msg(before + 2, &m), 0);
    CHECK(m.code == COAP_PROXYING_NOT_SUPPORTED);
    teardown();

    setup(0, 0); /* no disk */
    post(COAP_CON, 0x5555, "", "hearth/pot1/moisture", "21");
    CHECK_INT(sent_msg(0, &m), 0);
    CHECK(m.code == COAP_UNAVAILABLE && m.mid == 0x5555);
    get(0x5556, "", "hearth/pot1/moisture", -1, -1);
    CHECK_INT(sent_msg(1, &m), 0);
    CHECK(m.code == COAP_UNAVAILABLE);
    teardown();
}

/* Malformed datagrams: a Reset for a Confirmable one whose header can be read, silence otherwise. */
static void test_malformed(void)
{
    struct coap_msg m;
    setup(1, 1);
    static const struct {
        const char *hex;
        int rst;
    } cases[] = {
        {"49010101000000000000000000", 1}, /* token length 9 */
        {"40010102f1", 1},                 /* option delta 15 */
        {"40010103bd", 1},                 /* a truncated option */
        {"40020104b161ff", 1},             /* payload marker without payload */
        {"4000010501", 1},                 /* an Empty message with a token */
        {"81010106", 0},                   /* version 2: silently ignored */
        {"50020107bd", 0},                 /* Non-confirmable: ignored */
        {"60000108ff", 0},                 /* an ACK: never rejected with a Reset */
        {"4001", 0},                       /* too short to name a message ID */
        {"40000109", 1},                   /* an Empty Confirmable message: a ping */
        {"4045010a", 1},                   /* a 2.05 response: we asked nothing */
        {"4025010b", 1},                   /* code class 1: reserved */
        {"50e5010c", 0},                   /* class 7, Non-confirmable: ignored */
        {"7045010d", 0},                   /* a Reset with a code: ignored */
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned before = h.nsent;
        raw(&client, cases[i].hex);
        CHECK_INT(h.nsent - before, cases[i].rst);
        if (cases[i].rst && h.nsent > before) {
            CHECK_INT(sent_msg(before, &m), 0);
            char mid[5] = {0};
            memcpy(mid, cases[i].hex + 4, 4); /* the Reset names the message ID of the rejected one */
            CHECK(m.type == COAP_RST && m.code == COAP_EMPTY && m.mid == strtoul(mid, NULL, 16));
        }
    }
    /* Still serving. */
    post(COAP_CON, 0x77, "", "hearth/pot1/moisture", "3");
    advance(25 * MS);
    CHECK_INT(sent_msg(h.nsent - 1, &m), 0);
    CHECK(m.code == COAP_CREATED);
    teardown();
}

static void test_get_latest(void)
{
    struct coap_msg m;
    setup(1, 1);
    get(1, "g", "hearth/pot1/moisture", -1, -1);
    CHECK_INT(sent_msg(0, &m), 0);
    CHECK(m.code == COAP_NOT_FOUND && m.mid == 1);
    post(COAP_CON, 2, "", "hearth/pot1/moisture", "21.5");
    post(COAP_CON, 3, "", "hearth/pot1/moisture", "{\"value\":22.25,\"ts\":1700000000}");
    advance(25 * MS);
    get(4, "g", "hearth/pot1/moisture", -1, -1);
    CHECK_INT(sent_msg(h.nsent - 1, &m), 0);
    CHECK(m.type == COAP_ACK && m.code == COAP_CONTENT && payload_is(&m, "22.25"));
    CHECK_INT(option_uint(&m, COAP_OPT_CONTENT_FORMAT), COAP_FMT_TEXT);
    long etag = option_uint(&m, COAP_OPT_ETAG);
    CHECK(etag > 0);
    get(5, "g", "hearth/pot1/moisture", COAP_FMT_JSON, -1);
    CHECK_INT(sent_msg(h.nsent - 1, &m), 0);
    CHECK(m.code == COAP_CONTENT && payload_is(&m, "{\"value\":22.25,\"ts\":1700000000}"));
    CHECK_INT(option_uint(&m, COAP_OPT_CONTENT_FORMAT), COAP_FMT_JSON);
    get(6, "g", "hearth/pot1/moisture", 41, -1);
    CHECK_INT(sent_msg(h.nsent - 1, &m), 0);
    CHECK(m.code == COAP_NOT_ACCEPTABLE);

    /* The client's ETag is current: 2.03 Valid without a payload. */
    char hex[64];
    snprintf(hex, sizeof(hex),
             "41010007%s"
             "41%02lx"
             "76686561727468"
             "04706f7431"
             "086d6f697374757265",
             "67", etag);
    raw(&client, hex);
    CHECK_INT(sent_msg(h.nsent - 1, &m), 0);
    CHECK(m.code == COAP_VALID && !m.payload && option_uint(&m, COAP_OPT_ETAG) == etag);

    /* Non-confirmable GET: Non-confirmable 2.05 with a new message ID. */
    deliver(&client, COAP_NON, COAP_GET, 8, "n", "hearth/pot1/moisture", NULL, -1, -1, -1);
    CHECK_INT(sent_msg(h.nsent - 1, &m), 0);
    CHECK(m.type == COAP_NON && m.code == COAP_CONTENT && m.mid != 8);

    get(9, "", ".well-known/core", -1, -1);
    CHECK_INT(sent_msg(h.nsent - 1, &m), 0);
    CHECK(m.code == COAP_CONTENT && option_uint(&m, COAP_OPT_CONTENT_FORMAT) == COAP_FMT_LINK);
    CHECK(payload_is(&m, "</hearth/pot1/moisture>;rt=\"hearth.reading\";ct=\"0 50\";obs"));
    get(10, "", ".well-known/core", COAP_FMT_JSON, -1);
    CHECK_INT(sent_msg(h.nsent - 1, &m), 0);
    CHECK(m.code == COAP_NOT_ACCEPTABLE);
    teardown();
}

/* Observe: register, notifications after durability, a Confirmable one every so often, Reset cancels. */
static void test_observe(void)
{
    struct coap_msg m;
    setup(1, 1);
    post(COAP_CON, 1, "", "hearth/pot1/moisture", "10");
    advance(25 * MS);
    get(2, "ob", "hearth/pot1/moisture", -1, 0);
    CHECK_INT(sent_msg(h.nsent - 1, &m), 0);
    long first = option_uint(&m, COAP_OPT_OBSERVE);
    CHECK(m.code == COAP_CONTENT && first >= 0 && payload_is(&m, "10"));

    /* Eight readings from someone else: seven NON notifications, then a CON one. */
    long last = first;
    int cons = 0;
    for (int i = 0; i < COAP_OBS_CON_EVERY; i++) {
        char v[8];
        snprintf(v, sizeof(v), "%d", 11 + i);
        unsigned before = h.nsent;
        deliver(&other, COAP_NON, COAP_POST, (uint16_t)(100 + i), "", "hearth/pot1/moisture", v, -1, -1, -1);
        CHECK_INT(h.nsent, before); /* not durable yet: neither the 2.01 nor a notification */
        advance(25 * MS);
        advance(COAP_OBS_DURABLE_POLL_NS);
        int found = 0;
        for (unsigned k = before; k < h.nsent; k++) {
            if (h.sent[k].to.port != client.port)
                continue;
            CHECK_INT(sent_msg(k, &m), 0);
            long obs = option_uint(&m, COAP_OPT_OBSERVE);
            CHECK(m.code == COAP_CONTENT && m.tkl == 2 && memcmp(m.token, "ob", 2) == 0 && payload_is(&m, v));
            CHECK(obs > last);
            last = obs;
            cons += m.type == COAP_CON;
            found++;
        }
        CHECK_INT(found, 1);
    }
    CHECK_INT(cons, 1);
    CHECK_INT(m.type, COAP_CON); /* the eighth */
    char ack[16];
    snprintf(ack, sizeof(ack), "6000%04x", m.mid);
    raw(&client, ack);

    /* A Reset to a notification cancels the observation. */
    deliver(&other, COAP_NON, COAP_POST, 200, "", "hearth/pot1/moisture", "50", -1, -1, -1);
    advance(25 * MS);
    advance(COAP_OBS_DURABLE_POLL_NS);
    CHECK_INT(sent_msg(h.nsent - 1, &m), 0);
    CHECK(m.type == COAP_NON && payload_is(&m, "50") && h.sent[h.nsent - 1].to.port == client.port);
    char rst[16];
    snprintf(rst, sizeof(rst), "7000%04x", m.mid);
    raw(&client, rst);
    CHECK_INT(coap_server_stats(&h.srv)->observers_dropped, 1);
    unsigned before = h.nsent;
    deliver(&other, COAP_NON, COAP_POST, 201, "", "hearth/pot1/moisture", "51", -1, -1, -1);
    advance(25 * MS);
    advance(COAP_OBS_DURABLE_POLL_NS);
    CHECK_INT(h.nsent, before + 1); /* only the 2.01 to the poster */

    /* Observe 1 deregisters. */
    get(3, "j", "hearth/pot1/moisture", COAP_FMT_JSON, 0);
    get(4, "j", "hearth/pot1/moisture", COAP_FMT_JSON, 1);
    CHECK_INT(sent_msg(h.nsent - 1, &m), 0);
    CHECK(m.code == COAP_CONTENT && option_uint(&m, COAP_OPT_OBSERVE) == -1);
    before = h.nsent;
    deliver(&other, COAP_NON, COAP_POST, 202, "", "hearth/pot1/moisture", "52", -1, -1, -1);
    advance(25 * MS);
    advance(COAP_OBS_DURABLE_POLL_NS);
    CHECK_INT(h.nsent, before + 1);

    /* Observing a series without readings: 4.04 and no registration. */
    get(5, "z", "hearth/none/moisture", -1, 0);
    CHECK_INT(sent_msg(h.nsent - 1, &m), 0);
    CHECK(m.code == COAP_NOT_FOUND && option_uint(&m, COAP_OPT_OBSERVE) == -1);
    teardown();
}

/* A silent observer is dropped when a Confirmable notification goes unacknowledged. */
static void test_observer_timeout_and_table(void)
{
    struct coap_msg m;
    setup(1, 1);
    post(COAP_CON, 1, "", "hearth/pot2/moisture", "10");
    advance(25 * MS);
    get(2, "t", "hearth/pot2/moisture", -1, 0);
    advance(COAP_OBS_CON_INTERVAL_NS); /* the next notification is Confirmable by schedule */
    deliver(&other, COAP_NON, COAP_POST, 3, "", "hearth/pot2/moisture", "11", -1, -1, -1);
    advance(25 * MS);
    advance(COAP_OBS_DURABLE_POLL_NS);
    CHECK_INT(sent_msg(h.nsent - 1, &m), 0);
    CHECK(m.type == COAP_CON && payload_is(&m, "11"));
    for (int i = 0; i < 10; i++)
        advance(50 * S);
    CHECK_INT(coap_server_stats(&h.srv)->retransmits, COAP_MAX_RETRANSMIT);
    CHECK_INT(coap_server_stats(&h.srv)->observers_dropped, 1);

    /* A full table: the reply carries no Observe option. */
    for (int i = 0; i < COAP_OBSERVERS_MAX; i++) {
        char tok[4];
        snprintf(tok, sizeof(tok), "%02d", i);
        get((uint16_t)(10 + i), tok, "hearth/pot2/moisture", -1, 0);
        CHECK_INT(sent_msg(h.nsent - 1, &m), 0);
        CHECK(option_uint(&m, COAP_OPT_OBSERVE) >= 0);
    }
    get(99, "xx", "hearth/pot2/moisture", -1, 0);
    CHECK_INT(sent_msg(h.nsent - 1, &m), 0);
    CHECK(m.code == COAP_CONTENT && option_uint(&m, COAP_OPT_OBSERVE) == -1);
    /* Re-registering the same token replaces the entry instead of needing a new one. */
    get(100, "03", "hearth/pot2/moisture", -1, 0);
    CHECK_INT(sent_msg(h.nsent - 1, &m), 0);
    CHECK(option_uint(&m, COAP_OPT_OBSERVE) >= 0);
    teardown();
}

/* A disk that fails: no 2.01 for a reading that is not durable. */
static void test_store_failure(void)
{
    struct coap_msg m;
    setup(1, 0);
    post(COAP_CON, 0x99, "f", "hearth/pot1/moisture", "1");
    memdisk_crash(h.disk);
    CHECK(ingest_commit(&h.in) < 0);
    CHECK_INT(sent_msg(h.nsent - 1, &m), 0);
    CHECK(m.type == COAP_ACK && m.code == COAP_INTERNAL_ERROR && m.mid == 0x99);
    teardown();
}

int main(void)
{
    test_post_piggybacked_and_deduplicated();
    test_separate_response();
    test_non_confirmable();
    test_request_errors();
    test_malformed();
    test_get_latest();
    test_observe();
    test_observer_timeout_and_table();
    test_store_failure();
    return check_summary("coap_server");
}
