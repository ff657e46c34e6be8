/* SPDX-License-Identifier: ISC */
/* Unit tests for the device certificate (validity, SKI, CRL pointer), the CRL encoder, and the time floor. */
#include "check.h"
#include "tls_crl.h"
#include "tls_entropy.h"
#include "tls_format.h"
#include "tls_identity_priv.h"
#include "tls_time.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <hearth_config.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pem.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#define NOW 1795747867ll /* 2026-11-27T02:51:07Z */
#define DAY 86400ll

/* ---- A platform with a clock the test sets. ---- */

static uint64_t mono_ns;
static int64_t wall_s = -1; /* < 0: unknown */

uint64_t hearth_plat_monotonic_ns(void)
{
    return mono_ns;
}

int hearth_plat_wall_ns(int64_t *unix_ns)
{
    if (wall_s < 0)
        return -HEARTH_ENODATA;
    *unix_ns = wall_s * 1000000000;
    return 0;
}

int hearth_plat_entropy(void *buf, size_t len)
{
    return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -HEARTH_EIO;
}

int hearth_plat_yield(uint64_t deadline_ns)
{
    (void)deadline_ns;
    return 0;
}

int hearth_plat_poweroff_requested(void)
{
    return 0;
}

void hearth_plat_console_write(const char *buf, size_t len)
{
    fwrite(buf, 1, len, stdout);
}

/* ---- Helpers. ---- */

static int64_t x509_unix(const mbedtls_x509_time *t)
{
    int64_t s = -1;
    tls_format_unix_time(t->year, t->mon, t->day, t->hour, t->min, t->sec, &s);
    return s;
}

static int contains(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return 1;
    return 0;
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        CHECK(fwrite(data, 1, len, f) == len);
        fclose(f);
    }
}

/* ---- Tests. ---- */

static void certificate_tests(struct tls_identity *id, mbedtls_x509_crt *crt)
{
    static uint8_t der[2048];
    size_t len = 0;
    CHECK_INT(tls_identity_issue(id, NOW, der, sizeof(der), &len), 0);
    CHECK_INT(mbedtls_x509_crt_parse_der(crt, der, len), 0);
    /* From midnight, 397 days: below every scanner's 398-day line. */
    CHECK_INT(x509_unix(&crt->valid_from), NOW - NOW % DAY);
    CHECK_INT(x509_unix(&crt->valid_to) - x509_unix(&crt->valid_from), 397 * DAY);
    CHECK(crt->valid_to.year == 2027 && crt->valid_to.mon == 12 && crt->valid_to.day == 29);
    /* The CRL Distribution Point names http://hearth.local/crl.der as a URI GeneralName (tag 0x86). */
    static const char uri[] = "\x86\x1bhttp://hearth.local/crl.der";
    CHECK(contains(crt->raw.p, crt->raw.len, uri, sizeof(uri) - 1));
    /* subjectKeyIdentifier: OID 2.5.29.14, then OCTET STRING { OCTET STRING key_id }. */
    uint8_t ski[4 + TLS_CRL_KEY_ID_BYTES] = {0x04, 0x16, 0x04, 0x14};
    memcpy(ski + 4, id->key_id, TLS_CRL_KEY_ID_BYTES);
    CHECK(contains(crt->raw.p, crt->raw.len, ski, sizeof(ski)));
    CHECK(mbedtls_pk_check_pair(&crt->pk, &id->key, tls_entropy_random, NULL) == 0);
    /* The same key at a later time: a different certificate for the same key. */
    mbedtls_x509_crt later;
    mbedtls_x509_crt_init(&later);
    CHECK_INT(tls_identity_issue(id, NOW + 300 * DAY, der, sizeof(der), &len), 0);
    CHECK_INT(mbedtls_x509_crt_parse_der(&later, der, len), 0);
    CHECK(later.pk_raw.len == crt->pk_raw.len &&
          memcmp(later.pk_raw.p, crt->pk_raw.p, later.pk_raw.len) == 0);
    CHECK_INT(x509_unix(&later.valid_from), NOW + 300 * DAY - (NOW + 300 * DAY) % DAY);
    mbedtls_x509_crt_free(&later);
    /* Years beyond what X.509 dates can hold. */
    CHECK_INT(tls_identity_issue(id, 253402300799ll, der, sizeof(der), &len), -HEARTH_ERANGE);
}

