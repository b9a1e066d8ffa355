/* WBXML events to indented XML text, streaming: one element at a time, nothing held but the state of
 * the line being written and the namespaces in scope at each depth. */
#include <string.h>

#include "eas/base64.h"
#include "eas/wbxml.h"

typedef eas_wbxml_xml_printer printer;

static void flush(printer *p)
{
    if (p->out_len && p->sink_err == EAS_OK && p->sink.write)
        p->sink_err = p->sink.write(p->sink.ctx, p->out_buf, p->out_len);
    p->out_len = 0;
}

/* Output is gathered in a small buffer: the sink sees a few large writes, not one per token. */
static void out_slow(printer *p, const char *s, size_t len)
{
    while (len > 0 && p->sink_err == EAS_OK) {
        size_t room = sizeof p->out_buf - p->out_len;
        if (room == 0) {
            flush(p);
            continue;
        }
        size_t n = len < room ? len : room;
        memcpy(p->out_buf + p->out_len, s, n);
        p->out_len += (uint16_t)n;
        s += n;
        len -= n;
    }
}

static inline void out(printer *p, const char *s, size_t len)
{
    if (len <= sizeof p->out_buf - p->out_len) {
        uint8_t *d = p->out_buf + p->out_len;
        p->out_len += (uint16_t)len;
        /* Most pieces are a few bytes long: a plain loop beats a call to memcpy. */
        if (len <= 16) {
            for (size_t i = 0; i < len; i++) d[i] = (uint8_t)s[i];
        } else {
            memcpy(d, s, len);
        }
        return;
    }
    out_slow(p, s, len);
}

static void outs(printer *p, const char *s) { out(p, s, strlen(s)); }

static void indent(printer *p, unsigned depth)
{
    static const char line[] = "\n                                                ";
    size_t want = 1 + 2u * depth;
    if (want > sizeof line - 1) want = sizeof line - 1; /* deeper levels share the last indent */
    out(p, line, want);
}

static void out_prefix(printer *p, uint8_t page) { outs(p, eas_wbxml_page_prefix(page)); }

static void out_name(printer *p, eas_tag tag)
{
    uint8_t page = EAS_TAG_PAGE(tag);
    if (page != p->root_page) {
        out_prefix(p, page);
        out(p, ":", 1);
    }
    const char *name = eas_wbxml_tag_name(tag);
    outs(p, name ? name : "Unknown");
}

static void out_decl(printer *p, uint8_t page, int is_default)
{
    if (is_default) {
        outs(p, " xmlns=\"");
    } else {
        outs(p, " xmlns:");
        out_prefix(p, page);
        outs(p, "=\"");
    }
    outs(p, eas_wbxml_page_namespace(page));
    outs(p, ":\"");
}

static void close_start_tag(printer *p)
{
    if (p->open_pending) {
        out(p, ">", 1);
        p->open_pending = 0;
    }
}

static eas_err on_start(void *user, eas_tag tag, int has_content)
{
    printer *p = user;
    uint8_t page = EAS_TAG_PAGE(tag);
    uint32_t scope;
    if (p->depth == 0) {
        p->root_page = page;
        out(p, "<", 1);
        out_name(p, tag);
        out_decl(p, page, 1);
        for (uint8_t q = 0; q < EAS_WBXML_PAGE_COUNT && q < 32; q++)
            if (q != page && (p->declare_pages >> q) & 1u) out_decl(p, q, 0);
        scope = p->declare_pages | (1u << page);
    } else {
        close_start_tag(p);
        indent(p, p->depth);
        out(p, "<", 1);
        out_name(p, tag);
        scope = p->scope[p->depth];
        if (!((scope >> page) & 1u)) {
            out_decl(p, page, 0);
            scope |= 1u << page;
        }
    }
    p->had_child = 1;
    if (!has_content) {
        out(p, "/>", 2);
        p->empty_pending = 1;
        return p->sink_err;
    }
    p->open_pending = 1;
    p->had_child = 0;
    p->depth++;
    p->scope[p->depth] = scope;
    return p->sink_err;
}

static eas_err on_end(void *user, eas_tag tag)
{
    printer *p = user;
    if (p->empty_pending) {
        p->empty_pending = 0;
        return p->sink_err;
    }
    p->depth--;
    if (p->open_pending) {
        out(p, ">", 1); /* content flag but nothing inside: <X></X>, unlike <X/> */
        p->open_pending = 0;
    } else if (p->had_child) {
        indent(p, p->depth);
    }
    out(p, "</", 2);
    out_name(p, tag);
    out(p, ">", 1);
    p->had_child = 1;
    return p->sink_err;
}

/* Bytes that text cannot carry as they are; a raw CR would be folded into LF by XML parsers. */
static const char *escape_of(uint8_t b)
{
    switch (b) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '\r': return "&#13;";
    default: return NULL;
    }
}

static eas_err on_text(void *user, const uint8_t *data, size_t len, int last)
{
    printer *p = user;
    (void)last;
    close_start_tag(p);
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = data[i];
        /* One comparison passes almost every byte: all four specials are below '?' . */
        if (b > '>' || (b != '&' && b != '<' && b != '>' && b != '\r')) continue;
        out(p, (const char *)data + run, i - run);
        outs(p, escape_of(b));
        run = i + 1;
    }
    out(p, (const char *)data + run, len - run);
    return p->sink_err;
}

static void b64_out(printer *p, const uint8_t *data, size_t len)
{
    char text[EAS_BASE64_ENCODED_LEN(48) + 1];
    size_t n;
    if (eas_base64_encode(data, len, text, sizeof text, &n) == EAS_OK) out(p, text, n);
}

static eas_err on_opaque(void *user, const uint8_t *data, size_t len, uint32_t total, int last)
{
    printer *p = user;
    (void)total;
    close_start_tag(p);
    /* Whole groups of three bytes go out as they come; a remainder waits for the next piece. */
    while (len > 0) {
        if (p->b64_len > 0 || len < 3) {
            while (p->b64_len < 3 && len > 0) {
                p->b64_hold[p->b64_len++] = *data++;
                len--;
            }
            if (p->b64_len == 3) {
                b64_out(p, p->b64_hold, 3);
                p->b64_len = 0;
            }
            continue;
        }
        size_t n = len - len % 3;
        if (n > 48) n = 48;
        b64_out(p, data, n);
        data += n;
        len -= n;
    }
    if (last && p->b64_len > 0) {
        b64_out(p, p->b64_hold, p->b64_len);
        p->b64_len = 0;
    }
    return p->sink_err;
}

const eas_wbxml_handler eas_wbxml_xml_handler = {on_start, on_end, on_text, on_opaque};

void eas_wbxml_xml_printer_init(printer *p, eas_sink sink, uint32_t declare_pages)
{
    memset(p, 0, sizeof *p);
    p->sink = sink;
    p->declare_pages = declare_pages;
}

eas_err eas_wbxml_xml_printer_finish(printer *p)
{
    out(p, "\n", 1);
    flush(p);
    return p->sink_err;
}

static eas_err scan_start(void *user, eas_tag tag, int has_content)
{
    (void)has_content;
    uint8_t page = EAS_TAG_PAGE(tag);
    if (page < 32) *(uint32_t *)user |= 1u << page;
    return EAS_OK;
}

const eas_wbxml_handler eas_wbxml_page_scan_handler = {scan_start, NULL, NULL, NULL};
