/* Streaming IDSET decoder (eas/ics_idset.h, MS-OXCFXICS 3.1.5.4.3.2). An element (a replica header or a
 * command with its arguments) is collected in buf until whole, so a buffer may end at any byte. */
#include <string.h>

#include "eas/ics_idset.h"

enum { ST_HEADER, ST_COMMAND, ST_ARGS };

void eas_ics_idset_decoder_init(eas_ics_idset_decoder *d, eas_ics_form form, const eas_ics_idset_handler *h,
                                void *user)
{
    memset(d, 0, sizeof *d);
    d->handler = h;
    d->user = user;
    d->form = (uint8_t)form;
    d->state = ST_HEADER;
    d->need = form == EAS_ICS_REPLID ? 2 : 16;
}

static eas_err fail(eas_ics_idset_decoder *d, eas_err e, uint32_t at)
{
    d->err = e;
    d->err_offset = at;
    return e;
}

static uint64_t stack_value(const eas_ics_idset_decoder *d, const uint8_t *low, unsigned nlow)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < d->depth; i++) v = (v << 8) | d->stack[i];
    for (unsigned i = 0; i < nlow; i++) v = (v << 8) | low[i];
    return v;
}

static eas_err emit(eas_ics_idset_decoder *d, uint64_t lo, uint64_t hi)
{
    if (!d->handler || !d->handler->range) return EAS_OK;
    return d->handler->range(d->user, &d->replica, lo, hi);
}

static eas_err header_done(eas_ics_idset_decoder *d)
{
    memset(&d->replica, 0, sizeof d->replica);
    memcpy(d->replica.b, d->buf, d->need);
    d->state = ST_COMMAND;
    d->depth = 0;
    d->npush = 0;
    if (d->handler && d->handler->replica) return d->handler->replica(d->user, d->cmd_offset, &d->replica);
    return EAS_OK;
}

/* A command byte: either complete at once (Pop, End) or the number of argument bytes it needs. */
static eas_err command_start(eas_ics_idset_decoder *d, uint8_t c)
{
    d->cmd = c;
    d->have = 0;
    if (c >= 0x01 && c <= 0x06) {
        if (d->depth + c > 6) return fail(d, EAS_ERR_ICS_GLOBSET, d->cmd_offset);
        d->need = c;
    } else if (c == EAS_ICS_CMD_BITMASK) {
        if (d->depth != 5) return fail(d, EAS_ERR_ICS_GLOBSET, d->cmd_offset);
        d->need = 2;
    } else if (c == EAS_ICS_CMD_RANGE) {
        d->need = (uint8_t)(2 * (6 - d->depth));
    } else if (c == EAS_ICS_CMD_POP || c == EAS_ICS_CMD_END) {
        d->need = 0;
    } else {
        return fail(d, EAS_ERR_ICS_GLOBSET, d->cmd_offset);
    }
    d->state = ST_ARGS;
    return EAS_OK;
}