/* Writes a CRL for crt/key, parses it back and checks every field and the signature. */
static void crl_roundtrip(const mbedtls_x509_crt *crt, struct tls_identity *id, int64_t this_update,
                          uint64_t number, const char *save_dir)
{
    static uint8_t buf[1024];
    size_t len = 0;
    struct tls_crl_params p = {.issuer = crt->subject_raw.p,
                               .issuer_len = crt->subject_raw.len,
                               .key_id = id->key_id,
                               .this_update = this_update,
                               .next_update = this_update + 7 * DAY,
                               .number = number};
    CHECK_INT(tls_crl_write(&p, &id->key, tls_entropy_random, NULL, buf, sizeof(buf), &len), 0);
    const uint8_t *der = buf + sizeof(buf) - len;
    mbedtls_x509_crl crl;
    mbedtls_x509_crl_init(&crl);
    CHECK_INT(mbedtls_x509_crl_parse_der(&crl, der, len), 0);
    CHECK_INT(crl.version, 2);
    CHECK_INT(x509_unix(&crl.this_update), this_update);
    CHECK_INT(x509_unix(&crl.next_update), this_update + 7 * DAY);
    CHECK(crl.issuer_raw.len == crt->subject_raw.len &&
          memcmp(crl.issuer_raw.p, crt->subject_raw.p, crl.issuer_raw.len) == 0);
    CHECK(crl.entry.raw.len == 0); /* no revoked certificates */
    CHECK_INT(crl.MBEDTLS_PRIVATE(sig_md), MBEDTLS_MD_SHA256);
    CHECK_INT(crl.MBEDTLS_PRIVATE(sig_pk), MBEDTLS_PK_ECDSA);
    uint8_t hash[32];
    CHECK_INT(mbedtls_sha256(crl.tbs.p, crl.tbs.len, hash, 0), 0);
    CHECK_INT(mbedtls_pk_verify((mbedtls_pk_context *)&crt->pk, MBEDTLS_MD_SHA256, hash, sizeof(hash),
                                crl.MBEDTLS_PRIVATE(sig).p, crl.MBEDTLS_PRIVATE(sig).len),
              0);
    /* A flipped byte in the signed part no longer verifies. */
    hash[0] ^= 1;
    CHECK(mbedtls_pk_verify((mbedtls_pk_context *)&crt->pk, MBEDTLS_MD_SHA256, hash, sizeof(hash),
                            crl.MBEDTLS_PRIVATE(sig).p, crl.MBEDTLS_PRIVATE(sig).len) != 0);
    /* The cRLNumber, encoded minimally and positive. */
    uint8_t num[12] = {0x02};
    size_t n = 0;
    uint8_t tmp[9];
    uint64_t v = number;
    do {
        tmp[n++] = (uint8_t)v;
        v >>= 8;
    } while (v);
    if (tmp[n - 1] & 0x80)
        tmp[n++] = 0;
    num[1] = (uint8_t)n;
    for (size_t i = 0; i < n; i++)
        num[2 + i] = tmp[n - 1 - i];
    CHECK(contains(der, len, num, 2 + n));
    if (save_dir)
        write_file(save_dir, "tls_crl_test.crl.der", der, len);
    mbedtls_x509_crl_free(&crl);
}

static void crl_bad_inputs(const mbedtls_x509_crt *crt, struct tls_identity *id)
{
    static uint8_t buf[1024];
    size_t len = 0;
    struct tls_crl_params p = {.issuer = crt->subject_raw.p,
                               .issuer_len = crt->subject_raw.len,
                               .this_update = NOW,
                               .next_update = NOW + DAY,
                               .number = 1};
    for (size_t cap = 0; cap < 120; cap += 7)
        CHECK_INT(tls_crl_write(&p, &id->key, tls_entropy_random, NULL, buf, cap, &len), -HEARTH_ERANGE);
    p.next_update = NOW - 1;
    CHECK_INT(tls_crl_write(&p, &id->key, tls_entropy_random, NULL, buf, sizeof(buf), &len), -HEARTH_EINVAL);
    p.next_update = 253402300800ll; /* year 10000 */
    CHECK_INT(tls_crl_write(&p, &id->key, tls_entropy_random, NULL, buf, sizeof(buf), &len), -HEARTH_ERANGE);
    p.next_update = NOW + DAY;
    p.issuer = NULL;
    CHECK_INT(tls_crl_write(&p, &id->key, tls_entropy_random, NULL, buf, sizeof(buf), &len), -HEARTH_EINVAL);
    /* Without the key identifier it still parses. */
    p.issuer = crt->subject_raw.p;
    CHECK_INT(tls_crl_write(&p, &id->key, tls_entropy_random, NULL, buf, sizeof(buf), &len), 0);
    mbedtls_x509_crl crl;
    mbedtls_x509_crl_init(&crl);
    CHECK_INT(mbedtls_x509_crl_parse_der(&crl, buf + sizeof(buf) - len, len), 0);
    mbedtls_x509_crl_free(&crl);
    /* The distribution point. */
    CHECK_INT(tls_crl_distribution_point("", buf, sizeof(buf), &len), -HEARTH_EINVAL);
    CHECK_INT(tls_crl_distribution_point(NULL, buf, sizeof(buf), &len), -HEARTH_EINVAL);
    CHECK_INT(tls_crl_distribution_point("http://a/b", buf, 10, &len), -HEARTH_ERANGE);
    CHECK_INT(tls_crl_distribution_point("http://a/b", buf, sizeof(buf), &len), 0);
    static const uint8_t want[] = {0x30, 0x12, 0x30, 0x10, 0xa0, 0x0e, 0xa0, 0x0c, 0x86, 0x0a,
                                   'h',  't',  't',  'p',  ':',  '/',  '/',  'a',  '/',  'b'};
    CHECK(len == sizeof(want) && memcmp(buf + sizeof(buf) - len, want, len) == 0);
}

