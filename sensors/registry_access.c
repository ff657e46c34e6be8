/* SPDX-License-Identifier: ISC */
/* Who may send what: owner updates, per-sensor API tokens (hashed, compared in constant time), rate limits.
 */
#include "registry_int.h"

#include "log.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <mbedtls/constant_time.h>
#include <mbedtls/sha256.h>
#include <stdio.h>
#include <string.h>

/* A fresh token into token_out and its hash into hash; the token itself is never kept. */
static int make_token(struct registry *reg, char token_out[REGISTRY_TOKEN_LEN + 1], uint8_t hash[32])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t raw[REGISTRY_TOKEN_LEN / 2];
    if (!reg->random)
        return -HEARTH_ENOTSUP;
    int rc = reg->random(raw, sizeof(raw));
    if (rc < 0)
        return rc == -HEARTH_ENOTCONN ? -HEARTH_ENOTSUP : rc;
    for (size_t i = 0; i < sizeof(raw); i++) {
        token_out[2 * i] = hex[raw[i] >> 4];
        token_out[2 * i + 1] = hex[raw[i] & 15];
    }
    token_out[REGISTRY_TOKEN_LEN] = '\0';
    memset(raw, 0, sizeof(raw));
    return mbedtls_sha256((const unsigned char *)token_out, REGISTRY_TOKEN_LEN, hash, 0) == 0 ? 0
                                                                                              : -HEARTH_EIO;
}

int registry_put(struct registry *reg, const char *id, const struct json_doc *doc,
                 const struct json_value *obj, char token_out[REGISTRY_TOKEN_LEN + 1], int *created,
                 const char **field)
{
    struct registry_sensor *s = registry_find(reg, id), copy;
    int rc, existed = s != NULL;
    *created = 0;
    *field = "";
    if (!reading_id_ok(id, strlen(id), 0))
        return -HEARTH_EINVAL;
    if (s) {
        copy = *s;
    } else {
        if (reg->count == REGISTRY_MAX_SENSORS)
            return -HEARTH_ENOSPC;
        memset(&copy, 0, sizeof(copy));
        snprintf(copy.id, sizeof(copy.id), "%s", id);
        snprintf(copy.origin, sizeof(copy.origin), "owner");
        copy.burst = REGISTRY_DEFAULT_BURST;
        copy.rate = REGISTRY_DEFAULT_RATE;
    }
    if ((rc = registry_apply(&copy, doc, obj, 0, field)) < 0)
        return rc;
    /* A sensor made by the owner gets its token now; one that registered itself keeps what it has. */
    if (!existed && (rc = make_token(reg, token_out, copy.token_hash)) < 0)
        return rc;
    copy.has_token |= !existed;
    if ((rc = registry_persist(reg, &copy, 1)) < 0)
        return rc;
    if (!existed && !(s = registry_add(reg, id, "owner")))
        return -HEARTH_ENOMEM;
    *s = copy;
    *created = !existed;
    return 0;
}

int registry_rotate_token(struct registry *reg, const char *id, char token_out[REGISTRY_TOKEN_LEN + 1])
{
    struct registry_sensor *s = registry_find(reg, id), copy;
    int rc;
    if (!s)
        return -HEARTH_ENOENT;
    copy = *s;
    if ((rc = make_token(reg, token_out, copy.token_hash)) < 0)
        return rc;
    copy.has_token = 1;
    if ((rc = registry_persist(reg, &copy, 1)) < 0)
        return rc;
    *s = copy;
    log_line("registry: new token for sensor %s", id);
    return 0;
}

struct registry_sensor *registry_authenticate(struct registry *reg, const char *token, size_t len)
{
    uint8_t hash[32];
    struct registry_sensor *found = NULL;
    if (len != REGISTRY_TOKEN_LEN || mbedtls_sha256((const unsigned char *)token, len, hash, 0) != 0)
        return NULL;
    /* Every sensor is compared, whatever matched before, and each comparison takes the same time. */
    for (unsigned i = 0; i < reg->count; i++) {
        struct registry_sensor *s = reg->sensors[i];
        int same = mbedtls_ct_memcmp(hash, s->token_hash, sizeof(hash)) == 0;
        if (same && s->has_token)
            found = s;
    }
    return found;
}

int registry_admit(struct registry *reg, const char *id, unsigned n, uint32_t *retry_after_s)
{
    struct registry_sensor *s = registry_find(reg, id);
    *retry_after_s = 0;
    if (!s)
        return -HEARTH_ENOENT;
    if (n > s->burst) {
        s->limited += n;
        reg->stats.limited += n;
        return -HEARTH_ERANGE;
    }
    /* GCRA: each reading moves the theoretical arrival time on by one interval; at most burst ahead. */
    uint64_t now = hearth_plat_monotonic_ns(), interval = (uint64_t)(1e9 / s->rate);
    uint64_t tat = s->tat_ns > now ? s->tat_ns : now, next = tat + n * interval;
    uint64_t allowed = (uint64_t)s->burst * interval;
    if (next - now > allowed) {
        uint64_t wait_ns = next - allowed - now;
        *retry_after_s = (uint32_t)((wait_ns + 999999999u) / 1000000000u);
        if (!*retry_after_s)
            *retry_after_s = 1;
        s->limited += n;
        reg->stats.limited += n;
        return -HEARTH_EAGAIN;
    }
    s->tat_ns = next;
    return 0;
}

int registry_mqtt_admit(void *arg, const struct reading *r, const char *source)
{
    struct registry *reg = arg;
    uint32_t retry;
    struct registry_sensor *s = registry_find(reg, r->sensor);
    if (!s) {
        if (reg->count < REGISTRY_MAX_SENSORS)
            return 0;
        reg->stats.full++;
        log_line("registry: dropped a reading of new sensor %s from %s: the registry is full", r->sensor,
                 source);
        return -HEARTH_ENOSPC;
    }
    int rc = registry_admit(reg, r->sensor, 1, &retry);
    uint64_t now = hearth_plat_monotonic_ns();
    if (rc < 0 && (!s->limited_log_ns || now - s->limited_log_ns >= REGISTRY_LIMIT_LOG_NS)) {
        /* At most one line per sensor every 10 s: a flooding sensor must not flood the log as well. */
        s->limited_log_ns = now;
        log_line(
            "registry: sensor %s over its rate limit (%lu readings at once, %g/s): dropping readings from "
            "%s (%lu dropped so far)",
            s->id, (unsigned long)s->burst, s->rate, source, s->limited);
    }
    return rc;
}
