/* SPDX-License-Identifier: ISC */
/* Unit tests for the CoAP server's message layer and resources: acknowledgements, deduplication, errors. */
#include "check.h"
#include "coap_harness.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_post_piggybacked_and_deduplicated(void)
{
    struct coap_msg m;
    harness_setup(1, 1);
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
    harness_teardown();
}

/* A slow disk: Empty ACK after a second, then the 2.01 as a separate Confirmable response. */
static void test_separate_response(void)
{
    struct coap_msg m;
    harness_setup(1, 0); /* nothing commits until ingest_commit */
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
    harness_teardown();
}

/* Non-confirmable POSTs get a Non-confirmable 2.01; their duplicates are dropped. */
static void test_non_confirmable(void)
{
    struct coap_msg m;
    harness_setup(1, 1);
    post(COAP_NON, 0x3333, "n", "hearth/fridge/temperature", "{\"value\":4.5}");
    post(COAP_NON, 0x3333, "n", "hearth/fridge/temperature", "{\"value\":4.5}");
    advance(25 * MS);
    CHECK_INT(h.nsent, 1);
    CHECK_INT(sent_msg(0, &m), 0);
    CHECK(m.type == COAP_NON && m.code == COAP_CREATED && m.tkl == 1 && m.token[0] == 'n');
    post(COAP_NON, 0x3333, "n", "hearth/fridge/temperature", "{\"value\":4.5}");
    CHECK_INT(h.nsent, 1);
    CHECK_INT(readings("fridge/temperature"), 1);
    harness_teardown();
}

/* Client errors get a piggy-backed 4.xx/5.xx with a diagnostic payload, and nothing is stored. */
static void test_request_errors(void)
{
    struct coap_msg m;
    static char big[COAP_PAYLOAD_MAX + 2];
    memset(big, '1', sizeof(big) - 1);
    harness_setup(1, 1);
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
    harness_teardown();

    harness_setup(0, 0); /* no disk */
    post(COAP_CON, 0x5555, "", "hearth/pot1/moisture", "21");
    CHECK_INT(sent_msg(0, &m), 0);
    CHECK(m.code == COAP_UNAVAILABLE && m.mid == 0x5555);
    get(0x5556, "", "hearth/pot1/moisture", -1, -1);
    CHECK_INT(sent_msg(1, &m), 0);
    CHECK(m.code == COAP_UNAVAILABLE);
    harness_teardown();
}

/* Malformed datagrams: a Reset for a Confirmable one whose header can be read, silence otherwise. */
static void test_malformed(void)
{
    struct coap_msg m;
    harness_setup(1, 1);
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
    harness_teardown();
}

static void test_get_latest(void)
{
    struct coap_msg m;
    harness_setup(1, 1);
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
    harness_teardown();
}

/* A disk that fails: no 2.01 for a reading that is not durable. */
static void test_store_failure(void)
{
    struct coap_msg m;
    harness_setup(1, 0);
    post(COAP_CON, 0x99, "f", "hearth/pot1/moisture", "1");
    memdisk_crash(h.disk);
    CHECK(ingest_commit(&h.in) < 0);
    CHECK_INT(sent_msg(h.nsent - 1, &m), 0);
    CHECK(m.type == COAP_ACK && m.code == COAP_INTERNAL_ERROR && m.mid == 0x99);
    harness_teardown();
}

int main(void)
{
    test_post_piggybacked_and_deduplicated();
    test_separate_response();
    test_non_confirmable();
    test_request_errors();
    test_malformed();
    test_get_latest();
    test_store_failure();
    return check_summary("coap_server");
}
