/* SPDX-License-Identifier: ISC */
/* Unit tests of the gateway with a fake transport and fake clocks: what is sent, when, and what never is. */
#include "audit_log.h"
#include "check.h"
#include "gateway_admin.h"
#include "policy_store.h"
#include "store_helpers.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S 1000000000ull
#define T0 1717245000ull /* 2024-06-01 12:30:00 UTC */
#define H12 1717243200ull

void hearth_plat_console_write(const char *buf, size_t len)
{
    fwrite(buf, 1, len, stderr);
}

static uint64_t mono, wall_s;
static int wall_ok = 1;

static uint64_t fake_mono(void)
{
    return mono;
}

static int fake_wall(int64_t *ns)
{
    *ns = (int64_t)(wall_s * S);
    return wall_ok ? 0 : -HEARTH_ENODATA;
}

/* The fake transport: requests wait until the test answers them. */
struct sent {
    char url[POLICY_URL_MAX + 1];
    int pinned, has_ca;
    char *body;
    size_t len;
    gateway_done_fn done;
    void *arg;
    int answered;
};
static struct sent sent[64];
static unsigned nsent;
static int refuse_next; /* the next send fails at once with this error */

static int fake_send(void *ctx, const struct gateway_request *req, gateway_done_fn done, void *arg)
{
    (void)ctx;
    if (refuse_next) {
        int rc = refuse_next;
        refuse_next = 0;
        return rc;
    }
    struct sent *s = &sent[nsent++];
    HEARTH_ASSERT(nsent < 64);
    snprintf(s->url, sizeof(s->url), "%s", req->url);
    s->pinned = req->pin_sha256 != NULL;
    s->has_ca = req->ca_pem != NULL;
    s->body = malloc(req->body_len + 1);
    memcpy(s->body, req->body, req->body_len);
    s->body[req->body_len] = '\0';
    s->len = req->body_len;
    s->done = done;
    s->arg = arg;
    s->answered = 0;
    return 0;
}

static void answer(unsigned i, int rc, int status)
{
    HEARTH_ASSERT(i < nsent && !sent[i].answered);
    sent[i].answered = 1;
    sent[i].done(sent[i].arg, rc, status);
}

static unsigned allows, denies;
static void on_trace(void *ctx, const char *what, const char *recipient, const char *series, const char *why)
{
    (void)ctx, (void)recipient, (void)series, (void)why;
    if (strcmp(what, "allow") == 0)
        allows++;
    else
        denies++;
}

static struct loop loop;
static struct store *st;
static struct audit_log audit;
static struct gateway gw;
static struct gateway_admin admin;

/* Moves both clocks on and runs whatever timers fell due. */
static void advance(uint64_t secs)
{
    for (uint64_t i = 0; i < secs; i++) {
        mono += S;
        wall_s += 1;
        timer_run_due(&loop.timers, mono);
    }
}

static void reading(const char *key, uint64_t t_s, const char *value)
{
    struct store_record r = {.type = STORE_T_READING,
                             .key = (const uint8_t *)key,
                             .key_len = (uint8_t)strlen(key),
                             .payload = (const uint8_t *)value,
                             .payload_len = (uint16_t)strlen(value),
                             .timestamp_ns = t_s * S};
    CHECK_INT(store_append(st, &r, NULL, NULL, NULL), 0);
}

static void start(void)
{
    struct gateway_config cfg = {.loop = &loop,
                                 .audit = &audit,
                                 .source = gateway_source_store_means,
                                 .source_ctx = st,
                                 .transport = fake_send,
                                 .trace = on_trace,
                                 .mono_ns = fake_mono,
                                 .wall_ns = fake_wall,
                                 .jitter_seed = 42};
    CHECK_INT(audit_log_open(&audit, st, fake_wall), 0);
    gateway_init(&gw, &cfg);
    CHECK_INT(gateway_admin_start(&admin, &gw, &audit, st), 0);
}

static int put(const char *text)
{
    uint32_t version = 0;
    unsigned nerr = 0;
    struct policy_error e;
    int rc = gateway_admin_put(&admin, text, strlen(text), &e, 1, &nerr, &version);
    if (rc < 0)
        check_note("  put failed: %d %u:%s %s", rc, e.line, e.field, e.message);
    return rc;
}

