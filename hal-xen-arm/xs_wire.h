/* SPDX-License-Identifier: ISC */
/* The xenstore wire format and shared ring, as pure functions that distrust every byte they read. */
#ifndef HAL_XEN_ARM_XS_WIRE_H
#define HAL_XEN_ARM_XS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define XS_RING_SIZE 1024u   /* XENSTORE_RING_SIZE */
#define XS_PAYLOAD_MAX 4096u /* XENSTORE_PAYLOAD_MAX */
#define XS_HEADER_SIZE 16u   /* struct xsd_sockmsg: type, req_id, tx_id, len */

struct xs_header {
    uint32_t type, req_id, tx_id, len;
};

/*
 * Bytes readable in a ring from a snapshot of its indexes. Returns 0..XS_RING_SIZE, or -HEARTH_EBADMSG
 * when prod is more than a ring ahead of cons (a corrupt or hostile peer).
 */
int xs_ring_readable(uint32_t cons, uint32_t prod);

/* Bytes writable into a ring; -HEARTH_EBADMSG for inconsistent indexes. */
int xs_ring_writable(uint32_t cons, uint32_t prod);

/* Copies len bytes out of ring starting at index cons, wrapping; the caller checked readability. */
void xs_ring_copy_out(const volatile char *ring, uint32_t cons, void *dst, size_t len);

/* Copies len bytes into ring starting at index prod, wrapping; the caller checked writability. */
void xs_ring_copy_in(volatile char *ring, uint32_t prod, const void *src, size_t len);

/* Decodes a 16-byte header; -HEARTH_EBADMSG if the payload length exceeds XS_PAYLOAD_MAX. */
int xs_header_decode(const uint8_t raw[XS_HEADER_SIZE], struct xs_header *h);

/*
 * Encodes a request: header then the parts, each followed by a NUL except the last when
 * last_unterminated is set (XS_WRITE's value). Returns the total length, or -HEARTH_ERANGE if it
 * does not fit in cap or the payload exceeds XS_PAYLOAD_MAX.
 */
int xs_request_encode(uint8_t *buf, size_t cap, uint32_t type, uint32_t req_id, uint32_t tx_id,
                      const char *const *parts, unsigned nparts, int last_unterminated);

/* Maps an XS_ERROR payload ("ENOENT\0", ...) to a negative HEARTH_E* code (-HEARTH_EIO if unknown). */
int xs_error_decode(const char *payload, size_t len);

/*
 * Splits an XS_WATCH_EVENT payload into its path and token (both NUL-terminated inside payload).
 * Returns 0 or -HEARTH_EBADMSG when the payload is not two NUL-terminated strings.
 */
int xs_watch_event_split(const char *payload, size_t len, const char **path, const char **token);

#endif
