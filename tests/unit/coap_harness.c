/* SPDX-License-Identifier: ISC */
/* The CoAP unit-test harness: platform stubs, a hub on a memdisk store, request builders, reply parsers. */
#include "coap_harness.h"
#include "check.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct harness h;

const struct netstack_endpoint client = {{10, 77, 0, 1}, 40000}, other = {{10, 77, 0, 3}, 5683};

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

void harness_setup(int with_store, int attach)
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

void harness_teardown(void)
{
    coap_server_stop(&h.srv);
    if (h.st) {
        store_attach_loop(h.st, NULL);
        store_close(h.st);
    }
    if (h.disk)
        memdisk_free(h.disk);
}

void advance(uint64_t ns)
{
    h.now += ns;
    memdisk_set_time(h.now);
    timer_run_due(&h.loop.timers, h.now);
}

void deliver(const struct netstack_endpoint *from, uint8_t type, uint8_t code, uint16_t mid,
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

void post(uint8_t type, uint16_t mid, const char *token, const char *path, const char *payload)
{
    deliver(&client, type, COAP_POST, mid, token, path, payload, -1, -1, -1);
}

void get(uint16_t mid, const char *token, const char *path, int accept, int observe)
{
    deliver(&client, COAP_CON, COAP_GET, mid, token, path, NULL, -1, accept, observe);
}

void raw(const struct netstack_endpoint *from, const char *hex)
{
    uint8_t buf[256];
    size_t n = 0;
    unsigned v;
    for (; hex[2 * n] && sscanf(hex + 2 * n, "%2x", &v) == 1 && n < sizeof(buf); n++)
        buf[n] = (uint8_t)v;
    coap_server_input(&h.srv, buf, n, from);
}

int sent_msg(unsigned i, struct coap_msg *m)
{
    if (i >= h.nsent) {
        check_record(0, __FILE__, __LINE__, "a datagram was sent");
        memset(m, 0, sizeof(*m));
        return -1;
    }
    return coap_parse(h.sent[i].b, h.sent[i].len, m);
}

int payload_is(const struct coap_msg *m, const char *want)
{
    return m->payload_len == strlen(want) && memcmp(m->payload, want, m->payload_len) == 0;
}

long option_uint(const struct coap_msg *m, uint16_t number)
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

size_t readings(const char *key)
{
    struct store_query q = {
        .type = STORE_T_READING, .key = (const uint8_t *)key, .key_len = (uint8_t)strlen(key)};
    size_t n = 0;
    CHECK_INT(store_iterate(h.st, &q, count, &n), 0);
    return n;
}
