/* SPDX-License-Identifier: ISC */
/* Unit tests for the sensor registry: owner updates, tokens, rate limits, the observer, discovery, reload. */
#include "check.h"
#include "ingest.h"
#include "memdisk.h"
#include "registry.h"
#include "store.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BS 512u
#define WALL_S 1795000000ull

static const struct store_config store_cfg = {.segment_blocks = 16}; /* 8 KiB segments on a 200 KiB disk */

static uint64_t wall_s = WALL_S;
static uint8_t random_counter;

static int fake_wall(int64_t *ns)
{
    *ns = (int64_t)(wall_s * 1000000000ull);
    return 0;
}

static int fake_random(void *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = random_counter++;
    return 0;
}

/* The console: kept so tests can see what was logged, and how often. */
static char console[16384];
static size_t console_len;

void hearth_plat_console_write(const char *buf, size_t len)
{
    if (len > sizeof(console) - 1 - console_len)
        console_len = 0;
    memcpy(console + console_len, buf, len);
    console_len += len;
    console[console_len] = '\0';
}

static int console_count(const char *needle)
{
    int n = 0;
    for (const char *p = console; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static struct json_value vals[128];
static char strbuf[4096];

/* PUT with a JSON text; the token (if any) into token. */
static int put(struct registry *reg, const char *id, const char *json, char *token, int *created,
               const char **field)
{
    struct json_doc doc;
    int rc = json_parse(json, strlen(json), &doc, vals, 128, strbuf, sizeof(strbuf));
    CHECK_INT(rc, 0);
    return rc ? rc : registry_put(reg, id, &doc, &doc.v[0], token, created, field);
}

static int count_visit(void *arg, const struct store_record *rec)
{
    (void)rec;
    (*(int *)arg)++;
    return 0;
}

/* How many config records the store holds: each registry write is one. */
static int count_config(struct store *st)
{
    int n = 0;
    struct store_query q = {.type = STORE_T_CONFIG};
    store_iterate(st, &q, count_visit, &n);
    return n;
}

static void test_owner_and_tokens(void)
{
    struct hearth_blkdev *d = memdisk_new(BS, 400);
    struct store *st = NULL;
    struct registry reg;
    char token[REGISTRY_TOKEN_LEN + 1] = "", token2[REGISTRY_TOKEN_LEN + 1] = "";
    int created = -1;
    const char *field;
    CHECK_INT(store_open(d, &store_cfg, &st), 0);
    registry_init(&reg, st, fake_random, fake_wall);
    CHECK_INT(put(&reg, "pot1",
                  "{\"name\":\"Basil \\u00e9\",\"kind\":\"plant-pot\",\"location\":\"Kitchen\","
                  "\"units\":{\"moisture\":\"%\"},\"burst\":5,\"rate\":0.5,\"raw_days\":30}",
                  token, &created, &field),
              0);
    CHECK(created == 1 && strlen(token) == REGISTRY_TOKEN_LEN);
    struct registry_sensor *s = registry_find(&reg, "pot1");
    CHECK(s && strcmp(s->name, "Basil \xc3\xa9") == 0 && strcmp(s->kind, "plant-pot") == 0 && s->has_token &&
          s->burst == 5 && s->rate == 0.5 && s->q_count == 1 && strcmp(s->q[0].unit, "%") == 0 &&
          strcmp(s->origin, "owner") == 0 && s->raw_days == 30);
    /* The rollups' retention hook sees it by sensor id (not terminated), unknown sensors get the default. */
    CHECK(registry_raw_days(&reg, "pot1/moisture", 4) == 30 && registry_raw_days(&reg, "pot2", 4) == 0 &&
          registry_raw_days(&reg, "pot1", 0) == 0);
    CHECK(registry_authenticate(&reg, token, strlen(token)) == s);
    char wrong[REGISTRY_TOKEN_LEN + 1];
    memcpy(wrong, token, sizeof(wrong));
    wrong[10] = wrong[10] == 'a' ? 'b' : 'a';
    CHECK(registry_authenticate(&reg, wrong, strlen(wrong)) == NULL);
    CHECK(registry_authenticate(&reg, token, 10) == NULL);
    CHECK(registry_authenticate(&reg, "", 0) == NULL);
    /* An update keeps the token and what it does not mention. */
    CHECK_INT(put(&reg, "pot1", "{\"location\":\"Balcony\",\"units\":{\"temperature\":\"\\u00b0C\"}}", token2,
                  &created, &field),
              0);
    CHECK(created == 0 && strcmp(s->location, "Balcony") == 0 && strcmp(s->name, "Basil \xc3\xa9") == 0 &&
          s->q_count == 2 && registry_authenticate(&reg, token, strlen(token)) == s);
    /* Refused updates name the member and change nothing. */
    static const struct {
        const char *json, *field;
    } bad[] = {
        {"{\"name\":5}", "name"},
        {"{\"color\":\"red\"}", "color"},
        {"{\"burst\":0}", "burst"},
        {"{\"burst\":2.5}", "burst"},
        {"{\"rate\":0}", "rate"},
        {"{\"raw_days\":1}", "raw_days"},
        {"{\"raw_days\":3651}", "raw_days"},
        {"{\"raw_days\":7.5}", "raw_days"},
        {"{\"kind\":\"Plant Pot\"}", "kind"},
        {"{\"location\":\"Attic\",\"units\":{\"Bad-Q\":\"%\"}}", "Bad-Q"},
        {"{\"name\":\"tab\\there\"}", "name"},
        {"{\"token_sha256\":\"00\"}", "token_sha256"},
        {"[]", ""},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_INT(put(&reg, "pot1", bad[i].json, token2, &created, &field), -HEARTH_EINVAL);
        CHECK(strcmp(field, bad[i].field) == 0);
    }
    CHECK(strcmp(s->location, "Balcony") == 0 && s->burst == 5);
    CHECK_INT(put(&reg, "Bad Id", "{}", token2, &created, &field), -HEARTH_EINVAL);
    /* Rotation: the old token stops working. */
    CHECK_INT(registry_rotate_token(&reg, "pot1", token2), 0);
    CHECK(strcmp(token, token2) != 0 && registry_authenticate(&reg, token, strlen(token)) == NULL &&
          registry_authenticate(&reg, token2, strlen(token2)) == s);
    CHECK_INT(registry_rotate_token(&reg, "nope", token2), -HEARTH_ENOENT);
    /* Reload from the store: the latest record wins, the token hash came along, the token itself did not. */
    CHECK_INT(store_close(st), 0);
    registry_reset(&reg);
    CHECK_INT(store_open(d, &store_cfg, &st), 0);
    registry_init(&reg, st, fake_random, fake_wall);
    CHECK_INT(registry_load(&reg), 1);
    s = registry_find(&reg, "pot1");
    if (!s)
        check_note("console: %s", console);
    CHECK(s && strcmp(s->location, "Balcony") == 0 && s->burst == 5 && s->rate == 0.5 && s->raw_days == 30 &&
          s->q_count == 2 &&
          strcmp(s->q[1].unit, "\xc2\xb0"
                               "C") == 0);
    CHECK(registry_authenticate(&reg, token2, strlen(token2)) == s);
    CHECK(registry_authenticate(&reg, token, strlen(token)) == NULL);
    /* The API form shows whether there is a token, never its hash. */
    char out[2048];
    struct json_out o;
    json_out_init(&o, out, sizeof(out));
    registry_sensor_json(s, &o, 0);
    CHECK(json_out_ok(&o) && strstr(out, "\"token\":true") && !strstr(out, "sha256"));
    /* Without a random source no token can be made. */
    struct registry plain;
    registry_init(&plain, NULL, NULL, NULL);
    CHECK_INT(put(&plain, "pot9", "{}", token2, &created, &field), -HEARTH_ENOTSUP);
    CHECK(registry_find(&plain, "pot9") == NULL);
    registry_reset(&plain);
    registry_reset(&reg);
    store_close(st);
    memdisk_free(d);
}

static void test_rate_limit(void)
{
    struct registry reg;
    char token[REGISTRY_TOKEN_LEN + 1];
    int created;
    const char *field;
    uint32_t retry = 0;
    registry_init(&reg, NULL, fake_random, fake_wall);
    memdisk_set_time(1000000000000ull);
    CHECK_INT(put(&reg, "pot1", "{\"burst\":3,\"rate\":0.5}", token, &created, &field), 0);
    for (int i = 0; i < 3; i++)
        CHECK_INT(registry_admit(&reg, "pot1", 1, &retry), 0);
    CHECK_INT(registry_admit(&reg, "pot1", 1, &retry), -HEARTH_EAGAIN);
    CHECK_INT(retry, 2);
    CHECK_INT(registry_admit(&reg, "pot1", 4, &retry), -HEARTH_ERANGE);
    CHECK_INT(registry_find(&reg, "pot1")->limited, 5);
    memdisk_set_time(1000000000000ull + 2000000000ull);
    CHECK_INT(registry_admit(&reg, "pot1", 1, &retry), 0);
    CHECK_INT(registry_admit(&reg, "pot1", 1, &retry), -HEARTH_EAGAIN);
    memdisk_set_time(1000000000000ull + 100000000000ull);
    CHECK_INT(registry_admit(&reg, "pot1", 3, &retry), 0); /* a full bucket takes a whole burst at once */
    CHECK_INT(registry_admit(&reg, "pot1", 2, &retry), -HEARTH_EAGAIN);
    CHECK_INT(retry, 4);
    CHECK_INT(registry_admit(&reg, "nope", 1, &retry), -HEARTH_ENOENT);
    /* The MQTT gate: a new sensor passes, a flooding one is dropped, a full registry takes no newcomer. */
    struct reading r = {.sensor = "newcomer", .quantity = "temperature", .value = 20};
    CHECK_INT(registry_mqtt_admit(&reg, &r, "test"), 0);
    snprintf(r.sensor, sizeof(r.sensor), "pot1");
    CHECK_INT(registry_mqtt_admit(&reg, &r, "test"), -HEARTH_EAGAIN);
    for (unsigned i = 0; reg.count < REGISTRY_MAX_SENSORS; i++) {
        struct reading x = {.quantity = "temperature", .value = 1, .timestamp_ns = WALL_S * 1000000000ull};
        snprintf(x.sensor, sizeof(x.sensor), "s%u", i);
        registry_observe(&reg, &x, 0);
    }
    snprintf(r.sensor, sizeof(r.sensor), "one-too-many");
    CHECK_INT(registry_mqtt_admit(&reg, &r, "test"), -HEARTH_ENOSPC);
    CHECK(reg.stats.full >= 1);
    registry_reset(&reg);
}

static void test_observer(void)
{
    struct hearth_blkdev *d = memdisk_new(BS, 400);
    struct store *st = NULL;
    struct registry reg;
    struct ingest in;
    CHECK_INT(store_open(d, &store_cfg, &st), 0);
    registry_init(&reg, st, fake_random, fake_wall);
    ingest_init(&in, st, NULL, fake_wall);
    CHECK_INT(ingest_add_observer(&in, registry_observe, &reg), 0);
    wall_s = WALL_S;
    struct reading r = {.sensor = "fridge", .quantity = "temperature", .value = 4.5};
    CHECK_INT(ingest_submit(&in, &r, "test", NULL, NULL), 0);
    struct registry_sensor *s = registry_find(&reg, "fridge");
    CHECK(s && !s->has_token && strcmp(s->origin, "mqtt") == 0 && s->first_seen_s == WALL_S &&
          s->last_seen_s == WALL_S && s->q_count == 1);
    CHECK_INT(count_config(st), 1);
    /* More readings soon after: last-seen moves in memory only. */
    for (int i = 1; i <= 5; i++) {
        wall_s = WALL_S + 60 * (uint64_t)i;
        r.timestamp_ns = 0;
        CHECK_INT(ingest_submit(&in, &r, "test", NULL, NULL), 0);
    }
    CHECK_INT(s->last_seen_s, WALL_S + 300);
    CHECK_INT(count_config(st), 1);
    /* A new quantity is written at once, and so is last-seen once it is REGISTRY_SEEN_PERSIST_S old. */
    struct reading door = {.sensor = "fridge", .quantity = "door", .value = 1};
    CHECK_INT(ingest_submit(&in, &door, "test", NULL, NULL), 0);
    CHECK_INT(count_config(st), 2);
    wall_s = WALL_S + 300 + REGISTRY_SEEN_PERSIST_S;
    r.timestamp_ns = 0;
    CHECK_INT(ingest_submit(&in, &r, "test", NULL, NULL), 0);
    CHECK_INT(count_config(st), 3);
    CHECK_INT(store_close(st), 0);
    registry_reset(&reg);
    CHECK_INT(store_open(d, &store_cfg, &st), 0);
    reg.store = st;
    CHECK_INT(registry_load(&reg), 1);
    s = registry_find(&reg, "fridge");
    CHECK(s && s->first_seen_s == WALL_S && s->last_seen_s == WALL_S + 300 + REGISTRY_SEEN_PERSIST_S &&
          s->q_count == 2 && strcmp(s->origin, "mqtt") == 0);
    registry_reset(&reg);
    store_close(st);
    memdisk_free(d);
}

static void discovery_vector(char **f, int n, const char *where)
{
    if (n != 3) {
        check_record(0, where, 0, "vector has 3 fields");
        return;
    }
    struct registry reg;
    registry_init(&reg, NULL, NULL, fake_wall);
    int rc = registry_discovery(&reg, f[0], strlen(f[0]), (const uint8_t *)f[1], strlen(f[1]));
    if (!strncmp(f[2], "OK ", 3)) {
        char sensor[40], quantity[40], unit[40], kind[40];
        int name_at = 0;
        sscanf(f[2] + 3, "%39s %39s %39s %39s %n", sensor, quantity, unit, kind, &name_at);
        struct registry_sensor *s = registry_find(&reg, sensor);
        check_record(rc == 0 && s, where, 0, "registered");
        if (rc || !s) {
            check_note("  rc %d", rc);
        } else {
            struct registry_quantity *q = &s->q[0];
            check_record(s->q_count == 1 && strcmp(q->quantity, quantity) == 0, where, 0, "quantity");
            check_record(strcmp(q->unit, strcmp(unit, "-") ? unit : "") == 0, where, 0, "unit");
            check_record(strcmp(s->kind, strcmp(kind, "-") ? kind : "") == 0, where, 0, "kind");
            check_record(strcmp(s->name, f[2] + 3 + name_at) == 0, where, 0, "name");
            check_record(strcmp(s->origin, "discovery") == 0 && q->discovery[0] && !s->has_token, where, 0,
                         "origin and discovery id");
            if (strcmp(s->name, f[2] + 3 + name_at) || strcmp(s->kind, strcmp(kind, "-") ? kind : ""))
                check_note("  name \"%s\" kind \"%s\" unit \"%s\"", s->name, s->kind, q->unit);
            /* The empty retained payload removes the entry, not the sensor. */
            check_record(registry_discovery(&reg, f[0], strlen(f[0]), NULL, 0) == 0 && !q->discovery[0] &&
                             registry_find(&reg, sensor) == s &&
                             q->unit[0] == (strcmp(unit, "-") ? unit[0] : 0),
                         where, 0, "empty payload removes the discovery entry");
        }
    } else {
        int code = !strcmp(f[2], "ENOENT") ? -HEARTH_ENOENT : -HEARTH_EINVAL;
        check_record(rc == code && reg.count == 0, where, 0, f[2]);
        if (rc != code)
            check_note("  got %d", rc);
    }
    registry_reset(&reg);
}

/* The hooks as start_sensors installs them, through ingest_mqtt with real publications. */
static void test_mqtt_hooks(void)
{
    struct hearth_blkdev *d = memdisk_new(BS, 400);
    struct store *st = NULL;
    struct registry reg;
    struct ingest in;
    CHECK_INT(store_open(d, &store_cfg, &st), 0);
    registry_init(&reg, st, fake_random, fake_wall);
    ingest_init(&in, st, NULL, fake_wall);
    ingest_add_observer(&in, registry_observe, &reg);
    ingest_set_mqtt_hooks(&in, &(struct ingest_mqtt_hooks){.admit = registry_mqtt_admit,
                                                           .other = registry_mqtt_discovery,
                                                           .arg = &reg});
    wall_s = WALL_S;
    memdisk_set_time(5000000000000ull);
    console_len = 0;
    const char *cfg = "{\"name\":\"Moisture\",\"stat_t\":\"hearth/pot3/moisture\",\"unit_of_meas\":\"%\","
                      "\"dev_cla\":\"moisture\",\"dev\":{\"ids\":[\"pot3\"],\"name\":\"Fern\"}}";
    struct mqtt_publication pub = {
        .topic = {(const uint8_t *)"homeassistant/sensor/pot3/moisture/config", 41},
        .client_id = {(const uint8_t *)"ha", 2},
        .payload = (const uint8_t *)cfg,
        .payload_len = strlen(cfg),
        .retain = 1};
    CHECK_INT(ingest_mqtt(NULL, &pub, 0, &in), 1);
    struct registry_sensor *s = registry_find(&reg, "pot3");
    CHECK(s && strcmp(s->name, "Fern") == 0 && strcmp(s->kind, "plant-pot") == 0);
    /* Readings of pot3: the default burst of 20 is taken, then the rest is dropped and counted. */
    pub.topic = (struct mqtt_str){(const uint8_t *)"hearth/pot3/moisture", 20};
    pub.payload = (const uint8_t *)"40";
    pub.payload_len = 2;
    int taken = 0, dropped = 0;
    for (int i = 0; i < REGISTRY_DEFAULT_BURST + 5; i++) {
        int rc = ingest_mqtt(NULL, &pub, 0, &in);
        taken += rc == 0;
        dropped += rc == 1;
    }
    CHECK(taken == REGISTRY_DEFAULT_BURST && dropped == 5);
    CHECK_INT(console_count("sensor pot3 over its rate limit"), 1); /* logged once per run of refusals */
    CHECK_INT(in.stats.accepted, REGISTRY_DEFAULT_BURST);
    CHECK_INT(in.stats.limited, 5);
    CHECK_INT(s->limited, 5);
    CHECK(s->first_seen_s == WALL_S && s->q_count == 1);
    registry_reset(&reg);
    store_close(st);
    memdisk_free(d);
}

int main(void)
{
    test_owner_and_tokens();
    test_rate_limit();
    test_observer();
    test_mqtt_hooks();
    CHECK(check_vectors_raw("vectors/ha_discovery.txt", 3, discovery_vector) >= 20);
    return check_summary("registry");
}
