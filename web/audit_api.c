/* SPDX-License-Identifier: ISC */
/* The audit routes: GET /api/audit (paged), /api/audit/verify and /api/audit/summary ("what left my home").
 */
#include "web.h"

#include "audit_log.h"
#include "gateway_admin.h"
#include "policy_lex.h"
#include "web_buf.h"

#include <hearth/err.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define ANSWER_MAX (256 * 1024)
#define PAGE_DEFAULT 50
#define PAGE_MAX 200
#define SUMMARY_MAX 16

static struct audit_log *audit_of(void)
{
    struct gateway_admin *a = web_gateway_admin();
    return a && a->audit && a->audit->store ? a->audit : NULL;
}

static void send_buf(struct http_exchange *x, struct web_buf *b)
{
    if (b->failed)
        http_respond_error(x, 503);
    else
        http_respond(x, 200, "application/json", "Cache-Control: no-store\r\n", b->p, b->len, 1);
    web_buf_free(b);
}

static uint64_t query_u64(const char *q, const char *name, uint64_t dflt)
{
    char v[24];
    char *end;
    if (web_query_param(q, name, v, sizeof(v)) < 0)
        return dflt;
    uint64_t x = strtoull(v, &end, 10);
    return *end ? dflt : x;
}

struct page {
    uint64_t from, limit;
    struct audit_entry *e; /* slot i holds seq from + i */
    unsigned char *have;
};

static int keep_page(void *arg, const struct audit_entry *e)
{
    struct page *p = arg;
    if (e->seq >= p->from && e->seq - p->from < p->limit && !p->have[e->seq - p->from]) {
        p->e[e->seq - p->from] = *e;
        p->have[e->seq - p->from] = 1;
    }
    return 0;
}

static void entry_json(struct web_buf *b, const struct audit_entry *e)
{
    char sha[65], prev[65], hash[65];
    audit_hex(e->payload_sha256, sha);
    audit_hex(e->prev, prev);
    audit_hex(e->hash, hash);
    web_buf_printf(b, "{\"seq\":%" PRIu64 ",\"time_ns\":%" PRIu64 ",\"kind\":\"%s\",\"recipient\":", e->seq,
                   e->time_ns, audit_kind_name(e->kind));
    web_buf_json_str(b, e->recipient);
    web_buf_printf(b, ",\"policy_version\":%" PRIu32 ",\"sensors\":", e->policy_version);
    web_buf_json_str(b, e->sensors);
    web_buf_printf(b, ",\"granularity\":");
    web_buf_json_str(b, e->granularity);
    web_buf_printf(b,
                   ",\"window\":[%" PRIu64 ",%" PRIu64 "],\"bytes\":%" PRIu64 ",\"payload_sha256\":\"%s\","
                   "\"status\":%u,\"result\":",
                   e->window_from_s, e->window_to_s, e->bytes, sha, e->status);
    web_buf_json_str(b, e->result);
    web_buf_printf(b, ",\"prev\":\"%s\",\"hash\":\"%s\"}", prev, hash);
}

void web_audit(struct http_exchange *x, void *arg)
{
    struct audit_log *log = audit_of();
    struct web_buf b;
    (void)arg;
    if (!log) {
        http_respond_error(x, 503);
        return;
    }
    const char *q = http_query(x);
    struct page p = {.from = query_u64(q, "from", 1), .limit = query_u64(q, "limit", PAGE_DEFAULT)};
    if (p.from == 0)
        p.from = 1;
    if (p.limit == 0 || p.limit > PAGE_MAX)
        p.limit = PAGE_MAX;
    p.e = calloc(p.limit, sizeof(*p.e));
    p.have = calloc(p.limit, 1);
    web_buf_init(&b, ANSWER_MAX);
    int rc = p.e && p.have ? audit_log_iterate(log, keep_page, &p) : -HEARTH_ENOMEM;
    if (rc < 0) {
        http_respond_error(x, rc == -HEARTH_ENOMEM ? 503 : 500);
        web_buf_free(&b);
        goto out;
    }
    uint64_t total = log->next_seq - 1, shown = 0;
    web_buf_printf(&b, "{\"total\":%" PRIu64 ",\"entries\":[", total);
    for (uint64_t i = 0; i < p.limit; i++) {
        if (!p.have[i])
            continue;
        if (shown++)
            web_buf_printf(&b, ",");
        entry_json(&b, &p.e[i]);
    }
    if (p.from + p.limit <= total)
        web_buf_printf(&b, "],\"next\":%" PRIu64 "}\n", p.from + p.limit);
    else
        web_buf_printf(&b, "],\"next\":null}\n");
    send_buf(x, &b);
out:
    free(p.e);
    free(p.have);
}

