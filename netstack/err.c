/* SPDX-License-Identifier: ISC */
/* The edge where lwIP's err_t becomes a -HEARTH_E* code; nothing above netstack/ sees err_t. */
#include "netstack_priv.h"

#include <hearth/err.h>

int netstack_err(err_t err)
{
    switch (err) {
    case ERR_OK: return 0;
    case ERR_MEM:
    case ERR_BUF: return -HEARTH_ENOMEM;
    case ERR_TIMEOUT: return -HEARTH_ETIMEDOUT;
    case ERR_RTE: return -HEARTH_EHOSTUNREACH;
    case ERR_INPROGRESS:
    case ERR_WOULDBLOCK: return -HEARTH_EAGAIN;
    case ERR_VAL:
    case ERR_ARG: return -HEARTH_EINVAL;
    case ERR_USE: return -HEARTH_EADDRINUSE;
    case ERR_ALREADY:
    case ERR_ISCONN: return -HEARTH_EBUSY;
    case ERR_CONN:
    case ERR_CLSD: return -HEARTH_ENOTCONN;
    case ERR_ABRT: return -HEARTH_ECONNABORTED;
    case ERR_RST: return -HEARTH_ECONNRESET;
    case ERR_IF:
    default: return -HEARTH_EIO;
    }
}
