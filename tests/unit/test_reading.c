/* SPDX-License-Identifier: ISC */
/* Unit tests for reading topics, payloads and validation, from tests/unit/vectors/reading.txt. */
#include "check.h"
#include "reading.h"

#include <hearth/err.h>
#include <stdlib.h>
#include <string.h>

#define NOW_UNIX_S 1800000000 /* a fixed "now": the vectors do not depend on the test machine's clock */

static void vector(char **f, int n, const char *where)
{
    if (n != 3) {
        check_record(0, where, 0, "vector has 3 fields");
        return;
    }
    struct reading r;
    int rc = reading_parse_topic(f[0], strlen(f[0]), &r);
    if (rc == 0)
        rc = reading_parse_payload((const uint8_t *)f[1], strlen(f[1]), &r);
    if (rc == 0)
        rc = reading_validate(&r, NOW_UNIX_S);
    const char *want = f[2];
    if (!strncmp(want, "OK ", 3)) {
        check_record(rc == 0, where, 0, "accepted");
        check_record(rc == 0 && r.value == strtod(want + 3, NULL), where, 0, "value");
    } else {
        int code = !strcmp(want, "ENOENT")   ? -HEARTH_ENOENT
                   : !strcmp(want, "ERANGE") ? -HEARTH_ERANGE
                                             : -HEARTH_EINVAL;
        check_record(rc == code, where, 0, want);
        if (rc != code)
            check_note("  got %d", rc);
    }
}

int main(void)
{
    CHECK(check_vectors("vectors/reading.txt", 3, vector) >= 30);
    struct reading r = {.sensor = "pot1", .quantity = "moisture", .value = 0.1};
    char buf[40];
    CHECK(reading_key(&r, buf, sizeof(buf)) == 13 && strcmp(buf, "pot1/moisture") == 0);
    CHECK(reading_encode_value(&r, buf, sizeof(buf)) > 0 && strtod(buf, NULL) == 0.1);
    CHECK_INT(reading_key(&r, buf, 5), -HEARTH_ERANGE);
    return check_summary("reading");
}
