/* HTTP/1.1 request writer: each piece goes to the sink as it is produced; nothing is buffered here.
 * Everything that reaches the wire is checked first, so that no caller-supplied text (a user name,
 * a device id, a token) can end a header line early and smuggle in a header or a second request. */
#include <string.h>

#include "eas/http.h"

enum { W_IDLE, W_HEAD, W_BODY, W_DONE };

static int is_tchar(uint8_t c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Length of s, or max + 1 if it is longer than max (a bounded strlen). */
static size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n <= max && s[n] != '\0') n++;
    return n;
}

static int is_token(const char *s, size_t max)
{
    size_t n = bounded_len(s, max);
    if (n == 0 || n > max) return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_tchar((uint8_t)s[i])) return 0;
    return 1;
}

static eas_err emit(eas_http_writer *w, const void *data, size_t len)
{
    if (w->err) return w->err;
    if (len == 0) return EAS_OK;
    if (w->sink.write) {
        eas_err err = w->sink.write(w->sink.ctx, (const uint8_t *)data, len);
        if (err) {
            w->err = err;
            return err;
        }
    }
    w->bytes += len;
    return EAS_OK;
}

static eas_err emit_str(eas_http_writer *w, const char *s) { return emit(w, s, strlen(s)); }

eas_err eas_http_writer_begin(eas_http_writer *w, eas_sink sink, const char *method, const char *target)
{
    size_t tlen;
    eas_err err;
    if (!w || !method || !target) return EAS_ERR_ARG;
    memset(w, 0, sizeof *w);
    w->sink = sink;
    if (!is_token(method, 32)) return EAS_ERR_ARG;
    tlen = bounded_len(target, EAS_HTTP_TARGET_MAX);
    if (tlen == 0 || tlen > EAS_HTTP_TARGET_MAX) return EAS_ERR_ARG;
    if (target[0] != '/' && !(tlen == 1 && target[0] == '*')) return EAS_ERR_ARG;
    for (size_t i = 0; i < tlen; i++) {
        uint8_t c = (uint8_t)target[i];
        if (c <= 0x20 || c >= 0x7F) return EAS_ERR_ARG;
    }
    if ((err = emit_str(w, method)) || (err = emit(w, " ", 1)) || (err = emit(w, target, tlen)) ||
        (err = emit_str(w, " HTTP/1.1\r\n")))
        return err;
    w->state = W_HEAD;
    return EAS_OK;
}

/* A token, and not one of the framing headers: those are the writer's business alone. */
static int header_name_ok(const char *name)
{
    static const char *const framing[] = {"content-length", "transfer-encoding"};
    size_t n;
    if (!is_token(name, 64)) return 0;
    n = strlen(name);
    for (size_t f = 0; f < sizeof framing / sizeof framing[0]; f++) {
        size_t k = 0;
        if (strlen(framing[f]) != n) continue;
        while (k < n && (name[k] | 0x20) == framing[f][k]) k++;
        if (k == n) return 0;
    }
    return 1;
}

eas_err eas_http_writer_header_n(eas_http_writer *w, const char *name, const char *value, size_t value_len)
{
    eas_err err;
    if (!w || !name || (!value && value_len)) return EAS_ERR_ARG;
    if (w->err) return w->err;
    if (w->state != W_HEAD) return EAS_ERR_STATE;
    if (!header_name_ok(name)) return EAS_ERR_ARG;
    if (value_len > EAS_HTTP_TARGET_MAX) return EAS_ERR_ARG;
    for (size_t i = 0; i < value_len; i++) {
        uint8_t c = (uint8_t)value[i];
        if ((c < 0x20 && c != '\t') || c == 0x7F) return EAS_ERR_ARG;
    }
    if ((err = emit_str(w, name)) || (err = emit(w, ": ", 2)) || (err = emit(w, value, value_len)) ||
        (err = emit(w, "\r\n", 2)))
        return err;
    return EAS_OK;
}

/* The sink handed to a streamed header value: every byte is checked as for header_n before it goes on. */
typedef struct value_sink {
    eas_http_writer *w;
    uint64_t len;
} value_sink;

