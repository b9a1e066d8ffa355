/* The HTTP response parser: every split point of real-looking responses, byte by byte, chunked
 * bodies, framing and keep-alive rules, and every error path with its exact code and offset. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "eas/err.h"
#include "eas/http.h"

/* ------------------------------------------------------------------------------ helpers ---- */

typedef struct {
    uint8_t body[16384];
    size_t body_len;
    int heads;
    int headers;
    int pieces;
    eas_err fail_body; /* returned by the body sink when set */
    eas_err fail_head;
} collect;

static eas_err collect_body(void *ctx, const uint8_t *d, size_t n)
{
    collect *c = (collect *)ctx;
    if (c->fail_body) return c->fail_body;
    if (n == 0 || c->body_len + n > sizeof c->body) return EAS_ERR_NOSPACE; /* never called empty */
    memcpy(c->body + c->body_len, d, n);
    c->body_len += n;
    c->pieces++;
    return EAS_OK;
}

static eas_err count_header(void *ctx, const char *name, size_t nl, const char *value, size_t vl)
{
    (void)name;
    (void)nl;
    (void)value;
    (void)vl;
    ((collect *)ctx)->headers++;
    return EAS_OK;
}

static eas_err count_head(void *ctx, const eas_http_parser *p)
{
    collect *c = (collect *)ctx;
    (void)p;
    c->heads++;
    return c->fail_head;
}

static void start(eas_http_parser *p, collect *c, unsigned flags)
{
    eas_http_callbacks cb;
    memset(c, 0, sizeof *c);
    cb.body.write = collect_body;
    cb.body.ctx = c;
    cb.on_header = count_header;
    cb.on_head = count_head;
    cb.ctx = c;
    eas_http_parser_init(p, &cb, flags);
}

/* Feeds msg split at the cut points a <= b (three pieces), then EOF when asked. */
static eas_err feed3(eas_http_parser *p, const uint8_t *msg, size_t len, size_t a, size_t b, int eof)
{
    size_t used = 0, total = 0;
    size_t cuts[4] = {0, a, b, len};
    for (int k = 0; k < 3; k++) {
        eas_err err = eas_http_parser_feed(p, msg + cuts[k], cuts[k + 1] - cuts[k], &used);
        total += used;
        if (err) return err;
        if (used != cuts[k + 1] - cuts[k]) return EAS_ERR_STATE; /* stopped early */
    }
    (void)total;
    return eof ? eas_http_parser_eof(p) : EAS_OK;
}

typedef struct {
    uint16_t status;
    const uint8_t *body;
    size_t body_len;
    int keep_alive;
    int eof; /* body ends at the close */
    eas_http_body_mode mode;
    unsigned flags;
} expect;

static eas_http_parser parser; /* 4 KiB: kept off the stack */
static collect col;

static void check_result(const expect *e, size_t a, size_t b)
{
    CHECK_MSG(eas_http_parser_done(&parser), "not done at cuts %zu,%zu", a, b);
    CHECK_MSG(eas_http_parser_head_complete(&parser), "head incomplete at cuts %zu,%zu", a, b);
    CHECK_EQ(eas_http_parser_status(&parser), e->status);
    CHECK_EQ(eas_http_parser_keep_alive(&parser), e->keep_alive);
    CHECK_EQ(eas_http_parser_body_mode(&parser), e->mode);
    CHECK_MSG(col.body_len == e->body_len, "body length %zu != %zu at cuts %zu,%zu", col.body_len, e->body_len, a, b);
    if (e->body_len) CHECK_MEM(col.body, e->body, e->body_len);
    CHECK_EQ(col.heads, 1);
}

