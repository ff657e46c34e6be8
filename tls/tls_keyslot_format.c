/* SPDX-License-Identifier: ISC */
/* The key-slot copy format: encode, validate untrusted disk bytes, and choose between copies A and B. */
#include "tls_keyslot.h"

#include <hearth/err.h>
#include <string.h>

#define NAME_BYTES 8u
#define CRC_OFFSET 28u

static const char *const slot_names[] = {"seed", "key", "cert", "time"};

const char *tls_keyslot_name(unsigned slot)
{
    return slot < sizeof(slot_names) / sizeof(slot_names[0]) ? slot_names[slot] : NULL;
}

/* Bitwise CRC32C: the records are a few hundred bytes read once per boot, so a table buys nothing. */
uint32_t tls_crc32c(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    crc = ~crc;
    while (len--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

/* The name field as stored: the slot's name, NUL-padded to 8 bytes. */
static void name_field(unsigned slot, uint8_t out[NAME_BYTES])
{
    const char *name = tls_keyslot_name(slot);
    memset(out, 0, NAME_BYTES);
    memcpy(out, name, strlen(name));
}

static uint32_t copy_crc(const uint8_t *copy, size_t payload_len)
{
    return tls_crc32c(tls_crc32c(0, copy, CRC_OFFSET), copy + TLS_KEYSLOT_HEADER_BYTES, payload_len);
}

int tls_keyslot_parse(const uint8_t *copy, size_t len, unsigned slot, struct tls_keyslot_copy *out)
{
    uint8_t name[NAME_BYTES];
    if (!tls_keyslot_name(slot))
        return -HEARTH_EINVAL;
    if (len < TLS_KEYSLOT_HEADER_BYTES || get32(copy) != TLS_KEYSLOT_MAGIC)
        return -HEARTH_ENODATA;
    /* Every field is checked before the length is used to address the payload. */
    uint32_t payload_len = get32(copy + 16);
    uint64_t seq = get64(copy + 8);
    name_field(slot, name);
    if (get16(copy + 4) != TLS_KEYSLOT_VERSION || get16(copy + 6) != slot || seq == 0 ||
        payload_len > TLS_KEYSLOT_MAX_PAYLOAD || payload_len > len - TLS_KEYSLOT_HEADER_BYTES ||
        memcmp(copy + 20, name, NAME_BYTES) != 0)
        return -HEARTH_EBADMSG;
    if (get32(copy + CRC_OFFSET) != copy_crc(copy, payload_len))
        return -HEARTH_EBADMSG;
    *out =
        (struct tls_keyslot_copy){.seq = seq, .payload = copy + TLS_KEYSLOT_HEADER_BYTES, .len = payload_len};
    return 0;
}

void tls_keyslot_choose(const uint8_t *a, const uint8_t *b, size_t len, unsigned slot,
                        struct tls_keyslot_pick *pick)
{
    struct tls_keyslot_copy ca, cb;
    int ra = tls_keyslot_parse(a, len, slot, &ca);
    int rb = tls_keyslot_parse(b, len, slot, &cb);

    *pick = (struct tls_keyslot_pick){.current = -1, .next = 0, .next_seq = 1};
    if (ra == 0 && (rb != 0 || ca.seq >= cb.seq)) {
        pick->current = 0;
        pick->value = ca;
    } else if (rb == 0) {
        pick->current = 1;
        pick->value = cb;
    }
    if (pick->current >= 0) {
        /* The other copy is older or invalid: overwriting it keeps the current value intact. */
        pick->next = 1 - pick->current;
        pick->next_seq = pick->value.seq + 1;
        pick->status = 0;
        if (pick->next_seq == 0) /* 2^64 writes cannot happen; refuse to wrap rather than go backwards */
            pick->status = -HEARTH_EBADMSG;
        return;
    }
    /* Neither copy is valid. The next write must still beat any sequence number a damaged copy might
     * regain, which cannot happen (its CRC fails), so starting at 1 is safe. */
    pick->status = (ra == -HEARTH_ENODATA && rb == -HEARTH_ENODATA) ? -HEARTH_ENODATA : -HEARTH_EBADMSG;
}

int tls_keyslot_encode(uint8_t *out, size_t cap, unsigned slot, uint64_t seq, const void *payload, size_t len)
{
    if (!tls_keyslot_name(slot) || seq == 0)
        return -HEARTH_EINVAL;
    if (len > TLS_KEYSLOT_MAX_PAYLOAD || cap < TLS_KEYSLOT_HEADER_BYTES ||
        len > cap - TLS_KEYSLOT_HEADER_BYTES)
        return -HEARTH_ERANGE;
    memset(out, 0, cap);
    put32(out, TLS_KEYSLOT_MAGIC);
    put16(out + 4, TLS_KEYSLOT_VERSION);
    put16(out + 6, (uint16_t)slot);
    put64(out + 8, seq);
    put32(out + 16, (uint32_t)len);
    name_field(slot, out + 20);
    if (len)
        memcpy(out + TLS_KEYSLOT_HEADER_BYTES, payload, len);
    put32(out + CRC_OFFSET, copy_crc(out, len));
    return (int)(TLS_KEYSLOT_HEADER_BYTES + len);
}
