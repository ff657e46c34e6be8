/* SPDX-License-Identifier: ISC */
/* Saving and loading the policy text in chunks with a head record that names the current version. */
#include "policy_store.h"

#include "audit.h"
#include "policy.h"
#include "store.h"

#include <hearth/err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 1536u
#define HEAD_KEY "policy/head"

static int put(struct store *st, const char *key, const void *payload, size_t len, uint64_t time_ns)
{
    struct store_record r = {.type = STORE_T_CONFIG,
                             .key = (const uint8_t *)key,
                             .key_len = (uint8_t)strlen(key),
                             .payload = payload,
                             .payload_len = (uint16_t)len,
                             .timestamp_ns = time_ns};
    return store_append(st, &r, NULL, NULL, NULL);
}

int policy_store_save(struct store *st, uint32_t version, const char *text, size_t len, uint64_t time_ns)
{
    char key[32], head[160], hex[65];
    uint8_t sha[32];
    int rc = 0;
    if (!st || len > POLICY_TEXT_MAX)
        return -HEARTH_EINVAL;
    unsigned chunks = (unsigned)((len + CHUNK - 1) / CHUNK);
    for (unsigned i = 0; i < chunks && rc == 0; i++) {
        snprintf(key, sizeof(key), "policy/%" PRIu32 "/%u", version, i);
        size_t n = len - (size_t)i * CHUNK < CHUNK ? len - (size_t)i * CHUNK : CHUNK;
        rc = put(st, key, text + (size_t)i * CHUNK, n, time_ns);
    }
    if (rc < 0)
        return rc;
    audit_sha256(text, len, sha);
    audit_hex(sha, hex);
    int n = snprintf(head, sizeof(head), "version %" PRIu32 "\nlength %lu\nchunks %u\nsha256 %s\n", version,
                     (unsigned long)len, chunks, hex);
    if ((rc = put(st, HEAD_KEY, head, (size_t)n, time_ns)) < 0)
        return rc;
    return store_commit(st);
}

/* The head record's four lines, strictly. */
static int parse_head(const char *s, uint32_t *version, size_t *len, unsigned *chunks, char hex[65])
{
    unsigned long v, l;
    unsigned c;
    int used = 0;
    if (sscanf(s, "version %lu\nlength %lu\nchunks %u\nsha256 %64[0-9a-f]\n%n", &v, &l, &c, hex, &used) !=
            4 ||
        used == 0 || s[used] != '\0' || strlen(hex) != 64 || v == 0 || v > UINT32_MAX ||
        l > POLICY_TEXT_MAX || c != (l + CHUNK - 1) / CHUNK)
        return -HEARTH_EBADMSG;
    *version = (uint32_t)v;
    *len = l;
    *chunks = c;
    return 0;
}

int policy_store_load(struct store *st, char **text, size_t *len, uint32_t *version)
{
    char head[161], key[32], want[65], got[65];
    uint8_t buf[STORE_KEY_MAX + STORE_PAYLOAD_MAX];
    struct store_record r;
    unsigned chunks;
    uint8_t sha[32];
    *text = NULL;
    if (!st)
        return -HEARTH_EINVAL;
    int rc = store_get_latest(st, STORE_T_CONFIG, (const uint8_t *)HEAD_KEY, sizeof(HEAD_KEY) - 1, &r, buf,
                              sizeof(buf));
    if (rc < 0)
        return rc == -HEARTH_ERANGE ? -HEARTH_EBADMSG : rc;
    if (r.payload_len >= sizeof(head))
        return -HEARTH_EBADMSG;
    memcpy(head, r.payload, r.payload_len);
    head[r.payload_len] = '\0';
    if (parse_head(head, version, len, &chunks, want) < 0)
        return -HEARTH_EBADMSG;
    char *out = malloc(*len + 1);
    if (!out)
        return -HEARTH_ENOMEM;
    size_t used = 0;
    for (unsigned i = 0; i < chunks; i++) {
        snprintf(key, sizeof(key), "policy/%" PRIu32 "/%u", *version, i);
        rc = store_get_latest(st, STORE_T_CONFIG, (const uint8_t *)key, (uint8_t)strlen(key), &r, buf,
                              sizeof(buf));
        if (rc == -HEARTH_ENOENT || rc == -HEARTH_ERANGE || (rc == 0 && used + r.payload_len > *len))
            rc = -HEARTH_EBADMSG;
        if (rc < 0) {
            free(out);
            return rc;
        }
        memcpy(out + used, r.payload, r.payload_len);
        used += r.payload_len;
    }
    out[used] = '\0';
    audit_sha256(out, used, sha);
    audit_hex(sha, got);
    if (used != *len || strcmp(got, want) != 0) {
        free(out);
        return -HEARTH_EBADMSG;
    }
    *text = out;
    return 0;
}
