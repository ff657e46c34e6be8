/* SPDX-License-Identifier: ISC */
/* Unit tests for the timer queue: ordering, periodic re-arming, cancel and re-arm from callbacks. */
#include "check.h"
#include "timer.h"

#include <hearth/err.h>
#include <stdint.h>

struct trace {
    char order[32];
    int len;
};

struct tagged {
    struct timer t;
    char tag;
    struct trace *trace;
    struct timer_queue *q;
    struct timer *victim; /* cancelled by this timer's callback, if set */
};

static void record(struct timer *t, void *arg)
{
    struct tagged *x = arg;
    (void)t;
    if (x->trace->len < 31)
        x->trace->order[x->trace->len++] = x->tag;
    x->trace->order[x->trace->len] = '\0';
    if (x->victim)
        timer_cancel(x->q, x->victim);
}

static void test_order_and_ties(void)
{
    struct timer_queue q;
    struct trace tr = {.len = 0};
    struct tagged a = {.tag = 'a', .trace = &tr}, b = {.tag = 'b', .trace = &tr},
                  c = {.tag = 'c', .trace = &tr};
    timer_queue_init(&q);
    CHECK_INT(timer_next_deadline(&q) == UINT64_MAX, 1);
    timer_arm(&q, &c.t, 30, 0, record, &c);
    timer_arm(&q, &a.t, 10, 0, record, &a);
    timer_arm(&q, &b.t, 10, 0, record, &b);
    CHECK_INT(timer_next_deadline(&q), 10);
    CHECK_INT(timer_run_due(&q, 9), 0);
    CHECK_INT(timer_run_due(&q, 10), 2);
    CHECK(tr.order[0] == 'a' && tr.order[1] == 'b');
    CHECK_INT(timer_run_due(&q, 100), 1);
    CHECK_INT(timer_next_deadline(&q) == UINT64_MAX, 1);
    CHECK(!a.t.armed && !c.t.armed);
}

static void test_periodic_catch_up(void)
{
    struct timer_queue q;
    struct trace tr = {.len = 0};
    struct tagged p = {.tag = 'p', .trace = &tr};
    timer_queue_init(&q);
    timer_arm(&q, &p.t, 100, 50, record, &p);
    CHECK_INT(timer_run_due(&q, 100), 1);
    CHECK_INT(timer_next_deadline(&q), 150);
    /* Far behind: one call, then re-armed a period after now rather than a burst of catch-up calls. */
    CHECK_INT(timer_run_due(&q, 1000), 1);
    CHECK_INT(timer_next_deadline(&q), 1050);
    timer_cancel(&q, &p.t);
    CHECK_INT(timer_run_due(&q, 5000), 0);
}

static void test_cancel_from_callback(void)
{
    struct timer_queue q;
    struct trace tr = {.len = 0};
    struct tagged a = {.tag = 'a', .trace = &tr}, b = {.tag = 'b', .trace = &tr};
    timer_queue_init(&q);
    a.q = &q;
    a.victim = &b.t;
    timer_arm(&q, &a.t, 5, 0, record, &a);
    timer_arm(&q, &b.t, 5, 0, record, &b);
    CHECK_INT(timer_run_due(&q, 5), 1);
    CHECK(tr.len == 1 && tr.order[0] == 'a');
    CHECK(!b.t.armed);
}

static void test_rearm_moves(void)
{
    struct timer_queue q;
    struct trace tr = {.len = 0};
    struct tagged a = {.tag = 'a', .trace = &tr};
    timer_queue_init(&q);
    timer_arm(&q, &a.t, 5, 0, record, &a);
    timer_arm(&q, &a.t, 50, 0, record, &a);
    CHECK_INT(timer_run_due(&q, 10), 0);
    CHECK_INT(timer_run_due(&q, 50), 1);
    CHECK_INT(timer_arm(&q, &a.t, 1, 0, NULL, NULL), -HEARTH_EINVAL);
    timer_cancel(&q, &a.t); /* cancelling a disarmed timer is harmless */
    CHECK(!a.t.armed);
}

int main(void)
{
    test_order_and_ties();
    test_periodic_catch_up();
    test_cancel_from_callback();
    test_rearm_moves();
    return check_summary("timer");
}
