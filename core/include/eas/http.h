/* HTTP/1.1, client side: a request writer that streams to a sink, and an incremental response parser.
 *
 * Neither keeps a whole message. The writer hands each piece of the request to the sink as it is
 * produced (the sink is expected to buffer, e.g. into a TLS record). The parser takes the response in
 * pieces of any size, keeps only the header line being read and the values of a fixed set of headers,
 * and hands the body to a sink as it arrives, de-chunked. See docs/HTTP.md. */
#ifndef EAS_HTTP_H
#define EAS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eas/config.h"
#include "eas/err.h"
#include "eas/sink.h"

/* ======================================================================= request writer ===== */

typedef struct eas_http_writer {
    eas_sink sink;
    uint64_t bytes;         /* handed to the sink so far (or counted, when sink.write is NULL) */
    uint64_t body_declared; /* Content-Length */
    uint64_t body_written;
    eas_err err;            /* sticky: the first error of the sink */
    uint8_t state;
    uint8_t has_length;
} eas_http_writer;

/* Starts a request: "METHOD target HTTP/1.1\r\n". method is a token; target starts with '/' (or is
 * "*"), is at most EAS_HTTP_TARGET_MAX bytes and holds only visible ASCII (already percent-encoded).
 * EAS_ERR_ARG for anything else; sink errors come back unchanged. */
eas_err eas_http_writer_begin(eas_http_writer *w, eas_sink sink, const char *method, const char *target);
/* One header line. The name is a token; the value must not hold CR, LF or any other control byte but
 * HT (no header injection), and is at most EAS_HTTP_TARGET_MAX bytes: EAS_ERR_ARG otherwise.
 * Content-Length and Transfer-Encoding are refused here: the framing goes through
 * eas_http_writer_content_length. */
eas_err eas_http_writer_header(eas_http_writer *w, const char *name, const char *value);
eas_err eas_http_writer_header_n(eas_http_writer *w, const char *name, const char *value, size_t value_len);
/* A header whose value is written by value() straight into the request, piece by piece (an OAuth
 * token streamed from the store, never held whole in RAM). Each byte is checked as for
 * eas_http_writer_header_n (the limit is EAS_HTTP_STREAMED_VALUE_MAX); a refused byte or an error of
 * value() comes back and makes the writer's error sticky (half a header line went out). */
typedef eas_err (*eas_http_value_fn)(void *ctx, eas_sink out);
eas_err eas_http_writer_header_stream(eas_http_writer *w, const char *name, eas_http_value_fn value, void *ctx);
/* The body length, counted beforehand by whoever produces the body. */
eas_err eas_http_writer_content_length(eas_http_writer *w, uint64_t len);
/* Ends the head (the empty line). */
eas_err eas_http_writer_end_head(eas_http_writer *w);
/* Body bytes; more than the declared Content-Length is EAS_ERR_ARG. */
eas_err eas_http_writer_body(eas_http_writer *w, const uint8_t *data, size_t len);
/* A sink that feeds eas_http_writer_body, for a body producer (the WBXML writer) to write into. */
eas_sink eas_http_writer_body_sink(eas_http_writer *w);
/* Checks that the body had exactly the declared length (EAS_ERR_STATE if not). */
eas_err eas_http_writer_finish(eas_http_writer *w);

/* ====================================================================== response parser ===== */

/* Headers whose values the parser keeps. A header that appears more than once is joined with ','
 * (e.g. MS-ASProtocolVersions, which Office 365 sends twice); repeated Content-Length values must
 * agree. */
typedef enum {
    EAS_HTTP_H_CONTENT_LENGTH,
    EAS_HTTP_H_TRANSFER_ENCODING,
    EAS_HTTP_H_CONNECTION,
    EAS_HTTP_H_CONTENT_TYPE,
    EAS_HTTP_H_DATE,
    EAS_HTTP_H_RETRY_AFTER,
    EAS_HTTP_H_X_MS_LOCATION,
    EAS_HTTP_H_X_MS_ASTHROTTLE,
    EAS_HTTP_H_X_MS_POLICYKEY,
    EAS_HTTP_H_MS_ASPROTOCOLVERSIONS,
    EAS_HTTP_H_MS_ASPROTOCOLCOMMANDS,
    EAS_HTTP_H_MS_SERVER_ACTIVESYNC,
    EAS_HTTP_H_X_MS_CREDENTIAL_SERVICE_URL, /* 457: where the password can be changed */
    EAS_HTTP_H_COUNT
} eas_http_hdr;

/* How the body of the response is delimited. */
typedef enum {
    EAS_HTTP_BODY_NONE,    /* HEAD request, 1xx, 204, 304 */
    EAS_HTTP_BODY_LENGTH,  /* Content-Length */
    EAS_HTTP_BODY_CHUNKED, /* Transfer-Encoding: chunked */
    EAS_HTTP_BODY_CLOSE    /* until the connection closes (the caller calls eas_http_parser_eof) */
} eas_http_body_mode;

struct eas_http_parser;

