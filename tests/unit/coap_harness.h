/* SPDX-License-Identifier: ISC */
/* A harness for the CoAP server's unit tests: a store on a memdisk, a fake clock, captured datagrams. */
#ifndef TESTS_UNIT_COAP_HARNESS_H
#define TESTS_UNIT_COAP_HARNESS_H

#include "coap_server.h"
#include "memdisk.h"
#include "store.h"

#define MS 1000000ull
#define S 1000000000ull

struct sent {
    uint8_t b[1400];
    size_t len;
    struct netstack_endpoint to;
};

/* The hub under test; reset by harness_setup. */
struct harness {
    struct loop loop;
    struct hearth_blkdev *disk;
    struct store *st;
    struct ingest in;
    struct coap_server srv;
    uint64_t now;
    struct sent sent[64];
    unsigned nsent;
};
extern struct harness h;
extern const struct netstack_endpoint client, other;

/* A hub with a store (committed by the loop's timer when attach is set) or without one. */
void harness_setup(int with_store, int attach);
void harness_teardown(void);
/* Moves the clock on and runs the timers that are due. */
void advance(uint64_t ns);
/* Builds a request and hands it to the server; -1 leaves an option out. */
void deliver(const struct netstack_endpoint *from, uint8_t type, uint8_t code, uint16_t mid,
             const char *token, const char *path, const char *payload, int cf, int accept, int observe);
/* A POST or a Confirmable GET from client. */
void post(uint8_t type, uint16_t mid, const char *token, const char *path, const char *payload);
void get(uint16_t mid, const char *token, const char *path, int accept, int observe);
/* A datagram given in hex. */
void raw(const struct netstack_endpoint *from, const char *hex);
/* Parses the i-th datagram sent into m (a failed check when there is none); returns coap_parse's result. */
int sent_msg(unsigned i, struct coap_msg *m);
int payload_is(const struct coap_msg *m, const char *want);
/* The value of option number in m as an integer, or -1 when absent. */
long option_uint(const struct coap_msg *m, uint16_t number);
/* How many readings the store holds for key "<sensor>/<quantity>". */
size_t readings(const char *key);

#endif
