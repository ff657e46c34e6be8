/* SPDX-License-Identifier: ISC */
/* The single cooperative thread's main loop: timers first, then hearth_plat_yield. */
#include "loop.h"

#include <hearth/plat.h>

/* Without any timer the loop still wakes now and then, so a lost event cannot stall it forever. */
#define LOOP_IDLE_NS 1000000000ull

void loop_init(struct loop *l)
{
    timer_queue_init(&l->timers);
    l->stop_requested = false;
    l->exit_status = 0;
}

void loop_stop(struct loop *l, int status)
{
    l->stop_requested = true;
    l->exit_status = status;
}

int loop_run(struct loop *l)
{
    while (!l->stop_requested) {
        uint64_t now = hearth_plat_monotonic_ns();
        timer_run_due(&l->timers, now);
        if (l->stop_requested)
            break;
        uint64_t deadline = timer_next_deadline(&l->timers);
        if (deadline - now > LOOP_IDLE_NS && deadline > now)
            deadline = now + LOOP_IDLE_NS;
        hearth_plat_yield(deadline);
    }
    return l->exit_status;
}
