/* SPDX-License-Identifier: ISC */
/* HAL-internal: the file descriptors (TAP, socket pairs) whose readability wakes hearth_plat_yield. */
#ifndef HAL_HOSTED_FDWATCH_H
#define HAL_HOSTED_FDWATCH_H

/* Adds fd to the set that hearth_plat_yield waits on. Returns 0, or -HEARTH_ENOSPC when the set is full. */
int fdwatch_add(int fd);

/* Removes fd from the set; unknown descriptors are ignored. */
void fdwatch_remove(int fd);

/*
 * Waits up to timeout_ms (0: just look) until one watched descriptor is readable.
 * Returns 1 if one is (or a signal interrupted the wait), 0 when the timeout passed.
 */
int fdwatch_wait(int timeout_ms);

#endif
