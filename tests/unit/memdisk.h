/* SPDX-License-Identifier: ISC */
/* A test double of hearth/blk.h in memory that can lose power: torn and lost unflushed writes. */
#ifndef TESTS_UNIT_MEMDISK_H
#define TESTS_UNIT_MEMDISK_H

#include <hearth/blk.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * A device of blocks * bs zeroed bytes. Reads see every completed write; only flushed writes are sure
 * to survive memdisk_power_cycle. Free with memdisk_free.
 */
struct hearth_blkdev *memdisk_new(uint32_t bs, uint64_t blocks);
void memdisk_free(struct hearth_blkdev *d);

/*
 * Power fails during the n-th block write from now (n >= 1): that write lands whole, as a prefix of its
 * bytes, or not at all (chosen by seed; seed 0: not at all), and every later write, read and flush fails
 * with -HEARTH_EIO.
 */
void memdisk_cut_after(struct hearth_blkdev *d, uint64_t n, uint64_t seed);
bool memdisk_dead(const struct hearth_blkdev *d);

/* Power fails now, between writes: nothing is torn (unflushed writes may still be lost). */
void memdisk_crash(struct hearth_blkdev *d);

/*
 * The crash and the reboot: every write since the last flush independently survives or is lost
 * (in order, so a later write to the same block wins), then the device works again.
 */
void memdisk_power_cycle(struct hearth_blkdev *d);

/* Block writes so far, and the device's bytes as reads return them now (read-only: see memdisk_flip). */
uint64_t memdisk_writes(const struct hearth_blkdev *d);
const uint8_t *memdisk_bytes(const struct hearth_blkdev *d);

/* Media corruption: XORs mask into the byte at offset, durably. */
void memdisk_flip(struct hearth_blkdev *d, uint64_t offset, uint8_t mask);

/* The monotonic clock the store's commit timer reads (hearth_plat_monotonic_ns), set by the test. */
void memdisk_set_time(uint64_t ns);

#endif
