/* Streaming WBXML writer: each token goes to the sink as soon as it is known. */
#include <string.h>

#include "eas/wbxml.h"

/* WBXML 1.3, public id 1 (unknown), charset 106 (UTF-8), empty string table. */
static const uint8_t header[4] = {0x03, 0x01, 0x6A, 0x00};

void eas_wbxml_writer_init(eas_wbxml_writer *w, eas_sink sink)
{
    memset(w, 0, sizeof *w);
    w->sink = sink;
}

static eas_err emit(eas_wbxml_writer *w, const uint8_t *data, size_t len)
{
    if (w->err != EAS_OK) return w->err;
    if (len > UINT32_MAX - w->bytes) return w->err = EAS_ERR_NOSPACE;
    if (w->sink.write) {
        eas_err e = w->sink.write(w->sink.ctx, data, len);
        if (e != EAS_OK) return w->err = e;
    }
    w->bytes += (uint32_t)len;
    return EAS_OK;
}

static eas_err emit_byte(eas_wbxml_writer *w, uint8_t b) { return emit(w, &b, 1); }

static eas_err emit_mb_u_int32(eas_wbxml_writer *w, uint32_t v)
{
    /* Seven bits per byte, most significant group first, continuation bit on all but the last. */
    uint8_t buf[5];
    size_t n = 5;
    buf[--n] = (uint8_t)(v & 0x7Fu);
    for (v >>= 7; v; v >>= 7) buf[--n] = (uint8_t)(0x80u | (v & 0x7Fu));
    return emit(w, buf + n, 5 - n);
}

/* A token may follow only when no string or opaque value is half written. */
static eas_err token_ok(eas_wbxml_writer *w)
{
    if (w->err != EAS_OK) return w->err;
    if (w->in_string || w->opaque_left) return w->err = EAS_ERR_STATE;
    return EAS_OK;
}

static eas_err begin_tag(eas_wbxml_writer *w, eas_tag tag, int content)
{
    if (token_ok(w) != EAS_OK) return w->err;
    if (w->root_closed) return w->err = EAS_ERR_STATE;
    uint8_t page = EAS_TAG_PAGE(tag), token = EAS_TAG_TOKEN(tag);
    if (!eas_wbxml_tag_known(page, token)) return w->err = EAS_ERR_ARG;
    if (content && w->depth == EAS_WBXML_MAX_DEPTH) return w->err = EAS_ERR_WBXML_DEPTH;
    if (!w->header_done) {
        if (emit(w, header, sizeof header) != EAS_OK) return w->err;
        w->header_done = 1;
    }
    if (page != w->page) {
        uint8_t sw[2] = {EAS_WBXML_SWITCH_PAGE, page};
        if (emit(w, sw, 2) != EAS_OK) return w->err;
        w->page = page;
    }
    if (emit_byte(w, (uint8_t)(token | (content ? EAS_WBXML_TAG_CONTENT : 0))) != EAS_OK) return w->err;
    if (content) w->depth++;
    else if (w->depth == 0) w->root_closed = 1;
    return EAS_OK;
}

eas_err eas_wbxml_start(eas_wbxml_writer *w, eas_tag tag) { return begin_tag(w, tag, 1); }

eas_err eas_wbxml_empty(eas_wbxml_writer *w, eas_tag tag) { return begin_tag(w, tag, 0); }

eas_err eas_wbxml_end(eas_wbxml_writer *w)
{
    if (token_ok(w) != EAS_OK) return w->err;
    if (w->depth == 0) return w->err = EAS_ERR_STATE;
    if (emit_byte(w, EAS_WBXML_END) != EAS_OK) return w->err;
    if (--w->depth == 0) w->root_closed = 1;
    return EAS_OK;
}

eas_err eas_wbxml_str_begin(eas_wbxml_writer *w)
{
    if (token_ok(w) != EAS_OK) return w->err;
    if (w->depth == 0) return w->err = EAS_ERR_STATE;
    if (emit_byte(w, EAS_WBXML_STR_I) != EAS_OK) return w->err;
    w->in_string = 1;
    return EAS_OK;
}

eas_err eas_wbxml_str_part(eas_wbxml_writer *w, const char *s, size_t len)
{
    if (w->err != EAS_OK) return w->err;
    if (!w->in_string) return w->err = EAS_ERR_STATE;
    if (len && memchr(s, 0, len)) return w->err = EAS_ERR_ARG;
    return len ? emit(w, (const uint8_t *)s, len) : EAS_OK;
}

eas_err eas_wbxml_str_end(eas_wbxml_writer *w)
{
    if (w->err != EAS_OK) return w->err;
    if (!w->in_string) return w->err = EAS_ERR_STATE;
    w->in_string = 0;
    return emit_byte(w, 0x00);
}

eas_err eas_wbxml_str(eas_wbxml_writer *w, const char *s, size_t len)
{
    eas_wbxml_str_begin(w);
    eas_wbxml_str_part(w, s, len);
    return eas_wbxml_str_end(w);
}

eas_err eas_wbxml_opaque_begin(eas_wbxml_writer *w, uint32_t total)
{
    if (token_ok(w) != EAS_OK) return w->err;
    if (w->depth == 0) return w->err = EAS_ERR_STATE;
    if (emit_byte(w, EAS_WBXML_OPAQUE) != EAS_OK) return w->err;
    if (emit_mb_u_int32(w, total) != EAS_OK) return w->err;
    w->opaque_left = total;
    return EAS_OK;
}

eas_err eas_wbxml_opaque_part(eas_wbxml_writer *w, const uint8_t *data, size_t len)
{
    if (w->err != EAS_OK) return w->err;
    if (len > w->opaque_left) return w->err = EAS_ERR_STATE;
    w->opaque_left -= (uint32_t)len;
    return len ? emit(w, data, len) : EAS_OK;
}

eas_err eas_wbxml_opaque(eas_wbxml_writer *w, const uint8_t *data, size_t len)
{
    if (len > UINT32_MAX) return w->err = EAS_ERR_ARG;
    eas_wbxml_opaque_begin(w, (uint32_t)len);
    return eas_wbxml_opaque_part(w, data, len);
}

eas_err eas_wbxml_text_element(eas_wbxml_writer *w, eas_tag tag, const char *s)
{
    eas_wbxml_start(w, tag);
    eas_wbxml_str(w, s, strlen(s));
    return eas_wbxml_end(w);
}

eas_err eas_wbxml_writer_finish(const eas_wbxml_writer *w)
{
    if (w->err != EAS_OK) return w->err;
    return (w->root_closed && !w->in_string && !w->opaque_left) ? EAS_OK : EAS_ERR_STATE;
}
