/* SPDX-License-Identifier: ISC */
/* The privacy gateway: pushes exactly what the policy allows to each recipient, and audits every push. */
#ifndef WEB_GATEWAY_H
#define WEB_GATEWAY_H

#include "audit_log.h"
#include "loop.h"
#include "policy.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The gateway is the only code that sends sensor data out of the home, and it sends only through
 * cfg.transport. Per allow rule of the policy in force it runs a job on the loop's timers: every
 * `every` it takes the rule's window (from the end of the last successful push, at most `backfill`
 * back, to the end of the last complete bucket; raw and threshold: to now), asks cfg.source for the
 * points at the rule's granularity, builds the payload below and sends it. A failure is retried with
 * exponential backoff (2 s doubling to 5 min, each wait drawn from its upper half) until it succeeds.
 * Every attempt's outcome is an audit entry; a successful one moves the window on (and is how the
 * window is found again after a reboot). Before every attempt the rule is looked up again
 * (policy_permits) in the policy in force at that moment, so revocation, a changed policy or a passed
 * `until` stop it; applying a policy cancels the timers of rules it no longer allows at once, and an
 * attempt in flight at that moment is recorded when it ends but never retried.
 * Without a wall clock, an audit log or a transport nothing is sent.
 *
 * Payload (application/json), rollups:
 *   {"sensor":"pot1","quantity":"moisture","granularity":"1h","purpose":"watering research",
 *    "policy_version":3,"from":1717192800,"to":1717200000,"points":[{"t":1717192800,"mean":31.5},...]}
 * raw: the same with "points":[{"t":1717192812.250,"value":31.5},...]; threshold: "granularity":
 * "threshold","op":">","threshold":400,"events":[{"t":1717192812.250}] (the moments the value crossed
 * the threshold, nothing else). Times are Unix seconds; a bucket's t is its start.
 */

#define GATEWAY_MAX_POINTS 500
#define GATEWAY_RETRY_BASE_S 2
#define GATEWAY_RETRY_CAP_S 300
#define GATEWAY_SEND_TIMEOUT_NS (30 * 1000000000ull)

/* One point from the data source: a reading (raw) or a bucket (start time and mean). */
struct gateway_point {
    uint64_t t_ns;
    double value;
};

/*
 * The data source: points of sensor/quantity at granularity g (raw, 1m, 1h or 1d; the gateway asks for
 * raw to evaluate thresholds) with t in [from_ns, to_ns), in time order, at most cap of them into out
 * (the earliest ones). *n gets the count; *more is set if there were more than cap. Returns 0 or an error.
 */
typedef int (*gateway_source_fn)(void *ctx, const char *sensor, const char *quantity, enum policy_gran g,
                                 uint64_t from_ns, uint64_t to_ns, struct gateway_point *out, unsigned cap,
                                 unsigned *n, bool *more);

/* One outbound request; every pointer is valid until done is called. */
struct gateway_request {
    const char *url;           /* https://host[:port]/path */
    const char *ca_pem;        /* the recipient's CA, or NULL */
    const uint8_t *pin_sha256; /* 32 bytes, or NULL; at least one of ca_pem and pin_sha256 is set */
    const char *bearer;        /* the recipient's API token for "Authorization: Bearer", or NULL */
    const void *body;
    size_t body_len;
    uint64_t timeout_ns;
};

/* rc: 0 when an HTTP answer came (status is its code), else a negative -HEARTH_E* (status 0). */
typedef void (*gateway_done_fn)(void *arg, int rc, int status);

/*
 * The transport (an HTTPS POST with certificate verification: http_client_send in the hub). Returns 0
 * and later calls done exactly once (never from inside this call), or returns an error and never calls it.
 */
typedef int (*gateway_transport_fn)(void *ctx, const struct gateway_request *req, gateway_done_fn done,
                                    void *arg);

/* Told about every allow/deny decision (a trace hook); what is "allow" or "deny". May be NULL. */
typedef void (*gateway_trace_fn)(void *ctx, const char *what, const char *recipient, const char *series,
                                 const char *why);

struct gateway_config {
    struct loop *loop;
    struct audit_log *audit;
    gateway_source_fn source;
    void *source_ctx;
    gateway_transport_fn transport; /* NULL: nothing is ever sent (logged once) */
    void *transport_ctx;
    gateway_trace_fn trace;
    void *trace_ctx;
    uint64_t (*mono_ns)(void);        /* the loop timers' clock */
    int (*wall_ns)(int64_t *unix_ns); /* the time of day; failing: nothing is sent */
    uint64_t jitter_seed;
};

