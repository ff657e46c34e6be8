/* SPDX-License-Identifier: ISC */
/* The privacy policy: who may receive which sensor data, how coarse, how often, why and until when. */
#ifndef WEB_POLICY_H
#define WEB_POLICY_H

#include <stddef.h>
#include <stdint.h>

/*
 * The policy is a small line-based text the owner reads and edits (PUT /api/policy). Anything it does
 * not allow is never sent (default deny). Example:
 *
 *   # who may receive what from this home
 *   recipient weather-coop
 *     endpoint https://coop.example:8443/ingest
 *     pin-sha256 3f2a...(64 hex digits: SHA-256 of the server's certificate, DER)
 *     allow pot1/moisture granularity 1h every 1h purpose "watering research" until 2027-06-01
 *     allow fridge/gas threshold > 400 purpose "safety alerts"
 *
 *   recipient family-dashboard
 *     endpoint https://10.0.0.5/hearth
 *     ca
 *     -----BEGIN CERTIFICATE-----
 *     ...
 *     -----END CERTIFICATE-----
 *     revoked
 *
 * Lines: '#' starts a comment (outside quotes); leading blanks are ignored; words are separated by
 * blanks. A line belongs to the last `recipient` line above it.
 *   recipient NAME        NAME: [a-z0-9_-], 1..32 characters, unique in the document
 *   endpoint URL          https://HOST[:PORT]/PATH; HOST a DNS name or IPv4 address; at most 200 bytes
 *   pin-sha256 HEX        the server certificate's SHA-256; and/or
 *   ca                    followed by one PEM certificate (the only CA trusted for this recipient)
 *   token TEXT            an API token the recipient issued (1..128 characters of A-Z a-z 0-9 - . _ ~ + / =,
 *                         RFC 6750's b64token): sent as "Authorization: Bearer TEXT" with every push
 *   revoked               nothing is sent to this recipient (its rules stay for the record)
 *   allow SENSOR/QUANTITY granularity raw|1m|1h|1d [every DUR] [backfill DUR] purpose "TEXT" [until DATE]
 *   allow SENSOR/QUANTITY threshold >|< NUMBER [every DUR] purpose "TEXT" [until DATE]
 * Every recipient needs an endpoint and a pin-sha256 or a ca. A series is allowed at most once per
 * recipient. DUR is a count and a unit s, m, h or d; `every` is 10s..7d (default: the granularity,
 * 1m for raw and threshold), `backfill` 0s..30d (default 24h: how far back a new rule starts). DATE is
 * YYYY-MM-DD (midnight UTC) or YYYY-MM-DDTHH:MM:SSZ; from then on the rule is void. TEXT is 1..80
 * printable ASCII characters without '"' or '\'. Granularities: raw readings, means over 1 minute,
 * 1 hour or 1 day buckets, or a threshold event only (the time at which the value crossed it, no
 * value). Keywords of an allow line may come in any order after the series.
 *
 * Policies are versioned by the hub: each accepted document (or revocation) gets the next number.
 */

#define POLICY_NAME_MAX 32
#define POLICY_SENSOR_MAX 32
#define POLICY_QUANTITY_MAX 24
#define POLICY_URL_MAX 200
#define POLICY_TOKEN_MAX 128
#define POLICY_PURPOSE_MAX 80
#define POLICY_MAX_RECIPIENTS 8
#define POLICY_MAX_RULES 32
#define POLICY_TEXT_MAX (12 * 1024)
#define POLICY_LINE_MAX 200
#define POLICY_EVERY_MIN_S 10
#define POLICY_EVERY_MAX_S (7 * 86400)
#define POLICY_BACKFILL_MAX_S (30 * 86400)
#define POLICY_BACKFILL_DEFAULT_S 86400

enum policy_gran {
    POLICY_G_RAW,
    POLICY_G_1M,
    POLICY_G_1H,
    POLICY_G_1D,
    POLICY_G_THRESHOLD,
};

