/* SPDX-License-Identifier: ISC */
/* Strict incremental HTTP/1.1 response parsing for the HTTP client: status line, headers, framed body. */
#ifndef SERVICES_HTTP_RESPONSE_H
#define SERVICES_HTTP_RESPONSE_H

#include "http_parse.h"

#include <stddef.h>
#include <stdint.h>

/*
 * Reads bytes from a server, so every limit is enforced while parsing: the head (status line and
 * headers) is at most HTTP_MAX_HEAD bytes and HTTP_MAX_HEADERS headers, the body at most the caller's
 * buffer. Lines end in CRLF only (a bare LF or a NUL is malformed); obs-fold, whitespace before a colon,
 * a Transfer-Encoding other than "chunked", Transfer-Encoding together with Content-Length, and
 * disagreeing Content-Length values are malformed. Interim 1xx responses are skipped (101 is malformed:
 * the client never asks to switch protocols). A body runs until Content-Length, the last chunk, or the
 * connection's end when neither is given; 204, 304 and answers to HEAD have none.
 */

enum http_response_framing { HTTP_RESP_NONE, HTTP_RESP_LENGTH, HTTP_RESP_CHUNKED, HTTP_RESP_UNTIL_CLOSE };

struct http_response {
    int status;        /* 100..599 once the final head is parsed, else 0 */
    int version_minor; /* HTTP/1.<minor> */
    enum http_response_framing framing;
    uint64_t content_length; /* for HTTP_RESP_LENGTH */
    uint8_t *body;           /* the caller's buffer: the decoded body so far */
    size_t body_len, body_cap;
    /* Internal. */
    int state;
    int head_request;
    size_t head_len;
    struct http_chunked chunked;
    char head[HTTP_MAX_HEAD];
};

/* Prepares r for one response into body (body_cap bytes). head_request: the request was HEAD. */
void http_response_init(struct http_response *r, uint8_t *body, size_t body_cap, int head_request);

/*
 * Feeds len bytes from the connection; *used gets how many were taken (bytes after a complete response
 * are left). Returns 1 when the response is complete, 0 when more bytes are needed, -HEARTH_EPROTO for a
 * malformed response, -HEARTH_EOVERFLOW when a limit is exceeded (head, header count, body), or
 * -HEARTH_EINVAL when called again after 1 or an error.
 */
int http_response_feed(struct http_response *r, const uint8_t *data, size_t len, size_t *used);

/*
 * The server closed the connection. Returns 1 when that completes the response (a body that runs until
 * the close), -HEARTH_EPROTO when the response was cut short (also a complete one is not re-reported).
 */
int http_response_eof(struct http_response *r);

#endif
