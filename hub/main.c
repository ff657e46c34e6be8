/* SPDX-License-Identifier: ISC */
/* The hub's composition root: self-checks, then TLS, the store, the network, every service, the loop. */
#include "auth.h"
#include "cmdline.h"
#include "coap_server.h"
#include "disk.h"
#include "echo.h"
#include "gateway_admin.h"
#include "http_client.h"
#include "ingest.h"
#include "log.h"
#include "loop.h"
#include "mqtt_broker.h"
#include "netstack.h"
#include "registry.h"
#include "rollup.h"
#include "selftest.h"
#include "store.h"
#include "tcp_stream.h"
#include "tls.h"
#include "tls_echo.h"
#include "trace.h"
#include "web.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <hearth_config.h>
#include <inttypes.h>
#include <string.h>

#define TICK_PERIOD_NS 1000000000ull
#define HEARTBEAT_PERIOD_NS (60 * 1000000000ull)

struct hub {
    struct loop loop;
    struct timer tick_timer;
    struct timer heartbeat_timer;
    uint64_t ticks_wanted; /* 0: run until powered off */
    uint64_t ticks_done;
    uint64_t start_ns;
};

/* The tick is the boot self-check of the timer path: tests compare its spacing with the host's clock. */
static void on_tick(struct timer *t, void *arg)
{
    struct hub *hub = arg;
    (void)t;
    hub->ticks_done++;
    uint64_t elapsed_us = (hearth_plat_monotonic_ns() - hub->start_ns) / 1000u;
    log_line("tick %" PRIu64 ": %" PRIu64 ".%03" PRIu64 " ms since first tick armed", hub->ticks_done,
             elapsed_us / 1000u, elapsed_us % 1000u);
    if (hub->ticks_wanted && hub->ticks_done >= hub->ticks_wanted) {
        timer_cancel(&hub->loop.timers, &hub->tick_timer);
        loop_stop(&hub->loop, 0);
    }
}

static void on_heartbeat(struct timer *t, void *arg)
{
    (void)t;
    (void)arg;
    log_line("heartbeat: up %" PRIu64 " s", hearth_plat_monotonic_ns() / 1000000000u);
}

static void print_banner(const struct hearth_start_info *info)
{
    log_line("Hearth %s (%s) on %s", HEARTH_VERSION, HEARTH_BOARD_NAME, info->platform);
    if (info->ram_bank_count) {
        log_line("memory: %" PRIu64 " KiB RAM in %u bank(s), first at 0x%" PRIx64 "; heap %lu KiB",
                 info->ram_bytes / 1024u, info->ram_bank_count, info->ram_banks[0].base,
                 (unsigned long)(info->heap_bytes / 1024u));
    } else {
        log_line("memory: host process, heap from the host's allocator");
    }
    log_line("cmdline: \"%s\"", info->cmdline);
}

/* "fault=null" proves that a crash prints the exception report instead of hanging. */
static void maybe_fault(const char *cmdline)
{
    char what[16];
    if (cmdline_get(cmdline, "fault", what, sizeof(what)) < 0)
        return;
    if (what[0] == 'n' && what[1] == 'u' && what[2] == 'l' && what[3] == 'l' && what[4] == '\0') {
        log_line("fault: dereferencing NULL as asked by the boot arguments");
        volatile uint32_t *null_ptr = (volatile uint32_t *)(uintptr_t)0;
        *null_ptr = 0xdead;
        log_line("fault: the NULL write did not fault");
    } else {
        log_line("fault: unknown kind \"%s\" (known: null)", what);
    }
}

/*
 * TLS: entropy and the device identity. It fails closed (and says why) without a random source, and the
 * hub runs on without TLS services. A static ip= goes into a first certificate's subjectAltName.
 */
static int start_tls(struct loop *loop, const char *cmdline)
{
    char ip[32];
    const char *ipv4 = NULL;
    if (cmdline_get(cmdline, "ip", ip, sizeof(ip)) > 0 && strcmp(ip, "dhcp") != 0) {
        char *slash = strchr(ip, '/');
        if (slash)
            *slash = '\0';
        ipv4 = ip;
    }
    return tls_start(loop, cmdline, ipv4, netstack_wall_ns);
}

