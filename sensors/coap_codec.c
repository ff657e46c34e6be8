/* SPDX-License-Identifier: ISC */
/* CoAP message parsing, option interpretation and encoding: every length is checked before it is used. */
#include "coap_codec.h"

#include <hearth/err.h>
#include <string.h>

/*
 * Reads one option header at *pp (before end): the delta and length with their extended forms
 * (13: one more byte, value - 13; 14: two more bytes, value - 269; 15: reserved). Returns 0, or
 * -HEARTH_EBADMSG for a reserved nibble or missing extension bytes.
 */
static int read_option_header(const uint8_t **pp, const uint8_t *end, uint32_t *delta, uint32_t *len)
{
    const uint8_t *p = *pp;
    uint32_t v[2] = {(uint32_t)(*p >> 4), (uint32_t)(*p & 0x0f)};
    p++;
    for (int i = 0; i < 2; i++) {
        if (v[i] == 15)
            return -HEARTH_EBADMSG;
        if (v[i] == 13) {
            if (end - p < 1)
                return -HEARTH_EBADMSG;
            v[i] = 13u + p[0];
            p += 1;
        } else if (v[i] == 14) {
            if (end - p < 2)
                return -HEARTH_EBADMSG;
            v[i] = 269u + ((uint32_t)p[0] << 8 | p[1]);
            p += 2;
        }
    }
    *delta = v[0];
    *len = v[1];
    *pp = p;
    return 0;
}

int coap_parse(const uint8_t *buf, size_t len, struct coap_msg *m)
{
    memset(m, 0, sizeof(*m));
    if (len < COAP_HEADER_LEN)
        return -HEARTH_EBADMSG;
    m->type = (uint8_t)((buf[0] >> 4) & 3);
    m->tkl = buf[0] & 0x0f;
    m->code = buf[1];
    m->mid = (uint16_t)(buf[2] << 8 | buf[3]);
    if (buf[0] >> 6 != COAP_VERSION)
        return -HEARTH_ENOTSUP;
    if (m->tkl > COAP_TOKEN_MAX || len < COAP_HEADER_LEN + (size_t)m->tkl)
        return -HEARTH_EBADMSG;
    memcpy(m->token, buf + COAP_HEADER_LEN, m->tkl);
    /* An Empty message is exactly four bytes (section 4.1). */
    if (m->code == COAP_EMPTY)
        return m->tkl == 0 && len == COAP_HEADER_LEN ? 0 : -HEARTH_EBADMSG;

    const uint8_t *p = buf + COAP_HEADER_LEN + m->tkl, *end = buf + len;
    uint32_t number = 0;
    m->options = p;
    while (p < end) {
        if (*p == 0xff) {
            m->options_len = (size_t)(p - m->options);
            if (++p == end)
                return -HEARTH_EBADMSG; /* a marker must be followed by a payload (section 3) */
            m->payload = p;
            m->payload_len = (size_t)(end - p);
            return 0;
        }
        uint32_t delta, olen;
        if (read_option_header(&p, end, &delta, &olen) < 0)
            return -HEARTH_EBADMSG;
        number += delta;
        if (number > 0xffff || olen > (size_t)(end - p))
            return -HEARTH_EBADMSG;
        p += olen;
    }
    m->options_len = (size_t)(p - m->options);
    return 0;
}

void coap_option_iter_init(struct coap_option_iter *it, const struct coap_msg *m)
{
    it->p = m->options;
    it->end = m->options ? m->options + m->options_len : NULL;
    it->number = 0;
}

int coap_option_next(struct coap_option_iter *it, struct coap_option *o)
{
    uint32_t delta, len;
    /* coap_parse checked these bytes; the checks are repeated so that misuse cannot read past them. */
    if (!it->p || it->p >= it->end || read_option_header(&it->p, it->end, &delta, &len) < 0 ||
        it->number + delta > 0xffff || len > (size_t)(it->end - it->p)) {
        it->p = it->end;
        return 0;
    }
    it->number = (uint16_t)(it->number + delta);
    o->number = it->number;
    o->len = (uint16_t)len;
    o->value = it->p;
    it->p += len;
    return 1;
}

