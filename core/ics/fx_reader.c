/* FastTransfer stream reader (eas/ics_fx.h). Fixed-size elements (tags, lengths, counts, GUIDs,
 * fixed values) are collected in buf until whole; variable-size ones pass through in pieces. */
#include <string.h>

#include "eas/ics_fx.h"

enum {
    ST_TAG,
    ST_NAME_GUID,
    ST_NAME_KIND,
    ST_NAME_LID,
    ST_NAME_STR,
    ST_COUNT,
    ST_LEN,
    ST_FIXED,
    ST_VAR
};

static const uint32_t markers[] = {
    EAS_FX_START_TOP_FLD,   EAS_FX_START_SUB_FLD,         EAS_FX_END_FOLDER,
    EAS_FX_START_MESSAGE,   EAS_FX_START_FAI_MSG,         EAS_FX_END_MESSAGE,
    EAS_FX_START_EMBED,     EAS_FX_END_EMBED,             EAS_FX_START_RECIP,
    EAS_FX_END_TO_RECIP,    EAS_FX_NEW_ATTACH,            EAS_FX_END_ATTACH,
    EAS_FX_INCR_SYNC_CHG,   EAS_FX_INCR_SYNC_CHG_PARTIAL, EAS_FX_INCR_SYNC_DEL,
    EAS_FX_INCR_SYNC_END,   EAS_FX_INCR_SYNC_READ,        EAS_FX_INCR_SYNC_STATE_BEGIN,
    EAS_FX_INCR_SYNC_STATE_END, EAS_FX_INCR_SYNC_PROGRESS_MODE, EAS_FX_INCR_SYNC_PROGRESS_PER_MSG,
    EAS_FX_INCR_SYNC_MESSAGE, EAS_FX_INCR_SYNC_GROUP_INFO, EAS_FX_ERROR_INFO,
};

int eas_ics_fx_is_marker(uint32_t tag)
{
    for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++)
        if (markers[i] == tag) return 1;
    return 0;
}

/* The start marker an end marker closes (0: tag is no end marker). */
static uint32_t opener_of(uint32_t end, uint32_t top)
{
    switch (end) {
    case EAS_FX_END_FOLDER: return top == EAS_FX_START_SUB_FLD ? EAS_FX_START_SUB_FLD : EAS_FX_START_TOP_FLD;
    case EAS_FX_END_MESSAGE: return top == EAS_FX_START_FAI_MSG ? EAS_FX_START_FAI_MSG : EAS_FX_START_MESSAGE;
    case EAS_FX_END_EMBED: return EAS_FX_START_EMBED;
    case EAS_FX_END_TO_RECIP: return EAS_FX_START_RECIP;
    case EAS_FX_END_ATTACH: return EAS_FX_NEW_ATTACH;
    case EAS_FX_INCR_SYNC_STATE_END: return EAS_FX_INCR_SYNC_STATE_BEGIN;
    default: return 0;
    }
}

static int is_opener(uint32_t tag)
{
    return tag == EAS_FX_START_TOP_FLD || tag == EAS_FX_START_SUB_FLD || tag == EAS_FX_START_MESSAGE ||
           tag == EAS_FX_START_FAI_MSG || tag == EAS_FX_START_EMBED || tag == EAS_FX_START_RECIP ||
           tag == EAS_FX_NEW_ATTACH || tag == EAS_FX_INCR_SYNC_STATE_BEGIN;
}

int eas_ics_fx_fixed_size(uint16_t type)
{
    switch (type) {
    case EAS_PT_I2:
    case EAS_PT_BOOLEAN: return 2;
    case EAS_PT_LONG:
    case EAS_PT_FLOAT:
    case EAS_PT_ERROR: return 4;
    case EAS_PT_DOUBLE:
    case EAS_PT_CURRENCY:
    case EAS_PT_APPTIME:
    case EAS_PT_I8:
    case EAS_PT_SYSTIME: return 8;
    case EAS_PT_CLSID: return 16;
    case EAS_PT_OBJECT:
    case EAS_PT_STRING8:
    case EAS_PT_UNICODE:
    case EAS_PT_SVREID:
    case EAS_PT_BINARY: return 0;
    default: return -1;
    }
}

