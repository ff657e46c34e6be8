/* SPDX-License-Identifier: ISC */
/* MQTT 3.1.1 framing and packet parsing: every length is checked against the bytes actually present. */
#include "mqtt_codec.h"

#include <hearth/err.h>
#include <string.h>

int mqtt_packet_length(const uint8_t *buf, size_t len)
{
    uint32_t remaining = 0;
    for (unsigned i = 1; i <= 4; i++) {
        if (len <= i)
            return 0;
        remaining |= (uint32_t)(buf[i] & 0x7f) << (7 * (i - 1));
        if (!(buf[i] & 0x80)) {
            size_t total = 1 + i + (size_t)remaining;
            return total > MQTT_MAX_PACKET ? -HEARTH_ERANGE : (int)total;
        }
    }
    return -HEARTH_EBADMSG; /* a fifth length byte: not MQTT */
}

/* A cursor over the variable header and payload. */
struct reader {
    const uint8_t *p, *end;
    int bad;
};

static uint8_t read_u8(struct reader *r)
{
    if (r->p >= r->end) {
        r->bad = 1;
        return 0;
    }
    return *r->p++;
}

static uint16_t read_u16(struct reader *r)
{
    uint16_t hi = read_u8(r);
    return (uint16_t)(hi << 8 | read_u8(r));
}

/* Well-formed UTF-8 without U+0000, overlongs, surrogates or code points above U+10FFFF (MQTT 1.5.3). */
static int utf8_valid(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint8_t c = s[i];
        uint32_t cp;
        size_t extra;
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            cp = c & 0x1f, extra = 1;
        } else if ((c & 0xf0) == 0xe0) {
            cp = c & 0x0f, extra = 2;
        } else if ((c & 0xf8) == 0xf0) {
            cp = c & 0x07, extra = 3;
        } else {
            return 0;
        }
        if (i + extra >= n)
            return 0;
        for (size_t k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        static const uint32_t min_cp[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += extra + 1;
    }
    return 1;
}

static struct mqtt_str read_str(struct reader *r, int utf8)
{
    struct mqtt_str s = {0};
    s.len = read_u16(r);
    if (r->bad || (size_t)(r->end - r->p) < s.len) {
        r->bad = 1;
        s.len = 0;
        return s;
    }
    s.p = r->p;
    r->p += s.len;
    if (utf8 && !utf8_valid(s.p, s.len))
        r->bad = 1;
    return s;
}

static int parse_connect(struct reader *r, struct mqtt_packet *out)
{
    struct mqtt_str proto = read_str(r, 1);
    out->u.connect.level = read_u8(r);
    uint8_t flags = read_u8(r);
    out->u.connect.keepalive_s = read_u16(r);
    if (r->bad)
        return -HEARTH_EBADMSG;
    if (proto.len != 4 || memcmp(proto.p, "MQTT", 4) != 0 || (flags & 0x01))
        return -HEARTH_EBADMSG; /* other names (e.g. MQIsdp) are MQTT 3.1, and the reserved bit is 0 */
    out->u.connect.clean_session = !!(flags & 0x02);
    out->u.connect.has_will = !!(flags & 0x04);
    out->u.connect.will_qos = (flags >> 3) & 3;
    out->u.connect.will_retain = !!(flags & 0x20);
    out->u.connect.has_password = !!(flags & 0x40);
    out->u.connect.has_user = !!(flags & 0x80);
    if (out->u.connect.will_qos == 3 ||
        (!out->u.connect.has_will && (out->u.connect.will_qos || out->u.connect.will_retain)))
        return -HEARTH_EBADMSG;
    if (out->u.connect.has_password && !out->u.connect.has_user)
        return -HEARTH_EBADMSG;
    out->u.connect.client_id = read_str(r, 1);
    if (out->u.connect.has_will) {
        out->u.connect.will_topic = read_str(r, 1);
        out->u.connect.will_message = read_str(r, 0);
        if (!r->bad && !mqtt_topic_name_valid(&out->u.connect.will_topic))
            return -HEARTH_EBADMSG;
    }
    if (out->u.connect.has_user)
        out->u.connect.user = read_str(r, 1);
    if (out->u.connect.has_password)
        out->u.connect.password = read_str(r, 0);
    return r->bad || r->p != r->end ? -HEARTH_EBADMSG : 0;
}

