/* SPDX-License-Identifier: ISC */
/* Unit tests for netfront's judgement of ring responses from a hostile backend (vectors in vectors/). */
#include "check.h"
#include "netif_rsp.h"

#include <stdlib.h>
#include <string.h>

#define NBUF 64u
#define PAGE 4096u

static const char *const verdicts[] = {"UNKNOWN_ID", "DROP", "BAD", "TOO_BIG", "DELIVER"};

static void rx_vector(char **f, int n, const char *where)
{
    if (n != 6) {
        check_record(0, where, 0, "vector has 6 fields");
        return;
    }
    uint8_t posted[NBUF];
    memset(posted, 1, sizeof(posted));
    netif_rx_response_t rsp = {.id = (uint16_t)strtoul(f[0], NULL, 0),
                               .offset = (uint16_t)strtoul(f[1], NULL, 0),
                               .flags = (uint16_t)strtoul(f[2], NULL, 0),
                               .status = (int16_t)strtol(f[3], NULL, 0)};
    int dropping = 0;
    enum netif_rx_verdict v = netif_rx_judge(&rsp, posted, NBUF, PAGE, strtoul(f[4], NULL, 0), &dropping);
    int ok = strcmp(verdicts[v], f[5]) == 0;
    check_record(ok, where, 0, f[5]);
    if (!ok)
        check_note("  got %s", verdicts[v]);
}

/* A fragment chain is dropped whole, then the next packet is delivered; ids not posted are never used. */
static void test_chains_and_ids(void)
{
    uint8_t posted[NBUF];
    memset(posted, 1, sizeof(posted));
    int dropping = 0;
    netif_rx_response_t first = {.id = 1, .flags = NETRXF_more_data, .status = 100};
    netif_rx_response_t middle = {.id = 2, .flags = NETRXF_more_data, .status = 100};
    netif_rx_response_t last = {.id = 3, .status = 100};
    netif_rx_response_t next = {.id = 4, .status = 60};
    CHECK_INT(netif_rx_judge(&first, posted, NBUF, PAGE, 2048, &dropping), NETIF_RX_DROP);
    CHECK_INT(netif_rx_judge(&middle, posted, NBUF, PAGE, 2048, &dropping), NETIF_RX_DROP);
    CHECK_INT(netif_rx_judge(&last, posted, NBUF, PAGE, 2048, &dropping), NETIF_RX_DROP);
    CHECK(dropping == 0);
    CHECK_INT(netif_rx_judge(&next, posted, NBUF, PAGE, 2048, &dropping), NETIF_RX_DELIVER);
    posted[5] = 0; /* not on the ring now: a replayed id */
    netif_rx_response_t replay = {.id = 5, .status = 60};
    CHECK_INT(netif_rx_judge(&replay, posted, NBUF, PAGE, 2048, &dropping), NETIF_RX_UNKNOWN_ID);

    uint8_t queued[NBUF] = {0};
    int failed = -1;
    queued[7] = 1;
    netif_tx_response_t ok = {.id = 7, .status = NETIF_RSP_OKAY}, err = {.id = 7, .status = NETIF_RSP_ERROR};
    netif_tx_response_t null = {.id = 9999, .status = NETIF_RSP_NULL}, stray = {.id = 8, .status = 0};
    netif_tx_response_t huge = {.id = 65535, .status = 0};
    CHECK_INT(netif_tx_judge(&ok, queued, NBUF, &failed), 1);
    CHECK(failed == 0);
    CHECK_INT(netif_tx_judge(&err, queued, NBUF, &failed), 1);
    CHECK(failed == 1);
    CHECK_INT(netif_tx_judge(&null, queued, NBUF, &failed), 0);
    CHECK_INT(netif_tx_judge(&stray, queued, NBUF, &failed), -1);
    CHECK_INT(netif_tx_judge(&huge, queued, NBUF, &failed), -1);
}

int main(void)
{
    CHECK(check_vectors("vectors/netif_rsp.txt", 6, rx_vector) >= 14);
    test_chains_and_ids();
    return check_summary("netif_rsp");
}