/* The best-known time: wall clock when sane, else the build time or a raised floor, advancing with uptime. */
static void time_tests(void)
{
    int from_clock = -1;
    tls_time_reset_floor();
    wall_s = -1;
    mono_ns = 5 * 1000000000ull;
    CHECK_INT(tls_time_best(&from_clock), HEARTH_BUILD_UNIX_S + 5);
    CHECK_INT(from_clock, 0);
    wall_s = 1000; /* Xen's "1970 plus uptime" is not a time */
    CHECK_INT(tls_time_best(&from_clock), HEARTH_BUILD_UNIX_S + 5);
    tls_time_raise_floor(HEARTH_BUILD_UNIX_S + 100 * DAY);
    CHECK_INT(tls_time_best(NULL), HEARTH_BUILD_UNIX_S + 100 * DAY);
    mono_ns += 60 * 1000000000ull;
    CHECK_INT(tls_time_best(NULL), HEARTH_BUILD_UNIX_S + 100 * DAY + 60);
    tls_time_raise_floor(HEARTH_BUILD_UNIX_S); /* lower: ignored */
    CHECK_INT(tls_time_best(NULL), HEARTH_BUILD_UNIX_S + 100 * DAY + 60);
    wall_s = HEARTH_BUILD_UNIX_S + 200 * DAY; /* SNTP knows better */
    CHECK_INT(tls_time_best(&from_clock), HEARTH_BUILD_UNIX_S + 200 * DAY);
    CHECK_INT(from_clock, 1);
    wall_s = HEARTH_BUILD_UNIX_S + 50 * DAY; /* a clock behind the floor loses */
    CHECK_INT(tls_time_best(&from_clock), HEARTH_BUILD_UNIX_S + 100 * DAY + 60);
    CHECK_INT(from_clock, 0);
    long long s = 0;
    CHECK_INT(tls_time_seconds(&s), HEARTH_BUILD_UNIX_S + 100 * DAY + 60);
    CHECK_INT(s, HEARTH_BUILD_UNIX_S + 100 * DAY + 60);
    tls_time_reset_floor();
    wall_s = -1;
    CHECK_INT(tls_time_best(NULL), HEARTH_BUILD_UNIX_S + 65);
    /* Mbed TLS's gmtime_r, which certificate date checks use. */
    struct tm tm;
    mbedtls_time_t t = (mbedtls_time_t)NOW;
    CHECK(mbedtls_platform_gmtime_r(&t, &tm) == &tm);
    CHECK(tm.tm_year == 126 && tm.tm_mon == 10 && tm.tm_mday == 27 && tm.tm_hour == 2 && tm.tm_min == 51 &&
          tm.tm_sec == 7);
}

int main(int argc, char **argv)
{
    const char *save_dir = argc > 1 ? argv[1] : NULL;
    static struct tls_identity id;
    mbedtls_x509_crt crt;
    wall_s = NOW;
    CHECK_INT(tls_entropy_start(NULL), 0);
    mbedtls_pk_init(&id.key);
    mbedtls_x509_crt_init(&crt);
    CHECK_INT(mbedtls_pk_setup(&id.key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
    CHECK_INT(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(id.key), tls_entropy_random, NULL),
              0);
    CHECK_INT(tls_crl_key_id(&id.key, id.key_id), 0);
    snprintf(id.ipv4, sizeof(id.ipv4), "10.77.0.2");
    certificate_tests(&id, &crt);
    if (save_dir) {
        static char pem[2048];
        size_t olen = 0;
        CHECK_INT(mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n",
                                           crt.raw.p, crt.raw.len, (unsigned char *)pem, sizeof(pem), &olen),
                  0);
        write_file(save_dir, "tls_crl_test.crt.pem", pem, olen - 1);
    }
    /* thisUpdate in 2026 (UTCTime), 2049 (the last UTCTime year) and 2050 (GeneralizedTime). */
    crl_roundtrip(&crt, &id, NOW - NOW % 3600, (uint64_t)NOW, save_dir);
    crl_roundtrip(&crt, &id, 2524607999ll - 7 * DAY, 127, NULL);
    crl_roundtrip(&crt, &id, 2524608000ll, 128, NULL);
    crl_roundtrip(&crt, &id, NOW, 0, NULL);
    crl_bad_inputs(&crt, &id);
    time_tests();
    mbedtls_x509_crt_free(&crt);
    mbedtls_pk_free(&id.key);
    return check_summary("test_tls_crl");
}
