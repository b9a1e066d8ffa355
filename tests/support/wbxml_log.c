#include "wbxml_log.h"

#include <stdio.h>
#include <string.h>

static void put(wbxml_log *log, const char *s, size_t n)
{
    if (log->len + n + 1 > log->cap) {
        log->overflow = 1;
        return;
    }
    memcpy(log->text + log->len, s, n);
    log->len += n;
    log->text[log->len] = '\0';
}

static void putf(wbxml_log *log, const char *fmt, unsigned a, unsigned b)
{
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, fmt, a, b);
    put(log, tmp, (size_t)n);
}

static eas_err on_start(void *user, eas_tag tag, int has_content)
{
    wbxml_log *log = user;
    putf(log, "<%04x", tag, 0);
    put(log, has_content ? ">" : "/>", has_content ? 1 : 2);
    log->pending_empty = !has_content;
    return EAS_OK;
}

static eas_err on_end(void *user, eas_tag tag)
{
    wbxml_log *log = user;
    if (log->pending_empty) { /* an element without content already said "/>" */
        log->pending_empty = 0;
        return EAS_OK;
    }
    putf(log, "</%04x>", tag, 0);
    return EAS_OK;
}

static void value_piece(wbxml_log *log, const char *open, const uint8_t *data, size_t len, int last)
{
    if (!log->in_value) {
        put(log, open, strlen(open));
        log->in_value = 1;
    }
    for (size_t i = 0; i < len; i++) {
        if (data[i] >= 0x20 && data[i] < 0x7F && data[i] != '[' && data[i] != ']') put(log, (const char *)&data[i], 1);
        else putf(log, "\\x%02x", data[i], 0);
    }
    if (last) {
        put(log, "]", 1);
        log->in_value = 0;
    }
}

static eas_err on_text(void *user, const uint8_t *data, size_t len, int last)
{
    value_piece(user, "T[", data, len, last);
    return EAS_OK;
}

static eas_err on_opaque(void *user, const uint8_t *data, size_t len, uint32_t total, int last)
{
    char open[32];
    snprintf(open, sizeof open, "O(%u)[", (unsigned)total);
    value_piece(user, open, data, len, last);
    return EAS_OK;
}

const eas_wbxml_handler wbxml_log_handler = {on_start, on_end, on_text, on_opaque};

void wbxml_log_init(wbxml_log *log, char *buf, size_t cap)
{
    memset(log, 0, sizeof *log);
    log->text = buf;
    log->cap = cap;
    if (cap) buf[0] = '\0';
}

eas_err mem_sink_write(void *ctx, const uint8_t *data, size_t len)
{
    mem_sink *m = ctx;
    if (m->len + len > m->cap) return EAS_ERR_NOSPACE;
    memcpy(m->buf + m->len, data, len);
    m->len += len;
    return EAS_OK;
}

eas_err wbxml_decode_log(const uint8_t *doc, size_t len, size_t split, size_t step, wbxml_log *log, uint32_t *offset)
{
    eas_wbxml_reader r;
    eas_err err = EAS_OK;
    eas_wbxml_reader_init(&r, &wbxml_log_handler, log);
    if (step > 0) {
        for (size_t i = 0; i < len && err == EAS_OK; i += step)
            err = eas_wbxml_reader_feed(&r, doc + i, len - i < step ? len - i : step);
    } else if (split > 0 && split < len) {
        err = eas_wbxml_reader_feed(&r, doc, split);
        if (err == EAS_OK) err = eas_wbxml_reader_feed(&r, doc + split, len - split);
    } else {
        err = eas_wbxml_reader_feed(&r, doc, len);
    }
    if (err == EAS_OK) err = eas_wbxml_reader_finish(&r);
    if (offset) *offset = eas_wbxml_reader_error_offset(&r);
    return err;
}

size_t xml_to_wbxml(const char *xml, uint8_t *out, size_t cap)
{
    mem_sink m = {out, cap, 0};
    eas_wbxml_writer w;
    size_t off = 0;
    eas_wbxml_writer_init(&w, (eas_sink){mem_sink_write, &m});
    if (eas_xml_to_wbxml(xml, strlen(xml), &w, &off) != EAS_OK || eas_wbxml_writer_finish(&w) != EAS_OK) {
        fprintf(stderr, "bad test XML at %zu\n", off);
        return 0;
    }
    return m.len;
}
