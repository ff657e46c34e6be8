/* SPDX-License-Identifier: ISC */
/* CRC32C (Castagnoli), as used by iSCSI and ext4: crc32c("123456789") == 0xE3069283. */
#ifndef SERVICES_CRC32C_H
#define SERVICES_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The CRC32C of len bytes at data (data may be NULL when len is 0). */
uint32_t crc32c(const void *data, size_t len);

/*
 * Continues a CRC: crc32c_update(crc32c(a, n), b, m) equals the CRC of a followed by b.
 * Start with crc 0.
 */
uint32_t crc32c_update(uint32_t crc, const void *data, size_t len);

#endif
