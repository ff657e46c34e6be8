/* SPDX-License-Identifier: ISC */
/* Helpers shared by the store's unit tests: collecting records, numbered payloads, acknowledgements. */
#include "store_helpers.h"

#include "check.h"

#include <stdlib.h>
#include <string.h>

int store_test_collect(void *arg, const struct store_record *r)
{
    struct seen_list *l = arg;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
    }
    struct seen *e = &l->v[l->n++];
    e->seq = r->seq;
    e->ts = r->timestamp_ns;
    e->type = r->type;
    e->key_len = r->key_len;
    e->payload_len = r->payload_len;
    memcpy(e->key, r->key, r->key_len);
    e->key[r->key_len] = '\0';
    memcpy(e->payload, r->payload, r->payload_len);
    return 0;
}

struct seen_list all_records(struct store *s, uint8_t type, const char *key)
{
    struct seen_list l = {0};
    struct store_query q = {
        .type = type, .key = (const uint8_t *)key, .key_len = key ? (uint8_t)strlen(key) : 0};
    CHECK_INT(store_iterate(s, &q, store_test_collect, &l), 0);
    return l;
}

const struct seen *find(const struct seen_list *l, uint64_t seq)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].seq == seq)
            return &l->v[i];
    return NULL;
}

/* The payload of record i is derived from i, so a test can check any record's bytes. */
size_t payload_for(uint32_t i, uint8_t *out)
{
    size_t len = 8 + (i * 37u) % 120u;
    for (size_t k = 0; k < len; k++)
        out[k] = (uint8_t)(i * 31u + k);
    return len;
}

int append(struct store *s, uint8_t type, const char *key, uint64_t ts, uint32_t i, uint64_t *seq)
{
    uint8_t payload[256];
    struct store_record r = {.type = type,
                             .key = (const uint8_t *)key,
                             .key_len = (uint8_t)strlen(key),
                             .timestamp_ns = ts,
                             .payload = payload,
                             .payload_len = (uint16_t)payload_for(i, payload)};
    return store_append(s, &r, NULL, NULL, seq);
}

bool payload_ok(const struct seen *e, uint32_t i)
{
    uint8_t want[256];
    size_t len = payload_for(i, want);
    return e->payload_len == len && memcmp(e->payload, want, len) == 0;
}

struct store *open_ok(struct hearth_blkdev *d, const struct store_config *cfg)
{
    struct store *s = NULL;
    int rc = store_open(d, cfg, &s);
    CHECK_INT(rc, 0);
    return s;
}

void on_done(void *arg, uint64_t seq, int status)
{
    struct acks *a = arg;
    a->calls++;
    a->errors += status != 0;
    a->last = seq;
}
