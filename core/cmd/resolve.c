#include "eas/resolve.h"

#include <string.h>

#include "eas/civil.h"
#include "field.h"

#define RESOLVE_TO_MAX 256u /* MS-ASCMD: a To is at most 256 characters */

eas_err eas_resolve_request_write(eas_wbxml_writer *w, const eas_resolve_request *r)
{
    char t[EAS_DATETIME_DASHED_SIZE];
    if (!r || !r->to || r->n == 0 || r->n > EAS_RESOLVE_MAX_TO) return EAS_ERR_ARG;
    for (unsigned i = 0; i < r->n; i++) {
        size_t n = r->to[i] ? strlen(r->to[i]) : 0;
        if (n == 0 || n > RESOLVE_TO_MAX) return EAS_ERR_ARG;
    }
    eas_wbxml_start(w, EAS_ResolveRecipients_ResolveRecipients);
    for (unsigned i = 0; i < r->n; i++) eas_wbxml_text_element(w, EAS_ResolveRecipients_To, r->to[i]);
    eas_wbxml_start(w, EAS_ResolveRecipients_Options);
    /* 1: no certificates (a display has no use for them). */
    eas_wbxml_text_element(w, EAS_ResolveRecipients_CertificateRetrieval, "1");
    if (r->max_ambiguous) eas_field_write_uint(w, EAS_ResolveRecipients_MaxAmbiguousRecipients, r->max_ambiguous);
    if (r->end > r->start) {
        eas_wbxml_start(w, EAS_ResolveRecipients_Availability);
        if (eas_datetime_format_dashed(r->start, t, sizeof t) != EAS_OK) return EAS_ERR_ARG;
        eas_wbxml_text_element(w, EAS_ResolveRecipients_StartTime, t);
        if (eas_datetime_format_dashed(r->end, t, sizeof t) != EAS_OK) return EAS_ERR_ARG;
        eas_wbxml_text_element(w, EAS_ResolveRecipients_EndTime, t);
        eas_wbxml_end(w);
    }
    eas_wbxml_end(w);
    return eas_wbxml_end(w);
}

void eas_resolve_decoder_init(eas_resolve_decoder *d, const eas_resolve_events *ev, int64_t start, int64_t end)
{
    memset(d, 0, sizeof *d);
    if (ev) d->ev = *ev;
    d->start = start;
    d->end = end;
}

static eas_err fb_run(void *ctx, int64_t start, int64_t end, eas_fb_status s)
{
    eas_resolve_decoder *d = ctx;
    return d->ev.run ? d->ev.run(d->ev.ctx, &d->cur, start, end, s) : EAS_OK;
}

static void collect_into(eas_resolve_decoder *d, eas_tag tag, char *dst, size_t cap)
{
    d->field = tag;
    d->dst = dst;
    eas_wbxml_textbuf_init(&d->tb, dst, cap);
}

