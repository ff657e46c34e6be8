/* SPDX-License-Identifier: ISC */
/* Names for the HEARTH_E* codes, for log lines. */
#include <hearth/err.h>

const char *hearth_strerror(int err)
{
    switch (err < 0 ? -err : err) {
    case HEARTH_OK: return "success";
    case HEARTH_EPERM: return "not permitted";
    case HEARTH_ENOENT: return "not found";
    case HEARTH_EIO: return "I/O error";
    case HEARTH_EAGAIN: return "try again";
    case HEARTH_ENOMEM: return "out of memory";
    case HEARTH_EBUSY: return "busy";
    case HEARTH_EINVAL: return "invalid argument";
    case HEARTH_ENOSPC: return "no space";
    case HEARTH_ERANGE: return "out of range";
    case HEARTH_ENOSYS: return "not implemented";
    case HEARTH_ENODATA: return "no data";
    case HEARTH_EPROTO: return "protocol error";
    case HEARTH_EBADMSG: return "malformed data";
    case HEARTH_EOVERFLOW: return "overflow";
    case HEARTH_ENOTSUP: return "not supported";
    case HEARTH_EADDRINUSE: return "address in use";
    case HEARTH_ECONNABORTED: return "connection aborted";
    case HEARTH_ECONNRESET: return "connection reset";
    case HEARTH_ENOTCONN: return "not connected";
    case HEARTH_ETIMEDOUT: return "timed out";
    case HEARTH_ECONNREFUSED: return "connection refused";
    case HEARTH_EHOSTUNREACH: return "host unreachable";
    case HEARTH_EKEYREJECTED: return "certificate rejected";
    default: return "unknown error";
    }
}
