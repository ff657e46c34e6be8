/* SPDX-License-Identifier: ISC */
/* tls_start: entropy, key storage and device identity, then one server configuration for every listener. */
#include "tls.h"

#include "cmdline.h"
#include "tls_crl.h"
#include "tls_entropy.h"
#include "tls_identity.h"
#include "tls_keyslot.h"
#include "tls_priv.h"
#include "tls_time.h"

#include "disk.h"
#include "log.h"
#include "loop.h"

#include <hearth/blk.h>
#include <hearth/err.h>
#include <hearth/plat.h>
#include <mbedtls/ssl_ticket.h>
#include <psa/crypto.h>
#include <string.h>

#define TICKET_LIFETIME_S 86400 /* also the ticket-key rotation period */
#define PEM_MAX 2048

/* Only AEAD suites with forward secrecy: TLS 1.3's three, and their ECDHE-ECDSA TLS 1.2 counterparts. */
/* The disk layout in services/disk.h reserves exactly the key-slot area for us. */
_Static_assert(DISK_KEY_SLOT_BYTES == TLS_KEYSLOT_AREA_BYTES, "disk layout and key slots disagree");

static const int ciphersuites[] = {
    MBEDTLS_TLS1_3_AES_128_GCM_SHA256,
    MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS1_3_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    0,
};
static const uint16_t groups[] = {MBEDTLS_SSL_IANA_TLS_GROUP_X25519, MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
                                  MBEDTLS_SSL_IANA_TLS_GROUP_NONE};
/* Our key is P-256, so ECDSA with SHA-256 is the one signature we make (TLS 1.3 and 1.2 share the code). */
static const uint16_t sig_algs[] = {MBEDTLS_TLS1_3_SIG_ECDSA_SECP256R1_SHA256, MBEDTLS_TLS1_3_SIG_NONE};

#define CHECK_PERIOD_NS (10 * 1000000000ull)
/* A replaced certificate may still be in use by handshakes that chose it (tls_stream.c drops handshakes
 * after 10 s, checked every second): the next replacement, which frees it, waits longer than that. */
#define RETIRE_NS (15 * 1000000000ull)
#define PERSIST_PERIOD_S                                                                                     \
    86400                   /* the time slot is rewritten once a day, plus once when SNTP first answers      \
                             */
#define CRL_REFRESH_S 86400 /* a new CRL every day... */
#define CRL_VALID_S                                                                                          \
    (7 * 86400) /* ...valid for a week, so a hub that was off for a few days still has one                   \
                 */
#define CRL_MAX 512

static struct {
    int started;
    struct hearth_blkdev *dev;
    struct tls_keyslot slots, *ks;
    struct tls_identity id;
    mbedtls_ssl_config conf;
    mbedtls_ssl_ticket_context tickets;
    struct timer check_timer;
    struct loop *loop;
    uint64_t swapped_ns; /* when the certificate was last replaced (0: never this boot) */
    int64_t persisted_s; /* the time last written to the time slot (0: none) */
    int clock_persisted; /* the wall clock's own time was written this boot */
    uint8_t crl[CRL_MAX];
    size_t crl_len;
    int64_t crl_this_update;
    uint64_t crl_number;
} tls;

const mbedtls_ssl_config *tls_server_config(void)
{
    return tls.started ? &tls.conf : NULL;
}

/* Opens the key-slot area on blkdev= (default "0"). NULL when there is no usable device, which is logged. */
static struct tls_keyslot *open_slots(const char *cmdline)
{
    int rc;
    tls.dev = disk_get(cmdline, &rc);
    if (!tls.dev) {
        log_line("tls: no key storage (block device %s: %s)", disk_name(), hearth_strerror(rc));
        return NULL;
    }
    if ((rc = tls_keyslot_open(&tls.slots, tls.dev)) < 0) {
        log_line("tls: no key storage (block device %s unusable: %s)", disk_name(), hearth_strerror(rc));
        return NULL;
    }
    return &tls.slots;
}

