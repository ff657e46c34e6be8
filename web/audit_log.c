/* SPDX-License-Identifier: ISC */
/* The audit log in the store: chained appends, iteration over decoded entries and chain verification. */
#include "audit_log.h"

#include "store.h"

#include <hearth/err.h>
#include <mbedtls/sha256.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_KEY "audit"

void audit_sha256(const void *data, size_t len, uint8_t out[32])
{
    mbedtls_sha256(data, len, out, 0);
}

/* Decodes one record and checks its own hash; returns 1 if it decoded. */
static int decode(const struct store_record *rec, struct audit_entry *e, int *self_ok)
{
    size_t body = 0;
    uint8_t h[32];
    if (audit_decode(rec->payload, rec->payload_len, e, &body) < 0)
        return 0;
    audit_sha256(rec->payload, body, h);
    *self_ok = memcmp(h, e->hash, 32) == 0;
    return 1;
}

static int find_head(void *arg, const struct store_record *rec)
{
    struct audit_log *log = arg;
    struct audit_entry e;
    int self_ok;
    if (decode(rec, &e, &self_ok) && e.seq >= log->next_seq) {
        log->next_seq = e.seq + 1;
        memcpy(log->head, e.hash, 32);
    }
    return 0;
}

int audit_log_open(struct audit_log *log, struct store *st, int (*wall_ns)(int64_t *unix_ns))
{
    memset(log, 0, sizeof(*log));
    log->store = st;
    log->wall_ns = wall_ns;
    log->next_seq = 1;
    if (!st) {
        log->failed = -HEARTH_EINVAL;
        return -HEARTH_EINVAL;
    }
    struct store_query q = {.type = STORE_T_AUDIT};
    int rc = store_iterate(st, &q, find_head, log);
    if (rc < 0)
        log->failed = rc;
    return rc < 0 ? rc : 0;
}

int audit_log_append(struct audit_log *log, struct audit_entry *e)
{
    char text[AUDIT_TEXT_MAX];
    char hex[65];
    if (log->failed)
        return -HEARTH_EIO;
    e->seq = log->next_seq;
    int64_t now = 0;
    if (!e->time_ns && log->wall_ns && log->wall_ns(&now) == 0 && now > 0)
        e->time_ns = (uint64_t)now;
    memcpy(e->prev, log->head, 32);
    int n = audit_encode_body(e, text, sizeof(text) - 70);
    if (n < 0)
        return n;
    audit_sha256(text, (size_t)n, e->hash);
    audit_hex(e->hash, hex);
    memcpy(text + n, "hash ", 5);
    memcpy(text + n + 5, hex, 64);
    text[n + 69] = '\n';
    struct store_record rec = {.type = STORE_T_AUDIT,
                               .key = (const uint8_t *)AUDIT_KEY,
                               .key_len = sizeof(AUDIT_KEY) - 1,
                               .payload = (const uint8_t *)text,
                               .payload_len = (uint16_t)(n + 70),
                               .timestamp_ns = e->time_ns};
    int rc = store_append(log->store, &rec, NULL, NULL, NULL);
    if (rc < 0) {
        log->failed = rc;
        return rc;
    }
    log->next_seq++;
    memcpy(log->head, e->hash, 32);
    return 0;
}

struct iter {
    audit_visit_fn visit;
    void *arg;
};

static int visit_decoded(void *arg, const struct store_record *rec)
{
    struct iter *it = arg;
    struct audit_entry e;
    int self_ok;
    return decode(rec, &e, &self_ok) ? it->visit(it->arg, &e) : 0;
}

int audit_log_iterate(struct audit_log *log, audit_visit_fn visit, void *arg)
{
    struct iter it = {visit, arg};
    struct store_query q = {.type = STORE_T_AUDIT};
    if (!log->store)
        return -HEARTH_EINVAL;
    return store_iterate(log->store, &q, visit_decoded, &it);
}

struct collect {
    struct audit_link *links;
    size_t n, cap;
    uint64_t undecodable;
    uint64_t top_seq;
    uint8_t top_hash[32];
    int nomem;
};

static int collect(void *arg, const struct store_record *rec)
{
    struct collect *c = arg;
    struct audit_entry e;
    int self_ok = 0;
    if (!decode(rec, &e, &self_ok)) {
        c->undecodable++;
        return 0;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        struct audit_link *l = realloc(c->links, cap * sizeof(*l));
        if (!l) {
            c->nomem = 1;
            return 1;
        }
        c->links = l;
        c->cap = cap;
    }
    struct audit_link *l = &c->links[c->n++];
    l->seq = e.seq;
    l->store_seq = rec->seq;
    memcpy(l->prev, e.prev, sizeof(l->prev));
    memcpy(l->hash, e.hash, sizeof(l->hash));
    l->self_ok = self_ok;
    if (e.seq >= c->top_seq) {
        c->top_seq = e.seq;
        memcpy(c->top_hash, e.hash, 32);
    }
    return 0;
}

int audit_log_verify(struct audit_log *log, uint64_t expect_seq, const uint8_t *expect_hash,
                     struct audit_verdict *v)
{
    struct collect c = {0};
    struct store_stats before, after;
    struct store_query q = {.type = STORE_T_AUDIT};
    if (!log->store)
        return -HEARTH_EINVAL;
    store_stats(log->store, &before);
    int rc = store_iterate(log->store, &q, collect, &c);
    store_stats(log->store, &after);
    if (rc == 0 && c.nomem)
        rc = -HEARTH_ENOMEM;
    if (rc < 0)
        goto out;
    uint64_t skipped = after.corrupt_skipped - before.corrupt_skipped + c.undecodable;
    /* A head kept elsewhere wins; otherwise the one this run holds catches a cut-off tail. */
    uint64_t want_seq = expect_seq ? expect_seq : log->next_seq - 1;
    const uint8_t *want_hash = expect_seq ? expect_hash : log->head;
    audit_chain_check(c.links, c.n, skipped, want_seq, want_hash, v);
    memcpy(v->head_hash, c.top_hash, 32);
out:
    free(c.links);
    return rc;
}
