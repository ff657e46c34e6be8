/* SPDX-License-Identifier: ISC */
/* The stored form of the owner's password: encoding and strict decoding (bytes from the disk). */
#include "auth_password.h"

#include <hearth/err.h>
#include <string.h>

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void auth_pw_encode(const struct auth_pw *pw, uint8_t out[AUTH_PW_RECORD_LEN])
{
    out[0] = AUTH_PW_RECORD_VERSION;
    out[1] = pw->alg;
    out[2] = AUTH_PW_HASH_LEN;
    out[3] = 0;
    put_le32(out + 4, pw->iterations);
    memcpy(out + 8, pw->salt, AUTH_PW_SALT_LEN);
    memcpy(out + 8 + AUTH_PW_SALT_LEN, pw->hash, AUTH_PW_HASH_LEN);
}

int auth_pw_decode(const uint8_t *buf, size_t len, struct auth_pw *pw)
{
    if (len != AUTH_PW_RECORD_LEN || buf[0] != AUTH_PW_RECORD_VERSION ||
        buf[1] != AUTH_PW_ALG_PBKDF2_SHA256 || buf[2] != AUTH_PW_HASH_LEN || buf[3] != 0)
        return -HEARTH_EINVAL;
    uint32_t iterations = get_le32(buf + 4);
    if (iterations == 0 || iterations > AUTH_PW_MAX_ITERATIONS)
        return -HEARTH_EINVAL;
    pw->alg = buf[1];
    pw->iterations = iterations;
    memcpy(pw->salt, buf + 8, AUTH_PW_SALT_LEN);
    memcpy(pw->hash, buf + 8 + AUTH_PW_SALT_LEN, AUTH_PW_HASH_LEN);
    return 0;
}
