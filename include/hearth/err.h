/* SPDX-License-Identifier: ISC */
/* Error codes shared by every layer: functions return 0 or a negative HEARTH_E* value. */
#ifndef HEARTH_ERR_H
#define HEARTH_ERR_H

/* The values follow Linux errno numbers so that they read familiarly in logs. */
enum hearth_err {
    HEARTH_OK = 0,
    HEARTH_EPERM = 1,
    HEARTH_ENOENT = 2,
    HEARTH_EIO = 5,
    HEARTH_EAGAIN = 11,
    HEARTH_ENOMEM = 12,
    HEARTH_EBUSY = 16,
    HEARTH_EINVAL = 22,
    HEARTH_ENOSPC = 28,
    HEARTH_ERANGE = 34,
    HEARTH_ENOSYS = 38,
    HEARTH_ENODATA = 61,
    HEARTH_EPROTO = 71, /* the peer broke the protocol (e.g. a malformed HTTP response) */
    HEARTH_EBADMSG = 74,
    HEARTH_EOVERFLOW = 75,
    HEARTH_ENOTSUP = 95,
    HEARTH_EADDRINUSE = 98,
    HEARTH_ECONNABORTED = 103,
    HEARTH_ECONNRESET = 104,
    HEARTH_ENOTCONN = 107,
    HEARTH_ETIMEDOUT = 110,
    HEARTH_ECONNREFUSED = 111,
    HEARTH_EHOSTUNREACH = 113,
    HEARTH_EKEYREJECTED = 129, /* the peer's certificate failed verification (CA, name, dates or pin) */
};

/* Returns a short constant description of err (negative or positive); never NULL. */
const char *hearth_strerror(int err);

/*
 * Stops the system after printing "PANIC at file:line: msg". Implemented by each platform (HAL):
 * under Xen the domain shuts down with the crash reason, hosted it aborts the process.
 */
_Noreturn void hearth_panic(const char *file, int line, const char *msg);

/* Broken invariants are bugs: they panic with the source location instead of limping on. */
#define HEARTH_ASSERT(cond)                                                                                  \
    do {                                                                                                     \
        if (!(cond))                                                                                         \
            hearth_panic(__FILE__, __LINE__, "assertion failed: " #cond);                                    \
    } while (0)

#endif
