/* SPDX-License-Identifier: ISC */
/* xenstore wire format: ring index arithmetic, header decoding, request encoding, error names. */
#include "xs_wire.h"

#include <hearth/err.h>
#include <string.h>

int xs_ring_readable(uint32_t cons, uint32_t prod)
{
    uint32_t used = prod - cons; /* free-running indexes: unsigned wrap is the protocol */
    return used > XS_RING_SIZE ? -HEARTH_EBADMSG : (int)used;
}

int xs_ring_writable(uint32_t cons, uint32_t prod)
{
    int used = xs_ring_readable(cons, prod);
    return used < 0 ? used : (int)XS_RING_SIZE - used;
}

void xs_ring_copy_out(const volatile char *ring, uint32_t cons, void *dst, size_t len)
{
    char *out = dst;
    for (size_t i = 0; i < len; i++)
        out[i] = ring[(cons + i) & (XS_RING_SIZE - 1)];
}

void xs_ring_copy_in(volatile char *ring, uint32_t prod, const void *src, size_t len)
{
    const char *in = src;
    for (size_t i = 0; i < len; i++)
        ring[(prod + i) & (XS_RING_SIZE - 1)] = in[i];
}

static uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void store_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

int xs_header_decode(const uint8_t raw[XS_HEADER_SIZE], struct xs_header *h)
{
    h->type = load_le32(raw);
    h->req_id = load_le32(raw + 4);
    h->tx_id = load_le32(raw + 8);
    h->len = load_le32(raw + 12);
    return h->len > XS_PAYLOAD_MAX ? -HEARTH_EBADMSG : 0;
}

int xs_request_encode(uint8_t *buf, size_t cap, uint32_t type, uint32_t req_id, uint32_t tx_id,
                      const char *const *parts, unsigned nparts, int last_unterminated)
{
    size_t payload = 0;
    for (unsigned i = 0; i < nparts; i++)
        payload += strlen(parts[i]) + (last_unterminated && i == nparts - 1 ? 0 : 1);
    if (payload > XS_PAYLOAD_MAX || XS_HEADER_SIZE + payload > cap)
        return -HEARTH_ERANGE;
    store_le32(buf, type);
    store_le32(buf + 4, req_id);
    store_le32(buf + 8, tx_id);
    store_le32(buf + 12, (uint32_t)payload);
    size_t at = XS_HEADER_SIZE;
    for (unsigned i = 0; i < nparts; i++) {
        size_t n = strlen(parts[i]);
        memcpy(buf + at, parts[i], n);
        at += n;
        if (!(last_unterminated && i == nparts - 1))
            buf[at++] = '\0';
    }
    return (int)at;
}

int xs_error_decode(const char *payload, size_t len)
{
    static const struct {
        const char *name;
        int err;
    } map[] = {
        {"ENOENT", HEARTH_ENOENT}, {"EACCES", HEARTH_EPERM},  {"EPERM", HEARTH_EPERM},
        {"EINVAL", HEARTH_EINVAL}, {"EAGAIN", HEARTH_EAGAIN}, {"EBUSY", HEARTH_EBUSY},
        {"ENOSPC", HEARTH_ENOSPC}, {"ENOMEM", HEARTH_ENOMEM}, {"E2BIG", HEARTH_ERANGE},
        {"EEXIST", HEARTH_EBUSY},  {"ENOSYS", HEARTH_ENOSYS},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        size_t n = strlen(map[i].name);
        /* Exactly the name, with or without its terminating NUL: nothing may follow it. */
        if ((len == n || (len == n + 1 && payload[n] == '\0')) && memcmp(payload, map[i].name, n) == 0)
            return -map[i].err;
    }
    return -HEARTH_EIO;
}

int xs_watch_event_split(const char *payload, size_t len, const char **path, const char **token)
{
    const char *end = payload + len;
    const char *nul1 = memchr(payload, '\0', len);
    if (!nul1 || nul1 == payload)
        return -HEARTH_EBADMSG;
    const char *nul2 = memchr(nul1 + 1, '\0', (size_t)(end - nul1 - 1));
    if (!nul2)
        return -HEARTH_EBADMSG;
    *path = payload;
    *token = nul1 + 1;
    return 0;
}
