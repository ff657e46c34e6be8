/* SPDX-License-Identifier: ISC */
/* Serves the asset bundle: ETag revalidation (304) and gzip when the client accepts it. */
#include "assets.h"
#include "web.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

const struct web_asset *web_asset_find(const char *path)
{
    if (strcmp(path, "/") == 0)
        path = "/index.html";
    for (unsigned i = 0; i < web_asset_count; i++)
        if (strcmp(web_assets[i].path, path) == 0)
            return &web_assets[i];
    return NULL;
}

/* Whether an Accept-Encoding value accepts gzip: listed, and not with a zero quality ("q=0", "q=0.0"). */
static int accepts_gzip(const char *value)
{
    for (const char *p = value; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, "gzip", 4) != 0 || (p[4] && p[4] != ',' && p[4] != ';' && p[4] != ' '))
            continue;
        const char *q = strstr(p, "q=");
        const char *end = strchr(p, ',');
        if (!q || (end && q > end))
            return 1;
        q += 2;
        if (*q != '0')
            return 1;
        for (q++; *q == '.' || *q == '0'; q++)
            ;
        return *q >= '1' && *q <= '9';
    }
    return 0;
}

void web_static(struct http_exchange *x, void *arg)
{
    (void)arg;
    const struct http_request *req = http_request_of(x);
    const struct web_asset *a = web_asset_find(http_path(x));
    if (!a || (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)) {
        http_respond_error(x, a ? 405 : 404);
        return;
    }
    char headers[256];
    const char *inm = http_header_value(req, "If-None-Match");
    if (inm && (strcmp(inm, a->etag) == 0 || strcmp(inm, "*") == 0)) {
        snprintf(headers, sizeof(headers), "ETag: %s\r\nCache-Control: no-cache\r\n", a->etag);
        http_respond(x, 304, NULL, headers, NULL, 0, 0);
        return;
    }
    const char *ae = http_header_value(req, "Accept-Encoding");
    int gz = a->gz && ae && accepts_gzip(ae);
    /* No framing by other sites: the login page and the dashboard must not be clickjacked. */
    snprintf(headers, sizeof(headers),
             "ETag: %s\r\nCache-Control: no-cache\r\nVary: Accept-Encoding\r\n"
             "Content-Security-Policy: frame-ancestors 'none'\r\n%s",
             a->etag, gz ? "Content-Encoding: gzip\r\n" : "");
    http_respond(x, 200, a->content_type, headers, gz ? a->gz : a->data, gz ? a->gz_len : a->len, 0);
}
