/* SPDX-License-Identifier: ISC */
/* The policy text's strict parser and validator: every problem is reported with its line and field. */
#include "policy.h"
#include "policy_lex.h"

#include <hearth/err.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
    struct policy *p;
    struct policy_error *errors;
    unsigned max_errors, count;
    struct policy_recipient *cur; /* the recipient the next lines belong to */
    int endpoint_seen;
    unsigned pem_line; /* the `ca` line while its PEM block is being read, else 0 */
    int pem_begun, pem_bad;
    unsigned pem_lines;
    size_t pem_start;
};

static void fail(struct parser *ps, unsigned line, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail(struct parser *ps, unsigned line, const char *field, const char *fmt, ...)
{
    if (ps->count < ps->max_errors) {
        struct policy_error *e = &ps->errors[ps->count];
        va_list ap;
        e->line = line;
        snprintf(e->field, sizeof(e->field), "%s", field);
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof(e->message), fmt, ap);
        va_end(ap);
    }
    ps->count++;
}

/* A recipient is complete when the next one starts or the document ends. */
static void close_recipient(struct parser *ps)
{
    struct policy_recipient *r = ps->cur;
    if (!r)
        return;
    if (!ps->endpoint_seen)
        fail(ps, r->line, "endpoint", "recipient %s has no endpoint", r->name);
    if (!r->has_pin && !r->ca_pem)
        fail(ps, r->line, "pin-sha256", "recipient %s needs a pin-sha256 or a ca to verify its server",
             r->name);
    ps->cur = NULL;
}

static void parse_recipient(struct parser *ps, unsigned line, struct policy_tokens *t)
{
    close_recipient(ps);
    if (t->n != 2) {
        fail(ps, line, "recipient", "expected: recipient NAME");
        return;
    }
    if (!policy_lex_name_ok(t->v[1], POLICY_NAME_MAX)) {
        fail(ps, line, "recipient", "name must be 1..%d of a-z 0-9 _ -", POLICY_NAME_MAX);
        return;
    }
    if (policy_recipient(ps->p, t->v[1])) {
        fail(ps, line, "recipient", "recipient %s is defined twice", t->v[1]);
        return;
    }
    if (ps->p->recipient_count == POLICY_MAX_RECIPIENTS) {
        fail(ps, line, "recipient", "at most %d recipients", POLICY_MAX_RECIPIENTS);
        return;
    }
    struct policy_recipient *r = &ps->p->recipients[ps->p->recipient_count++];
    memset(r, 0, sizeof(*r));
    strcpy(r->name, t->v[1]);
    r->line = line;
    r->rule_first = ps->p->rule_count;
    ps->cur = r;
    ps->endpoint_seen = 0;
}

static int need_recipient(struct parser *ps, unsigned line, const char *field)
{
    if (ps->cur)
        return 1;
    fail(ps, line, field, "%s must follow a recipient line", field);
    return 0;
}

static void parse_endpoint(struct parser *ps, unsigned line, struct policy_tokens *t)
{
    char why[64];
    if (!need_recipient(ps, line, "endpoint"))
        return;
    if (t->n != 2) {
        fail(ps, line, "endpoint", "expected: endpoint https://HOST[:PORT]/PATH");
    } else if (ps->endpoint_seen) {
        fail(ps, line, "endpoint", "recipient %s has two endpoints", ps->cur->name);
    } else if (policy_lex_url_ok(t->v[1], why, sizeof(why)) < 0) {
        fail(ps, line, "endpoint", "%s", why);
    } else {
        strcpy(ps->cur->url, t->v[1]);
        ps->endpoint_seen = 1;
    }
}

static void parse_pin(struct parser *ps, unsigned line, struct policy_tokens *t)
{
    if (!need_recipient(ps, line, "pin-sha256"))
        return;
    if (t->n != 2 || policy_lex_hex(t->v[1], ps->cur->pin, sizeof(ps->cur->pin)) < 0)
        fail(ps, line, "pin-sha256", "expected 64 hex digits (the certificate's SHA-256)");
    else if (ps->cur->has_pin)
        fail(ps, line, "pin-sha256", "recipient %s has two pins", ps->cur->name);
    else
        ps->cur->has_pin = 1;
}

