/* SPDX-License-Identifier: ISC */
/* hearth_blk_* over memory with a power-cut model, plus the clock and panic stubs the store tests need. */
#include "memdisk.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unflushed {
    uint64_t lba;
    uint32_t len; /* bytes of the block that land: bs, or fewer for the torn write */
    uint8_t *data;
};

struct hearth_blkdev {
    uint32_t bs;
    uint64_t blocks;
    uint8_t *media; /* what survives a power cut */
    uint8_t *cur;   /* what reads see: media plus the unflushed writes */
    struct unflushed *pending;
    size_t npending, cap;
    uint64_t writes, cut_at, rng;
    bool dead;
};

static uint64_t now_ns;

uint64_t hearth_plat_monotonic_ns(void)
{
    return now_ns;
}

/* loop.c comes along with loop_init; the tests drive timers themselves and never sleep. */
int hearth_plat_yield(uint64_t deadline_ns)
{
    if (deadline_ns > now_ns)
        now_ns = deadline_ns;
    return 0;
}

int hearth_plat_poweroff_requested(void)
{
    return 0;
}

void memdisk_set_time(uint64_t ns)
{
    now_ns = ns;
}

_Noreturn void hearth_panic(const char *file, int line, const char *msg)
{
    fprintf(stderr, "PANIC at %s:%d: %s\n", file, line, msg);
    abort();
}

static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

struct hearth_blkdev *memdisk_new(uint32_t bs, uint64_t blocks)
{
    struct hearth_blkdev *d = calloc(1, sizeof(*d));
    if (!d)
        abort();
    d->bs = bs;
    d->blocks = blocks;
    d->media = calloc(blocks, bs);
    d->cur = calloc(blocks, bs);
    d->rng = 1;
    if (!d->media || !d->cur)
        abort();
    return d;
}

static void drop_pending(struct hearth_blkdev *d)
{
    for (size_t i = 0; i < d->npending; i++)
        free(d->pending[i].data);
    d->npending = 0;
}

void memdisk_free(struct hearth_blkdev *d)
{
    if (!d)
        return;
    drop_pending(d);
    free(d->pending);
    free(d->media);
    free(d->cur);
    free(d);
}

void memdisk_cut_after(struct hearth_blkdev *d, uint64_t n, uint64_t seed)
{
    d->cut_at = d->writes + n;
    d->rng = seed * 0x9e3779b97f4a7c15ull + 1;
}

void memdisk_crash(struct hearth_blkdev *d)
{
    d->dead = true;
}

bool memdisk_dead(const struct hearth_blkdev *d)
{
    return d->dead;
}

uint64_t memdisk_writes(const struct hearth_blkdev *d)
{
    return d->writes;
}

const uint8_t *memdisk_bytes(const struct hearth_blkdev *d)
{
    return d->cur;
}

void memdisk_flip(struct hearth_blkdev *d, uint64_t offset, uint8_t mask)
{
    d->cur[offset] ^= mask;
    d->media[offset] ^= mask;
}

void memdisk_power_cycle(struct hearth_blkdev *d)
{
    for (size_t i = 0; i < d->npending; i++) {
        struct unflushed *u = &d->pending[i];
        /* The torn write (always last) lands as it was cut; the others are a coin toss each. */
        if (i + 1 == d->npending && u->len < d->bs ? true : next_random(&d->rng) & 1)
            memcpy(d->media + u->lba * d->bs, u->data, u->len);
    }
    drop_pending(d);
    memcpy(d->cur, d->media, (size_t)d->blocks * d->bs);
    d->dead = false;
    d->cut_at = 0;
}

void hearth_blk_info(struct hearth_blkdev *d, struct hearth_blk_info *info)
{
    info->block_count = d->blocks;
    info->block_size = d->bs;
    info->read_only = 0;
}

int hearth_blk_read(struct hearth_blkdev *d, uint64_t lba, void *buf, uint32_t count)
{
    if (d->dead)
        return -HEARTH_EIO;
    if (lba > d->blocks || count > d->blocks - lba)
        return -HEARTH_ERANGE;
    memcpy(buf, d->cur + lba * d->bs, (size_t)count * d->bs);
    return 0;
}

static void remember(struct hearth_blkdev *d, uint64_t lba, const uint8_t *data, uint32_t len)
{
    if (d->npending == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 64;
        d->pending = realloc(d->pending, d->cap * sizeof(*d->pending));
        if (!d->pending)
            abort();
    }
    struct unflushed *u = &d->pending[d->npending++];
    u->lba = lba;
    u->len = len;
    u->data = malloc(d->bs);
    if (!u->data)
        abort();
    memcpy(u->data, data, len);
}

int hearth_blk_write(struct hearth_blkdev *d, uint64_t lba, const void *buf, uint32_t count)
{
    const uint8_t *p = buf;
    if (d->dead)
        return -HEARTH_EIO;
    if (lba > d->blocks || count > d->blocks - lba)
        return -HEARTH_ERANGE;
    for (uint32_t i = 0; i < count; i++, p += d->bs) {
        uint32_t len = d->bs;
        d->writes++;
        if (d->cut_at && d->writes == d->cut_at) {
            /* The power fails during this write: whole, a prefix of it, or nothing reaches the media. */
            uint64_t how = d->rng == 1 ? 0 : next_random(&d->rng) % 3;
            len = how == 0 ? 0 : how == 1 ? (uint32_t)(next_random(&d->rng) % d->bs) : d->bs;
            if (len)
                remember(d, lba + i, p, len);
            d->dead = true;
            return -HEARTH_EIO;
        }
        memcpy(d->cur + (lba + i) * d->bs, p, len);
        remember(d, lba + i, p, len);
    }
    return 0;
}

int hearth_blk_flush(struct hearth_blkdev *d)
{
    if (d->dead)
        return -HEARTH_EIO;
    for (size_t i = 0; i < d->npending; i++)
        memcpy(d->media + d->pending[i].lba * d->bs, d->pending[i].data, d->pending[i].len);
    drop_pending(d);
    return 0;
}
