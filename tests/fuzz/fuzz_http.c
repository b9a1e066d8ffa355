/* libFuzzer target for core/http: the response parser (differentially: whole input, one byte at a
 * time and in fuzzer-chosen pieces must agree on everything), URLs, HTTP-dates, the MS-ASHTTP list
 * parsers and classification, and the request writer's injection checks.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined -Icore/include -Iplatform with every .c file of
 * core/http and core/util, core/err.c and this file. Self-contained: no seed corpus is required. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eas/ashttp.h"
#include "eas/http.h"
#include "eas/url.h"

#define REQUIRE(c)                                                                                                     \
    do {                                                                                                               \
        if (!(c)) abort();                                                                                             \
    } while (0)

typedef struct {
    uint64_t bytes;
    uint64_t hash;
} body_sum;

static eas_err sum_body(void *ctx, const uint8_t *d, size_t n)
{
    body_sum *s = (body_sum *)ctx;
    REQUIRE(n > 0);
    for (size_t i = 0; i < n; i++) s->hash = (s->hash ^ d[i]) * 1099511628211ull;
    s->bytes += n;
    return EAS_OK;
}

typedef struct {
    eas_err err;
    uint64_t err_offset;
    uint64_t consumed;
    int done;
    uint16_t status;
    int keep_alive;
    body_sum body;
} outcome;

static eas_http_parser parsers[3];

/* mode 0: whole; 1: byte by byte; 2: pieces whose sizes come from the control bytes. */
static void run(eas_http_parser *p, const uint8_t *d, size_t n, int mode, const uint8_t *ctl, size_t nctl,
                unsigned flags, outcome *o)
{
    eas_http_callbacks cb;
    size_t i = 0, k = 0;
    memset(o, 0, sizeof *o);
    memset(&cb, 0, sizeof cb);
    cb.body.write = sum_body;
    cb.body.ctx = &o->body;
    o->body.hash = 1469598103934665603ull;
    eas_http_parser_init(p, &cb, flags);
    while (i < n && !o->err) {
        size_t piece = n - i, used = 0;
        if (mode == 1) piece = 1;
        if (mode == 2 && nctl) piece = (size_t)(ctl[k++ % nctl] % 17u) + 1u;
        if (piece > n - i) piece = n - i;
        o->err = eas_http_parser_feed(p, d + i, piece, &used);
        REQUIRE(used <= piece);
        o->consumed += used;
        i += used;
        if (!o->err && used < piece) break; /* the response ended */
    }
    if (!o->err && i == n) o->err = eas_http_parser_eof(p);
    if (o->err) {
        o->err_offset = eas_http_parser_error_offset(p);
        REQUIRE(o->err_offset <= n);
    }
    o->done = eas_http_parser_done(p);
    o->status = eas_http_parser_status(p);
    o->keep_alive = eas_http_parser_keep_alive(p);
    REQUIRE(eas_http_parser_offset(p) <= n);
    if (o->done && eas_http_parser_body_mode(p) == EAS_HTTP_BODY_LENGTH)
        REQUIRE(o->body.bytes == eas_http_parser_content_length(p));
    for (int h = 0; h < EAS_HTTP_H_COUNT; h++) {
        size_t len = 0;
        const char *v = eas_http_parser_header(p, (eas_http_hdr)h, &len);
        if (v) REQUIRE(strlen(v) == len && len < EAS_HTTP_HEADER_MAX);
    }
}