static int parse_publish(struct reader *r, struct mqtt_packet *out)
{
    out->u.publish.qos = (out->flags >> 1) & 3;
    out->u.publish.dup = !!(out->flags & 0x08);
    out->u.publish.retain = !!(out->flags & 0x01);
    if (out->u.publish.qos == 3 || (out->u.publish.qos == 0 && out->u.publish.dup))
        return -HEARTH_EBADMSG;
    out->u.publish.topic = read_str(r, 1);
    if (out->u.publish.qos) {
        out->u.publish.packet_id = read_u16(r);
        if (out->u.publish.packet_id == 0)
            return -HEARTH_EBADMSG;
    }
    if (r->bad || !mqtt_topic_name_valid(&out->u.publish.topic))
        return -HEARTH_EBADMSG;
    out->u.publish.payload = r->p;
    out->u.publish.payload_len = (size_t)(r->end - r->p);
    return 0;
}

static int parse_subscribe(struct reader *r, struct mqtt_packet *out, int with_qos)
{
    out->u.subscribe.packet_id = read_u16(r);
    if (r->bad || out->u.subscribe.packet_id == 0)
        return -HEARTH_EBADMSG;
    while (r->p < r->end) {
        if (out->u.subscribe.count == MQTT_MAX_TOPICS_PER_SUBSCRIBE)
            return -HEARTH_EBADMSG;
        unsigned i = out->u.subscribe.count++;
        out->u.subscribe.filters[i] = read_str(r, 1);
        if (with_qos) {
            uint8_t q = read_u8(r);
            if (q & 0xfc || q == 3)
                return -HEARTH_EBADMSG;
            out->u.subscribe.qos[i] = q;
        }
        if (r->bad || !mqtt_topic_filter_valid(&out->u.subscribe.filters[i]))
            return -HEARTH_EBADMSG;
    }
    return out->u.subscribe.count ? 0 : -HEARTH_EBADMSG;
}

int mqtt_parse(const uint8_t *pkt, size_t len, struct mqtt_packet *out)
{
    memset(out, 0, sizeof(*out));
    int total = mqtt_packet_length(pkt, len);
    if (total <= 0 || (size_t)total != len)
        return -HEARTH_EBADMSG;
    size_t head = 2;
    while (pkt[head - 1] & 0x80)
        head++;
    struct reader r = {.p = pkt + head, .end = pkt + len};
    out->type = (enum mqtt_type)(pkt[0] >> 4);
    out->flags = pkt[0] & 0x0f;
    /* Fixed flags: PUBREL, SUBSCRIBE and UNSUBSCRIBE carry 0b0010; every other type but PUBLISH 0. */
    uint8_t want =
        (out->type == MQTT_PUBREL || out->type == MQTT_SUBSCRIBE || out->type == MQTT_UNSUBSCRIBE) ? 2 : 0;
    if (out->type != MQTT_PUBLISH && out->flags != want)
        return -HEARTH_EBADMSG;
    switch (out->type) {
    case MQTT_CONNECT: return parse_connect(&r, out);
    case MQTT_PUBLISH: return parse_publish(&r, out);
    case MQTT_SUBSCRIBE: return parse_subscribe(&r, out, 1);
    case MQTT_UNSUBSCRIBE: return parse_subscribe(&r, out, 0);
    case MQTT_PUBACK:
    case MQTT_PUBREC:
    case MQTT_PUBREL:
    case MQTT_PUBCOMP:
        out->u.packet_id = read_u16(&r);
        return r.bad || r.p != r.end || out->u.packet_id == 0 ? -HEARTH_EBADMSG : 0;
    case MQTT_PINGREQ:
    case MQTT_DISCONNECT: return r.p == r.end ? 0 : -HEARTH_EBADMSG;
    case MQTT_CONNACK:
    case MQTT_SUBACK:
    case MQTT_UNSUBACK:
    case MQTT_PINGRESP: return -HEARTH_ENOTSUP; /* server-to-client packets */
    default: return -HEARTH_EBADMSG;            /* types 0 and 15 are reserved */
    }
}

/* Writes the fixed header for a packet of `remaining` bytes; returns its length or -HEARTH_ERANGE. */
static int put_header(uint8_t *buf, size_t cap, uint8_t first, size_t remaining)
{
    uint8_t tmp[5];
    size_t n = 0;
    tmp[n++] = first;
    do {
        uint8_t b = remaining & 0x7f;
        remaining >>= 7;
        tmp[n++] = (uint8_t)(b | (remaining ? 0x80 : 0));
    } while (remaining && n < 5);
    if (remaining || n > cap)
        return -HEARTH_ERANGE;
    memcpy(buf, tmp, n);
    return (int)n;
}

