/* Streaming WBXML reader: a byte-driven state machine, so that a document may be cut anywhere. */
#include <string.h>

#include "eas/wbxml.h"

enum {
    S_VERSION,
    S_PUBLIC_ID,
    S_PUBLIC_ID_INDEX,
    S_CHARSET,
    S_STRTBL_LEN,
    S_STRTBL_SKIP,
    S_BODY,
    S_SWITCH_PAGE,
    S_STRING,
    S_OPAQUE_LEN,
    S_OPAQUE_DATA,
    S_DONE,
};

#define WBXML_CHARSET_UTF8 106u
#define WBXML_PUBLIC_ID_UNKNOWN 1u

void eas_wbxml_reader_init(eas_wbxml_reader *r, const eas_wbxml_handler *handler, void *user)
{
    memset(r, 0, sizeof *r);
    r->handler = handler;
    r->user = user;
    r->state = S_VERSION;
    r->page_mask = eas_wbxml_page_mask(0);
}

static eas_err fail(eas_wbxml_reader *r, eas_err err, uint32_t offset)
{
    r->err = err;
    r->err_offset = offset;
    return err;
}

/* Adds one byte to the mb_u_int32 being read: 1 when it is complete, 0 when more bytes follow,
 * -1 on overflow (more than 32 bits, or more than 5 bytes). */
static int mb_step(eas_wbxml_reader *r, uint8_t b)
{
    if (r->mb_len == 5 || r->mb_value > (UINT32_MAX >> 7)) return -1;
    r->mb_value = (r->mb_value << 7) | (b & 0x7Fu);
    r->mb_len++;
    if (b & 0x80u) return 0;
    return 1;
}

static void mb_reset(eas_wbxml_reader *r)
{
    r->mb_value = 0;
    r->mb_len = 0;
}

/* Everything a token byte of the body can mean, outside strings and opaque data. */
static eas_err body_token(eas_wbxml_reader *r, uint8_t b, uint32_t at)
{
    const eas_wbxml_handler *h = r->handler;
    eas_err e;
    switch (b) {
    case EAS_WBXML_SWITCH_PAGE:
        r->state = S_SWITCH_PAGE;
        return EAS_OK;
    case EAS_WBXML_END: {
        if (r->depth == 0) return fail(r, EAS_ERR_WBXML_UNBALANCED_END, at);
        eas_tag tag = r->stack[--r->depth];
        if (r->depth == 0) r->state = S_DONE;
        if (h->end && (e = h->end(r->user, tag)) != EAS_OK) return fail(r, e, at);
        return EAS_OK;
    }
    case EAS_WBXML_STR_I:
        if (r->depth == 0) return fail(r, EAS_ERR_WBXML_CONTENT_OUTSIDE_ROOT, at);
        r->state = S_STRING;
        r->total = 0;
        return EAS_OK;
    case EAS_WBXML_OPAQUE:
        if (r->depth == 0) return fail(r, EAS_ERR_WBXML_CONTENT_OUTSIDE_ROOT, at);
        r->state = S_OPAQUE_LEN;
        mb_reset(r);
        return EAS_OK;
    case EAS_WBXML_ENTITY:
        return fail(r, EAS_ERR_WBXML_ENTITY, at);
    case EAS_WBXML_LITERAL:
    case EAS_WBXML_LITERAL_C:
    case EAS_WBXML_LITERAL_A:
    case EAS_WBXML_LITERAL_AC:
        return fail(r, EAS_ERR_WBXML_LITERAL, at);
    case EAS_WBXML_STR_T:
        return fail(r, EAS_ERR_WBXML_STRING_REF, at);
    case EAS_WBXML_PI:
        return fail(r, EAS_ERR_WBXML_PI, at);
    case EAS_WBXML_EXT_I_0:
    case EAS_WBXML_EXT_I_0 + 1:
    case EAS_WBXML_EXT_I_0 + 2:
    case EAS_WBXML_EXT_T_0:
    case EAS_WBXML_EXT_T_0 + 1:
    case EAS_WBXML_EXT_T_0 + 2:
    case EAS_WBXML_EXT_0:
    case EAS_WBXML_EXT_0 + 1:
    case EAS_WBXML_EXT_0 + 2:
        return fail(r, EAS_ERR_WBXML_EXTENSION, at);
    default:
        break;
    }
    /* A tag. 0x05..0x3F with the content and attribute bits above. */
    if (b & EAS_WBXML_TAG_ATTRIBUTES) return fail(r, EAS_ERR_WBXML_ATTRIBUTES, at);
    uint8_t token = b & 0x3Fu;
    if (!((r->page_mask >> token) & 1u)) return fail(r, EAS_ERR_WBXML_UNKNOWN_TOKEN, at);
    eas_tag tag = EAS_TAG_ID(r->page, token);
    int has_content = (b & EAS_WBXML_TAG_CONTENT) != 0;
    if (has_content) {
        if (r->depth == EAS_WBXML_MAX_DEPTH) return fail(r, EAS_ERR_WBXML_DEPTH, at);
        r->stack[r->depth++] = tag;
    }
    if (h->start && (e = h->start(r->user, tag, has_content)) != EAS_OK) return fail(r, e, at);
    if (!has_content) {
        if (r->depth == 0) r->state = S_DONE; /* an empty root element */
        if (h->end && (e = h->end(r->user, tag)) != EAS_OK) return fail(r, e, at);
    }
    return EAS_OK;
}

