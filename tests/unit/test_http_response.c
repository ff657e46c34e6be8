/* SPDX-License-Identifier: ISC */
/* Unit tests for the HTTP client's response parser, from tests/unit/vectors/http_response.txt. */
#include "check.h"
#include "http_response.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BODY_CAP 64

struct outcome {
    int rc; /* the last feed's result, or eof's when the feed wanted more */
    int eof_rc;
    int status;
    size_t body_len;
    uint8_t body[BODY_CAP];
};

/* Feeds data in pieces of step bytes (0: all at once), like a connection would deliver it. */
static void run(const uint8_t *data, size_t len, int head, size_t step, struct outcome *o)
{
    static struct http_response r;
    memset(o, 0, sizeof(*o));
    http_response_init(&r, o->body, BODY_CAP, head);
    size_t off = 0;
    int rc = 0;
    do {
        size_t n = step && len - off > step ? step : len - off, used = 0;
        rc = http_response_feed(&r, data + off, n, &used);
        check_record(used <= n, "feed", 0, "used <= offered");
        off += used;
        if (rc == 0 && used < n)
            check_record(0, "feed", 0, "more wanted but not everything taken");
    } while (rc == 0 && off < len);
    o->rc = rc;
    o->eof_rc = rc == 0 ? http_response_eof(&r) : 0;
    o->status = r.status;
    o->body_len = r.body_len;
    check_record(r.body_len <= BODY_CAP, "feed", 0, "body within its buffer");
    if (rc == 1)
        check_record(http_response_feed(&r, data, 1, &(size_t){0}) == -HEARTH_EINVAL, "feed", 0,
                     "done stays done");
}

static int expected(const char *s, int *rc, int *eof_rc)
{
    *eof_rc = 0;
    if (!strcmp(s, "done"))
        *rc = 1;
    else if (!strcmp(s, "close"))
        *rc = 0, *eof_rc = 1;
    else if (!strcmp(s, "more"))
        *rc = 0, *eof_rc = -HEARTH_EPROTO;
    else if (!strcmp(s, "EPROTO"))
        *rc = -HEARTH_EPROTO;
    else if (!strcmp(s, "EOVERFLOW"))
        *rc = -HEARTH_EOVERFLOW;
    else
        return -1;
    return 0;
}

static void response_vector(char **f, int n, const char *where)
{
    static uint8_t raw[16384], want_body[BODY_CAP + 1];
    int want_rc, want_eof;
    if (n < 4 || expected(f[2], &want_rc, &want_eof) < 0) {
        check_record(0, where, 0, "vector has 4 or 5 fields and a known result");
        return;
    }
    size_t len = check_unescape(f[0], (char *)raw, sizeof(raw));
    size_t body_len = n > 4 ? check_unescape(f[4], (char *)want_body, sizeof(want_body)) : 0;
    int head = atoi(f[1]);
    struct outcome all, step;
    run(raw, len, head, 0, &all);
    check_record(all.rc == want_rc && all.eof_rc == want_eof, where, 0, "result");
    if (all.rc != want_rc || all.eof_rc != want_eof)
        check_note("  %s: got %d/%d, want %d/%d", where, all.rc, all.eof_rc, want_rc, want_eof);
    check_record(all.status == atoi(f[3]), where, 0, "status");
    if (want_rc >= 0)
        check_record(all.body_len == body_len && memcmp(all.body, want_body, body_len) == 0, where, 0,
                     "body");
    /* Byte by byte and in odd pieces: the same outcome. */
    for (size_t s = 1; s <= 7; s += 6) {
        run(raw, len, head, s, &step);
        check_record(step.rc == all.rc && step.eof_rc == all.eof_rc && step.status == all.status &&
                         (all.rc < 0 ||
                          (step.body_len == all.body_len && memcmp(step.body, all.body, all.body_len) == 0)),
                     where, 0, "same outcome in pieces");
    }
}

/* Limits that need long inputs: the head's size and the header count. */
static void limits(void)
{
    static char buf[HTTP_MAX_HEAD + 256];
    struct outcome o;
    int n = snprintf(buf, sizeof(buf), "HTTP/1.1 200 OK\r\n");
    while ((size_t)n < HTTP_MAX_HEAD)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "X-Pad: 0123456789\r\n");
    run((const uint8_t *)buf, (size_t)n, 0, 0, &o);
    CHECK_INT(o.rc, -HEARTH_EOVERFLOW);
    run((const uint8_t *)buf, (size_t)n, 0, 100, &o);
    CHECK_INT(o.rc, -HEARTH_EOVERFLOW);
    n = snprintf(buf, sizeof(buf), "HTTP/1.1 200 OK\r\n");
    for (int i = 0; i <= HTTP_MAX_HEADERS; i++)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "X%d: y\r\n", i);
    n += snprintf(buf + n, sizeof(buf) - (size_t)n, "\r\n");
    run((const uint8_t *)buf, (size_t)n, 0, 0, &o);
    CHECK_INT(o.rc, -HEARTH_EOVERFLOW);
    /* Exactly HTTP_MAX_HEADERS is fine. */
    n = snprintf(buf, sizeof(buf), "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n");
    for (int i = 1; i < HTTP_MAX_HEADERS; i++)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "X%d: y\r\n", i);
    n += snprintf(buf + n, sizeof(buf) - (size_t)n, "\r\n");
    run((const uint8_t *)buf, (size_t)n, 0, 0, &o);
    CHECK_INT(o.rc, 1);
}

int main(void)
{
    CHECK(check_vectors_raw("vectors/http_response.txt", 5, response_vector) >= 55);
    limits();
    return check_summary("test_http_response");
}
