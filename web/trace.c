/* SPDX-License-Identifier: ISC */
/* GET /api/trace: the trace ring as Chrome/Perfetto trace-event JSON (load it in ui.perfetto.dev). */
#include "trace.h"
#include "web.h"

#include <stdlib.h>

/*
 * The document is built whole on the heap, then copied by http_respond: a ring of a few hundred events
 * (the Xen boards) costs a few hundred KiB for a moment, and the ring cannot change in between because
 * the loop runs one callback at a time. Authentication is the router's business, not this handler's.
 */
void web_trace(struct http_exchange *x, void *arg)
{
    (void)arg;
    uint32_t len = trace_json(NULL, 0);
    char *doc = malloc((size_t)len + 1);
    if (!doc) {
        http_respond_error(x, 503);
        return;
    }
    if (trace_json(doc, len + 1) != len) {
        free(doc); /* cannot happen: nothing records between the two calls */
        http_respond_error(x, 500);
        return;
    }
    http_respond(x, 200, "application/json", "Cache-Control: no-store\r\n", doc, len, 1);
    free(doc);
}