/* Every split point into two pieces, then one byte at a time. */
static void all_splits(const uint8_t *msg, size_t len, const expect *e)
{
    for (size_t s = 0; s <= len; s++) {
        start(&parser, &col, e->flags);
        eas_err err = feed3(&parser, msg, len, s, s, e->eof);
        CHECK_MSG(err == EAS_OK, "split %zu: %s at %llu", s, eas_err_name(err),
                  (unsigned long long)eas_http_parser_error_offset(&parser));
        check_result(e, s, s);
        if (check_failed_now()) return;
    }
    start(&parser, &col, e->flags);
    for (size_t i = 0; i < len; i++) {
        size_t used = 0;
        eas_err err = eas_http_parser_feed(&parser, msg + i, 1, &used);
        CHECK_MSG(err == EAS_OK && used == 1, "byte %zu: %s", i, eas_err_name(err));
    }
    if (e->eof) CHECK_OK(eas_http_parser_eof(&parser));
    check_result(e, 1, 1);
    CHECK_MSG(col.body_len == 0 || col.pieces == (int)col.body_len, "byte-wise body came in %d pieces", col.pieces);
}

/* Every pair of split points (three pieces): for the shorter messages. */
static void all_split_pairs(const uint8_t *msg, size_t len, const expect *e)
{
    for (size_t a = 0; a <= len; a++) {
        for (size_t b = a; b <= len; b++) {
            start(&parser, &col, e->flags);
            eas_err err = feed3(&parser, msg, len, a, b, e->eof);
            CHECK_MSG(err == EAS_OK, "cuts %zu,%zu: %s", a, b, eas_err_name(err));
            check_result(e, a, b);
            if (check_failed_now()) return;
        }
    }
}

/* Feeds the whole text (one piece, or byte by byte) and expects err at offset. */
static void expect_error(const char *msg, size_t len, int eof, eas_err want, uint64_t offset)
{
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        eas_err err = EAS_OK;
        start(&parser, &col, 0);
        if (bytewise) {
            for (size_t i = 0; i < len && !err; i++) err = eas_http_parser_feed(&parser, (const uint8_t *)msg + i, 1, NULL);
        } else {
            err = eas_http_parser_feed(&parser, (const uint8_t *)msg, len, NULL);
        }
        if (!err && eof) err = eas_http_parser_eof(&parser);
        CHECK_MSG(err == want, "%s: got %s, want %s", bytewise ? "bytewise" : "whole", eas_err_name(err),
                  eas_err_name(want));
        CHECK_MSG(eas_http_parser_error_offset(&parser) == offset, "%s: offset %llu, want %llu",
                  bytewise ? "bytewise" : "whole", (unsigned long long)eas_http_parser_error_offset(&parser),
                  (unsigned long long)offset);
        /* sticky */
        CHECK_EQ(eas_http_parser_feed(&parser, (const uint8_t *)"x", 1, NULL), want);
        CHECK_EQ(eas_http_parser_eof(&parser), want);
    }
}

#define S(lit) (const uint8_t *)(lit), (sizeof(lit) - 1)
#define E(lit) lit, (sizeof(lit) - 1)

/* A FolderSync response body as SOGo sends it (WBXML, with NUL bytes in it). */
static const uint8_t sogo_body[] = {0x03, 0x01, 0x6a, 0x00, 0x00, 0x07, 0x56, 0x4c,
                                    0x03, 0x31, 0x00, 0x01, 0x52, 0x03, 0x31, 0x00, 0x01, 0x01};

static size_t build_sogo(uint8_t *out, size_t cap)
{
    int n = snprintf((char *)out, cap,
                     "HTTP/1.1 200 OK\r\n"
                     "Date: Tue, 04 Jun 2024 10:00:00 GMT\r\n"
                     "Server: Apache\r\n"
                     "Content-Type: application/vnd.ms-sync.wbxml\r\n"
                     "MS-Server-ActiveSync: 14.1\r\n"
                     "Content-Length: %zu\r\n"
                     "\r\n",
                     sizeof sogo_body);
    memcpy(out + n, sogo_body, sizeof sogo_body);
    return (size_t)n + sizeof sogo_body;
}

/* ------------------------------------------------------------------------- good responses ---- */

