/* SPDX-License-Identifier: ISC */
/* Key slots on a block device: read both copies, write the one that is not current, flush. */
#include "tls_keyslot.h"

#include <hearth/blk.h>
#include <hearth/err.h>
#include <stdlib.h>
#include <string.h>

int tls_keyslot_open(struct tls_keyslot *ks, struct hearth_blkdev *dev)
{
    struct hearth_blk_info info;
    hearth_blk_info(dev, &info);
    if (info.block_size == 0 || TLS_KEYSLOT_COPY_BYTES % info.block_size != 0)
        return -HEARTH_EINVAL;
    if (info.block_count < TLS_KEYSLOT_AREA_BYTES / info.block_size)
        return -HEARTH_ENOSPC;
    if (info.read_only)
        return -HEARTH_EPERM;
    *ks = (struct tls_keyslot){.dev = dev, .block_size = info.block_size};
    return 0;
}

static uint64_t copy_lba(const struct tls_keyslot *ks, unsigned slot, int copy)
{
    return (uint64_t)(2u * slot + (unsigned)copy) * (TLS_KEYSLOT_COPY_BYTES / ks->block_size);
}

/* Reads both copies of slot into a fresh 2 x 16 KiB buffer (caller frees) and picks between them. */
static int load(struct tls_keyslot *ks, unsigned slot, uint8_t **both, struct tls_keyslot_pick *pick)
{
    uint32_t blocks = TLS_KEYSLOT_COPY_BYTES / ks->block_size;
    if (!tls_keyslot_name(slot))
        return -HEARTH_EINVAL;
    *both = malloc(2u * TLS_KEYSLOT_COPY_BYTES);
    if (!*both)
        return -HEARTH_ENOMEM;
    /* A and B of one slot are adjacent, so one request reads both. */
    int rc = hearth_blk_read(ks->dev, copy_lba(ks, slot, 0), *both, 2u * blocks);
    if (rc < 0)
        return rc == -HEARTH_ERANGE ? -HEARTH_EIO : rc;
    tls_keyslot_choose(*both, *both + TLS_KEYSLOT_COPY_BYTES, TLS_KEYSLOT_COPY_BYTES, slot, pick);
    return 0;
}

int tls_keyslot_read(struct tls_keyslot *ks, unsigned slot, void *buf, size_t cap, size_t *len)
{
    uint8_t *both = NULL;
    struct tls_keyslot_pick pick;
    int rc = load(ks, slot, &both, &pick);
    if (rc < 0)
        goto out;
    if ((rc = pick.status) < 0)
        goto out;
    if (pick.value.len > cap) {
        rc = -HEARTH_ERANGE;
        goto out;
    }
    memcpy(buf, pick.value.payload, pick.value.len);
    *len = pick.value.len;
out:
    if (both)
        memset(both, 0, 2u * TLS_KEYSLOT_COPY_BYTES); /* the copies may hold a private key */
    free(both);
    return rc;
}

int tls_keyslot_write(struct tls_keyslot *ks, unsigned slot, const void *data, size_t len)
{
    uint8_t *both = NULL;
    struct tls_keyslot_pick pick;
    int rc = load(ks, slot, &both, &pick);
    if (rc < 0)
        goto out;
    if (pick.current >= 0 && pick.status < 0) { /* the sequence number would wrap */
        rc = pick.status;
        goto out;
    }
    uint8_t *target = both + (size_t)pick.next * TLS_KEYSLOT_COPY_BYTES;
    rc = tls_keyslot_encode(target, TLS_KEYSLOT_COPY_BYTES, slot, pick.next_seq, data, len);
    if (rc < 0)
        goto out;
    /* Only the blocks the new copy occupies; the rest of the old bytes are outside its CRC anyway. */
    uint32_t blocks = (uint32_t)(((size_t)rc + ks->block_size - 1) / ks->block_size);
    if ((rc = hearth_blk_write(ks->dev, copy_lba(ks, slot, pick.next), target, blocks)) < 0)
        goto out;
    rc = hearth_blk_flush(ks->dev);
out:
    if (both)
        memset(both, 0, 2u * TLS_KEYSLOT_COPY_BYTES);
    free(both);
    return rc;
}
