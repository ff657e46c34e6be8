/* SPDX-License-Identifier: ISC */
/* Sensor readings: topic and payload parsing, validation, and their stored form. */
#ifndef SENSORS_READING_H
#define SENSORS_READING_H

#include <stddef.h>
#include <stdint.h>

#define READING_SENSOR_MAX 32
#define READING_QUANTITY_MAX 24

struct reading {
    char sensor[READING_SENSOR_MAX + 1];     /* [a-z0-9_-], 1..32 */
    char quantity[READING_QUANTITY_MAX + 1]; /* [a-z0-9_], 1..24, e.g. "temperature", "moisture" */
    double value;
    uint64_t timestamp_ns; /* 0: "now", filled by the ingest */
};

/*
 * Splits an MQTT topic "hearth/<sensor>/<quantity>" into r->sensor and r->quantity.
 * Returns 0, -HEARTH_ENOENT when the topic is not under "hearth/" (not a reading), or -HEARTH_EINVAL for
 * a malformed one (empty or overlong parts, characters outside the allowed sets, extra levels).
 */
int reading_parse_topic(const char *topic, size_t len, struct reading *r);

/*
 * Parses a payload: a plain decimal number ("21.5", "-3", "1e3") or a JSON object with a numeric
 * "value" and an optional integer "ts" (Unix seconds). Returns 0 or -HEARTH_EINVAL; NaN and infinities
 * are refused.
 */
int reading_parse_payload(const uint8_t *payload, size_t len, struct reading *r);

/* 1 when s[0, len) is a valid sensor id ([a-z0-9_-]{1,32}) or, with quantity set, quantity ([a-z0-9_]{1,24}).
 */
int reading_id_ok(const char *s, size_t len, int quantity);

struct json_doc;
struct json_value;
/*
 * Fills r from the members of a parsed JSON object obj: "value" (a number, required), "ts" (optional
 * integer Unix seconds, 0..4e9) and, with with_ids set, "sensor" and "quantity" (required strings that
 * pass reading_id_ok). Any other member is refused. r->timestamp_ns is 0 without "ts". Returns 0, or
 * -HEARTH_EINVAL with *field naming the member at fault (a missing one included; "" when obj is not an
 * object); *field points into doc's strings or at a constant.
 */
int reading_from_json(const struct json_doc *doc, const struct json_value *obj, int with_ids,
                      struct reading *r, const char **field);

/*
 * Checks the value against the plausible range of its quantity (temperature -60..100 °C, humidity and
 * moisture 0..100 %, ...; unknown quantities -1e9..1e9) and the timestamp against now_unix_s (no more
 * than 5 minutes in the future, not before 2020). Returns 0 or -HEARTH_ERANGE.
 */
int reading_validate(const struct reading *r, int64_t now_unix_s);

/* The stored key "<sensor>/<quantity>" into buf; returns its length or -HEARTH_ERANGE. */
int reading_key(const struct reading *r, char *buf, size_t cap);

/* The stored payload: the value as text with enough digits to round-trip. Returns length or error. */
int reading_encode_value(const struct reading *r, char *buf, size_t cap);

#endif
