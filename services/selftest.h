/* SPDX-License-Identifier: ISC */
/* Self-tests that system tests trigger through boot arguments; each is a no-op when not asked for. */
#ifndef SERVICES_SELFTEST_H
#define SERVICES_SELFTEST_H

/*
 * blktest=write|verify [blkseed=N] [blkcount=N] [blkdev=NAME]: writes a seeded pattern to the last
 * blocks of block device NAME (default "0": the first Xen vbd; a file path when hosted) and flushes, or reads
 * them back and compares. Logs "blktest: ..." lines. Returns 0 (also when not requested) or a negative
 * HEARTH_E* code.
 */
int selftest_blk(const char *cmdline);

#endif
