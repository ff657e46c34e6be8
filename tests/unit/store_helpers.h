/* SPDX-License-Identifier: ISC */
/* Helpers shared by the store's unit tests: collecting records, numbered payloads, acknowledgements. */
#ifndef TESTS_UNIT_STORE_HELPERS_H
#define TESTS_UNIT_STORE_HELPERS_H

#include "memdisk.h"
#include "store.h"

#include <stdbool.h>
#include <stddef.h>

#define BS 512u
#define RESERVED 8u /* blocks before the store's region, standing in for the key slots */

struct seen {
    uint64_t seq, ts;
    uint8_t type, key_len;
    uint16_t payload_len;
    char key[STORE_KEY_MAX + 1];
    uint8_t payload[STORE_PAYLOAD_MAX];
};

struct seen_list {
    struct seen *v;
    size_t n, cap;
};

struct acks {
    int calls, errors;
    uint64_t last;
};

/* Appends a copy of every record visited to the seen_list at arg (free its v). */
int store_test_collect(void *arg, const struct store_record *r);
/* Every live record of this type (0: any) and key (NULL: any), in log order. */
struct seen_list all_records(struct store *s, uint8_t type, const char *key);
const struct seen *find(const struct seen_list *l, uint64_t seq);
/* Record i's payload (8..127 bytes derived from i) into out; returns its length. */
size_t payload_for(uint32_t i, uint8_t *out);
/* Appends a record of this type, key and time with payload_for(i). */
int append(struct store *s, uint8_t type, const char *key, uint64_t ts, uint32_t i, uint64_t *seq);
bool payload_ok(const struct seen *e, uint32_t i);
/* store_open that must succeed (checked). */
struct store *open_ok(struct hearth_blkdev *d, const struct store_config *cfg);
/* A store_done_fn counting calls into the struct acks at arg. */
void on_done(void *arg, uint64_t seq, int status);

#endif