TEST(http_sogo_every_split)
{
    uint8_t msg[512];
    size_t len = build_sogo(msg, sizeof msg);
    /* sogod closes after each response without saying so: by HTTP/1.1 rules it is keep-alive; the
     * caller learns of the close when it next uses the connection. */
    expect e = {200, sogo_body, sizeof sogo_body, 1, 0, EAS_HTTP_BODY_LENGTH, 0};
    all_splits(msg, len, &e);
    if (check_failed_now()) return;
    CHECK_STR(eas_http_parser_header(&parser, EAS_HTTP_H_CONTENT_TYPE, NULL), "application/vnd.ms-sync.wbxml");
    CHECK_STR(eas_http_parser_header(&parser, EAS_HTTP_H_MS_SERVER_ACTIVESYNC, NULL), "14.1");
    CHECK_STR(eas_http_parser_header(&parser, EAS_HTTP_H_DATE, NULL), "Tue, 04 Jun 2024 10:00:00 GMT");
    CHECK_STR(eas_http_parser_header(&parser, EAS_HTTP_H_CONTENT_LENGTH, NULL), "18");
    CHECK_EQ(eas_http_parser_content_length(&parser), 18);
    CHECK(eas_http_parser_header(&parser, EAS_HTTP_H_X_MS_LOCATION, NULL) == NULL);
    CHECK_EQ(col.headers, 5);
    CHECK_EQ(eas_http_parser_minor(&parser), 1);
    CHECK_EQ(eas_http_parser_offset(&parser), len);
}

TEST(http_sogo_every_split_pair)
{
    uint8_t msg[512];
    size_t len = build_sogo(msg, sizeof msg);
    expect e = {200, sogo_body, sizeof sogo_body, 1, 0, EAS_HTTP_BODY_LENGTH, 0};
    all_split_pairs(msg, len, &e);
}

TEST(http_office365_options_joins_repeated_headers)
{
    static const char msg[] = "HTTP/1.1 200 OK\r\n"
                              "Cache-Control: private\r\n"
                              "Allow: OPTIONS,POST\r\n"
                              "MS-ASProtocolVersions: 2.0,2.1,2.5,12.0,12.1\r\n"
                              "Content-Type: application/vnd.ms-sync.wbxml\r\n"
                              "MS-ASProtocolCommands: Sync,SendMail,SmartForward,SmartReply,GetAttachment,"
                              "FolderSync,FolderCreate,FolderDelete,FolderUpdate,MoveItems,GetItemEstimate,"
                              "MeetingResponse,Search,Settings,Ping,ItemOperations,Provision,ResolveRecipients,"
                              "ValidateCert,Find\r\n"
                              "X-MS-PolicyKey: 1234\r\n"
                              "MS-ASProtocolVersions:  14.0,14.1 \r\n"
                              "Public: OPTIONS,POST\r\n"
                              "MS-ASProtocolVersions:16.0,16.1\r\n"
                              "Content-Length: 0\r\n"
                              "\r\n";
    expect e = {200, NULL, 0, 1, 0, EAS_HTTP_BODY_LENGTH, 0};
    all_splits(S(msg), &e);
    if (check_failed_now()) return;
    CHECK_STR(eas_http_parser_header(&parser, EAS_HTTP_H_MS_ASPROTOCOLVERSIONS, NULL),
              "2.0,2.1,2.5,12.0,12.1,14.0,14.1,16.0,16.1");
    size_t n;
    const char *cmds = eas_http_parser_header(&parser, EAS_HTTP_H_MS_ASPROTOCOLCOMMANDS, &n);
    CHECK(cmds != NULL);
    CHECK(strncmp(cmds, "Sync,SendMail,", 14) == 0);
    CHECK_EQ(n, strlen(cmds));
    CHECK(strcmp(cmds + n - 17, "ValidateCert,Find") == 0);
    /* values captured after the first MS-ASProtocolVersions moved when it grew */
    CHECK_STR(eas_http_parser_header(&parser, EAS_HTTP_H_CONTENT_TYPE, NULL), "application/vnd.ms-sync.wbxml");
    CHECK_STR(eas_http_parser_header(&parser, EAS_HTTP_H_X_MS_POLICYKEY, NULL), "1234");
    CHECK_STR(eas_http_parser_header(&parser, EAS_HTTP_H_CONTENT_LENGTH, NULL), "0");
}

