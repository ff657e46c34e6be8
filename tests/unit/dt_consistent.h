/* SPDX-License-Identifier: ISC */
/* What any dt_parse result must satisfy, whatever the input: shared by test_dt and fuzz_dt. */
#ifndef TESTS_UNIT_DT_CONSISTENT_H
#define TESTS_UNIT_DT_CONSISTENT_H

#include "dt.h"

/*
 * Checks that rc and *p, as returned by dt_parse(dtb, max_size, p), keep dt.h's promises: rc is one of
 * the documented codes, and on success every field is in range and bootargs is a NUL-terminated string
 * inside the blob. Returns NULL if so, otherwise a constant sentence naming the broken promise.
 */
const char *dt_consistent(const void *dtb, size_t max_size, int rc, const struct dt_platform *p);

#endif
