/* SPDX-License-Identifier: ISC */
/* libFuzzer target for dt_parse: the input is a whole device-tree blob, parsed with max_size = size. */
#include "dt.h"
#include "dt_consistent.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dt_platform p;

    int rc = dt_parse(data, size, &p);
    /* A result that breaks dt.h's promises is as much a finding as a crash: make it one. */
    const char *why = dt_consistent(data, size, rc, &p);
    if (why) {
        fprintf(stderr, "dt_parse returned %d: %s\n", rc, why);
        abort();
    }
    return 0;
}
