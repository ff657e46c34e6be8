/* SPDX-License-Identifier: ISC */
/* The owner's sensor management: PUT /api/sensors/<id> (create or update) and POST /api/sensors/<id>/token.
 */
#include "web.h"

#include "json.h"
#include "registry.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "/api/sensors/"
#define MAX_VALUES 128
#define ANSWER_CAP 2048

/* The <id> of "/api/sensors/<id><suffix>" into id; 0 when the path has another shape. */
static int path_id(const struct http_exchange *x, const char *suffix, char id[READING_SENSOR_MAX + 1])
{
    const char *p = http_path(x) + sizeof(PREFIX) - 1;
    size_t n = strcspn(p, "/");
    if (strcmp(p + n, suffix) != 0 || !reading_id_ok(p, n, 0))
        return 0;
    memcpy(id, p, n);
    id[n] = '\0';
    return 1;
}

/* The registry's errors as HTTP answers. */
static void respond_failure(struct http_exchange *x, int rc, const char *id, const char *field)
{
    if (rc == -HEARTH_EINVAL)
        web_problem(x, 400, NULL, -1, field && *field ? field : NULL, "a bad value for sensor %s", id);
    else if (rc == -HEARTH_ENOENT)
        web_problem(x, 404, NULL, -1, NULL, "no sensor %s", id);
    else if (rc == -HEARTH_ENOSPC)
        web_problem(x, 507, NULL, -1, NULL, "the registry holds at most %d sensors", REGISTRY_MAX_SENSORS);
    else
        web_problem(x, 503, NULL, -1, NULL, "sensor %s could not be saved (%s)", id, hearth_strerror(rc));
}

/* {"sensor": {...}[, "token": "..."]}: a token appears only in the answer that made it. */
static void respond_sensor(struct http_exchange *x, int status, const char *id, const char *token)
{
    char *body = malloc(ANSWER_CAP), location[80];
    struct json_out o;
    const struct registry_sensor *s = registry_find(web_registry(), id);
    if (!body || !s) {
        free(body);
        web_problem(x, 503, NULL, -1, NULL, "out of memory");
        return;
    }
    json_out_init(&o, body, ANSWER_CAP);
    json_out_raw(&o, "{\"sensor\":");
    registry_sensor_json(s, &o, 0);
    if (token)
        json_out_raw(&o, ",\"token\":\"%s\"", token);
    json_out_raw(&o, "}\n");
    snprintf(location, sizeof(location), "Cache-Control: no-store\r\nLocation: " PREFIX "%s\r\n", id);
    if (json_out_ok(&o))
        http_respond(x, status, "application/json", location, body, o.len, 1);
    else
        http_respond_error(x, 500);
    free(body);
}

void web_put_sensor(struct http_exchange *x, void *arg)
{
    char id[READING_SENSOR_MAX + 1], token[REGISTRY_TOKEN_LEN + 1];
    const char *field = NULL;
    struct json_doc doc;
    size_t len;
    int created = 0;
    (void)arg;
    if (!web_registry()) {
        web_problem(x, 503, NULL, -1, NULL, "the sensor registry is not running");
        return;
    }
    if (!path_id(x, "", id)) {
        web_problem(x, 404, NULL, -1, NULL, "sensor ids are [a-z0-9_-], 1 to %d characters",
                    READING_SENSOR_MAX);
        return;
    }
    if (!web_is_json(x)) {
        web_problem(x, 415, NULL, -1, NULL, "the body must be application/json");
        return;
    }
    const char *body = (const char *)http_body(x, &len);
    struct json_value *vals = malloc(MAX_VALUES * sizeof(*vals));
    char *strbuf = malloc(len + 1);
    int rc = vals && strbuf ? json_parse(body, len, &doc, vals, MAX_VALUES, strbuf, len + 1) : -HEARTH_ENOMEM;
    if (rc == -HEARTH_ENOMEM)
        web_problem(x, 503, NULL, -1, NULL, "out of memory");
    else if (rc < 0 || doc.v[0].type != JSON_OBJECT)
        web_problem(x, 400, NULL, -1, NULL, "the body is not a JSON object (%s at byte %lu)",
                    rc < 0 ? hearth_strerror(rc) : "another type", (unsigned long)doc.err_offset);
    else if ((rc = registry_put(web_registry(), id, &doc, &doc.v[0], token, &created, &field)) < 0)
        respond_failure(x, rc, id, field);
    else
        respond_sensor(x, created ? 201 : 200, id, created ? token : NULL);
    free(vals);
    free(strbuf);
}

void web_rotate_token(struct http_exchange *x, void *arg)
{
    char id[READING_SENSOR_MAX + 1], token[REGISTRY_TOKEN_LEN + 1];
    (void)arg;
    if (!web_registry()) {
        web_problem(x, 503, NULL, -1, NULL, "the sensor registry is not running");
        return;
    }
    if (!path_id(x, "/token", id)) {
        web_problem(x, 404, NULL, -1, NULL, "POST " PREFIX "<id>/token gives a sensor a new token");
        return;
    }
    int rc = registry_rotate_token(web_registry(), id, token);
    if (rc < 0)
        respond_failure(x, rc, id, NULL);
    else
        respond_sensor(x, 200, id, token);
}
