/* XML text to WBXML: a single pass over text held in memory, with an explicit stack of open elements
 * and namespace bindings (no recursion). Used by the eas-wbxml tool and by tests that write requests
 * as XML. */
#include <string.h>

#include "eas/base64.h"
#include "eas/wbxml.h"

#define XML_MAX_BINDINGS 64

typedef struct {
    const char *prefix; /* NULL for the default namespace */
    size_t prefix_len;
    uint8_t page;
} binding;

typedef struct {
    const char *qname;
    size_t qname_len;
    uint8_t bindings_before;
    uint8_t had_child;
} open_element;

typedef struct {
    const char *xml;
    const char *end;
    const char *p;
    eas_wbxml_writer *w;
    binding bindings[XML_MAX_BINDINGS];
    uint8_t nbindings;
    uint8_t depth;
    uint8_t root_done;
    uint8_t str_open;
    const char *ws;     /* whitespace seen in the current element, kept until we know if it is content */
    size_t ws_len;
    open_element stack[EAS_WBXML_MAX_DEPTH];
} parser;

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.' || c == ':' || (unsigned char)c >= 0x80;
}

static int starts(const parser *ps, const char *s)
{
    size_t n = strlen(s);
    return (size_t)(ps->end - ps->p) >= n && memcmp(ps->p, s, n) == 0;
}

/* Moves p past the next occurrence of s; 0 when s does not occur. */
static int skip_past(parser *ps, const char *s)
{
    size_t n = strlen(s);
    for (const char *q = ps->p; (size_t)(ps->end - q) >= n; q++) {
        if (memcmp(q, s, n) == 0) {
            ps->p = q + n;
            return 1;
        }
    }
    return 0;
}

static void skip_space(parser *ps)
{
    while (ps->p < ps->end && is_space(*ps->p)) ps->p++;
}

static size_t name_len(const parser *ps)
{
    const char *q = ps->p;
    while (q < ps->end && is_name_char(*q)) q++;
    return (size_t)(q - ps->p);
}

