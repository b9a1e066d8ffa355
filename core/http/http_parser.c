/* Incremental HTTP/1.x response parser (RFC 9112), one byte-driven state machine.
 *
 * Memory: one buffer of EAS_HTTP_HEADER_MAX bytes. Its front holds the captured header values
 * (NUL-terminated, compacted as each header line is read); the header line being read follows them.
 * A line is kept until the first byte of the next one is seen, because a line starting with SP/HT
 * continues it (obs-fold). Body bytes never touch the buffer: they go from the caller's input straight
 * to the body sink. */
#include <string.h>

#include "eas/bytes.h"
#include "eas/http.h"

_Static_assert(EAS_HTTP_HEADER_MAX >= 64u && EAS_HTTP_HEADER_MAX <= 65535u,
               "EAS_HTTP_HEADER_MAX must be 64..65535 (offsets are 16-bit)");
_Static_assert(EAS_HTTP_H_COUNT <= 16, "present is a 16-bit mask");

enum {
    ST_STATUS,
    ST_STATUS_CR,
    ST_HDR_START,
    ST_HDR_NAME,
    ST_HDR_VALUE,
    ST_HDR_CR,
    ST_HEAD_END_CR,
    ST_BODY_LENGTH,
    ST_BODY_CLOSE,
    ST_CHUNK_SIZE,
    ST_CHUNK_SIZE_MORE,
    ST_CHUNK_BWS,
    ST_CHUNK_EXT,
    ST_CHUNK_SIZE_CR,
    ST_CHUNK_DATA,
    ST_CHUNK_DATA_CR,
    ST_CHUNK_DATA_LF,
    ST_TRAILER_START,
    ST_TRAILER_NAME,
    ST_TRAILER_VALUE,
    ST_TRAILER_CR,
    ST_TRAILER_END_CR,
    ST_DONE,
    ST_ERROR
};

/* bits */
#define B_PENDING 0x01u   /* a complete header line waits in the buffer */
#define B_INTERIM 0x02u   /* the current head is a 1xx response */
#define B_KEEP 0x04u      /* keep-alive */
#define B_HEAD_DONE 0x08u /* the final head is complete */
#define B_HAS_CL 0x10u

static const char *const header_names[EAS_HTTP_H_COUNT] = {
    "Content-Length",        "Transfer-Encoding",     "Connection",          "Content-Type",
    "Date",                  "Retry-After",           "X-MS-Location",       "X-MS-ASThrottle",
    "X-MS-PolicyKey",        "MS-ASProtocolVersions", "MS-ASProtocolCommands", "MS-Server-ActiveSync",
    "X-MS-Credential-Service-Url",
};

static int is_tchar(uint8_t c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.':
    case '^': case '_': case '`': case '|': case '~':
        return 1;
    default:
        return 0;
    }
}

/* Bytes that may not appear in a field value, reason phrase or chunk extension. */
static int is_bad_ctl(uint8_t c) { return (c < 0x20 && c != '\t') || c == 0x7F; }

static int hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}


bool eas_http_list_has(const char *s, size_t len, const char *tok)
{
    size_t i = 0;
    if (!s || !tok) return false;
    while (i < len) {
        size_t a, b;
        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == ',')) i++;
        a = i;
        while (i < len && s[i] != ',') i++;
        b = i;
        while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) b--;
        if (b > a && eas_ascii_ieq(s + a, b - a, tok)) return true;
    }
    return false;
}

static eas_err bad(eas_http_parser *p, eas_err err, uint64_t offset)
{
    p->err = err;
    p->err_offset = offset;
    p->state = ST_ERROR;
    return err;
}

void eas_http_parser_init(eas_http_parser *p, const eas_http_callbacks *cb, unsigned flags)
{
    memset(p, 0, sizeof *p);
    if (cb) p->cb = *cb;
    p->flags = (uint8_t)flags;
    p->state = ST_STATUS;
}

static void reverse(char *b, size_t from, size_t to)
{
    while (from + 1 < to) {
        char t = b[from];
        b[from] = b[to - 1];
        b[to - 1] = t;
        from++;
        to--;
    }
}

