/* SPDX-License-Identifier: ISC */
/* Shared-ring index helpers for Xen PV frontends, written to distrust the backend's indexes. */
#ifndef HAL_XEN_ARM_RING_H
#define HAL_XEN_ARM_RING_H

#include <stdint.h>

/*
 * Number of responses the backend claims are ready. Returns 0..size, or -1 when rsp_prod is more
 * than a ring ahead of our consumer index (a broken or hostile backend: disconnect).
 */
static inline int ring_pending_responses(uint32_t rsp_prod, uint32_t rsp_cons, uint32_t size)
{
    uint32_t n = rsp_prod - rsp_cons;
    return n > size ? -1 : (int)n;
}

/*
 * Whether the backend asked to be notified for requests in (old_prod, new_prod]: the event index
 * protocol of Xen's ring.h, in unsigned arithmetic that survives index wrap-around.
 */
static inline int ring_request_needs_notify(uint32_t old_prod, uint32_t new_prod, uint32_t req_event)
{
    return (uint32_t)(new_prod - req_event) < (uint32_t)(new_prod - old_prod);
}

#endif
