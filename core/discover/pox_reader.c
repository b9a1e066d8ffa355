/* Streaming reader of Autodiscover v1 responses (see eas/autodiscover.h for what it keeps).
 *
 * One byte at a time through a small tokenizer; an element's identity is its local name (the few
 * Autodiscover names are all that matter) and a 16-bit hash of its qualified name, which is all the
 * end tag has to match. Text is kept only inside the elements whose value a device acts on. */
#include <string.h>

#include "eas/autodiscover.h"

enum { /* element ids */
    E_OTHER = 0, E_AUTODISCOVER, E_RESPONSE, E_ACTION, E_SETTINGS, E_SERVER, E_TYPE, E_URL, E_NAME,
    E_REDIRECT, E_ERROR, E_STATUS, E_ERRORCODE, E_ACCOUNT, E_REDIRECTADDR, E_REDIRECTURL
};
static const char *const element_names[] = {
    "", "Autodiscover", "Response", "Action", "Settings", "Server", "Type", "Url", "Name",
    "Redirect", "Error", "Status", "ErrorCode", "Account", "RedirectAddr", "RedirectUrl"
};

enum { /* tokenizer states */
    S_TEXT, S_LT, S_START_NAME, S_ATTRS, S_ATTR_NAME, S_ATTR_EQ, S_ATTR_QUOTE, S_ATTR_VALUE, S_EMPTY_GT,
    S_END_NAME, S_END_WS, S_PI, S_BANG, S_BANG_COMMENT, S_BANG_CDATA, S_COMMENT, S_CDATA, S_ENTITY
};

enum { /* where an element's text goes */
    C_NONE, C_SERVER_URL, C_SERVER_NAME, C_TYPE, C_REDIRECT, C_ERROR_NUMBER, C_ACCOUNT_ACTION,
    C_ACCOUNT_ADDR, C_ACCOUNT_URL
};

enum { /* server_flags: what the open Server or Account element has shown */
    F_MOBILESYNC = 1, F_URL = 2, F_NAME = 4, F_ACCOUNT_ADDR = 8, F_ACCOUNT_URL = 16
};

#define NAME_OVER 0xff
#define SMALL_OVER 0xffff

