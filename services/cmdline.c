/* SPDX-License-Identifier: ISC */
/* Boot-argument lookup over the command line that the hypervisor or the host passed. */
#include "cmdline.h"

#include <hearth/err.h>
#include <string.h>

/* One word of the command line: [key_start, key_end) and [val_start, val_end). */
struct word {
    const char *key, *key_end, *val, *val_end;
};

/*
 * Reads the word starting at *pos (after leading spaces). Returns 1 with *w filled, 0 at the end, or
 * -HEARTH_EINVAL for an unterminated quote. Quotes may wrap the value only, as Linux accepts them.
 */
static int next_word(const char **pos, struct word *w)
{
    const char *p = *pos;
    while (*p == ' ' || *p == '\t' || *p == '\n')
        p++;
    if (*p == '\0')
        return 0;
    w->key = p;
    while (*p && *p != '=' && *p != ' ' && *p != '\t' && *p != '\n')
        p++;
    w->key_end = p;
    if (*p != '=') {
        w->val = w->val_end = p;
        *pos = p;
        return 1;
    }
    p++;
    if (*p == '"') {
        w->val = ++p;
        while (*p && *p != '"')
            p++;
        if (*p != '"')
            return -HEARTH_EINVAL;
        w->val_end = p++;
    } else {
        w->val = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n')
            p++;
        w->val_end = p;
    }
    *pos = p;
    return 1;
}

int cmdline_get(const char *cmdline, const char *key, char *out, size_t out_len)
{
    size_t key_len = strlen(key);
    const char *pos = cmdline;
    struct word w, found = {0};
    int have = 0, rc;

    if (out_len > 0)
        out[0] = '\0';
    if (key_len == 0)
        return -HEARTH_EINVAL;
    while ((rc = next_word(&pos, &w)) == 1) {
        if ((size_t)(w.key_end - w.key) == key_len && memcmp(w.key, key, key_len) == 0) {
            found = w;
            have = 1;
        }
    }
    if (rc < 0)
        return rc;
    if (!have)
        return -HEARTH_ENOENT;
    size_t len = (size_t)(found.val_end - found.val);
    if (len + 1 > out_len)
        return -HEARTH_ERANGE;
    memcpy(out, found.val, len);
    out[len] = '\0';
    return (int)len;
}

int cmdline_get_u64(const char *cmdline, const char *key, uint64_t *out)
{
    char buf[24];
    int rc = cmdline_get(cmdline, key, buf, sizeof(buf));
    if (rc == -HEARTH_ERANGE)
        return -HEARTH_ERANGE;
    if (rc < 0)
        return rc;
    if (rc == 0)
        return -HEARTH_EINVAL;
    uint64_t v = 0;
    for (const char *p = buf; *p; p++) {
        if (*p < '0' || *p > '9')
            return -HEARTH_EINVAL;
        unsigned digit = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - digit) / 10)
            return -HEARTH_ERANGE;
        v = v * 10 + digit;
    }
    *out = v;
    return 0;
}
