/* SPDX-License-Identifier: ISC */
/* One-shot and periodic timers on the monotonic clock, kept in deadline order by a timer queue. */
#ifndef SERVICES_TIMER_H
#define SERVICES_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct timer;
typedef void (*timer_fn)(struct timer *t, void *arg);

/* Owned by the caller (usually embedded in a bigger object); must stay alive while armed. */
struct timer {
    struct timer *next;
    uint64_t deadline_ns;
    uint64_t period_ns; /* 0: one-shot */
    timer_fn fn;
    void *arg;
    bool armed;
};

struct timer_queue {
    struct timer *head; /* sorted by deadline, ties in arming order */
};

void timer_queue_init(struct timer_queue *q);

/*
 * Arms t to call fn(t, arg) at deadline_ns and then every period_ns (0 = once). Re-arming an armed
 * timer moves it. Returns 0, or -HEARTH_EINVAL if fn is NULL.
 */
int timer_arm(struct timer_queue *q, struct timer *t, uint64_t deadline_ns, uint64_t period_ns, timer_fn fn,
              void *arg);

/* Disarms t if armed; harmless otherwise. */
void timer_cancel(struct timer_queue *q, struct timer *t);

/* The earliest deadline, or UINT64_MAX when nothing is armed. */
uint64_t timer_next_deadline(const struct timer_queue *q);

/*
 * Calls every timer due at now_ns, in deadline order; callbacks may arm or cancel any timer.
 * A periodic timer that fell behind is re-armed one period after now, not once per missed period.
 * Returns how many callbacks ran.
 */
unsigned timer_run_due(struct timer_queue *q, uint64_t now_ns);

#endif
