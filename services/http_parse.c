/* SPDX-License-Identifier: ISC */
/* HTTP/1.1 request parsing: CRLF only, token-checked names, one unambiguous body framing or none. */
#include "http_parse.h"

#include <string.h>
#include <strings.h>

int http_head_length(const uint8_t *buf, size_t len)
{
    size_t limit = len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD;
    for (size_t i = 0; i < limit; i++) {
        if (buf[i] == '\0')
            return -400;
        if (buf[i] != '\n')
            continue;
        /* Every LF must end a CRLF: a bare LF is how parsers are made to disagree. */
        if (i == 0 || buf[i - 1] != '\r')
            return -400;
        if (i >= 3 && buf[i - 2] == '\n' && buf[i - 3] == '\r')
            return (int)(i + 1);
    }
    return len >= HTTP_MAX_HEAD ? -431 : 0;
}

/* RFC 9110 tchar. */
static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Field values: visible characters, SP and HTAB; obs-text (>= 0x80) is tolerated as opaque bytes. */
static int is_field_char(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int parse_request_line(char *line, struct http_request *req)
{
    char *sp1 = strchr(line, ' ');
    if (!sp1 || sp1 == line)
        return -400;
    *sp1 = '\0';
    for (const char *p = line; *p; p++)
        if (!is_tchar((unsigned char)*p))
            return -400;
    char *target = sp1 + 1;
    char *sp2 = strchr(target, ' ');
    if (!sp2 || sp2 == target)
        return -400;
    *sp2 = '\0';
    if ((size_t)(sp2 - target) > HTTP_MAX_TARGET)
        return -414;
    for (const char *p = target; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f)
            return -400;
    const char *version = sp2 + 1;
    /* HTTP-version = "HTTP/" DIGIT "." DIGIT: well-formed but not 1.0/1.1 is 505, anything else 400. */
    if (strncmp(version, "HTTP/", 5) != 0 || !(version[5] >= '0' && version[5] <= '9') || version[6] != '.' ||
        !(version[7] >= '0' && version[7] <= '9') || version[8] != '\0')
        return -400;
    if (version[5] != '1' || (version[7] != '0' && version[7] != '1'))
        return -505;
    req->method = line;
    req->target = target;
    req->version_minor = version[7] - '0';
    return 0;
}

/* Content-Length: digits only, one value, no list ("5, 5") and no sign. */
static int parse_content_length(const char *v, uint64_t *out)
{
    uint64_t n = 0;
    if (!*v)
        return -400;
    for (; *v; v++) {
        if (*v < '0' || *v > '9')
            return -400;
        if (n > (UINT64_MAX - 9) / 10)
            return -400;
        n = n * 10 + (uint64_t)(*v - '0');
    }
    *out = n;
    return 0;
}

/* Only "chunked" alone is accepted: any other coding (or a list) is not something we can frame. */
static int check_transfer_encoding(const char *v)
{
    return strcasecmp(v, "chunked") == 0 ? 0 : -501;
}

static int has_token(const char *list, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *start = p;
        while (*p && *p != ',' && *p != ' ' && *p != '\t')
            p++;
        if ((size_t)(p - start) == n && strncasecmp(start, token, n) == 0)
            return 1;
    }
    return 0;
}

static int parse_header_line(char *line, struct http_request *req)
{
    if (*line == ' ' || *line == '\t')
        return -400; /* obs-fold: a continuation line */
    char *colon = strchr(line, ':');
    if (!colon || colon == line)
        return -400;
    *colon = '\0';
    for (const char *p = line; *p; p++)
        if (!is_tchar((unsigned char)*p))
            return -400; /* includes whitespace between the name and the colon */
    char *value = colon + 1;
    while (*value == ' ' || *value == '\t')
        value++;
    char *end = value + strlen(value);
    while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
        *--end = '\0';
    for (const char *p = value; *p; p++)
        if (!is_field_char((unsigned char)*p))
            return -400;
    if (req->header_count == HTTP_MAX_HEADERS)
        return -431;
    req->headers[req->header_count].name = line;
    req->headers[req->header_count].value = value;
    req->header_count++;
    return 0;
}

const char *http_header_value(const struct http_request *req, const char *name)
{
    for (unsigned i = 0; i < req->header_count; i++)
        if (strcasecmp(req->headers[i].name, name) == 0)
            return req->headers[i].value;
    return NULL;
}

/* Decides framing and persistence once all headers are in; every ambiguity is an error. */
static int finish_headers(struct http_request *req, uint64_t max_body)
{
    unsigned lengths = 0, encodings = 0, hosts = 0;
    const char *connection = NULL;
    for (unsigned i = 0; i < req->header_count; i++) {
        const char *n = req->headers[i].name, *v = req->headers[i].value;
        int rc = 0;
        if (strcasecmp(n, "Content-Length") == 0) {
            lengths++;
            rc = parse_content_length(v, &req->content_length);
        } else if (strcasecmp(n, "Transfer-Encoding") == 0) {
            encodings++;
            rc = check_transfer_encoding(v);
        } else if (strcasecmp(n, "Host") == 0) {
            hosts++;
            req->host = v;
        } else if (strcasecmp(n, "Connection") == 0) {
            connection = v;
        }
        if (rc < 0)
            return rc;
    }
    if (lengths > 1 || encodings > 1 || (lengths && encodings))
        return -400;
    if (encodings && req->version_minor == 0)
        return -400; /* HTTP/1.0 has no chunked framing */
    if (hosts > 1 || (req->version_minor == 1 && hosts == 0))
        return -400;
    if (encodings)
        req->body_kind = HTTP_BODY_CHUNKED;
    else if (lengths && req->content_length > 0)
        req->body_kind = HTTP_BODY_LENGTH;
    if (lengths && req->content_length > max_body)
        return -413;
    if (req->version_minor == 1)
        req->keep_alive = !(connection && has_token(connection, "close"));
    else
        req->keep_alive = connection && has_token(connection, "keep-alive");
    return 0;
}

