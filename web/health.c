/* SPDX-License-Identifier: ISC */
/* GET /api/health: the one unauthenticated API, for monitoring and the system tests. */
#include "web.h"

#include <hearth/plat.h>
#include <hearth_config.h>
#include <inttypes.h>

void web_health(struct http_exchange *x, void *arg)
{
    (void)arg;
    uint64_t uptime_s = hearth_plat_monotonic_ns() / 1000000000u;
    http_respond_fmt(x, 200, "application/json",
                     "{\"status\":\"ok\",\"version\":\"%s\",\"board\":\"%s\",\"uptime_s\":%" PRIu64
                     ",\"secure\":%s}\n",
                     HEARTH_VERSION, HEARTH_BOARD_NAME, uptime_s, http_is_secure(x) ? "true" : "false");
}
