/* SPDX-License-Identifier: ISC */
/* libFuzzer target for the policy text: parse, check the invariants of a valid policy, revoke, reparse. */
#include "policy.h"

#include <hearth/err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "policy: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct policy *p, *q;
    struct policy_error errs[POLICY_MAX_ERRORS];
    unsigned nerr = 0;
    if (!p && (!(p = policy_new()) || !(q = policy_new())))
        abort();
    /* An exact-size copy, not NUL-terminated: the parser must stay inside len. */
    char *text = malloc(size ? size : 1);
    memcpy(text, data, size);
    int rc = policy_parse(text, size, p, errs, POLICY_MAX_ERRORS, &nerr);
    if ((rc == 0) != (nerr == 0) || (rc != 0 && rc != -HEARTH_EINVAL))
        fail("return code and error count disagree");
    for (unsigned i = 0; i < nerr && i < POLICY_MAX_ERRORS; i++)
        if (!errs[i].message[0] || !errs[i].field[0] || strlen(errs[i].message) >= sizeof(errs[i].message))
            fail("an error without a message or field");
    if (rc == 0) {
        if (p->recipient_count > POLICY_MAX_RECIPIENTS || p->rule_count > POLICY_MAX_RULES)
            fail("limits exceeded");
        for (unsigned i = 0; i < p->recipient_count; i++) {
            const struct policy_recipient *r = &p->recipients[i];
            if (!r->url[0] || (!r->has_pin && !r->ca_pem) || r->rule_first + r->rule_count > p->rule_count)
                fail("a recipient without endpoint, trust or valid rules");
            for (unsigned k = 0; k < r->rule_count; k++) {
                const struct policy_rule *rule = &p->rules[r->rule_first + k];
                if (!rule->purpose[0] || rule->every_s < POLICY_EVERY_MIN_S ||
                    rule->every_s > POLICY_EVERY_MAX_S)
                    fail("a rule without purpose or with a bad cadence");
            }
            /* Revoking must give a valid policy in which that recipient gets nothing. */
            char *out = NULL;
            size_t len = 0;
            if (policy_revoke_text(text, size, r->name, NULL, &out, &len) == 0) {
                if (policy_parse(out, len, q, NULL, 0, &nerr) != 0 || !policy_recipient(q, r->name)->revoked)
                    fail("revocation did not revoke");
                for (unsigned k = 0; k < q->rule_count; k++)
                    if (policy_permits(q, r->name, q->rules[k].sensor, q->rules[k].quantity, q->rules[k].gran,
                                       0))
                        fail("a revoked recipient is still allowed something");
                free(out);
            }
            if (r->rule_count) {
                const struct policy_rule *rule = &p->rules[r->rule_first];
                char series[80];
                snprintf(series, sizeof(series), "%s/%s", rule->sensor, rule->quantity);
                if (policy_revoke_text(text, size, r->name, series, &out, &len) == 0) {
                    if (policy_parse(out, len, q, NULL, 0, &nerr) != 0 ||
                        policy_permits(q, r->name, rule->sensor, rule->quantity, rule->gran, 0))
                        fail("revoking an allow line did not revoke it");
                    free(out);
                }
            }
        }
    }
    free(text);
    return 0;
}
