/* SPDX-License-Identifier: ISC */
/* CoAP (RFC 7252) message parsing and encoding, distrusting every length a datagram claims. */
#ifndef SENSORS_COAP_CODEC_H
#define SENSORS_COAP_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define COAP_VERSION 1
#define COAP_HEADER_LEN 4
#define COAP_TOKEN_MAX 8
#define COAP_PATH_MAX 8  /* Uri-Path segments kept; deeper paths are counted (they name no resource) */
#define COAP_QUERY_MAX 4 /* Uri-Query arguments kept */
#define COAP_ETAGS_MAX 4 /* ETag options kept from a request */
#define COAP_OBSERVE_MAX 0xffffff

enum coap_type { COAP_CON = 0, COAP_NON = 1, COAP_ACK = 2, COAP_RST = 3 };

#define COAP_CODE(cls, detail) ((uint8_t)((cls) << 5 | (detail)))
#define COAP_CODE_CLASS(code) ((code) >> 5)
#define COAP_CODE_DETAIL(code) ((code)&0x1f)

enum coap_code {
    COAP_EMPTY = 0,
    COAP_GET = 1,
    COAP_POST = 2,
    COAP_PUT = 3,
    COAP_DELETE = 4,
    COAP_CREATED = COAP_CODE(2, 1),
    COAP_VALID = COAP_CODE(2, 3),
    COAP_CONTENT = COAP_CODE(2, 5),
    COAP_BAD_REQUEST = COAP_CODE(4, 0),
    COAP_BAD_OPTION = COAP_CODE(4, 2),
    COAP_NOT_FOUND = COAP_CODE(4, 4),
    COAP_METHOD_NOT_ALLOWED = COAP_CODE(4, 5),
    COAP_NOT_ACCEPTABLE = COAP_CODE(4, 6),
    COAP_TOO_LARGE = COAP_CODE(4, 13),
    COAP_UNSUPPORTED_FORMAT = COAP_CODE(4, 15),
    COAP_INTERNAL_ERROR = COAP_CODE(5, 0),
    COAP_UNAVAILABLE = COAP_CODE(5, 3),
    COAP_PROXYING_NOT_SUPPORTED = COAP_CODE(5, 5),
};

/* Option numbers (RFC 7252 section 12.2, RFC 7641, RFC 7959). Odd numbers are critical. */
enum coap_option_number {
    COAP_OPT_IF_MATCH = 1,
    COAP_OPT_URI_HOST = 3,
    COAP_OPT_ETAG = 4,
    COAP_OPT_IF_NONE_MATCH = 5,
    COAP_OPT_OBSERVE = 6,
    COAP_OPT_URI_PORT = 7,
    COAP_OPT_LOCATION_PATH = 8,
    COAP_OPT_URI_PATH = 11,
    COAP_OPT_CONTENT_FORMAT = 12,
    COAP_OPT_MAX_AGE = 14,
    COAP_OPT_URI_QUERY = 15,
    COAP_OPT_ACCEPT = 17,
    COAP_OPT_BLOCK2 = 23,
    COAP_OPT_BLOCK1 = 27,
    COAP_OPT_PROXY_URI = 35,
    COAP_OPT_PROXY_SCHEME = 39,
    COAP_OPT_SIZE1 = 60,
};

/* Content-Format numbers (RFC 7252 section 12.3). */
enum coap_format { COAP_FMT_TEXT = 0, COAP_FMT_LINK = 40, COAP_FMT_JSON = 50 };

/* Bytes inside the datagram; not NUL-terminated. */
struct coap_bytes {
    const uint8_t *p;
    uint16_t len;
};

/* A parsed message. Pointers point into the caller's datagram. */
struct coap_msg {
    uint8_t type; /* enum coap_type */
    uint8_t code;
    uint8_t tkl;
    uint16_t mid;
    uint8_t token[COAP_TOKEN_MAX];
    const uint8_t *options; /* the option bytes, already checked by coap_parse */
    size_t options_len;
    const uint8_t *payload; /* NULL when there is none; never empty otherwise */
    size_t payload_len;
};

