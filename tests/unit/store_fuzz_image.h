/* SPDX-License-Identifier: ISC */
/* The device image the store fuzz target opens, shared with the unit test that writes its seed corpus. */
#ifndef TESTS_UNIT_STORE_FUZZ_IMAGE_H
#define TESTS_UNIT_STORE_FUZZ_IMAGE_H

#include "store.h"

/* 2 reserved blocks, two 1-block checkpoint slots, 6 segments of 8 blocks of 512 bytes. */
#define FUZZ_STORE_BS 512u
#define FUZZ_STORE_BLOCKS 52u
#define FUZZ_STORE_IMAGE_BYTES (FUZZ_STORE_BS * FUZZ_STORE_BLOCKS)

/*
 * A fuzz input is one flags byte and then the image (cut or zero-padded to FUZZ_STORE_IMAGE_BYTES).
 * Flag bit 0: recompute both checkpoints' CRCs, so mutations reach the checkpoint's field checks.
 */
#define FUZZ_STORE_FLAG_RESEAL 1u

static inline struct store_config fuzz_store_config(void)
{
    struct store_config cfg = {.first_block = 2, .segment_blocks = 8, .batch_blocks = 4};
    return cfg;
}

#endif