struct count {
    unsigned transfers, ok, changes;
    char last_result[24];
    unsigned last_status;
};

static int count_entry(void *arg, const struct audit_entry *e)
{
    struct count *c = arg;
    if (e->kind == AUDIT_TRANSFER) {
        c->transfers++;
        c->ok += strcmp(e->result, "ok") == 0;
        snprintf(c->last_result, sizeof(c->last_result), "%s", e->result);
        c->last_status = e->status;
    } else {
        c->changes++;
    }
    return 0;
}

static struct count audit_count(void)
{
    struct count c = {0};
    CHECK_INT(audit_log_iterate(&audit, count_entry, &c), 0);
    return c;
}

static void next_due(void *arg, const struct gateway_job_info *j)
{
    uint64_t *due = arg;
    if (strcmp(j->sensor, "pot1") == 0)
        *due = j->next_due_ns;
}

static const char coop[] = "recipient coop\n"
                           "  endpoint https://coop.example:8443/ingest\n"
                           "  pin-sha256 3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a\n"
                           "  allow pot1/moisture granularity 1h every 1h purpose \"watering research\"\n";

static void test_allowed_means_only(void)
{
    char want[1024];
    /* Three past hours of the allowed series, and two series nobody may have. */
    reading("pot1/moisture", H12 - 3 * 3600 + 600, "30");
    reading("pot1/moisture", H12 - 3 * 3600 + 2400, "32");
    reading("pot1/moisture", H12 - 2 * 3600 + 600, "40");
    reading("pot1/moisture", H12 - 2 * 3600 + 1200, "41");
    reading("pot1/moisture", H12 - 2 * 3600 + 3000, "45");
    reading("pot1/moisture", H12 - 3600 + 300, "50");
    reading("pot1/moisture", H12 + 60, "99"); /* the current hour: not complete, not sent */
    reading("pot1/temperature", H12 - 3600 + 300, "21.5");
    reading("fridge/gas", H12 - 3600 + 300, "420");

    /* Default deny: without a policy nothing is sent, however long we wait. */
    advance(3 * 3600);
    CHECK_INT(nsent, 0);
    wall_s = T0;

    CHECK_INT(put("recipient coop\n  endpoint https://x/\n"), -HEARTH_EINVAL);
    CHECK_INT(nsent, 0);
    CHECK_INT(put(coop), 0);
    CHECK_INT(admin.version, 1);
    timer_run_due(&loop.timers, mono);
    CHECK_INT(nsent, 1);
    snprintf(want, sizeof(want),
             "{\"sensor\":\"pot1\",\"quantity\":\"moisture\",\"granularity\":\"1h\",\"purpose\":\"watering "
             "research\",\"policy_version\":1,\"from\":%llu,\"to\":%llu,\"points\":[{\"t\":%llu,\"mean\":31},"
             "{\"t\":%llu,\"mean\":42},{\"t\":%llu,\"mean\":50}]}",
             (unsigned long long)(H12 - 86400 + 3600 - 3600 * 1), (unsigned long long)H12,
             (unsigned long long)(H12 - 3 * 3600), (unsigned long long)(H12 - 2 * 3600),
             (unsigned long long)(H12 - 3600));
    CHECK(strcmp(sent[0].body, want) == 0);
    if (strcmp(sent[0].body, want) != 0)
        check_note("  got  %s\n  want %s", sent[0].body, want);
    CHECK(strcmp(sent[0].url, "https://coop.example:8443/ingest") == 0 && sent[0].pinned && !sent[0].has_ca);
    CHECK(!strstr(sent[0].body, "fridge") && !strstr(sent[0].body, "temperature") &&
          !strstr(sent[0].body, "99"));
    answer(0, 0, 200);
    struct count c = audit_count();
    CHECK(c.transfers == 1 && c.ok == 1 && c.changes == 1 && c.last_status == 200);

    /* The next hour brings exactly the hour that completed. */
    advance(3600);
    CHECK_INT(nsent, 2);
    CHECK(strstr(sent[1].body, "\"points\":[{\"t\":1717243200,\"mean\":99}]") != NULL);
    answer(1, 0, 204);
    struct audit_verdict v;
    CHECK_INT(audit_log_verify(&audit, 0, NULL, &v), 0);
    CHECK(v.ok && v.entries == 3);
    CHECK(allows == 2);
}

