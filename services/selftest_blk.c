/* SPDX-License-Identifier: ISC */
/* Block-device self-test driven by boot arguments: write a seeded pattern, or verify it after a reboot. */
#include "selftest.h"

#include "cmdline.h"
#include "disk.h"
#include "log.h"

#include <hearth/blk.h>
#include <hearth/err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* xorshift64: cheap, seedable, and different for every (seed, block) pair. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

static void fill_block(uint8_t *block, uint32_t size, uint64_t seed, uint64_t lba)
{
    uint64_t state = (seed * 0x9e3779b97f4a7c15ull) ^ (lba + 1) ^ 0x5bd1e995u;
    int head = snprintf((char *)block, size, "HEARTH-BLKTEST seed=%" PRIu64 " lba=%" PRIu64 "\n", seed, lba);
    for (uint32_t i = (uint32_t)head; i < size; i++)
        block[i] = (uint8_t)next_random(&state);
}

int selftest_blk(const char *cmdline)
{
    char mode[16];
    uint64_t seed = 1, count = 64;
    if (cmdline_get(cmdline, "blktest", mode, sizeof(mode)) < 0)
        return 0;
    cmdline_get_u64(cmdline, "blkseed", &seed);
    cmdline_get_u64(cmdline, "blkcount", &count);
    int write = strcmp(mode, "write") == 0;
    if (!write && strcmp(mode, "verify") != 0) {
        log_line("blktest: unknown mode \"%s\" (write or verify)", mode);
        return -HEARTH_EINVAL;
    }

    int rc;
    struct hearth_blkdev *dev = disk_get(cmdline, &rc);
    if (!dev) {
        log_line("blktest: no block device (%s)", hearth_strerror(rc));
        return rc;
    }
    struct hearth_blk_info info;
    hearth_blk_info(dev, &info);
    log_line("blk: device %s: %" PRIu64 " blocks of %" PRIu32 " bytes%s", disk_name(), info.block_count,
             info.block_size, info.read_only ? " (read-only)" : "");
    uint64_t area = DISK_SELFTEST_BYTES / info.block_size;
    if (count > area)
        count = area;
    if (count > info.block_count)
        count = info.block_count;
    /* The self-test area at the end of the disk: the key slots and the store lie before it. */
    uint64_t base = info.block_count - count;

    uint8_t *want = malloc(info.block_size), *got = malloc(info.block_size);
    if (!want || !got) {
        rc = -HEARTH_ENOMEM;
        goto out;
    }
    for (uint64_t lba = base; lba < base + count; lba++) {
        fill_block(want, info.block_size, seed, lba);
        if (write) {
            rc = hearth_blk_write(dev, lba, want, 1);
        } else if ((rc = hearth_blk_read(dev, lba, got, 1)) == 0 && memcmp(want, got, info.block_size) != 0) {
            log_line("blktest: MISMATCH at block %" PRIu64 " (seed %" PRIu64 ")", lba, seed);
            rc = -HEARTH_EIO;
            goto out;
        }
        if (rc < 0) {
            log_line("blktest: %s of block %" PRIu64 " failed (%s)", write ? "write" : "read", lba,
                     hearth_strerror(rc));
            goto out;
        }
    }
    if (write && (rc = hearth_blk_flush(dev)) < 0) {
        log_line("blktest: flush failed (%s)", hearth_strerror(rc));
        goto out;
    }
    if (write)
        log_line("blktest: wrote and flushed %" PRIu64 " blocks (seed %" PRIu64 ")", count, seed);
    else
        log_line("blktest: verified %" PRIu64 " blocks (seed %" PRIu64 "): all identical", count, seed);
out:
    free(want);
    free(got);
    return rc;
}