static int is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
static int is_name_start(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
}
static int is_name_char(uint8_t c) { return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

static eas_err fail(eas_pox_reader *r, eas_err e)
{
    r->err = (uint8_t)e;
    r->err_offset = r->offset;
    return e;
}

void eas_pox_reader_init(eas_pox_reader *r)
{
    memset(r, 0, sizeof *r);
}

uint32_t eas_pox_reader_error_offset(const eas_pox_reader *r) { return r->err_offset; }

/* ---- names ---- */

static void name_begin(eas_pox_reader *r)
{
    r->name_len = 0;
    r->name_hash = 0x9dc5; /* the low half of FNV-1a's offset basis; the hash is folded per byte */
}

static void name_byte(eas_pox_reader *r, uint8_t c)
{
    r->name_hash = (uint16_t)((r->name_hash ^ c) * 0x0193u);
    if (c == ':') { /* a prefix: only the local part after it is matched */
        r->name_len = 0;
        return;
    }
    if (r->name_len == NAME_OVER) return;
    if (r->name_len >= sizeof r->name - 1) {
        r->name_len = NAME_OVER;
        return;
    }
    r->name[r->name_len++] = (char)c;
}

static uint8_t name_id(const eas_pox_reader *r)
{
    if (r->name_len == NAME_OVER) return E_OTHER;
    for (uint8_t i = 1; i < sizeof element_names / sizeof element_names[0]; i++)
        if (strlen(element_names[i]) == r->name_len && memcmp(element_names[i], r->name, r->name_len) == 0)
            return i;
    return E_OTHER;
}

static uint8_t id_at(const eas_pox_reader *r, unsigned up) /* 0: the innermost open element */
{
    return r->depth > up ? r->stack[r->depth - 1 - up].id : E_OTHER;
}

/* ---- text capture ---- */

static int value_open(const eas_pox_reader *r, int url)
{
    return r->kind == EAS_POX_NONE || (url && r->kind == EAS_POX_ERROR);
}

static void capture_byte(eas_pox_reader *r, uint8_t c)
{
    switch (r->capture) {
    case C_NONE: return;
    case C_TYPE: case C_ERROR_NUMBER: case C_ACCOUNT_ACTION:
        if (r->small_len == 0 && is_space(c)) return;
        if (r->small_len == SMALL_OVER) return;
        if (r->small_len >= sizeof r->small - 1) {
            r->small_len = SMALL_OVER;
            return;
        }
        r->small[r->small_len++] = (char)c;
        return;
    default:
        if (r->value_len == 0 && is_space(c)) return;
        if (r->value_over) return;
        if (r->value_len >= sizeof r->value - 1) {
            r->value_over = 1;
            return;
        }
        r->value[r->value_len++] = (char)c;
        return;
    }
}

static void capture_start(eas_pox_reader *r, uint8_t id)
{
    uint8_t parent = id_at(r, 1);
    uint8_t c = C_NONE;
    if (r->stack[0].id != E_AUTODISCOVER) {
        r->capture = C_NONE;
        return;
    }
    if (id == E_TYPE && parent == E_SERVER) c = C_TYPE;
    else if (id == E_URL && parent == E_SERVER && value_open(r, 1)) c = C_SERVER_URL;
    else if (id == E_NAME && parent == E_SERVER && value_open(r, 1) && !(r->server_flags & F_URL)) c = C_SERVER_NAME;
    else if (id == E_REDIRECT && parent == E_ACTION && value_open(r, 0)) c = C_REDIRECT;
    else if ((id == E_STATUS || id == E_ERRORCODE) && parent == E_ERROR) c = C_ERROR_NUMBER;
    else if (id == E_ACTION && parent == E_ACCOUNT) c = C_ACCOUNT_ACTION;
    else if (id == E_REDIRECTADDR && parent == E_ACCOUNT && value_open(r, 0)) c = C_ACCOUNT_ADDR;
    else if (id == E_REDIRECTURL && parent == E_ACCOUNT && value_open(r, 0)) c = C_ACCOUNT_URL;
    r->capture = c;
    if (c == C_TYPE || c == C_ERROR_NUMBER || c == C_ACCOUNT_ACTION) {
        r->small_len = 0;
    } else if (c != C_NONE) {
        r->value_len = 0;
        r->value_over = 0;
    }
}

static int small_is(const eas_pox_reader *r, const char *s)
{
    size_t n = r->small_len;
    if (n == SMALL_OVER) return 0;
    while (n > 0 && is_space((uint8_t)r->small[n - 1])) n--;
    return strlen(s) == n && memcmp(s, r->small, n) == 0;
}

static uint32_t small_number(const eas_pox_reader *r)
{
    uint32_t v = 0;
    size_t n = r->small_len, i;
    if (n == SMALL_OVER) return 0;
    while (n > 0 && is_space((uint8_t)r->small[n - 1])) n--;
    if (n == 0 || n > 9) return 0;
    for (i = 0; i < n; i++) {
        if (r->small[i] < '0' || r->small[i] > '9') return 0;
        v = v * 10u + (uint32_t)(r->small[i] - '0');
    }
    return v;
}

/* The captured value, trimmed and terminated; 0 when there is none or it did not fit. */
static int value_end(eas_pox_reader *r)
{
    if (r->value_over) {
        r->value_len = 0;
        r->value_over = 0;
        return 0;
    }
    while (r->value_len > 0 && is_space((uint8_t)r->value[r->value_len - 1])) r->value_len--;
    r->value[r->value_len] = '\0';
    return r->value_len > 0;
}

static void capture_end(eas_pox_reader *r)
{
    uint8_t c = r->capture;
    r->capture = C_NONE;
    switch (c) {
    case C_TYPE:
        if (small_is(r, "MobileSync")) r->server_flags |= F_MOBILESYNC;
        break;
    case C_SERVER_URL:
        if (value_end(r)) r->server_flags |= F_URL;
        break;
    case C_SERVER_NAME:
        if (value_end(r)) r->server_flags |= F_NAME;
        break;
    case C_REDIRECT:
        if (value_end(r)) r->kind = EAS_POX_REDIRECT_ADDR;
        break;
    case C_ERROR_NUMBER:
        if (r->kind == EAS_POX_NONE) {
            r->kind = EAS_POX_ERROR;
            r->status = small_number(r);
        }
        break;
    case C_ACCOUNT_ACTION: break; /* read when the Account closes */
    case C_ACCOUNT_ADDR:
        if (value_end(r)) r->server_flags |= F_ACCOUNT_ADDR;
        break;
    case C_ACCOUNT_URL:
        if (value_end(r)) r->server_flags |= F_ACCOUNT_URL;
        break;
    default: break;
    }
}

/* ---- elements ---- */

static eas_err open_element(eas_pox_reader *r)
{
    uint8_t id;
    if (r->root_done) return fail(r, EAS_ERR_XML_SYNTAX); /* a second root */
    if (r->depth >= EAS_POX_MAX_DEPTH) return fail(r, EAS_ERR_XML_DEPTH);
    if (r->capture != C_NONE) { /* markup inside a value: the value is not one */
        r->value_over = 1;
        r->small_len = SMALL_OVER;
        capture_end(r);
    }
    id = name_id(r);
    if (r->depth == 0 && id != E_AUTODISCOVER) id = E_OTHER;
    r->stack[r->depth].id = id;
    r->stack[r->depth].hash = r->name_hash;
    r->depth++;
    if (id == E_SERVER || id == E_ACCOUNT) {
        r->server_flags = 0;
        r->small_len = 0;
    }
    capture_start(r, id);
    return EAS_OK;
}

static void close_element(eas_pox_reader *r)
{
    uint8_t id = id_at(r, 0);
    if (r->capture != C_NONE) capture_end(r);
    if (id == E_SERVER) {
        if ((r->server_flags & F_MOBILESYNC) && (r->server_flags & (F_URL | F_NAME)) && value_open(r, 1))
            r->kind = EAS_POX_URL;
        r->server_flags = 0;
    } else if (id == E_ACCOUNT) {
        if (value_open(r, 0)) {
            if (small_is(r, "redirectUrl") && (r->server_flags & F_ACCOUNT_URL)) r->kind = EAS_POX_REDIRECT_URL;
            else if (small_is(r, "redirectAddr") && (r->server_flags & F_ACCOUNT_ADDR)) r->kind = EAS_POX_REDIRECT_ADDR;
        }
        r->server_flags = 0;
    }
    /* A value captured but not taken (a Url of a CertEnroll server) must not stand as the result. */
    if ((id == E_SERVER || id == E_ACCOUNT) && r->kind != EAS_POX_URL && r->kind != EAS_POX_REDIRECT_ADDR &&
        r->kind != EAS_POX_REDIRECT_URL)
        r->value_len = 0;
    r->depth--;
    if (r->depth == 0) r->root_done = 1;
}

/* ---- entities ---- */

static void put_utf8(eas_pox_reader *r, uint32_t cp)
{
    if (cp < 0x80) {
        capture_byte(r, (uint8_t)cp);
    } else if (cp < 0x800) {
        capture_byte(r, (uint8_t)(0xc0 | (cp >> 6)));
        capture_byte(r, (uint8_t)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        capture_byte(r, (uint8_t)(0xe0 | (cp >> 12)));
        capture_byte(r, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
        capture_byte(r, (uint8_t)(0x80 | (cp & 0x3f)));
    } else {
        capture_byte(r, (uint8_t)(0xf0 | (cp >> 18)));
        capture_byte(r, (uint8_t)(0x80 | ((cp >> 12) & 0x3f)));
        capture_byte(r, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
        capture_byte(r, (uint8_t)(0x80 | (cp & 0x3f)));
    }
}

static eas_err entity_end(eas_pox_reader *r)
{
    static const struct { const char *name; char c; } named[] = {
        {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
    const char *e = r->ent;
    size_t n = r->ent_len;
    if (n >= 2 && e[0] == '#') {
        uint32_t cp = 0;
        int hex = e[1] == 'x';
        size_t i = hex ? 2 : 1;
        if (i >= n) return fail(r, EAS_ERR_XML_SYNTAX);
        for (; i < n; i++) {
            char c = e[i];
            uint32_t d;
            if (c >= '0' && c <= '9') d = (uint32_t)(c - '0');
            else if (hex && c >= 'a' && c <= 'f') d = (uint32_t)(c - 'a' + 10);
            else if (hex && c >= 'A' && c <= 'F') d = (uint32_t)(c - 'A' + 10);
            else return fail(r, EAS_ERR_XML_SYNTAX);
            cp = cp * (hex ? 16u : 10u) + d;
            if (cp > 0x10ffff) return fail(r, EAS_ERR_XML_SYNTAX);
        }
        if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff)) return fail(r, EAS_ERR_XML_SYNTAX);
        put_utf8(r, cp);
        return EAS_OK;
    }
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        if (strlen(named[i].name) == n && memcmp(named[i].name, e, n) == 0) {
            capture_byte(r, (uint8_t)named[i].c);
            return EAS_OK;
        }
    }
    return fail(r, EAS_ERR_XML_SYNTAX); /* no DTD, so no other entity exists */
}

/* ---- the tokenizer ---- */

static eas_err text_byte(eas_pox_reader *r, uint8_t c)
{
    if (c == '<') {
        r->state = S_LT;
    } else if (c == '&') {
        if (r->depth == 0) return fail(r, EAS_ERR_XML_SYNTAX);
        r->state = S_ENTITY;
        r->ent_len = 0;
    } else if (r->depth == 0) {
        if (!is_space(c)) return fail(r, EAS_ERR_XML_SYNTAX); /* text outside the root */
    } else {
        capture_byte(r, c);
    }
    return EAS_OK;
}

static eas_err step(eas_pox_reader *r, uint8_t c)
{
    static const char cdata[] = "[CDATA[";
    /* XML 1.0 has no control characters but tab, LF and CR, anywhere (a NUL would end a value early). */
    if (c < 0x20 && !is_space(c)) return fail(r, EAS_ERR_XML_SYNTAX);
    switch (r->state) {
    case S_TEXT: return text_byte(r, c);
    case S_ENTITY:
        if (c == ';') {
            r->state = S_TEXT;
            return entity_end(r);
        }
        if (r->ent_len >= sizeof r->ent || !(is_name_char(c) || c == '#')) return fail(r, EAS_ERR_XML_SYNTAX);
        r->ent[r->ent_len++] = (char)c;
        return EAS_OK;
    case S_LT:
        if (c == '?') {
            r->state = S_PI;
            r->sub = 0;
        } else if (c == '!') {
            r->state = S_BANG;
        } else if (c == '/') {
            if (r->depth == 0) return fail(r, EAS_ERR_XML_SYNTAX);
            r->state = S_END_NAME;
            r->sub = 0;
            name_begin(r);
        } else if (is_name_start(c) && c != ':') {
            r->state = S_START_NAME;
            name_begin(r);
            name_byte(r, c);
        } else {
            return fail(r, EAS_ERR_XML_SYNTAX);
        }
        return EAS_OK;
    case S_START_NAME:
        if (is_name_char(c)) {
            name_byte(r, c);
        } else if (is_space(c)) {
            r->state = S_ATTRS;
        } else if (c == '>') {
            r->state = S_TEXT;
            return open_element(r);
        } else if (c == '/') {
            r->state = S_EMPTY_GT;
        } else {
            return fail(r, EAS_ERR_XML_SYNTAX);
        }
        return EAS_OK;
    case S_ATTRS:
        if (is_space(c)) return EAS_OK;
        if (c == '>') {
            r->state = S_TEXT;
            return open_element(r);
        }
        if (c == '/') {
            r->state = S_EMPTY_GT;
            return EAS_OK;
        }
        if (!is_name_start(c)) return fail(r, EAS_ERR_XML_SYNTAX);
        r->state = S_ATTR_NAME;
        return EAS_OK;
    case S_ATTR_NAME:
        if (is_name_char(c)) return EAS_OK;
        if (c == '=') r->state = S_ATTR_QUOTE;
        else if (is_space(c)) r->state = S_ATTR_EQ;
        else return fail(r, EAS_ERR_XML_SYNTAX);
        return EAS_OK;
    case S_ATTR_EQ:
        if (is_space(c)) return EAS_OK;
        if (c != '=') return fail(r, EAS_ERR_XML_SYNTAX);
        r->state = S_ATTR_QUOTE;
        return EAS_OK;
    case S_ATTR_QUOTE:
        if (is_space(c)) return EAS_OK;
        if (c != '"' && c != '\'') return fail(r, EAS_ERR_XML_SYNTAX);
        r->quote = c;
        r->state = S_ATTR_VALUE;
        return EAS_OK;
    case S_ATTR_VALUE:
        if (c == r->quote) r->state = S_ATTRS;
        else if (c == '<') return fail(r, EAS_ERR_XML_SYNTAX);
        return EAS_OK;
    case S_EMPTY_GT: {
        eas_err e;
        if (c != '>') return fail(r, EAS_ERR_XML_SYNTAX);
        r->state = S_TEXT;
        if ((e = open_element(r)) != EAS_OK) return e;
        close_element(r);
        return EAS_OK;
    }
    case S_END_NAME:
        if (is_name_char(c) && (r->sub || (is_name_start(c) && c != ':'))) {
            name_byte(r, c);
            r->sub = 1;
            return EAS_OK;
        }
        if (!r->sub) return fail(r, EAS_ERR_XML_SYNTAX);
        if (is_space(c)) {
            r->state = S_END_WS;
            return EAS_OK;
        }
        if (c != '>') return fail(r, EAS_ERR_XML_SYNTAX);
        /* fall through: the end tag is complete */
        r->state = S_END_WS;
        /* fall through */
    case S_END_WS:
        if (is_space(c)) return EAS_OK;
        if (c != '>') return fail(r, EAS_ERR_XML_SYNTAX);
        if (r->stack[r->depth - 1].hash != r->name_hash) return fail(r, EAS_ERR_XML_MISMATCHED_END);
        r->state = S_TEXT;
        close_element(r);
        return EAS_OK;
    case S_PI:
        if (c == '>' && r->sub) r->state = S_TEXT;
        r->sub = c == '?';
        return EAS_OK;
    case S_BANG:
        if (c == '-') {
            r->state = S_BANG_COMMENT;
        } else if (c == '[') {
            if (r->depth == 0) return fail(r, EAS_ERR_XML_SYNTAX);
            r->state = S_BANG_CDATA;
            r->sub = 1;
        } else if (c == 'D') {
            return fail(r, EAS_ERR_UNSUPPORTED); /* a DOCTYPE: no entity declarations taken */
        } else {
            return fail(r, EAS_ERR_XML_SYNTAX);
        }
        return EAS_OK;
    case S_BANG_COMMENT:
        if (c != '-') return fail(r, EAS_ERR_XML_SYNTAX);
        r->state = S_COMMENT;
        r->sub = 0;
        return EAS_OK;
    case S_BANG_CDATA:
        if ((uint8_t)cdata[r->sub] != c) return fail(r, EAS_ERR_XML_SYNTAX);
        if (++r->sub == sizeof cdata - 1) {
            r->state = S_CDATA;
            r->sub = 0;
        }
        return EAS_OK;
    case S_COMMENT:
        if (c == '>' && r->sub >= 2) r->state = S_TEXT;
        else r->sub = c == '-' ? (uint8_t)(r->sub < 2 ? r->sub + 1 : 2) : 0;
        return EAS_OK;
    case S_CDATA:
        if (c == ']') {
            if (r->sub == 2) capture_byte(r, ']');
            else r->sub++;
        } else if (c == '>' && r->sub == 2) {
            r->state = S_TEXT;
        } else {
            for (; r->sub > 0; r->sub--) capture_byte(r, ']');
            capture_byte(r, c);
        }
        return EAS_OK;
    default: return fail(r, EAS_ERR_STATE);
    }
}

eas_err eas_pox_reader_feed(eas_pox_reader *r, const uint8_t *data, size_t len)
{
    if (r->err) return (eas_err)r->err;
    if (!data && len) return EAS_ERR_ARG;
    for (size_t i = 0; i < len; i++) {
        eas_err e = step(r, data[i]);
        if (e != EAS_OK) return e;
        r->offset++;
    }
    return EAS_OK;
}

eas_err eas_pox_reader_finish(eas_pox_reader *r, eas_pox_kind *kind)
{
    if (r->err) return (eas_err)r->err;
    if (!r->root_done || r->state != S_TEXT) return fail(r, EAS_ERR_XML_TRUNCATED);
    if (r->kind == EAS_POX_NONE || r->kind == EAS_POX_ERROR) r->value[0] = '\0';
    else r->value[r->value_len] = '\0';
    if (kind) *kind = (eas_pox_kind)r->kind;
    return EAS_OK;
}
