/* SPDX-License-Identifier: ISC */
/* The audit log: every outbound transfer and policy change as a hash-chained entry in the store. */
#ifndef WEB_AUDIT_H
#define WEB_AUDIT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Each entry is one STORE_T_AUDIT record, key "audit", timestamp_ns its time, payload a readable text
 * of "name value" lines in exactly this order (tools/audit_verify.py reads the same format):
 *
 *   hearth-audit 1
 *   seq 12                          consecutive from 1
 *   time 1717200000123456789        Unix ns (0 while the hub does not know the time)
 *   kind transfer                   transfer | policy-change | recipient-change
 *   recipient weather-coop          or "-"
 *   policy 3                        the policy version in force
 *   sensors pot1/moisture           comma-separated series, or "-"
 *   granularity 1h                  raw | 1m | 1h | 1d | threshold | a comma-separated list | "-"
 *   window 1717196400 1717200000    the data's time window, Unix seconds [from, to) (0 0: none)
 *   bytes 412                       payload bytes (transfer) or policy text bytes (changes)
 *   payload-sha256 <64 hex>         SHA-256 of those bytes
 *   status 200                      HTTP status (0: no answer)
 *   result ok                       ok | http-error | failed | revoked-in-flight | applied | revoked
 *   prev <64 hex>                   the previous entry's hash (entry 1: 64 zeros)
 *   hash <64 hex>                   SHA-256 of every byte above this line
 *
 * The chain makes any change to one entry visible: its own hash no longer matches, or (if recomputed)
 * the next entry's prev no longer does. A verifier also finds a missing entry (a gap in seq), entries
 * out of order (seq order disagrees with the store's order), and a damaged record (the store skipped it
 * for a bad CRC). It cannot find a cut-off tail on its own, nor a whole chain rewritten from some point
 * on by someone who can write the disk: the hash has no secret (any key would sit on the same disk).
 * Both are caught against a chain head kept elsewhere: GET /api/audit/verify reports head_seq and
 * head_hash for the owner to keep, and audit_verify.py --expect-head SEQ:HASH checks against it; while
 * the hub runs it compares with the head it holds in memory.
 */

#define AUDIT_FIELD_MAX 160
#define AUDIT_TEXT_MAX 1024

enum audit_kind {
    AUDIT_TRANSFER = 1,
    AUDIT_POLICY_CHANGE = 2,
    AUDIT_RECIPIENT_CHANGE = 3,
};

struct audit_entry {
    uint64_t seq;
    uint64_t time_ns;
    enum audit_kind kind;
    char recipient[40];
    uint32_t policy_version;
    char sensors[AUDIT_FIELD_MAX];
    char granularity[AUDIT_FIELD_MAX];
    uint64_t window_from_s, window_to_s;
    uint64_t bytes;
    uint8_t payload_sha256[32];
    unsigned status;
    char result[24];
    uint8_t prev[32];
    uint8_t hash[32];
};

/*
 * The entry's text (everything but the final hash line) into out (cap bytes). Returns its length or
 * -HEARTH_ERANGE / -HEARTH_EINVAL (a field holds a character the format cannot carry: blank, newline).
 */
int audit_encode_body(const struct audit_entry *e, char *out, size_t cap);

/*
 * Parses a stored entry strictly (every line, in order, nothing else) into *e, hash included.
 * *body_len gets the length of the hashed part. Returns 0 or -HEARTH_EBADMSG.
 */
int audit_decode(const uint8_t *p, size_t len, struct audit_entry *e, size_t *body_len);

/* "transfer", "policy-change", "recipient-change". */
const char *audit_kind_name(enum audit_kind k);

/* SHA-256 of len bytes into out. */
void audit_sha256(const void *data, size_t len, uint8_t out[32]);

/* 64 lowercase hex digits and a NUL into out. */
void audit_hex(const uint8_t h[32], char out[65]);

/* What a chain check found. first_bad_seq is 0 when ok. */
struct audit_verdict {
    int ok;
    uint64_t entries;
    uint64_t first_bad_seq;
    char reason[96];
    uint64_t head_seq;
    uint8_t head_hash[32];
};

/* One entry as the chain check needs it; the hashes are cut to 16 bytes to bound memory. */
struct audit_link {
    uint64_t seq, store_seq;
    uint8_t prev[16], hash[16];
    int self_ok; /* its hash line matches the SHA-256 of its text */
};

/*
 * Checks links (n of them, in any order; sorted in place by seq) as a chain from seq 1. Sets *v; with
 * expect_head_seq non-zero, the chain must also reach that seq with a hash starting with expect_head
 * (16 bytes). skipped: records the store could not read (bad CRC) among the audit records.
 */
void audit_chain_check(struct audit_link *links, size_t n, uint64_t skipped, uint64_t expect_head_seq,
                       const uint8_t *expect_head, struct audit_verdict *v);

#endif