eas_err eas_wbxml_reader_feed(eas_wbxml_reader *r, const uint8_t *data, size_t len)
{
    const eas_wbxml_handler *h = r->handler;
    size_t i = 0;
    eas_err e;
    if (r->err != EAS_OK) return r->err;
    if (len > UINT32_MAX - r->offset) return fail(r, EAS_ERR_ARG, r->offset);

    while (i < len) {
        uint32_t at = r->offset + (uint32_t)i;
        uint8_t b = data[i];
        int m;
        switch (r->state) {
        case S_VERSION:
            /* 1.1 to 1.3 share the grammar ActiveSync uses; 1.3 is what servers send. */
            if (b < 0x01 || b > 0x03) return fail(r, EAS_ERR_WBXML_VERSION, at);
            r->state = S_PUBLIC_ID;
            mb_reset(r);
            i++;
            break;
        case S_PUBLIC_ID:
            if ((m = mb_step(r, b)) < 0) return fail(r, EAS_ERR_WBXML_MBUINT_OVERFLOW, at);
            i++;
            if (m) {
                /* 1 is "unknown", what ActiveSync servers send; 0 names the public id by an index into
                 * the string table (WBXML 1.3 5.5), which some servers do. Any other well-known id
                 * belongs to another WAP language. */
                if (r->mb_value == 0) {
                    r->state = S_PUBLIC_ID_INDEX;
                } else if (r->mb_value == WBXML_PUBLIC_ID_UNKNOWN) {
                    r->total = 0;
                    r->state = S_CHARSET;
                } else {
                    return fail(r, EAS_ERR_WBXML_PUBLIC_ID, at);
                }
                mb_reset(r);
            }
            break;
        case S_PUBLIC_ID_INDEX:
            if ((m = mb_step(r, b)) < 0) return fail(r, EAS_ERR_WBXML_MBUINT_OVERFLOW, at);
            i++;
            if (m) {
                /* Kept as index + 1 (0: no index) until the string table's length says whether the
                 * index points into it; the string itself is not read, like the rest of the table. */
                if (r->mb_value == UINT32_MAX) return fail(r, EAS_ERR_WBXML_PUBLIC_ID, at);
                r->total = r->mb_value + 1u;
                r->state = S_CHARSET;
                mb_reset(r);
            }
            break;
        case S_CHARSET:
            if ((m = mb_step(r, b)) < 0) return fail(r, EAS_ERR_WBXML_MBUINT_OVERFLOW, at);
            i++;
            if (m) {
                if (r->mb_value != WBXML_CHARSET_UTF8) return fail(r, EAS_ERR_WBXML_CHARSET, at);
                r->state = S_STRTBL_LEN;
                mb_reset(r);
            }
            break;
        case S_STRTBL_LEN:
            if ((m = mb_step(r, b)) < 0) return fail(r, EAS_ERR_WBXML_MBUINT_OVERFLOW, at);
            i++;
            if (m) {
                /* A string table is legal WBXML but useless without STR_T, which is refused; skip it
                 * unread so that a document carrying an unused one still decodes. */
                if (r->total != 0 && r->total - 1u >= r->mb_value) return fail(r, EAS_ERR_WBXML_PUBLIC_ID, at);
                r->total = 0;
                r->remaining = r->mb_value;
                r->state = r->remaining ? S_STRTBL_SKIP : S_BODY;
            }
            break;
        case S_STRTBL_SKIP: {
            size_t n = len - i;
            if (n > r->remaining) n = r->remaining;
            r->remaining -= (uint32_t)n;
            i += n;
            if (r->remaining == 0) r->state = S_BODY;
            break;
        }
        case S_BODY:
            i++;
            if ((e = body_token(r, b, at)) != EAS_OK) return e;
            break;
        case S_SWITCH_PAGE:
            if (b >= EAS_WBXML_PAGE_COUNT) return fail(r, EAS_ERR_WBXML_UNKNOWN_PAGE, at);
            r->page = b;
            r->page_mask = eas_wbxml_page_mask(b);
            r->state = S_BODY;
            i++;
            break;
        case S_STRING: {
            const uint8_t *start = data + i;
            size_t avail = len - i;
            const uint8_t *nul = memchr(start, 0, avail);
            size_t n = nul ? (size_t)(nul - start) : avail;
            if (n > EAS_WBXML_MAX_STRING - r->total)
                return fail(r, EAS_ERR_WBXML_STRING_TOO_LONG, at + (uint32_t)(EAS_WBXML_MAX_STRING - r->total));
            r->total += (uint32_t)n;
            if (h->text && (n > 0 || nul) && (e = h->text(r->user, start, n, nul != NULL)) != EAS_OK)
                return fail(r, e, at);
            i += n;
            if (nul) {
                i++; /* the terminator */
                r->state = S_BODY;
            }
            break;
        }
        case S_OPAQUE_LEN:
            if ((m = mb_step(r, b)) < 0) return fail(r, EAS_ERR_WBXML_MBUINT_OVERFLOW, at);
            i++;
            if (m) {
                if (r->mb_value > EAS_WBXML_MAX_OPAQUE) return fail(r, EAS_ERR_WBXML_OPAQUE_TOO_LONG, at);
                r->total = r->remaining = r->mb_value;
                if (r->remaining == 0) {
                    r->state = S_BODY;
                    if (h->opaque && (e = h->opaque(r->user, data + i, 0, 0, 1)) != EAS_OK) return fail(r, e, at);
                } else {
                    r->state = S_OPAQUE_DATA;
                }
            }
            break;
        case S_OPAQUE_DATA: {
            size_t n = len - i;
            if (n > r->remaining) n = r->remaining;
            r->remaining -= (uint32_t)n;
            int last = r->remaining == 0;
            if (last) r->state = S_BODY;
            if (h->opaque && (e = h->opaque(r->user, data + i, n, r->total, last)) != EAS_OK)
                return fail(r, e, at);
            i += n;
            break;
        }
        case S_DONE:
        default:
            return fail(r, EAS_ERR_WBXML_TRAILING, at);
        }
    }
    r->offset += (uint32_t)len;
    return EAS_OK;
}