/* Keeps the value buf[voff..voff+vlen) (inside the current line) for header h. */
static void capture(eas_http_parser *p, unsigned h, size_t voff, size_t vlen)
{
    size_t vend = p->vend;
    memmove(p->buf + vend, p->buf + voff, vlen);
    p->buf[vend + vlen] = '\0';
    if (!(p->present & (1u << h))) {
        p->slot[h].off = (uint16_t)vend;
        p->slot[h].len = (uint16_t)vlen;
        p->present |= (uint16_t)(1u << h);
        p->vend = (uint16_t)(vend + vlen + 1);
        return;
    }
    /* A repeat: the new piece now sits after all values; turn the old value's NUL into ',' and rotate
     * the piece to just after it (three reversals), shifting the values in between. */
    size_t e = (size_t)p->slot[h].off + p->slot[h].len;
    size_t end = vend + vlen + 1;
    p->buf[e] = ',';
    reverse(p->buf, e + 1, vend);
    reverse(p->buf, vend, end);
    reverse(p->buf, e + 1, end);
    for (unsigned k = 0; k < EAS_HTTP_H_COUNT; k++) {
        if (k != h && (p->present & (1u << k)) && p->slot[k].off > e)
            p->slot[k].off = (uint16_t)(p->slot[k].off + vlen + 1);
    }
    p->slot[h].len = (uint16_t)(p->slot[h].len + 1 + vlen);
    p->vend = (uint16_t)end;
}

/* Content-Length: 1*DIGIT, or a list of identical values (RFC 9110 8.6); all repeats must agree. */
static eas_err take_content_length(eas_http_parser *p, const char *v, size_t n, uint64_t at)
{
    size_t i = 0;
    while (i <= n) {
        size_t a = i, b;
        uint64_t x = 0;
        while (i < n && v[i] != ',') i++;
        b = i;
        while (a < b && (v[a] == ' ' || v[a] == '\t')) a++;
        while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t')) b--;
        if (a == b) return bad(p, EAS_ERR_HTTP_MALFORMED, at + a);
        for (size_t k = a; k < b; k++) {
            if (v[k] < '0' || v[k] > '9') return bad(p, EAS_ERR_HTTP_MALFORMED, at + k);
            if (x > (UINT64_MAX - 9u) / 10u) return bad(p, EAS_ERR_HTTP_MALFORMED, at + k);
            x = x * 10u + (uint64_t)(v[k] - '0');
        }
        if ((p->bits & B_HAS_CL) && x != p->content_length) return bad(p, EAS_ERR_HTTP_MALFORMED, at + a);
        p->content_length = x;
        p->bits |= B_HAS_CL;
        i++; /* past ',' (or past the end) */
    }
    return EAS_OK;
}

/* The line "name:value" waiting at buf[vend..vend+line_len). */
static eas_err process_header(eas_http_parser *p)
{
    char *line = p->buf + p->vend;
    size_t n = p->line_len, colon = 0, v, e;
    while (colon < n && line[colon] != ':') colon++; /* present: the name state ends at ':' */
    v = colon + 1;
    e = n;
    while (v < e && (line[v] == ' ' || line[v] == '\t')) v++;
    while (e > v && (line[e - 1] == ' ' || line[e - 1] == '\t')) e--;
    if (p->bits & B_INTERIM) return EAS_OK;
    if (p->cb.on_header) {
        eas_err err = p->cb.on_header(p->cb.ctx, line, colon, line + v, e - v);
        if (err) return bad(p, err, p->line_pos);
    }
    for (unsigned h = 0; h < EAS_HTTP_H_COUNT; h++) {
        if (!eas_ascii_ieq(line, colon, header_names[h])) continue;
        if (h == EAS_HTTP_H_CONTENT_LENGTH) {
            eas_err err = take_content_length(p, line + v, e - v, p->line_pos + v);
            if (err) return err;
        }
        capture(p, h, (size_t)p->vend + v, e - v);
        break;
    }
    return EAS_OK;
}

