/* SPDX-License-Identifier: ISC */
/* Checking the audit entries as a chain: consecutive, in log order, each linked to the one before. */
#include "audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_seq(const void *a, const void *b)
{
    const struct audit_link *x = a, *y = b;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return x->store_seq < y->store_seq ? -1 : x->store_seq > y->store_seq;
}

static void bad(struct audit_verdict *v, uint64_t seq, const char *fmt, uint64_t a, uint64_t b)
{
    if (!v->ok)
        return; /* the first break is the one worth reporting */
    v->ok = 0;
    v->first_bad_seq = seq;
    /* A long reason is cut short, which is fine: the return value is looked at to say so. */
    if (snprintf(v->reason, sizeof(v->reason), fmt, a, b) >= (int)sizeof(v->reason))
        v->reason[sizeof(v->reason) - 2] = '~';
}

void audit_chain_check(struct audit_link *links, size_t n, uint64_t skipped, uint64_t expect_head_seq,
                       const uint8_t *expect_head, struct audit_verdict *v)
{
    static const uint8_t zeros[16];
    const uint8_t *prev = zeros;
    memset(v, 0, sizeof(*v));
    v->ok = 1;
    v->entries = n;
    if (n)
        qsort(links, n, sizeof(*links), by_seq);
    uint64_t want = 1;
    for (size_t i = 0; i < n && v->ok; i++, want++) {
        const struct audit_link *l = &links[i];
        if (l->seq != want) {
            if (l->seq < want)
                bad(v, l->seq, "two entries claim seq %" PRIu64 "%.0" PRIu64, l->seq, 0);
            else
                bad(v, want, "entry %" PRIu64 " is missing (the next one is %" PRIu64 ")", want, l->seq);
        } else if (!l->self_ok) {
            bad(v, l->seq, "entry %" PRIu64 " does not match its hash: it was modified%.0" PRIu64, l->seq, 0);
        } else if (memcmp(l->prev, prev, sizeof(l->prev)) != 0) {
            bad(v, l->seq, "entry %" PRIu64 " does not link to entry %" PRIu64 ": one of them was replaced",
                l->seq, l->seq - 1);
        } else if (i && l->store_seq <= links[i - 1].store_seq) {
            bad(v, l->seq, "entry %" PRIu64 " comes before entry %" PRIu64 " in the log: reordered", l->seq,
                l->seq - 1);
        }
        prev = l->hash;
    }
    if (v->ok && skipped)
        bad(v, want,
            "%" PRIu64 " unreadable record(s) among the audit entries: one was altered on disk "
            "(next expected seq %" PRIu64 ")",
            skipped, want);
    if (v->ok && expect_head_seq) {
        if (n == 0 || links[n - 1].seq < expect_head_seq)
            bad(v, n ? links[n - 1].seq + 1 : 1,
                "the chain ends at %" PRIu64 " but its head was at %" PRIu64 ": entries were cut off",
                n ? links[n - 1].seq : 0, expect_head_seq);
        else if (memcmp(links[expect_head_seq - 1].hash, expect_head, sizeof(links[0].hash)) != 0)
            bad(v, expect_head_seq, "entry %" PRIu64 " is not the head kept elsewhere%.0" PRIu64,
                expect_head_seq, 0);
    }
    v->head_seq = n ? links[n - 1].seq : 0;
}
