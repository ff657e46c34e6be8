/* SPDX-License-Identifier: ISC */
/* tls_connect: a per-connection client configuration (trust anchor or pin), verification and its errors. */
#include "tls_client.h"

#include "log.h"
#include "tls_entropy.h"
#include "tls_format.h"
#include "tls_identity.h"
#include "tls_priv.h"

#include <hearth/err.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509.h>
#include <stdio.h>
#include <string.h>

struct tls_client {
    int used;
    mbedtls_ssl_config conf; /* per connection: the trust anchor and callbacks differ */
    mbedtls_x509_crt ca;
    uint8_t pin[32];
    int pinned;
    int ip_host;   /* host is an IPv4 literal: checked against IP subjectAltNames by verify() */
    uint8_t ip[4]; /* that address */
    int pin_failed, ip_failed;
    char host[TLS_CLIENT_HOST_MAX + 1];
    uint16_t port;
    char seen[TLS_FINGERPRINT_TEXT]; /* the server certificate's SHA-256, for the error line */
    hearth_stream_connect_fn done;
    void *arg;
};

static struct tls_client clients[TLS_CLIENT_MAX];

/* TLS 1.3 suites, then TLS 1.2 ECDHE with ECDSA or RSA certificates, AEAD only. */
static const int client_suites[] = {
    MBEDTLS_TLS1_3_AES_128_GCM_SHA256,
    MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS1_3_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    0,
};
static const uint16_t client_groups[] = {
    MBEDTLS_SSL_IANA_TLS_GROUP_X25519, MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
    MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1, MBEDTLS_SSL_IANA_TLS_GROUP_NONE};
static const uint16_t client_sig_algs[] = {MBEDTLS_TLS1_3_SIG_ECDSA_SECP256R1_SHA256,
                                           MBEDTLS_TLS1_3_SIG_ECDSA_SECP384R1_SHA384,
                                           MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA256,
                                           MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA384,
                                           MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA256,
                                           MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA384,
                                           MBEDTLS_TLS1_3_SIG_NONE};

/* Whether crt names the IPv4 address ip in an IP subjectAltName. */
static int has_ip(const mbedtls_x509_crt *crt, const uint8_t ip[4])
{
    for (const mbedtls_x509_sequence *cur = &crt->subject_alt_names; cur; cur = cur->next) {
        mbedtls_x509_subject_alternative_name san;
        if (mbedtls_x509_parse_subject_alt_name(&cur->buf, &san) != 0)
            continue;
        int match = san.type == MBEDTLS_X509_SAN_IP_ADDRESS && san.san.unstructured_name.len == 4 &&
                    memcmp(san.san.unstructured_name.p, ip, 4) == 0;
        mbedtls_x509_free_subject_alt_name(&san);
        if (match)
            return 1;
    }
    return 0;
}

/*
 * Mbed TLS's per-certificate verification callback, top of the chain first, the server's own last
 * (depth 0). With a pin, only the leaf's exact bytes count: other flags are cleared, a mismatch aborts
 * the handshake. With a CA and an IP literal host, the name check is ours (no SNI was sent).
 */
static int verify(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    struct tls_client *cl = arg;
    uint8_t hash[32];
    if (depth > 0) {
        if (cl->pinned)
            *flags = 0;
        return 0;
    }
    if (mbedtls_sha256(crt->raw.p, crt->raw.len, hash, 0) == 0)
        tls_format_fingerprint(hash, sizeof(hash), cl->seen, sizeof(cl->seen));
    if (cl->pinned) {
        if (memcmp(hash, cl->pin, sizeof(hash)) == 0) {
            *flags = 0;
            return 0;
        }
        cl->pin_failed = 1;
        *flags |= MBEDTLS_X509_BADCERT_NOT_TRUSTED;
        return MBEDTLS_ERR_X509_FATAL_ERROR; /* authmode is optional for pins: this is what aborts */
    }
    if (cl->ip_host && !has_ip(crt, cl->ip)) {
        cl->ip_failed = 1;
        *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
    }
    return 0;
}