static eas_err parse_status_line(eas_http_parser *p)
{
    const char *l = p->buf; /* vend is 0 while the status line is read */
    size_t n = p->line_len;
    uint64_t at = p->line_pos;
    unsigned status = 0;
    if (n < 8 || l[7] < '0' || l[7] > '9') return bad(p, EAS_ERR_HTTP_MALFORMED, at + (n < 8 ? n : 7));
    if (n < 9 || l[8] != ' ') return bad(p, EAS_ERR_HTTP_MALFORMED, at + 8);
    for (size_t k = 9; k < 12; k++) {
        if (k >= n || l[k] < '0' || l[k] > '9') return bad(p, EAS_ERR_HTTP_MALFORMED, at + k);
        status = status * 10u + (unsigned)(l[k] - '0');
    }
    if (n > 12 && l[12] != ' ') return bad(p, EAS_ERR_HTTP_MALFORMED, at + 12);
    if (status < 100) return bad(p, EAS_ERR_HTTP_MALFORMED, at + 9);
    p->status = (uint16_t)status;
    p->minor = (uint8_t)(l[7] - '0');
    if (status < 200) p->bits |= B_INTERIM;
    else p->bits &= (uint8_t)~B_INTERIM;
    return EAS_OK;
}

/* Transfer-Encoding: only "chunked", once, last. Anything else would hand coded bytes to the body
 * consumer, so it is refused rather than passed on. */
static eas_err check_transfer_encoding(eas_http_parser *p, const char *s, size_t n)
{
    size_t i = 0;
    unsigned chunked = 0, items = 0, last_chunked = 0;
    while (i < n) {
        size_t a, b;
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == ',')) i++;
        if (i >= n) break;
        a = i;
        while (i < n && s[i] != ',') i++;
        b = i;
        while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) b--;
        items++;
        last_chunked = eas_ascii_ieq(s + a, b - a, "chunked");
        if (last_chunked) chunked++;
        else return bad(p, EAS_ERR_UNSUPPORTED, p->pos);
    }
    if (items == 0 || chunked != 1 || !last_chunked) return bad(p, EAS_ERR_HTTP_MALFORMED, p->pos);
    return EAS_OK;
}

/* The empty line ending a head has just been read (its LF is at p->pos). */
static eas_err head_end(eas_http_parser *p)
{
    size_t n;
    const char *te, *conn;
    if (p->bits & B_INTERIM) {
        /* 100 Continue and other interim responses are skipped; 101 would switch protocols, which
         * this client never asks for. */
        if (p->status == 101) return bad(p, EAS_ERR_HTTP_STATUS, p->pos);
        p->vend = 0;
        p->line_len = 0;
        p->present = 0;
        p->bits = 0;
        p->content_length = 0;
        p->state = ST_STATUS;
        return EAS_OK;
    }
    conn = eas_http_parser_header(p, EAS_HTTP_H_CONNECTION, &n);
    if (p->minor >= 1) {
        if (!conn || !eas_http_list_has(conn, n, "close")) p->bits |= B_KEEP;
    } else if (conn && eas_http_list_has(conn, n, "keep-alive") && !eas_http_list_has(conn, n, "close")) {
        p->bits |= B_KEEP;
    }
    te = eas_http_parser_header(p, EAS_HTTP_H_TRANSFER_ENCODING, &n);
    if ((p->flags & EAS_HTTP_REQ_HEAD) || p->status == 204 || p->status == 304) {
        p->body_mode = EAS_HTTP_BODY_NONE;
    } else if (te) {
        /* RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 means the framing cannot be trusted. */
        if (p->minor == 0) return bad(p, EAS_ERR_HTTP_MALFORMED, p->pos);
        eas_err err = check_transfer_encoding(p, te, n);
        if (err) return err;
        p->body_mode = EAS_HTTP_BODY_CHUNKED;
        /* Both framings present: chunked wins, but the connection is not trusted afterwards. */
        if (p->bits & B_HAS_CL) p->bits &= (uint8_t)~B_KEEP;
    } else if (p->bits & B_HAS_CL) {
        p->body_mode = EAS_HTTP_BODY_LENGTH;
    } else {
        p->body_mode = EAS_HTTP_BODY_CLOSE;
        p->bits &= (uint8_t)~B_KEEP;
    }
    p->bits |= B_HEAD_DONE;
    if (p->cb.on_head) {
        eas_err err = p->cb.on_head(p->cb.ctx, p);
        if (err) return bad(p, err, p->pos);
    }
    switch (p->body_mode) {
    case EAS_HTTP_BODY_LENGTH:
        p->remaining = p->content_length;
        p->state = p->remaining ? ST_BODY_LENGTH : ST_DONE;
        break;
    case EAS_HTTP_BODY_CHUNKED:
        p->state = ST_CHUNK_SIZE;
        p->mark = p->pos + 1;
        break;
    case EAS_HTTP_BODY_CLOSE:
        p->state = ST_BODY_CLOSE;
        break;
    default:
        p->state = ST_DONE;
        break;
    }
    return EAS_OK;
}

