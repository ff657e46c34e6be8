/* SPDX-License-Identifier: ISC */
/* The single cooperative thread's main loop: timers first, then hearth_plat_yield. */
#include "loop.h"

#include <hearth/plat.h>

/* Without any timer the loop still wakes now and then, so a lost event cannot stall it forever. */
#define LOOP_IDLE_NS 1000000000ull

void loop_init(struct loop *l)
{
    timer_queue_init(&l->timers);
    l->sources = NULL;
    l->stop_requested = false;
    l->exit_status = 0;
}

void loop_stop(struct loop *l, int status)
{
    l->stop_requested = true;
    l->exit_status = status;
}

void loop_add_source(struct loop *l, struct loop_source *src)
{
    src->next = l->sources;
    l->sources = src;
}

int loop_run(struct loop *l)
{
    while (!l->stop_requested) {
        uint64_t now = hearth_plat_monotonic_ns();
        uint64_t deadline = UINT64_MAX;
        for (struct loop_source *s = l->sources; s && !l->stop_requested; s = s->next) {
            uint64_t want = s->poll(s, now);
            if (want < deadline)
                deadline = want;
        }
        timer_run_due(&l->timers, hearth_plat_monotonic_ns());
        if (l->stop_requested)
            break;
        if (timer_next_deadline(&l->timers) < deadline)
            deadline = timer_next_deadline(&l->timers);
        if (deadline - now > LOOP_IDLE_NS && deadline > now)
            deadline = now + LOOP_IDLE_NS;
        hearth_plat_yield(deadline);
        /* The host asked us to stop (hosted: SIGTERM): return normally so the program exits cleanly. */
        if (hearth_plat_poweroff_requested())
            loop_stop(l, 0);
    }
    return l->exit_status;
}