#define MQTT_PORT 1883
#define MQTTS_PORT 8883

/* Only boot arguments configure MQTT credentials for now; without them the broker says it is open. */
static enum mqtt_connack_code mqtt_auth(const struct mqtt_str *client_id, const struct mqtt_str *user,
                                        const struct mqtt_str *password, void *arg)
{
    const char *cmdline = arg;
    char want_user[64], want_pass[64];
    (void)client_id;
    if (cmdline_get(cmdline, "mqtt.user", want_user, sizeof(want_user)) < 0)
        return MQTT_CONNACK_ACCEPTED;
    if (cmdline_get(cmdline, "mqtt.pass", want_pass, sizeof(want_pass)) < 0)
        want_pass[0] = '\0';
    int user_ok = user && user->len == strlen(want_user) && memcmp(user->p, want_user, user->len) == 0;
    int pass_ok =
        password && password->len == strlen(want_pass) && memcmp(password->p, want_pass, password->len) == 0;
    return user_ok && pass_ok ? MQTT_CONNACK_ACCEPTED : MQTT_CONNACK_BAD_CREDENTIALS;
}

/* The store on the shared disk, after the key slots. NULL (logged) without a usable disk. */
static struct store *open_store(struct loop *loop, const char *cmdline)
{
    int rc;
    struct hearth_blkdev *dev = disk_get(cmdline, &rc);
    struct store *st = NULL;
    if (!dev) {
        log_line("store: no disk (%s): readings cannot be kept", hearth_strerror(rc));
        return NULL;
    }
    struct hearth_blk_info info;
    hearth_blk_info(dev, &info);
    struct store_config cfg = {.first_block = DISK_KEY_SLOT_BYTES / info.block_size,
                               .end_block = info.block_count - DISK_SELFTEST_BYTES / info.block_size};
    if ((rc = store_open(dev, &cfg, &st)) < 0) {
        log_line("store: not opened (%s)", hearth_strerror(rc));
        return NULL;
    }
    struct store_stats stats;
    store_stats(st, &stats);
    log_line("store: open, %lu segments, next record %lu, %lu blocks read to recover",
             (unsigned long)stats.segments, (unsigned long)stats.next_seq,
             (unsigned long)stats.open_blocks_read);
    store_attach_loop(st, loop);
    return st;
}

/*
 * Rollups and retention tiers over the store: recovery reads the recent log, so it runs with the other
 * disk work before the network. NULL (logged) without a store.
 */
static struct rollup *start_rollups(struct loop *loop, struct store *st)
{
    static struct rollup rollup;
    int rc;
    if (!st)
        return NULL;
    rollup_init(&rollup, st, netstack_wall_ns);
    if ((rc = rollup_start(&rollup, loop)) < 0) {
        log_line("rollup: not started (%s)", hearth_strerror(rc));
        return NULL;
    }
    web_series_set_rollup(&rollup, netstack_wall_ns);
    return &rollup;
}

/*
 * Sensor ingest: the registry (loaded from the store; tokens from the TLS generator), the MQTT broker on
 * 1883 and, with TLS, 8883, CoAP on 5683, and the HTTPS routes; readings go into the store and rollups.
 */
