/* SPDX-License-Identifier: ISC */
/* POST /api/readings: sensors post one reading or a batch with their token; 201 only once it is all on disk.
 */
#include "web.h"

#include "ingest.h"
#include "json.h"
#include "registry.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Values a batch may hold: the wrapper, then per reading an object and four members. One reading over the
 * limit still parses, so the answer can say how many were sent. */
#define MAX_VALUES (3 + (WEB_MAX_BATCH + 1) * 9)

static struct ingest *the_ingest;
static struct registry *the_registry;

void web_sensors_set(struct ingest *in, struct registry *reg)
{
    the_ingest = in;
    the_registry = reg;
}

struct ingest *web_ingest(void)
{
    return the_ingest;
}

struct registry *web_registry(void)
{
    return the_registry;
}

/*
 * The request's durability: the done callbacks count down pending. It lives on the heap until both the
 * handler has answered and every callback has run, since a callback could (if the store were busy) come
 * after the answer.
 */
struct post {
    unsigned pending;
    int failed, answered;
};

static void post_done(void *arg, int status)
{
    struct post *p = arg;
    p->pending--;
    if (status < 0)
        p->failed = status;
    if (p->answered && !p->pending)
        free(p);
}

/* "Bearer <token>" (the scheme is case-insensitive); NULL without one. */
static const char *bearer(const struct http_exchange *x, size_t *len)
{
    const char *v = http_header_value(http_request_of(x), "Authorization");
    if (!v || strncasecmp(v, "Bearer ", 7) != 0)
        return NULL;
    v += 7;
    while (*v == ' ')
        v++;
    *len = strcspn(v, " \t");
    return *len && v[*len] == '\0' ? v : NULL;
}

struct batch {
    struct json_value vals[MAX_VALUES];
    struct reading r[WEB_MAX_BATCH];
    unsigned n;
};

/* Parses and checks every reading before any is stored; answers and returns -1 on the first problem. */
static int check_body(struct http_exchange *x, struct batch *b, const struct registry_sensor *s, char *strbuf,
                      size_t strcap)
{
    size_t len;
    const char *body = (const char *)http_body(x, &len);
    struct json_doc doc;
    int64_t now_ns = 0;
    int rc = json_parse(body, len, &doc, b->vals, MAX_VALUES, strbuf, strcap);
    if (rc == -HEARTH_ENOSPC) {
        web_problem(x, 413, NULL, -1, NULL, "at most %d readings per request", WEB_MAX_BATCH);
        return -1;
    }
    if (rc < 0 || doc.v[0].type != JSON_OBJECT) {
        web_problem(x, 400, NULL, -1, NULL, "the body is not a JSON object (%s at byte %lu)",
                    rc < 0 ? hearth_strerror(rc) : "another type", (unsigned long)doc.err_offset);
        return -1;
    }
    const struct json_value *top = &doc.v[0], *list = json_get(&doc, top, "readings"), *item;
    if (list && (list->type != JSON_ARRAY || top->count != 1)) {
        web_problem(x, 400, NULL, -1, "readings", "a batch is {\"readings\": [...]} and nothing else");
        return -1;
    }
    if (list && list->count == 0) {
        web_problem(x, 400, NULL, -1, "readings", "an empty batch");
        return -1;
    }
    if (list && list->count > WEB_MAX_BATCH) {
        web_problem(x, 413, NULL, -1, "readings", "%lu readings; at most %d per request",
                    (unsigned long)list->count, WEB_MAX_BATCH);
        return -1;
    }
    int64_t now_s = the_ingest->wall_ns && the_ingest->wall_ns(&now_ns) == 0 ? now_ns / 1000000000 : 0;
    b->n = 0;
    for (item = list ? json_first(list) : top; item; item = list ? json_next(&doc, list, item) : NULL) {
        struct reading *r = &b->r[b->n];
        const char *field;
        int i = (int)b->n++;
        if (reading_from_json(&doc, item, 1, r, &field) < 0) {
            int known = !strcmp(field, "sensor") || !strcmp(field, "quantity") || !strcmp(field, "value") ||
                        !strcmp(field, "ts");
            web_problem(x, 400, NULL, i, *field ? field : NULL, "%s",
                        !*field ? "a reading is a JSON object"
                        : known ? "missing or malformed (sensor and quantity [a-z0-9_-], value a number, ts "
                                  "integer Unix seconds)"
                                : "unknown member");
            return -1;
        }
        if (strcmp(r->sensor, s->id) != 0) {
            web_problem(x, 403, NULL, i, "sensor", "this token is for sensor %s", s->id);
            return -1;
        }
        struct reading untimed = *r;
        untimed.timestamp_ns = 0;
        if (reading_validate(r, now_s) < 0) {
            int value_bad = reading_validate(&untimed, now_s) < 0;
            web_problem(x, 400, NULL, i, value_bad ? "value" : "ts",
                        value_bad ? "implausible for %s" : "a time before 2020 or in the future (%s)",
                        r->quantity);
            return -1;
        }
    }
    return 0;
}