void web_audit_verify(struct http_exchange *x, void *arg)
{
    struct audit_log *log = audit_of();
    struct audit_verdict v;
    struct web_buf b;
    char hex[65];
    uint8_t want[32];
    (void)arg;
    if (!log) {
        http_respond_error(x, 503);
        return;
    }
    /* The owner may pass a head noted earlier: only that catches a cut-off or rewritten tail. */
    const char *q = http_query(x);
    uint64_t want_seq = query_u64(q, "head_seq", 0);
    if (want_seq &&
        (web_query_param(q, "head_hash", hex, sizeof(hex)) < 0 || policy_lex_hex(hex, want, 32) < 0)) {
        http_respond_error(x, 400);
        return;
    }
    int rc = audit_log_verify(log, want_seq, want_seq ? want : NULL, &v);
    if (rc < 0) {
        http_respond_error(x, rc == -HEARTH_ENOMEM ? 503 : 500);
        return;
    }
    audit_hex(v.head_hash, hex);
    web_buf_init(&b, 4096);
    web_buf_printf(&b, "{\"ok\":%s,\"entries\":%" PRIu64 ",\"first_bad_seq\":", v.ok ? "true" : "false",
                   v.entries);
    if (v.ok)
        web_buf_printf(&b, "null,\"reason\":null");
    else {
        web_buf_printf(&b, "%" PRIu64 ",\"reason\":", v.first_bad_seq);
        web_buf_json_str(&b, v.reason);
    }
    web_buf_printf(&b, ",\"head_seq\":%" PRIu64 ",\"head_hash\":\"%s\"}\n", v.head_seq, hex);
    send_buf(x, &b);
}

struct per_recipient {
    char name[40];
    uint64_t bytes, transfers, attempts, last_ns;
    char sensors[AUDIT_FIELD_MAX], grans[AUDIT_FIELD_MAX];
};

/* Adds item to a comma-separated set in set (cap bytes) unless it is there or does not fit. */
static void set_add(char *set, size_t cap, const char *item)
{
    size_t n = strlen(item), have = strlen(set);
    for (const char *p = set; *p;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == n && memcmp(p, item, n) == 0)
            return;
        p = c ? c + 1 : p + len;
    }
    if (have + n + 2 <= cap) {
        if (have)
            set[have++] = ',';
        memcpy(set + have, item, n + 1);
    }
}

struct summary {
    struct per_recipient r[SUMMARY_MAX];
    unsigned n;
};

static int sum_entry(void *arg, const struct audit_entry *e)
{
    struct summary *s = arg;
    if (e->kind != AUDIT_TRANSFER)
        return 0;
    struct per_recipient *r = NULL;
    for (unsigned i = 0; i < s->n && !r; i++)
        if (strcmp(s->r[i].name, e->recipient) == 0)
            r = &s->r[i];
    if (!r && s->n < SUMMARY_MAX) {
        r = &s->r[s->n++];
        strcpy(r->name, e->recipient);
    }
    if (!r)
        return 0;
    r->attempts++;
    /* An attempt that got any HTTP answer delivered its bytes; one that failed earlier may have too,
     * so bytes count every attempt that reached the transport: this is an upper bound. */
    r->bytes += e->bytes;
    if (strcmp(e->result, "ok") == 0)
        r->transfers++;
    if (e->time_ns > r->last_ns)
        r->last_ns = e->time_ns;
    set_add(r->sensors, sizeof(r->sensors), e->sensors);
    set_add(r->grans, sizeof(r->grans), e->granularity);
    return 0;
}

/* A comma-separated set as a JSON array of strings. */
static void set_json(struct web_buf *b, const char *set)
{
    char item[AUDIT_FIELD_MAX];
    web_buf_printf(b, "[");
    for (const char *p = set; *p;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        memcpy(item, p, len);
        item[len] = '\0';
        web_buf_printf(b, "%s", p == set ? "" : ",");
        web_buf_json_str(b, item);
        p = c ? c + 1 : p + len;
    }
    web_buf_printf(b, "]");
}

void web_audit_summary(struct http_exchange *x, void *arg)
{
    struct audit_log *log = audit_of();
    struct web_buf b;
    (void)arg;
    if (!log) {
        http_respond_error(x, 503);
        return;
    }
    struct summary *s = calloc(1, sizeof(*s));
    int rc = s ? audit_log_iterate(log, sum_entry, s) : -HEARTH_ENOMEM;
    if (rc < 0) {
        http_respond_error(x, rc == -HEARTH_ENOMEM ? 503 : 500);
        free(s);
        return;
    }
    web_buf_init(&b, ANSWER_MAX);
    web_buf_printf(&b, "{\"recipients\":[");
    for (unsigned i = 0; i < s->n; i++) {
        const struct per_recipient *r = &s->r[i];
        web_buf_printf(&b, "%s{\"recipient\":", i ? "," : "");
        web_buf_json_str(&b, r->name);
        web_buf_printf(&b,
                       ",\"bytes\":%" PRIu64 ",\"transfers\":%" PRIu64 ",\"attempts\":%" PRIu64
                       ",\"last_ns\":%" PRIu64 ",\"sensors\":",
                       r->bytes, r->transfers, r->attempts, r->last_ns);
        set_json(&b, r->sensors);
        web_buf_printf(&b, ",\"granularities\":");
        set_json(&b, r->grans);
        web_buf_printf(&b, "}");
    }
    web_buf_printf(&b, "]}\n");
    free(s);
    send_buf(x, &b);
}
