/* SPDX-License-Identifier: ISC */
/* hearth/plat.h for a Xen guest on ARM: boot sequence, console, clocks, yield, exit. */
#include "cpu.h"
#include "dt.h"
#include "evtchn.h"
#include "gic.h"
#include "gnttab.h"
#include "hypercall.h"
#include "libc_glue.h"
#include "pl011.h"

#include <hearth/err.h>
#include <hearth/plat.h>
#include <stdio.h>
#include <string.h>

/* Used only if the device tree has no UART node: Xen's fixed vpl011 address for dom0less guests. */
#define XEN_DOM0LESS_VPL011_BASE 0x22000000u
/* The DTB is at most 2 MiB (Linux's arm64 booting rules); we never read past that. */
#define DTB_MAX_BYTES (2u << 20)

extern char _image_start[], _image_end[];

struct xen_plat {
    struct hearth_start_info info;
    struct dt_platform dt;
    struct gic gic;
    uint32_t counter_hz;
    char platform[64];
};

static struct xen_plat plat;

const struct hearth_start_info *hearth_plat_start_info(void)
{
    return &plat.info;
}

void hearth_plat_console_write(const char *buf, size_t len)
{
    pl011_write(buf, len);
}

/* Splitting the division keeps 64-bit intermediates from overflowing for centuries of uptime. */
uint64_t hearth_plat_monotonic_ns(void)
{
    uint64_t ticks = cpu_counter(), hz = plat.counter_hz;
    return (ticks / hz) * 1000000000u + (ticks % hz) * 1000000000u / hz;
}

static uint64_t ns_to_ticks(uint64_t ns)
{
    uint64_t hz = plat.counter_hz;
    return (ns / 1000000000u) * hz + (ns % 1000000000u) * hz / 1000000000u;
}

/* Xen's wall clock is a base in shared_info plus the guest's own counter (which starts at creation). */
int hearth_plat_wall_ns(int64_t *unix_ns)
{
    uint64_t sec;
    uint32_t nsec;
    int rc = evtchn_shared_wallclock(&sec, &nsec);
    if (rc < 0)
        return rc;
    *unix_ns = (int64_t)(sec * 1000000000u + nsec + hearth_plat_monotonic_ns());
    return 0;
}

int hearth_plat_entropy(void *buf, size_t len)
{
    (void)buf;
    (void)len;
    return -HEARTH_ENOTSUP; /* no hardware RNG is exposed to a domU here; callers fail closed */
}

/*
 * Interrupts stay masked at the CPU: WFI returns once the GIC holds a pending one, and we drain the
 * GIC here. The virtual timer means the deadline; Xen's event upcall means event channels to scan.
 */
int hearth_plat_yield(uint64_t deadline_ns)
{
    int woke_by_event = 0;

    if (hearth_plat_monotonic_ns() >= deadline_ns)
        return 0;
    cpu_vtimer_arm(ns_to_ticks(deadline_ns) + 1);
    while (hearth_plat_monotonic_ns() < deadline_ns && !woke_by_event) {
        cpu_wait_for_interrupt();
        for (;;) {
            uint32_t iar = gic_ack(&plat.gic);
            uint32_t intid = iar & 0x3ff;
            if (intid == GIC_SPURIOUS)
                break;
            if (intid == plat.dt.vtimer_intid)
                cpu_vtimer_disarm();
            else
                woke_by_event = 1;
            gic_eoi(&plat.gic, iar);
            /* Scan after the EOI: an event that arrives meanwhile raises the upcall again. */
            if (intid == evtchn_upcall_intid() && intid != 0)
                evtchn_dispatch(hearth_plat_monotonic_ns());
        }
    }
    cpu_vtimer_disarm();
    return woke_by_event;
}

/* TODO(xl shutdown): watch xenstore's control/shutdown; until then only the guest decides to stop. */
int hearth_plat_poweroff_requested(void)
{
    return 0;
}

_Noreturn void hearth_plat_exit(int status)
{
    struct sched_shutdown shutdown = {.reason = status == 0 ? SHUTDOWN_poweroff : SHUTDOWN_crash};
    char line[80];
    int n = snprintf(line, sizeof(line), "xen: SCHEDOP_shutdown(%s)\n", status == 0 ? "poweroff" : "crash");
    hearth_plat_console_write(line, (size_t)n);
    hypercall_sched_op(SCHEDOP_shutdown, &shutdown);
    /* Only a broken hypervisor returns here; keep the vCPU idle rather than run on. */
    for (;;)
        cpu_wait_for_interrupt();
}

