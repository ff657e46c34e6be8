/* SPDX-License-Identifier: ISC */
/* The gateway's scheduler: one job per allow rule, windows, attempts, backoff, revocation and audit. */
#include "gateway.h"

#include "log.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS ((uint64_t)1000000000)
#define NO_CLOCK_RETRY_NS (10 * NS)

/* One push on the wire. It owns copies of everything the transport reads, so a policy change meanwhile
 * cannot pull anything from under it; job is NULL once the rule was revoked or removed. */
struct gateway_attempt {
    struct gateway *gw;
    struct gateway_job *job;
    char recipient[POLICY_NAME_MAX + 1];
    char series[POLICY_SENSOR_MAX + POLICY_QUANTITY_MAX + 2];
    enum policy_gran gran;
    uint32_t version;
    uint64_t from_ns, to_ns;
    bool more, above_after;
    char url[POLICY_URL_MAX + 1];
    uint8_t pin[32];
    bool has_pin;
    char token[POLICY_TOKEN_MAX + 1];
    char *pem;
    char *body;
    size_t len;
};

static void trace(struct gateway *gw, const char *what, const char *recipient, const char *series,
                  const char *why)
{
    if (what[0] == 'd')
        gw->denied++;
    if (gw->cfg.trace)
        gw->cfg.trace(gw->cfg.trace_ctx, what, recipient, series, why);
}

static void job_series(const struct gateway_job *j, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", j->sensor, j->quantity);
}

static void on_timer(struct timer *t, void *arg);

static void schedule(struct gateway_job *j, uint64_t delay_ns)
{
    struct gateway *gw = j->gw;
    j->due_ns = gw->cfg.mono_ns() + delay_ns;
    timer_arm(&gw->cfg.loop->timers, &j->timer, j->due_ns, 0, on_timer, j);
}

/* Exponential backoff with jitter: 2 s doubling up to 5 min, the wait drawn from the upper half. */
static uint64_t backoff_ns(struct gateway *gw, unsigned failures)
{
    uint64_t base = GATEWAY_RETRY_BASE_S;
    for (unsigned i = 1; i < failures && base < GATEWAY_RETRY_CAP_S; i++)
        base *= 2;
    if (base > GATEWAY_RETRY_CAP_S)
        base = GATEWAY_RETRY_CAP_S;
    gw->rng ^= gw->rng << 13;
    gw->rng ^= gw->rng >> 7;
    gw->rng ^= gw->rng << 17;
    uint64_t half = base * NS / 2;
    return half + gw->rng % (half + 1);
}

static void job_release(struct gateway_job *j, const char *why)
{
    char series[64];
    job_series(j, series, sizeof(series));
    timer_cancel(&j->gw->cfg.loop->timers, &j->timer);
    if (j->in_flight)
        j->in_flight->job = NULL; /* its outcome is recorded, but nothing is retried or continued */
    trace(j->gw, "deny", j->recipient, series, why);
    j->used = false;
    j->in_flight = NULL;
}

/* The cadence of j's rule in the policy in force (its next run checks whether it is still allowed). */
static uint64_t every_ns(const struct gateway_job *j)
{
    const struct policy_recipient *r = policy_recipient(j->gw->policy, j->recipient);
    for (unsigned k = 0; r && k < r->rule_count; k++) {
        const struct policy_rule *rule = &j->gw->policy->rules[r->rule_first + k];
        if (strcmp(rule->sensor, j->sensor) == 0 && strcmp(rule->quantity, j->quantity) == 0)
            return (uint64_t)rule->every_s * NS;
    }
    return 60 * NS;
}

static void audit_attempt(struct gateway *gw, const struct gateway_attempt *a, int rc, int status,
                          const char *result)
{
    struct audit_entry e = {.kind = AUDIT_TRANSFER,
                            .policy_version = a->version,
                            .window_from_s = a->from_ns / NS,
                            .window_to_s = a->to_ns / NS,
                            .bytes = a->len,
                            .status = rc == 0 && status > 0 && status < 1000 ? (unsigned)status : 0};
    snprintf(e.recipient, sizeof(e.recipient), "%s", a->recipient);
    snprintf(e.sensors, sizeof(e.sensors), "%s", a->series);
    snprintf(e.granularity, sizeof(e.granularity), "%s", policy_gran_name(a->gran));
    snprintf(e.result, sizeof(e.result), "%s", result);
    audit_sha256(a->body, a->len, e.payload_sha256);
    int arc = audit_log_append(gw->cfg.audit, &e);
    if (arc < 0)
        log_line("gateway: audit entry for %s not written (%s): nothing more will be sent", a->recipient,
                 hearth_strerror(arc));
}

