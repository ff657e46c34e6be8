/* SPDX-License-Identifier: ISC */
/* Unit tests of the policy text: the parser's vectors, default deny, revocation edits, value checks. */
#include "check.h"
#include "policy.h"
#include "policy_lex.h"

#include <hearth/err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct policy *pol;

/* A canonical one-line description of a parsed policy (the vectors' expected column). */
static void dump(const struct policy *p, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < p->recipient_count; i++) {
        const struct policy_recipient *r = &p->recipients[i];
        n += (size_t)snprintf(out + n, cap - n, "%s%s%s%s%s%s{", r->name, r->has_pin ? "+pin" : "",
                              r->ca_pem ? "+ca" : "", r->token[0] ? "+token=" : "", r->token,
                              r->revoked ? "+revoked" : "");
        for (unsigned k = 0; k < r->rule_count; k++) {
            const struct policy_rule *rule = &p->rules[r->rule_first + k];
            char gran[48];
            if (rule->gran == POLICY_G_THRESHOLD)
                snprintf(gran, sizeof(gran), "threshold%c%g", rule->threshold_op, rule->threshold);
            else
                snprintf(gran, sizeof(gran), "%s", policy_gran_name(rule->gran));
            n += (size_t)snprintf(out + n, cap - n, "%s%s/%s:%s:%u:%u:%" PRId64, k ? ";" : "", rule->sensor,
                                  rule->quantity, gran, (unsigned)rule->every_s, (unsigned)rule->backfill_s,
                                  rule->until_s);
        }
        n += (size_t)snprintf(out + n, cap - n, "}");
    }
}

static void vector(char **f, int n, const char *where)
{
    struct policy_error errs[POLICY_MAX_ERRORS];
    unsigned nerr = 0;
    char got[1024];
    if (n != 3) {
        check_record(0, where, 0, "vector has 3 fields");
        return;
    }
    int rc = policy_parse(f[1], strlen(f[1]), pol, errs, POLICY_MAX_ERRORS, &nerr);
    if (strcmp(f[0], "OK") == 0) {
        if (rc == 0) {
            dump(pol, got, sizeof(got));
        } else {
            snprintf(got, sizeof(got), "error %u:%s: %s", errs[0].line, errs[0].field, errs[0].message);
        }
        check_record(strcmp(got, f[2]) == 0, where, 0, "valid policy parses as expected");
        if (strcmp(got, f[2]) != 0)
            check_note("  got  %s\n  want %s", got, f[2]);
        return;
    }
    size_t len = 0;
    got[0] = '\0';
    for (unsigned i = 0; i < nerr && i < POLICY_MAX_ERRORS; i++) {
        len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%u:%s", i ? "," : "", errs[i].line,
                                errs[i].field);
        CHECK(errs[i].message[0] != '\0');
    }
    int ok = rc == -HEARTH_EINVAL && strcmp(got, f[2]) == 0;
    check_record(ok, where, 0, "invalid policy gives these line:field errors");
    if (!ok) {
        check_note("  got  %s (rc %d)\n  want %s", got, rc, f[2]);
        for (unsigned i = 0; i < nerr && i < POLICY_MAX_ERRORS; i++)
            check_note("    %u:%s: %s", errs[i].line, errs[i].field, errs[i].message);
    }
}

static const char base[] = "# the owner's comment stays\n"
                           "recipient coop\n"
                           "  endpoint https://coop.example/in\n"
                           "  pin-sha256 0000000000000000000000000000000000000000000000000000000000000000\n"
                           "  allow pot1/moisture granularity 1h purpose \"research\" until 2027-06-01\n"
                           "  allow fridge/gas threshold > 400 purpose \"safety\"\n"
                           "recipient other\n"
                           "  endpoint https://other.example/in\n"
                           "  pin-sha256 1111111111111111111111111111111111111111111111111111111111111111\n"
                           "  allow pot1/moisture granularity raw purpose \"x\"\n";

static void test_permits(void)
{
    unsigned nerr = 0;
    CHECK_INT(policy_parse(base, strlen(base), pol, NULL, 0, &nerr), 0);
    int64_t before = 1811808000 - 1, after = 1811808000;
    CHECK(policy_permits(pol, "coop", "pot1", "moisture", POLICY_G_1H, before) != NULL);
    /* Default deny: a finer granularity, another sensor, an unknown recipient, a passed until, no policy. */
    CHECK(policy_permits(pol, "coop", "pot1", "moisture", POLICY_G_RAW, before) == NULL);
    CHECK(policy_permits(pol, "coop", "pot1", "moisture", POLICY_G_1M, before) == NULL);
    CHECK(policy_permits(pol, "coop", "pot1", "temperature", POLICY_G_1H, before) == NULL);
    CHECK(policy_permits(pol, "coop", "pot1", "moisture", POLICY_G_1H, after) == NULL);
    CHECK(policy_permits(pol, "stranger", "pot1", "moisture", POLICY_G_1H, before) == NULL);
    CHECK(policy_permits(NULL, "coop", "pot1", "moisture", POLICY_G_1H, before) == NULL);
    CHECK(policy_permits(pol, "coop", "fridge", "gas", POLICY_G_THRESHOLD, after) != NULL);
    CHECK(policy_permits(pol, "coop", "fridge", "gas", POLICY_G_RAW, after) == NULL);
    CHECK(policy_permits(pol, "other", "pot1", "moisture", POLICY_G_RAW, after) != NULL);
    CHECK(policy_permits(pol, "other", "fridge", "gas", POLICY_G_THRESHOLD, after) == NULL);
}

