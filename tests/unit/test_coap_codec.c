/* SPDX-License-Identifier: ISC */
/* Unit tests for CoAP message parsing, option rules and encoding, from a vector file and round trips. */
#include "check.h"
#include "coap_codec.h"

#include <hearth/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bytes_are(const uint8_t *p, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(p, want, len) == 0;
}

/* The kept path segments joined with '/', compared with want. */
static int path_is(const struct coap_request *r, const char *want)
{
    char joined[512];
    size_t n = 0;
    for (unsigned i = 0; i < r->path_count && i < COAP_PATH_MAX; i++) {
        if (i)
            joined[n++] = '/';
        memcpy(joined + n, r->path[i].p, r->path[i].len);
        n += r->path[i].len;
    }
    return bytes_are((const uint8_t *)joined, n, want);
}

static const char *const type_names[] = {"CON", "NON", "ACK", "RST"};

/* Checks "key=value" expectations against the parsed message and its request options. */
static void check_fields(const struct coap_msg *m, const char *fields, const char *where)
{
    char copy[512], *save = NULL;
    struct coap_request r;
    int req_rc = coap_request_parse(m, &r);
    snprintf(copy, sizeof(copy), "%s", fields);
    for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');
        const char *v = eq ? eq + 1 : "";
        if (eq)
            *eq = '\0';
        int ok;
        if (!strcmp(tok, "type")) {
            ok = !strcmp(type_names[m->type], v);
        } else if (!strcmp(tok, "code")) {
            char code[8];
            snprintf(code, sizeof(code), "%u.%02u", COAP_CODE_CLASS(m->code), COAP_CODE_DETAIL(m->code));
            ok = !strcmp(code, v);
        } else if (!strcmp(tok, "mid")) {
            ok = m->mid == atoi(v);
        } else if (!strcmp(tok, "token")) {
            uint8_t want[16];
            size_t n = check_from_hex(v, want, sizeof(want));
            ok = n == m->tkl && memcmp(want, m->token, n) == 0;
        } else if (!strcmp(tok, "payload")) {
            ok = m->payload && bytes_are(m->payload, m->payload_len, v);
        } else if (!strcmp(tok, "path")) {
            ok = path_is(&r, v);
        } else if (!strcmp(tok, "npath")) {
            ok = r.path_count == (unsigned)atoi(v);
        } else if (!strcmp(tok, "query")) {
            ok = r.query_count == (unsigned)atoi(v);
        } else if (!strcmp(tok, "etags")) {
            ok = r.etag_count == (unsigned)atoi(v);
        } else if (!strcmp(tok, "cf")) {
            ok = r.content_format == atoi(v);
        } else if (!strcmp(tok, "accept")) {
            ok = r.accept == atoi(v);
        } else if (!strcmp(tok, "observe")) {
            ok = r.observe == atoi(v);
        } else if (!strcmp(tok, "bad")) {
            ok = r.bad_option == atoi(v);
        } else if (!strcmp(tok, "proxy")) {
            ok = r.proxy == atoi(v);
        } else if (!strcmp(tok, "req")) {
            ok = req_rc == (!strcmp(v, "OK") ? 0 : -HEARTH_ENOTSUP);
        } else {
            ok = 0;
        }
        check_record(ok, where, 0, tok);
    }
}

static void message_vector(char **f, int n, const char *where)
{
    uint8_t dgram[1024];
    struct coap_msg m;
    if (n < 2) {
        check_record(0, where, 0, "vector has at least 2 fields");
        return;
    }
    size_t len = check_from_hex(f[0], dgram, sizeof(dgram));
    int rc = coap_parse(dgram, len, &m);
    int want = !strcmp(f[1], "OK") ? 0 : !strcmp(f[1], "ENOTSUP") ? -HEARTH_ENOTSUP : -HEARTH_EBADMSG;
    check_record(rc == want, where, 0, "parse result");
    if (rc != want)
        check_note("  got %d", rc);
    if (rc == 0 && n >= 3)
        check_fields(&m, f[2], where);
}