/* RFC 6750's b64token: what a bearer token may contain, so it cannot break the header it goes into. */
static int token_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > POLICY_TOKEN_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              strchr("-._~+/=", c)))
            return 0;
    }
    return 1;
}

static void parse_token(struct parser *ps, unsigned line, struct policy_tokens *t)
{
    if (!need_recipient(ps, line, "token"))
        return;
    if (t->n != 2 || t->quoted[1] || !token_ok(t->v[1]))
        fail(ps, line, "token",
             "expected one API token of 1..%d characters A-Z a-z 0-9 - . _ ~ + / =", POLICY_TOKEN_MAX);
    else if (ps->cur->token[0])
        fail(ps, line, "token", "recipient %s has two tokens", ps->cur->name);
    else
        strcpy(ps->cur->token, t->v[1]);
}

static void parse_ca(struct parser *ps, unsigned line, struct policy_tokens *t)
{
    if (!need_recipient(ps, line, "ca"))
        return;
    if (t->n != 1) {
        fail(ps, line, "ca", "expected `ca` alone, then the PEM certificate on the next lines");
        return;
    }
    if (ps->cur->ca_pem)
        fail(ps, line, "ca", "recipient %s has two CAs", ps->cur->name);
    ps->pem_line = line;
    ps->pem_begun = ps->pem_bad = 0;
    ps->pem_lines = 0;
    ps->pem_start = ps->p->pem_used;
}

static const char pem_begin[] = "-----BEGIN CERTIFICATE-----", pem_end[] = "-----END CERTIFICATE-----";

/*
 * A line of the PEM block after `ca` (its BEGIN line included): base64 up to the END line. After a bad
 * line the rest of the block is skipped quietly, so one mistake gives one error.
 */
static int is_line(const char *s, size_t n, const char *want)
{
    return n == strlen(want) && memcmp(s, want, n) == 0;
}

static void pem_line(struct parser *ps, unsigned line, const char *s, size_t n)
{
    struct policy *p = ps->p;
    int is_end = is_line(s, n, pem_end), is_begin = is_line(s, n, pem_begin);
    const char *why = NULL;
    if (n > POLICY_LINE_MAX)
        why = "line longer than 200 characters";
    else if (ps->pem_begun && is_begin)
        why = "one certificate per ca";
    else if (is_end && ps->pem_lines == 0)
        why = "the certificate is empty";
    for (size_t i = 0; !why && !is_begin && !is_end && i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
              c == '/' || c == '='))
            why = "not base64 inside the certificate";
    }
    if (!why && p->pem_used + n + 2 > sizeof(p->pem_pool))
        why = "certificates too long";
    if (why && !ps->pem_bad) {
        fail(ps, line, "ca", "%s", why);
        ps->pem_bad = 1;
    }
    if (is_end) {
        if (!ps->pem_bad && ps->cur && !ps->cur->ca_pem) {
            memcpy(p->pem_pool + p->pem_used, s, n);
            p->pem_used += n;
            p->pem_pool[p->pem_used++] = '\n';
            p->pem_pool[p->pem_used++] = '\0';
            ps->cur->ca_pem = p->pem_pool + ps->pem_start;
        }
        ps->pem_line = 0;
        return;
    }
    if (ps->pem_bad)
        return;
    memcpy(p->pem_pool + p->pem_used, s, n);
    p->pem_used += n;
    p->pem_pool[p->pem_used++] = '\n';
    ps->pem_lines += !is_begin;
    ps->pem_begun = 1;
}

static void parse_revoked(struct parser *ps, unsigned line, struct policy_tokens *t)
{
    if (!need_recipient(ps, line, "revoked"))
        return;
    if (t->n != 1)
        fail(ps, line, "revoked", "expected `revoked` alone");
    else
        ps->cur->revoked = 1;
}