static void test_backoff(void)
{
    uint64_t due = 0;
    reading("pot1/moisture", H12 + 3600 + 10, "60");
    advance(3600);
    CHECK_INT(nsent, 3);
    /* Each failure waits from the upper half of 2 s, 4 s, 8 s ... up to 5 minutes. */
    uint64_t base = 2;
    for (unsigned k = 0; k < 10; k++) {
        unsigned i = nsent - 1;
        answer(i, 0, 503);
        gateway_jobs(&gw, next_due, &due);
        uint64_t wait = due - mono;
        CHECK(wait >= base * S / 2 && wait <= base * S);
        if (!(wait >= base * S / 2 && wait <= base * S))
            check_note("  failure %u: waited %llu ns, base %llu s", k + 1, (unsigned long long)wait,
                       (unsigned long long)base);
        advance((wait + S - 1) / S);
        CHECK_INT(nsent, i + 2);
        CHECK(strcmp(sent[i + 1].body, sent[i].body) == 0);
        base = base * 2 > 300 ? 300 : base * 2;
    }
    struct count c = audit_count();
    CHECK(strcmp(c.last_result, "http-error") == 0 && c.last_status == 503);
    /* A transport that fails at once counts as a failure too. */
    answer(nsent - 1, -HEARTH_ECONNRESET, 0);
    c = audit_count();
    CHECK(strcmp(c.last_result, "failed") == 0 && c.last_status == 0);
    refuse_next = -HEARTH_EHOSTUNREACH;
    advance(300);
    c = audit_count();
    CHECK(strcmp(c.last_result, "failed") == 0);
    unsigned before = nsent;
    advance(300);
    CHECK_INT(nsent, before + 1);
    answer(nsent - 1, 0, 200);
    c = audit_count();
    CHECK(strcmp(c.last_result, "ok") == 0);
}

static void test_revocation(void)
{
    uint32_t version = 0;
    /* A retry is queued when the recipient is revoked: it never happens. */
    reading("pot1/moisture", wall_s / 3600 * 3600 + 10, "70");
    advance(3600);
    unsigned before = nsent;
    CHECK(before > 0 && !sent[before - 1].answered);
    answer(before - 1, 0, 500);
    CHECK_INT(gateway_admin_revoke(&admin, "coop", NULL, &version), 0);
    CHECK(strstr(admin.text, "recipient coop\n  revoked\n") != NULL);
    advance(6 * 3600);
    CHECK_INT(nsent, before);
    struct count c = audit_count();
    CHECK(c.changes == 2);

    /* Allowed again (a new policy), then one allow line revoked while its push is on the wire. */
    static const char two[] = "recipient coop\n"
                              "  endpoint https://coop.example/in\n"
                              "  ca\n"
                              "  -----BEGIN CERTIFICATE-----\n  QUJD\n  -----END CERTIFICATE-----\n"
                              "  allow pot1/moisture granularity 1h every 1h purpose \"research\"\n"
                              "  allow fridge/gas threshold > 400 every 1m purpose \"safety\"\n";
    CHECK_INT(put(two), 0);
    timer_run_due(&loop.timers, mono);
    unsigned pot = nsent, gas = nsent;
    for (unsigned i = before; i < nsent; i++) {
        if (strstr(sent[i].body, "\"pot1\""))
            pot = i;
        if (strstr(sent[i].body, "\"fridge\""))
            gas = i;
    }
    CHECK(pot < nsent && gas < nsent && sent[pot].has_ca && !sent[pot].pinned);
    CHECK_INT(gateway_admin_revoke(&admin, "coop", "pot1/moisture", &version), 0);
    answer(pot, 0, 200);
    c = audit_count();
    CHECK(strcmp(c.last_result, "revoked-in-flight") == 0);
    answer(gas, 0, 200);
    unsigned after = nsent;
    reading("pot1/moisture", wall_s + 10, "80");
    advance(3 * 3600);
    for (unsigned i = after; i < nsent; i++)
        CHECK(!strstr(sent[i].body, "\"pot1\""));
    CHECK_INT(gateway_admin_revoke(&admin, "nobody", NULL, &version), -HEARTH_ENOENT);
}

