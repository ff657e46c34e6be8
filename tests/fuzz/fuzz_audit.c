/* SPDX-License-Identifier: ISC */
/* libFuzzer target for audit entries read from disk: the strict decoder, re-encoding, and the chain check. */
#include "audit.h"

#include <hearth/err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct audit_entry e;
    size_t body = 0;
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    if (audit_decode(copy, size, &e, &body) == 0) {
        /* One spelling per entry: what decodes re-encodes to the same bytes. */
        char text[AUDIT_TEXT_MAX * 2];
        int n = audit_encode_body(&e, text, sizeof(text));
        if (n < 0 || (size_t)n != body || memcmp(text, copy, body) != 0) {
            fprintf(stderr, "audit: decoded entry does not re-encode to its bytes\n");
            abort();
        }
    }
    /* The chain check over links made from the input bytes, in whatever order they come. */
    size_t nlinks = size / sizeof(struct audit_link);
    struct audit_link *links = malloc((nlinks ? nlinks : 1) * sizeof(*links));
    memcpy(links, data, nlinks * sizeof(*links));
    struct audit_verdict v;
    uint8_t head[16] = {0};
    audit_chain_check(links, nlinks, size % 3, size % 5, head, &v);
    if (v.ok && v.first_bad_seq) {
        fprintf(stderr, "audit: ok with a bad seq\n");
        abort();
    }
    free(links);
    free(copy);
    return 0;
}
