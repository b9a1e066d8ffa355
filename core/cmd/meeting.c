#include "eas/meeting.h"

#include <string.h>

#include "field.h"

eas_err eas_meeting_request_write(eas_wbxml_writer *w, const eas_meeting_request *r)
{
    char resp[2] = {(char)('0' + (int)r->response), '\0'};
    eas_wbxml_start(w, EAS_MeetingResponse_MeetingResponse);
    eas_wbxml_start(w, EAS_MeetingResponse_Request);
    eas_wbxml_text_element(w, EAS_MeetingResponse_UserResponse, resp);
    eas_wbxml_text_element(w, EAS_MeetingResponse_CollectionId, r->collection_id);
    eas_wbxml_text_element(w, EAS_MeetingResponse_RequestId, r->request_id);
    if (r->instance_id) eas_wbxml_text_element(w, EAS_MeetingResponse_InstanceId, r->instance_id);
    /* Empty: a mail with no body of its own (MS-ASCMD 2.2.3.163). */
    if (r->send_response) eas_wbxml_empty(w, EAS_MeetingResponse_SendResponse);
    eas_wbxml_end(w);
    return eas_wbxml_end(w);
}

void eas_meeting_decoder_init(eas_meeting_decoder *d) { memset(d, 0, sizeof *d); }

static eas_err on_start(void *user, eas_tag tag, int has_content)
{
    eas_meeting_decoder *d = user;
    d->depth++;
    if (d->depth == 1) return tag == EAS_MeetingResponse_MeetingResponse ? EAS_OK : EAS_ERR_PROTOCOL;
    if (tag == EAS_MeetingResponse_Status && has_content) {
        d->field = tag;
        eas_wbxml_textbuf_init(&d->tb, d->text, sizeof d->text);
    }
    return EAS_OK;
}

static eas_err on_end(void *user, eas_tag tag)
{
    eas_meeting_decoder *d = user;
    uint32_t v;
    d->depth--;
    if (d->field != tag) return EAS_OK;
    d->field = 0;
    if (d->tb.truncated || !eas_field_uint(d->text, &v)) return EAS_ERR_PROTOCOL;
    d->status = v;
    return EAS_OK;
}

static eas_err on_text(void *user, const uint8_t *data, size_t len, int last)
{
    eas_meeting_decoder *d = user;
    (void)last;
    eas_field_collect(&d->tb, d->field != 0, data, len);
    return EAS_OK;
}

const eas_wbxml_handler eas_meeting_handler = {on_start, on_end, on_text, NULL};
