/* SPDX-License-Identifier: ISC */
/* Shared inside the registry module: adding sensors, their quantities, applying JSON, persisting. */
#ifndef SENSORS_REGISTRY_INT_H
#define SENSORS_REGISTRY_INT_H

#include "registry.h"

/* Adds a sensor with default limits; NULL when the registry is full (counted) or out of memory. */
struct registry_sensor *registry_add(struct registry *reg, const char *id, const char *origin);

/*
 * Applies the members of JSON object obj to s. stored: the registry's own record (every member,
 * including the token hash, seen times and discovery entries); otherwise an owner's update (name, kind,
 * location, units, burst, rate only). Returns 0 or -HEARTH_EINVAL with *field naming the member; s may
 * be partly changed then (callers work on a copy).
 */
int registry_apply(struct registry_sensor *s, const struct json_doc *doc, const struct json_value *obj,
                   int stored, const char **field);

/* Appends s's record to the store (a no-op without a store); with commit, makes it durable now. */
int registry_persist(struct registry *reg, struct registry_sensor *s, int commit);

/* 1 when s[0, len) is a display text: valid UTF-8 (the JSON reader checked) without control characters. */
int registry_text_ok(const char *s, size_t len, size_t max);

/* 1 when s is a kind: [a-z0-9-], at most REGISTRY_KIND_MAX bytes (may be empty). */
int registry_kind_ok(const char *s, size_t len);

/* Wall-clock Unix seconds now, or 0 without a clock. */
uint64_t registry_now_s(const struct registry *reg);

#endif