/* Writes the UTF-8 form of code point cp into buf (4 bytes); returns its length, 0 if invalid. */
static size_t utf8_encode(uint32_t cp, char *buf)
{
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return 0;
    if (cp < 0x80) {
        buf[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        buf[0] = (char)(0xC0 | (cp >> 6));
        buf[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        buf[0] = (char)(0xE0 | (cp >> 12));
        buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    buf[0] = (char)(0xF0 | (cp >> 18));
    buf[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes the entity at p ('&' ... ';') into out; returns its length in the input, 0 if invalid. */
static size_t decode_entity(const char *p, const char *end, char *out, size_t *out_len)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'}, {"apos;", '\''}};
    const char *q = p + 1;
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        size_t n = strlen(named[i].name);
        if ((size_t)(end - q) >= n && memcmp(q, named[i].name, n) == 0) {
            out[0] = named[i].c;
            *out_len = 1;
            return 1 + n;
        }
    }
    if (q < end && *q == '#') {
        uint32_t cp = 0;
        int hex = 0, digits = 0;
        q++;
        if (q < end && (*q == 'x' || *q == 'X')) {
            hex = 1;
            q++;
        }
        for (; q < end && *q != ';' && digits < 8; q++, digits++) {
            char c = *q;
            uint32_t v;
            if (c >= '0' && c <= '9') v = (uint32_t)(c - '0');
            else if (hex && c >= 'a' && c <= 'f') v = (uint32_t)(c - 'a' + 10);
            else if (hex && c >= 'A' && c <= 'F') v = (uint32_t)(c - 'A' + 10);
            else return 0;
            cp = cp * (hex ? 16u : 10u) + v;
        }
        if (digits == 0 || q >= end || *q != ';') return 0;
        *out_len = utf8_encode(cp, out);
        return *out_len ? (size_t)(q + 1 - p) : 0;
    }
    return 0;
}

/* Character data [s, e) of the current element, entities decoded, appended to the open string. */
static eas_err put_text(parser *ps, const char *s, const char *e, int raw)
{
    const char *run = s;
    for (const char *q = s; q < e;) {
        if (!raw && *q == '&') {
            char buf[4];
            size_t n = 0, used = decode_entity(q, e, buf, &n);
            if (used == 0) {
                ps->p = q;
                return EAS_ERR_XML_SYNTAX;
            }
            eas_wbxml_str_part(ps->w, run, (size_t)(q - run));
            eas_wbxml_str_part(ps->w, buf, n);
            q += used;
            run = q;
        } else {
            q++;
        }
    }
    return eas_wbxml_str_part(ps->w, run, (size_t)(e - run));
}

/* Text [s, e) seen inside an element (or CDATA when raw). Whitespace alone is held back: it is
 * content only if the element ends without children. */
static eas_err on_text(parser *ps, const char *s, const char *e, int raw)
{
    int blank = 1;
    for (const char *q = s; q < e && blank; q++) blank = is_space(*q);
    if (ps->depth == 0) {
        if (!blank) {
            ps->p = s;
            return EAS_ERR_XML_SYNTAX;
        }
        return EAS_OK;
    }
    if (blank && !raw && !ps->str_open) {
        ps->ws = s;
        ps->ws_len = (size_t)(e - s);
        return EAS_OK;
    }
    if (!ps->str_open) {
        if (ps->stack[ps->depth - 1].had_child) {
            ps->p = s;
            return EAS_ERR_XML_SYNTAX; /* mixed content has no place in ActiveSync */
        }
        eas_wbxml_str_begin(ps->w);
        if (ps->ws) eas_wbxml_str_part(ps->w, ps->ws, ps->ws_len);
        ps->ws = NULL;
        ps->str_open = 1;
    }
    return put_text(ps, s, e, raw);
}

static const binding *resolve(const parser *ps, const char *prefix, size_t len)
{
    for (size_t i = ps->nbindings; i-- > 0;) {
        const binding *b = &ps->bindings[i];
        if (prefix == NULL ? b->prefix == NULL : (b->prefix && b->prefix_len == len && !memcmp(b->prefix, prefix, len)))
            return b;
    }
    return NULL;
}

/* A namespace name: "AirSync:" as in MS-ASCMD, or without the colon. */
static int page_of_uri(const char *v, size_t len)
{
    if (len > 0 && v[len - 1] == ':') len--;
    return eas_wbxml_page_lookup(v, len);
}

/* Parses the attributes of a start tag (only xmlns declarations are allowed). */
static eas_err attributes(parser *ps, int *self_closing)
{
    for (int guard = 0; guard < XML_MAX_BINDINGS + 1; guard++) {
        skip_space(ps);
        if (starts(ps, "/>")) {
            ps->p += 2;
            *self_closing = 1;
            return EAS_OK;
        }
        if (starts(ps, ">")) {
            ps->p++;
            *self_closing = 0;
            return EAS_OK;
        }
        const char *an = ps->p;
        size_t an_len = name_len(ps);
        if (an_len == 0) return EAS_ERR_XML_SYNTAX;
        ps->p += an_len;
        skip_space(ps);
        if (!starts(ps, "=")) return EAS_ERR_XML_SYNTAX;
        ps->p++;
        skip_space(ps);
        if (ps->p >= ps->end || (*ps->p != '"' && *ps->p != '\'')) return EAS_ERR_XML_SYNTAX;
        char quote = *ps->p++;
        const char *v = ps->p;
        while (ps->p < ps->end && *ps->p != quote) ps->p++;
        if (ps->p >= ps->end) return EAS_ERR_XML_SYNTAX;
        size_t v_len = (size_t)(ps->p - v);
        ps->p++;
        const char *prefix;
        size_t prefix_len;
        if (an_len == 5 && !memcmp(an, "xmlns", 5)) {
            prefix = NULL;
            prefix_len = 0;
        } else if (an_len > 6 && !memcmp(an, "xmlns:", 6)) {
            prefix = an + 6;
            prefix_len = an_len - 6;
        } else {
            ps->p = an;
            return EAS_ERR_XML_SYNTAX; /* ActiveSync has no attributes */
        }
        int page = page_of_uri(v, v_len);
        if (page < 0) {
            ps->p = v;
            return EAS_ERR_XML_UNKNOWN_NAMESPACE;
        }
        if (ps->nbindings == XML_MAX_BINDINGS) return EAS_ERR_NOSPACE;
        ps->bindings[ps->nbindings].prefix = prefix;
        ps->bindings[ps->nbindings].prefix_len = prefix_len;
        ps->bindings[ps->nbindings].page = (uint8_t)page;
        ps->nbindings++;
    }
    return EAS_ERR_XML_SYNTAX;
}

/* The base64 text of an opaque element up to its end tag, written as one OPAQUE block. */
static eas_err opaque_content(parser *ps)
{
    const char *s = ps->p, *e = s;
    while (e < ps->end && *e != '<') e++;
    uint8_t buf[96];
    size_t n, total = 0;
    eas_base64_decoder d;
    eas_err err;
    /* First pass counts, second writes: the length comes before the data in WBXML. */
    for (int pass = 0; pass < 2; pass++) {
        eas_base64_decoder_init(&d);
        for (const char *q = s; q < e;) {
            size_t chunk = (size_t)(e - q) < 120 ? (size_t)(e - q) : 120;
            if ((err = eas_base64_decode_update(&d, q, chunk, buf, sizeof buf, &n)) != EAS_OK) {
                ps->p = q;
                return err;
            }
            if (pass == 0) total += n;
            else eas_wbxml_opaque_part(ps->w, buf, n);
            q += chunk;
        }
        if ((err = eas_base64_decode_final(&d)) != EAS_OK) {
            ps->p = e;
            return err;
        }
        if (pass == 0) {
            if (total > UINT32_MAX) return EAS_ERR_NOSPACE;
            eas_wbxml_opaque_begin(ps->w, (uint32_t)total);
        }
    }
    ps->p = e;
    return ps->w->err;
}

static eas_err start_tag(parser *ps)
{
    const char *tag_at = ps->p;
    ps->p++; /* '<' */
    const char *qn = ps->p;
    size_t qn_len = name_len(ps);
    if (qn_len == 0) return EAS_ERR_XML_SYNTAX;
    if (ps->root_done) return EAS_ERR_XML_SYNTAX; /* a second root */
    ps->p += qn_len;
    uint8_t before = ps->nbindings;
    int self_closing = 0;
    eas_err err = attributes(ps, &self_closing);
    if (err != EAS_OK) return err;

    const char *colon = memchr(qn, ':', qn_len);
    const binding *b = colon ? resolve(ps, qn, (size_t)(colon - qn)) : resolve(ps, NULL, 0);
    const char *local = colon ? colon + 1 : qn;
    size_t local_len = qn_len - (size_t)(local - qn);
    eas_tag tag;
    if (!b) {
        ps->p = tag_at;
        return EAS_ERR_XML_UNKNOWN_NAMESPACE;
    }
    const char *ns = eas_wbxml_page_namespace(b->page);
    if (!eas_wbxml_tag_lookup(ns, strlen(ns), local, local_len, &tag)) {
        ps->p = tag_at;
        return EAS_ERR_XML_UNKNOWN_ELEMENT;
    }
    if (ps->depth > 0) {
        if (ps->str_open) {
            ps->p = tag_at;
            return EAS_ERR_XML_SYNTAX; /* text, then an element: mixed content */
        }
        ps->stack[ps->depth - 1].had_child = 1;
    }
    ps->ws = NULL;
    if (self_closing) {
        ps->nbindings = before;
        if (ps->depth == 0) ps->root_done = 1;
        return eas_wbxml_empty(ps->w, tag);
    }
    if (ps->depth == EAS_WBXML_MAX_DEPTH) {
        ps->p = tag_at;
        return EAS_ERR_WBXML_DEPTH;
    }
    open_element *el = &ps->stack[ps->depth++];
    el->qname = qn;
    el->qname_len = qn_len;
    el->bindings_before = before;
    el->had_child = 0;
    if ((err = eas_wbxml_start(ps->w, tag)) != EAS_OK) return err;
    return eas_wbxml_tag_is_opaque(tag) ? opaque_content(ps) : EAS_OK;
}

static eas_err end_tag(parser *ps)
{
    const char *tag_at = ps->p;
    ps->p += 2; /* "</" */
    const char *qn = ps->p;
    size_t qn_len = name_len(ps);
    ps->p += qn_len;
    skip_space(ps);
    if (!starts(ps, ">")) return EAS_ERR_XML_SYNTAX;
    ps->p++;
    if (ps->depth == 0) {
        ps->p = tag_at;
        return EAS_ERR_XML_MISMATCHED_END;
    }
    open_element *el = &ps->stack[ps->depth - 1];
    if (el->qname_len != qn_len || memcmp(el->qname, qn, qn_len) != 0) {
        ps->p = tag_at;
        return EAS_ERR_XML_MISMATCHED_END;
    }
    if (ps->str_open) {
        eas_wbxml_str_end(ps->w);
        ps->str_open = 0;
    } else if (ps->ws && !el->had_child) {
        eas_wbxml_str(ps->w, ps->ws, ps->ws_len); /* <X> </X>: the blank is the value */
    }
    ps->ws = NULL;
    ps->nbindings = el->bindings_before;
    ps->depth--;
    if (ps->depth == 0) ps->root_done = 1;
    return eas_wbxml_end(ps->w);
}

/* <?...?>, <!--...-->, <!DOCTYPE ...>: skipped. */
static eas_err markup(parser *ps)
{
    const char *at = ps->p;
    if (starts(ps, "<?")) {
        if (!skip_past(ps, "?>")) goto bad;
        return EAS_OK;
    }
    if (starts(ps, "<!--")) {
        if (!skip_past(ps, "-->")) goto bad;
        return EAS_OK;
    }
    if (starts(ps, "<![CDATA[")) {
        const char *s = ps->p + 9;
        ps->p = s;
        if (!skip_past(ps, "]]>")) goto bad;
        return on_text(ps, s, ps->p - 3, 1);
    }
    if (starts(ps, "<!DOCTYPE") && ps->depth == 0 && !ps->root_done) {
        int nest = 0;
        for (ps->p += 9; ps->p < ps->end; ps->p++) {
            if (*ps->p == '[') nest++;
            else if (*ps->p == ']') nest--;
            else if (*ps->p == '>' && nest <= 0) {
                ps->p++;
                return EAS_OK;
            }
        }
    }
bad:
    ps->p = at;
    return EAS_ERR_XML_SYNTAX;
}

eas_err eas_xml_to_wbxml(const char *xml, size_t len, eas_wbxml_writer *w, size_t *err_offset)
{
    parser ps_storage; /* about 2 KiB: this is a host-side tool path, not firmware */
    parser *ps = &ps_storage;
    memset(ps, 0, sizeof *ps);
    ps->xml = ps->p = xml;
    ps->end = xml + len;
    ps->w = w;
    eas_err err = EAS_OK;
    /* Each step consumes at least one byte, so len bounds the loop. */
    for (size_t guard = 0; ps->p < ps->end && guard <= len; guard++) {
        if (*ps->p == '<') {
            if (starts(ps, "</")) err = end_tag(ps);
            else if (starts(ps, "<?") || starts(ps, "<!")) err = markup(ps);
            else err = start_tag(ps);
        } else {
            const char *s = ps->p;
            while (ps->p < ps->end && *ps->p != '<') ps->p++;
            err = on_text(ps, s, ps->p, 0);
        }
        if (err == EAS_OK && w->err != EAS_OK) err = w->err;
        if (err != EAS_OK) break;
    }
    if (err == EAS_OK && (!ps->root_done || ps->depth != 0)) err = EAS_ERR_XML_SYNTAX;
    if (err_offset) *err_offset = (size_t)(ps->p - ps->xml);
    return err;
}

int eas_wbxml_tag_is_opaque(eas_tag tag)
{
    /* Values the specifications type as byte arrays or MIME blobs carried as OPAQUE (MS-ASEMAIL
     * ConversationId and ConversationIndex, MS-ASCMD Mime); every other value is an inline string,
     * base64 text included (Calendar:Timezone, Contacts:Picture). */
    static const char *const opaque[][2] = {{"Email2", "ConversationId"}, {"Email2", "ConversationIndex"},
                                            {"ComposeMail", "Mime"}, {"Search", "ConversationId"},
                                            {"ItemOperations", "ConversationId"}};
    for (size_t i = 0; i < sizeof opaque / sizeof opaque[0]; i++) {
        eas_tag t;
        if (eas_wbxml_tag_lookup(opaque[i][0], strlen(opaque[i][0]), opaque[i][1], strlen(opaque[i][1]), &t) &&
            t == tag)
            return 1;
    }
    return 0;
}
