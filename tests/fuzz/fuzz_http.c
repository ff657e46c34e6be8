/* SPDX-License-Identifier: ISC */
/* libFuzzer target for the HTTP request parser and chunked decoder, fed the way a connection feeds them. */
#include "http_parse.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, int rc)
{
    fprintf(stderr, "http: rc %d: %s\n", rc, what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int head = http_head_length(data, size);
    if (head < 0 && head != -400 && head != -431)
        fail("http_head_length: undocumented status", head);
    if (head > 0) {
        if ((size_t)head > size || head > HTTP_MAX_HEAD)
            fail("head length beyond the input", head);
        char *copy = malloc((size_t)head);
        memcpy(copy, data, (size_t)head);
        struct http_request req;
        int rc = http_parse_head(copy, (size_t)head, 1 << 20, &req);
        if (rc != 0 && rc != -400 && rc != -413 && rc != -414 && rc != -431 && rc != -501 && rc != -505)
            fail("http_parse_head: undocumented status", rc);
        if (rc == 0) {
            /* Every string the parser hands out must lie inside the copy and be terminated there. */
            if (!req.method || !req.target || strlen(req.method) >= (size_t)head)
                fail("request line pointers", rc);
            if (req.version_minor > 1 || (req.version_minor == 1 && !req.host))
                fail("HTTP/1.1 accepted without a Host header, or an unknown version", rc);
            if (req.body_kind == HTTP_BODY_LENGTH && req.content_length == 0)
                fail("a zero Content-Length reported as a body", rc);
        }
        free(copy);
    }
    /* The same bytes as a chunked body, in two pieces with a tiny output buffer. */
    struct http_chunked c;
    uint8_t out[7];
    size_t used, produced, off = 0, total = 0;
    int rc = 0;
    http_chunked_init(&c, 4096);
    while (off < size && rc == 0) {
        size_t piece = (size - off) > 3 ? (size - off) / 2 : size - off;
        rc = http_chunked_decode(&c, data + off, piece, &used, out, sizeof(out), &produced);
        if (used > piece || produced > sizeof(out))
            fail("chunked decoder overran its buffers", rc);
        if (used == 0 && produced == 0 && rc == 0)
            break; /* needs more than this input has */
        off += used;
        total += produced;
    }
    if (rc != 0 && rc != 1 && rc != -400 && rc != -413)
        fail("http_chunked_decode: undocumented status", rc);
    if (total > 4096)
        fail("chunked body beyond max_body", rc);
    return 0;
}