TEST(http_chunked_with_extensions_and_trailers)
{
    static const char msg[] = "HTTP/1.1 200 OK\r\n"
                              "Content-Type: application/vnd.ms-sync.wbxml\r\n"
                              "Transfer-Encoding: chunked\r\n"
                              "\r\n"
                              "5;name=value\r\n"
                              "hello\r\n"
                              "1a ; ext=\"q;x\" ; other\r\n"
                              "abcdefghijklmnopqrstuvwxyz\r\n"
                              "000001\r\n"
                              "!\r\n"
                              "0;last\r\n"
                              "X-Trailer: yes\r\n"
                              "Another-One: 2\r\n"
                              "\r\n";
    static const char body[] = "helloabcdefghijklmnopqrstuvwxyz!";
    expect e = {200, (const uint8_t *)body, sizeof body - 1, 1, 0, EAS_HTTP_BODY_CHUNKED, 0};
    all_split_pairs(S(msg), &e);
    if (check_failed_now()) return;
    all_splits(S(msg), &e);
}

TEST(http_chunked_bare_lf_and_no_trailers)
{
    static const char msg[] = "HTTP/1.1 200 OK\n"
                              "Transfer-Encoding: Chunked\n"
                              "\n"
                              "3\nabc\n"
                              "0\n"
                              "\n";
    expect e = {200, (const uint8_t *)"abc", 3, 1, 0, EAS_HTTP_BODY_CHUNKED, 0};
    all_split_pairs(S(msg), &e);
}

