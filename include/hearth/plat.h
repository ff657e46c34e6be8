/* SPDX-License-Identifier: ISC */
/* The platform contract: what every HAL (Xen on ARM, hosted Linux) gives the layers above it. */
#ifndef HEARTH_PLAT_H
#define HEARTH_PLAT_H

#include <stddef.h>
#include <stdint.h>

#define HEARTH_PLAT_MAX_RAM_BANKS 4

/* What the platform learnt at boot. Owned by the HAL; valid for the whole run. */
struct hearth_start_info {
    const char *platform; /* e.g. "Xen 4.17.5 (arm64)" or "hosted (Linux x86_64)"; never NULL */
    const char *cmdline;  /* boot arguments, "" when none; never NULL */
    uint64_t ram_bytes;   /* RAM given to this guest: sum of the memory banks */
    unsigned ram_bank_count;
    struct {
        uint64_t base, size;
    } ram_banks[HEARTH_PLAT_MAX_RAM_BANKS];
    uintptr_t heap_base; /* the malloc arena carved from RAM by the HAL */
    size_t heap_bytes;
    const void *dtb; /* the device tree the hypervisor passed, or NULL (hosted) */
};

/*
 * The application entry point, called by the HAL once the platform is up. Returns the exit status:
 * 0 powers the guest off cleanly, anything else reports a crash.
 */
int hearth_main(const struct hearth_start_info *info);

/* The start information; never NULL once hearth_main has been entered. */
const struct hearth_start_info *hearth_plat_start_info(void);

/* Writes len bytes to the console, blocking until they are accepted. Never fails. */
void hearth_plat_console_write(const char *buf, size_t len);

/* Nanoseconds since an arbitrary point at boot; never goes backwards. */
uint64_t hearth_plat_monotonic_ns(void);

/*
 * Wall-clock time as nanoseconds since the Unix epoch in *unix_ns.
 * Returns 0, or -HEARTH_ENODATA when the platform does not know the time yet.
 */
int hearth_plat_wall_ns(int64_t *unix_ns);

/*
 * Sleeps until an event arrives or the monotonic clock reaches deadline_ns, whichever is first.
 * A deadline in the past returns at once. Returns 0 when the deadline passed, 1 when an event woke
 * the caller early. The caller re-checks its own state either way: spurious wake-ups are allowed.
 */
int hearth_plat_yield(uint64_t deadline_ns);

/*
 * Returns 1 once the host has asked the guest to power off, else 0; the request stays asked. The event
 * loop checks it after every yield (the request also wakes a sleeping yield) and stops with status 0,
 * so the guest exits cleanly. Hosted: SIGTERM or SIGINT. Xen: never yet (xenstore control/shutdown).
 */
int hearth_plat_poweroff_requested(void);

/*
 * Fills buf with len bytes from the platform's hardware entropy source.
 * Returns 0, -HEARTH_ENOTSUP if the platform has no such source (callers must then fail closed),
 * or -HEARTH_EIO if the source failed.
 */
int hearth_plat_entropy(void *buf, size_t len);

/* Stops the guest: status 0 is a clean power-off, anything else a crash. Does not return. */
_Noreturn void hearth_plat_exit(int status);

#endif