int mqtt_encode_connack(uint8_t *buf, size_t cap, int session_present, enum mqtt_connack_code code)
{
    if (cap < 4)
        return -HEARTH_ERANGE;
    buf[0] = MQTT_CONNACK << 4;
    buf[1] = 2;
    buf[2] = session_present ? 1 : 0;
    buf[3] = (uint8_t)code;
    return 4;
}

int mqtt_encode_ack(uint8_t *buf, size_t cap, enum mqtt_type type, uint16_t packet_id)
{
    if (cap < 4)
        return -HEARTH_ERANGE;
    buf[0] = (uint8_t)(type << 4 | (type == MQTT_PUBREL ? 2 : 0));
    buf[1] = 2;
    buf[2] = (uint8_t)(packet_id >> 8);
    buf[3] = (uint8_t)packet_id;
    return 4;
}

int mqtt_encode_suback(uint8_t *buf, size_t cap, uint16_t packet_id, const uint8_t *codes, unsigned count)
{
    int h = put_header(buf, cap, MQTT_SUBACK << 4, 2 + (size_t)count);
    if (h < 0 || (size_t)h + 2 + count > cap)
        return -HEARTH_ERANGE;
    buf[h] = (uint8_t)(packet_id >> 8);
    buf[h + 1] = (uint8_t)packet_id;
    memcpy(buf + h + 2, codes, count);
    return h + 2 + (int)count;
}

int mqtt_encode_pingresp(uint8_t *buf, size_t cap)
{
    if (cap < 2)
        return -HEARTH_ERANGE;
    buf[0] = MQTT_PINGRESP << 4;
    buf[1] = 0;
    return 2;
}

int mqtt_encode_publish(uint8_t *buf, size_t cap, const struct mqtt_str *topic, uint8_t qos, int retain,
                        int dup, uint16_t packet_id, const uint8_t *payload, size_t payload_len)
{
    size_t remaining = 2 + (size_t)topic->len + (qos ? 2 : 0) + payload_len;
    uint8_t first = (uint8_t)(MQTT_PUBLISH << 4 | (dup ? 8 : 0) | (qos & 3) << 1 | (retain ? 1 : 0));
    int h = put_header(buf, cap, first, remaining);
    if (h < 0 || (size_t)h + remaining > cap)
        return -HEARTH_ERANGE;
    uint8_t *p = buf + h;
    *p++ = (uint8_t)(topic->len >> 8);
    *p++ = (uint8_t)topic->len;
    memcpy(p, topic->p, topic->len);
    p += topic->len;
    if (qos) {
        *p++ = (uint8_t)(packet_id >> 8);
        *p++ = (uint8_t)packet_id;
    }
    if (payload_len)
        memcpy(p, payload, payload_len);
    return h + (int)remaining;
}

int mqtt_topic_name_valid(const struct mqtt_str *topic)
{
    return topic->len > 0 && memchr(topic->p, '+', topic->len) == NULL &&
           memchr(topic->p, '#', topic->len) == NULL;
}

int mqtt_topic_filter_valid(const struct mqtt_str *f)
{
    if (f->len == 0)
        return 0;
    for (size_t i = 0; i < f->len; i++) {
        uint8_t c = f->p[i];
        int level_start = i == 0 || f->p[i - 1] == '/';
        int level_end = i + 1 == f->len || f->p[i + 1] == '/';
        if (c == '+' && !(level_start && level_end))
            return 0;
        if (c == '#' && !(level_start && i + 1 == f->len))
            return 0;
    }
    return 1;
}

int mqtt_topic_matches(const struct mqtt_str *filter, const struct mqtt_str *topic)
{
    size_t f = 0, t = 0;
    /* A wildcard at the first level must not match system topics such as $SYS (4.7.2). */
    if (topic->len && topic->p[0] == '$' && filter->len && (filter->p[0] == '+' || filter->p[0] == '#'))
        return 0;
    while (f < filter->len) {
        uint8_t c = filter->p[f];
        if (c == '#')
            return 1;
        if (c == '+') {
            while (t < topic->len && topic->p[t] != '/')
                t++;
            f++;
            continue;
        }
        if (t < topic->len && topic->p[t] == c) {
            f++;
            t++;
            continue;
        }
        /* "a/#" also matches its parent "a" (4.7.1.2). */
        return t == topic->len && c == '/' && f + 2 == filter->len && filter->p[f + 1] == '#';
    }
    return t == topic->len;
}
