/* The HTTP request writer: exact bytes, header injection refused, framing checked, sink errors. */
#include <string.h>

#include "check.h"
#include "eas/err.h"
#include "eas/http.h"

typedef struct {
    char buf[2048];
    size_t len;
    int calls;
    int fail_at; /* fail the call with this 1-based number; 0: never */
} capture_sink;

static eas_err capture_write(void *ctx, const uint8_t *d, size_t n)
{
    capture_sink *c = (capture_sink *)ctx;
    c->calls++;
    if (c->fail_at && c->calls == c->fail_at) return EAS_ERR_SINK;
    if (c->len + n > sizeof c->buf) return EAS_ERR_NOSPACE;
    memcpy(c->buf + c->len, d, n);
    c->len += n;
    return EAS_OK;
}

static eas_sink sink_of(capture_sink *c)
{
    eas_sink s;
    memset(c, 0, sizeof *c);
    s.write = capture_write;
    s.ctx = c;
    return s;
}

TEST(http_writer_exact_bytes)
{
    capture_sink c;
    eas_http_writer w;
    eas_sink body;
    static const char want[] = "POST /Microsoft-Server-ActiveSync?Cmd=Sync HTTP/1.1\r\n"
                               "Host: mail.example.test\r\n"
                               "X-Tab: a\tb\r\n"
                               "Content-Length: 5\r\n"
                               "\r\n"
                               "\x03\x01j\x00\x01";
    CHECK_OK(eas_http_writer_begin(&w, sink_of(&c), "POST", "/Microsoft-Server-ActiveSync?Cmd=Sync"));
    CHECK_OK(eas_http_writer_header(&w, "Host", "mail.example.test"));
    CHECK_OK(eas_http_writer_header(&w, "X-Tab", "a\tb"));
    CHECK_OK(eas_http_writer_content_length(&w, 5));
    CHECK_OK(eas_http_writer_end_head(&w));
    body = eas_http_writer_body_sink(&w);
    CHECK_OK(body.write(body.ctx, (const uint8_t *)"\x03\x01j", 3));
    CHECK_OK(body.write(body.ctx, (const uint8_t *)"\x00\x01", 2));
    CHECK_OK(eas_http_writer_finish(&w));
    CHECK_EQ(c.len, sizeof want - 1);
    CHECK_MEM(c.buf, want, sizeof want - 1);
    CHECK_EQ(w.bytes, sizeof want - 1);
}

TEST(http_writer_large_content_length_and_count_only)
{
    eas_http_writer w;
    eas_sink none = {NULL, NULL};
    CHECK_OK(eas_http_writer_begin(&w, none, "OPTIONS", "*"));
    CHECK_OK(eas_http_writer_content_length(&w, 18446744073709551615ull));
    CHECK_OK(eas_http_writer_end_head(&w));
    /* "OPTIONS * HTTP/1.1\r\n" + "Content-Length: 18446744073709551615\r\n" + "\r\n" */
    CHECK_EQ(w.bytes, 20 + 38 + 2);
    CHECK_EQ(eas_http_writer_finish(&w), EAS_ERR_STATE);
}

TEST(http_writer_rejects_header_injection)
{
    capture_sink c;
    eas_http_writer w;
    CHECK_OK(eas_http_writer_begin(&w, sink_of(&c), "POST", "/x"));
    size_t before = c.len;
    CHECK_EQ(eas_http_writer_header(&w, "User-Agent", "ok\r\nX-Evil: 1"), EAS_ERR_ARG);
    CHECK_EQ(eas_http_writer_header(&w, "User-Agent", "ok\nX-Evil: 1"), EAS_ERR_ARG);
    CHECK_EQ(eas_http_writer_header(&w, "User-Agent", "ok\rX"), EAS_ERR_ARG);
    CHECK_EQ(eas_http_writer_header_n(&w, "User-Agent", "a\0b", 3), EAS_ERR_ARG);
    CHECK_EQ(eas_http_writer_header(&w, "User-Agent", "del\x7f"), EAS_ERR_ARG);
    CHECK_EQ(eas_http_writer_header(&w, "Bad Name", "v"), EAS_ERR_ARG);
    CHECK_EQ(eas_http_writer_header(&w, "Bad:Name", "v"), EAS_ERR_ARG);
    CHECK_EQ(eas_http_writer_header(&w, "X\r\nY", "v"), EAS_ERR_ARG);
    CHECK_EQ(eas_http_writer_header(&w, "", "v"), EAS_ERR_ARG);
    CHECK_EQ(eas_http_writer_header(&w, "content-length", "0"), EAS_ERR_ARG);
    CHECK_EQ(eas_http_writer_header(&w, "Transfer-Encoding", "chunked"), EAS_ERR_ARG);
    CHECK_EQ(eas_http_writer_header(&w, "X", NULL), EAS_ERR_ARG);
    CHECK_EQ(c.len, before); /* nothing reached the sink */
    /* UTF-8 (obs-text) is allowed in a value */
    CHECK_OK(eas_http_writer_header(&w, "X-Name", "J\xc3\xbcrgen"));
}