struct policy_rule {
    char sensor[POLICY_SENSOR_MAX + 1];
    char quantity[POLICY_QUANTITY_MAX + 1];
    enum policy_gran gran;
    char threshold_op; /* '>' or '<' for POLICY_G_THRESHOLD */
    double threshold;
    uint32_t every_s;
    uint32_t backfill_s;
    char purpose[POLICY_PURPOSE_MAX + 1];
    int64_t until_s; /* Unix seconds from which the rule is void; 0: no end */
    unsigned line;
};

struct policy_recipient {
    char name[POLICY_NAME_MAX + 1];
    char url[POLICY_URL_MAX + 1];
    uint8_t pin[32];
    int has_pin;
    const char *ca_pem;               /* NUL-terminated PEM inside the policy's pem_pool, or NULL */
    char token[POLICY_TOKEN_MAX + 1]; /* the recipient's API token ("": none); never shown by the API */
    int revoked;
    unsigned rule_first, rule_count; /* its rules: rules[rule_first .. rule_first + rule_count) */
    unsigned line;
};

/* A parsed policy; about 17 KiB, so callers allocate it (policy_new). Self-contained: no pointers out. */
struct policy {
    uint32_t version;
    unsigned recipient_count, rule_count;
    struct policy_recipient recipients[POLICY_MAX_RECIPIENTS];
    struct policy_rule rules[POLICY_MAX_RULES];
    size_t pem_used;
    char pem_pool[POLICY_TEXT_MAX];
};

/* One validation error: the 1-based line (0: the whole document), the field it is about, and why. */
struct policy_error {
    unsigned line;
    char field[16];
    char message[96];
};

#define POLICY_MAX_ERRORS 16

/*
 * Parses and validates text (len bytes, need not be NUL-terminated) into *out (version set to 0).
 * Reports up to max_errors errors into errors (caller-owned) and their total count in *error_count
 * (which may exceed max_errors). Returns 0 when the document is valid, -HEARTH_EINVAL when it is not
 * (*out is then unusable), or -HEARTH_EINVAL with one line-0 error for a NULL or oversized text.
 */
int policy_parse(const char *text, size_t len, struct policy *out, struct policy_error *errors,
                 unsigned max_errors, unsigned *error_count);

/* A zeroed policy on the heap (free with free()); NULL without memory. */
struct policy *policy_new(void);

/* Copies src into dst, fixing the PEM pointers to dst's own pool. */
void policy_copy(struct policy *dst, const struct policy *src);

/* The recipient called name, or NULL. */
const struct policy_recipient *policy_recipient(const struct policy *p, const char *name);

/*
 * Default deny in one place: the rule of recipient name for sensor/quantity at granularity g that is
 * in force at now_s (Unix seconds), or NULL when nothing allows it (no such recipient, revoked, no
 * such rule, another granularity, or past its until). p may be NULL (nothing allowed).
 */
const struct policy_rule *policy_permits(const struct policy *p, const char *name, const char *sensor,
                                         const char *quantity, enum policy_gran g, int64_t now_s);

/* "raw", "1m", "1h", "1d", "threshold". */
const char *policy_gran_name(enum policy_gran g);

/* The bucket length of g in seconds (raw and threshold: 0). */
uint32_t policy_gran_seconds(enum policy_gran g);

/*
 * Revocation as an edit of the owner's text, so comments and layout survive: with series NULL, a
 * `revoked` line is inserted after `recipient name`; with series "sensor/quantity" that recipient's allow
 * line for it is turned into a comment ("# revoked: allow ..."). The result (malloc'd, NUL-terminated,
 * caller frees) goes to *out and its length to *out_len. Returns 0, -HEARTH_ENOENT (no such recipient or
 * allow line), -HEARTH_EINVAL (text does not parse), -HEARTH_ERANGE (result too long), -HEARTH_ENOMEM.
 */
int policy_revoke_text(const char *text, size_t len, const char *name, const char *series, char **out,
                       size_t *out_len);

#endif
