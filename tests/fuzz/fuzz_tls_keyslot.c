/* SPDX-License-Identifier: ISC */
/* libFuzzer target: the key-slot parser and A/B choice on arbitrary disk bytes, with round-trip checks. */
#include "tls_keyslot.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Input: one byte choosing the slot (unnamed ones included), then copy A and copy B, half each. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t reencoded[TLS_KEYSLOT_COPY_BYTES];
    if (size < 1)
        return 0;
    unsigned slot = data[0] % (TLS_KEYSLOT_COUNT + 1);
    size_t half = (size - 1) / 2;
    const uint8_t *a = data + 1, *b = data + 1 + half;

    struct tls_keyslot_pick pick;
    tls_keyslot_choose(a, b, half, slot, &pick);
    if (pick.current < 0) {
        if (pick.status == 0 || pick.next != 0 || pick.next_seq != 1)
            abort();
        return 0;
    }
    /* A chosen value lies inside the chosen copy and is never the copy the next write replaces. */
    const uint8_t *copy = pick.current == 0 ? a : b;
    if (pick.next == pick.current || pick.value.payload != copy + TLS_KEYSLOT_HEADER_BYTES ||
        pick.value.len > half - TLS_KEYSLOT_HEADER_BYTES || pick.value.len > TLS_KEYSLOT_MAX_PAYLOAD ||
        pick.value.seq == 0)
        abort();
    /* Encoding the value again yields a copy that parses back to the same value. */
    struct tls_keyslot_copy again;
    if (tls_keyslot_encode(reencoded, sizeof(reencoded), slot, pick.value.seq, pick.value.payload,
                           pick.value.len) < 0 ||
        tls_keyslot_parse(reencoded, sizeof(reencoded), slot, &again) != 0 || again.seq != pick.value.seq ||
        again.len != pick.value.len || memcmp(again.payload, pick.value.payload, again.len) != 0)
        abort();
    return 0;
}
