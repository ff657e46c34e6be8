/* SPDX-License-Identifier: ISC */
/* libFuzzer target for the rollup payloads read from disk: records, marks and stored reading values. */
#include "rollup.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The first byte picks the decoder (and the tier); what decodes must re-encode to the same bytes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const uint8_t *p = data + 1;
    size_t len = size - 1;
    switch (data[0] % 5) {
    case 0:
    case 1:
    case 2: {
        enum rollup_tier t = (enum rollup_tier)(data[0] % 3);
        struct rollup_agg a;
        if (rollup_decode(p, len, t, &a) == 0) {
            uint8_t again[ROLLUP_PAYLOAD_LEN];
            if (a.count == 0 || !(a.min <= a.max) || !isfinite(a.sum) || a.first_ns > a.last_ns)
                abort();
            rollup_encode(&a, t, again);
            if (len != ROLLUP_PAYLOAD_LEN || memcmp(again, p, len) != 0)
                abort();
            /* Merging what decoded keeps the invariants the decoder checks. */
            struct rollup_agg m = a;
            rollup_agg_merge(&m, &a);
            if (m.count < a.count || m.min != a.min || m.max != a.max)
                abort();
        }
        break;
    }
    case 3: {
        struct rollup_mark m;
        if (rollup_mark_decode(p, len, &m) == 0) {
            uint8_t again[ROLLUP_MARK_LEN];
            rollup_mark_encode(&m, again);
            if (len != ROLLUP_MARK_LEN || memcmp(again, p, len) != 0)
                abort();
        }
        break;
    }
    default: {
        double v;
        if (rollup_parse_value(p, len, &v) == 0 && !isfinite(v))
            abort();
        break;
    }
    }
    return 0;
}