static void attempt_free(struct gateway_attempt *a)
{
    free(a->pem);
    free(a->body);
    free(a);
}

static void on_done(void *arg, int rc, int status)
{
    struct gateway_attempt *a = arg;
    struct gateway *gw = a->gw;
    struct gateway_job *j = a->job;
    bool ok = rc == 0 && status >= 200 && status < 300;
    audit_attempt(gw, a, rc, status,
                  !j        ? "revoked-in-flight"
                  : ok      ? "ok"
                  : rc == 0 ? "http-error"
                            : "failed");
    if (j) {
        j->in_flight = NULL;
        if (ok) {
            gw->sent_ok++;
            j->cursor_ns = a->to_ns;
            j->above = a->above_after;
            j->above_known = true;
            j->failures = 0;
            schedule(j, a->more ? 0 : every_ns(j));
        } else {
            gw->sent_failed++;
            j->failures++;
            log_line("gateway: push to %s failed (%s, HTTP %d): retry %u", a->recipient,
                     rc < 0 ? hearth_strerror(rc) : "answered", status, j->failures);
            schedule(j, backoff_ns(gw, j->failures));
        }
    }
    attempt_free(a);
}

/* Threshold rules send only the moments the value crossed the threshold; pts is rewritten in place. */
static unsigned crossings(const struct policy_rule *r, struct gateway_point *pts, unsigned n, bool *above,
                          bool *known)
{
    unsigned out = 0;
    for (unsigned i = 0; i < n; i++) {
        bool now = r->threshold_op == '>' ? pts[i].value > r->threshold : pts[i].value < r->threshold;
        /* After a reboot the state before the window is unknown: the first reading only sets it. */
        if (now && !*above && *known)
            pts[out++] = (struct gateway_point){.t_ns = pts[i].t_ns, .value = 0};
        *above = now;
        *known = true;
    }
    return out;
}

static int start_attempt(struct gateway_job *j, const struct policy_rule *r, uint64_t from, uint64_t to,
                         bool more, bool above_after, struct gateway_point *pts, unsigned n)
{
    struct gateway *gw = j->gw;
    const struct policy_recipient *rc = policy_recipient(gw->policy, j->recipient);
    struct gateway_attempt *a = calloc(1, sizeof(*a));
    if (!a)
        return -HEARTH_ENOMEM;
    *a = (struct gateway_attempt){.gw = gw,
                                  .job = j,
                                  .gran = j->gran,
                                  .version = gw->policy->version,
                                  .from_ns = from,
                                  .to_ns = to,
                                  .more = more,
                                  .above_after = above_after,
                                  .has_pin = rc->has_pin};
    snprintf(a->recipient, sizeof(a->recipient), "%s", j->recipient);
    job_series(j, a->series, sizeof(a->series));
    snprintf(a->url, sizeof(a->url), "%s", rc->url);
    memcpy(a->pin, rc->pin, sizeof(a->pin));
    memcpy(a->token, rc->token, sizeof(a->token));
    if ((rc->ca_pem && !(a->pem = strdup(rc->ca_pem))) ||
        gateway_payload(r, gw->policy->version, from, to, pts, n, &a->body, &a->len) < 0) {
        attempt_free(a);
        return -HEARTH_ENOMEM;
    }
    struct gateway_request req = {.url = a->url,
                                  .ca_pem = a->pem,
                                  .pin_sha256 = a->has_pin ? a->pin : NULL,
                                  .bearer = a->token[0] ? a->token : NULL,
                                  .body = a->body,
                                  .body_len = a->len,
                                  .timeout_ns = GATEWAY_SEND_TIMEOUT_NS};
    trace(gw, "allow", a->recipient, a->series, r->purpose);
    j->in_flight = a;
    int src = gw->cfg.transport(gw->cfg.transport_ctx, &req, on_done, a);
    if (src < 0)
        on_done(a, src, 0); /* the transport will not call back: this attempt failed now */
    return 0;
}

