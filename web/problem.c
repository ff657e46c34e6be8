/* SPDX-License-Identifier: ISC */
/* API error answers that say what was wrong: the status, a detail, and for bodies the index and field. */
#include "web.h"

#include "json.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int web_problem(struct http_exchange *x, int status, const char *extra_headers, int index, const char *field,
                const char *fmt, ...)
{
    char detail[256], body[512];
    struct json_out o;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    json_out_init(&o, body, sizeof(body));
    json_out_raw(&o, "{\"error\":\"%s\",\"status\":%d,\"detail\":", http_reason(status), status);
    json_out_str(&o, detail, strlen(detail));
    if (index >= 0)
        json_out_raw(&o, ",\"index\":%d", index);
    if (field) {
        json_out_raw(&o, ",\"field\":");
        json_out_str(&o, field, strlen(field));
    }
    json_out_raw(&o, "}\n");
    if (!json_out_ok(&o))
        return http_respond_error(x, status);
    return http_respond(x, status, "application/json", extra_headers, body, o.len, 1);
}

int web_is_json(const struct http_exchange *x)
{
    const char *ct = http_header_value(http_request_of(x), "Content-Type");
    static const char want[] = "application/json";
    if (!ct || strncasecmp(ct, want, sizeof(want) - 1) != 0)
        return 0;
    ct += sizeof(want) - 1;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return *ct == '\0' || *ct == ';'; /* parameters such as "; charset=utf-8" are fine */
}