void web_post_readings(struct http_exchange *x, void *arg)
{
    struct registry_sensor *s;
    struct batch *b = NULL;
    struct post *p = NULL;
    char *strbuf = NULL, source[64];
    size_t token_len = 0, body_len;
    uint32_t retry = 0;
    (void)arg;
    if (!the_ingest || !the_registry || !the_ingest->store) {
        web_problem(x, 503, NULL, -1, NULL, "readings cannot be stored now");
        return;
    }
    const char *token = bearer(x, &token_len);
    if (!token || !(s = registry_authenticate(the_registry, token, token_len))) {
        web_problem(x, 401, "WWW-Authenticate: Bearer realm=\"hearth\"\r\n", -1, NULL,
                    token ? "unknown token" : "a sensor token is needed: Authorization: Bearer <token>");
        return;
    }
    if (!web_is_json(x)) {
        web_problem(x, 415, NULL, -1, NULL, "the body must be application/json");
        return;
    }
    http_body(x, &body_len);
    if (!(b = malloc(sizeof(*b))) || !(strbuf = malloc(body_len + 1)) || !(p = calloc(1, sizeof(*p)))) {
        web_problem(x, 503, NULL, -1, NULL, "out of memory");
        goto out;
    }
    if (check_body(x, b, s, strbuf, body_len + 1) < 0)
        goto out;
    int rc = registry_admit(the_registry, s->id, b->n, &retry);
    if (rc == -HEARTH_EAGAIN) {
        char header[48];
        snprintf(header, sizeof(header), "Retry-After: %lu\r\n", (unsigned long)retry);
        web_problem(x, 429, header, -1, NULL, "sensor %s is over its rate limit (%lu at once, %g per second)",
                    s->id, (unsigned long)s->burst, s->rate);
        goto out;
    }
    if (rc < 0) {
        web_problem(x, 429, NULL, -1, NULL, "%u readings at once is more than sensor %s's burst of %lu", b->n,
                    s->id, (unsigned long)s->burst);
        goto out;
    }
    snprintf(source, sizeof(source), "https sensor %s", s->id);
    for (unsigned i = 0; i < b->n && !p->failed; i++) {
        p->pending++;
        if ((rc = ingest_submit(the_ingest, &b->r[i], source, post_done, p)) < 0) {
            p->pending--;
            p->failed = rc;
        }
    }
    /* One write and one flush for the whole request, then the answer says what is true. */
    rc = ingest_commit(the_ingest);
    if (rc == 0 && !p->failed && !p->pending)
        http_respond_fmt(x, 201, "application/json", "{\"accepted\":%u}\n", b->n);
    else
        web_problem(x, 503, NULL, -1, NULL, "the readings could not be made durable (%s); send them again",
                    hearth_strerror(rc < 0      ? rc
                                    : p->failed ? p->failed
                                                : -HEARTH_EBUSY));
out:
    if (p) {
        p->answered = 1;
        if (!p->pending)
            free(p);
    }
    free(b);
    free(strbuf);
}
