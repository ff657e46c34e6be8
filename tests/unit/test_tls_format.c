/* SPDX-License-Identifier: ISC */
/* Unit tests for the fingerprint text, X.509 dates and IPv4 parsing, from tests/unit/vectors/tls_*.txt. */
#include "check.h"
#include "tls_format.h"

#include <hearth/err.h>
#include <stdlib.h>
#include <string.h>

static long expected_rc(const char *s)
{
    if (strcmp(s, "ERANGE") == 0)
        return -HEARTH_ERANGE;
    if (strcmp(s, "EINVAL") == 0)
        return -HEARTH_EINVAL;
    return strtol(s, NULL, 10);
}

static void fingerprint_vector(char **f, int n, const char *where)
{
    uint8_t bytes[64];
    char out[128];
    if (n != 4) {
        check_record(0, where, 0, "vector has 4 fields");
        return;
    }
    size_t len = check_from_hex(f[0], bytes, sizeof(bytes));
    size_t cap = strtoul(f[1], NULL, 10);
    memset(out, 'x', sizeof(out));
    int rc = tls_format_fingerprint(bytes, len, out, cap);
    check_record(rc == expected_rc(f[2]), where, 0, "return value");
    if (rc >= 0)
        check_record(strcmp(out, f[3]) == 0, where, 0, "text");
    else if (cap > 0)
        check_record(out[0] == '\0', where, 0, "empty text on error");
    else
        check_record(out[0] == 'x', where, 0, "nothing written with cap 0");
}

static void time_vector(char **f, int n, const char *where)
{
    char out[15] = "";
    if (n < 2) {
        check_record(0, where, 0, "vector has 3 fields");
        return;
    }
    int rc = tls_format_x509_time(strtoll(f[0], NULL, 10), out);
    check_record(rc == expected_rc(f[1]), where, 0, "return value");
    if (rc == 0)
        check_record(n == 3 && strcmp(out, f[2]) == 0, where, 0, "text");
}

static void ipv4_vector(char **f, int n, const char *where)
{
    uint8_t ip[4], want[4];
    if (n < 2) {
        check_record(0, where, 0, "vector has 3 fields");
        return;
    }
    int rc = tls_format_parse_ipv4(f[0], ip);
    check_record(rc == expected_rc(f[1]), where, 0, "return value");
    if (rc == 0)
        check_record(n == 3 && check_from_hex(f[2], want, 4) == 4 && memcmp(ip, want, 4) == 0, where, 0,
                     "bytes");
}

/* The inverse of the X.509 date text, and the renewal rule the device certificate follows. */
static void unix_time_and_renewal(void)
{
    int64_t t = -1;
    CHECK_INT(tls_format_unix_time(1970, 1, 1, 0, 0, 0, &t), 0);
    CHECK_INT(t, 0);
    CHECK_INT(tls_format_unix_time(2026, 11, 27, 2, 51, 7, &t), 0);
    CHECK_INT(t, 1795747867);
    CHECK_INT(tls_format_unix_time(2000, 2, 29, 23, 59, 59, &t), 0);
    CHECK_INT(t, 951868799);
    CHECK_INT(tls_format_unix_time(9999, 12, 31, 23, 59, 59, &t), 0);
    CHECK_INT(t, 253402300799);
    CHECK_INT(tls_format_unix_time(1969, 12, 31, 0, 0, 0, &t), -HEARTH_EINVAL);
    CHECK_INT(tls_format_unix_time(2026, 13, 1, 0, 0, 0, &t), -HEARTH_EINVAL);
    CHECK_INT(tls_format_unix_time(2026, 1, 0, 0, 0, 0, &t), -HEARTH_EINVAL);
    CHECK_INT(tls_format_unix_time(2026, 1, 1, 24, 0, 0, &t), -HEARTH_EINVAL);
    const int64_t nb = 1000000, na = nb + 397 * 86400, margin = 60 * 86400;
    CHECK_INT(tls_format_needs_renewal(nb - 1, nb, na, margin), 1); /* not valid yet */
    CHECK_INT(tls_format_needs_renewal(nb, nb, na, margin), 0);
    CHECK_INT(tls_format_needs_renewal(na - margin - 1, nb, na, margin), 0);
    CHECK_INT(tls_format_needs_renewal(na - margin, nb, na, margin), 1); /* expiring soon */
    CHECK_INT(tls_format_needs_renewal(na + 1, nb, na, margin), 1);      /* expired */
}

int main(void)
{
    unix_time_and_renewal();
    CHECK(check_vectors("vectors/tls_fingerprint.txt", 4, fingerprint_vector) >= 8);
    CHECK(check_vectors("vectors/tls_x509_time.txt", 3, time_vector) >= 10);
    CHECK(check_vectors("vectors/tls_ipv4.txt", 3, ipv4_vector) >= 10);
    return check_summary("test_tls_format");
}
