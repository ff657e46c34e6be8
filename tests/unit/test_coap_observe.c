/* SPDX-License-Identifier: ISC */
/* Unit tests for CoAP observe: registration, notifications after durability, Confirmable checks, cancel. */
#include "check.h"
#include "coap_harness.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Observe: register, notifications after durability, a Confirmable one every so often, Reset cancels. */
static void test_observe(void)
{
    struct coap_msg m;
    harness_setup(1, 1);
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
    harness_teardown();
}

/* A silent observer is dropped when a Confirmable notification goes unacknowledged. */
static void test_observer_timeout_and_table(void)
{
    struct coap_msg m;
    harness_setup(1, 1);
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
    harness_teardown();
}

int main(void)
{
    test_observe();
    test_observer_timeout_and_table();
    return check_summary("coap_observe");
}