static eas_err append(eas_http_parser *p, uint8_t c)
{
    if ((size_t)p->vend + p->line_len >= EAS_HTTP_HEADER_MAX) return bad(p, EAS_ERR_HTTP_HEADER_TOO_LARGE, p->pos);
    p->buf[p->vend + p->line_len] = (char)c;
    p->line_len++;
    return EAS_OK;
}

static eas_err chunk_size_done(eas_http_parser *p)
{
    if (p->remaining == 0) {
        p->state = ST_TRAILER_START;
        p->mark = p->pos + 1;
    } else {
        p->state = ST_CHUNK_DATA;
    }
    return EAS_OK;
}

/* After the chunk size: optional whitespace, extensions (";name[=value]", skipped), then CRLF. */
static eas_err chunk_line_tail(eas_http_parser *p, uint8_t c)
{
    if (c == '\r') {
        p->state = ST_CHUNK_SIZE_CR;
        return EAS_OK;
    }
    if (c == '\n') return chunk_size_done(p);
    if (p->state == ST_CHUNK_EXT) return is_bad_ctl(c) ? bad(p, EAS_ERR_HTTP_CHUNK, p->pos) : EAS_OK;
    if (c == ' ' || c == '\t') {
        p->state = ST_CHUNK_BWS;
        return EAS_OK;
    }
    if (c == ';') {
        p->state = ST_CHUNK_EXT;
        return EAS_OK;
    }
    return bad(p, EAS_ERR_HTTP_CHUNK, p->pos);
}

/* The LF closing a chunk's data. */
static eas_err chunk_data_lf(eas_http_parser *p, uint8_t c)
{
    if (c != '\n') return bad(p, EAS_ERR_HTTP_CHUNK, p->pos);
    p->state = ST_CHUNK_SIZE;
    p->mark = p->pos + 1;
    return EAS_OK;
}

/* The LF of the status line, or of an empty line before it (tolerated). */
static eas_err status_line_end(eas_http_parser *p)
{
    eas_err err;
    if (p->line_len == 0) {
        p->state = ST_STATUS;
        return EAS_OK;
    }
    err = parse_status_line(p);
    if (err) return err;
    p->line_len = 0;
    p->state = ST_HDR_START;
    return EAS_OK;
}

