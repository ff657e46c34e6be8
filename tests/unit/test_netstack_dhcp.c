/* SPDX-License-Identifier: ISC */
/* netstack without ip=: the DHCP request it sends, and the static fallback when nobody answers. */
#include "check.h"
#include "netpeer.h"
#include "netstack.h"

#include <string.h>

static struct loop loop;

/* Matches a DHCP DISCOVER broadcast (UDP 68 -> 67). */
static int is_dhcp_discover(const struct frame *f, void *arg)
{
    const uint8_t *ip = f->b + 14, *u = f->b + 34, *bootp = u + 8;
    (void)arg;
    return f->len >= 34 + 8 + 240 && be16(f->b + 12) == 0x0800 && ip[9] == 17 && be16(u) == 68 &&
           be16(u + 2) == 67 && bootp[0] == 1;
}

/* Finds DHCP option code in the options after the magic cookie; returns its value or NULL. */
static const uint8_t *dhcp_option(const struct frame *f, uint8_t code, uint8_t *len)
{
    const uint8_t *p = f->b + 34 + 8 + 240, *end = f->b + f->len;
    while (p < end && *p != 255) {
        if (*p == 0) {
            p++;
            continue;
        }
        if (p + 2 > end || p + 2 + p[1] > end)
            return NULL;
        if (*p == code) {
            *len = p[1];
            return p + 2;
        }
        p += 2 + p[1];
    }
    return NULL;
}

int main(void)
{
    struct frame f;
    uint8_t len = 0;
    const uint8_t cookie[4] = {99, 130, 83, 99};

    loop_init(&loop);
    CHECK_INT(netstack_start(&loop, "net=pair0 hostname=dhcptest gw=10.0.2.1 dns=10.0.2.53"), 0);
    CHECK_INT(netpeer_open(), 0);
    CHECK(!netstack_is_up());
    CHECK(strstr(netpeer_console(), "net: asking DHCP as dhcptest") != NULL);

    CHECK(netpeer_expect(&loop, 3000, is_dhcp_discover, NULL, &f));
    const uint8_t *bootp = f.b + 42;
    CHECK(memcmp(bootp + 28, hub_mac, 6) == 0); /* chaddr */
    CHECK(memcmp(bootp + 236, cookie, 4) == 0);
    const uint8_t *type = dhcp_option(&f, 53, &len);
    CHECK(type && len == 1 && type[0] == 1);
    const uint8_t *name = dhcp_option(&f, 12, &len);
    CHECK(name && len == 8 && memcmp(name, "dhcptest", 8) == 0);
    CHECK(strstr(netpeer_console(), "net: up") == NULL);

    /* Nobody answers: after the DHCP budget the fallback address comes up, with gw= and dns= applied. */
    netpeer_skew_ns += 11 * 1000000000ull;
    netpeer_pump(&loop, 50);
    CHECK(strstr(netpeer_console(), "net: no DHCP lease after 10 s; falling back to 10.0.2.15/24") != NULL);
    CHECK(strstr(netpeer_console(), "net: up 10.0.2.15/24 gw 10.0.2.1 via static") != NULL);
    CHECK(netstack_is_up());
    /* Without ntp= and without a lease, there is no time server to ask. */
    CHECK(strstr(netpeer_console(), "ntp: no server") != NULL);
    return check_summary("netstack_dhcp");
}
