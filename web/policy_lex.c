/* SPDX-License-Identifier: ISC */
/* Splits policy lines into words and checks single values (names, URLs, durations, dates, numbers). */
#include "policy_lex.h"

#include <hearth/err.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int why_fail(char *why, size_t cap, const char *msg)
{
    snprintf(why, cap, "%s", msg);
    return -HEARTH_EINVAL;
}

int policy_lex_line(const char *s, size_t n, struct policy_tokens *t, char *why, size_t cap)
{
    t->n = 0;
    if (n > POLICY_LINE_MAX)
        return why_fail(why, cap, "line longer than 200 characters");
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || (unsigned char)s[i] >= 0x7f)
            return why_fail(why, cap, "control or non-ASCII character");
    memcpy(t->buf, s, n);
    t->buf[n] = '\0';
    char *p = t->buf;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '#')
            return 0;
        if (t->n == POLICY_LEX_MAX_WORDS)
            return why_fail(why, cap, "too many words on one line");
        int quoted = *p == '"';
        char *start = quoted ? p + 1 : p;
        char *end = start;
        if (quoted) {
            while (*end && *end != '"')
                end++;
            if (*end != '"')
                return why_fail(why, cap, "unclosed quote");
            *end++ = '\0';
            if (*end && *end != ' ' && *end != '\t' && *end != '#')
                return why_fail(why, cap, "a closing quote must be followed by a blank");
        } else {
            while (*end && *end != ' ' && *end != '\t' && *end != '#') {
                if (*end == '"')
                    return why_fail(why, cap, "a quote inside a word");
                end++;
            }
        }
        t->v[t->n] = start;
        t->quoted[t->n++] = quoted;
        if (*end == '#') {
            *end = '\0';
            return 0;
        }
        if (*end)
            *end++ = '\0';
        p = end;
    }
}

static int is_lower_digit(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int policy_lex_name_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_lower_digit(s[i]) && s[i] != '_' && s[i] != '-')
            return 0;
    return 1;
}

int policy_lex_url_ok(const char *s, char *why, size_t cap)
{
    static const char scheme[] = "https://";
    if (strlen(s) > POLICY_URL_MAX)
        return why_fail(why, cap, "URL longer than 200 characters");
    if (strncmp(s, scheme, sizeof(scheme) - 1) != 0)
        return why_fail(why, cap, "only https:// endpoints are allowed");
    const char *h = s + sizeof(scheme) - 1, *p = h;
    char prev = '.';
    while (*p && *p != ':' && *p != '/') {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                 c == '.';
        if (!ok || (c == '.' && prev == '.'))
            return why_fail(why, cap, "bad host name");
        prev = c;
        p++;
    }
    if (p == h || prev == '.' || p - h > 100)
        return why_fail(why, cap, "bad host name");
    if (*p == ':') {
        unsigned long port = 0;
        const char *d = ++p;
        while (*p >= '0' && *p <= '9' && p - d < 6)
            port = port * 10 + (unsigned long)(*p++ - '0');
        if (p == d || port == 0 || port > 65535)
            return why_fail(why, cap, "bad port (1..65535)");
    }
    if (*p != '/')
        return why_fail(why, cap, "the URL needs a path starting with /");
    for (; *p; p++)
        if (*p <= ' ' || strchr("\"\\<>`{}|^#", *p))
            return why_fail(why, cap, "character not allowed in the path");
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int policy_lex_hex(const char *s, uint8_t *out, size_t n)
{
    if (strlen(s) != 2 * n)
        return -HEARTH_EINVAL;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -HEARTH_EINVAL;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

int policy_lex_series(const char *s, char *sensor, char *quantity)
{
    const char *slash = strchr(s, '/');
    if (!slash)
        return -HEARTH_EINVAL;
    size_t sn = (size_t)(slash - s), qn = strlen(slash + 1);
    if (sn == 0 || sn > POLICY_SENSOR_MAX || qn == 0 || qn > POLICY_QUANTITY_MAX)
        return -HEARTH_EINVAL;
    for (size_t i = 0; i < sn; i++)
        if (!is_lower_digit(s[i]) && s[i] != '_' && s[i] != '-')
            return -HEARTH_EINVAL;
    for (size_t i = 0; i < qn; i++)
        if (!is_lower_digit(slash[1 + i]) && slash[1 + i] != '_')
            return -HEARTH_EINVAL;
    memcpy(sensor, s, sn);
    sensor[sn] = '\0';
    memcpy(quantity, slash + 1, qn + 1);
    return 0;
}

int policy_lex_gran(const char *s, enum policy_gran *g)
{
    static const struct {
        const char *name;
        enum policy_gran g;
    } names[] = {{"raw", POLICY_G_RAW}, {"1m", POLICY_G_1M}, {"1h", POLICY_G_1H}, {"1d", POLICY_G_1D}};
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(s, names[i].name) == 0) {
            *g = names[i].g;
            return 0;
        }
    }
    return -HEARTH_EINVAL;
}

int policy_lex_threshold(const char *op, const char *num, char *op_out, double *value)
{
    size_t n = strlen(num);
    if ((strcmp(op, ">") != 0 && strcmp(op, "<") != 0) || n == 0 || n > 24)
        return -HEARTH_EINVAL;
    /* Plain decimals only: strtod would also take hex, "inf" and "nan". */
    if (strspn(num, "0123456789.eE+-") != n ||
        !((num[0] >= '0' && num[0] <= '9') || num[0] == '-' || num[0] == '.'))
        return -HEARTH_EINVAL;
    char *end;
    double v = strtod(num, &end);
    if (*end != '\0' || !isfinite(v))
        return -HEARTH_EINVAL;
    *op_out = op[0];
    *value = v;
    return 0;
}

int policy_lex_duration(const char *s, uint32_t *secs)
{
    size_t n = strlen(s);
    uint64_t v = 0;
    if (n < 2 || n > 10)
        return -HEARTH_EINVAL;
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -HEARTH_EINVAL;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    switch (s[n - 1]) {
    case 's': break;
    case 'm': v *= 60; break;
    case 'h': v *= 3600; break;
    case 'd': v *= 86400; break;
    default: return -HEARTH_EINVAL;
    }
    if (v > UINT32_MAX)
        return -HEARTH_EINVAL;
    *secs = (uint32_t)v;
    return 0;
}

int policy_lex_purpose_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return -HEARTH_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (s[i] < ' ' || s[i] > '~' || s[i] == '"' || s[i] == '\\')
            return -HEARTH_EINVAL;
    return 0;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -HEARTH_EINVAL;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int policy_lex_date(const char *s, int64_t *unix_s, char *why, size_t cap)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    size_t n = strlen(s);
    int y, mo, d, hh = 0, mi = 0, ss = 0;
    if ((n != 10 && n != 20) || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) < 0 ||
        digits(s + 5, 2, &mo) < 0 || digits(s + 8, 2, &d) < 0)
        return why_fail(why, cap, "expected YYYY-MM-DD");
    if (n == 20 &&
        (s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' || digits(s + 11, 2, &hh) < 0 ||
         digits(s + 14, 2, &mi) < 0 || digits(s + 17, 2, &ss) < 0 || hh > 23 || mi > 59 || ss > 59))
        return why_fail(why, cap, "expected YYYY-MM-DDTHH:MM:SSZ");
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 2000 || y > 2999 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap))
        return why_fail(why, cap, "no such date");
    *unix_s = days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss;
    return 0;
}
