/* SPDX-License-Identifier: ISC */
/* Opens the hub's block device once: a second hearth_blk_open of the same device would be refused. */
#include "disk.h"

#include "cmdline.h"

#include <hearth/err.h>
#include <string.h>

static struct {
    int tried, err;
    char name[128];
    struct hearth_blkdev *dev;
} disk;

struct hearth_blkdev *disk_get(const char *cmdline, int *err)
{
    if (!disk.tried) {
        disk.tried = 1;
        if (cmdline_get(cmdline, "blkdev", disk.name, sizeof(disk.name)) <= 0)
            strcpy(disk.name, "0");
        disk.dev = hearth_blk_open(disk.name, &disk.err);
    }
    if (err)
        *err = disk.dev ? 0 : disk.err;
    return disk.dev;
}

const char *disk_name(void)
{
    return disk.name[0] ? disk.name : "0";
}

void disk_reset(void)
{
    memset(&disk, 0, sizeof(disk));
}