static void test_threshold(void)
{
    /* Only the crossings, as times, no values. */
    uint64_t t = wall_s;
    reading("fridge/gas", t + 1, "300");
    reading("fridge/gas", t + 2, "450");
    reading("fridge/gas", t + 3, "500");
    reading("fridge/gas", t + 4, "350");
    reading("fridge/gas", t + 5, "420");
    unsigned before = nsent;
    advance(70);
    CHECK_INT(nsent, before + 1);
    char want[128];
    snprintf(want, sizeof(want), "\"events\":[{\"t\":%llu.000},{\"t\":%llu.000}]}", (unsigned long long)t + 2,
             (unsigned long long)t + 5);
    CHECK(strstr(sent[before].body, want) != NULL && !strstr(sent[before].body, "value"));
    CHECK(strstr(sent[before].body, "\"op\":\">\",\"threshold\":400") != NULL);
    answer(before, 0, 200);
    /* Still above: no new event. */
    reading("fridge/gas", wall_s + 1, "430");
    advance(70);
    CHECK_INT(nsent, before + 1);
}

static void test_reboot_and_until(void)
{
    /* A new gateway over the same store continues after the last audited push, resending nothing. */
    gateway_stop(&gw);
    gateway_admin_free(&admin);
    unsigned before = nsent;
    start();
    CHECK(admin.version == 4 && strstr(admin.text, "fridge/gas") &&
          strstr(admin.text, "# revoked: allow pot1"));
    timer_run_due(&loop.timers, mono);
    CHECK_INT(nsent, before);
    struct audit_verdict v;
    CHECK_INT(audit_log_verify(&audit, 0, NULL, &v), 0);
    CHECK(v.ok);

    /* A rule past its until sends nothing. */
    static const char expired[] =
        "recipient coop\n"
        "  endpoint https://coop.example/in\n"
        "  pin-sha256 3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a\n"
        "  allow pot1/temperature granularity 1h purpose \"x\" until 2024-06-01\n";
    CHECK_INT(put(expired), 0);
    advance(2 * 3600);
    CHECK_INT(nsent, before);

    /* Without a wall clock nothing is sent either. */
    static const char temp[] =
        "recipient coop\n"
        "  endpoint https://coop.example/in\n"
        "  pin-sha256 3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a3f2a\n"
        "  allow pot1/temperature granularity 1h backfill 30d purpose \"x\"\n";
    wall_ok = 0;
    CHECK_INT(put(temp), 0);
    advance(60);
    CHECK_INT(nsent, before);
    wall_ok = 1;
    advance(10);
    CHECK_INT(nsent, before + 1);
    CHECK(strstr(sent[before].body, "\"mean\":21.5") != NULL);
    answer(before, 0, 200);
    /* The policy as saved is the policy as loaded. */
    char *text = NULL;
    size_t len = 0;
    uint32_t version = 0;
    CHECK_INT(policy_store_load(st, &text, &len, &version), 0);
    CHECK(version == admin.version && len == strlen(temp) && memcmp(text, temp, len) == 0);
    free(text);
}

static void test_no_transport(void)
{
    /* The hub before its HTTPS client is wired: the gateway says so and sends nothing. */
    struct gateway quiet;
    struct gateway_config cfg = gw.cfg;
    cfg.transport = NULL;
    gateway_init(&quiet, &cfg);
    struct policy *p = policy_new();
    unsigned nerr;
    CHECK_INT(policy_parse(coop, strlen(coop), p, NULL, 0, &nerr), 0);
    unsigned before = nsent;
    gateway_apply(&quiet, p);
    advance(10);
    CHECK_INT(nsent, before);
    gateway_stop(&quiet);
}

int main(void)
{
    struct hearth_blkdev *d = memdisk_new(BS, 2000);
    struct store_config cfg = {.first_block = RESERVED, .segment_blocks = 16};
    st = open_ok(d, &cfg);
    loop_init(&loop);
    mono = 1000 * S;
    wall_s = T0 - 3 * 3600;
    start();
    test_allowed_means_only();
    test_backoff();
    test_revocation();
    test_threshold();
    test_reboot_and_until();
    test_no_transport();
    gateway_stop(&gw);
    gateway_admin_free(&admin);
    for (unsigned i = 0; i < nsent; i++)
        free(sent[i].body);
    store_close(st);
    memdisk_free(d);
    return check_summary("gateway");
}
