/* SPDX-License-Identifier: ISC */
/* libFuzzer target for what a hostile xenstored can send: headers, error names, watch events, indexes. */
#include "ring.h"
#include "xs_wire.h"

#include <hearth/err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8 + XS_HEADER_SIZE)
        return 0;
    /* The first 8 bytes are ring indexes as a peer would publish them. */
    uint32_t cons = le32(data), prod = le32(data + 4);
    int readable = xs_ring_readable(cons, prod);
    if (readable != -HEARTH_EBADMSG && (readable < 0 || readable > (int)XS_RING_SIZE))
        abort();
    int pending = ring_pending_responses(prod, cons, 256);
    if (pending < -1 || pending > 256)
        abort();

    struct xs_header h;
    const uint8_t *msg = data + 8;
    size_t left = size - 8 - XS_HEADER_SIZE;
    if (xs_header_decode(msg, &h) < 0) {
        if (h.len <= XS_PAYLOAD_MAX)
            abort(); /* refused a valid length */
        return 0;
    }
    size_t plen = h.len < left ? h.len : left;
    char *payload = malloc(plen ? plen : 1);
    memcpy(payload, msg + XS_HEADER_SIZE, plen);
    int err = xs_error_decode(payload, plen);
    if (err >= 0)
        abort();
    const char *path, *token;
    if (xs_watch_event_split(payload, plen, &path, &token) == 0) {
        /* Both strings must end inside the payload. */
        if (path < payload || token <= path || token + strlen(token) >= payload + plen)
            abort();
    }
    /* Round trip: whatever we encode decodes to the same header. */
    uint8_t buf[XS_HEADER_SIZE + 64];
    char part[32];
    size_t n = plen < sizeof(part) - 1 ? plen : sizeof(part) - 1;
    memcpy(part, payload, n);
    part[n] = '\0';
    const char *parts[] = {part};
    int len = xs_request_encode(buf, sizeof(buf), h.type, h.req_id, h.tx_id, parts, 1, 0);
    struct xs_header back;
    if (len < 0 || xs_header_decode(buf, &back) != 0 || back.type != h.type || back.req_id != h.req_id ||
        back.len != strlen(part) + 1)
        abort();
    free(payload);
    return 0;
}