/* Everything the writer produces parses back to the same header, options and payload. */
static void test_writer_round_trip(void)
{
    uint8_t buf[512], token[3] = {0xca, 0xfe, 0x01};
    struct coap_writer w;
    coap_writer_init(&w, buf, sizeof(buf), COAP_ACK, COAP_CONTENT, 0xabcd, token, 3);
    coap_writer_option_uint(&w, COAP_OPT_OBSERVE, 0x012345);
    coap_writer_option(&w, COAP_OPT_URI_PATH, "hearth", 6);
    coap_writer_option(&w, COAP_OPT_URI_PATH, "pot1", 4);
    coap_writer_option_uint(&w, COAP_OPT_CONTENT_FORMAT, COAP_FMT_TEXT);
    static const char long_query[300] = "x";
    coap_writer_option(&w, COAP_OPT_URI_QUERY, long_query, sizeof(long_query)); /* 14-extended length */
    coap_writer_option_uint(&w, COAP_OPT_SIZE1, 256);                           /* 13-extended delta */
    coap_writer_option(&w, 2000, "e", 1);                                       /* 14-extended delta */
    coap_writer_payload(&w, "21.5", 4);
    int len = coap_writer_finish(&w);
    CHECK(len > 0);

    struct coap_msg m;
    CHECK_INT(coap_parse(buf, (size_t)len, &m), 0);
    CHECK(m.type == COAP_ACK && m.code == COAP_CONTENT && m.mid == 0xabcd && m.tkl == 3);
    CHECK(memcmp(m.token, token, 3) == 0 && bytes_are(m.payload, m.payload_len, "21.5"));
    struct coap_option_iter it;
    struct coap_option o;
    static const uint16_t want[] = {6, 11, 11, 12, 15, 60, 2000};
    unsigned count = 0;
    coap_option_iter_init(&it, &m);
    while (coap_option_next(&it, &o)) {
        CHECK(count < 7 && o.number == want[count]);
        if (o.number == COAP_OPT_OBSERVE)
            CHECK_INT(coap_option_uint(&o), 0x012345);
        if (o.number == COAP_OPT_CONTENT_FORMAT)
            CHECK_INT(o.len, 0); /* zero is the empty value */
        if (o.number == COAP_OPT_URI_QUERY)
            CHECK_INT(o.len, 300);
        if (o.number == COAP_OPT_SIZE1)
            CHECK_INT(coap_option_uint(&o), 256);
        count++;
    }
    CHECK_INT(count, 7);
}

static void test_writer_misuse(void)
{
    uint8_t buf[16];
    struct coap_writer w;
    coap_writer_init(&w, buf, sizeof(buf), COAP_CON, COAP_GET, 1, NULL, 0);
    coap_writer_option(&w, COAP_OPT_URI_PATH, "a", 1);
    coap_writer_option(&w, COAP_OPT_OBSERVE, NULL, 0); /* a lower number after a higher one */
    CHECK_INT(coap_writer_finish(&w), -HEARTH_EINVAL);

    coap_writer_init(&w, buf, sizeof(buf), COAP_CON, COAP_GET, 1, NULL, 0);
    coap_writer_payload(&w, "0123456789abcdef", 16); /* 4 + 1 + 16 > 16 */
    CHECK_INT(coap_writer_finish(&w), -HEARTH_ERANGE);

    coap_writer_init(&w, buf, sizeof(buf), COAP_CON, COAP_GET, 1, NULL, 0);
    coap_writer_payload(&w, "x", 1);
    coap_writer_option(&w, COAP_OPT_SIZE1, "a", 1); /* nothing after the payload */
    CHECK_INT(coap_writer_finish(&w), -HEARTH_EINVAL);

    coap_writer_init(&w, buf, sizeof(buf), COAP_CON, COAP_GET, 1, buf, 9);
    CHECK_INT(coap_writer_finish(&w), -HEARTH_EINVAL);
    coap_writer_init(&w, buf, 3, COAP_CON, COAP_GET, 1, NULL, 0);
    CHECK_INT(coap_writer_finish(&w), -HEARTH_ERANGE);

    coap_writer_init(&w, buf, sizeof(buf), COAP_NON, COAP_POST, 2, NULL, 0);
    coap_writer_payload(&w, NULL, 0); /* an empty payload writes no marker */
    CHECK_INT(coap_writer_finish(&w), 4);

    CHECK_INT(coap_encode_empty(buf, COAP_RST, 0x0102), 4);
    CHECK(buf[0] == 0x70 && buf[1] == 0 && buf[2] == 1 && buf[3] == 2);
}

int main(void)
{
    CHECK(check_vectors("vectors/coap_message.txt", 3, message_vector) >= 45);
    test_writer_round_trip();
    test_writer_misuse();
    return check_summary("coap_codec");
}