uint32_t coap_option_uint(const struct coap_option *o)
{
    uint32_t v = 0;
    for (uint16_t i = 0; i < o->len && i < 4; i++)
        v = v << 8 | o->value[i];
    return v;
}

/* The request options this server understands: their length ranges and whether they may repeat. */
struct option_rule {
    uint16_t number;
    uint16_t min, max;
    uint8_t repeatable;
};

static const struct option_rule rules[] = {
    {COAP_OPT_URI_HOST, 1, 255, 0},   {COAP_OPT_ETAG, 1, 8, 1},           {COAP_OPT_OBSERVE, 0, 3, 0},
    {COAP_OPT_URI_PORT, 0, 2, 0},     {COAP_OPT_URI_PATH, 0, 255, 1},     {COAP_OPT_CONTENT_FORMAT, 0, 2, 0},
    {COAP_OPT_MAX_AGE, 0, 4, 0},      {COAP_OPT_URI_QUERY, 0, 255, 1},    {COAP_OPT_ACCEPT, 0, 2, 0},
    {COAP_OPT_PROXY_URI, 1, 1034, 0}, {COAP_OPT_PROXY_SCHEME, 1, 255, 0}, {COAP_OPT_SIZE1, 0, 4, 0},
};

static const struct option_rule *rule_for(uint16_t number)
{
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        if (rules[i].number == number)
            return &rules[i];
    return NULL;
}

/* Records one understood option in r. */
static void take_option(struct coap_request *r, const struct coap_option *o)
{
    struct coap_bytes b = {o->value, o->len};
    switch (o->number) {
    case COAP_OPT_URI_PATH:
        if (r->path_count < COAP_PATH_MAX)
            r->path[r->path_count] = b;
        r->path_count++;
        break;
    case COAP_OPT_URI_QUERY:
        if (r->query_count < COAP_QUERY_MAX)
            r->query[r->query_count] = b;
        r->query_count++;
        break;
    case COAP_OPT_ETAG:
        if (r->etag_count < COAP_ETAGS_MAX)
            r->etag[r->etag_count++] = b;
        break;
    case COAP_OPT_CONTENT_FORMAT: r->content_format = (int32_t)coap_option_uint(o); break;
    case COAP_OPT_ACCEPT: r->accept = (int32_t)coap_option_uint(o); break;
    case COAP_OPT_OBSERVE: r->observe = (int32_t)coap_option_uint(o); break;
    case COAP_OPT_PROXY_URI:
    case COAP_OPT_PROXY_SCHEME: r->proxy = 1; break;
    default: break; /* Uri-Host, Uri-Port, Max-Age, Size1: understood, nothing to do */
    }
}

int coap_request_parse(const struct coap_msg *m, struct coap_request *r)
{
    memset(r, 0, sizeof(*r));
    r->content_format = r->accept = r->observe = -1;
    uint64_t seen = 0; /* every rule's number is below 64 */
    struct coap_option_iter it;
    struct coap_option o;
    coap_option_iter_init(&it, m);
    while (coap_option_next(&it, &o)) {
        const struct option_rule *rule = rule_for(o.number);
        uint64_t bit = rule ? 1ull << rule->number : 0;
        int understood =
            rule && o.len >= rule->min && o.len <= rule->max && (rule->repeatable || !(seen & bit));
        if (understood) {
            seen |= bit;
            take_option(r, &o);
        } else if ((o.number & 1) && !r->bad_option) {
            r->bad_option = o.number; /* critical: the request cannot be served (section 5.4.1) */
        }
    }
    return r->bad_option ? -HEARTH_ENOTSUP : 0;
}

