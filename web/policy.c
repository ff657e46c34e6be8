/* SPDX-License-Identifier: ISC */
/* Questions asked of a parsed policy: who is a recipient, and is this transfer allowed right now. */
#include "policy.h"

#include <stdlib.h>
#include <string.h>

struct policy *policy_new(void)
{
    return calloc(1, sizeof(struct policy));
}

void policy_copy(struct policy *dst, const struct policy *src)
{
    memcpy(dst, src, sizeof(*dst));
    for (unsigned i = 0; i < dst->recipient_count; i++)
        if (src->recipients[i].ca_pem)
            dst->recipients[i].ca_pem = dst->pem_pool + (src->recipients[i].ca_pem - src->pem_pool);
}

const struct policy_recipient *policy_recipient(const struct policy *p, const char *name)
{
    for (unsigned i = 0; p && i < p->recipient_count; i++)
        if (strcmp(p->recipients[i].name, name) == 0)
            return &p->recipients[i];
    return NULL;
}

const struct policy_rule *policy_permits(const struct policy *p, const char *name, const char *sensor,
                                         const char *quantity, enum policy_gran g, int64_t now_s)
{
    const struct policy_recipient *r = policy_recipient(p, name);
    if (!r || r->revoked)
        return NULL;
    for (unsigned i = r->rule_first; i < r->rule_first + r->rule_count; i++) {
        const struct policy_rule *rule = &p->rules[i];
        if (strcmp(rule->sensor, sensor) != 0 || strcmp(rule->quantity, quantity) != 0)
            continue;
        /* One rule per series and recipient: a mismatch here is a denial, not a reason to look on. */
        if (rule->gran != g || (rule->until_s && now_s >= rule->until_s))
            return NULL;
        return rule;
    }
    return NULL;
}

const char *policy_gran_name(enum policy_gran g)
{
    switch (g) {
    case POLICY_G_RAW: return "raw";
    case POLICY_G_1M: return "1m";
    case POLICY_G_1H: return "1h";
    case POLICY_G_1D: return "1d";
    case POLICY_G_THRESHOLD: return "threshold";
    }
    return "?";
}

uint32_t policy_gran_seconds(enum policy_gran g)
{
    switch (g) {
    case POLICY_G_1M: return 60;
    case POLICY_G_1H: return 3600;
    case POLICY_G_1D: return 86400;
    default: return 0;
    }
}