static void start_sensors(struct loop *loop, const char *cmdline, struct store *st, struct rollup *ru,
                          int tls_ok)
{
    static struct mqtt_broker broker;
    static struct ingest ingest;
    static struct registry registry;
    static struct coap_server coap;
    int rc;
    ingest_init(&ingest, st, &broker, netstack_wall_ns);
    registry_init(&registry, st, tls_ok ? tls_random : NULL, netstack_wall_ns);
    if ((rc = registry_load(&registry)) < 0)
        log_line("registry: not loaded (%s)", hearth_strerror(rc));
    else
        log_line("registry: %d sensor(s)", rc);
    ingest_add_observer(&ingest, registry_observe, &registry);
    ingest_set_mqtt_hooks(&ingest, &(struct ingest_mqtt_hooks){.admit = registry_mqtt_admit,
                                                               .other = registry_mqtt_discovery,
                                                               .arg = &registry});
    web_sensors_set(&ingest, &registry);
    if (ru) {
        ingest_add_observer(&ingest, rollup_observe, ru);
        rollup_set_raw_days_fn(ru, registry_raw_days, &registry); /* per-sensor raw retention */
    }
    mqtt_broker_init(&broker, loop, mqtt_auth, (void *)cmdline, ingest_mqtt, &ingest);
    char user[8];
    if (cmdline_get(cmdline, "mqtt.user", user, sizeof(user)) < 0)
        log_line("mqtt: no credentials configured (mqtt.user=, mqtt.pass=): clients need none");
    if ((rc = tcp_stream_listen(MQTT_PORT, mqtt_broker_accept, &broker)) < 0)
        log_line("mqtt: not listening on %u (%s)", MQTT_PORT, hearth_strerror(rc));
    else
        log_line("mqtt: listening on %u", MQTT_PORT);
    if (tls_ok && (rc = tls_listen(MQTTS_PORT, mqtt_broker_accept, &broker)) == 0)
        log_line("mqtt: listening on %u (TLS)", MQTTS_PORT);
    if ((rc = coap_server_init(&coap, loop, &ingest, NULL, NULL)) < 0 ||
        (rc = coap_server_listen(&coap, COAP_PORT)) < 0)
        log_line("coap: not listening on %u (%s)", COAP_PORT, hearth_strerror(rc));
    else
        log_line("coap: listening on %u", COAP_PORT);
}

/*
 * The gateway's allow/deny decisions into the trace ring: a0 is 1 for allow and 0 for deny, a1 a hash of
 * recipient and series (FNV-1a) so that one rule's decisions line up in a trace viewer.
 */