static eas_err on_start(void *user, eas_tag tag, int has_content)
{
    eas_resolve_decoder *d = user;
    d->depth++;
    if (d->depth == 1) return tag == EAS_ResolveRecipients_ResolveRecipients ? EAS_OK : EAS_ERR_PROTOCOL;
    if (d->in_fb) return EAS_ERR_PROTOCOL; /* MergedFreeBusy holds digits only */
    switch (tag) {
    case EAS_ResolveRecipients_Response:
        if (d->depth != 2) return EAS_ERR_PROTOCOL;
        memset(&d->cur, 0, sizeof d->cur);
        d->response_recipients = 0;
        return EAS_OK;
    case EAS_ResolveRecipients_Recipient: {
        if (d->depth != 3 || d->in_recipient) return EAS_ERR_PROTOCOL;
        /* A new recipient keeps its Response's To and status, and nothing of the one before. */
        uint32_t rs = d->cur.response_status;
        char to[sizeof d->cur.to];
        memcpy(to, d->cur.to, sizeof to);
        memset(&d->cur, 0, sizeof d->cur);
        memcpy(d->cur.to, to, sizeof to);
        d->cur.response_status = rs;
        d->in_recipient = 1;
        return EAS_OK;
    }
    case EAS_ResolveRecipients_MergedFreeBusy:
        if (!d->in_recipient) return EAS_OK;
        d->cur.has_freebusy = 1;
        if (d->end > d->start) {
            eas_fb_decoder_init(&d->fb, d->start, d->end, fb_run, d);
            d->in_fb = 1;
        }
        if (!has_content && d->in_fb) {
            d->in_fb = 0;
            return eas_fb_decoder_finish(&d->fb);
        }
        return EAS_OK;
    default:
        break;
    }
    if (!has_content) return EAS_OK;
    switch (tag) {
    case EAS_ResolveRecipients_To: collect_into(d, tag, d->cur.to, sizeof d->cur.to); break;
    case EAS_ResolveRecipients_DisplayName:
        if (d->in_recipient) collect_into(d, tag, d->cur.display_name, sizeof d->cur.display_name);
        break;
    case EAS_ResolveRecipients_EmailAddress:
        if (d->in_recipient) collect_into(d, tag, d->cur.email, sizeof d->cur.email);
        break;
    case EAS_ResolveRecipients_Status:
    case EAS_ResolveRecipients_Type:
    case EAS_ResolveRecipients_RecipientCount: collect_into(d, tag, d->text, sizeof d->text); break;
    default: break; /* certificates, pictures: not kept */
    }
    return EAS_OK;
}

static eas_err number_done(eas_resolve_decoder *d, eas_tag tag)
{
    uint32_t v;
    if (d->tb.truncated || !eas_field_uint(d->text, &v)) return EAS_ERR_PROTOCOL;
    if (tag == EAS_ResolveRecipients_Type) {
        d->cur.type = (uint8_t)(v > 255u ? 255u : v);
    } else if (tag == EAS_ResolveRecipients_Status) {
        /* Whose status it is follows from the depth it closed at: the command's (1), a Response's
         * (2), an Availability's (4: Recipient/Availability) or a certificate's or picture's. */
        if (d->depth == 1) d->status = v;
        else if (d->depth == 2) d->cur.response_status = v;
        else if (d->depth == 4 && d->in_recipient) d->cur.availability_status = v;
    }
    return EAS_OK;
}

static eas_err on_end(void *user, eas_tag tag)
{
    eas_resolve_decoder *d = user;
    eas_err e = EAS_OK;
    d->depth--;
    if (d->field && tag == d->field) {
        d->field = 0;
        if (d->dst != d->text) {
            if (d->tb.truncated) d->cur.truncated = 1;
            return EAS_OK;
        }
        return number_done(d, tag);
    }
    switch (tag) {
    case EAS_ResolveRecipients_MergedFreeBusy:
        if (!d->in_fb) return EAS_OK;
        d->in_fb = 0;
        return eas_fb_decoder_finish(&d->fb);
    case EAS_ResolveRecipients_Recipient:
        d->in_recipient = 0;
        d->recipients++;
        d->response_recipients++;
        return d->ev.recipient ? d->ev.recipient(d->ev.ctx, &d->cur) : EAS_OK;
    case EAS_ResolveRecipients_Response:
        d->responses++;
        if (d->ev.response) e = d->ev.response(d->ev.ctx, d->cur.to, d->cur.response_status, d->response_recipients);
        return e;
    default: return EAS_OK;
    }
}

static eas_err on_text(void *user, const uint8_t *data, size_t len, int last)
{
    eas_resolve_decoder *d = user;
    (void)last;
    if (d->in_fb) return eas_fb_decoder_feed(&d->fb, (const char *)data, len);
    eas_field_collect(&d->tb, d->field != 0, data, len);
    return EAS_OK;
}

const eas_wbxml_handler eas_resolve_handler = {on_start, on_end, on_text, NULL};

eas_err eas_resolve_decoder_finish(const eas_resolve_decoder *d) { return d->status ? EAS_OK : EAS_ERR_PROTOCOL; }
