#include "eas/itemops.h"

#include <string.h>

#include "field.h"

eas_err eas_fetch_request_write(eas_wbxml_writer *w, const eas_fetch_request *r)
{
    if (!r || !r->collection_id || !r->server_id || !r->collection_id[0] || !r->server_id[0]) return EAS_ERR_ARG;
    eas_wbxml_start(w, EAS_ItemOperations_ItemOperations);
    eas_wbxml_start(w, EAS_ItemOperations_Fetch);
    eas_wbxml_text_element(w, EAS_ItemOperations_Store, "Mailbox");
    eas_wbxml_text_element(w, EAS_AirSync_CollectionId, r->collection_id);
    eas_wbxml_text_element(w, EAS_AirSync_ServerId, r->server_id);
    eas_wbxml_start(w, EAS_ItemOperations_Options);
    eas_wbxml_start(w, EAS_AirSyncBase_BodyPreference);
    eas_wbxml_text_element(w, EAS_AirSyncBase_Type, "1"); /* plain text */
    if (r->max_bytes) eas_field_write_uint(w, EAS_AirSyncBase_TruncationSize, r->max_bytes);
    eas_wbxml_end(w);
    eas_wbxml_end(w);
    eas_wbxml_end(w);
    return eas_wbxml_end(w);
}

void eas_fetch_decoder_init(eas_fetch_decoder *d, eas_sink body, uint32_t budget)
{
    memset(d, 0, sizeof *d);
    d->body = body;
    d->budget = budget;
}

/* Depths of the elements read (the root is 1): ItemOperations/Response/Fetch/Properties/Body. */
#define DEPTH_FETCH 3u
#define DEPTH_BODY 5u

static eas_err on_start(void *user, eas_tag tag, int has_content)
{
    eas_fetch_decoder *d = user;
    d->depth++;
    if (d->depth == 1) return tag == EAS_ItemOperations_ItemOperations ? EAS_OK : EAS_ERR_PROTOCOL;
    if (d->in_data) return EAS_ERR_PROTOCOL; /* Data holds text only */
    /* Only the item's own body: an exception's body lies deeper. */
    if (tag == EAS_AirSyncBase_Body && d->depth == DEPTH_BODY) {
        if (d->have_body) return EAS_ERR_PROTOCOL;
        d->in_body = 1;
        d->have_body = 1;
        return EAS_OK;
    }
    if (!has_content) return EAS_OK;
    if (d->in_body && d->depth == DEPTH_BODY + 1) {
        if (tag == EAS_AirSyncBase_Data) {
            d->in_data = 1;
            return EAS_OK;
        }
        if (tag != EAS_AirSyncBase_Type && tag != EAS_AirSyncBase_EstimatedDataSize && tag != EAS_AirSyncBase_Truncated)
            return EAS_OK;
    } else if (tag != EAS_ItemOperations_Status) {
        return EAS_OK;
    }
    d->number = tag;
    eas_wbxml_textbuf_init(&d->tb, d->text, sizeof d->text);
    return EAS_OK;
}

static eas_err emit(eas_fetch_decoder *d, const uint8_t *data, size_t len)
{
    if (len == 0) return EAS_OK;
    d->written += (uint32_t)len;
    return d->body.write ? d->body.write(d->body.ctx, data, len) : EAS_OK;
}

static size_t utf8_need(uint8_t lead) { return lead >= 0xF0u ? 4 : lead >= 0xE0u ? 3 : lead >= 0xC0u ? 2 : 1; }
static int is_cont(uint8_t b) { return (b & 0xC0u) == 0x80u; }

/* The body is read character by character (a lead byte and its continuation bytes; a broken sequence
 * counts as one, a stray continuation byte too), so that where the budget cuts does not depend on how
 * the text arrived in pieces. Whole characters of a piece go to the sink in one call; a character
 * still open at the end of a piece waits in hold. */
typedef struct {
    eas_fetch_decoder *d;
    const uint8_t *data;
    size_t done; /* data[0..done) is accepted, not yet written */
} piece;

static eas_err flush_piece(piece *p)
{
    eas_err e = emit(p->d, p->data, p->done);
    p->done = 0;
    return e;
}

/* The character that ends at data[end) (begun in hold when held > 0) is accepted or, past the budget,
 * the body ends before it. Returns 0 when the budget ended it. */
