/* SPDX-License-Identifier: ISC */
/* libFuzzer target for boot-argument lookup: the input, NUL-terminated, is the whole command line. */
#include "cmdline.h"

#include <hearth/err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *key, int rc)
{
    fprintf(stderr, "cmdline key \"%s\": rc %d: %s\n", key, rc, what);
    abort();
}

/* Looks key up with out buffers of several sizes, each allocated exactly so ASan sees overruns. */
static void lookup(const char *cmdline, const char *key)
{
    static const size_t sizes[] = {0, 1, 2, 16, 4096};
    int first = 0;

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        char *out = malloc(sizes[i] ? sizes[i] : 1);
        int rc = cmdline_get(cmdline, key, out, sizes[i]);
        if (rc != -HEARTH_ENOENT && rc != -HEARTH_EINVAL && rc != -HEARTH_ERANGE && rc < 0)
            fail("undocumented return code", key, rc);
        if (rc >= 0 && ((size_t)rc >= sizes[i] || strlen(out) != (size_t)rc))
            fail("value length disagrees with the return value", key, rc);
        if (rc < 0 && sizes[i] > 0 && out[0] != '\0')
            fail("out is not left empty on error", key, rc);
        /* Only the buffer size may change the outcome, and then only to ERANGE. */
        if (i == 0)
            first = rc;
        else if (rc != first && rc != -HEARTH_ERANGE && first != -HEARTH_ERANGE)
            fail("outcome depends on the buffer size", key, rc);
        free(out);
    }

    uint64_t v = 0x5a5a5a5a5a5a5a5aull;
    int rc = cmdline_get_u64(cmdline, key, &v);
    if (rc != 0 && rc != -HEARTH_ENOENT && rc != -HEARTH_EINVAL && rc != -HEARTH_ERANGE)
        fail("cmdline_get_u64: undocumented return code", key, rc);
    if (rc != 0 && v != 0x5a5a5a5a5a5a5a5aull)
        fail("cmdline_get_u64: output written on error", key, rc);
    if (rc == 0) {
        /* The number must read back the same as the string cmdline_get returns for the key. */
        char text[32];
        if (cmdline_get(cmdline, key, text, sizeof(text)) <= 0 || strtoull(text, NULL, 10) != v)
            fail("cmdline_get_u64 disagrees with cmdline_get", key, rc);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const keys[] = {"ticks", "console", "name", "a", "x", ""};
    char *cmdline = malloc(size + 1);
    char key[64];

    memcpy(cmdline, data, size);
    cmdline[size] = '\0';
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        lookup(cmdline, keys[i]);
    /* Also the input's own first key, so lookups that find something are common, not rare. */
    size_t klen = strcspn(cmdline, "= \t\n");
    if (klen > 0 && klen < sizeof(key)) {
        memcpy(key, cmdline, klen);
        key[klen] = '\0';
        lookup(cmdline, key);
    }
    free(cmdline);
    return 0;
}
