/* SPDX-License-Identifier: ISC */
/* The event loop: runs due timers, then sleeps in the platform until the next deadline or event. */
#ifndef SERVICES_LOOP_H
#define SERVICES_LOOP_H

#include "timer.h"

#include <stdbool.h>

struct loop {
    struct timer_queue timers;
    bool stop_requested;
    int exit_status;
};

void loop_init(struct loop *l);

/* Runs until loop_stop; returns the status given to loop_stop. */
int loop_run(struct loop *l);

/* Asks loop_run to return status once the current callback finishes. */
void loop_stop(struct loop *l, int status);

#endif
