/* SPDX-License-Identifier: ISC */
/* HTTP/1.1 response parsing: the head in a bounded buffer, then a body by length, chunks, or until close. */
#include "http_response.h"

#include <hearth/err.h>
#include <string.h>
#include <strings.h>

enum { ST_HEAD, ST_BODY, ST_DONE, ST_FAILED };

void http_response_init(struct http_response *r, uint8_t *body, size_t body_cap, int head_request)
{
    memset(r, 0, offsetof(struct http_response, head));
    r->body = body;
    r->body_cap = body_cap;
    r->head_request = head_request;
}

static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* "HTTP/1.x SSS[ reason]": the reason phrase may be empty or absent, and is not interpreted. */
static int parse_status_line(const char *line, struct http_response *r)
{
    if (strncmp(line, "HTTP/1.", 7) != 0 || (line[7] != '0' && line[7] != '1') || line[8] != ' ')
        return -HEARTH_EPROTO;
    const char *d = line + 9;
    if (!(d[0] >= '1' && d[0] <= '5' && d[1] >= '0' && d[1] <= '9' && d[2] >= '0' && d[2] <= '9'))
        return -HEARTH_EPROTO;
    if (d[3] != '\0' && d[3] != ' ')
        return -HEARTH_EPROTO;
    for (const char *p = d + 3; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\t')
            return -HEARTH_EPROTO;
    r->version_minor = line[7] - '0';
    r->status = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
    return 0;
}

/* Content-Length: 1*DIGIT, no sign, no list, no overflow. */
static int parse_length(const char *v, uint64_t *out)
{
    uint64_t n = 0;
    if (!*v)
        return -HEARTH_EPROTO;
    for (; *v; v++) {
        if (*v < '0' || *v > '9' || n > (UINT64_MAX - 9) / 10)
            return -HEARTH_EPROTO;
        n = n * 10 + (uint64_t)(*v - '0');
    }
    *out = n;
    return 0;
}

/* One "Name: value" line (NUL-terminated, CRLF removed); records the framing headers. */
static int parse_header(char *line, int *have_length, uint64_t *length, int *chunked)
{
    char *colon = strchr(line, ':');
    if (!colon || colon == line)
        return -HEARTH_EPROTO;
    for (char *p = line; p < colon; p++)
        if (!is_tchar((unsigned char)*p)) /* also refuses whitespace before the colon and obs-fold */
            return -HEARTH_EPROTO;
    *colon = '\0';
    char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    char *end = v + strlen(v);
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        *--end = '\0';
    for (char *p = v; *p; p++)
        if (((unsigned char)*p < 0x20 && *p != '\t') || (unsigned char)*p == 0x7f)
            return -HEARTH_EPROTO;
    if (strcasecmp(line, "Content-Length") == 0) {
        uint64_t n;
        if (parse_length(v, &n) < 0 || (*have_length && n != *length))
            return -HEARTH_EPROTO;
        *have_length = 1;
        *length = n;
    } else if (strcasecmp(line, "Transfer-Encoding") == 0) {
        if (strcasecmp(v, "chunked") != 0 || *chunked)
            return -HEARTH_EPROTO; /* no other coding is ever asked for, and chunked only once */
        *chunked = 1;
    }
    return 0;
}

/* Parses the complete head in r->head (head_len bytes, ending in CRLFCRLF). */
static int parse_head(struct http_response *r)
{
    char *p = r->head, *end = r->head + r->head_len - 2; /* the final empty line's CRLF */
    int have_length = 0, chunked = 0;
    uint64_t length = 0;
    unsigned headers = 0;
    char *eol = strstr(p, "\r\n");
    *eol = '\0';
    int rc = parse_status_line(p, r);
    if (rc < 0)
        return rc;
    for (p = eol + 2; p < end; p = eol + 2) {
        eol = strstr(p, "\r\n");
        *eol = '\0';
        if (++headers > HTTP_MAX_HEADERS)
            return -HEARTH_EOVERFLOW;
        if ((rc = parse_header(p, &have_length, &length, &chunked)) < 0)
            return rc;
    }
    if (have_length && chunked)
        return -HEARTH_EPROTO; /* two framings: which one a proxy believed is unknowable */
    if (r->status == 101)
        return -HEARTH_EPROTO;
    if (r->status < 200)
        return 0; /* interim: the caller goes on with the next head */
    if (r->head_request || r->status == 204 || r->status == 304) {
        r->framing = HTTP_RESP_NONE;
    } else if (chunked) {
        r->framing = HTTP_RESP_CHUNKED;
        http_chunked_init(&r->chunked, r->body_cap);
    } else if (have_length) {
        if (length > r->body_cap)
            return -HEARTH_EOVERFLOW;
        r->framing = HTTP_RESP_LENGTH;
        r->content_length = length;
    } else {
        r->framing = HTTP_RESP_UNTIL_CLOSE;
    }
    return 0;
}

/* Collects head bytes; returns 1 with *used set once a final head is parsed, 0 for more, or an error. */
static int feed_head(struct http_response *r, const uint8_t *data, size_t len, size_t *used)
{
    size_t room = HTTP_MAX_HEAD - r->head_len, take = len < room ? len : room;
    *used = 0;
    memcpy(r->head + r->head_len, data, take);
    int n = http_head_length((const uint8_t *)r->head, r->head_len + take);
    if (n == -431)
        return -HEARTH_EOVERFLOW;
    if (n < 0)
        return -HEARTH_EPROTO;
    if (n == 0) {
        r->head_len += take;
        *used = take;
        return 0;
    }
    *used = (size_t)n - r->head_len; /* the bytes of this chunk that belong to the head */
    r->head_len = (size_t)n;
    /* The final LF becomes the string's end; parse_head stops at the CR before it. No NUL is inside
     * (http_head_length refuses those), so string functions see exactly the head. */
    r->head[n - 1] = '\0';
    return 1;
}

static int feed_body(struct http_response *r, const uint8_t *data, size_t len, size_t *used)
{
    size_t out = 0;
    *used = 0;
    switch (r->framing) {
    case HTTP_RESP_NONE: *used = 0; return 1;
    case HTTP_RESP_LENGTH: {
        size_t want = (size_t)r->content_length - r->body_len, take = len < want ? len : want;
        memcpy(r->body + r->body_len, data, take);
        r->body_len += take;
        *used = take;
        return r->body_len == r->content_length;
    }
    case HTTP_RESP_CHUNKED: {
        int rc = http_chunked_decode(&r->chunked, data, len, used, r->body + r->body_len,
                                     r->body_cap - r->body_len, &out);
        r->body_len += out;
        if (rc == -413)
            return -HEARTH_EOVERFLOW;
        return rc < 0 ? -HEARTH_EPROTO : rc;
    }
    case HTTP_RESP_UNTIL_CLOSE:
        if (len > r->body_cap - r->body_len)
            return -HEARTH_EOVERFLOW;
        memcpy(r->body + r->body_len, data, len);
        r->body_len += len;
        *used = len;
        return 0;
    }
    return -HEARTH_EPROTO;
}

int http_response_feed(struct http_response *r, const uint8_t *data, size_t len, size_t *used)
{
    size_t total = 0, n = 0;
    int rc = 0;
    if (r->state == ST_DONE || r->state == ST_FAILED)
        return -HEARTH_EINVAL;
    while (rc >= 0) {
        if (r->state == ST_HEAD) {
            if (total == len)
                break;
            rc = feed_head(r, data + total, len - total, &n);
            total += n;
            if (rc != 1)
                continue;
            r->status = 0;
            if ((rc = parse_head(r)) < 0)
                break;
            r->head_len = 0;
            if (r->status < 200)
                continue; /* an interim response: the final one follows */
            r->state = ST_BODY;
        }
        rc = feed_body(r, data + total, len - total, &n);
        total += n;
        if (rc == 1)
            r->state = ST_DONE;
        break;
    }
    *used = total;
    if (rc < 0) {
        if (r->state == ST_HEAD)
            r->status = 0; /* not even a head: an interim response's status is no answer */
        r->state = ST_FAILED;
    }
    return rc;
}

int http_response_eof(struct http_response *r)
{
    if (r->state == ST_BODY && r->framing == HTTP_RESP_UNTIL_CLOSE) {
        r->state = ST_DONE;
        return 1;
    }
    r->state = ST_FAILED;
    return -HEARTH_EPROTO;
}
