/* SPDX-License-Identifier: ISC */
/* libFuzzer target for the HTTP client's response parser, fed in pieces the way a connection feeds it. */
#include "http_response.h"

#include <hearth/err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, int rc)
{
    fprintf(stderr, "http_response: rc %d: %s\n", rc, what);
    abort();
}

/* The first byte picks the piece size and HEAD; the rest is the server's bytes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct http_response r;
    static uint8_t body[512];
    if (size == 0)
        return 0;
    size_t step = (data[0] & 0x7f) + 1;
    int head = data[0] >> 7;
    data++;
    size--;
    http_response_init(&r, body, sizeof(body), head);
    size_t off = 0;
    int rc = 0;
    while (off < size) {
        size_t n = size - off < step ? size - off : step, used = 0;
        rc = http_response_feed(&r, data + off, n, &used);
        if (used > n)
            fail("took more than offered", rc);
        if (rc == 0 && used != n)
            fail("wants more but left bytes", rc);
        off += used;
        if (rc != 0)
            break;
    }
    if (rc == 0)
        rc = http_response_eof(&r);
    if (rc != 0 && rc != 1 && rc != -HEARTH_EPROTO && rc != -HEARTH_EOVERFLOW)
        fail("undocumented result", rc);
    if (r.body_len > sizeof(body))
        fail("body beyond its buffer", rc);
    if (rc == 1 && (r.status < 200 || r.status > 599))
        fail("complete with a non-final status", rc);
    if (rc == 1 && r.framing == HTTP_RESP_LENGTH && r.body_len != r.content_length)
        fail("complete before Content-Length", rc);
    return 0;
}
