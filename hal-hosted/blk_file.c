/* SPDX-License-Identifier: ISC */
/* hearth/blk.h over a regular file: pread/pwrite of whole blocks, fdatasync as the flush. */
#define _GNU_SOURCE
#include <hearth/blk.h>
#include <hearth/err.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_BLOCK_SIZE 512u
#define MAX_OPEN 4

struct hearth_blkdev {
    int fd;
    uint64_t blocks;
    int read_only;
};

static struct hearth_blkdev devices[MAX_OPEN];
static char open_paths[MAX_OPEN][256];

/* The device name is a file path; it must exist and be a whole number of blocks long. */
struct hearth_blkdev *hearth_blk_open(const char *name, int *err)
{
    int rc = 0, slot = -1;
    struct stat st;
    for (int i = 0; i < MAX_OPEN; i++) {
        if (devices[i].fd > 0 && strcmp(open_paths[i], name) == 0) {
            rc = -HEARTH_EBUSY;
            goto out;
        }
        if (slot < 0 && devices[i].fd <= 0)
            slot = i;
    }
    if (slot < 0 || strlen(name) >= sizeof(open_paths[0])) {
        rc = slot < 0 ? -HEARTH_ENOMEM : -HEARTH_ENOENT;
        goto out;
    }
    struct hearth_blkdev *d = &devices[slot];
    d->read_only = 0;
    d->fd = open(name, O_RDWR | O_CLOEXEC);
    if (d->fd < 0 && errno == EACCES) {
        d->read_only = 1;
        d->fd = open(name, O_RDONLY | O_CLOEXEC);
    }
    if (d->fd < 0) {
        rc = errno == ENOENT ? -HEARTH_ENOENT : -HEARTH_EIO;
        d->fd = 0;
        goto out;
    }
    if (fstat(d->fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size % FILE_BLOCK_SIZE != 0) {
        close(d->fd);
        d->fd = 0;
        rc = -HEARTH_EIO;
        goto out;
    }
    d->blocks = (uint64_t)st.st_size / FILE_BLOCK_SIZE;
    strcpy(open_paths[slot], name);
out:
    if (err)
        *err = rc;
    return rc < 0 ? NULL : &devices[slot];
}

void hearth_blk_info(struct hearth_blkdev *d, struct hearth_blk_info *info)
{
    info->block_count = d->blocks;
    info->block_size = FILE_BLOCK_SIZE;
    info->read_only = d->read_only;
}

static int check_range(struct hearth_blkdev *d, uint64_t lba, uint32_t count)
{
    return lba > d->blocks || count > d->blocks - lba ? -HEARTH_ERANGE : 0;
}

/* pread/pwrite may move fewer bytes than asked; loop until done or a real error. */
static int move_all(int fd, int write, uint8_t *buf, size_t len, off_t off)
{
    while (len > 0) {
        ssize_t n = write ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -HEARTH_EIO;
        buf += n;
        len -= (size_t)n;
        off += n;
    }
    return 0;
}

int hearth_blk_read(struct hearth_blkdev *d, uint64_t lba, void *buf, uint32_t count)
{
    int rc = check_range(d, lba, count);
    if (rc < 0)
        return rc;
    return move_all(d->fd, 0, buf, (size_t)count * FILE_BLOCK_SIZE, (off_t)(lba * FILE_BLOCK_SIZE));
}

int hearth_blk_write(struct hearth_blkdev *d, uint64_t lba, const void *buf, uint32_t count)
{
    int rc = check_range(d, lba, count);
    if (rc < 0)
        return rc;
    if (d->read_only)
        return -HEARTH_EPERM;
    return move_all(d->fd, 1, (uint8_t *)(uintptr_t)buf, (size_t)count * FILE_BLOCK_SIZE,
                    (off_t)(lba * FILE_BLOCK_SIZE));
}

int hearth_blk_flush(struct hearth_blkdev *d)
{
    return fdatasync(d->fd) == 0 ? 0 : -HEARTH_EIO;
}