/*
 * Parses one datagram. Returns 0; -HEARTH_ENOTSUP when the version is not 1 (RFC 7252 section 3: such
 * messages are silently ignored); or -HEARTH_EBADMSG for a message format error: shorter than the header,
 * token length 9..15, an option with the reserved nibble 15, option bytes or an option number running
 * past its limits, a payload marker followed by nothing, or an Empty message (code 0.00) carrying a token
 * or any byte after the header. On -HEARTH_EBADMSG with at least 4 bytes, type, code and mid are filled,
 * so a Confirmable message can be rejected with a Reset.
 */
int coap_parse(const uint8_t *buf, size_t len, struct coap_msg *m);

/* One option as found in a message; value points into the datagram. */
struct coap_option {
    uint16_t number;
    uint16_t len;
    const uint8_t *value;
};

struct coap_option_iter {
    const uint8_t *p, *end;
    uint16_t number;
};

/* Iterates the options of a message that coap_parse accepted, in order. */
void coap_option_iter_init(struct coap_option_iter *it, const struct coap_msg *m);

/* Fills *o with the next option; returns 1, or 0 at the end. */
int coap_option_next(struct coap_option_iter *it, struct coap_option *o);

/* An option's value as an unsigned integer (RFC 7252 section 3.2: big-endian, leading zeros allowed). */
uint32_t coap_option_uint(const struct coap_option *o);

/* What a request's options ask for, with the RFC 7252 section 5.4 rules for unknown options applied. */
struct coap_request {
    struct coap_bytes path[COAP_PATH_MAX];
    unsigned path_count; /* may exceed COAP_PATH_MAX: only the first ones are kept */
    struct coap_bytes query[COAP_QUERY_MAX];
    unsigned query_count; /* may exceed COAP_QUERY_MAX likewise */
    struct coap_bytes etag[COAP_ETAGS_MAX];
    unsigned etag_count;    /* at most COAP_ETAGS_MAX; more are ignored (ETag is elective) */
    int32_t content_format; /* -1: absent */
    int32_t accept;         /* -1: absent */
    int32_t observe;        /* -1: absent, else 0..COAP_OBSERVE_MAX */
    int proxy;              /* Proxy-Uri or Proxy-Scheme present: this server is no proxy */
    uint16_t bad_option;    /* the first critical option not understood (answer 4.02); 0: none */
};

/*
 * Interprets the options of a parsed request. An option is not understood when its number is unknown,
 * its length is outside the range the RFC defines for it, or it repeats a non-repeatable option; elective
 * ones (even numbers) are then ignored, the first critical one is named in bad_option. Understood but
 * ignored: Uri-Host and Uri-Port (this server has one name), Max-Age, Size1. Returns 0, or
 * -HEARTH_ENOTSUP when bad_option is set.
 */
int coap_request_parse(const struct coap_msg *m, struct coap_request *r);

/*
 * Builds a message in a caller-owned buffer: the header and token, then options in ascending number
 * order, then the payload. Errors are sticky and reported by coap_writer_finish.
 */
struct coap_writer {
    uint8_t *buf;
    size_t cap, len;
    uint16_t last_number;
    uint8_t sealed; /* the payload is written: nothing may follow */
    int err;
};

/* Starts a message; tkl must be 0..8 (otherwise the writer fails with -HEARTH_EINVAL). */
void coap_writer_init(struct coap_writer *w, uint8_t *buf, size_t cap, uint8_t type, uint8_t code,
                      uint16_t mid, const uint8_t *token, uint8_t tkl);

/* Appends an option; numbers must not decrease (-HEARTH_EINVAL otherwise). */
void coap_writer_option(struct coap_writer *w, uint16_t number, const void *value, size_t len);

/* Appends an unsigned integer option in as few bytes as possible (0 is the empty value). */
void coap_writer_option_uint(struct coap_writer *w, uint16_t number, uint32_t value);

/* Appends the payload marker and payload; an empty payload adds nothing. Must be the last call. */
void coap_writer_payload(struct coap_writer *w, const void *data, size_t len);

/* Returns the message length, -HEARTH_ERANGE (it did not fit in cap) or -HEARTH_EINVAL (misuse). */
int coap_writer_finish(const struct coap_writer *w);

/* Writes an Empty ACK or RST for mid into buf (at least 4 bytes); returns 4. */
int coap_encode_empty(uint8_t *buf, uint8_t type, uint16_t mid);

#endif
