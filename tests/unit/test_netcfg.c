/* SPDX-License-Identifier: ISC */
/* Unit tests for the network boot arguments, driven by tests/unit/vectors/netcfg*.txt. */
#include "check.h"
#include "netcfg.h"

#include <hearth/err.h>
#include <stdio.h>
#include <string.h>

/* The whole configuration as one line, so a vector states every field it expects. */
static void describe(const struct netcfg *c, char *out, size_t len)
{
    char dns[40] = "";
    size_t used = 0;
    for (unsigned i = 0; i < c->dns_count; i++)
        used += (size_t)snprintf(dns + used, sizeof(dns) - used, "%s%u.%u.%u.%u", i ? "," : "", c->dns[i][0],
                                 c->dns[i][1], c->dns[i][2], c->dns[i][3]);
    snprintf(out, len, "dev=%s host=%s dhcp=%d ip=%u.%u.%u.%u/%u gw=%u.%u.%u.%u dns=%s ntp=%s", c->dev,
             c->hostname, c->dhcp, c->ip[0], c->ip[1], c->ip[2], c->ip[3], c->prefix, c->gw[0], c->gw[1],
             c->gw[2], c->gw[3], dns, c->ntp);
}

static void config_vector(char **f, int n, const char *where)
{
    struct netcfg cfg;
    const char *bad = "";
    char got[512];
    if (n != 3) {
        check_record(0, where, 0, "vector has 3 fields");
        return;
    }
    int rc = netcfg_parse(f[0], &cfg, &bad);
    if (strcmp(f[1], "0") == 0) {
        check_record(rc == 0, where, 0, "accepted");
        describe(&cfg, got, sizeof(got));
        check_record(strcmp(got, f[2]) == 0, where, 0, "configuration");
        if (strcmp(got, f[2]) != 0)
            check_note("  got  %s\n  want %s", got, f[2]);
    } else {
        int want = strcmp(f[1], "ERANGE") == 0 ? -HEARTH_ERANGE : -HEARTH_EINVAL;
        check_record(rc == want, where, 0, "error code");
        check_record(rc < 0 && strcmp(bad, f[2]) == 0, where, 0, "names the bad key");
        if (rc != want || strcmp(bad, f[2]) != 0)
            check_note("  got %d, key \"%s\"", rc, rc < 0 ? bad : "");
    }
}

static void address_vector(char **f, int n, const char *where)
{
    uint8_t ip[4] = {0};
    unsigned prefix = 0;
    char got[32];
    int rc;
    if (n != 3) {
        check_record(0, where, 0, "vector has 3 fields");
        return;
    }
    if (strcmp(f[0], "cidr") == 0) {
        rc = netcfg_parse_cidr(f[1], ip, &prefix);
        snprintf(got, sizeof(got), "%u.%u.%u.%u/%u", ip[0], ip[1], ip[2], ip[3], prefix);
    } else {
        rc = netcfg_parse_ip4(f[1], ip);
        snprintf(got, sizeof(got), "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
    }
    if (strcmp(f[2], "EINVAL") == 0) {
        check_record(rc == -HEARTH_EINVAL, where, 0, "refused");
    } else {
        check_record(rc == 0 && strcmp(got, f[2]) == 0, where, 0, "parsed");
        if (rc != 0 || strcmp(got, f[2]) != 0)
            check_note("  got %d %s", rc, got);
    }
}

int main(void)
{
    uint8_t m[4];
    CHECK(check_vectors("vectors/netcfg.txt", 3, config_vector) > 20);
    CHECK(check_vectors("vectors/netcfg_addr.txt", 3, address_vector) > 20);
    netcfg_prefix_mask(0, m);
    CHECK(m[0] == 0 && m[3] == 0);
    netcfg_prefix_mask(20, m);
    CHECK(m[0] == 255 && m[1] == 255 && m[2] == 240 && m[3] == 0);
    netcfg_prefix_mask(32, m);
    CHECK(m[3] == 255);
    return check_summary("netcfg");
}
