/* SPDX-License-Identifier: ISC */
/* Unit tests for CRC32C: the vectors file, and incremental updates matching the one-shot CRC. */
#include "check.h"
#include "crc32c.h"

#include <stdlib.h>
#include <string.h>

static void crc_vector(char **f, int n, const char *where)
{
    char in[256];
    if (n != 2) {
        check_note("%s: want 2 fields", where);
        CHECK(0);
        return;
    }
    size_t len = check_unescape(f[0], in, sizeof(in));
    uint32_t want = (uint32_t)strtoul(f[1], NULL, 16), got = crc32c(in, len);
    check_record(got == want, where, 0, f[0]);
    if (got != want)
        check_note("  got %08x, want %08x", got, want);
    /* Any split point gives the same CRC when the halves are fed in turn. */
    for (size_t cut = 0; cut <= len; cut++)
        CHECK(crc32c_update(crc32c(in, cut), in + cut, len - cut) == want);
}

int main(void)
{
    CHECK(check_vectors_raw("vectors/crc32c.txt", 2, crc_vector) >= 8);
    CHECK(crc32c("123456789", 9) == 0xe3069283u);
    CHECK(crc32c(NULL, 0) == 0);
    return check_summary("crc32c");
}
