/* SPDX-License-Identifier: ISC */
/* The policy routes: GET/PUT /api/policy, GET /api/recipients, POST /api/recipients/revoke. */
#include "web.h"

#include "audit.h"
#include "gateway_admin.h"
#include "web_buf.h"

#include <hearth/err.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define ANSWER_MAX (64 * 1024)

static struct gateway_admin *admin;

void web_gateway_set(struct gateway_admin *a)
{
    admin = a;
}

struct gateway_admin *web_gateway_admin(void)
{
    return admin;
}

static void send_buf(struct http_exchange *x, int status, struct web_buf *b)
{
    if (b->failed)
        http_respond_error(x, 503);
    else
        http_respond(x, status, "application/json", "Cache-Control: no-store\r\n", b->p, b->len, 1);
    web_buf_free(b);
}

void web_policy_get(struct http_exchange *x, void *arg)
{
    char headers[96];
    (void)arg;
    if (!admin) {
        http_respond_error(x, 503);
        return;
    }
    snprintf(headers, sizeof(headers), "X-Policy-Version: %lu\r\nCache-Control: no-store\r\n",
             (unsigned long)admin->version);
    http_respond(x, 200, "text/plain; charset=utf-8", headers, admin->text ? admin->text : "", admin->len, 1);
}

void web_policy_put(struct http_exchange *x, void *arg)
{
    struct policy_error errors[POLICY_MAX_ERRORS];
    unsigned nerr = 0;
    uint32_t version = 0;
    size_t len = 0;
    struct web_buf b;
    (void)arg;
    if (!admin) {
        http_respond_error(x, 503);
        return;
    }
    const uint8_t *body = http_body(x, &len);
    int rc = gateway_admin_put(admin, (const char *)body, len, errors, POLICY_MAX_ERRORS, &nerr, &version);
    web_buf_init(&b, ANSWER_MAX);
    if (rc == -HEARTH_EINVAL) {
        web_buf_printf(&b, "{\"errors\":[");
        for (unsigned i = 0; i < nerr && i < POLICY_MAX_ERRORS; i++) {
            web_buf_printf(&b, "%s{\"line\":%u,\"field\":", i ? "," : "", errors[i].line);
            web_buf_json_str(&b, errors[i].field);
            web_buf_printf(&b, ",\"message\":");
            web_buf_json_str(&b, errors[i].message);
            web_buf_printf(&b, "}");
        }
        web_buf_printf(&b, "],\"count\":%u}\n", nerr);
        send_buf(x, 422, &b);
        return;
    }
    if (rc < 0) {
        web_buf_free(&b);
        http_respond_error(x, rc == -HEARTH_ENOMEM ? 503 : 500);
        return;
    }
    const struct policy *p = gateway_policy(admin->gw);
    web_buf_printf(&b, "{\"version\":%" PRIu32 ",\"recipients\":%u,\"rules\":%u}\n", version,
                   p ? p->recipient_count : 0, p ? p->rule_count : 0);
    send_buf(x, 200, &b);
}

struct job_find {
    const char *recipient, *sensor, *quantity;
    struct gateway_job_info found;
    int ok;
};

static void find_job(void *arg, const struct gateway_job_info *j)
{
    struct job_find *f = arg;
    if (strcmp(j->recipient, f->recipient) == 0 && strcmp(j->sensor, f->sensor) == 0 &&
        strcmp(j->quantity, f->quantity) == 0) {
        f->found = *j;
        f->ok = 1;
    }
}

static void rule_json(struct web_buf *b, const struct policy_recipient *r, const struct policy_rule *rule)
{
    struct job_find f = {.recipient = r->name, .sensor = rule->sensor, .quantity = rule->quantity};
    gateway_jobs(admin->gw, find_job, &f);
    web_buf_printf(b,
                   "{\"series\":\"%s/%s\",\"granularity\":\"%s\",\"every_s\":%" PRIu32
                   ",\"backfill_s\":%" PRIu32 ",\"purpose\":",
                   rule->sensor, rule->quantity, policy_gran_name(rule->gran), rule->every_s,
                   rule->backfill_s);
    web_buf_json_str(b, rule->purpose);
    if (rule->until_s)
        web_buf_printf(b, ",\"until\":%" PRId64, rule->until_s);
    else
        web_buf_printf(b, ",\"until\":null");
    if (rule->gran == POLICY_G_THRESHOLD)
        web_buf_printf(b, ",\"threshold\":{\"op\":\"%c\",\"value\":%.10g}", rule->threshold_op,
                       rule->threshold);
    web_buf_printf(b, ",\"active\":%s,\"pushed_to\":%" PRIu64 ",\"failures\":%u,\"in_flight\":%s}",
                   f.ok ? "true" : "false", f.ok ? f.found.cursor_s : 0, f.ok ? f.found.failures : 0,
                   f.ok && f.found.in_flight ? "true" : "false");
}

void web_recipients(struct http_exchange *x, void *arg)
{
    struct web_buf b;
    char pin[65];
    (void)arg;
    if (!admin) {
        http_respond_error(x, 503);
        return;
    }
    const struct policy *p = gateway_policy(admin->gw);
    web_buf_init(&b, ANSWER_MAX);
    web_buf_printf(&b, "{\"version\":%" PRIu32 ",\"recipients\":[", p ? p->version : 0);
    for (unsigned i = 0; p && i < p->recipient_count; i++) {
        const struct policy_recipient *r = &p->recipients[i];
        audit_hex(r->pin, pin);
        web_buf_printf(&b,
                       "%s{\"name\":\"%s\",\"endpoint\":\"%s\",\"pin_sha256\":%s%s%s,\"ca\":%s,\"token\":%s,"
                       "\"revoked\":%s,"
                       "\"rules\":[",
                       i ? "," : "", r->name, r->url, r->has_pin ? "\"" : "", r->has_pin ? pin : "null",
                       r->has_pin ? "\"" : "", r->ca_pem ? "true" : "false", r->token[0] ? "true" : "false",
                       r->revoked ? "true" : "false");
        for (unsigned k = 0; k < r->rule_count; k++) {
            if (k)
                web_buf_printf(&b, ",");
            rule_json(&b, r, &p->rules[r->rule_first + k]);
        }
        web_buf_printf(&b, "]}");
    }
    web_buf_printf(&b, "]}\n");
    send_buf(x, 200, &b);
}

void web_recipients_revoke(struct http_exchange *x, void *arg)
{
    char name[POLICY_NAME_MAX + 1], series[POLICY_SENSOR_MAX + POLICY_QUANTITY_MAX + 2];
    uint32_t version = 0;
    (void)arg;
    if (!admin) {
        http_respond_error(x, 503);
        return;
    }
    const char *q = http_query(x);
    int has_series = web_query_param(q, "series", series, sizeof(series));
    if (web_query_param(q, "recipient", name, sizeof(name)) < 0 || has_series == -HEARTH_EINVAL) {
        http_respond_error(x, 400);
        return;
    }
    int rc = gateway_admin_revoke(admin, name, has_series == 0 ? series : NULL, &version);
    if (rc == -HEARTH_ENOENT)
        http_respond_error(x, 404);
    else if (rc < 0)
        http_respond_error(x, rc == -HEARTH_ENOMEM ? 503 : 500);
    else
        http_respond_fmt(x, 200, "application/json", "{\"version\":%" PRIu32 ",\"revoked\":\"%s%s%s\"}\n",
                         version, name, has_series == 0 ? " " : "", has_series == 0 ? series : "");
}