static void trace_policy_decision(void *ctx, const char *what, const char *recipient, const char *series,
                                  const char *why)
{
    uint32_t h = 2166136261u;
    (void)ctx;
    (void)why;
    for (const char *p = recipient; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    h = (h ^ (uint8_t)'/') * 16777619u;
    for (const char *p = series; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    trace_instant(TRACE_POLICY_DECISION, 0, strcmp(what, "allow") == 0, (int32_t)(h & 0x7fffffffu));
}

/*
 * The privacy gateway: the policy saved in the store, the audit log, and the only path by which sensor
 * data leaves the home. Without a store there is no audit log, so nothing is ever sent.
 */
static void start_gateway(struct loop *loop, struct store *st, struct rollup *ru, int tls_ok)
{
    static struct gateway_rollup_source source;
    static struct audit_log audit;
    static struct gateway gw;
    static struct gateway_admin admin;
    uint64_t seed = 0;
    int rc;
    source = (struct gateway_rollup_source){.rollup = ru, .store = st};
    if (tls_ok)
        tls_random((uint8_t *)&seed, sizeof(seed));
    if ((rc = audit_log_open(&audit, st, netstack_wall_ns)) < 0)
        log_line("gateway: no audit log (%s): nothing will be sent", hearth_strerror(rc));
    /* The gateway is the only code that opens outbound connections: through the HTTPS client, with TLS. */
    struct gateway_config cfg = {.loop = loop,
                                 .transport = tls_ok ? gateway_https_transport : NULL,
                                 .transport_ctx = loop,
                                 .audit = &audit,
                                 .source = ru ? gateway_source_rollups : gateway_source_store_means,
                                 .source_ctx = ru ? (void *)&source : (void *)st,
                                 .mono_ns = hearth_plat_monotonic_ns,
                                 .wall_ns = netstack_wall_ns,
                                 .jitter_seed = seed,
                                 .trace = trace_policy_decision};
    gateway_init(&gw, &cfg);
    gateway_admin_start(&admin, &gw, &audit, st);
    web_gateway_set(&admin);
}

/*
 * Services in dependency order. TLS and the store come first: their disk work blocks the loop, and
 * done before the network starts it cannot eat into DHCP's wait. Without a network device the hub
 * runs on and says why.
 */
static struct store *start_services(struct loop *loop, const char *cmdline)
{
    uint64_t echo = 0, tlsecho = 0, bench = 0;
    int tls_ok = start_tls(loop, cmdline) == 0;
    uint8_t seed[32];
    if (tls_ok && tls_random(seed, sizeof(seed)) == 0)
        netstack_reseed(seed, sizeof(seed)); /* ports, DNS ids and TCP sequence numbers from the DRBG */
    struct store *st = open_store(loop, cmdline);
    if (cmdline_get_u64(cmdline, "auth.bench", &bench) == 0 && bench)
        auth_benchmark(hearth_plat_monotonic_ns); /* measures the password hash's cost on this board */
    struct rollup *ru = start_rollups(loop, st);
    if (tls_ok)
        netstack_on_clock_set(tls_clock_changed); /* a certificate issued before SNTP answered is renewed */
    if (netstack_start(loop, cmdline) < 0)
        return st;
    if (cmdline_get_u64(cmdline, "echo", &echo) == 0 && echo)
        echo_start(ECHO_PORT);
    /* A TLS echo for testing the TLS layer on its own (tests/system/test_tls_hosted.py). */
    if (tls_ok && cmdline_get_u64(cmdline, "tlsecho", &tlsecho) == 0 && tlsecho)
        tls_echo_start(TLS_ECHO_PORT);
    web_readings_set_store(st);
    web_auth_init(st, tls_ok ? tls_random : NULL);
    if (tls_ok)
        web_set_crl_source(tls_crl); /* http://hearth.local/crl.der, named in the device certificate */
    web_start(loop, tls_ok ? tls_listen : NULL);
    start_sensors(loop, cmdline, st, ru, tls_ok);
    start_gateway(loop, st, ru, tls_ok);
    if (tls_ok)
        http_client_test_hook(loop, cmdline); /* TEST HOOK: inert without httpclient.test= */
    return st;
}

int hearth_main(const struct hearth_start_info *info)
{
    static struct hub hub;
    static struct trace_event trace_ring[HEARTH_TRACE_EVENTS];
    int rc;

    trace_init(trace_ring, HEARTH_TRACE_EVENTS); /* first: boot-time events are worth seeing too */
    print_banner(info);
    maybe_fault(info->cmdline);
    selftest_blk(info->cmdline);

    loop_init(&hub.loop);
    hub.ticks_done = 0;
    hub.ticks_wanted = 0;
    rc = cmdline_get_u64(info->cmdline, "ticks", &hub.ticks_wanted);
    if (rc < 0 && rc != -HEARTH_ENOENT)
        log_line("cmdline: ignoring bad ticks= value (%s)", hearth_strerror(rc));

    struct store *st = start_services(&hub.loop, info->cmdline);

    hub.start_ns = hearth_plat_monotonic_ns();
    if (hub.ticks_wanted)
        timer_arm(&hub.loop.timers, &hub.tick_timer, hub.start_ns + TICK_PERIOD_NS, TICK_PERIOD_NS, on_tick,
                  &hub);
    else
        timer_arm(&hub.loop.timers, &hub.heartbeat_timer, hub.start_ns + HEARTBEAT_PERIOD_NS,
                  HEARTBEAT_PERIOD_NS, on_heartbeat, &hub);
    log_line("ready: %s", hub.ticks_wanted ? "running the timer self-check" : "hub running");

    rc = loop_run(&hub.loop);
    if (hearth_plat_poweroff_requested())
        log_line("shutdown: the platform asked for a power-off");
    /* A checkpoint now means the next boot replays nothing, and every record is checkpointed. */
    if (rc == 0 && st && (rc = store_close(st)) < 0)
        log_line("store: close failed (%s)", hearth_strerror(rc));
    log_line("shutdown: %s (status %d)", rc == 0 ? "clean power-off" : "crash", rc);
    return rc;
}