struct gateway;
struct gateway_attempt;

/* The state of one allow rule's pushes (internal to gateway.c; here so the gateway needs no allocation). */
struct gateway_job {
    bool used;
    struct gateway *gw;
    char recipient[POLICY_NAME_MAX + 1], sensor[POLICY_SENSOR_MAX + 1], quantity[POLICY_QUANTITY_MAX + 1];
    enum policy_gran gran;
    uint64_t cursor_ns; /* pushed up to here (exclusive); 0: nothing yet */
    bool above;         /* threshold rules: whether the last reading looked at was past it */
    bool above_known;   /* false after a reboot until a reading was looked at */
    unsigned failures;  /* consecutive failed attempts */
    uint64_t due_ns;    /* when its timer fires (monotonic) */
    struct timer timer;
    struct gateway_attempt *in_flight;
};

struct gateway {
    struct gateway_config cfg;
    struct policy *policy; /* in force; NULL: nothing allowed */
    struct gateway_job jobs[POLICY_MAX_RULES];
    uint64_t rng;
    bool said_no_transport;
    unsigned long sent_ok, sent_failed, denied;
};

/* Prepares gw with no policy (nothing allowed). cfg is copied. */
void gateway_init(struct gateway *gw, const struct gateway_config *cfg);

/*
 * Puts p in force (the gateway takes ownership of p, which must come from policy_new; NULL: nothing
 * allowed): jobs of rules that are gone stop now, new rules start now, kept rules keep their window.
 * Windows of new rules continue after the last successful push found in the audit log.
 */
void gateway_apply(struct gateway *gw, struct policy *p);

/* The policy in force, or NULL. */
const struct policy *gateway_policy(const struct gateway *gw);

/* What a job is doing, for the recipients API. */
struct gateway_job_info {
    const char *recipient, *sensor, *quantity;
    enum policy_gran gran;
    uint64_t cursor_s; /* pushed up to here (Unix s), 0: nothing yet */
    unsigned failures; /* consecutive failed attempts */
    bool in_flight;
    uint64_t next_due_ns; /* monotonic */
};

/* Calls fn for each job. */
void gateway_jobs(const struct gateway *gw, void (*fn)(void *arg, const struct gateway_job_info *j),
                  void *arg);

/* Stops every job (in-flight attempts are detached and freed when they end) and frees the policy. */
void gateway_stop(struct gateway *gw);

/*
 * The transport over services/http_client.h (web/gateway_https.c, built once that header exists): a POST
 * of the payload with certificate verification against the recipient's CA or pin. ctx is the struct loop.
 */
int gateway_https_transport(void *loop, const struct gateway_request *req, gateway_done_fn done, void *arg);

/* Builds the payload of one push into a malloc'd buffer (*out, *len). Returns 0 or -HEARTH_ENOMEM. */
int gateway_payload(const struct policy_rule *rule, uint32_t version, uint64_t from_ns, uint64_t to_ns,
                    const struct gateway_point *pts, unsigned n, char **out, size_t *len);

/*
 * The data source over raw readings in the store (STORE_T_READING, key "sensor/quantity", payload the
 * value as decimal text): raw points, or bucket means computed from them. ctx is the struct store.
 * Rollups from sensors/rollup.h can replace it behind the same gateway_source_fn.
 */
int gateway_source_store_means(void *ctx, const char *sensor, const char *quantity, enum policy_gran g,
                               uint64_t from_ns, uint64_t to_ns, struct gateway_point *out, unsigned cap,
                               unsigned *n, bool *more);

struct rollup;
struct store;
/* What gateway_source_rollups reads: the rollup tiers for 1m/1h/1d, the store for raw and thresholds. */
struct gateway_rollup_source {
    struct rollup *rollup;
    struct store *store;
};

/*
 * The data source the hub uses (web/gateway_source_rollup.c): 1m/1h/1d means from the rollup tiers,
 * which also serve the dashboard's charts, so what leaves the home is exactly what the owner sees;
 * raw points and thresholds from gateway_source_store_means. ctx is a struct gateway_rollup_source.
 */
int gateway_source_rollups(void *ctx, const char *sensor, const char *quantity, enum policy_gran g,
                           uint64_t from_ns, uint64_t to_ns, struct gateway_point *out, unsigned cap,
                           unsigned *n, bool *more);

#endif