/* The last time written to the disk is a time that has passed: it raises the floor of "now". */
static void load_persisted_time(void)
{
    uint8_t b[8];
    size_t len = 0;
    if (!tls.ks || tls_keyslot_read(tls.ks, TLS_KEYSLOT_TIME, b, sizeof(b), &len) < 0 || len != sizeof(b))
        return;
    int64_t t = 0;
    for (int i = 7; i >= 0; i--)
        t = (int64_t)((uint64_t)t << 8 | b[i]);
    tls.persisted_s = t;
    tls_time_raise_floor(t);
}

static void persist_time(int64_t now)
{
    uint8_t b[8];
    int rc;
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)((uint64_t)now >> (8 * i));
    if (!tls.ks || (rc = tls_keyslot_write(tls.ks, TLS_KEYSLOT_TIME, b, sizeof(b))) < 0)
        return;
    tls.persisted_s = now;
}

/*
 * Re-issues the certificate when it is not valid for the best-known time or expires soon, and writes
 * the time down now and then. New handshakes pick the new certificate (pick_cert).
 */
static void check_identity(void)
{
    int from_clock = 0;
    int64_t now = tls_time_best(&from_clock);
    uint64_t mono = hearth_plat_monotonic_ns();
    if (tls.swapped_ns == 0 || mono - tls.swapped_ns >= RETIRE_NS) {
        int r = tls_identity_refresh(&tls.id, tls.ks, now);
        if (r > 0 && tls.started) {
            tls.swapped_ns = mono;
            log_line(
                "tls: device certificate SHA-256 fingerprint %s (new connections get it; the key and its "
                "SPKI pin stay)",
                tls.id.fingerprint);
        }
    }
    if ((from_clock && !tls.clock_persisted) || now - tls.persisted_s >= PERSIST_PERIOD_S) {
        persist_time(now);
        tls.clock_persisted |= from_clock;
    }
}

static void on_check(struct timer *t, void *arg)
{
    (void)t;
    (void)arg;
    check_identity();
}

void tls_clock_changed(void)
{
    if (tls.started)
        check_identity();
}

/* Mbed TLS's certificate callback: every handshake takes the certificate current when its ClientHello came.
 */
static int pick_cert(mbedtls_ssl_context *ssl)
{
    return mbedtls_ssl_set_hs_own_cert(ssl, tls_identity_crt(&tls.id), &tls.id.key);
}