static void fuzz_parser(const uint8_t *d, size_t n, const uint8_t *ctl, size_t nctl, unsigned flags)
{
    outcome o[3];
    for (int m = 0; m < 3; m++) run(&parsers[m], d, n, m, ctl, nctl, flags, &o[m]);
    for (int m = 1; m < 3; m++) {
        REQUIRE(o[m].err == o[0].err);
        REQUIRE(o[m].err_offset == o[0].err_offset);
        REQUIRE(o[m].consumed == o[0].consumed);
        REQUIRE(o[m].done == o[0].done);
        REQUIRE(o[m].status == o[0].status);
        REQUIRE(o[m].keep_alive == o[0].keep_alive);
        REQUIRE(o[m].body.bytes == o[0].body.bytes && o[m].body.hash == o[0].body.hash);
    }
    if (eas_http_parser_head_complete(&parsers[0])) {
        eas_ashttp_outcome out;
        size_t len;
        uint32_t mask;
        uint8_t v;
        const char *s;
        (void)eas_ashttp_classify(&parsers[0], 784111777, &out);
        REQUIRE(out.status == eas_http_parser_status(&parsers[0]));
        s = eas_http_parser_header(&parsers[0], EAS_HTTP_H_MS_ASPROTOCOLVERSIONS, &len);
        if (s) {
            REQUIRE(eas_ashttp_parse_versions(s, len, &mask) == EAS_OK);
            if (eas_ashttp_pick_version(mask, 0, &v) == EAS_OK) REQUIRE(eas_proto_version_name(v) != NULL);
        }
        s = eas_http_parser_header(&parsers[0], EAS_HTTP_H_MS_ASPROTOCOLCOMMANDS, &len);
        if (s) REQUIRE(eas_ashttp_parse_commands(s, len, &mask) == EAS_OK && (mask & 0xFF0001E0u) == 0);
    }
}

typedef struct {
    char buf[4096];
    size_t len;
} text_sink;

static eas_err text_write(void *ctx, const uint8_t *d, size_t n)
{
    text_sink *t = (text_sink *)ctx;
    if (n > sizeof t->buf - t->len) return EAS_ERR_NOSPACE;
    memcpy(t->buf + t->len, d, n);
    t->len += n;
    return EAS_OK;
}

static void fuzz_text(const uint8_t *d, size_t n)
{
    static eas_url url;
    static char host[EAS_URL_HOST_MAX + 16];
    static text_sink t;
    eas_http_writer w;
    eas_sink sink = {text_write, &t};
    int64_t when;
    size_t len;
    char value[256];
    size_t vn = n < sizeof value - 1 ? n : sizeof value - 1;

    if (eas_url_parse((const char *)d, n, &url) == EAS_OK) {
        REQUIRE(url.path[0] == '/' && url.host[0] != '\0' && url.port != 0);
        REQUIRE(eas_url_host_header(&url, host, sizeof host, &len) == EAS_OK && len == strlen(host));
        /* what the URL parser accepts, the writer accepts as a target */
        t.len = 0;
        REQUIRE(eas_http_writer_begin(&w, sink, "OPTIONS", url.path) == EAS_OK);
        REQUIRE(eas_http_writer_header(&w, "Host", host) == EAS_OK);
    }
    if (eas_http_parse_date((const char *)d, n, &when) == EAS_OK) REQUIRE(when >= 0);

    /* no accepted header value can break a line */
    memcpy(value, d, vn);
    value[vn] = '\0';
    t.len = 0;
    REQUIRE(eas_http_writer_begin(&w, sink, "POST", "/") == EAS_OK);
    if (eas_http_writer_header_n(&w, "X-Fuzz", value, vn) == EAS_OK) {
        size_t crlf = 0;
        for (size_t i = 0; i + 1 < t.len; i++)
            if (t.buf[i] == '\r' && t.buf[i + 1] == '\n') crlf++;
        REQUIRE(crlf == 2); /* the request line's and the header's own */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* First byte: flags; next four: piece sizes for mode 2; the rest is the input. */
    unsigned flags;
    if (size < 5) return 0;
    flags = (data[0] & 1u) ? EAS_HTTP_REQ_HEAD : 0u;
    fuzz_parser(data + 5, size - 5, data + 1, 4, flags);
    fuzz_text(data + 5, size - 5);
    return 0;
}