static eas_err command_done(eas_ics_idset_decoder *d)
{
    const uint8_t c = d->cmd;
    eas_err e = EAS_OK;
    if (d->handler && d->handler->command) {
        e = d->handler->command(d->user, d->cmd_offset, c, d->buf, d->need, d->depth);
        if (e != EAS_OK) return e;
    }
    d->state = ST_COMMAND;
    if (c >= 0x01 && c <= 0x06) {
        memcpy(&d->stack[d->depth], d->buf, c);
        d->depth = (uint8_t)(d->depth + c);
        d->push_len[d->npush++] = c;
        if (d->depth == 6) {
            /* A full GLOBCNT: one value, and the push undoes itself (3.1.5.4.3.1.1). */
            d->depth = (uint8_t)(d->depth - c);
            d->npush--;
            uint64_t v = stack_value(d, d->buf, c);
            e = emit(d, v, v);
        }
    } else if (c == EAS_ICS_CMD_POP) {
        if (d->npush == 0) return fail(d, EAS_ERR_ICS_GLOBSET, d->cmd_offset);
        d->depth = (uint8_t)(d->depth - d->push_len[--d->npush]);
    } else if (c == EAS_ICS_CMD_BITMASK) {
        /* Low bytes: the start, then start + 1 + b for each set bit b; runs of them are ranges. */
        uint64_t base = stack_value(d, NULL, 0) << 8;
        unsigned start = d->buf[0], member = 1u | ((unsigned)d->buf[1] << 1); /* bit k: start + k */
        if (start + 8 > 0xFF && (member >> (0x100 - start)) != 0) return fail(d, EAS_ERR_ICS_GLOBSET, d->cmd_offset);
        unsigned run_lo = 0;
        for (unsigned k = 0; k < 9 && e == EAS_OK; k++) {
            if (!((member >> k) & 1u)) continue;
            if (k == 0 || !((member >> (k - 1)) & 1u)) run_lo = k;
            if (!((member >> (k + 1)) & 1u)) e = emit(d, base | (start + run_lo), base | (start + k));
        }
    } else if (c == EAS_ICS_CMD_RANGE) {
        unsigned n = (unsigned)(6 - d->depth);
        uint64_t lo = stack_value(d, d->buf, n), hi = stack_value(d, d->buf + n, n);
        if (lo > hi) return fail(d, EAS_ERR_ICS_GLOBSET, d->cmd_offset);
        e = emit(d, lo, hi);
    } else { /* End */
        if (d->depth != 0) return fail(d, EAS_ERR_ICS_GLOBSET, d->cmd_offset);
        d->state = ST_HEADER;
        d->need = d->form == EAS_ICS_REPLID ? 2 : 16;
        d->have = 0;
    }
    return e;
}

eas_err eas_ics_idset_feed(eas_ics_idset_decoder *d, const uint8_t *data, size_t len)
{
    if (d->err != EAS_OK) return d->err;
    size_t i = 0;
    while (i < len) {
        eas_err e = EAS_OK;
        if (d->state == ST_COMMAND) {
            d->cmd_offset = d->offset;
            d->offset++;
            e = command_start(d, data[i++]);
        } else if (d->have < d->need) {
            if (d->state == ST_HEADER && d->have == 0) d->cmd_offset = d->offset;
            size_t take = d->need - d->have;
            if (take > len - i) take = len - i;
            memcpy(&d->buf[d->have], &data[i], take);
            d->have = (uint8_t)(d->have + take);
            d->offset += (uint32_t)take;
            i += take;
        }
        if (e == EAS_OK && d->have == d->need) {
            if (d->state == ST_HEADER) e = header_done(d);
            else if (d->state == ST_ARGS) e = command_done(d);
        }
        if (e != EAS_OK) {
            if (d->err == EAS_OK) fail(d, e, d->cmd_offset);
            return d->err;
        }
    }
    return EAS_OK;
}

eas_err eas_ics_idset_finish(eas_ics_idset_decoder *d)
{
    if (d->err != EAS_OK) return d->err;
    if (d->state == ST_HEADER && d->have == 0) return EAS_OK;
    return fail(d, EAS_ERR_ICS_TRUNCATED, d->offset);
}

uint32_t eas_ics_idset_error_offset(const eas_ics_idset_decoder *d) { return d->err_offset; }

static eas_err add_to_set(void *user, const eas_ics_guid *replica, uint64_t lo, uint64_t hi)
{
    return eas_ics_set_add_range((eas_ics_set *)user, replica, lo, hi);
}

const eas_ics_idset_handler eas_ics_idset_into_set = {NULL, add_to_set, NULL};

eas_err eas_ics_idset_decode(eas_ics_set *s, const uint8_t *data, size_t len, uint32_t *err_offset)
{
    eas_ics_idset_decoder d;
    eas_ics_idset_decoder_init(&d, (eas_ics_form)s->form, &eas_ics_idset_into_set, s);
    eas_err e = eas_ics_idset_feed(&d, data, len);
    if (e == EAS_OK) e = eas_ics_idset_finish(&d);
    if (err_offset) *err_offset = e == EAS_OK ? 0 : d.err_offset;
    return e;
}
