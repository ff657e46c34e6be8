/* SPDX-License-Identifier: ISC */
/* The gateway's transport over the hub's outbound HTTPS client: one POST per push, certificates verified. */
#include "gateway.h"

#include "http_client.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>

struct https_call {
    gateway_done_fn done;
    void *arg;
    char headers[POLICY_TOKEN_MAX + 32]; /* "Authorization: Bearer <token>\r\n", or "" */
};

static void on_response(void *arg, int rc, const struct http_client_response *resp)
{
    struct https_call *c = arg;
    c->done(c->arg, rc, rc == 0 && resp ? resp->status : 0);
    free(c);
}

int gateway_https_transport(void *loop, const struct gateway_request *req, gateway_done_fn done, void *arg)
{
    struct https_call *c = malloc(sizeof(*c));
    if (!c)
        return -HEARTH_ENOMEM;
    *c = (struct https_call){.done = done, .arg = arg};
    if (req->bearer)
        snprintf(c->headers, sizeof(c->headers), "Authorization: Bearer %s\r\n", req->bearer);
    /* The request's buffers belong to the gateway's attempt, which lives until done is called. */
    struct http_client_request r = {.method = "POST",
                                    .url = req->url,
                                    .content_type = "application/json",
                                    .headers = c->headers[0] ? c->headers : NULL,
                                    .body = req->body,
                                    .body_len = req->body_len,
                                    /* A policy may name both; the exact pin is the stricter check. */
                                    .ca_pem = req->pin_sha256 ? NULL : req->ca_pem,
                                    .pin_sha256 = req->pin_sha256,
                                    .timeout_ns = req->timeout_ns};
    int rc = http_client_send(loop, &r, on_response, c);
    if (rc < 0)
        free(c);
    return rc;
}
