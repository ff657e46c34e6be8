/* SPDX-License-Identifier: ISC */
/* Unit tests for the xenstore wire format and the PV ring index helpers, with hostile inputs. */
#include "check.h"
#include "ring.h"
#include "xs_wire.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int error_code(const char *name)
{
    static const struct {
        const char *name;
        int code;
    } names[] = {{"ENOENT", -HEARTH_ENOENT}, {"EPERM", -HEARTH_EPERM},     {"EAGAIN", -HEARTH_EAGAIN},
                 {"ERANGE", -HEARTH_ERANGE}, {"EBADMSG", -HEARTH_EBADMSG}, {"EIO", -HEARTH_EIO}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(name, names[i].name) == 0)
            return names[i].code;
    return 1; /* not an error name: never equal to a real return */
}

static void ring_vector(char **f, int n, const char *where)
{
    if (n != 3) {
        check_record(0, where, 0, "vector has 3 fields");
        return;
    }
    uint32_t cons = (uint32_t)strtoul(f[0], NULL, 10), prod = (uint32_t)strtoul(f[1], NULL, 10);
    int want = strcmp(f[2], "EBADMSG") == 0 ? -HEARTH_EBADMSG : atoi(f[2]);
    check_record(xs_ring_readable(cons, prod) == want, where, 0, "readable bytes");
    int writable = xs_ring_writable(cons, prod);
    check_record(want < 0 ? writable == want : writable == (int)XS_RING_SIZE - want, where, 0,
                 "writable bytes");
}

static void error_vector(char **f, int n, const char *where)
{
    char payload[128];
    if (n != 2) {
        check_record(0, where, 0, "vector has 2 fields");
        return;
    }
    size_t len = check_unescape(f[0], payload, sizeof(payload));
    int got = xs_error_decode(payload, len);
    check_record(got == error_code(f[1]), where, 0, "decoded error");
    if (got != error_code(f[1]))
        check_note("  got %d", got);
}

static void watch_vector(char **f, int n, const char *where)
{
    char payload[128];
    if (n != 2) {
        check_record(0, where, 0, "vector has 2 fields");
        return;
    }
    size_t len = check_unescape(f[0], payload, sizeof(payload));
    const char *path = NULL, *token = NULL;
    int rc = xs_watch_event_split(payload, len, &path, &token);
    if (strcmp(f[1], "EBADMSG") == 0) {
        check_record(rc == -HEARTH_EBADMSG, where, 0, "rejected");
        return;
    }
    char want_path[64] = "", want_token[64] = "";
    sscanf(f[1], "OK %63s %63s", want_path, want_token);
    check_record(rc == 0, where, 0, "accepted");
    check_record(rc == 0 && strcmp(path, want_path) == 0 && strcmp(token, want_token) == 0, where, 0,
                 "path and token");
}

static void test_header_and_encode(void)
{
    uint8_t buf[XS_HEADER_SIZE + 64];
    struct xs_header h;
    const char *parts[] = {"device/vif/0/state", "4"};
    int len = xs_request_encode(buf, sizeof(buf), 11, 7, 3, parts, 2, 1);
    CHECK_INT(len, XS_HEADER_SIZE + strlen(parts[0]) + 1 + 1);
    CHECK_INT(xs_header_decode(buf, &h), 0);
    CHECK(h.type == 11 && h.req_id == 7 && h.tx_id == 3 && h.len == strlen(parts[0]) + 2);
    CHECK(memcmp(buf + XS_HEADER_SIZE,
                 "device/vif/0/state\0"
                 "4",
                 h.len) == 0);
    CHECK_INT(xs_request_encode(buf, 20, 11, 7, 3, parts, 2, 1), -HEARTH_ERANGE);

    static uint8_t big[XS_HEADER_SIZE + XS_PAYLOAD_MAX + 8];
    char *huge = malloc(XS_PAYLOAD_MAX + 1);
    memset(huge, 'a', XS_PAYLOAD_MAX);
    huge[XS_PAYLOAD_MAX] = '\0';
    const char *one[] = {huge};
    CHECK_INT(xs_request_encode(big, sizeof(big), 2, 1, 0, one, 1, 1), XS_HEADER_SIZE + XS_PAYLOAD_MAX);
    CHECK_INT(xs_request_encode(big, sizeof(big), 2, 1, 0, one, 1, 0), -HEARTH_ERANGE);
    free(huge);

    uint8_t raw[XS_HEADER_SIZE] = {0};
    raw[12] = 0x00, raw[13] = 0x10; /* 4096 */
    CHECK_INT(xs_header_decode(raw, &h), 0);
    raw[12] = 0x01; /* 4097 */
    CHECK_INT(xs_header_decode(raw, &h), -HEARTH_EBADMSG);
    raw[15] = 0xff; /* a length with the top bit set must not turn negative anywhere */
    CHECK_INT(xs_header_decode(raw, &h), -HEARTH_EBADMSG);
}

static void test_ring_copy_wraps(void)
{
    char ring[XS_RING_SIZE], out[16];
    memset(ring, 0, sizeof(ring));
    xs_ring_copy_in(ring, XS_RING_SIZE - 3, "abcdef", 6);
    CHECK(ring[XS_RING_SIZE - 3] == 'a' && ring[XS_RING_SIZE - 1] == 'c' && ring[0] == 'd' && ring[2] == 'f');
    xs_ring_copy_out(ring, 0xfffffffdu + XS_RING_SIZE * 4, out, 6); /* index far past the ring size */
    CHECK(memcmp(out, "abcdef", 6) == 0);
}

static void test_pv_ring_helpers(void)
{
    CHECK_INT(ring_pending_responses(10, 10, 256), 0);
    CHECK_INT(ring_pending_responses(266, 10, 256), 256);
    CHECK_INT(ring_pending_responses(267, 10, 256), -1);
    CHECK_INT(ring_pending_responses(5, 10, 256), -1); /* producer behind consumer: corrupt */
    CHECK_INT(ring_pending_responses(3, 0xfffffffeu, 256), 5);
    CHECK_INT(ring_request_needs_notify(0, 1, 1), 1);
    CHECK_INT(ring_request_needs_notify(0, 4, 5), 0);
    CHECK_INT(ring_request_needs_notify(4, 8, 5), 1);
    CHECK_INT(ring_request_needs_notify(0xfffffffeu, 2, 0), 1);
}

int main(void)
{
    CHECK(check_vectors("vectors/xs_ring.txt", 3, ring_vector) >= 8);
    CHECK(check_vectors_raw("vectors/xs_error.txt", 2, error_vector) >= 8);
    CHECK(check_vectors_raw("vectors/xs_watch.txt", 2, watch_vector) >= 6);
    test_header_and_encode();
    test_ring_copy_wraps();
    test_pv_ring_helpers();
    return check_summary("xs_wire");
}