TEST(http_chunked_empty_body)
{
    static const char msg[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    expect e = {200, NULL, 0, 1, 0, EAS_HTTP_BODY_CHUNKED, 0};
    all_splits(S(msg), &e);
}

TEST(http_http10_body_until_close)
{
    static const char msg[] = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nthe body runs to the close";
    expect e = {200, (const uint8_t *)"the body runs to the close", 26, 0, 1, EAS_HTTP_BODY_CLOSE, 0};
    all_splits(S(msg), &e);
    if (check_failed_now()) return;
    CHECK_EQ(eas_http_parser_minor(&parser), 0);
}

TEST(http_http11_without_length_reads_to_close)
{
    static const char msg[] = "HTTP/1.1 200 OK\r\n\r\nxyz";
    expect e = {200, (const uint8_t *)"xyz", 3, 0, 1, EAS_HTTP_BODY_CLOSE, 0};
    all_splits(S(msg), &e);
    if (check_failed_now()) return;
    /* nothing at all before the close is an empty body, not an error */
    start(&parser, &col, 0);
    CHECK_OK(eas_http_parser_feed(&parser, S("HTTP/1.1 200 OK\r\n\r\n"), NULL));
    CHECK(!eas_http_parser_done(&parser));
    CHECK_OK(eas_http_parser_eof(&parser));
    CHECK(eas_http_parser_done(&parser));
    CHECK_EQ(col.body_len, 0);
}

TEST(http_continue_is_skipped)
{
    static const char msg[] = "HTTP/1.1 100 Continue\r\n\r\n"
                              "HTTP/1.1 102 Processing\r\nX-Ignored: 1\r\nContent-Length: 99\r\n\r\n"
                              "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    expect e = {200, (const uint8_t *)"ok", 2, 1, 0, EAS_HTTP_BODY_LENGTH, 0};
    all_splits(S(msg), &e);
    if (check_failed_now()) return;
    CHECK_EQ(col.headers, 1); /* only the final response's headers are reported */
    CHECK_STR(eas_http_parser_header(&parser, EAS_HTTP_H_CONTENT_LENGTH, NULL), "2");
}

TEST(http_no_body_statuses_and_head)
{
    static const char r204[] = "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n";
    static const char r304[] = "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n";
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
    expect e = {204, NULL, 0, 1, 0, EAS_HTTP_BODY_NONE, 0};
    all_splits(S(r204), &e);
    if (check_failed_now()) return;
    e.status = 304;
    all_splits(S(r304), &e);
    if (check_failed_now()) return;
    e.status = 200;
    e.flags = EAS_HTTP_REQ_HEAD;
    all_splits(S(head), &e);
}

TEST(http_keep_alive_rules)
{
    static const struct {
        const char *msg;
        int keep;
    } cases[] = {
        {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 1},
        {"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 0},
        {"HTTP/1.1 200 OK\r\nConnection: Keep-Alive, CLOSE\r\nContent-Length: 0\r\n\r\n", 0},
        {"HTTP/1.1 200 OK\r\nConnection: te\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 0},
        {"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 0},
        {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", 1},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", 0},
        {"HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        start(&parser, &col, 0);
        CHECK_OK(eas_http_parser_feed(&parser, (const uint8_t *)cases[i].msg, strlen(cases[i].msg), NULL));
        CHECK_MSG(eas_http_parser_done(&parser), "case %zu not done", i);
        CHECK_MSG(eas_http_parser_keep_alive(&parser) == cases[i].keep, "case %zu keep-alive", i);
    }
}

TEST(http_obs_fold_and_whitespace)
{
    static const char msg[] = "HTTP/1.1 503 Service Unavailable\r\n"
                              "X-MS-ASThrottle:\r\n"
                              "  CommandFrequency\r\n"
                              "Retry-After:\t 30 \t\r\n"
                              "X-Empty:\r\n"
                              "Content-Length: 0\r\n\r\n";
    expect e = {503, NULL, 0, 1, 0, EAS_HTTP_BODY_LENGTH, 0};
    all_splits(S(msg), &e);
    if (check_failed_now()) return;
    CHECK_STR(eas_http_parser_header(&parser, EAS_HTTP_H_X_MS_ASTHROTTLE, NULL), "CommandFrequency");
    CHECK_STR(eas_http_parser_header(&parser, EAS_HTTP_H_RETRY_AFTER, NULL), "30");
}

TEST(http_reason_phrase_optional_and_leading_blank_lines)
{
    static const char msg[] = "\r\n\nHTTP/1.1 451\r\nX-MS-Location: https://other.example.test/Microsoft-Server-ActiveSync\r\n"
                              "Content-Length: 0\r\n\r\n";
    expect e = {451, NULL, 0, 1, 0, EAS_HTTP_BODY_LENGTH, 0};
    all_splits(S(msg), &e);
    if (check_failed_now()) return;
    CHECK_STR(eas_http_parser_header(&parser, EAS_HTTP_H_X_MS_LOCATION, NULL),
              "https://other.example.test/Microsoft-Server-ActiveSync");
}

TEST(http_stops_at_end_of_message)
{
    static const char two[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 204 No Content\r\n\r\n";
    size_t first = strlen("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"), used = 0;
    start(&parser, &col, 0);
    CHECK_OK(eas_http_parser_feed(&parser, S(two), &used));
    CHECK_EQ(used, first);
    CHECK(eas_http_parser_done(&parser));
    CHECK_EQ(col.body_len, 3);
    /* the rest is the next response */
    start(&parser, &col, 0);
    CHECK_OK(eas_http_parser_feed(&parser, (const uint8_t *)two + first, sizeof two - 1 - first, &used));
    CHECK_EQ(used, sizeof two - 1 - first);
    CHECK_EQ(eas_http_parser_status(&parser), 204);
    /* feeding a finished parser takes nothing */
    CHECK_OK(eas_http_parser_feed(&parser, S("more"), &used));
    CHECK_EQ(used, 0);
    /* without consumed, extra bytes are an error at their offset */
    expect_error(E("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab"), 0, EAS_ERR_HTTP_MALFORMED, 39);
}

TEST(http_body_never_buffered)
{
    /* a body much larger than the header buffer passes straight through */
    static uint8_t msg[4096 * 3 + 128];
    int n = snprintf((char *)msg, sizeof msg, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n", 4096u * 3);
    for (unsigned i = 0; i < 4096u * 3; i++) msg[n + (int)i] = (uint8_t)(i * 7u);
    start(&parser, &col, 0);
    CHECK_OK(eas_http_parser_feed(&parser, msg, (size_t)n + 4096u * 3, NULL));
    CHECK(eas_http_parser_done(&parser));
    CHECK_EQ(col.body_len, 4096u * 3);
    CHECK_EQ(col.pieces, 1);
    CHECK_MEM(col.body, msg + n, 4096u * 3);
    CHECK(sizeof(eas_http_parser) < EAS_HTTP_HEADER_MAX + 256);
}

/* -------------------------------------------------------------------------------- errors ---- */

TEST(http_err_status_line)
{
    expect_error(E("HTTP/2 200 OK\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 5);
    expect_error(E("XTTP/1.1 200 OK\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 0);
    expect_error(E("\r\nSSH-2.0-OpenSSH\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 2);
    expect_error(E("HTTP/1.x 200 OK\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 7);
    expect_error(E("HTTP/1.1\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 8);
    expect_error(E("HTTP/1.1 20 OK\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 11);
    expect_error(E("HTTP/1.1 2000 OK\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 12);
    expect_error(E("HTTP/1.1 099 Low\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 9);
    expect_error(E("HTTP/1.1 200 O\x01K\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 14);
    expect_error(E("HTTP/1.1 200 OK\rX"), 0, EAS_ERR_HTTP_MALFORMED, 16);
    expect_error(E("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"), 0, EAS_ERR_HTTP_STATUS, 49);
}

TEST(http_err_header_syntax)
{
    /* offsets: the status line "HTTP/1.1 200 OK\r\n" is 17 bytes */
    expect_error(E("HTTP/1.1 200 OK\r\nBadHeader\r\n\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 26);
    expect_error(E("HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 31);
    expect_error(E("HTTP/1.1 200 OK\r\nX-A: a\x01z\r\n\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 23);
    expect_error(E("HTTP/1.1 200 OK\r\nX-A: a\x7f\r\n\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 23);
    expect_error(E("HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 24);
    expect_error(E("HTTP/1.1 200 OK\r\n folded-first: x\r\n\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 17);
    expect_error(E("HTTP/1.1 200 OK\r\n:no-name\r\n\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 17);
    expect_error(E("HTTP/1.1 200 OK\r\nX-A: 1\r\n\rX"), 0, EAS_ERR_HTTP_MALFORMED, 26);
    expect_error(E("HTTP/1.1 200 OK\r\nX\x80Y: 1\r\n\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 18);
}

TEST(http_err_content_length)
{
    /* value starts at 17 + 16 = 33 */
    expect_error(E("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 33);
    expect_error(E("HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 35);
    expect_error(E("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 33);
    expect_error(E("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 32);
    expect_error(E("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n"), 0, EAS_ERR_HTTP_MALFORMED,
                 33 + 19);
    expect_error(E("HTTP/1.1 200 OK\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\n"), 0, EAS_ERR_HTTP_MALFORMED,
                 36 + 16);
    expect_error(E("HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 36);
    expect_error(E("HTTP/1.1 200 OK\r\nContent-Length: 5,\r\n\r\n"), 0, EAS_ERR_HTTP_MALFORMED, 35);
}

TEST(http_err_transfer_encoding)
{
    /* framing errors are reported at the LF that ends the head */
    static const char gz[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
    static const char twice[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n";
    static const char emptyte[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n\r\n";
    static const char h10[] = "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    expect_error(E(gz), 0, EAS_ERR_UNSUPPORTED, sizeof gz - 2);
    expect_error(E(twice), 0, EAS_ERR_HTTP_MALFORMED, sizeof twice - 2);
    expect_error(E(emptyte), 0, EAS_ERR_HTTP_MALFORMED, sizeof emptyte - 2);
    expect_error(E(h10), 0, EAS_ERR_HTTP_MALFORMED, sizeof h10 - 2);
}

#define CH "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" /* 47 bytes */

TEST(http_err_chunked)
{
    CHECK_EQ(strlen(CH), 47);
    expect_error(E(CH "zz\r\n"), 0, EAS_ERR_HTTP_CHUNK, 47);
    expect_error(E(CH "\r\n"), 0, EAS_ERR_HTTP_CHUNK, 47);
    expect_error(E(CH "5x\r\nhello\r\n0\r\n\r\n"), 0, EAS_ERR_HTTP_CHUNK, 48);
    expect_error(E(CH "5 x\r\n"), 0, EAS_ERR_HTTP_CHUNK, 49);
    expect_error(E(CH "5\rx"), 0, EAS_ERR_HTTP_CHUNK, 49);
    expect_error(E(CH "5;a=\x01\r\n"), 0, EAS_ERR_HTTP_CHUNK, 51);
    expect_error(E(CH "5\r\nhelloX"), 0, EAS_ERR_HTTP_CHUNK, 55);
    expect_error(E(CH "5\r\nhello\rX"), 0, EAS_ERR_HTTP_CHUNK, 56);
    /* 16 hex digits fit in 64 bits; the 17th overflows */
    expect_error(E(CH "11111111111111111\r\n"), 0, EAS_ERR_HTTP_CHUNK, 47 + 16);
    /* trailers */
    expect_error(E(CH "0\r\nBad Trailer: 1\r\n\r\n"), 0, EAS_ERR_HTTP_CHUNK, 53);
    expect_error(E(CH "0\r\nT: \x01\r\n\r\n"), 0, EAS_ERR_HTTP_CHUNK, 53);
    expect_error(E(CH "0\r\n\rX"), 0, EAS_ERR_HTTP_CHUNK, 51);
}

TEST(http_err_chunk_line_too_long)
{
    static char msg[47 + 400];
    memcpy(msg, CH, 47);
    msg[47] = '1';
    msg[48] = ';';
    memset(msg + 49, 'e', sizeof msg - 49);
    /* the size line starts at 47; its 257th byte is refused */
    expect_error(msg, sizeof msg, 0, EAS_ERR_HTTP_CHUNK, 47 + EAS_HTTP_CHUNK_LINE_MAX);
}

TEST(http_err_truncated)
{
    expect_error(E(""), 1, EAS_ERR_HTTP_TRUNCATED, 0);
    expect_error(E("HTTP/1.1 200 OK\r\nContent-Le"), 1, EAS_ERR_HTTP_TRUNCATED, 27);
    expect_error(E("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"), 1, EAS_ERR_HTTP_TRUNCATED, 44);
    expect_error(E(CH "5\r\nhel"), 1, EAS_ERR_HTTP_TRUNCATED, 53);
    expect_error(E(CH "5\r\nhello\r\n"), 1, EAS_ERR_HTTP_TRUNCATED, 57);
    expect_error(E(CH "0\r\nX: 1\r\n"), 1, EAS_ERR_HTTP_TRUNCATED, 56);
}

TEST(http_err_header_too_large)
{
    static char msg[17 + 5000 + 8];
    size_t n = 0;
    memcpy(msg, "HTTP/1.1 200 OK\r\n", 17);
    n = 17;
    memcpy(msg + n, "X-Big: ", 7);
    n += 7;
    memset(msg + n, 'a', 5000 - 7);
    n += 5000 - 7;
    memcpy(msg + n, "\r\n\r\n", 4);
    n += 4;
    /* the line buffer holds EAS_HTTP_HEADER_MAX bytes; the next one is refused */
    expect_error(msg, n, 0, EAS_ERR_HTTP_HEADER_TOO_LARGE, 17 + EAS_HTTP_HEADER_MAX);
}

TEST(http_err_captured_values_fill_buffer)
{
    /* Each kept value also takes room: many long MS-ASProtocolCommands lines fill the buffer. */
    static char msg[17 + 12 * 600 + 4];
    size_t n = 17, line = 0;
    uint64_t want = 0;
    memcpy(msg, "HTTP/1.1 200 OK\r\n", 17);
    for (int k = 0; k < 12; k++) {
        size_t start_line = n;
        memcpy(msg + n, "MS-ASProtocolCommands: ", 23);
        n += 23;
        memset(msg + n, 'C', 500);
        n += 500;
        memcpy(msg + n, "\r\n", 2);
        n += 2;
        line = n - start_line;
        (void)line;
        /* values kept before this line: k * 501 bytes (value, plus ',' or NUL) */
        if (!want && (size_t)k * 501u + 523u > EAS_HTTP_HEADER_MAX)
            want = start_line + (EAS_HTTP_HEADER_MAX - (uint64_t)k * 501u);
    }
    memcpy(msg + n, "\r\n", 2);
    n += 2;
    CHECK(want != 0);
    expect_error(msg, n, 0, EAS_ERR_HTTP_HEADER_TOO_LARGE, want);
}

TEST(http_err_head_total_bound)
{
    /* Short uncaptured headers are dropped as they go, but the head as a whole is bounded. */
    static const char line[] = "X-Filler: 0123456789012345678901234567890123456789012345678901234567890123456789\r\n";
    size_t fed = 0;
    eas_err err = EAS_OK;
    start(&parser, &col, 0);
    CHECK_OK(eas_http_parser_feed(&parser, S("HTTP/1.1 200 OK\r\n"), NULL));
    fed = 17;
    for (int k = 0; k < 2000 && !err; k++) {
        err = eas_http_parser_feed(&parser, S(line), NULL);
        fed += sizeof line - 1;
    }
    CHECK_EQ(err, EAS_ERR_HTTP_HEAD_TOO_LARGE);
    CHECK_EQ(eas_http_parser_error_offset(&parser), EAS_HTTP_HEAD_TOTAL_MAX);
    CHECK(fed < EAS_HTTP_HEAD_TOTAL_MAX + sizeof line);
}

TEST(http_err_trailer_too_large)
{
    static char msg[47 + 3 + 5000 + 8];
    size_t n = 47;
    memcpy(msg, CH, 47);
    memcpy(msg + n, "0\r\n", 3);
    n += 3;
    memcpy(msg + n, "T: ", 3);
    memset(msg + n + 3, 'v', 5000 - 3);
    n += 5000;
    memcpy(msg + n, "\r\n\r\n", 4);
    n += 4;
    expect_error(msg, n, 0, EAS_ERR_HTTP_HEADER_TOO_LARGE, 50 + EAS_HTTP_HEADER_MAX);
}

TEST(http_err_callbacks_propagate)
{
    uint8_t msg[512];
    size_t len = build_sogo(msg, sizeof msg);
    size_t head_len = len - sizeof sogo_body;
    start(&parser, &col, 0);
    col.fail_body = EAS_ERR_SINK;
    CHECK_EQ(eas_http_parser_feed(&parser, msg, len, NULL), EAS_ERR_SINK);
    CHECK_EQ(eas_http_parser_error_offset(&parser), head_len);
    CHECK_EQ(eas_http_parser_feed(&parser, msg, 1, NULL), EAS_ERR_SINK);

    start(&parser, &col, 0);
    col.fail_head = EAS_ERR_ABORTED;
    CHECK_EQ(eas_http_parser_feed(&parser, msg, len, NULL), EAS_ERR_ABORTED);
    CHECK_EQ(eas_http_parser_error_offset(&parser), head_len - 1);
    CHECK_EQ(col.body_len, 0);

    /* a parser without callbacks discards the body */
    eas_http_parser_init(&parser, NULL, 0);
    CHECK_OK(eas_http_parser_feed(&parser, msg, len, NULL));
    CHECK(eas_http_parser_done(&parser));
    CHECK_EQ(eas_http_parser_feed(&parser, NULL, 1, NULL), EAS_ERR_ARG);
}
