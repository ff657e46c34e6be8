/* SPDX-License-Identifier: ISC */
/* Policy changes as one step each: validate, save a new version, audit the change, enforce it at once. */
#include "gateway_admin.h"

#include "log.h"
#include "policy_store.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gateway_admin_start(struct gateway_admin *a, struct gateway *gw, struct audit_log *audit,
                        struct store *st)
{
    struct policy_error err;
    unsigned nerr = 0;
    memset(a, 0, sizeof(*a));
    a->gw = gw;
    a->audit = audit;
    a->store = st;
    int rc = policy_store_load(st, &a->text, &a->len, &a->version);
    if (rc == -HEARTH_ENOENT) {
        log_line("gateway: no privacy policy yet: nothing leaves this home");
        gateway_apply(gw, NULL);
        return 0;
    }
    struct policy *p = rc == 0 ? policy_new() : NULL;
    if (rc == 0 && !p)
        rc = -HEARTH_ENOMEM;
    if (rc == 0 && policy_parse(a->text, a->len, p, &err, 1, &nerr) < 0)
        rc = -HEARTH_EBADMSG;
    if (rc < 0) {
        log_line("gateway: the saved policy cannot be used (%s): nothing leaves this home",
                 hearth_strerror(rc));
        free(p);
        gateway_apply(gw, NULL);
        return rc;
    }
    p->version = a->version;
    log_line("gateway: policy version %lu in force: %u recipient(s), %u allow line(s)",
             (unsigned long)a->version, p->recipient_count, p->rule_count);
    gateway_apply(gw, p);
    return 0;
}

/* Series and granularities the policy allows to anyone (for the change's audit entry). */
static void describe(const struct policy *p, const char *only, struct audit_entry *e)
{
    size_t sn = 0, gn = 0;
    for (unsigned i = 0; i < p->recipient_count; i++) {
        const struct policy_recipient *r = &p->recipients[i];
        if ((only && strcmp(r->name, only) != 0) || (!only && r->revoked))
            continue;
        for (unsigned k = 0; k < r->rule_count; k++) {
            const struct policy_rule *rule = &p->rules[r->rule_first + k];
            int w = snprintf(e->sensors + sn, sizeof(e->sensors) - sn, "%s%s/%s", sn ? "," : "", rule->sensor,
                             rule->quantity);
            if (w > 0 && (size_t)w < sizeof(e->sensors) - sn)
                sn += (size_t)w;
            w = snprintf(e->granularity + gn, sizeof(e->granularity) - gn, "%s%s", gn ? "," : "",
                         policy_gran_name(rule->gran));
            if (w > 0 && (size_t)w < sizeof(e->granularity) - gn)
                gn += (size_t)w;
        }
    }
    if (!sn)
        strcpy(e->sensors, "-");
    if (!gn)
        strcpy(e->granularity, "-");
}

/* Saves, audits and enforces a validated text p of len bytes (p->version set here). */
static int commit(struct gateway_admin *a, const char *text, size_t len, struct policy *p,
                  enum audit_kind kind, const char *recipient, const char *series, uint32_t *version)
{
    uint32_t next = a->version + 1;
    int64_t now = 0;
    if (!a->store || !a->audit || a->audit->failed)
        return -HEARTH_EIO;
    char *copy = malloc(len + 1);
    if (!copy)
        return -HEARTH_ENOMEM;
    memcpy(copy, text, len);
    copy[len] = '\0';
    if (a->audit->wall_ns && a->audit->wall_ns(&now) < 0)
        now = 0;
    int rc = policy_store_save(a->store, next, text, len, now > 0 ? (uint64_t)now : 0);
    if (rc < 0) {
        free(copy);
        return rc;
    }
    struct audit_entry e = {.kind = kind, .policy_version = next, .bytes = len};
    snprintf(e.recipient, sizeof(e.recipient), "%s", recipient ? recipient : "-");
    snprintf(e.result, sizeof(e.result), "%s", kind == AUDIT_POLICY_CHANGE ? "applied" : "revoked");
    if (series) {
        snprintf(e.sensors, sizeof(e.sensors), "%s", series);
        strcpy(e.granularity, "-");
    } else {
        describe(p, recipient, &e);
    }
    audit_sha256(text, len, e.payload_sha256);
    /* The new version is saved; if its audit entry cannot be written the gateway stops sending anyway. */
    audit_log_append(a->audit, &e);
    p->version = next;
    free(a->text);
    a->text = copy;
    a->len = len;
    a->version = next;
    gateway_apply(a->gw, p);
    *version = next;
    return 0;
}

int gateway_admin_put(struct gateway_admin *a, const char *text, size_t len, struct policy_error *errors,
                      unsigned max_errors, unsigned *error_count, uint32_t *version)
{
    struct policy *p = policy_new();
    if (!p)
        return -HEARTH_ENOMEM;
    int rc = policy_parse(text, len, p, errors, max_errors, error_count);
    if (rc == 0)
        rc = commit(a, text, len, p, AUDIT_POLICY_CHANGE, NULL, NULL, version);
    if (rc < 0)
        free(p);
    return rc;
}

int gateway_admin_revoke(struct gateway_admin *a, const char *name, const char *series, uint32_t *version)
{
    char *edited = NULL;
    size_t len = 0;
    unsigned nerr = 0;
    struct policy *p = NULL;
    if (!a->text)
        return -HEARTH_ENOENT;
    int rc = policy_revoke_text(a->text, a->len, name, series, &edited, &len);
    if (rc == 0 && !(p = policy_new()))
        rc = -HEARTH_ENOMEM;
    if (rc == 0 && policy_parse(edited, len, p, NULL, 0, &nerr) < 0)
        rc = -HEARTH_EINVAL;
    if (rc == 0)
        rc = commit(a, edited, len, p, AUDIT_RECIPIENT_CHANGE, name, series, version);
    if (rc < 0)
        free(p);
    free(edited);
    return rc;
}

void gateway_admin_free(struct gateway_admin *a)
{
    free(a->text);
    a->text = NULL;
}
