/* The ICS state in and out (eas/ics_state.h). */
#include <string.h>

#include "eas/ics_state.h"

static const uint32_t state_tags[EAS_ICS_STATE_PROPS] = {
    EAS_FX_META_IDSET_GIVEN, EAS_FX_META_CNSET_SEEN, EAS_FX_META_CNSET_SEEN_FAI, EAS_FX_META_CNSET_READ};

uint32_t eas_ics_state_tag(eas_ics_state_prop p) { return (unsigned)p < EAS_ICS_STATE_PROPS ? state_tags[p] : 0; }

int eas_ics_state_prop_of(uint32_t tag)
{
    for (int i = 0; i < EAS_ICS_STATE_PROPS; i++)
        if (state_tags[i] == tag) return i;
    return -1;
}

void eas_ics_state_init(eas_ics_state *st)
{
    for (unsigned i = 0; i < EAS_ICS_STATE_PROPS; i++) eas_ics_set_init(&st->set[i], EAS_ICS_REPLGUID);
    st->present = 0;
}

void eas_ics_state_reader_init(eas_ics_state_reader *r, eas_ics_state *st)
{
    memset(r, 0, sizeof *r);
    r->state = st;
    r->current = -1;
}

eas_err eas_ics_state_begin(eas_ics_state_reader *r, uint32_t tag)
{
    int p = eas_ics_state_prop_of(tag);
    if (p < 0 || r->current >= 0) return EAS_ERR_ICS_STATE;
    r->current = p;
    eas_ics_set *s = &r->state->set[p];
    eas_ics_set_init(s, EAS_ICS_REPLGUID);
    eas_ics_idset_decoder_init(&r->dec, EAS_ICS_REPLGUID, &eas_ics_idset_into_set, s);
    return EAS_OK;
}

eas_err eas_ics_state_continue(eas_ics_state_reader *r, const uint8_t *data, size_t len)
{
    if (r->current < 0) return EAS_ERR_ICS_STATE;
    eas_err e = eas_ics_idset_feed(&r->dec, data, len);
    if (e != EAS_OK) r->err_offset = r->value_offset + eas_ics_idset_error_offset(&r->dec);
    return e;
}

eas_err eas_ics_state_end(eas_ics_state_reader *r)
{
    if (r->current < 0) return EAS_ERR_ICS_STATE;
    eas_err e = eas_ics_idset_finish(&r->dec);
    if (e != EAS_OK) {
        r->err_offset = r->value_offset + eas_ics_idset_error_offset(&r->dec);
        return e;
    }
    r->state->present = (uint8_t)(r->state->present | (1u << r->current));
    r->current = -1;
    return EAS_OK;
}

static eas_err fx_begin(void *user, const eas_ics_fx_prop *p)
{
    eas_ics_state_reader *r = user;
    if (eas_ics_state_prop_of(p->tag) < 0) return EAS_OK;
    return eas_ics_state_begin(r, p->tag);
}

static eas_err fx_value(void *user, const eas_ics_fx_prop *p, uint32_t index, uint32_t total, const uint8_t *data,
                        size_t len, int last)
{
    eas_ics_state_reader *r = user;
    (void)index;
    (void)last;
    if (r->current < 0 || eas_ics_state_prop_of(p->tag) != r->current) return EAS_OK;
    (void)total;
    /* The value's first byte in the stream, for errors: after the tag and the length (state properties
     * are not named). */
    if (r->dec.offset == 0) r->value_offset = p->offset + 8;
    return eas_ics_state_continue(r, data, len);
}

static eas_err fx_end(void *user, const eas_ics_fx_prop *p)
{
    eas_ics_state_reader *r = user;
    if (r->current < 0 || eas_ics_state_prop_of(p->tag) != r->current) return EAS_OK;
    return eas_ics_state_end(r);
}

const eas_ics_fx_handler eas_ics_state_fx_handler = {NULL, NULL, fx_begin, fx_value, fx_end};

static eas_err put32(eas_sink sink, uint32_t v, uint32_t *bytes)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    *bytes += 4;
    return sink.write ? sink.write(sink.ctx, b, 4) : EAS_OK;
}

eas_err eas_ics_state_write_prop(const eas_ics_state *st, eas_ics_state_prop p, eas_sink sink, uint32_t *len)
{
    if ((unsigned)p >= EAS_ICS_STATE_PROPS) return EAS_ERR_ARG;
    uint32_t size = 0, bytes = 0;
    eas_sink count = {NULL, NULL};
    eas_err e = eas_ics_idset_encode(&st->set[p], count, &size);
    if (e == EAS_OK) e = put32(sink, state_tags[p], &bytes);
    if (e == EAS_OK) e = put32(sink, size, &bytes);
    if (e == EAS_OK) e = eas_ics_idset_encode(&st->set[p], sink, NULL);
    if (len) *len = bytes + size;
    return e;
}

eas_err eas_ics_state_write(const eas_ics_state *st, eas_sink sink, uint32_t *len)
{
    uint32_t bytes = 0;
    eas_err e = put32(sink, EAS_FX_INCR_SYNC_STATE_BEGIN, &bytes);
    for (unsigned p = 0; p < EAS_ICS_STATE_PROPS && e == EAS_OK; p++) {
        uint32_t n = 0;
        e = eas_ics_state_write_prop(st, (eas_ics_state_prop)p, sink, &n);
        bytes += n;
    }
    if (e == EAS_OK) e = put32(sink, EAS_FX_INCR_SYNC_STATE_END, &bytes);
    if (len) *len = bytes;
    return e;
}