static void parse_allow(struct parser *ps, unsigned line, struct policy_tokens *t);

int policy_parse(const char *text, size_t len, struct policy *out, struct policy_error *errors,
                 unsigned max_errors, unsigned *error_count)
{
    struct parser ps = {.p = out, .errors = errors, .max_errors = max_errors};
    memset(out, 0, offsetof(struct policy, pem_pool));
    if (!text || len > POLICY_TEXT_MAX) {
        fail(&ps, 0, "document", "the policy must be at most %u bytes", (unsigned)POLICY_TEXT_MAX);
        goto out;
    }
    unsigned line = 0;
    for (size_t pos = 0; pos < len;) {
        const char *s = text + pos;
        size_t n = 0;
        while (pos + n < len && s[n] != '\n')
            n++;
        pos += n + 1;
        line++;
        if (n && s[n - 1] == '\r')
            n--;
        struct policy_tokens t;
        char why[64];
        if (ps.pem_line) {
            /* PEM lines are taken whole (BEGIN and END hold a blank), without their indentation. */
            const char *a = s;
            size_t m = n;
            while (m && (*a == ' ' || *a == '\t'))
                a++, m--;
            while (m && (a[m - 1] == ' ' || a[m - 1] == '\t'))
                m--;
            if (!ps.pem_begun && !is_line(a, m, pem_begin)) {
                /* Not a certificate after all: say so, and read the line as what it looks like. */
                fail(&ps, line, "ca", "expected -----BEGIN CERTIFICATE----- after ca");
                ps.pem_line = 0;
            } else {
                pem_line(&ps, line, a, m);
                continue;
            }
        }
        if (policy_lex_line(s, n, &t, why, sizeof(why)) < 0) {
            fail(&ps, line, "line", "%s", why);
            continue;
        }
        if (t.n == 0)
            continue;
        if (t.quoted[0])
            fail(&ps, line, "keyword", "a line starts with a keyword, not a quoted text");
        else if (strcmp(t.v[0], "recipient") == 0)
            parse_recipient(&ps, line, &t);
        else if (strcmp(t.v[0], "endpoint") == 0)
            parse_endpoint(&ps, line, &t);
        else if (strcmp(t.v[0], "pin-sha256") == 0)
            parse_pin(&ps, line, &t);
        else if (strcmp(t.v[0], "ca") == 0)
            parse_ca(&ps, line, &t);
        else if (strcmp(t.v[0], "token") == 0)
            parse_token(&ps, line, &t);
        else if (strcmp(t.v[0], "revoked") == 0)
            parse_revoked(&ps, line, &t);
        else if (strcmp(t.v[0], "allow") == 0)
            parse_allow(&ps, line, &t);
        else
            fail(&ps, line, "keyword", "unknown keyword \"%.32s\"", t.v[0]);
    }
    if (ps.pem_line)
        fail(&ps, ps.pem_line, "ca", "the certificate has no -----END CERTIFICATE----- line");
    close_recipient(&ps);
out:
    if (error_count)
        *error_count = ps.count;
    return ps.count ? -HEARTH_EINVAL : 0;
}