TEST(http_writer_rejects_bad_request_line)
{
    capture_sink c;
    eas_http_writer w;
    CHECK_EQ(eas_http_writer_begin(&w, sink_of(&c), "POST", "/a b"), EAS_ERR_ARG);
    CHECK_EQ(eas_http_writer_begin(&w, sink_of(&c), "POST", "/a\r\nHost: x"), EAS_ERR_ARG);
    CHECK_EQ(eas_http_writer_begin(&w, sink_of(&c), "POST", "/caf\xc3\xa9"), EAS_ERR_ARG);
    CHECK_EQ(eas_http_writer_begin(&w, sink_of(&c), "POST", "relative"), EAS_ERR_ARG);
    CHECK_EQ(eas_http_writer_begin(&w, sink_of(&c), "POST", ""), EAS_ERR_ARG);
    CHECK_EQ(eas_http_writer_begin(&w, sink_of(&c), "PO ST", "/"), EAS_ERR_ARG);
    CHECK_EQ(eas_http_writer_begin(&w, sink_of(&c), "", "/"), EAS_ERR_ARG);
    CHECK_EQ(c.len, 0);
    static char longtarget[EAS_HTTP_TARGET_MAX + 2];
    memset(longtarget, 'a', sizeof longtarget - 1);
    longtarget[0] = '/';
    CHECK_EQ(eas_http_writer_begin(&w, sink_of(&c), "POST", longtarget), EAS_ERR_ARG);
    longtarget[EAS_HTTP_TARGET_MAX] = '\0';
    CHECK_OK(eas_http_writer_begin(&w, sink_of(&c), "POST", longtarget));
}

TEST(http_writer_framing_and_state)
{
    capture_sink c;
    eas_http_writer w;
    CHECK_OK(eas_http_writer_begin(&w, sink_of(&c), "POST", "/"));
    CHECK_EQ(eas_http_writer_body(&w, (const uint8_t *)"x", 1), EAS_ERR_STATE); /* head not ended */
    CHECK_OK(eas_http_writer_content_length(&w, 3));
    CHECK_EQ(eas_http_writer_content_length(&w, 3), EAS_ERR_STATE); /* twice */
    CHECK_OK(eas_http_writer_end_head(&w));
    CHECK_EQ(eas_http_writer_header(&w, "X", "late"), EAS_ERR_STATE);
    CHECK_OK(eas_http_writer_body(&w, (const uint8_t *)"ab", 2));
    CHECK_EQ(eas_http_writer_finish(&w), EAS_ERR_STATE);                  /* one byte short */
    CHECK_EQ(eas_http_writer_body(&w, (const uint8_t *)"cd", 2), EAS_ERR_ARG); /* one too many */
    CHECK_OK(eas_http_writer_body(&w, (const uint8_t *)"c", 1));
    CHECK_OK(eas_http_writer_finish(&w));
    /* no Content-Length: no body allowed */
    CHECK_OK(eas_http_writer_begin(&w, sink_of(&c), "OPTIONS", "/"));
    CHECK_OK(eas_http_writer_end_head(&w));
    CHECK_EQ(eas_http_writer_body(&w, (const uint8_t *)"x", 1), EAS_ERR_ARG);
    CHECK_OK(eas_http_writer_finish(&w));
}

TEST(http_writer_sink_error_is_sticky)
{
    capture_sink c;
    eas_http_writer w;
    eas_sink s = sink_of(&c);
    c.fail_at = 5; /* a piece of the first header */
    CHECK_OK(eas_http_writer_begin(&w, s, "POST", "/"));
    CHECK_EQ(eas_http_writer_header(&w, "Host", "h"), EAS_ERR_SINK);
    CHECK_EQ(eas_http_writer_header(&w, "Host", "h"), EAS_ERR_SINK);
    CHECK_EQ(eas_http_writer_end_head(&w), EAS_ERR_SINK);
    CHECK_EQ(eas_http_writer_finish(&w), EAS_ERR_SINK);
}