int http_parse_head(char *head, size_t head_len, uint64_t max_body, struct http_request *req)
{
    memset(req, 0, sizeof(*req));
    if (head_len < 4 || memcmp(head + head_len - 4, "\r\n\r\n", 4) != 0)
        return -400;
    head[head_len - 2] = '\0'; /* the last CRLF: what remains is lines, each ending in CRLF */
    char *line = head;
    int first = 1;
    while (*line) {
        char *cr = strstr(line, "\r\n");
        if (!cr)
            return -400;
        *cr = '\0';
        if (memchr(line, '\r', (size_t)(cr - line)) || memchr(line, '\n', (size_t)(cr - line)))
            return -400; /* a lone CR inside a line */
        int rc = first ? parse_request_line(line, req) : parse_header_line(line, req);
        if (rc < 0)
            return rc;
        first = 0;
        line = cr + 2;
    }
    if (first)
        return -400;
    return finish_headers(req, max_body);
}

enum {
    CH_SIZE,    /* reading hex digits */
    CH_EXT,     /* skipping a chunk extension up to CR */
    CH_SIZE_LF, /* CR seen after the size line */
    CH_DATA,    /* copying chunk bytes */
    CH_DATA_CR, /* expecting CR after data */
    CH_DATA_LF, /* expecting LF after data */
    CH_TRAILER, /* at the start of a trailer line (or the final CRLF) */
    CH_TRAILER_LINE,
    CH_TRAILER_LF,
    CH_END_LF, /* CR of the final empty line seen */
    CH_DONE,
};

#define CHUNK_LINE_MAX 256

void http_chunked_init(struct http_chunked *c, uint64_t max_body)
{
    memset(c, 0, sizeof(*c));
    c->max_body = max_body;
}

static int hex_value(uint8_t b)
{
    if (b >= '0' && b <= '9')
        return b - '0';
    if (b >= 'a' && b <= 'f')
        return b - 'a' + 10;
    if (b >= 'A' && b <= 'F')
        return b - 'A' + 10;
    return -1;
}

int http_chunked_decode(struct http_chunked *c, const uint8_t *in, size_t in_len, size_t *in_used,
                        uint8_t *out, size_t out_cap, size_t *out_len)
{
    size_t i = 0, o = 0;
    int rc = 0;
    while (i < in_len && c->state != CH_DONE) {
        uint8_t b = in[i];
        if (c->state == CH_DATA) {
            size_t n = in_len - i;
            if (n > c->chunk_left)
                n = (size_t)c->chunk_left;
            if (n > out_cap - o)
                n = out_cap - o;
            if (n == 0)
                break;                   /* output full: the caller drains and calls again */
            memmove(out + o, in + i, n); /* callers may decode in place */
            o += n;
            i += n;
            c->chunk_left -= n;
            if (c->chunk_left == 0)
                c->state = CH_DATA_CR;
            continue;
        }
        if (++c->line_len > CHUNK_LINE_MAX && c->state != CH_DATA_CR && c->state != CH_DATA_LF) {
            rc = -400;
            break;
        }
        i++;
        switch (c->state) {
        case CH_SIZE: {
            int h = hex_value(b);
            if (h >= 0) {
                if (c->chunk_left > (UINT64_MAX >> 4)) {
                    rc = -413;
                    break;
                }
                c->chunk_left = c->chunk_left << 4 | (uint64_t)h;
            } else if (c->line_len == 1) {
                rc = -400; /* a size line must start with a digit */
            } else if (b == ';') {
                c->state = CH_EXT;
            } else if (b == '\r') {
                c->state = CH_SIZE_LF;
            } else {
                rc = -400;
            }
            break;
        }
        case CH_EXT:
            if (b == '\r')
                c->state = CH_SIZE_LF;
            else if (b == '\n')
                rc = -400;
            break;
        case CH_SIZE_LF:
            if (b != '\n') {
                rc = -400;
                break;
            }
            if (c->chunk_left > c->max_body - c->total) {
                rc = -413;
                break;
            }
            c->total += c->chunk_left;
            c->line_len = 0;
            c->state = c->chunk_left ? CH_DATA : CH_TRAILER;
            break;
        case CH_DATA_CR:
            if (b == '\r')
                c->state = CH_DATA_LF;
            else
                rc = -400; /* chunk data longer than its size line said */
            break;
        case CH_DATA_LF:
            if (b != '\n') {
                rc = -400;
                break;
            }
            c->line_len = 0;
            c->state = CH_SIZE;
            break;
        case CH_TRAILER:
            c->state = b == '\r' ? CH_END_LF : CH_TRAILER_LINE;
            if (b == '\n')
                rc = -400;
            break;
        case CH_TRAILER_LINE:
            if (b == '\r')
                c->state = CH_TRAILER_LF;
            else if (b == '\n')
                rc = -400;
            break;
        case CH_TRAILER_LF:
            if (b != '\n') {
                rc = -400;
                break;
            }
            c->line_len = 0;
            c->state = CH_TRAILER;
            break;
        case CH_END_LF:
            if (b != '\n')
                rc = -400;
            else
                c->state = CH_DONE;
            break;
        default: rc = -400;
        }
        if (rc < 0)
            break;
    }
    *in_used = i;
    *out_len = o;
    if (rc < 0)
        return rc;
    return c->state == CH_DONE ? 1 : 0;
}
