/* SPDX-License-Identifier: ISC */
/* Strict HTTP/1.1 request-head parsing and chunked-body decoding, safe against smuggling shapes. */
#ifndef SERVICES_HTTP_PARSE_H
#define SERVICES_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEAD 8192 /* request line + headers, bytes */
#define HTTP_MAX_HEADERS 48
#define HTTP_MAX_TARGET 2048

struct http_header {
    const char *name, *value; /* NUL-terminated, inside the caller's head buffer */
};

enum http_body_kind { HTTP_BODY_NONE, HTTP_BODY_LENGTH, HTTP_BODY_CHUNKED };

struct http_request {
    const char *method, *target; /* NUL-terminated, inside the head buffer */
    int version_minor;           /* HTTP/1.<minor>: 0 or 1 */
    unsigned header_count;
    struct http_header headers[HTTP_MAX_HEADERS];
    enum http_body_kind body_kind;
    uint64_t content_length; /* for HTTP_BODY_LENGTH */
    int keep_alive;          /* the connection may carry another request after this one */
    const char *host;        /* the Host header's value (required for HTTP/1.1) */
};

/*
 * Finds the end of a request head in buf[0, len): returns the head's length including the final
 * CRLFCRLF, 0 when more bytes are needed, or a negative HTTP status (-431 when no end within
 * HTTP_MAX_HEAD bytes, -400 for a bare LF or a NUL byte).
 */
int http_head_length(const uint8_t *buf, size_t len);

/*
 * Parses a complete head of head_len bytes in place (it writes NULs into head), filling *req.
 * Returns 0 or a negative HTTP status for the answer the server must give before closing:
 * -400 malformed (including obs-fold, whitespace before a colon, Content-Length together with
 * Transfer-Encoding, repeated or invalid Content-Length, missing or repeated Host on HTTP/1.1),
 * -414 target too long, -431 too many headers, -501 unsupported transfer coding, -505 version,
 * -413 a Content-Length above max_body.
 */
int http_parse_head(char *head, size_t head_len, uint64_t max_body, struct http_request *req);

/* The value of header name (case-insensitive), or NULL. */
const char *http_header_value(const struct http_request *req, const char *name);

/* Incremental chunked-body decoder (RFC 9112 section 7.1); trailers are read and discarded. */
struct http_chunked {
    int state;
    uint64_t chunk_left, total, max_body;
    unsigned line_len; /* bytes of the current size/trailer line, bounded */
};

void http_chunked_init(struct http_chunked *c, uint64_t max_body);

/*
 * Decodes from in[0, in_len) into out (out_cap bytes). Sets *in_used and *out_len.
 * Returns 1 when the body is complete (the bytes after it belong to the next request), 0 when more
 * input is needed, or a negative HTTP status: -400 malformed, -413 body above max_body.
 */
int http_chunked_decode(struct http_chunked *c, const uint8_t *in, size_t in_len, size_t *in_used,
                        uint8_t *out, size_t out_cap, size_t *out_len);

#endif
