/* SPDX-License-Identifier: ISC */
/* Boot-argument lookup: "key=value" words separated by spaces, values optionally in double quotes. */
#ifndef SERVICES_CMDLINE_H
#define SERVICES_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Copies the value of the last "key=value" (or bare "key", value "") in cmdline into out, NUL-terminated.
 * Returns the value's length, -HEARTH_ENOENT if key is absent, -HEARTH_EINVAL for an unterminated quote
 * or an empty key, -HEARTH_ERANGE if the value does not fit in out_len bytes (out is then "").
 */
int cmdline_get(const char *cmdline, const char *key, char *out, size_t out_len);

/*
 * Parses the value of key as a decimal unsigned integer into *out.
 * Returns 0, -HEARTH_ENOENT if absent, -HEARTH_EINVAL if not a number, -HEARTH_ERANGE on overflow.
 */
int cmdline_get_u64(const char *cmdline, const char *key, uint64_t *out);

#endif
