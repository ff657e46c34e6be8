/* SPDX-License-Identifier: ISC */
/* Unit tests for the HTTP request parser and chunked decoder, from vector files plus split-input checks. */
#include "check.h"
#include "http_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void request_vector(char **f, int n, const char *where)
{
    char head[HTTP_MAX_HEAD + 1];
    struct http_request req;
    int want = atoi(f[1]);
    size_t len = strlen(f[0]);
    memcpy(head, f[0], len + 1);
    int rc = http_head_length((const uint8_t *)head, len);
    if (rc > 0) {
        check_record(rc == (int)len, where, 0, "head length covers the whole request");
        rc = http_parse_head(head, (size_t)rc, 1000, &req);
    } else if (rc == 0) {
        rc = -400; /* these vectors are complete: an unterminated head counts as malformed */
    }
    check_record(rc == want, where, 0, "parse result");
    if (rc != want)
        check_note("  got %d, want %d", rc, want);
    if (rc != 0 || want != 0 || n < 7)
        return;
    check_record(strcmp(req.method, f[2]) == 0, where, 0, "method");
    check_record(strcmp(req.target, f[3]) == 0, where, 0, "target");
    const char *kinds[] = {"none", "length", "chunked"};
    check_record(strcmp(kinds[req.body_kind], f[4]) == 0, where, 0, "body kind");
    check_record(req.content_length == strtoull(f[5], NULL, 10), where, 0, "content length");
    check_record(req.keep_alive == atoi(f[6]), where, 0, "keep-alive");
}

static void chunked_vector(char **f, int n, const char *where)
{
    if (n != 3) {
        check_record(0, where, 0, "vector has 3 fields");
        return;
    }
    struct http_chunked c;
    uint8_t out[128];
    size_t used, produced, total = 0;
    const uint8_t *in = (const uint8_t *)f[0];
    size_t left = strlen(f[0]);
    int rc;
    /* Feed one byte at a time: the decoder must not care where the network splits its input. */
    http_chunked_init(&c, 64);
    do {
        size_t step = left ? 1 : 0;
        rc = http_chunked_decode(&c, in, step, &used, out + total, sizeof(out) - total, &produced);
        total += produced;
        in += used;
        left -= used;
    } while (rc == 0 && left > 0);
    check_record(rc == atoi(f[1]), where, 0, "decode result");
    if (rc != atoi(f[1]))
        check_note("  got %d", rc);
    check_record(total == strlen(f[2]) && memcmp(out, f[2], total) == 0, where, 0, "decoded bytes");
}

static void test_head_length(void)
{
    const char *part = "GET / HTTP/1.1\r\nHost: h\r\n";
    CHECK_INT(http_head_length((const uint8_t *)part, strlen(part)), 0);
    uint8_t nul[] = "GET /\0 HTTP/1.1\r\n\r\n";
    CHECK_INT(http_head_length(nul, sizeof(nul) - 1), -400);
    static uint8_t big[HTTP_MAX_HEAD + 10];
    memset(big, 'a', sizeof(big));
    CHECK_INT(http_head_length(big, sizeof(big)), -431);
    CHECK_INT(http_head_length(big, 100), 0);
}

static void test_many_headers(void)
{
    char head[HTTP_MAX_HEAD];
    struct http_request req;
    int len = snprintf(head, sizeof(head), "GET / HTTP/1.1\r\nHost: h\r\n");
    for (int i = 0; i < HTTP_MAX_HEADERS; i++)
        len += snprintf(head + len, sizeof(head) - (size_t)len, "X-%d: v\r\n", i);
    len += snprintf(head + len, sizeof(head) - (size_t)len, "\r\n");
    CHECK_INT(http_parse_head(head, (size_t)len, 0, &req), -431);

    char target[HTTP_MAX_TARGET + 64];
    memset(target, 'a', sizeof(target));
    target[0] = '/';
    target[HTTP_MAX_TARGET + 1] = '\0';
    len = snprintf(head, sizeof(head), "GET %s HTTP/1.1\r\nHost: h\r\n\r\n", target);
    CHECK_INT(http_parse_head(head, (size_t)len, 0, &req), -414);
}

static void test_header_lookup(void)
{
    char head[] = "GET / HTTP/1.1\r\nHost: h\r\nCookie: a=b\r\n\r\n";
    struct http_request req;
    CHECK_INT(http_parse_head(head, strlen(head), 0, &req), 0);
    CHECK(http_header_value(&req, "cookie") && strcmp(http_header_value(&req, "cookie"), "a=b") == 0);
    CHECK(http_header_value(&req, "X-Missing") == NULL);
    CHECK(req.host && strcmp(req.host, "h") == 0);
}

static void test_chunked_output_backpressure(void)
{
    const char *body = "5\r\nhello\r\n0\r\n\r\nNEXT";
    struct http_chunked c;
    uint8_t out[2];
    size_t used, produced, off = 0;
    char got[16] = "";
    size_t have = 0;
    int rc;
    http_chunked_init(&c, 100);
    do {
        rc = http_chunked_decode(&c, (const uint8_t *)body + off, strlen(body) - off, &used, out, sizeof(out),
                                 &produced);
        memcpy(got + have, out, produced);
        have += produced;
        off += used;
    } while (rc == 0);
    CHECK_INT(rc, 1);
    CHECK(have == 5 && memcmp(got, "hello", 5) == 0);
    CHECK(strcmp(body + off, "NEXT") == 0); /* the next pipelined request is left untouched */
}

int main(void)
{
    CHECK(check_vectors("vectors/http_request.txt", 7, request_vector) >= 40);
    CHECK(check_vectors("vectors/http_chunked.txt", 3, chunked_vector) >= 15);
    test_head_length();
    test_many_headers();
    test_header_lookup();
    test_chunked_output_backpressure();
    return check_summary("http_parse");
}