/* Called for every header of the final response (not of 1xx ones), value trimmed. Not NUL-terminated. */
typedef eas_err (*eas_http_header_fn)(void *ctx, const char *name, size_t name_len, const char *value,
                                      size_t value_len);
/* Called once when the final response's head is complete, before any body byte: status, headers and
 * framing can be read from p. An error stops the parser and comes back from feed unchanged. */
typedef eas_err (*eas_http_head_fn)(void *ctx, const struct eas_http_parser *p);

typedef struct eas_http_callbacks {
    eas_sink body;                /* the body, de-chunked, in pieces; write NULL: discarded */
    eas_http_header_fn on_header; /* may be NULL */
    eas_http_head_fn on_head;     /* may be NULL */
    void *ctx;                    /* for on_header and on_head */
} eas_http_callbacks;

/* Flags of eas_http_parser_init. */
#define EAS_HTTP_REQ_HEAD 0x01u /* the request was HEAD: the response has no body whatever it says */

typedef struct eas_http_slot_ {
    uint16_t off, len;
} eas_http_slot_;

/* The parser. Its fields are private; its size is about EAS_HTTP_HEADER_MAX + 160 bytes. */
typedef struct eas_http_parser {
    eas_http_callbacks cb;
    uint64_t pos;            /* bytes consumed since init */
    uint64_t remaining;      /* of the body (Content-Length) or of the current chunk */
    uint64_t content_length;
    uint64_t line_pos;       /* stream offset of the current line's first byte */
    uint64_t mark;           /* start of the chunk-size line or of the trailer section */
    uint64_t err_offset;
    eas_err err;
    uint16_t status;
    uint16_t vend;           /* end of the captured values in buf; the current line follows */
    uint16_t line_len;
    uint16_t present;        /* bit per eas_http_hdr */
    uint8_t state;
    uint8_t flags;
    uint8_t minor;           /* HTTP/1.minor */
    uint8_t body_mode;       /* eas_http_body_mode */
    uint8_t bits;            /* pending line, interim, keep-alive, head complete */
    eas_http_slot_ slot[EAS_HTTP_H_COUNT];
    char buf[EAS_HTTP_HEADER_MAX];
} eas_http_parser;

/* Prepares p for one response. cb may be NULL (body discarded); it is copied. */
void eas_http_parser_init(eas_http_parser *p, const eas_http_callbacks *cb, unsigned flags);

/* Feeds the next len bytes. Stops at the end of the response: *consumed tells how many bytes were
 * used (the rest belongs to whatever follows). With consumed NULL, bytes after the end of the response
 * are EAS_ERR_HTTP_MALFORMED. Errors: EAS_ERR_HTTP_MALFORMED, _HEADER_TOO_LARGE, _CHUNK, _STATUS (101),
 * EAS_ERR_UNSUPPORTED (a transfer coding other than chunked), or a callback's own error; the byte
 * offset is then eas_http_parser_error_offset. Errors are sticky. */
eas_err eas_http_parser_feed(eas_http_parser *p, const uint8_t *data, size_t len, size_t *consumed);
/* The peer closed the connection: ends a body delimited by the close; anywhere else before the end of
 * the response it is EAS_ERR_HTTP_TRUNCATED (offset = bytes received). */
eas_err eas_http_parser_eof(eas_http_parser *p);

bool eas_http_parser_done(const eas_http_parser *p);
/* The final response's head has been read (status and headers are valid). */
bool eas_http_parser_head_complete(const eas_http_parser *p);
uint16_t eas_http_parser_status(const eas_http_parser *p);
/* 0 for HTTP/1.0, 1 for HTTP/1.1. */
unsigned eas_http_parser_minor(const eas_http_parser *p);
/* May the connection carry another request after this response? HTTP/1.1: yes unless
 * "Connection: close"; HTTP/1.0: only with "Connection: keep-alive"; never when the body ran to the
 * close or the framing was doubtful (Transfer-Encoding and Content-Length together). */
bool eas_http_parser_keep_alive(const eas_http_parser *p);
eas_http_body_mode eas_http_parser_body_mode(const eas_http_parser *p);
/* The Content-Length value (0 when there was none). */
uint64_t eas_http_parser_content_length(const eas_http_parser *p);
/* A captured header's value, NUL-terminated, OWS trimmed, or NULL when absent. len may be NULL. */
const char *eas_http_parser_header(const eas_http_parser *p, eas_http_hdr h, size_t *len);
/* Bytes consumed so far (0 after a close before any byte: the server dropped a kept-alive connection). */
uint64_t eas_http_parser_offset(const eas_http_parser *p);
/* Stream offset of the byte at which the error was found. */
uint64_t eas_http_parser_error_offset(const eas_http_parser *p);

/* ============================================================================ utilities ===== */

/* An HTTP-date (RFC 9110 5.6.7: IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", and the obsolete RFC 850
 * and asctime forms) into seconds since 1970. EAS_ERR_ARG when it is not one. */
eas_err eas_http_parse_date(const char *s, size_t len, int64_t *out);

/* Case-insensitive: does the comma-separated list s[0..len) hold token tok? */
bool eas_http_list_has(const char *s, size_t len, const char *tok);

#endif
