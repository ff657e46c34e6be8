/* SPDX-License-Identifier: ISC */
/* TEST HOOK, off unless booted with httpclient.test=<url>: one POST through http_client for system tests. */
#include "http_client.h"

#include "cmdline.h"
#include "log.h"
#include "netstack.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <mbedtls/base64.h>
#include <mbedtls/pem.h>
#include <string.h>

/*
 * Boot arguments (tests/system/test_http_client_hosted.py):
 *   httpclient.test=https://host[:port]/path   POST HTTP_CLIENT_TEST_BODY there once the network is up
 *   httpclient.test.ca=<base64 of a DER CA certificate>   trust anchor, or
 *   httpclient.test.pin=<64 hex digits>                   SHA-256 of the server certificate (DER)
 *   httpclient.test.timeout_ms=<n>                        default 10000
 * The console gets "httpclient.test: <status> <body>" or "httpclient.test: failed: <reason>". Nothing
 * here runs without httpclient.test=, so production boots never open an outbound connection from it.
 */
#define HTTP_CLIENT_TEST_BODY "{\"hearth\":\"http_client test\",\"n\":1}"
#define UP_POLL_NS 100000000ull
#define UP_WAIT_NS (30 * 1000000000ull)

static struct {
    struct loop *loop;
    struct timer timer;
    uint64_t give_up_ns, timeout_ns;
    char url[256];
    char pem[2048];
    uint8_t pin[32];
    int pinned;
} hook;

static void on_done(void *arg, int rc, const struct http_client_response *resp)
{
    (void)arg;
    if (rc < 0)
        log_line("httpclient.test: failed: %s", hearth_strerror(rc));
    else
        log_line("httpclient.test: %d %.*s", resp->status, (int)(resp->body_len > 200 ? 200 : resp->body_len),
                 (const char *)resp->body);
}

static void send_once(struct timer *t, void *arg)
{
    (void)arg;
    if (!netstack_is_up() && hearth_plat_monotonic_ns() < hook.give_up_ns)
        return; /* the periodic timer asks again */
    timer_cancel(&hook.loop->timers, t);
    struct http_client_request req = {.method = "POST",
                                      .url = hook.url,
                                      .content_type = "application/json",
                                      .headers = "X-Hearth-Test: 1\r\n",
                                      .body = HTTP_CLIENT_TEST_BODY,
                                      .body_len = strlen(HTTP_CLIENT_TEST_BODY),
                                      .ca_pem = hook.pinned ? NULL : hook.pem,
                                      .pin_sha256 = hook.pinned ? hook.pin : NULL,
                                      .timeout_ns = hook.timeout_ns};
    int rc = http_client_send(hook.loop, &req, on_done, NULL);
    if (rc < 0)
        log_line("httpclient.test: failed: %s", hearth_strerror(rc));
}

static int hex_pin(const char *s, uint8_t out[32])
{
    for (int i = 0; i < 64; i++) {
        char c = s[i];
        int v = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (v < 0)
            return -HEARTH_EINVAL;
        out[i / 2] = (uint8_t)(i % 2 ? out[i / 2] | v : v << 4);
    }
    return s[64] == '\0' ? 0 : -HEARTH_EINVAL;
}

/* The base64 DER from the command line as PEM, which is what http_client takes. */
static int ca_from_base64(const char *b64)
{
    static uint8_t der[1536];
    size_t der_len = 0, olen = 0;
    if (mbedtls_base64_decode(der, sizeof(der), &der_len, (const unsigned char *)b64, strlen(b64)) != 0 ||
        mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n", der, der_len,
                                 (unsigned char *)hook.pem, sizeof(hook.pem), &olen) != 0)
        return -HEARTH_EINVAL;
    return 0;
}

void http_client_test_hook(struct loop *loop, const char *cmdline)
{
    static char arg[1024];
    uint64_t ms = 10000;
    if (cmdline_get(cmdline, "httpclient.test", hook.url, sizeof(hook.url)) <= 0)
        return;
    log_line("httpclient.test: TEST HOOK active: one POST to %s", hook.url);
    if (cmdline_get(cmdline, "httpclient.test.pin", arg, sizeof(arg)) > 0) {
        if (hex_pin(arg, hook.pin) < 0) {
            log_line("httpclient.test: failed: bad httpclient.test.pin (64 hex digits)");
            return;
        }
        hook.pinned = 1;
    } else if (cmdline_get(cmdline, "httpclient.test.ca", arg, sizeof(arg)) <= 0 || ca_from_base64(arg) < 0) {
        log_line(
            "httpclient.test: failed: give httpclient.test.ca=<base64 DER> or httpclient.test.pin=<hex>");
        return;
    }
    cmdline_get_u64(cmdline, "httpclient.test.timeout_ms", &ms);
    hook.loop = loop;
    hook.timeout_ns = ms * 1000000ull;
    hook.give_up_ns = hearth_plat_monotonic_ns() + UP_WAIT_NS;
    timer_arm(&loop->timers, &hook.timer, hearth_plat_monotonic_ns() + UP_POLL_NS, UP_POLL_NS, send_once,
              NULL);
}
