/* SPDX-License-Identifier: ISC */
/* Key slots: a few small named records kept crash-safe (A/B copies) at the start of a block device. */
#ifndef TLS_KEYSLOT_H
#define TLS_KEYSLOT_H

/*
 * Why here and not in services/: the only records today are the TLS secrets (entropy seed, device key,
 * certificate), and the crash-safe store planned for services/ will start after this area, so the two
 * never share blocks. The format code (tls_keyslot_format.c) has no Mbed TLS or device dependency, which
 * is what the unit tests and the fuzz target compile.
 *
 * On-disk layout. The first TLS_KEYSLOT_AREA_BYTES (256 KiB) of the device are reserved. Slot s has two
 * copies, A and B, each TLS_KEYSLOT_COPY_BYTES (16 KiB) long, copy c (0 = A, 1 = B) starting at byte
 * (2 * s + c) * 16 KiB. A copy is, little-endian:
 *
 *   off  size  field
 *     0     4  magic "HKS1" (0x31534b48)
 *     4     2  format version, 1
 *     6     2  slot index s (a copy found in the wrong place is invalid)
 *     8     8  sequence number, >= 1; the valid copy with the higher one is current
 *    16     4  payload length, 0 .. TLS_KEYSLOT_MAX_PAYLOAD
 *    20     8  slot name, NUL-padded ("seed", "key", "cert", "time"); must match the slot's
 *    28     4  CRC32C (Castagnoli) of bytes 0..27 followed by the payload
 *    32     n  payload; bytes after it up to the copy's end are ignored
 *
 * Writing never touches the current copy: the new value goes to the other copy (the invalid one, or the
 * older one) with the next sequence number, then the device is flushed. A write torn by a power cut
 * leaves a copy whose CRC fails, so the previous value is still read after reboot.
 */

#include <stddef.h>
#include <stdint.h>

#define TLS_KEYSLOT_AREA_BYTES (256u * 1024u)
#define TLS_KEYSLOT_COPY_BYTES (16u * 1024u)
#define TLS_KEYSLOT_HEADER_BYTES 32u
#define TLS_KEYSLOT_MAX_PAYLOAD (TLS_KEYSLOT_COPY_BYTES - TLS_KEYSLOT_HEADER_BYTES)
#define TLS_KEYSLOT_COUNT (TLS_KEYSLOT_AREA_BYTES / (2u * TLS_KEYSLOT_COPY_BYTES))
#define TLS_KEYSLOT_MAGIC 0x31534b48u
#define TLS_KEYSLOT_VERSION 1u

enum tls_keyslot_id {
    TLS_KEYSLOT_SEED = 0, /* the entropy seed, replaced on every boot */
    TLS_KEYSLOT_KEY = 1,  /* the device private key, DER */
    TLS_KEYSLOT_CERT = 2, /* the device certificate, DER */
    TLS_KEYSLOT_TIME = 3, /* the latest known wall time, 8 bytes little-endian seconds since 1970 */
    /* 4 .. TLS_KEYSLOT_COUNT - 1 are reserved */
};

/* The name stored with slot (e.g. "key"), or NULL for a reserved or out-of-range slot. */
const char *tls_keyslot_name(unsigned slot);

/* CRC32C (Castagnoli, reflected, as in iSCSI and ext4): pass 0 to start, the previous result to go on. */
uint32_t tls_crc32c(uint32_t crc, const void *data, size_t len);

/* A copy's validated contents; payload points into the buffer that was parsed. */
struct tls_keyslot_copy {
    uint64_t seq;
    const uint8_t *payload;
    size_t len;
};

/*
 * Validates one copy (len bytes, normally TLS_KEYSLOT_COPY_BYTES) as belonging to slot.
 * Returns 0 with *out filled, -HEARTH_ENODATA when the copy is blank (no magic: never written),
 * -HEARTH_EBADMSG when it carries the magic but anything else is wrong (version, slot, name, length,
 * sequence 0, CRC), -HEARTH_EINVAL for a slot without a name.
 */
int tls_keyslot_parse(const uint8_t *copy, size_t len, unsigned slot, struct tls_keyslot_copy *out);

/* What reading both copies of a slot found, and where the next write must go. */
struct tls_keyslot_pick {
    int current; /* 0 (A) or 1 (B): the copy holding the value, or -1 when neither is valid */
    struct tls_keyslot_copy value;
    int next;          /* the copy the next write replaces: never the current one */
    uint64_t next_seq; /* the sequence number the next write carries */
    int status;        /* 0 with a value, else -HEARTH_ENODATA (both blank) or -HEARTH_EBADMSG */
};

/* Chooses between copies a and b (each len bytes) of slot. Never fails; see pick->status. */
void tls_keyslot_choose(const uint8_t *a, const uint8_t *b, size_t len, unsigned slot,
                        struct tls_keyslot_pick *pick);

/*
 * Encodes a copy of slot with seq and payload into out (cap bytes; the unused tail is zeroed).
 * Returns the bytes used (header + payload), -HEARTH_EINVAL for a slot without a name or seq 0,
 * -HEARTH_ERANGE when the payload is too long for a copy or for cap.
 */
int tls_keyslot_encode(uint8_t *out, size_t cap, unsigned slot, uint64_t seq, const void *payload,
                       size_t len);

/* ---- On a block device (tls_keyslot.c). ---- */

struct hearth_blkdev;

struct tls_keyslot {
    struct hearth_blkdev *dev;
    uint32_t block_size;
};

/*
 * Prepares ks for dev (owned by the caller; must outlive ks). Returns 0, -HEARTH_ENOSPC if the device is
 * smaller than the reserved area, -HEARTH_EINVAL if its block size does not divide a copy, -HEARTH_EPERM
 * if it is read-only (seeds must be replaced on every boot).
 */
int tls_keyslot_open(struct tls_keyslot *ks, struct hearth_blkdev *dev);

/*
 * Reads slot's current value into buf (cap bytes) and its length into *len.
 * Returns 0, -HEARTH_ENODATA (never written), -HEARTH_EBADMSG (no valid copy), -HEARTH_ERANGE (cap too
 * small), -HEARTH_ENOMEM, -HEARTH_EIO, or -HEARTH_EINVAL for a bad slot.
 */
int tls_keyslot_read(struct tls_keyslot *ks, unsigned slot, void *buf, size_t cap, size_t *len);

/*
 * Replaces slot's value with data (len bytes, at most TLS_KEYSLOT_MAX_PAYLOAD) and flushes the device.
 * The previous value survives until this returns 0. Returns 0, -HEARTH_ERANGE, -HEARTH_EINVAL,
 * -HEARTH_ENOMEM, -HEARTH_EIO, or -HEARTH_EPERM.
 */
int tls_keyslot_write(struct tls_keyslot *ks, unsigned slot, const void *data, size_t len);

#endif
