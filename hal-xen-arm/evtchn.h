/* SPDX-License-Identifier: ISC */
/* Event channels (2-level ABI over the shared_info page): allocate, bind a handler, notify, dispatch. */
#ifndef HAL_XEN_ARM_EVTCHN_H
#define HAL_XEN_ARM_EVTCHN_H

#include <stddef.h>
#include <stdint.h>

typedef uint32_t evtchn_port_t;
typedef void (*evtchn_handler_fn)(evtchn_port_t port, void *arg);

/* A port that fires more often than this per second is masked for a while: an event storm. */
#define EVTCHN_STORM_PER_SECOND 20000u

/*
 * Maps shared_info and remembers the upcall interrupt. Every port starts masked.
 * Returns 0 or -HEARTH_EIO if the hypervisor refuses the mapping.
 */
int evtchn_init(unsigned upcall_intid);

/* The interrupt Xen raises when events are pending (from the DT's xen,xen node). */
unsigned evtchn_upcall_intid(void);

/* Allocates an unbound port that domain remote may bind to. Returns 0 or -HEARTH_EIO. */
int evtchn_alloc_unbound(uint16_t remote, evtchn_port_t *port);

/*
 * Sets port's handler (called from evtchn_dispatch, never from interrupt context) and unmasks it.
 * Handlers must only record work and return: they may not block or wait. Returns 0 or -HEARTH_ERANGE.
 */
int evtchn_bind(evtchn_port_t port, evtchn_handler_fn fn, void *arg);

/* Masks port and forgets its handler; closes it at the hypervisor when close is non-zero. */
void evtchn_unbind(evtchn_port_t port, int close);

/* Signals the other end of port. Returns 0 or -HEARTH_EIO. */
int evtchn_notify(evtchn_port_t port);

/*
 * Calls the handlers of all pending, unmasked ports and clears them. Returns how many ran.
 * now_ns drives the storm limiter: a storming port is masked for 10 ms, then unmasked again.
 */
unsigned evtchn_dispatch(uint64_t now_ns);

/* Describes port's pending and mask bits for diagnostics (a stalled backend, a lost wake-up). */
void evtchn_describe(evtchn_port_t port, char *buf, size_t cap);

/* Xen's wall-clock base in shared_info (seconds, nanoseconds); -HEARTH_ENODATA if never set. */
int evtchn_shared_wallclock(uint64_t *sec, uint32_t *nsec);

#endif
