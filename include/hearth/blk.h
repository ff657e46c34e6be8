/* SPDX-License-Identifier: ISC */
/* The block-device contract: whole blocks, synchronous, with an explicit flush for durability. */
#ifndef HEARTH_BLK_H
#define HEARTH_BLK_H

#include <stddef.h>
#include <stdint.h>

struct hearth_blkdev; /* owned by the HAL */

struct hearth_blk_info {
    uint64_t block_count;
    uint32_t block_size; /* bytes, a power of two >= 512 */
    int read_only;
};

/*
 * Acquires the block device called name ("0" is the first Xen vbd; a file path when hosted).
 * Returns the device or NULL; *err, if not NULL, gets -HEARTH_ENOENT, -HEARTH_EBUSY, -HEARTH_EIO or
 * -HEARTH_ENOMEM.
 */
struct hearth_blkdev *hearth_blk_open(const char *name, int *err);

void hearth_blk_info(struct hearth_blkdev *dev, struct hearth_blk_info *info);

/*
 * Reads count blocks starting at block lba into buf (count * block_size bytes, caller-owned).
 * Returns 0, -HEARTH_ERANGE past the end, or -HEARTH_EIO.
 */
int hearth_blk_read(struct hearth_blkdev *dev, uint64_t lba, void *buf, uint32_t count);

/*
 * Writes count blocks from buf. Data is durable only after a successful hearth_blk_flush.
 * Returns 0, -HEARTH_ERANGE, -HEARTH_EPERM on a read-only device, or -HEARTH_EIO.
 */
int hearth_blk_write(struct hearth_blkdev *dev, uint64_t lba, const void *buf, uint32_t count);

/* Makes every completed write durable (a barrier / cache flush). Returns 0 or -HEARTH_EIO. */
int hearth_blk_flush(struct hearth_blkdev *dev);

#endif