/* One run of a job: check the rule again, take the window, collect, and push if there is anything. */
static void job_run(struct gateway_job *j)
{
    struct gateway *gw = j->gw;
    char series[64];
    int64_t wall;
    job_series(j, series, sizeof(series));
    if (!gw->cfg.wall_ns || gw->cfg.wall_ns(&wall) < 0 || wall <= 0) {
        trace(gw, "deny", j->recipient, series, "no wall clock yet");
        schedule(j, NO_CLOCK_RETRY_NS);
        return;
    }
    uint64_t now = (uint64_t)wall;
    const struct policy_rule *r =
        policy_permits(gw->policy, j->recipient, j->sensor, j->quantity, j->gran, (int64_t)(now / NS));
    if (!r) {
        job_release(j, "not allowed by the policy in force");
        return;
    }
    if (!gw->cfg.transport || !gw->cfg.audit || gw->cfg.audit->failed) {
        if (!gw->said_no_transport)
            log_line("gateway: %s: nothing is sent",
                     !gw->cfg.transport ? "no outbound transport" : "no audit log");
        gw->said_no_transport = true;
        trace(gw, "deny", j->recipient, series, "no transport or audit log");
        schedule(j, (uint64_t)r->every_s * NS);
        return;
    }
    uint64_t bucket = (uint64_t)policy_gran_seconds(j->gran) * NS;
    /* Whole seconds, as the audit entry records the window (it is where a reboot continues). */
    uint64_t to = bucket ? now / bucket * bucket : now / NS * NS;
    uint64_t earliest = now > (uint64_t)r->backfill_s * NS ? now - (uint64_t)r->backfill_s * NS : 0;
    if (bucket)
        earliest = earliest / bucket * bucket;
    uint64_t from = j->cursor_ns > earliest ? j->cursor_ns : earliest;
    bool more = false;
    if (bucket && to > from && (to - from) / bucket > GATEWAY_MAX_POINTS) {
        to = from + GATEWAY_MAX_POINTS * bucket;
        more = true;
    }
    struct gateway_point *pts = NULL;
    unsigned n = 0;
    bool src_more = false, above = j->above, known = j->above_known;
    int rc = 0;
    if (from < to && !(pts = malloc(sizeof(*pts) * GATEWAY_MAX_POINTS)))
        rc = -HEARTH_ENOMEM;
    if (rc == 0 && from < to)
        rc = gw->cfg.source(gw->cfg.source_ctx, j->sensor, j->quantity,
                            j->gran == POLICY_G_THRESHOLD ? POLICY_G_RAW : j->gran, from, to, pts,
                            GATEWAY_MAX_POINTS, &n, &src_more);
    if (rc < 0) {
        log_line("gateway: reading %s for %s failed (%s)", series, j->recipient, hearth_strerror(rc));
        schedule(j, (uint64_t)r->every_s * NS);
        goto out;
    }
    if (src_more && n) {
        /* A full page: push it and continue right after its last point. */
        to = pts[n - 1].t_ns + (bucket ? bucket : 1);
        more = true;
    }
    unsigned send = n;
    if (j->gran == POLICY_G_THRESHOLD)
        send = crossings(r, pts, n, &above, &known);
    if (send == 0) {
        /* Nothing to tell. A threshold rule has still looked at these readings, and an empty page of a
         * longer window is done with; otherwise an empty window stays open for readings that arrive late. */
        if ((j->gran == POLICY_G_THRESHOLD && n) || more) {
            j->cursor_ns = to;
            j->above = above;
            j->above_known = known;
        }
        schedule(j, more ? 0 : (uint64_t)r->every_s * NS);
        goto out;
    }
    if (start_attempt(j, r, from, to, more, above, pts, send) < 0) {
        log_line("gateway: no memory for a push to %s", j->recipient);
        schedule(j, (uint64_t)r->every_s * NS);
    }
out:
    free(pts);
}

static void on_timer(struct timer *t, void *arg)
{
    struct gateway_job *j = arg;
    (void)t;
    if (j->used && !j->in_flight)
        job_run(j);
}

void gateway_init(struct gateway *gw, const struct gateway_config *cfg)
{
    memset(gw, 0, sizeof(*gw));
    gw->cfg = *cfg;
    gw->rng = cfg->jitter_seed ? cfg->jitter_seed : 0x9e3779b97f4a7c15ull;
}

const struct policy *gateway_policy(const struct gateway *gw)
{
    return gw->policy;
}

