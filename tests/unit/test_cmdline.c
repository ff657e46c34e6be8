/* SPDX-License-Identifier: ISC */
/* Unit tests for boot-argument parsing, driven by tests/unit/vectors/cmdline*.txt. */
#include "check.h"
#include "cmdline.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long expected_rc(const char *s)
{
    if (strcmp(s, "ENOENT") == 0)
        return -HEARTH_ENOENT;
    if (strcmp(s, "EINVAL") == 0)
        return -HEARTH_EINVAL;
    if (strcmp(s, "ERANGE") == 0)
        return -HEARTH_ERANGE;
    return strtol(s, NULL, 10);
}

static void string_vector(char **f, int n, const char *where)
{
    char out[16];
    if (n != 4) {
        check_record(0, where, 0, "vector has 4 fields");
        return;
    }
    int rc = cmdline_get(f[0], f[1], out, sizeof(out));
    check_record(rc == expected_rc(f[2]), where, 0, "return value");
    if (rc != expected_rc(f[2]))
        check_note("  got %d for \"%s\"", rc, f[0]);
    if (rc >= 0)
        check_record(strcmp(out, f[3]) == 0, where, 0, "value");
    else
        check_record(out[0] == '\0', where, 0, "value left empty on error");
}

static void u64_vector(char **f, int n, const char *where)
{
    uint64_t v = 12345;
    if (n != 4) {
        check_record(0, where, 0, "vector has 4 fields");
        return;
    }
    int rc = cmdline_get_u64(f[0], f[1], &v);
    check_record(rc == expected_rc(f[2]), where, 0, "return value");
    if (rc == 0)
        check_record(v == strtoull(f[3], NULL, 10), where, 0, "value");
    else
        check_record(v == 12345, where, 0, "output untouched on error");
}

int main(void)
{
    char out[4];
    CHECK(check_vectors("vectors/cmdline.txt", 4, string_vector) > 10);
    CHECK(check_vectors("vectors/cmdline_u64.txt", 4, u64_vector) > 5);
    CHECK_INT(cmdline_get("a=1", "", out, sizeof(out)), -HEARTH_EINVAL);
    CHECK_INT(cmdline_get("a=1", "a", out, 0), -HEARTH_ERANGE);
    return check_summary("cmdline");
}