static int accept_char(piece *p, size_t start, size_t end, eas_err *e)
{
    eas_fetch_decoder *d = p->d;
    uint32_t len = (uint32_t)(d->held + (end - start));
    if (d->budget && d->written + p->done + len > d->budget) {
        d->cut = 1;
        d->held = 0;
        *e = flush_piece(p);
        return 0;
    }
    if (d->held) { /* the first character of the piece: nothing of the piece is pending yet */
        *e = emit(d, d->hold, d->held);
        d->held = 0;
        if (*e != EAS_OK) return 0;
    }
    p->done = end;
    return 1;
}

static eas_err body_piece(eas_fetch_decoder *d, const uint8_t *data, size_t len)
{
    piece p = {d, data, 0};
    eas_err e = EAS_OK;
    size_t start = 0; /* of the open character's bytes in data */
    d->received += (uint32_t)len;
    if (d->cut) return EAS_OK;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = data[i];
        if (d->need) {
            size_t have = d->held + (i - start);
            if (is_cont(b)) {
                if (have + 1 == d->need) {
                    d->need = 0;
                    if (!accept_char(&p, start, i + 1, &e)) return e;
                }
                continue;
            }
            d->need = 0; /* broken: what there is of it counts as one character */
            if (!accept_char(&p, start, i, &e)) return e;
        }
        start = i;
        size_t need = is_cont(b) ? 1 : utf8_need(b);
        if (need > 1) d->need = (uint8_t)need;
        else if (!accept_char(&p, i, i + 1, &e)) return e;
    }
    if (d->need) {
        memcpy(d->hold + d->held, data + start, len - start);
        d->held = (uint8_t)(d->held + (len - start));
    }
    return flush_piece(&p);
}

/* The Data ended inside a character: it goes out as it came, if it fits. */
static eas_err body_end(eas_fetch_decoder *d)
{
    piece p = {d, NULL, 0};
    eas_err e = EAS_OK;
    if (!d->need || d->cut) return EAS_OK;
    d->need = 0;
    accept_char(&p, 0, 0, &e);
    return e;
}

static eas_err number_done(eas_fetch_decoder *d, eas_tag tag)
{
    uint32_t v;
    if (d->tb.truncated || !eas_field_uint(d->text, &v)) return EAS_ERR_PROTOCOL;
    switch (tag) {
    case EAS_ItemOperations_Status:
        if (d->depth == 1) d->status = v;
        else if (d->depth == DEPTH_FETCH) d->fetch_status = v;
        return EAS_OK;
    case EAS_AirSyncBase_Type: d->body_type = v; return EAS_OK;
    case EAS_AirSyncBase_EstimatedDataSize: d->estimated = v; return EAS_OK;
    default: d->server_truncated = v != 0; return EAS_OK;
    }
}

static eas_err on_end(void *user, eas_tag tag)
{
    eas_fetch_decoder *d = user;
    d->depth--;
    if (d->number && tag == d->number) {
        d->number = 0;
        return number_done(d, tag);
    }
    if (d->in_data && tag == EAS_AirSyncBase_Data) {
        d->in_data = 0;
        return body_end(d);
    }
    if (d->in_body && tag == EAS_AirSyncBase_Body && d->depth == DEPTH_BODY - 1) d->in_body = 0;
    return EAS_OK;
}

static eas_err on_text(void *user, const uint8_t *data, size_t len, int last)
{
    eas_fetch_decoder *d = user;
    (void)last;
    if (d->in_data) return body_piece(d, data, len);
    eas_field_collect(&d->tb, d->number != 0, data, len);
    return EAS_OK;
}

static eas_err on_opaque(void *user, const uint8_t *data, size_t len, uint32_t total, int last)
{
    (void)total;
    return on_text(user, data, len, last);
}

const eas_wbxml_handler eas_fetch_handler = {on_start, on_end, on_text, on_opaque};

eas_err eas_fetch_decoder_finish(const eas_fetch_decoder *d) { return d->status ? EAS_OK : EAS_ERR_PROTOCOL; }

uint32_t eas_fetch_decoder_status(const eas_fetch_decoder *d)
{
    return eas_field_deciding_status(d->status, d->fetch_status);
}

int eas_fetch_decoder_truncated(const eas_fetch_decoder *d)
{
    return d->cut || d->server_truncated;
}
