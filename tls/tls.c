/* SPDX-License-Identifier: ISC */
/* tls_start: entropy, key storage and device identity, then one server configuration for every listener. */
#include "tls.h"

#include "cmdline.h"
#include "tls_entropy.h"
#include "tls_identity.h"
#include "tls_keyslot.h"
#include "tls_priv.h"
#include "tls_time.h"

#include "disk.h"
#include "log.h"

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

static struct {
    int started;
    struct hearth_blkdev *dev;
    struct tls_keyslot slots;
    struct tls_identity id;
    mbedtls_ssl_config conf;
    mbedtls_ssl_ticket_context tickets;
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
    if (mbedtls_ssl_conf_own_cert(c, &tls.id.crt, &tls.id.key) != 0)
        return -HEARTH_ENOMEM;
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
    struct tls_keyslot *ks = open_slots(cmdline);
    if ((rc = tls_entropy_start(ks)) < 0)
        goto out;
    if (psa_crypto_init() != PSA_SUCCESS) {
        rc = -HEARTH_EIO;
        goto out;
    }
    if ((rc = tls_identity_load(&tls.id, ks, ipv4)) < 0)
        goto out;
    if ((rc = configure()) < 0)
        goto out;
    tls.started = 1;
    tls_stream_init(loop);
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
