/* SPDX-License-Identifier: ISC */
/* The owner: setup codes from an unambiguous alphabet, and the password record persisted in the store. */
#include "auth_owner.h"

#include "store.h"

#include <hearth/err.h>
#include <mbedtls/constant_time.h>
#include <string.h>

/* 32 symbols: digits and capitals without 0/O and 1/I, which people misread on a serial console. */
static const char code_alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

int auth_owner_load(struct auth_owner *o, struct store *st)
{
    uint8_t buf[STORE_KEY_MAX + AUTH_PW_RECORD_LEN + 8];
    struct store_record rec;
    memset(o, 0, sizeof(*o));
    o->store = st;
    if (!st)
        return -HEARTH_ENOENT;
    int rc = store_get_latest(st, STORE_T_CONFIG, (const uint8_t *)AUTH_OWNER_KEY, sizeof(AUTH_OWNER_KEY) - 1,
                              &rec, buf, sizeof(buf));
    if (rc == -HEARTH_ERANGE)
        return -HEARTH_EINVAL; /* longer than any record we write */
    if (rc < 0)
        return rc;
    if ((rc = auth_pw_decode(rec.payload, rec.payload_len, &o->pw)) < 0)
        return rc;
    o->paired = 1;
    return 0;
}

void auth_owner_new_code(struct auth_owner *o, const uint8_t rnd[AUTH_CODE_RANDOM], char shown[12])
{
    for (unsigned i = 0; i < AUTH_CODE_CHARS; i++)
        o->code[i] = code_alphabet[rnd[i] & 31];
    o->code[AUTH_CODE_CHARS] = '\0';
    memcpy(shown, o->code, 5);
    shown[5] = '-';
    memcpy(shown + 6, o->code + 5, 5);
    shown[11] = '\0';
}

int auth_owner_code_ok(const struct auth_owner *o, const char *input)
{
    char norm[AUTH_CODE_CHARS];
    unsigned n = 0;
    if (o->paired || strlen(o->code) != AUTH_CODE_CHARS || !input)
        return 0;
    for (const char *p = input; *p; p++) {
        char c = *p;
        if (c == '-' || c == ' ')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (n == AUTH_CODE_CHARS)
            return 0;
        norm[n++] = c;
    }
    return n == AUTH_CODE_CHARS && mbedtls_ct_memcmp(norm, o->code, AUTH_CODE_CHARS) == 0;
}

int auth_owner_set(struct auth_owner *o, const struct auth_pw *pw, uint64_t wall_ns)
{
    if (o->store) {
        uint8_t payload[AUTH_PW_RECORD_LEN];
        auth_pw_encode(pw, payload);
        struct store_record rec = {.type = STORE_T_CONFIG,
                                   .key = (const uint8_t *)AUTH_OWNER_KEY,
                                   .key_len = sizeof(AUTH_OWNER_KEY) - 1,
                                   .payload = payload,
                                   .payload_len = sizeof(payload),
                                   .timestamp_ns = wall_ns};
        int rc = store_append(o->store, &rec, NULL, NULL, NULL);
        if (rc == 0)
            rc = store_commit(o->store);
        if (rc < 0)
            return rc;
    }
    o->pw = *pw;
    o->paired = 1;
    memset(o->code, 0, sizeof(o->code));
    return 0;
}
