/* SPDX-License-Identifier: ISC */
/* Port 80: every request is sent to the same place over HTTPS, nothing is served in the clear. */
#include "web.h"

#include <stdio.h>
#include <string.h>

/* A Host value we are willing to echo into a Location header: a DNS name or IPv4, optional port. */
static int host_is_safe(const char *host)
{
    size_t n = strlen(host);
    if (n == 0 || n > 253)
        return 0;
    for (const char *p = host; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '-' || c == ':'))
            return 0;
    }
    return 1;
}

void web_redirect(struct http_exchange *x, void *arg)
{
    (void)arg;
    const struct http_request *req = http_request_of(x);
    char host[256], location[HTTP_MAX_TARGET + 320];
    snprintf(host, sizeof(host), "%s", req->host && host_is_safe(req->host) ? req->host : "hearth.local");
    char *colon = strchr(host, ':');
    if (colon)
        *colon = '\0'; /* the HTTPS port is the default one */
    /* The target was checked by the parser: no spaces or control bytes can reach the header. */
    const char *target = req->target && req->target[0] == '/' ? req->target : "/";
    snprintf(location, sizeof(location), "Location: https://%s%s\r\n", host, target);
    http_respond(x, 301, "text/plain; charset=utf-8", location, "Moved to HTTPS\n", 15, 0);
}