/* After a reboot a rule continues where its last successful push ended, as the audit log says. */
static int find_cursor(void *arg, const struct audit_entry *e)
{
    struct gateway *gw = arg;
    if (e->kind != AUDIT_TRANSFER || strcmp(e->result, "ok") != 0)
        return 0;
    for (unsigned i = 0; i < POLICY_MAX_RULES; i++) {
        struct gateway_job *j = &gw->jobs[i];
        char series[64];
        job_series(j, series, sizeof(series));
        if (j->used && !j->timer.armed && strcmp(j->recipient, e->recipient) == 0 &&
            strcmp(series, e->sensors) == 0 && strcmp(policy_gran_name(j->gran), e->granularity) == 0 &&
            e->window_to_s * NS > j->cursor_ns) {
            j->cursor_ns = e->window_to_s * NS;
            j->above_known = false;
        }
    }
    return 0;
}

void gateway_apply(struct gateway *gw, struct policy *p)
{
    struct policy *old = gw->policy;
    gw->policy = p;
    for (unsigned i = 0; i < POLICY_MAX_RULES; i++) {
        struct gateway_job *j = &gw->jobs[i];
        if (!j->used)
            continue;
        const struct policy_recipient *r = policy_recipient(p, j->recipient);
        bool kept = false;
        for (unsigned k = 0; r && !r->revoked && k < r->rule_count; k++) {
            const struct policy_rule *rule = &p->rules[r->rule_first + k];
            kept |= strcmp(rule->sensor, j->sensor) == 0 && strcmp(rule->quantity, j->quantity) == 0 &&
                    rule->gran == j->gran;
        }
        if (!kept)
            job_release(j, "revoked or removed from the policy");
        else if (!j->in_flight && j->failures == 0)
            schedule(j, 0); /* its cadence may have changed */
    }
    bool added = false;
    for (unsigned ri = 0; p && ri < p->recipient_count; ri++) {
        const struct policy_recipient *r = &p->recipients[ri];
        for (unsigned k = 0; !r->revoked && k < r->rule_count; k++) {
            const struct policy_rule *rule = &p->rules[r->rule_first + k];
            struct gateway_job *free_slot = NULL;
            bool exists = false;
            for (unsigned i = 0; i < POLICY_MAX_RULES; i++) {
                struct gateway_job *j = &gw->jobs[i];
                if (!j->used && !free_slot)
                    free_slot = j;
                exists |= j->used && strcmp(j->recipient, r->name) == 0 &&
                          strcmp(j->sensor, rule->sensor) == 0 && strcmp(j->quantity, rule->quantity) == 0 &&
                          j->gran == rule->gran;
            }
            if (exists || !free_slot)
                continue;
            struct gateway_job *j = free_slot;
            memset(j, 0, sizeof(*j));
            j->used = true;
            j->gw = gw;
            strcpy(j->recipient, r->name);
            strcpy(j->sensor, rule->sensor);
            strcpy(j->quantity, rule->quantity);
            j->gran = rule->gran;
            j->above_known = true; /* a new rule starts below its threshold */
            added = true;
        }
    }
    /* New jobs are the ones not armed yet: find their windows, then start them. */
    if (added && gw->cfg.audit && gw->cfg.audit->store)
        audit_log_iterate(gw->cfg.audit, find_cursor, gw);
    for (unsigned i = 0; i < POLICY_MAX_RULES; i++)
        if (gw->jobs[i].used && !gw->jobs[i].timer.armed && !gw->jobs[i].in_flight)
            schedule(&gw->jobs[i], 0);
    free(old);
}

void gateway_jobs(const struct gateway *gw, void (*fn)(void *arg, const struct gateway_job_info *j),
                  void *arg)
{
    for (unsigned i = 0; i < POLICY_MAX_RULES; i++) {
        const struct gateway_job *j = &gw->jobs[i];
        if (!j->used)
            continue;
        struct gateway_job_info info = {.recipient = j->recipient,
                                        .sensor = j->sensor,
                                        .quantity = j->quantity,
                                        .gran = j->gran,
                                        .cursor_s = j->cursor_ns / NS,
                                        .failures = j->failures,
                                        .in_flight = j->in_flight != NULL,
                                        .next_due_ns = j->timer.armed ? j->due_ns : 0};
        fn(arg, &info);
    }
}

void gateway_stop(struct gateway *gw)
{
    for (unsigned i = 0; i < POLICY_MAX_RULES; i++)
        if (gw->jobs[i].used)
            job_release(&gw->jobs[i], "gateway stopped");
    free(gw->policy);
    gw->policy = NULL;
}
