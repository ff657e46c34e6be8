/* SPDX-License-Identifier: ISC */
/* The JSON body of one push: what the policy allows for one series and window, and nothing more. */
#include "gateway.h"

#include <hearth/err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define NS ((uint64_t)1000000000)
#define POINT_MAX 64 /* the longest point: {"t":<20 digits>.<3>,"value":<%.10g>} and a comma */

/* Unix seconds with milliseconds, for raw readings and threshold events. */
static int time_ms(char *out, size_t cap, uint64_t t_ns)
{
    return snprintf(out, cap, "%" PRIu64 ".%03u", t_ns / NS, (unsigned)(t_ns % NS / 1000000u));
}

int gateway_payload(const struct policy_rule *rule, uint32_t version, uint64_t from_ns, uint64_t to_ns,
                    const struct gateway_point *pts, unsigned n, char **out, size_t *len)
{
    size_t cap = 512 + (size_t)n * POINT_MAX, used = 0;
    char *b = malloc(cap);
    char t[32];
    if (!b)
        return -HEARTH_ENOMEM;
    used +=
        (size_t)snprintf(b + used, cap - used,
                         "{\"sensor\":\"%s\",\"quantity\":\"%s\",\"granularity\":\"%s\",\"purpose\":\"%s\","
                         "\"policy_version\":%" PRIu32 ",\"from\":%" PRIu64 ",\"to\":%" PRIu64,
                         rule->sensor, rule->quantity, policy_gran_name(rule->gran), rule->purpose, version,
                         from_ns / NS, to_ns / NS);
    if (rule->gran == POLICY_G_THRESHOLD)
        used += (size_t)snprintf(b + used, cap - used, ",\"op\":\"%c\",\"threshold\":%.10g,\"events\":[",
                                 rule->threshold_op, rule->threshold);
    else
        used += (size_t)snprintf(b + used, cap - used, ",\"points\":[");
    for (unsigned i = 0; i < n; i++) {
        const char *sep = i ? "," : "";
        if (rule->gran == POLICY_G_THRESHOLD) {
            time_ms(t, sizeof(t), pts[i].t_ns);
            used += (size_t)snprintf(b + used, cap - used, "%s{\"t\":%s}", sep, t);
        } else if (rule->gran == POLICY_G_RAW) {
            time_ms(t, sizeof(t), pts[i].t_ns);
            used +=
                (size_t)snprintf(b + used, cap - used, "%s{\"t\":%s,\"value\":%.10g}", sep, t, pts[i].value);
        } else {
            used += (size_t)snprintf(b + used, cap - used, "%s{\"t\":%" PRIu64 ",\"mean\":%.10g}", sep,
                                     pts[i].t_ns / NS, pts[i].value);
        }
    }
    used += (size_t)snprintf(b + used, cap - used, "]}");
    *out = b;
    *len = used;
    return 0;
}