_Noreturn void hearth_panic(const char *file, int line, const char *msg)
{
    char buf[256];
    int n = snprintf(buf, sizeof(buf), "PANIC at %s:%d: %s\n", file, line, msg);
    hearth_plat_console_write(buf, n > 0 && (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
    hearth_plat_exit(3);
}

/* Xen's version as "Xen 4.17.5 (arm64)" from XENVER_version and XENVER_extraversion. */
static void describe_platform(void)
{
    long version = hypercall_xen_version(XENVER_version, NULL);
    xen_extraversion_t extra;
    memset(extra, 0, sizeof(extra));
    if (hypercall_xen_version(XENVER_extraversion, extra) < 0)
        extra[0] = '\0';
    extra[sizeof(extra) - 1] = '\0';
    /* Debian's extraversion carries the git describe suffix; the release is the first dot field. */
    size_t cut = strcspn(extra + (extra[0] == '.'), "+-~") + (extra[0] == '.');
    extra[cut] = '\0';
    snprintf(plat.platform, sizeof(plat.platform), "Xen %ld.%ld%s (%s)", (version >> 16) & 0xffff,
             version & 0xffff, extra, cpu_arch_name());
}

static void fail_boot(const char *what, int rc)
{
    char line[160];
    int n = snprintf(line, sizeof(line), "xen: boot failed: %s (%s)\n", what, hearth_strerror(rc));
    hearth_plat_console_write(line, (size_t)n);
    hearth_plat_exit(4);
}

/* The heap is the largest gap in the first RAM bank that holds neither the image nor the DTB. */
static void carve_heap(uintptr_t dtb)
{
    uint64_t ram_lo = plat.dt.memory[0].base, ram_hi = ram_lo + plat.dt.memory[0].size;
    uint64_t holes[2][2] = {{(uintptr_t)_image_start, (uintptr_t)_image_end},
                            {dtb & ~0xfffull, (dtb + plat.dt.dtb_size + 0xfff) & ~0xfffull}};
    if (holes[0][0] > holes[1][0]) {
        uint64_t t0 = holes[0][0], t1 = holes[0][1];
        holes[0][0] = holes[1][0], holes[0][1] = holes[1][1];
        holes[1][0] = t0, holes[1][1] = t1;
    }
    uint64_t best_lo = 0, best_hi = 0, cursor = ram_lo;
    for (int i = 0; i <= 2; i++) {
        uint64_t gap_end = i < 2 ? holes[i][0] : ram_hi;
        if (gap_end > ram_hi)
            gap_end = ram_hi;
        if (gap_end > cursor && gap_end - cursor > best_hi - best_lo)
            best_lo = cursor, best_hi = gap_end;
        if (i < 2 && holes[i][1] > cursor)
            cursor = holes[i][1];
    }
    if (best_hi <= best_lo)
        fail_boot("no room for a heap in the first memory bank", -HEARTH_ENOMEM);
    plat.info.heap_base = (uintptr_t)best_lo;
    plat.info.heap_bytes = (size_t)(best_hi - best_lo);
    libc_glue_set_heap(plat.info.heap_base, plat.info.heap_bytes);
}

/* Event channels and grant tables, when Xen advertises them (a xen,xen node); PV devices need both. */
static void start_pv_infrastructure(void)
{
    char line[160];
    int rc;
    if (!plat.dt.has_xen_node || !plat.dt.xen_evtchn_intid)
        return;
    if ((rc = evtchn_init(plat.dt.xen_evtchn_intid)) < 0) {
        snprintf(line, sizeof(line), "xen: event channels unavailable (%s)\n", hearth_strerror(rc));
        hearth_plat_console_write(line, strlen(line));
        return;
    }
    gic_enable(&plat.gic, plat.dt.xen_evtchn_intid);
    if ((rc = gnttab_init(plat.dt.xen_grant.base, plat.dt.xen_grant.size)) < 0)
        snprintf(line, sizeof(line), "xen: grant table unavailable (%s)\n", hearth_strerror(rc));
    else
        snprintf(line, sizeof(line), "xen: event channels on IRQ %u, grant table at 0x%llx\n",
                 plat.dt.xen_evtchn_intid, (unsigned long long)plat.dt.xen_grant.base);
    hearth_plat_console_write(line, strlen(line));
}

void plat_boot(const void *dtb);

void plat_boot(const void *dtb)
{
    int rc = dt_parse(dtb, DTB_MAX_BYTES, &plat.dt);
    pl011_init(plat.dt.uart.size ? (uintptr_t)plat.dt.uart.base : XEN_DOM0LESS_VPL011_BASE);
    if (rc < 0)
        fail_boot("device tree unreadable", rc);
    if (plat.dt.gic_version != 2)
        fail_boot(plat.dt.gic_version == 3 ? "GICv3 is not supported yet (boards use GICv2)"
                                           : "no interrupt controller in the device tree",
                  -HEARTH_ENOTSUP);
    if (!plat.dt.vtimer_intid)
        fail_boot("no virtual timer interrupt in the device tree", -HEARTH_ENOENT);

    plat.counter_hz = cpu_counter_freq();
    if (plat.counter_hz == 0)
        fail_boot("the generic timer reports a frequency of 0", -HEARTH_EIO);
    gic_init(&plat.gic, (uintptr_t)plat.dt.gic_dist.base, (uintptr_t)plat.dt.gic_cpu.base);
    gic_enable(&plat.gic, plat.dt.vtimer_intid);

    describe_platform();
    carve_heap((uintptr_t)dtb);
    start_pv_infrastructure();

    plat.info.platform = plat.platform;
    plat.info.cmdline = plat.dt.bootargs;
    plat.info.dtb = dtb;
    plat.info.ram_bank_count = 0;
    plat.info.ram_bytes = 0;
    for (unsigned i = 0; i < plat.dt.memory_count && i < HEARTH_PLAT_MAX_RAM_BANKS; i++) {
        plat.info.ram_banks[i].base = plat.dt.memory[i].base;
        plat.info.ram_banks[i].size = plat.dt.memory[i].size;
        plat.info.ram_bytes += plat.dt.memory[i].size;
        plat.info.ram_bank_count++;
    }
    hearth_plat_exit(hearth_main(&plat.info));
}
