/* SPDX-License-Identifier: ISC */
/* libFuzzer target for CoAP: the codec on every datagram, and the whole server fed a stream of datagrams. */
#include "coap_server.h"
#include "memdisk.h"
#include "store.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, long long v)
{
    fprintf(stderr, "fuzz_coap: %s (%lld)\n", what, v);
    abort();
}

/* The platform and the broker hook, stubbed: the target links the server, ingest and store sources only. */
void hearth_plat_console_write(const char *buf, size_t len)
{
    (void)buf;
    (void)len;
}

int hearth_plat_entropy(void *buf, size_t len)
{
    memset(buf, 0x3c, len);
    return 0;
}

void mqtt_broker_durable(struct mqtt_broker *b, uint64_t ticket)
{
    (void)b;
    (void)ticket;
}

/*
 * The encoding is canonical (each value has one shortest form and the extended forms do not overlap), so
 * a message that parses must re-encode to exactly its own bytes.
 */
static void check_codec(const uint8_t *d, size_t len)
{
    struct coap_msg m;
    int rc = coap_parse(d, len, &m);
    if (rc != 0 && rc != -HEARTH_EBADMSG && rc != -HEARTH_ENOTSUP)
        fail("coap_parse: undocumented error", rc);
    if (rc != 0)
        return;
    if (m.tkl > COAP_TOKEN_MAX || (m.payload && m.payload_len == 0))
        fail("parsed message breaks the format rules", m.tkl);
    uint8_t *out = malloc(len + 8);
    struct coap_writer w;
    struct coap_option_iter it;
    struct coap_option o;
    coap_writer_init(&w, out, len + 8, m.type, m.code, m.mid, m.token, m.tkl);
    coap_option_iter_init(&it, &m);
    while (coap_option_next(&it, &o))
        coap_writer_option(&w, o.number, o.value, o.len);
    coap_writer_payload(&w, m.payload, m.payload_len);
    int n = coap_writer_finish(&w);
    if (n != (int)len || memcmp(out, d, len) != 0)
        fail("message does not re-encode to its own bytes", n);
    free(out);
    struct coap_request r;
    rc = coap_request_parse(&m, &r);
    if ((rc == 0) != (r.bad_option == 0))
        fail("coap_request_parse: result and bad_option disagree", rc);
    if (r.accept > 0xffff || r.content_format > 0xffff || r.observe > COAP_OBSERVE_MAX)
        fail("option value out of its range", r.observe);
}

static unsigned sent_count;

/* Whatever the server sends must itself be a well-formed message. */
static int capture(void *arg, const uint8_t *d, size_t len, const struct netstack_endpoint *to)
{
    struct coap_msg m;
    (void)arg;
    (void)to;
    if (len > 1280 || coap_parse(d, len, &m) != 0)
        fail("the server sent a malformed message", (long long)len);
    sent_count++;
    return 0;
}

/*
 * The input is a sequence of records: op (bits 0-1: which of four peers, bit 2: commit the store first,
 * bits 3-7: advance the clock by that many 100 ms steps), length, then that many bytes of datagram.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct coap_server srv;
    struct loop loop;
    struct ingest in;
    struct store *st = NULL;
    uint64_t now = 1000000000000ull;
    memdisk_set_time(now);
    struct hearth_blkdev *disk = memdisk_new(512, 96);
    struct store_config cfg = {.first_block = 0, .segment_blocks = 8};
    if (!disk || store_open(disk, &cfg, &st) != 0)
        fail("store_open on a fresh disk", 0);
    loop_init(&loop);
    ingest_init(&in, st, NULL, NULL);
    if (coap_server_init(&srv, &loop, &in, capture, NULL) != 0)
        fail("coap_server_init", 0);
    sent_count = 0;

    size_t off = 0;
    while (off + 2 <= size) {
        uint8_t op = data[off], len = data[off + 1];
        off += 2;
        if (len > size - off)
            len = (uint8_t)(size - off);
        if (op & 4)
            (void)ingest_commit(&in);
        now += (uint64_t)(op >> 3) * 100000000ull;
        memdisk_set_time(now);
        timer_run_due(&loop.timers, now);
        struct netstack_endpoint peer = {{10, 0, 0, (uint8_t)(1 + (op & 3))}, (uint16_t)(5683 + (op & 1))};
        check_codec(data + off, len);
        coap_server_input(&srv, data + off, len, &peer);
        off += len;
    }
    /* Everything still waiting for the disk is answered, then the whole retransmission schedule runs. */
    (void)ingest_commit(&in);
    for (int i = 0; i < 12; i++) {
        now += 30000000000ull;
        memdisk_set_time(now);
        timer_run_due(&loop.timers, now);
    }
    for (unsigned i = 0; i < COAP_DEDUP_SLOTS; i++)
        if (srv.dedup[i].state == COAP_DEDUP_PENDING)
            fail("a POST still waits after its reading was committed", i);
    coap_server_stop(&srv);
    store_close(st);
    memdisk_free(disk);
    return 0;
}
