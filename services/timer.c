/* SPDX-License-Identifier: ISC */
/* Timer queue: a sorted singly linked list, which is the cheapest structure for a few dozen timers. */
#include "timer.h"

#include <hearth/err.h>
#include <stddef.h>

void timer_queue_init(struct timer_queue *q)
{
    q->head = NULL;
}

static void insert_sorted(struct timer_queue *q, struct timer *t)
{
    struct timer **link = &q->head;
    while (*link && (*link)->deadline_ns <= t->deadline_ns)
        link = &(*link)->next;
    t->next = *link;
    *link = t;
    t->armed = true;
}

void timer_cancel(struct timer_queue *q, struct timer *t)
{
    if (!t->armed)
        return;
    for (struct timer **link = &q->head; *link; link = &(*link)->next) {
        if (*link == t) {
            *link = t->next;
            break;
        }
    }
    t->next = NULL;
    t->armed = false;
}

int timer_arm(struct timer_queue *q, struct timer *t, uint64_t deadline_ns, uint64_t period_ns, timer_fn fn,
              void *arg)
{
    if (!fn)
        return -HEARTH_EINVAL;
    timer_cancel(q, t);
    t->deadline_ns = deadline_ns;
    t->period_ns = period_ns;
    t->fn = fn;
    t->arg = arg;
    insert_sorted(q, t);
    return 0;
}

uint64_t timer_next_deadline(const struct timer_queue *q)
{
    return q->head ? q->head->deadline_ns : UINT64_MAX;
}

unsigned timer_run_due(struct timer_queue *q, uint64_t now_ns)
{
    unsigned ran = 0;
    while (q->head && q->head->deadline_ns <= now_ns) {
        struct timer *t = q->head;
        q->head = t->next;
        t->next = NULL;
        t->armed = false;
        if (t->period_ns) {
            uint64_t next = t->deadline_ns + t->period_ns;
            t->deadline_ns = next > now_ns ? next : now_ns + t->period_ns;
            insert_sorted(q, t);
        }
        t->fn(t, t->arg);
        ran++;
    }
    return ran;
}