eas_err eas_wbxml_reader_finish(eas_wbxml_reader *r)
{
    if (r->err != EAS_OK) return r->err;
    if (r->state == S_DONE) return EAS_OK;
    if (r->state == S_BODY && r->depth == 0) return fail(r, EAS_ERR_WBXML_EMPTY, r->offset);
    return fail(r, EAS_ERR_WBXML_TRUNCATED, r->offset);
}

uint32_t eas_wbxml_reader_error_offset(const eas_wbxml_reader *r) { return r->err_offset; }

int eas_wbxml_reader_complete(const eas_wbxml_reader *r) { return r->state == S_DONE && r->err == EAS_OK; }

void eas_wbxml_textbuf_init(eas_wbxml_textbuf *t, char *buf, size_t cap)
{
    t->buf = buf;
    t->cap = cap;
    t->len = 0;
    t->truncated = 0;
    if (cap) buf[0] = '\0';
}

void eas_wbxml_textbuf_append(eas_wbxml_textbuf *t, const uint8_t *data, size_t len)
{
    /* Once cut, nothing more: a later piece would land in the room a UTF-8 cut left, and the kept text
     * would stop being a prefix of the value (and depend on how the value arrived in pieces). */
    if (t->truncated) return;
    if (t->cap == 0) {
        if (len) t->truncated = 1;
        return;
    }
    size_t room = t->cap - 1 - t->len;
    size_t n = len < room ? len : room;
    memcpy(t->buf + t->len, data, n);
    t->len += n;
    if (n < len) {
        /* Cut before a UTF-8 sequence that no longer fits whole, so the kept text stays valid. */
        size_t k = t->len;
        for (int back = 0; back < 4 && k > 0; back++) {
            uint8_t b = (uint8_t)t->buf[k - 1];
            if ((b & 0xC0u) != 0x80u) {
                size_t need = b >= 0xF0u ? 4 : b >= 0xE0u ? 3 : b >= 0xC0u ? 2 : 1;
                if (t->len - (k - 1) < need) t->len = k - 1;
                break;
            }
            k--;
        }
        t->truncated = 1;
    }
    t->buf[t->len] = '\0';
}
