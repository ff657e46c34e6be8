/* SPDX-License-Identifier: ISC */
/* Revocation as a small edit of the owner's policy text, keeping their comments and layout. */
#include "policy.h"
#include "policy_lex.h"

#include <hearth/err.h>
#include <stdlib.h>
#include <string.h>

/* The line to change: after it (insert `revoked`) or it (comment an allow line out). */
static int find_line(const struct policy *p, const char *name, const char *series, unsigned *line,
                     int *already)
{
    const struct policy_recipient *r = policy_recipient(p, name);
    char sensor[POLICY_SENSOR_MAX + 1], quantity[POLICY_QUANTITY_MAX + 1];
    *already = 0;
    if (!r)
        return -HEARTH_ENOENT;
    if (!series) {
        *line = r->line;
        *already = r->revoked;
        return 0;
    }
    if (policy_lex_series(series, sensor, quantity) < 0)
        return -HEARTH_ENOENT;
    for (unsigned i = r->rule_first; i < r->rule_first + r->rule_count; i++) {
        if (strcmp(p->rules[i].sensor, sensor) == 0 && strcmp(p->rules[i].quantity, quantity) == 0) {
            *line = p->rules[i].line;
            return 0;
        }
    }
    return -HEARTH_ENOENT;
}

int policy_revoke_text(const char *text, size_t len, const char *name, const char *series, char **out,
                       size_t *out_len)
{
    static const char revoked_line[] = "  revoked\n", comment[] = "# revoked: ";
    struct policy *p = policy_new();
    unsigned line = 0, nerr = 0;
    int already = 0, rc;
    char *buf = NULL;
    *out = NULL;
    if (!p)
        return -HEARTH_ENOMEM;
    if (policy_parse(text, len, p, NULL, 0, &nerr) < 0) {
        rc = -HEARTH_EINVAL;
        goto out;
    }
    if ((rc = find_line(p, name, series, &line, &already)) < 0)
        goto out;
    size_t cap = len + sizeof(revoked_line) + sizeof(comment) + 2, used = 0;
    if (!(buf = malloc(cap))) {
        rc = -HEARTH_ENOMEM;
        goto out;
    }
    unsigned n = 0;
    for (size_t pos = 0; pos < len;) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        n++;
        size_t indent = pos;
        while (indent < end && (text[indent] == ' ' || text[indent] == '\t'))
            indent++;
        if (n == line && series) {
            /* Keep the indentation so the edit reads as part of the recipient's block. */
            memcpy(buf + used, text + pos, indent - pos);
            used += indent - pos;
            memcpy(buf + used, comment, sizeof(comment) - 1);
            used += sizeof(comment) - 1;
            pos = indent;
        }
        memcpy(buf + used, text + pos, end - pos);
        used += end - pos;
        if (end < len || (n == line && !series && !already))
            buf[used++] = '\n';
        if (n == line && !series && !already) {
            memcpy(buf + used, revoked_line, sizeof(revoked_line) - 1);
            used += sizeof(revoked_line) - 1;
        }
        pos = end + 1;
    }
    buf[used] = '\0';
    if (used > POLICY_TEXT_MAX) {
        rc = -HEARTH_ERANGE;
        goto out;
    }
    *out = buf;
    *out_len = used;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    free(p);
    return rc;
}
