/* SPDX-License-Identifier: ISC */
/* libFuzzer target: the registry's readers of outside bytes: discovery configs (MQTT) and stored records
 * (disk). */
#include "registry_int.h"

#include <hearth/err.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The registry runs here without a store or a console: these stand in for the runtime it links against. */
void log_line(const char *fmt, ...)
{
    (void)fmt;
}

int store_append(struct store *s, const struct store_record *rec, store_done_fn done, void *arg,
                 uint64_t *seq_out)
{
    (void)s, (void)rec, (void)done, (void)arg, (void)seq_out;
    return -HEARTH_EIO;
}

int store_commit(struct store *s)
{
    (void)s;
    return -HEARTH_EIO;
}

int store_iterate(struct store *s, const struct store_query *q, store_visit_fn visit, void *arg)
{
    (void)s, (void)q, (void)visit, (void)arg;
    return -HEARTH_EIO;
}

const char *hearth_strerror(int err)
{
    (void)err;
    return "error";
}

/* The invariants every sensor keeps, whatever it was fed. */
static void check_sensor(const struct registry_sensor *s)
{
    if (!reading_id_ok(s->id, strlen(s->id), 0) || s->q_count > REGISTRY_MAX_QUANTITIES ||
        strlen(s->name) > REGISTRY_NAME_MAX || strlen(s->location) > REGISTRY_NAME_MAX ||
        !registry_kind_ok(s->kind, strlen(s->kind)) || s->burst < 1 || s->burst > REGISTRY_MAX_BURST ||
        !(s->rate >= 0.001 && s->rate <= REGISTRY_MAX_RATE) ||
        (s->raw_days && (s->raw_days < REGISTRY_MIN_RAW_DAYS || s->raw_days > REGISTRY_MAX_RAW_DAYS)))
        abort();
    for (unsigned i = 0; i < s->q_count; i++)
        if (!reading_id_ok(s->q[i].quantity, strlen(s->q[i].quantity), 1) ||
            strlen(s->q[i].unit) > REGISTRY_UNIT_MAX || strlen(s->q[i].discovery) > REGISTRY_DISCOVERY_MAX)
            abort();
    char out[STORE_PAYLOAD_MAX];
    struct json_out o;
    json_out_init(&o, out, sizeof(out));
    registry_sensor_json(s, &o, 1);
    if (!json_out_ok(&o))
        abort(); /* every sensor fits in one store record */
}

/*
 * Input: one selector byte, then for discovery "<topic>\n<payload>" (topic and config), else a stored
 * record's payload applied to a fresh sensor, as registry_load does.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct json_value vals[REGISTRY_RECORD_VALUES];
    static char strbuf[STORE_PAYLOAD_MAX + 1];
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    data++;
    size--;
    if (mode & 1) {
        const uint8_t *nl = memchr(data, '\n', size);
        size_t tlen = nl ? (size_t)(nl - data) : size;
        struct registry reg;
        registry_init(&reg, NULL, NULL, NULL);
        registry_discovery(&reg, (const char *)data, tlen, nl ? nl + 1 : NULL, nl ? size - tlen - 1 : 0);
        for (unsigned i = 0; i < reg.count; i++)
            check_sensor(reg.sensors[i]);
        registry_reset(&reg);
    } else if (size <= STORE_PAYLOAD_MAX) {
        struct registry_sensor s = {
            .id = "fuzz", .burst = REGISTRY_DEFAULT_BURST, .rate = REGISTRY_DEFAULT_RATE};
        struct json_doc doc;
        const char *field;
        if (json_parse((const char *)data, size, &doc, vals, REGISTRY_RECORD_VALUES, strbuf,
                       sizeof(strbuf)) == 0 &&
            registry_apply(&s, &doc, &doc.v[0], mode & 2 ? 1 : 0, &field) == 0)
            check_sensor(&s);
    }
    return 0;
}
