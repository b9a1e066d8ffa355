#include "eas/foldersync.h"

#include <string.h>

#include "field.h"

eas_err eas_foldersync_request(eas_wbxml_writer *w, const char *sync_key)
{
    eas_wbxml_start(w, EAS_FolderHierarchy_FolderSync);
    eas_wbxml_text_element(w, EAS_FolderHierarchy_SyncKey, sync_key);
    return eas_wbxml_end(w);
}

void eas_foldersync_decoder_init(eas_foldersync_decoder *d, eas_folder_change_fn on_change, void *ctx)
{
    memset(d, 0, sizeof *d);
    d->on_change = on_change;
    d->ctx = ctx;
}

static eas_err on_start(void *user, eas_tag tag, int has_content)
{
    eas_foldersync_decoder *d = user;
    d->depth++;
    if (d->depth == 1) return tag == EAS_FolderHierarchy_FolderSync ? EAS_OK : EAS_ERR_PROTOCOL;
    switch (tag) {
    case EAS_FolderHierarchy_Add:
    case EAS_FolderHierarchy_Update:
    case EAS_FolderHierarchy_Delete:
        if (d->parent) return EAS_ERR_PROTOCOL;
        d->parent = tag;
        memset(&d->cur, 0, sizeof d->cur);
        return EAS_OK;
    case EAS_FolderHierarchy_Status:
    case EAS_FolderHierarchy_SyncKey:
    case EAS_FolderHierarchy_Count:
    case EAS_FolderHierarchy_ServerId:
    case EAS_FolderHierarchy_ParentId:
    case EAS_FolderHierarchy_DisplayName:
    case EAS_FolderHierarchy_Type:
        if (has_content) {
            d->field = tag;
            eas_wbxml_textbuf_init(&d->tb, d->text, sizeof d->text);
        }
        return EAS_OK;
    default:
        return EAS_OK; /* elements this device does not keep are skipped */
    }
}

static eas_err copy_text(char *dst, size_t cap, const eas_wbxml_textbuf *tb)
{
    /* Identifiers are sent back byte for byte: one that does not fit cannot be kept. */
    if (tb->truncated || tb->len >= cap) return EAS_ERR_NOSPACE;
    memcpy(dst, tb->buf, tb->len + 1);
    return EAS_OK;
}

static eas_err field_done(eas_foldersync_decoder *d)
{
    const char *s = d->text;
    uint32_t v;
    switch (d->field) {
    case EAS_FolderHierarchy_Status:
        if (d->parent || !eas_field_uint(s, &v)) return EAS_ERR_PROTOCOL;
        d->status = v;
        return EAS_OK;
    case EAS_FolderHierarchy_SyncKey:
        return d->parent ? EAS_ERR_PROTOCOL : copy_text(d->sync_key, sizeof d->sync_key, &d->tb);
    case EAS_FolderHierarchy_Count:
        if (!eas_field_uint(s, &v)) return EAS_ERR_PROTOCOL;
        d->count = v;
        return EAS_OK;
    case EAS_FolderHierarchy_ServerId:
        return copy_text(d->cur.server_id, sizeof d->cur.server_id, &d->tb);
    case EAS_FolderHierarchy_ParentId:
        return copy_text(d->cur.parent_id, sizeof d->cur.parent_id, &d->tb);
    case EAS_FolderHierarchy_DisplayName:
        memcpy(d->cur.display_name, d->tb.buf, d->tb.len + 1);
        d->cur.name_truncated = d->tb.truncated;
        return EAS_OK;
    case EAS_FolderHierarchy_Type:
        if (!eas_field_uint(s, &v) || v > 255u) return EAS_ERR_PROTOCOL;
        d->cur.type = (uint8_t)v;
        return EAS_OK;
    default:
        return EAS_OK;
    }
}

static eas_err on_end(void *user, eas_tag tag)
{
    eas_foldersync_decoder *d = user;
    eas_err e = EAS_OK;
    d->depth--;
    if (d->field == tag) {
        e = field_done(d);
        d->field = 0;
        if (e != EAS_OK) return e;
    }
    if (tag == d->parent) {
        d->parent = 0;
        if (d->cur.server_id[0] == '\0') return EAS_ERR_PROTOCOL;
        eas_folder_change kind = tag == EAS_FolderHierarchy_Add      ? EAS_FOLDER_ADDED
                                 : tag == EAS_FolderHierarchy_Update ? EAS_FOLDER_UPDATED
                                                                     : EAS_FOLDER_DELETED_CHANGE;
        d->changes++;
        if (d->on_change) e = d->on_change(d->ctx, kind, &d->cur);
    }
    return e;
}

static eas_err on_text(void *user, const uint8_t *data, size_t len, int last)
{
    eas_foldersync_decoder *d = user;
    (void)last;
    eas_field_collect(&d->tb, d->field != 0, data, len);
    return EAS_OK;
}

const eas_wbxml_handler eas_foldersync_handler = {on_start, on_end, on_text, NULL};

eas_err eas_foldersync_decoder_finish(const eas_foldersync_decoder *d)
{
    return d->status ? EAS_OK : EAS_ERR_PROTOCOL;
}

const char *eas_folder_type_name(uint8_t type)
{
    static const char *const names[] = {"",           "generic",      "inbox",      "drafts",        "deleted",
                                        "sent",       "outbox",       "tasks",      "calendar",      "contacts",
                                        "notes",      "journal",      "user-mail",  "user-calendar", "user-contacts",
                                        "user-tasks", "user-journal", "user-notes", "unknown",       "recipient-cache"};
    return type < sizeof names / sizeof names[0] ? names[type] : "unknown";
}
