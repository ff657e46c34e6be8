/* SPDX-License-Identifier: ISC */
/* The event loop: runs due timers, then sleeps in the platform until the next deadline or event. */
#ifndef SERVICES_LOOP_H
#define SERVICES_LOOP_H

#include "timer.h"

#include <stdbool.h>

/*
 * Something the loop polls after every wake-up (a network stack, a device queue). poll runs all the
 * work that is ready without blocking and returns the earliest time it wants to run again
 * (UINT64_MAX for "only when an event arrives"). Owned by the caller; must outlive the loop.
 */
struct loop_source {
    struct loop_source *next;
    uint64_t (*poll)(struct loop_source *src, uint64_t now_ns);
};

struct loop {
    struct timer_queue timers;
    struct loop_source *sources;
    bool stop_requested;
    int exit_status;
};

void loop_init(struct loop *l);

/* Adds src to the sources polled on every iteration. */
void loop_add_source(struct loop *l, struct loop_source *src);

/* Runs until loop_stop, or with status 0 once the platform asks for a power-off (hearth/plat.h);
 * returns the status given to loop_stop. */
int loop_run(struct loop *l);

/* Asks loop_run to return status once the current callback finishes. */
void loop_stop(struct loop *l, int status);

#endif
