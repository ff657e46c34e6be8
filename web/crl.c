/* SPDX-License-Identifier: ISC */
/* GET /crl.der on port 80: the device's signed CRL, the one thing served in the clear (RFC 5280 wants http).
 */
#include "web.h"

static web_crl_source_fn crl_source;

void web_set_crl_source(web_crl_source_fn fn)
{
    crl_source = fn;
}

void web_crl(struct http_exchange *x, void *arg)
{
    const uint8_t *der = NULL;
    size_t len = 0;
    (void)arg;
    /* Signed data that anyone may fetch: integrity comes from the signature, so plain HTTP is right. */
    if (!crl_source || crl_source(&der, &len) < 0) {
        http_respond_error(x, 503);
        return;
    }
    http_respond(x, 200, "application/pkix-crl", "Cache-Control: max-age=3600\r\n", der, len, 1);
}