static void test_revoke_text(void)
{
    char *out = NULL;
    size_t len = 0;
    unsigned nerr = 0;
    CHECK_INT(policy_revoke_text(base, strlen(base), "coop", NULL, &out, &len), 0);
    CHECK(out && strstr(out, "recipient coop\n  revoked\n  endpoint") != NULL);
    CHECK(out && strstr(out, "# the owner's comment stays\n") == out);
    CHECK_INT(policy_parse(out, len, pol, NULL, 0, &nerr), 0);
    CHECK(policy_permits(pol, "coop", "fridge", "gas", POLICY_G_THRESHOLD, 0) == NULL);
    CHECK(policy_permits(pol, "other", "pot1", "moisture", POLICY_G_RAW, 0) != NULL);
    /* Revoking twice changes nothing more. */
    char *again = NULL;
    size_t len2 = 0;
    CHECK_INT(policy_revoke_text(out, len, "coop", NULL, &again, &len2), 0);
    CHECK(again && len2 == len && memcmp(again, out, len) == 0);
    free(again);
    free(out);

    CHECK_INT(policy_revoke_text(base, strlen(base), "coop", "fridge/gas", &out, &len), 0);
    CHECK(out && strstr(out, "\n  # revoked: allow fridge/gas threshold > 400") != NULL);
    CHECK_INT(policy_parse(out, len, pol, NULL, 0, &nerr), 0);
    CHECK(policy_permits(pol, "coop", "fridge", "gas", POLICY_G_THRESHOLD, 0) == NULL);
    CHECK(policy_permits(pol, "coop", "pot1", "moisture", POLICY_G_1H, 0) != NULL);
    free(out);

    /* The last line without a newline. */
    static const char tail[] =
        "recipient z\nendpoint https://z/\npin-sha256 "
        "2222222222222222222222222222222222222222222222222222222222222222\nrecipient y";
    CHECK_INT(policy_revoke_text(tail, strlen(tail) - 12, "z", NULL, &out, &len), 0);
    CHECK(out && strcmp(out + len - 10, "\n  revoked") != 0);
    free(out);
    CHECK_INT(policy_revoke_text(base, strlen(base), "nobody", NULL, &out, &len), -HEARTH_ENOENT);
    CHECK_INT(policy_revoke_text(base, strlen(base), "coop", "pot1/temperature", &out, &len), -HEARTH_ENOENT);
    CHECK_INT(policy_revoke_text(base, strlen(base), "coop", "bad", &out, &len), -HEARTH_ENOENT);
    CHECK_INT(policy_revoke_text("allow", 5, "coop", NULL, &out, &len), -HEARTH_EINVAL);
    CHECK(out == NULL);
}

static void test_values(void)
{
    int64_t t = 0;
    uint32_t secs = 0;
    char why[64];
    CHECK_INT(policy_lex_date("2000-01-01", &t, why, sizeof(why)), 0);
    CHECK_INT(t, 946684800);
    CHECK_INT(policy_lex_date("2024-02-29T12:34:56Z", &t, why, sizeof(why)), 0);
    CHECK_INT(t, 1709210096);
    CHECK_INT(policy_lex_date("2100-02-29", &t, why, sizeof(why)), -HEARTH_EINVAL);
    CHECK_INT(policy_lex_date("2000-02-29", &t, why, sizeof(why)), 0);
    CHECK_INT(policy_lex_duration("90m", &secs), 0);
    CHECK_INT(secs, 5400);
    CHECK_INT(policy_lex_duration("4294967296s", &secs), -HEARTH_EINVAL);
    CHECK_INT(policy_lex_duration("49711d", &secs), -HEARTH_EINVAL);
    CHECK_INT(policy_lex_duration("h", &secs), -HEARTH_EINVAL);
    /* An oversized document and a NULL one are refused with one line-0 error. */
    char *big = calloc(1, POLICY_TEXT_MAX + 2);
    struct policy_error e;
    unsigned nerr = 0;
    memset(big, '#', POLICY_TEXT_MAX + 1);
    CHECK_INT(policy_parse(big, POLICY_TEXT_MAX + 1, pol, &e, 1, &nerr), -HEARTH_EINVAL);
    CHECK(nerr == 1 && e.line == 0 && strcmp(e.field, "document") == 0);
    CHECK_INT(policy_parse(NULL, 0, pol, &e, 1, &nerr), -HEARTH_EINVAL);
    free(big);
    /* More errors than the caller's array: the count says how many there were. */
    static const char many[] = "a\nb\nc\nd\n";
    CHECK_INT(policy_parse(many, strlen(many), pol, &e, 1, &nerr), -HEARTH_EINVAL);
    CHECK_INT(nerr, 4);
    CHECK(e.line == 1);
}

static void test_copy(void)
{
    static const char text[] = "recipient b\n endpoint https://b/\n ca\n -----BEGIN CERTIFICATE-----\n QUJD\n"
                               " -----END CERTIFICATE-----\n";
    unsigned nerr = 0;
    struct policy *copy = policy_new();
    CHECK_INT(policy_parse(text, strlen(text), pol, NULL, 0, &nerr), 0);
    policy_copy(copy, pol);
    memset(pol, 0, sizeof(*pol));
    CHECK(copy->recipients[0].ca_pem &&
          strcmp(copy->recipients[0].ca_pem,
                 "-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n") == 0);
    free(copy);
}

int main(void)
{
    pol = policy_new();
    CHECK(check_vectors("vectors/policy.txt", 3, vector) >= 60);
    test_permits();
    test_revoke_text();
    test_values();
    test_copy();
    free(pol);
    return check_summary("policy");
}