static eas_err value_write(void *ctx, const uint8_t *data, size_t len)
{
    value_sink *v = ctx;
    for (size_t i = 0; i < len; i++)
        if ((data[i] < 0x20 && data[i] != '\t') || data[i] == 0x7F) return EAS_ERR_ARG;
    if (len > EAS_HTTP_STREAMED_VALUE_MAX - v->len) return EAS_ERR_ARG;
    v->len += len;
    return emit(v->w, data, len);
}

eas_err eas_http_writer_header_stream(eas_http_writer *w, const char *name, eas_http_value_fn value, void *ctx)
{
    value_sink v = {w, 0};
    eas_err err;
    if (!w || !name || !value) return EAS_ERR_ARG;
    if (w->err) return w->err;
    if (w->state != W_HEAD) return EAS_ERR_STATE;
    if (!header_name_ok(name)) return EAS_ERR_ARG;
    if ((err = emit_str(w, name)) || (err = emit(w, ": ", 2))) return err;
    if ((err = value(ctx, (eas_sink){value_write, &v})) != EAS_OK) {
        /* Half a header line is on its way: nothing after it may be taken for a request. */
        if (!w->err) w->err = err;
        return err;
    }
    return emit(w, "\r\n", 2);
}

eas_err eas_http_writer_header(eas_http_writer *w, const char *name, const char *value)
{
    size_t n;
    if (!value) return EAS_ERR_ARG;
    n = bounded_len(value, EAS_HTTP_TARGET_MAX);
    if (n > EAS_HTTP_TARGET_MAX) return EAS_ERR_ARG;
    return eas_http_writer_header_n(w, name, value, n);
}

eas_err eas_http_writer_content_length(eas_http_writer *w, uint64_t len)
{
    char digits[21];
    size_t n = sizeof digits;
    uint64_t declared = len;
    eas_err err;
    if (!w) return EAS_ERR_ARG;
    if (w->err) return w->err;
    if (w->state != W_HEAD || w->has_length) return EAS_ERR_STATE;
    do {
        digits[--n] = (char)('0' + (len % 10u));
        len /= 10u;
    } while (len && n > 0);
    if ((err = emit_str(w, "Content-Length: ")) || (err = emit(w, digits + n, sizeof digits - n)) ||
        (err = emit(w, "\r\n", 2)))
        return err;
    w->has_length = 1;
    w->body_declared = declared;
    return EAS_OK;
}

eas_err eas_http_writer_end_head(eas_http_writer *w)
{
    eas_err err;
    if (!w) return EAS_ERR_ARG;
    if (w->err) return w->err;
    if (w->state != W_HEAD) return EAS_ERR_STATE;
    if ((err = emit(w, "\r\n", 2))) return err;
    w->state = W_BODY;
    return EAS_OK;
}

eas_err eas_http_writer_body(eas_http_writer *w, const uint8_t *data, size_t len)
{
    eas_err err;
    if (!w || (!data && len)) return EAS_ERR_ARG;
    if (w->err) return w->err;
    if (w->state != W_BODY) return EAS_ERR_STATE;
    if ((uint64_t)len > w->body_declared - w->body_written) return EAS_ERR_ARG;
    if ((err = emit(w, data, len))) return err;
    w->body_written += len;
    return EAS_OK;
}

static eas_err body_sink_write(void *ctx, const uint8_t *data, size_t len)
{
    return eas_http_writer_body((eas_http_writer *)ctx, data, len);
}

eas_sink eas_http_writer_body_sink(eas_http_writer *w)
{
    eas_sink s;
    s.write = body_sink_write;
    s.ctx = w;
    return s;
}

eas_err eas_http_writer_finish(eas_http_writer *w)
{
    if (!w) return EAS_ERR_ARG;
    if (w->err) return w->err;
    if (w->state != W_BODY || w->body_written != w->body_declared) return EAS_ERR_STATE;
    w->state = W_DONE;
    return EAS_OK;
}