/* The allow line: its series first, then keyword/value pairs in any order. */
static void parse_allow(struct parser *ps, unsigned line, struct policy_tokens *t)
{
    struct policy *p = ps->p;
    struct policy_rule r = {.line = line};
    int have_gran = 0, have_every = 0, have_backfill = 0, have_purpose = 0, have_until = 0, bad = 0;
    char why[64];
    if (!need_recipient(ps, line, "allow"))
        return;
    if (t->n < 2 || t->quoted[1] || policy_lex_series(t->v[1], r.sensor, r.quantity) < 0) {
        fail(ps, line, "allow",
             "expected: allow SENSOR/QUANTITY ... (sensor a-z 0-9 _ -, quantity a-z 0-9 _)");
        return;
    }
    for (unsigned i = 2; i < t->n;) {
        const char *k = t->v[i];
        unsigned left = t->n - i - 1;
        if (t->quoted[i]) {
            fail(ps, line, "allow", "unexpected quoted text \"%.32s\"", k);
            bad = 1;
            i++;
        } else if (strcmp(k, "granularity") == 0 || strcmp(k, "threshold") == 0) {
            int thr = k[0] == 't';
            if (have_gran++) {
                fail(ps, line, k, "one granularity or threshold per allow line");
                bad = 1;
            }
            if (thr && (left < 2 ||
                        policy_lex_threshold(t->v[i + 1], t->v[i + 2], &r.threshold_op, &r.threshold) < 0)) {
                fail(ps, line, "threshold", "expected: threshold > NUMBER or threshold < NUMBER");
                bad = 1;
            } else if (!thr && (left < 1 || policy_lex_gran(t->v[i + 1], &r.gran) < 0)) {
                fail(ps, line, "granularity", "expected raw, 1m, 1h or 1d");
                bad = 1;
            }
            if (thr)
                r.gran = POLICY_G_THRESHOLD;
            i += thr ? 3 : 2;
        } else if (strcmp(k, "every") == 0 || strcmp(k, "backfill") == 0) {
            int every = k[0] == 'e';
            uint32_t secs = 0;
            uint32_t lo = every ? POLICY_EVERY_MIN_S : 0,
                     hi = every ? POLICY_EVERY_MAX_S : POLICY_BACKFILL_MAX_S;
            if ((every ? have_every++ : have_backfill++) ||
                (left < 1 || policy_lex_duration(t->v[i + 1], &secs) < 0 || secs < lo || secs > hi)) {
                fail(ps, line, k, "expected once: %s DURATION (a number and s, m, h or d) within %s", k,
                     every ? "10s..7d" : "0s..30d");
                bad = 1;
            }
            *(every ? &r.every_s : &r.backfill_s) = secs;
            i += 2;
        } else if (strcmp(k, "purpose") == 0) {
            if (have_purpose++ || left < 1 || !t->quoted[i + 1] ||
                policy_lex_purpose_ok(t->v[i + 1], POLICY_PURPOSE_MAX) < 0) {
                fail(ps, line, "purpose", "expected once: purpose \"TEXT\" (1..%d printable characters)",
                     POLICY_PURPOSE_MAX);
                bad = 1;
            } else {
                strcpy(r.purpose, t->v[i + 1]);
            }
            i += 2;
        } else if (strcmp(k, "until") == 0) {
            if (have_until++ || left < 1 || policy_lex_date(t->v[i + 1], &r.until_s, why, sizeof(why)) < 0) {
                fail(ps, line, "until", "expected once: until YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
                bad = 1;
            }
            i += 2;
        } else {
            fail(ps, line, "allow", "unknown word \"%.32s\" in an allow line", k);
            bad = 1;
            i++;
        }
    }
    if (!have_gran) {
        fail(ps, line, "granularity", "an allow line needs granularity raw|1m|1h|1d or threshold");
        bad = 1;
    }
    if (!have_purpose) {
        fail(ps, line, "purpose", "an allow line needs a declared purpose \"...\"");
        bad = 1;
    }
    for (unsigned i = ps->cur->rule_first; i < p->rule_count; i++) {
        if (strcmp(p->rules[i].sensor, r.sensor) == 0 && strcmp(p->rules[i].quantity, r.quantity) == 0) {
            fail(ps, line, "allow", "%s/%s is already allowed to %s on line %u", r.sensor, r.quantity,
                 ps->cur->name, p->rules[i].line);
            bad = 1;
            break;
        }
    }
    if (bad)
        return;
    if (p->rule_count == POLICY_MAX_RULES) {
        fail(ps, line, "allow", "at most %d allow lines", POLICY_MAX_RULES);
        return;
    }
    if (!have_every)
        r.every_s = policy_gran_seconds(r.gran) ? policy_gran_seconds(r.gran) : 60;
    if (!have_backfill)
        r.backfill_s = POLICY_BACKFILL_DEFAULT_S;
    p->rules[p->rule_count++] = r;
    ps->cur->rule_count++;
}