static int configure(struct tls_client *cl)
{
    mbedtls_ssl_config *c = &cl->conf;
    if (mbedtls_ssl_config_defaults(c, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0)
        return -HEARTH_ENOMEM;
    mbedtls_ssl_conf_rng(c, tls_entropy_random, NULL);
    mbedtls_ssl_conf_min_tls_version(c, MBEDTLS_SSL_VERSION_TLS1_2);
    mbedtls_ssl_conf_max_tls_version(c, MBEDTLS_SSL_VERSION_TLS1_3);
    mbedtls_ssl_conf_ciphersuites(c, client_suites);
    mbedtls_ssl_conf_groups(c, client_groups);
    mbedtls_ssl_conf_sig_algs(c, client_sig_algs);
    mbedtls_ssl_conf_verify(c, verify, cl);
    if (cl->pinned) {
        /* No trust anchor: Mbed TLS's chain check cannot succeed, and the pin in verify() decides. */
        mbedtls_ssl_conf_authmode(c, MBEDTLS_SSL_VERIFY_OPTIONAL);
    } else {
        mbedtls_ssl_conf_authmode(c, MBEDTLS_SSL_VERIFY_REQUIRED);
        mbedtls_ssl_conf_ca_chain(c, &cl->ca, NULL);
    }
    return 0;
}

static void free_client(struct tls_client *cl)
{
    mbedtls_ssl_config_free(&cl->conf);
    mbedtls_x509_crt_free(&cl->ca);
    memset(cl, 0, sizeof(*cl));
}

int tls_connect(const uint8_t addr[4], uint16_t port, const struct tls_client_opts *opts, uint64_t timeout_ns,
                hearth_stream_connect_fn done, void *arg)
{
    struct tls_client *cl = NULL;
    int rc;
    if (!opts || !opts->host || !opts->host[0] || strlen(opts->host) > TLS_CLIENT_HOST_MAX || !done ||
        !!opts->ca_pem == !!opts->pin_sha256 || timeout_ns == 0)
        return -HEARTH_EINVAL;
    for (unsigned i = 0; i < TLS_CLIENT_MAX && !cl; i++)
        if (!clients[i].used)
            cl = &clients[i];
    if (!cl)
        return -HEARTH_ENOMEM;
    memset(cl, 0, sizeof(*cl));
    cl->used = 1;
    mbedtls_ssl_config_init(&cl->conf);
    mbedtls_x509_crt_init(&cl->ca);
    snprintf(cl->host, sizeof(cl->host), "%s", opts->host);
    cl->port = port;
    cl->done = done;
    cl->arg = arg;
    cl->ip_host = tls_format_parse_ipv4(opts->host, cl->ip) == 0;
    if (opts->pin_sha256) {
        memcpy(cl->pin, opts->pin_sha256, sizeof(cl->pin));
        cl->pinned = 1;
    } else if (mbedtls_x509_crt_parse(&cl->ca, (const unsigned char *)opts->ca_pem,
                                      strlen(opts->ca_pem) + 1) < 0 ||
               cl->ca.raw.len == 0) {
        /* A positive return means some certificates parsed: those are used, the rest ignored. */
        free_client(cl);
        return -HEARTH_EBADMSG;
    }
    if ((rc = configure(cl)) < 0) {
        free_client(cl);
        return rc;
    }
    /* An IP literal must not go into SNI (RFC 6066); its name check is verify()'s. */
    rc = tls_stream_connect(addr, port, &cl->conf, cl->ip_host ? NULL : cl->host, timeout_ns, cl);
    if (rc < 0)
        free_client(cl);
    return rc;
}

/* The verification flags in words, for the console line. */
static void describe_flags(uint32_t flags, char *out, size_t cap)
{
    static const struct {
        uint32_t bit;
        const char *what;
    } names[] = {
        {MBEDTLS_X509_BADCERT_NOT_TRUSTED, "not signed by the pinned CA"},
        {MBEDTLS_X509_BADCERT_CN_MISMATCH, "name mismatch"},
        {MBEDTLS_X509_BADCERT_EXPIRED, "expired"},
        {MBEDTLS_X509_BADCERT_FUTURE, "not yet valid"},
        {MBEDTLS_X509_BADCERT_EXT_KEY_USAGE, "not for TLS servers (extended key usage)"},
        {MBEDTLS_X509_BADCERT_KEY_USAGE, "wrong key usage"},
        {MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK | MBEDTLS_X509_BADCERT_BAD_KEY,
         "unacceptable algorithm or key"},
    };
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(flags & names[i].bit) || used >= cap)
            continue;
        int n = snprintf(out + used, cap - used, "%s%s", used ? ", " : "", names[i].what);
        if (n > 0)
            used += (size_t)n;
    }
    if (!used)
        snprintf(out, cap, "flags 0x%08lx", (unsigned long)flags);
}

int tls_client_result(struct tls_client *cl, const mbedtls_ssl_context *ssl, int err, int mbedtls_err)
{
    char why[160];
    uint32_t flags = ssl ? mbedtls_ssl_get_verify_result(ssl) : 0;
    if (err == 0 && ssl && flags == 0 && !cl->pin_failed && !cl->ip_failed)
        return 0;
    if (cl->pin_failed) {
        log_line("tls: %s:%u rejected: certificate SHA-256 %s is not the pinned one", cl->host,
                 (unsigned)cl->port, cl->seen);
        return -HEARTH_EKEYREJECTED;
    }
    if (ssl && (mbedtls_err == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || (err == 0 && flags))) {
        describe_flags(flags, why, sizeof(why));
        log_line("tls: %s:%u rejected: certificate %s (%s)", cl->host, (unsigned)cl->port, cl->seen, why);
        return -HEARTH_EKEYREJECTED;
    }
    if (mbedtls_err)
        log_line("tls: %s:%u handshake failed (Mbed TLS error -0x%04x)", cl->host, (unsigned)cl->port,
                 (unsigned)-mbedtls_err);
    else
        log_line("tls: %s:%u connection failed (%s)", cl->host, (unsigned)cl->port, hearth_strerror(err));
    return err < 0 ? err : -HEARTH_ECONNABORTED;
}

void tls_client_done(struct tls_client *cl, struct hearth_stream *s, int err)
{
    cl->done(s, err, cl->arg);
}

void tls_client_release(struct tls_client *cl)
{
    free_client(cl);
}
