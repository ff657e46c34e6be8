/* SPDX-License-Identifier: ISC */
/* Home Assistant MQTT discovery configs (full and abbreviated keys, as ESPHome sends them) into the registry.
 */
#include "registry_int.h"

#include "log.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DISCOVERY_PREFIX "homeassistant/"
#define DISCOVERY_PAYLOAD_MAX 4096
#define DISCOVERY_VALUES 256
#define TOPIC_MAX 128

/* "<component>/[<node_id>/]<object_id>" out of a discovery topic; -HEARTH_ENOENT for any other topic. */
static int discovery_id(const char *topic, size_t len, char id[REGISTRY_DISCOVERY_MAX + 1])
{
    const size_t plen = sizeof(DISCOVERY_PREFIX) - 1, slen = sizeof("/config") - 1;
    if (len <= plen + slen || memcmp(topic, DISCOVERY_PREFIX, plen) != 0 ||
        memcmp(topic + len - slen, "/config", slen) != 0)
        return -HEARTH_ENOENT;
    const char *p = topic + plen;
    size_t n = len - plen - slen, levels = 1;
    if (n > REGISTRY_DISCOVERY_MAX)
        return -HEARTH_EINVAL;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '/') {
            /* Levels are never empty: no leading, trailing or doubled slash. */
            if (i == 0 || i == n - 1 || p[i - 1] == '/')
                return -HEARTH_EINVAL;
            levels++;
        } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                     c == '-')) {
            return -HEARTH_EINVAL;
        }
    }
    if (levels != 2 && levels != 3)
        return -HEARTH_EINVAL;
    memcpy(id, p, n);
    id[n] = '\0';
    return 0;
}

/* A member under its full or its abbreviated name (Home Assistant accepts both). */
static const struct json_value *member(const struct json_doc *doc, const struct json_value *obj,
                                       const char *full, const char *abbrev)
{
    const struct json_value *v = json_get(doc, obj, full);
    return v ? v : json_get(doc, obj, abbrev);
}

/* Copies a display text, cut at a character boundary when it is longer than max; 0 if it is unusable. */
static int copy_text(char *out, size_t max, const struct json_value *v)
{
    if (!v || v->type != JSON_STRING || v->len == 0)
        return 0;
    size_t n = v->len;
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)v->str[n] & 0xC0) == 0x80)
            n--;
    }
    if (!registry_text_ok(v->str, n, max))
        return 0;
    memcpy(out, v->str, n);
    out[n] = '\0';
    return 1;
}

/* The kind a device class suggests (Home Assistant device classes to the registry's kinds). */
static const char *kind_of(const struct json_value *device_class)
{
    static const struct {
        const char *device_class, *kind;
    } map[] = {
        {"temperature", "thermometer"}, {"humidity", "hygrometer"},
        {"moisture", "plant-pot"},      {"door", "door"},
        {"garage_door", "door"},        {"opening", "door"},
        {"window", "window"},           {"motion", "motion"},
        {"occupancy", "motion"},        {"illuminance", "light-sensor"},
        {"co2", "air-quality"},         {"carbon_dioxide", "air-quality"},
        {"pressure", "barometer"},      {"power", "power-meter"},
        {"energy", "power-meter"},
    };
    if (!device_class || device_class->type != JSON_STRING)
        return NULL;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (json_is(device_class, map[i].device_class))
            return map[i].kind;
    /* Other classes become the kind as they are, when they fit the kind's character set. */
    return registry_kind_ok(device_class->str, device_class->len) ? device_class->str : NULL;
}

/* The empty retained payload: the entity is gone from Home Assistant, its sensor's data stays. */
static int forget(struct registry *reg, const char *id)
{
    for (unsigned i = 0; i < reg->count; i++) {
        struct registry_sensor *s = reg->sensors[i];
        for (unsigned j = 0; j < s->q_count; j++) {
            if (strcmp(s->q[j].discovery, id) != 0)
                continue;
            s->q[j].discovery[0] = '\0';
            log_line("registry: discovery entry %s removed from sensor %s", id, s->id);
            return registry_persist(reg, s, 0);
        }
    }
    return 0;
}