/* One byte of a head, a chunk-size line, the CRLF after chunk data, or a trailer. */
static eas_err step(eas_http_parser *p, uint8_t c)
{
    static const char prefix[] = "HTTP/1.";
    eas_err err;
    if (p->state <= ST_HEAD_END_CR && p->pos >= EAS_HTTP_HEAD_TOTAL_MAX)
        return bad(p, EAS_ERR_HTTP_HEAD_TOO_LARGE, p->pos);
    if (p->state >= ST_CHUNK_SIZE && p->state <= ST_CHUNK_SIZE_CR && p->pos - p->mark >= EAS_HTTP_CHUNK_LINE_MAX)
        return bad(p, EAS_ERR_HTTP_CHUNK, p->pos);
    if (p->state >= ST_TRAILER_START && p->state <= ST_TRAILER_END_CR && p->pos - p->mark >= EAS_HTTP_HEADER_MAX)
        return bad(p, EAS_ERR_HTTP_HEADER_TOO_LARGE, p->pos);

    switch (p->state) {
    case ST_STATUS:
        if (c == '\r') {
            p->state = ST_STATUS_CR;
            return EAS_OK;
        }
        if (c == '\n') return status_line_end(p);
        if (p->line_len < sizeof prefix - 1) {
            if (c != (uint8_t)prefix[p->line_len]) return bad(p, EAS_ERR_HTTP_MALFORMED, p->pos);
        } else if (is_bad_ctl(c)) {
            return bad(p, EAS_ERR_HTTP_MALFORMED, p->pos);
        }
        if (p->line_len == 0) p->line_pos = p->pos;
        return append(p, c);

    case ST_STATUS_CR:
        if (c != '\n') return bad(p, EAS_ERR_HTTP_MALFORMED, p->pos);
        return status_line_end(p);

    case ST_HDR_START:
        if (c == ' ' || c == '\t') {
            if (!(p->bits & B_PENDING)) return bad(p, EAS_ERR_HTTP_MALFORMED, p->pos);
            p->bits &= (uint8_t)~B_PENDING; /* obs-fold: the line goes on, joined by one SP */
            p->state = ST_HDR_VALUE;
            return append(p, ' ');
        }
        if (p->bits & B_PENDING) {
            p->bits &= (uint8_t)~B_PENDING;
            err = process_header(p);
            if (err) return err;
            p->line_len = 0;
        }
        if (c == '\r') {
            p->state = ST_HEAD_END_CR;
            return EAS_OK;
        }
        if (c == '\n') return head_end(p);
        if (!is_tchar(c)) return bad(p, EAS_ERR_HTTP_MALFORMED, p->pos);
        p->line_pos = p->pos;
        p->state = ST_HDR_NAME;
        return append(p, c);

    case ST_HDR_NAME:
        if (c == ':') {
            p->state = ST_HDR_VALUE;
            return append(p, c);
        }
        if (!is_tchar(c)) return bad(p, EAS_ERR_HTTP_MALFORMED, p->pos);
        return append(p, c);

    case ST_HDR_VALUE:
        if (c == '\r') {
            p->state = ST_HDR_CR;
            return EAS_OK;
        }
        if (c == '\n') {
            p->bits |= B_PENDING;
            p->state = ST_HDR_START;
            return EAS_OK;
        }
        if (is_bad_ctl(c)) return bad(p, EAS_ERR_HTTP_MALFORMED, p->pos);
        return append(p, c);

    case ST_HDR_CR:
        if (c != '\n') return bad(p, EAS_ERR_HTTP_MALFORMED, p->pos);
        p->bits |= B_PENDING;
        p->state = ST_HDR_START;
        return EAS_OK;

    case ST_HEAD_END_CR:
        if (c != '\n') return bad(p, EAS_ERR_HTTP_MALFORMED, p->pos);
        return head_end(p);

    case ST_CHUNK_SIZE: {
        int d = hex_value(c);
        if (d < 0) return bad(p, EAS_ERR_HTTP_CHUNK, p->pos);
        p->remaining = (uint64_t)d;
        p->state = ST_CHUNK_SIZE_MORE;
        return EAS_OK;
    }
    case ST_CHUNK_SIZE_MORE: {
        int d = hex_value(c);
        if (d < 0) return chunk_line_tail(p, c);
        if (p->remaining > (UINT64_MAX >> 4)) return bad(p, EAS_ERR_HTTP_CHUNK, p->pos);
        p->remaining = (p->remaining << 4) | (uint64_t)d;
        return EAS_OK;
    }
    case ST_CHUNK_BWS:
    case ST_CHUNK_EXT:
        return chunk_line_tail(p, c);

    case ST_CHUNK_SIZE_CR:
        if (c != '\n') return bad(p, EAS_ERR_HTTP_CHUNK, p->pos);
        return chunk_size_done(p);

    case ST_CHUNK_DATA_CR:
        if (c == '\r') {
            p->state = ST_CHUNK_DATA_LF;
            return EAS_OK;
        }
        return chunk_data_lf(p, c);

    case ST_CHUNK_DATA_LF:
        return chunk_data_lf(p, c);

    case ST_TRAILER_START:
        if (c == '\r') {
            p->state = ST_TRAILER_END_CR;
            return EAS_OK;
        }
        if (c == '\n') {
            p->state = ST_DONE;
            return EAS_OK;
        }
        if (!is_tchar(c)) return bad(p, EAS_ERR_HTTP_CHUNK, p->pos);
        p->state = ST_TRAILER_NAME;
        return EAS_OK;

    case ST_TRAILER_NAME:
        if (c == ':') p->state = ST_TRAILER_VALUE;
        else if (!is_tchar(c)) return bad(p, EAS_ERR_HTTP_CHUNK, p->pos);
        return EAS_OK;

    case ST_TRAILER_VALUE:
        if (c == '\r') p->state = ST_TRAILER_CR;
        else if (c == '\n') p->state = ST_TRAILER_START;
        else if (is_bad_ctl(c)) return bad(p, EAS_ERR_HTTP_CHUNK, p->pos);
        return EAS_OK;

    case ST_TRAILER_CR:
        if (c != '\n') return bad(p, EAS_ERR_HTTP_CHUNK, p->pos);
        p->state = ST_TRAILER_START;
        return EAS_OK;

    case ST_TRAILER_END_CR:
        if (c != '\n') return bad(p, EAS_ERR_HTTP_CHUNK, p->pos);
        p->state = ST_DONE;
        return EAS_OK;

    default:
        return bad(p, EAS_ERR_STATE, p->pos);
    }
}