void coap_writer_init(struct coap_writer *w, uint8_t *buf, size_t cap, uint8_t type, uint8_t code,
                      uint16_t mid, const uint8_t *token, uint8_t tkl)
{
    *w = (struct coap_writer){.buf = buf, .cap = cap};
    if (tkl > COAP_TOKEN_MAX || type > COAP_RST) {
        w->err = -HEARTH_EINVAL;
        return;
    }
    if (cap < COAP_HEADER_LEN + (size_t)tkl) {
        w->err = -HEARTH_ERANGE;
        return;
    }
    buf[0] = (uint8_t)(COAP_VERSION << 6 | type << 4 | tkl);
    buf[1] = code;
    buf[2] = (uint8_t)(mid >> 8);
    buf[3] = (uint8_t)mid;
    if (tkl)
        memcpy(buf + COAP_HEADER_LEN, token, tkl);
    w->len = COAP_HEADER_LEN + (size_t)tkl;
}

/* The nibble for v and its extension bytes (0, 1 or 2) in ext. */
static uint8_t nibble(uint32_t v, uint8_t ext[2], size_t *ext_len)
{
    if (v < 13) {
        *ext_len = 0;
        return (uint8_t)v;
    }
    if (v < 269) {
        ext[0] = (uint8_t)(v - 13);
        *ext_len = 1;
        return 13;
    }
    ext[0] = (uint8_t)((v - 269) >> 8);
    ext[1] = (uint8_t)(v - 269);
    *ext_len = 2;
    return 14;
}

void coap_writer_option(struct coap_writer *w, uint16_t number, const void *value, size_t len)
{
    if (w->err)
        return;
    if (w->sealed || number < w->last_number || len > 0xffff - 269 || (len && !value)) {
        w->err = -HEARTH_EINVAL;
        return;
    }
    uint8_t dext[2], lext[2];
    size_t dn, ln;
    uint8_t head = (uint8_t)(nibble((uint32_t)(number - w->last_number), dext, &dn) << 4 |
                             nibble((uint32_t)len, lext, &ln));
    if (w->cap - w->len < 1 + dn + ln + len) {
        w->err = -HEARTH_ERANGE;
        return;
    }
    uint8_t *p = w->buf + w->len;
    *p++ = head;
    memcpy(p, dext, dn);
    p += dn;
    memcpy(p, lext, ln);
    p += ln;
    if (len)
        memcpy(p, value, len);
    w->len += 1 + dn + ln + len;
    w->last_number = number;
}

void coap_writer_option_uint(struct coap_writer *w, uint16_t number, uint32_t value)
{
    uint8_t be[4];
    size_t n = 0;
    for (int shift = 24; shift >= 0; shift -= 8)
        if (n || (value >> shift) & 0xff)
            be[n++] = (uint8_t)(value >> shift);
    coap_writer_option(w, number, be, n);
}

void coap_writer_payload(struct coap_writer *w, const void *data, size_t len)
{
    if (w->err || len == 0)
        return;
    if (w->sealed || !data) {
        w->err = -HEARTH_EINVAL;
        return;
    }
    if (w->cap - w->len < 1 + len) {
        w->err = -HEARTH_ERANGE;
        return;
    }
    w->buf[w->len] = 0xff;
    memcpy(w->buf + w->len + 1, data, len);
    w->len += 1 + len;
    w->sealed = 1;
}

int coap_writer_finish(const struct coap_writer *w)
{
    return w->err ? w->err : (int)w->len;
}

int coap_encode_empty(uint8_t *buf, uint8_t type, uint16_t mid)
{
    buf[0] = (uint8_t)(COAP_VERSION << 6 | (type & 3) << 4);
    buf[1] = COAP_EMPTY;
    buf[2] = (uint8_t)(mid >> 8);
    buf[3] = (uint8_t)mid;
    return COAP_HEADER_LEN;
}