/* The state topic with Home Assistant's "~" base expanded at its start or end. */
static int state_topic(const struct json_doc *doc, const struct json_value *cfg, char out[TOPIC_MAX])
{
    const struct json_value *t = member(doc, cfg, "state_topic", "stat_t"), *base = json_get(doc, cfg, "~");
    if (!t || t->type != JSON_STRING)
        return -HEARTH_EINVAL;
    const char *b = base && base->type == JSON_STRING ? base->str : "";
    int n;
    if (t->len && t->str[0] == '~')
        n = snprintf(out, TOPIC_MAX, "%s%s", b, t->str + 1);
    else if (t->len && t->str[t->len - 1] == '~')
        n = snprintf(out, TOPIC_MAX, "%.*s%s", (int)t->len - 1, t->str, b);
    else
        n = snprintf(out, TOPIC_MAX, "%s", t->str);
    return n < 0 || n >= TOPIC_MAX ? -HEARTH_EINVAL : n;
}

static int apply_config(struct registry *reg, const char *id, const struct json_doc *doc)
{
    const struct json_value *cfg = &doc->v[0];
    char topic[TOPIC_MAX];
    struct reading r;
    int n = cfg->type == JSON_OBJECT ? state_topic(doc, cfg, topic) : -HEARTH_EINVAL;
    if (n < 0 || reading_parse_topic(topic, (size_t)n, &r) < 0) {
        log_line("registry: discovery config %s ignored: its state topic is not hearth/<sensor>/<quantity>",
                 id);
        return -HEARTH_EINVAL;
    }
    struct registry_sensor *s = registry_find(reg, r.sensor);
    if (!s && !(s = registry_add(reg, r.sensor, "discovery"))) {
        log_line("registry: discovery config %s ignored: no room for sensor %s", id, r.sensor);
        return -HEARTH_ENOSPC;
    }
    struct registry_quantity *q = registry_quantity(s, r.quantity, 1);
    if (!q) {
        log_line("registry: discovery config %s ignored: sensor %s has no room for %s", id, s->id,
                 r.quantity);
        return -HEARTH_ENOSPC;
    }
    const struct json_value *dev = member(doc, cfg, "device", "dev");
    const struct json_value *dev_name = dev && dev->type == JSON_OBJECT ? json_get(doc, dev, "name") : NULL;
    if (!copy_text(s->name, REGISTRY_NAME_MAX, dev_name))
        copy_text(s->name, REGISTRY_NAME_MAX, json_get(doc, cfg, "name"));
    copy_text(q->unit, REGISTRY_UNIT_MAX, member(doc, cfg, "unit_of_measurement", "unit_of_meas"));
    const char *kind = kind_of(member(doc, cfg, "device_class", "dev_cla"));
    if (kind && !s->kind[0])
        snprintf(s->kind, sizeof(s->kind), "%s", kind);
    snprintf(q->discovery, sizeof(q->discovery), "%s", id);
    reg->stats.discovered++;
    log_line("registry: discovery config %s describes %s/%s (\"%s\", unit \"%s\")", id, s->id, q->quantity,
             s->name, q->unit);
    return registry_persist(reg, s, 0);
}

int registry_discovery(struct registry *reg, const char *topic, size_t topic_len, const uint8_t *payload,
                       size_t payload_len)
{
    char id[REGISTRY_DISCOVERY_MAX + 1];
    int rc = discovery_id(topic, topic_len, id);
    if (rc == -HEARTH_ENOENT)
        return rc;
    if (rc < 0) {
        log_line("registry: ignoring malformed discovery topic %.*s",
                 (int)(topic_len > 120 ? 120 : topic_len), topic);
        return rc;
    }
    if (payload_len == 0)
        return forget(reg, id);
    if (payload_len > DISCOVERY_PAYLOAD_MAX) {
        log_line("registry: discovery config %s ignored: %lu bytes is too long", id,
                 (unsigned long)payload_len);
        return -HEARTH_EINVAL;
    }
    struct json_value *vals = malloc(DISCOVERY_VALUES * sizeof(*vals));
    char *strbuf = malloc(payload_len + 1);
    struct json_doc doc;
    if (!vals || !strbuf) {
        rc = -HEARTH_ENOMEM;
    } else if ((rc = json_parse((const char *)payload, payload_len, &doc, vals, DISCOVERY_VALUES, strbuf,
                                payload_len + 1)) < 0) {
        log_line("registry: discovery config %s ignored: not JSON (%s at byte %lu)", id, hearth_strerror(rc),
                 (unsigned long)doc.err_offset);
        rc = -HEARTH_EINVAL;
    } else {
        rc = apply_config(reg, id, &doc);
    }
    free(vals);
    free(strbuf);
    return rc;
}

int registry_mqtt_discovery(void *arg, const char *topic, size_t topic_len, const uint8_t *payload,
                            size_t payload_len)
{
    return registry_discovery(arg, topic, topic_len, payload, payload_len);
}