static eas_err deliver(eas_http_parser *p, const uint8_t *d, size_t n)
{
    if (p->cb.body.write) {
        eas_err err = p->cb.body.write(p->cb.body.ctx, d, n);
        if (err) return bad(p, err, p->pos);
    }
    return EAS_OK;
}

eas_err eas_http_parser_feed(eas_http_parser *p, const uint8_t *data, size_t len, size_t *consumed)
{
    size_t i = 0;
    eas_err err = EAS_OK;
    if (consumed) *consumed = 0;
    if (!p) return EAS_ERR_ARG;
    if (p->state == ST_ERROR) return p->err;
    if (!data && len) return EAS_ERR_ARG;
    while (i < len && p->state != ST_DONE) {
        size_t avail = len - i;
        if (p->state == ST_BODY_LENGTH || p->state == ST_CHUNK_DATA || p->state == ST_BODY_CLOSE) {
            size_t n = avail;
            if (p->state != ST_BODY_CLOSE && p->remaining < (uint64_t)n) n = (size_t)p->remaining;
            err = deliver(p, data + i, n);
            if (err) break;
            i += n;
            p->pos += n;
            if (p->state == ST_BODY_CLOSE) continue;
            p->remaining -= n;
            if (p->remaining == 0) p->state = (p->state == ST_BODY_LENGTH) ? ST_DONE : ST_CHUNK_DATA_CR;
            continue;
        }
        err = step(p, data[i]);
        if (err) break;
        i++;
        p->pos++;
    }
    if (consumed) *consumed = i;
    if (err) return err;
    if (!consumed && i < len) return bad(p, EAS_ERR_HTTP_MALFORMED, p->pos);
    return EAS_OK;
}

eas_err eas_http_parser_eof(eas_http_parser *p)
{
    if (!p) return EAS_ERR_ARG;
    if (p->state == ST_ERROR) return p->err;
    if (p->state == ST_DONE) return EAS_OK;
    if (p->state == ST_BODY_CLOSE) {
        p->state = ST_DONE;
        return EAS_OK;
    }
    return bad(p, EAS_ERR_HTTP_TRUNCATED, p->pos);
}

bool eas_http_parser_done(const eas_http_parser *p) { return p->state == ST_DONE; }
bool eas_http_parser_head_complete(const eas_http_parser *p) { return (p->bits & B_HEAD_DONE) != 0; }
uint16_t eas_http_parser_status(const eas_http_parser *p) { return p->status; }
unsigned eas_http_parser_minor(const eas_http_parser *p) { return p->minor >= 1 ? 1u : 0u; }
bool eas_http_parser_keep_alive(const eas_http_parser *p) { return (p->bits & B_KEEP) != 0; }
eas_http_body_mode eas_http_parser_body_mode(const eas_http_parser *p) { return (eas_http_body_mode)p->body_mode; }
uint64_t eas_http_parser_content_length(const eas_http_parser *p) { return p->content_length; }
uint64_t eas_http_parser_offset(const eas_http_parser *p) { return p->pos; }
uint64_t eas_http_parser_error_offset(const eas_http_parser *p) { return p->err_offset; }

const char *eas_http_parser_header(const eas_http_parser *p, eas_http_hdr h, size_t *len)
{
    if ((unsigned)h >= EAS_HTTP_H_COUNT || !(p->present & (1u << h))) {
        if (len) *len = 0;
        return NULL;
    }
    if (len) *len = p->slot[h].len;
    return p->buf + p->slot[h].off;
}
