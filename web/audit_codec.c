/* SPDX-License-Identifier: ISC */
/* The audit entry's text form: a strict encoder and decoder (the decoder reads bytes from disk). */
#include "audit.h"

#include <hearth/err.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const char *audit_kind_name(enum audit_kind k)
{
    switch (k) {
    case AUDIT_TRANSFER: return "transfer";
    case AUDIT_POLICY_CHANGE: return "policy-change";
    case AUDIT_RECIPIENT_CHANGE: return "recipient-change";
    }
    return "?";
}

void audit_hex(const uint8_t h[32], char out[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = digits[h[i] >> 4];
        out[2 * i + 1] = digits[h[i] & 15];
    }
    out[64] = '\0';
}

/* A field value must be one word of printable ASCII: the format is "name value\n". */
static int word_ok(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s <= ' ' || *s > '~')
            return 0;
    return 1;
}

int audit_encode_body(const struct audit_entry *e, char *out, size_t cap)
{
    char sha[65], prev[65];
    if (!word_ok(e->recipient) || !word_ok(e->sensors) || !word_ok(e->granularity) || !word_ok(e->result))
        return -HEARTH_EINVAL;
    audit_hex(e->payload_sha256, sha);
    audit_hex(e->prev, prev);
    int n =
        snprintf(out, cap,
                 "hearth-audit 1\nseq %" PRIu64 "\ntime %" PRIu64 "\nkind %s\nrecipient %s\npolicy %" PRIu32
                 "\nsensors %s\ngranularity %s\nwindow %" PRIu64 " %" PRIu64 "\nbytes %" PRIu64
                 "\npayload-sha256 %s\nstatus %u\nresult %s\nprev %s\n",
                 e->seq, e->time_ns, audit_kind_name(e->kind), e->recipient, e->policy_version, e->sensors,
                 e->granularity, e->window_from_s, e->window_to_s, e->bytes, sha, e->status, e->result, prev);
    if (n < 0 || (size_t)n >= cap)
        return -HEARTH_ERANGE;
    return n;
}

struct cursor {
    const char *p, *end;
};

/* The next line must be "name value" (value one word, or two for window); returns the value's span. */
static int field(struct cursor *c, const char *name, const char **val, size_t *vlen)
{
    size_t n = strlen(name);
    const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    if (!nl || (size_t)(nl - c->p) <= n + 1 || memcmp(c->p, name, n) != 0 || c->p[n] != ' ')
        return -HEARTH_EBADMSG;
    *val = c->p + n + 1;
    *vlen = (size_t)(nl - *val);
    c->p = nl + 1;
    for (size_t i = 0; i < *vlen; i++)
        if ((*val)[i] < ' ' || (*val)[i] > '~')
            return -HEARTH_EBADMSG;
    return 0;
}

static int word(const char *v, size_t n, char *out, size_t cap)
{
    if (n == 0 || n >= cap || memchr(v, ' ', n))
        return -HEARTH_EBADMSG;
    memcpy(out, v, n);
    out[n] = '\0';
    return 0;
}

/* Decimal without sign or leading zeros (so each value has one spelling), at most UINT64_MAX. */
static int number(const char *v, size_t n, uint64_t *out)
{
    uint64_t x = 0;
    if (n == 0 || n > 20 || (n > 1 && v[0] == '0'))
        return -HEARTH_EBADMSG;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9' || x > (UINT64_MAX - (uint64_t)(v[i] - '0')) / 10)
            return -HEARTH_EBADMSG;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    *out = x;
    return 0;
}

static int hex32(const char *v, size_t n, uint8_t out[32])
{
    if (n != 64)
        return -HEARTH_EBADMSG;
    for (size_t i = 0; i < 32; i++) {
        int b = 0;
        for (int k = 0; k < 2; k++) {
            char ch = v[2 * i + (size_t)k];
            int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
            if (d < 0)
                return -HEARTH_EBADMSG;
            b = b << 4 | d;
        }
        out[i] = (uint8_t)b;
    }
    return 0;
}

int audit_decode(const uint8_t *p, size_t len, struct audit_entry *e, size_t *body_len)
{
    struct cursor c = {(const char *)p, (const char *)p + len};
    const char *v;
    size_t n;
    uint64_t x;
    char kind[24];
    memset(e, 0, sizeof(*e));
    if (field(&c, "hearth-audit", &v, &n) < 0 || n != 1 || v[0] != '1')
        return -HEARTH_EBADMSG;
    if (field(&c, "seq", &v, &n) < 0 || number(v, n, &e->seq) < 0 || e->seq == 0)
        return -HEARTH_EBADMSG;
    if (field(&c, "time", &v, &n) < 0 || number(v, n, &e->time_ns) < 0)
        return -HEARTH_EBADMSG;
    if (field(&c, "kind", &v, &n) < 0 || word(v, n, kind, sizeof(kind)) < 0)
        return -HEARTH_EBADMSG;
    for (int k = AUDIT_TRANSFER; k <= AUDIT_RECIPIENT_CHANGE; k++)
        if (strcmp(kind, audit_kind_name((enum audit_kind)k)) == 0)
            e->kind = (enum audit_kind)k;
    if (!e->kind)
        return -HEARTH_EBADMSG;
    if (field(&c, "recipient", &v, &n) < 0 || word(v, n, e->recipient, sizeof(e->recipient)) < 0)
        return -HEARTH_EBADMSG;
    if (field(&c, "policy", &v, &n) < 0 || number(v, n, &x) < 0 || x > UINT32_MAX)
        return -HEARTH_EBADMSG;
    e->policy_version = (uint32_t)x;
    if (field(&c, "sensors", &v, &n) < 0 || word(v, n, e->sensors, sizeof(e->sensors)) < 0)
        return -HEARTH_EBADMSG;
    if (field(&c, "granularity", &v, &n) < 0 || word(v, n, e->granularity, sizeof(e->granularity)) < 0)
        return -HEARTH_EBADMSG;
    const char *sp;
    if (field(&c, "window", &v, &n) < 0 || !(sp = memchr(v, ' ', n)) ||
        number(v, (size_t)(sp - v), &e->window_from_s) < 0 ||
        number(sp + 1, n - (size_t)(sp - v) - 1, &e->window_to_s) < 0)
        return -HEARTH_EBADMSG;
    if (field(&c, "bytes", &v, &n) < 0 || number(v, n, &e->bytes) < 0)
        return -HEARTH_EBADMSG;
    if (field(&c, "payload-sha256", &v, &n) < 0 || hex32(v, n, e->payload_sha256) < 0)
        return -HEARTH_EBADMSG;
    if (field(&c, "status", &v, &n) < 0 || number(v, n, &x) < 0 || x > 999)
        return -HEARTH_EBADMSG;
    e->status = (unsigned)x;
    if (field(&c, "result", &v, &n) < 0 || word(v, n, e->result, sizeof(e->result)) < 0)
        return -HEARTH_EBADMSG;
    if (field(&c, "prev", &v, &n) < 0 || hex32(v, n, e->prev) < 0)
        return -HEARTH_EBADMSG;
    *body_len = (size_t)(c.p - (const char *)p);
    if (field(&c, "hash", &v, &n) < 0 || hex32(v, n, e->hash) < 0 || c.p != c.end)
        return -HEARTH_EBADMSG;
    return 0;
}
