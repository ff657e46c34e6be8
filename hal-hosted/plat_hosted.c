/* SPDX-License-Identifier: ISC */
/* hearth/plat.h over Linux: stdout console, clock_gettime, poll-based yield, getrandom. */
#define _GNU_SOURCE
#include "fdwatch.h"

#include <hearth/err.h>
#include <hearth/plat.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static struct hearth_start_info start_info;
static char platform_name[160];
static char cmdline_buf[1024];

const struct hearth_start_info *hearth_plat_start_info(void)
{
    return &start_info;
}

void hearth_plat_console_write(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* stdout closed: nothing sensible left to report to */
        buf += n;
        len -= (size_t)n;
    }
}

static uint64_t raw_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Like a guest's clock, the hosted one counts from the start of the process ("boot"). */
static uint64_t boot_ns;

uint64_t hearth_plat_monotonic_ns(void)
{
    return raw_monotonic_ns() - boot_ns;
}

int hearth_plat_wall_ns(int64_t *unix_ns)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return -HEARTH_ENODATA;
    *unix_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    return 0;
}

int hearth_plat_yield(uint64_t deadline_ns)
{
    uint64_t now = hearth_plat_monotonic_ns();
    if (deadline_ns <= now)
        return 0;
    uint64_t wait_ms = (deadline_ns - now + 999999u) / 1000000u;
    if (wait_ms > 60000)
        wait_ms = 60000;
    /* The network devices register their descriptors (fdwatch.c): a frame arriving ends the sleep. */
    return fdwatch_wait((int)wait_ms);
}

int hearth_plat_entropy(void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -HEARTH_EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Set by SIGTERM/SIGINT. The handler only records the request: the loop acts on it between callbacks,
 * and the signal ends a sleeping poll with EINTR, so stopping takes at most one loop iteration. */
static volatile sig_atomic_t poweroff_requested;

static void on_poweroff_signal(int sig)
{
    (void)sig;
    poweroff_requested = 1;
}

int hearth_plat_poweroff_requested(void)
{
    return poweroff_requested != 0;
}

/* SIGTERM (kill, the tests' stop) and SIGINT (Ctrl-C) power off cleanly: hearth_main returns and the
 * process exits through exit(), so LeakSanitizer runs in ASan builds. No SA_RESTART: poll must see EINTR. */
static void catch_poweroff_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_poweroff_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

_Noreturn void hearth_plat_exit(int status)
{
    fflush(stdout);
    exit(status == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}

_Noreturn void hearth_panic(const char *file, int line, const char *msg)
{
    fprintf(stderr, "PANIC at %s:%d: %s\n", file, line, msg);
    abort();
}

int main(int argc, char **argv)
{
    struct utsname uts;
    size_t used = 0;

    boot_ns = raw_monotonic_ns();

    if (uname(&uts) == 0)
        snprintf(platform_name, sizeof(platform_name), "hosted (%s %s)", uts.sysname, uts.machine);
    else
        snprintf(platform_name, sizeof(platform_name), "hosted");
    /* The arguments play the role of the boot command line: `hearth ticks=3`. */
    for (int i = 1; i < argc; i++) {
        int n = snprintf(cmdline_buf + used, sizeof(cmdline_buf) - used, "%s%s", i > 1 ? " " : "", argv[i]);
        if (n < 0 || (size_t)n >= sizeof(cmdline_buf) - used) {
            fprintf(stderr, "hearth: command line longer than %zu bytes\n", sizeof(cmdline_buf) - 1);
            return EXIT_FAILURE;
        }
        used += (size_t)n;
    }
    start_info.platform = platform_name;
    start_info.cmdline = cmdline_buf;
    catch_poweroff_signals();
    hearth_plat_exit(hearth_main(&start_info));
}
