#include "eas/ping.h"

#include <string.h>

#include "field.h"

eas_err eas_ping_request_write(eas_wbxml_writer *w, uint32_t heartbeat_s, const eas_ping_folder *folders, unsigned n)
{
    eas_wbxml_start(w, EAS_Ping_Ping);
    eas_field_write_uint(w, EAS_Ping_HeartbeatInterval, heartbeat_s);
    eas_wbxml_start(w, EAS_Ping_Folders);
    for (unsigned i = 0; i < n; i++) {
        eas_wbxml_start(w, EAS_Ping_Folder);
        eas_wbxml_text_element(w, EAS_Ping_Id, folders[i].id);
        eas_wbxml_text_element(w, EAS_Ping_Class, folders[i].cls);
        eas_wbxml_end(w);
    }
    eas_wbxml_end(w);
    return eas_wbxml_end(w);
}

void eas_ping_decoder_init(eas_ping_decoder *d, eas_ping_folder_fn on_folder, void *ctx)
{
    memset(d, 0, sizeof *d);
    d->on_folder = on_folder;
    d->ctx = ctx;
}

static eas_err on_start(void *user, eas_tag tag, int has_content)
{
    eas_ping_decoder *d = user;
    d->depth++;
    if (d->depth == 1) return tag == EAS_Ping_Ping ? EAS_OK : EAS_ERR_PROTOCOL;
    if ((tag == EAS_Ping_Status || tag == EAS_Ping_Folder || tag == EAS_Ping_HeartbeatInterval ||
         tag == EAS_Ping_MaxFolders) &&
        has_content) {
        d->field = tag;
        eas_wbxml_textbuf_init(&d->tb, d->text, sizeof d->text);
    }
    return EAS_OK;
}

static eas_err on_end(void *user, eas_tag tag)
{
    eas_ping_decoder *d = user;
    uint32_t v;
    d->depth--;
    if (d->field != tag) return EAS_OK;
    d->field = 0;
    if (d->tb.truncated) return EAS_ERR_PROTOCOL;
    if (tag == EAS_Ping_Folder) return d->on_folder ? d->on_folder(d->ctx, d->text) : EAS_OK;
    if (!eas_field_uint(d->text, &v)) return EAS_ERR_PROTOCOL;
    if (tag == EAS_Ping_Status) d->status = v;
    else if (tag == EAS_Ping_HeartbeatInterval) d->heartbeat = v;
    else d->max_folders = v;
    return EAS_OK;
}

static eas_err on_text(void *user, const uint8_t *data, size_t len, int last)
{
    eas_ping_decoder *d = user;
    (void)last;
    eas_field_collect(&d->tb, d->field != 0, data, len);
    return EAS_OK;
}

const eas_wbxml_handler eas_ping_handler = {on_start, on_end, on_text, NULL};
