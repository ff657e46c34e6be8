/* SPDX-License-Identifier: ISC */
/* Fingerprint text, X.509 date strings and IPv4 parsing, kept free of Mbed TLS for unit tests. */
#include "tls_format.h"

#include <hearth/err.h>

int tls_format_fingerprint(const uint8_t *hash, size_t len, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t need = len ? 3 * len : 1; /* two digits and a colon per byte; the last colon becomes NUL */
    if (cap < need) {
        if (cap)
            out[0] = '\0';
        return -HEARTH_ERANGE;
    }
    for (size_t i = 0; i < len; i++) {
        out[3 * i] = hex[hash[i] >> 4];
        out[3 * i + 1] = hex[hash[i] & 15];
        out[3 * i + 2] = ':';
    }
    out[need - 1] = '\0';
    return (int)(need - 1);
}

/* Howard Hinnant's days-to-civil: exact for the proleptic Gregorian calendar, no tables. */
void tls_format_civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void put_digits(char *p, unsigned v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

int tls_format_x509_time(int64_t unix_s, char out[15])
{
    int64_t y;
    unsigned m, d;
    if (unix_s < 0 || unix_s > 253402300799) /* 9999-12-31T23:59:59Z */
        return -HEARTH_ERANGE;
    unsigned secs = (unsigned)(unix_s % 86400);
    tls_format_civil(unix_s / 86400, &y, &m, &d);
    put_digits(out, (unsigned)y, 4);
    put_digits(out + 4, m, 2);
    put_digits(out + 6, d, 2);
    put_digits(out + 8, secs / 3600, 2);
    put_digits(out + 10, secs / 60 % 60, 2);
    put_digits(out + 12, secs % 60, 2);
    out[14] = '\0';
    return 0;
}

int tls_format_parse_ipv4(const char *s, uint8_t out[4])
{
    for (int i = 0; i < 4; i++) {
        unsigned v = 0, digits = 0;
        if (i > 0 && *s++ != '.')
            return -HEARTH_EINVAL;
        if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
            return -HEARTH_EINVAL; /* leading zeros read as octal elsewhere: refuse the ambiguity */
        while (*s >= '0' && *s <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(*s++ - '0');
            digits++;
        }
        if (digits == 0 || digits > 3 || v > 255)
            return -HEARTH_EINVAL;
        out[i] = (uint8_t)v;
    }
    return *s == '\0' ? 0 : -HEARTH_EINVAL;
}

/* Howard Hinnant's civil-to-days, the inverse of tls_format_civil. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int tls_format_unix_time(int year, int mon, int day, int hour, int min, int sec, int64_t *unix_s)
{
    if (year < 1970 || year > 9999 || mon < 1 || mon > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 ||
        min < 0 || min > 59 || sec < 0 || sec > 60)
        return -HEARTH_EINVAL;
    *unix_s = days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + hour * 3600 + min * 60 + sec;
    return 0;
}

int tls_format_needs_renewal(int64_t now, int64_t not_before, int64_t not_after, int64_t margin_s)
{
    return now < not_before || now >= not_after - margin_s;
}