static int configure(void)
{
    mbedtls_ssl_config *c = &tls.conf;
    mbedtls_ssl_config_init(c);
    mbedtls_ssl_ticket_init(&tls.tickets);
    if (mbedtls_ssl_config_defaults(c, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0)
        return -HEARTH_ENOMEM;
    mbedtls_ssl_conf_rng(c, tls_entropy_random, NULL);
    mbedtls_ssl_conf_min_tls_version(c, MBEDTLS_SSL_VERSION_TLS1_2);
    mbedtls_ssl_conf_max_tls_version(c, MBEDTLS_SSL_VERSION_TLS1_3);
    mbedtls_ssl_conf_ciphersuites(c, ciphersuites);
    mbedtls_ssl_conf_groups(c, groups);
    mbedtls_ssl_conf_sig_algs(c, sig_algs);
    mbedtls_ssl_conf_authmode(c, MBEDTLS_SSL_VERIFY_NONE); /* no client certificates */
    mbedtls_ssl_conf_cert_cb(c, pick_cert);
    if (mbedtls_ssl_ticket_setup(&tls.tickets, tls_entropy_random, NULL, MBEDTLS_CIPHER_AES_256_GCM,
                                 TICKET_LIFETIME_S) != 0)
        return -HEARTH_EIO;
    mbedtls_ssl_conf_session_tickets_cb(c, mbedtls_ssl_ticket_write, mbedtls_ssl_ticket_parse, &tls.tickets);
    return 0;
}

/* tls.printcert=1: the certificate on the console as-is (no log prefix), for tests and for pinning. */
static void maybe_print_cert(const char *cmdline)
{
    static char pem[PEM_MAX];
    uint64_t want = 0;
    if (cmdline_get_u64(cmdline, "tls.printcert", &want) < 0 || !want)
        return;
    int n = tls_identity_pem(&tls.id, pem, sizeof(pem));
    if (n > 0)
        hearth_plat_console_write(pem, (size_t)n);
}

int tls_start(struct loop *loop, const char *cmdline, const char *ipv4, int (*wall_ns)(int64_t *unix_ns))
{
    int rc;
    if (tls.started)
        return -HEARTH_EBUSY;
    tls_time_set_wall(wall_ns);
    tls.ks = open_slots(cmdline);
    if ((rc = tls_entropy_start(tls.ks)) < 0)
        goto out;
    if (psa_crypto_init() != PSA_SUCCESS) {
        rc = -HEARTH_EIO;
        goto out;
    }
    load_persisted_time();
    if ((rc = tls_identity_load(&tls.id, tls.ks, ipv4, tls_time_best(NULL))) < 0)
        goto out;
    /* We issued the stored certificate, so its notBefore (midnight of that day) has passed too. */
    tls_time_raise_floor(tls.id.not_before);
    if ((rc = configure()) < 0)
        goto out;
    check_identity(); /* renews a stored certificate that is stale before anyone sees it */
    log_line("tls: device certificate SHA-256 fingerprint %s", tls.id.fingerprint);
    tls.started = 1;
    tls.loop = loop;
    tls_stream_init(loop);
    timer_arm(&loop->timers, &tls.check_timer, hearth_plat_monotonic_ns() + CHECK_PERIOD_NS, CHECK_PERIOD_NS,
              on_check, NULL);
    maybe_print_cert(cmdline);
out:
    if (rc < 0)
        log_line("tls: not started (%s): no TLS services on this boot", hearth_strerror(rc));
    return rc;
}

const char *tls_fingerprint(void)
{
    return tls.started ? tls.id.fingerprint : NULL;
}

const char *tls_spki_pin(void)
{
    return tls.started ? tls.id.spki_pin : NULL;
}

int tls_crl(const uint8_t **der, size_t *len)
{
    if (!tls.started)
        return -HEARTH_ENOTCONN;
    int64_t now = tls_time_best(NULL);
    if (tls.crl_len == 0 || now < tls.crl_this_update || now - tls.crl_this_update >= CRL_REFRESH_S) {
        const mbedtls_x509_crt *crt = tls_identity_crt(&tls.id);
        int64_t this_update = now - now % 3600; /* the hour: clients a little behind accept it too */
        uint64_t number = (uint64_t)this_update > tls.crl_number ? (uint64_t)this_update : tls.crl_number + 1;
        struct tls_crl_params p = {.issuer = crt->subject_raw.p,
                                   .issuer_len = crt->subject_raw.len,
                                   .key_id = tls.id.key_id,
                                   .this_update = this_update,
                                   .next_update = this_update + CRL_VALID_S,
                                   .number = number};
        size_t n = 0;
        int rc = tls_crl_write(&p, &tls.id.key, tls_entropy_random, NULL, tls.crl, sizeof(tls.crl), &n);
        if (rc < 0)
            return rc;
        memmove(tls.crl, tls.crl + sizeof(tls.crl) - n, n);
        tls.crl_len = n;
        tls.crl_this_update = this_update;
        tls.crl_number = number;
    }
    *der = tls.crl;
    *len = tls.crl_len;
    return 0;
}

int tls_certificate_pem(char *buf, size_t cap)
{
    return tls.started ? tls_identity_pem(&tls.id, buf, cap) : -HEARTH_ENOTCONN;
}

int tls_random(void *buf, size_t len)
{
    if (!tls.started)
        return -HEARTH_ENOTCONN;
    return tls_entropy_random(NULL, buf, len) == 0 ? 0 : -HEARTH_EIO;
}