/* Multi-valued forms the stream can carry (MS-OXCDATA 2.11.1: no multi-valued Boolean, error code,
 * object or server id). */
static int mv_allowed(uint16_t base)
{
    return eas_ics_fx_fixed_size(base) >= 0 && base != EAS_PT_BOOLEAN && base != EAS_PT_ERROR &&
           base != EAS_PT_OBJECT && base != EAS_PT_SVREID;
}

void eas_ics_fx_reader_init(eas_ics_fx_reader *r, const eas_ics_fx_handler *h, void *user)
{
    memset(r, 0, sizeof *r);
    r->handler = h;
    r->user = user;
    r->state = ST_TAG;
    r->need = 4;
}

static eas_err fail(eas_ics_fx_reader *r, eas_err e, uint32_t at)
{
    r->err = e;
    r->err_offset = at;
    return e;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void expect(eas_ics_fx_reader *r, uint8_t state, uint8_t need)
{
    r->state = state;
    r->need = need;
    r->have = 0;
    r->atom_offset = r->offset;
}

static eas_err to_tag(eas_ics_fx_reader *r)
{
    expect(r, ST_TAG, 4);
    return EAS_OK;
}

static uint16_t base_type(const eas_ics_fx_reader *r)
{
    return (r->prop.type & EAS_PT_CODEPAGE) ? EAS_PT_BINARY : (uint16_t)(r->prop.type & ~EAS_PT_MV);
}

/* The next element of the value, or the property's end. */
static eas_err next_element(eas_ics_fx_reader *r)
{
    if (r->index == r->prop.count) {
        if (r->handler && r->handler->prop_end) {
            eas_err e = r->handler->prop_end(r->user, &r->prop);
            if (e != EAS_OK) return e;
        }
        return to_tag(r);
    }
    int size = eas_ics_fx_fixed_size(base_type(r));
    if (size > 0) expect(r, ST_FIXED, (uint8_t)size);
    else expect(r, ST_LEN, 4);
    return EAS_OK;
}

static eas_err value_begins(eas_ics_fx_reader *r)
{
    r->index = 0;
    if (r->handler && r->handler->prop_begin) {
        eas_err e = r->handler->prop_begin(r->user, &r->prop);
        if (e != EAS_OK) return e;
    }
    return next_element(r);
}

static eas_err after_name(eas_ics_fx_reader *r)
{
    if (r->prop.type & EAS_PT_MV) {
        expect(r, ST_COUNT, 4);
        return EAS_OK;
    }
    r->prop.count = 1;
    return value_begins(r);
}

/* The markers after which the stream's properties belong to a new part of an incremental sync. */
static int starts_section(uint32_t tag)
{
    return tag == EAS_FX_INCR_SYNC_CHG || tag == EAS_FX_INCR_SYNC_CHG_PARTIAL || tag == EAS_FX_INCR_SYNC_MESSAGE ||
           tag == EAS_FX_INCR_SYNC_DEL || tag == EAS_FX_INCR_SYNC_READ || tag == EAS_FX_INCR_SYNC_STATE_BEGIN ||
           tag == EAS_FX_INCR_SYNC_PROGRESS_MODE || tag == EAS_FX_INCR_SYNC_PROGRESS_PER_MSG ||
           tag == EAS_FX_INCR_SYNC_GROUP_INFO || tag == EAS_FX_ERROR_INFO;
}

static eas_err marker(eas_ics_fx_reader *r, uint32_t tag)
{
    uint32_t at = r->atom_offset;
    if (starts_section(tag)) r->section = tag;
    if (is_opener(tag)) {
        if (r->depth >= EAS_ICS_FX_MAX_DEPTH) return fail(r, EAS_ERR_ICS_FX_MARKER, at);
        r->stack[r->depth++] = tag;
    } else if (tag == EAS_FX_INCR_SYNC_END) {
        if (r->depth != 0) return fail(r, EAS_ERR_ICS_FX_MARKER, at);
        r->ended = 1;
    } else {
        uint32_t top = r->depth ? r->stack[r->depth - 1] : 0;
        uint32_t want = opener_of(tag, top);
        if (want) {
            if (r->depth == 0 || top != want) return fail(r, EAS_ERR_ICS_FX_MARKER, at);
            r->depth--;
        }
    }
    if (r->handler && r->handler->marker) {
        eas_err e = r->handler->marker(r->user, tag, at);
        if (e != EAS_OK) return e;
    }
    return to_tag(r);
}

static eas_err tag_done(eas_ics_fx_reader *r)
{
    uint32_t tag = le32(r->buf);
    uint32_t at = r->atom_offset;
    if (r->ended) return fail(r, EAS_ERR_ICS_FX_MARKER, at);
    if (eas_ics_fx_is_marker(tag)) return marker(r, tag);
    memset(&r->prop, 0, sizeof r->prop);
    r->prop.tag = tag;
    r->prop.offset = at;
    r->prop.section = r->section;
    r->prop.within = r->depth ? r->stack[r->depth - 1] : 0;
    uint16_t type = (uint16_t)(tag & 0xFFFF);
    if (tag == EAS_FX_META_IDSET_GIVEN) type = EAS_PT_BINARY;
    if (type & EAS_PT_CODEPAGE) {
        if (type & EAS_PT_MV) return fail(r, EAS_ERR_ICS_FX_TYPE, at);
    } else if (type & EAS_PT_MV) {
        if (!mv_allowed((uint16_t)(type & ~EAS_PT_MV))) return fail(r, EAS_ERR_ICS_FX_TYPE, at);
    } else if (eas_ics_fx_fixed_size(type) < 0) {
        return fail(r, EAS_ERR_ICS_FX_TYPE, at);
    }
    r->prop.type = type;
    if ((tag >> 16) >= 0x8000) {
        r->prop.named = 1;
        expect(r, ST_NAME_GUID, 16);
        return EAS_OK;
    }
    return after_name(r);
}

/* An element collected in buf is whole. */
static eas_err element_done(eas_ics_fx_reader *r)
{
    switch (r->state) {
    case ST_TAG: return tag_done(r);
    case ST_NAME_GUID:
        memcpy(r->prop.name_guid.b, r->buf, 16);
        expect(r, ST_NAME_KIND, 1);
        return EAS_OK;
    case ST_NAME_KIND:
        r->prop.name_kind = r->buf[0];
        if (r->buf[0] == 0) {
            expect(r, ST_NAME_LID, 4);
            return EAS_OK;
        }
        if (r->buf[0] != 1) return fail(r, EAS_ERR_ICS_FX_TYPE, r->atom_offset);
        r->state = ST_NAME_STR;
        r->name_half = 0;
        r->name_len = 0;
        return EAS_OK;
    case ST_NAME_LID:
        r->prop.name_lid = le32(r->buf);
        return after_name(r);
    case ST_COUNT:
        r->prop.count = le32(r->buf);
        if (r->prop.count > EAS_ICS_FX_MAX_COUNT) return fail(r, EAS_ERR_ICS_FX_VALUE, r->atom_offset);
        return value_begins(r);
    case ST_LEN: {
        uint32_t n = le32(r->buf);
        if (n > EAS_ICS_FX_MAX_VALUE) return fail(r, EAS_ERR_ICS_FX_VALUE, r->atom_offset);
        r->total = n;
        r->remaining = n;
        r->state = ST_VAR;
        if (n > 0) return EAS_OK;
        if (r->handler && r->handler->value) {
            eas_err e = r->handler->value(r->user, &r->prop, r->index, 0, NULL, 0, 1);
            if (e != EAS_OK) return e;
        }
        r->index++;
        return next_element(r);
    }
    case ST_FIXED:
        if (r->handler && r->handler->value) {
            eas_err e = r->handler->value(r->user, &r->prop, r->index, r->need, r->buf, r->need, 1);
            if (e != EAS_OK) return e;
        }
        r->index++;
        return next_element(r);
    default: return fail(r, EAS_ERR_STATE, r->offset);
    }
}

static eas_err name_piece(eas_ics_fx_reader *r, const uint8_t *p, size_t n, int last)
{
    if ((n == 0 && !last) || !r->handler || !r->handler->name_part) return EAS_OK;
    return r->handler->name_part(r->user, p, n, last);
}

/* A string name: UTF-16LE up to a NUL unit, handed on in pieces (a unit cut between two buffers is
 * handed on whole, from a copy). Consumes bytes of p (advancing r->offset) and returns how many. */
static size_t name_bytes(eas_ics_fx_reader *r, const uint8_t *p, size_t n, eas_err *err)
{
    size_t i = 0, from = 0;
    *err = EAS_OK;
    if (r->name_half) {
        uint8_t unit[2] = {r->name_odd, p[0]};
        r->name_half = 0;
        i = from = 1;
        r->offset += 1;
        if (unit[0] == 0 && unit[1] == 0) {
            *err = name_piece(r, NULL, 0, 1);
            if (*err == EAS_OK) *err = after_name(r);
            return i;
        }
        r->name_len = (uint16_t)(r->name_len + 2);
        if (r->name_len > EAS_ICS_FX_MAX_NAME) {
            *err = fail(r, EAS_ERR_ICS_FX_VALUE, r->offset - 2);
            return i;
        }
        *err = name_piece(r, unit, 2, 0);
        if (*err != EAS_OK) return i;
    }
    while (i + 1 < n) {
        if (p[i] == 0 && p[i + 1] == 0) {
            *err = name_piece(r, p + from, i - from, 1);
            i += 2;
            r->offset += (uint32_t)(i - from);
            if (*err == EAS_OK) *err = after_name(r);
            return i;
        }
        r->name_len = (uint16_t)(r->name_len + 2);
        if (r->name_len > EAS_ICS_FX_MAX_NAME) {
            r->offset += (uint32_t)(i - from);
            *err = fail(r, EAS_ERR_ICS_FX_VALUE, r->offset);
            return i;
        }
        i += 2;
    }
    *err = name_piece(r, p + from, i - from, 0);
    if (i < n) {
        r->name_odd = p[i++];
        r->name_half = 1;
    }
    r->offset += (uint32_t)(i - from);
    return i;
}

eas_err eas_ics_fx_feed(eas_ics_fx_reader *r, const uint8_t *data, size_t len)
{
    if (r->err != EAS_OK) return r->err;
    size_t i = 0;
    while (i < len) {
        eas_err e = EAS_OK;
        if (r->state == ST_NAME_STR) {
            i += name_bytes(r, data + i, len - i, &e);
        } else if (r->state == ST_VAR) {
            size_t take = r->remaining < len - i ? r->remaining : len - i;
            r->remaining -= (uint32_t)take;
            r->offset += (uint32_t)take;
            int last = r->remaining == 0;
            if (r->handler && r->handler->value)
                e = r->handler->value(r->user, &r->prop, r->index, r->total, data + i, take, last);
            i += take;
            if (e == EAS_OK && last) {
                r->index++;
                e = next_element(r);
            }
        } else {
            size_t take = (size_t)(r->need - r->have) < len - i ? (size_t)(r->need - r->have) : len - i;
            memcpy(r->buf + r->have, data + i, take);
            r->have = (uint8_t)(r->have + take);
            r->offset += (uint32_t)take;
            i += take;
            if (r->have == r->need) e = element_done(r);
        }
        if (e != EAS_OK) {
            if (r->err == EAS_OK) fail(r, e, r->atom_offset);
            return r->err;
        }
    }
    return EAS_OK;
}

eas_err eas_ics_fx_finish(eas_ics_fx_reader *r)
{
    if (r->err != EAS_OK) return r->err;
    if (r->state != ST_TAG || r->have != 0) return fail(r, EAS_ERR_ICS_TRUNCATED, r->offset);
    if (r->depth != 0) return fail(r, EAS_ERR_ICS_FX_MARKER, r->offset);
    return EAS_OK;
}

uint32_t eas_ics_fx_error_offset(const eas_ics_fx_reader *r) { return r->err_offset; }
