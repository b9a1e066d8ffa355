#include "eas/sync.h"

#include <string.h>

#include "field.h"

/* One Collection element of a Sync request. */
static eas_err write_collection(eas_wbxml_writer *w, const eas_sync_request *r)
{
    int first = strcmp(r->sync_key, "0") == 0;
    eas_wbxml_start(w, EAS_AirSync_Collection);
    eas_wbxml_text_element(w, EAS_AirSync_SyncKey, r->sync_key);
    eas_wbxml_text_element(w, EAS_AirSync_CollectionId, r->collection_id);
    if (first && r->supported_n) {
        /* Only the first Sync of a collection says it; the server keeps it for the SyncKeys that follow. */
        eas_wbxml_start(w, EAS_AirSync_Supported);
        for (size_t i = 0; i < r->supported_n; i++) eas_wbxml_empty(w, r->supported[i]);
        eas_wbxml_end(w);
    }
    if (!first) {
        /* Schema order: GetChanges, WindowSize, Options, Commands. */
        if (r->get_changes) eas_wbxml_empty(w, EAS_AirSync_GetChanges);
        else eas_wbxml_text_element(w, EAS_AirSync_GetChanges, "0");
        if (r->window_size) eas_field_write_uint(w, EAS_AirSync_WindowSize, r->window_size);
        if (r->filter_type != EAS_FILTER_NONE || r->body_type) {
            eas_wbxml_start(w, EAS_AirSync_Options);
            if (r->filter_type != EAS_FILTER_NONE) eas_field_write_uint(w, EAS_AirSync_FilterType, r->filter_type);
            if (r->body_type) {
                eas_wbxml_start(w, EAS_AirSyncBase_BodyPreference);
                eas_field_write_uint(w, EAS_AirSyncBase_Type, r->body_type);
                if (r->truncation) eas_field_write_uint(w, EAS_AirSyncBase_TruncationSize, r->truncation);
                eas_wbxml_end(w);
            }
            eas_wbxml_end(w);
        }
        if (r->commands) {
            eas_wbxml_start(w, EAS_AirSync_Commands);
            eas_err e = r->commands(r->commands_ctx, w);
            if (e != EAS_OK) return e;
            eas_wbxml_end(w);
        }
    }
    return eas_wbxml_end(w);
}

eas_err eas_sync_request_write(eas_wbxml_writer *w, const eas_sync_request *r)
{
    eas_wbxml_start(w, EAS_AirSync_Sync);
    eas_wbxml_start(w, EAS_AirSync_Collections);
    eas_err e = write_collection(w, r);
    if (e != EAS_OK) return e;
    eas_wbxml_end(w);
    return eas_wbxml_end(w);
}

eas_err eas_sync_init_request_write(eas_wbxml_writer *w, unsigned n, eas_sync_collection_fn next, void *ctx)
{
    eas_sync_request r;
    eas_err e = EAS_OK;
    if (n == 0 || !next) return EAS_ERR_ARG;
    eas_wbxml_start(w, EAS_AirSync_Sync);
    eas_wbxml_start(w, EAS_AirSync_Collections);
    for (unsigned i = 0; i < n && e == EAS_OK; i++) {
        memset(&r, 0, sizeof r);
        if ((e = next(ctx, i, &r)) != EAS_OK) break;
        if (!r.collection_id) return EAS_ERR_ARG;
        r.sync_key = "0"; /* the first Sync of each: no GetChanges, WindowSize, Options or Commands */
        e = write_collection(w, &r);
    }
    if (e != EAS_OK) return e;
    eas_wbxml_end(w);
    return eas_wbxml_end(w);
}

void eas_sync_decoder_init(eas_sync_decoder *d, eas_class cls, const eas_sync_events *ev)
{
    memset(d, 0, sizeof *d);
    d->cls = (uint8_t)cls;
    if (ev) d->ev = *ev;
}

static uint8_t change_of(eas_tag tag)
{
    switch (tag) {
    case EAS_AirSync_Add: return EAS_ITEM_ADD;
    case EAS_AirSync_Change: return EAS_ITEM_CHANGE;
    case EAS_AirSync_Delete: return EAS_ITEM_DELETE;
    case EAS_AirSync_SoftDelete: return EAS_ITEM_SOFT_DELETE;
    default: return 0;
    }
}

static eas_err on_start(void *user, eas_tag tag, int has_content)
{
    eas_sync_decoder *d = user;
    d->depth++;
    if (d->in_appdata) {
        eas_item_start(&d->item, tag, has_content);
        return EAS_OK;
    }
    if (d->depth == 1) return tag == EAS_AirSync_Sync ? EAS_OK : EAS_ERR_PROTOCOL;
    switch (tag) {
    case EAS_AirSync_Collection:
        /* One collection per request: a second one in the answer is not ours. */
        if (++d->collections > 1) return EAS_ERR_PROTOCOL;
        return EAS_OK;
    case EAS_AirSync_Commands: d->in_commands = 1; return EAS_OK;
    case EAS_AirSync_Responses: d->in_responses = 1; return EAS_OK;
    case EAS_AirSync_MoreAvailable: d->more_available = 1; return EAS_OK;
    case EAS_AirSync_Add:
    case EAS_AirSync_Change:
    case EAS_AirSync_Delete:
    case EAS_AirSync_SoftDelete:
        if (!d->in_commands && !d->in_responses) return EAS_OK;
        if (d->change) return EAS_ERR_PROTOCOL;
        d->change = change_of(tag);
        d->server_id[0] = d->client_id[0] = '\0';
        d->resp_status = 0;
        if (d->in_commands) eas_item_begin(&d->item, d->rec, sizeof d->rec, (eas_class)d->cls);
        return EAS_OK;
    case EAS_AirSync_ApplicationData:
        if (!d->in_commands || !d->change) return EAS_OK; /* e.g. in Responses/Fetch: not kept */
        if (d->server_id[0] == '\0') return EAS_ERR_PROTOCOL;
        if (eas_item_set_id(&d->item, d->server_id, strlen(d->server_id)) != EAS_OK) return EAS_ERR_PROTOCOL;
        d->in_appdata = 1;
        d->appdata_depth = d->depth;
        return EAS_OK;
    case EAS_AirSync_SyncKey:
    case EAS_AirSync_CollectionId:
    case EAS_AirSync_Status:
    case EAS_AirSync_ServerId:
    case EAS_AirSync_ClientId:
        if (has_content) {
            d->field = tag;
            eas_wbxml_textbuf_init(&d->tb, d->text, sizeof d->text);
        }
        return EAS_OK;
    default:
        return EAS_OK;
    }
}

static eas_err field_done(eas_sync_decoder *d, eas_tag tag)
{
    uint32_t v;
    if (d->tb.truncated) return EAS_ERR_PROTOCOL; /* identifiers are sent back byte for byte */
    switch (tag) {
    case EAS_AirSync_SyncKey:
        if (d->tb.len >= sizeof d->sync_key) return EAS_ERR_PROTOCOL;
        memcpy(d->sync_key, d->text, d->tb.len + 1);
        return EAS_OK;
    case EAS_AirSync_Status:
        if (!eas_field_uint(d->text, &v)) return EAS_ERR_PROTOCOL;
        if (d->change) d->resp_status = v;
        else if (d->depth == 2) d->top_status = v;
        else d->status = v;
        return EAS_OK;
    case EAS_AirSync_ServerId:
        if (d->tb.len >= sizeof d->server_id) return EAS_ERR_PROTOCOL;
        memcpy(d->server_id, d->text, d->tb.len + 1);
        return EAS_OK;
    case EAS_AirSync_CollectionId:
        /* The answer is for the collection asked for, or for none of ours: never stored in another. */
        if (d->collection_id && strcmp(d->text, d->collection_id) != 0) return EAS_ERR_PROTOCOL;
        return EAS_OK;
    case EAS_AirSync_ClientId:
        if (d->tb.len >= sizeof d->client_id) return EAS_ERR_PROTOCOL;
        memcpy(d->client_id, d->text, d->tb.len + 1);
        return EAS_OK;
    default:
        return EAS_OK;
    }
}

static eas_err on_end(void *user, eas_tag tag)
{
    eas_sync_decoder *d = user;
    eas_err e = EAS_OK;
    if (d->in_appdata) {
        if (tag == EAS_AirSync_ApplicationData && d->depth == d->appdata_depth) d->in_appdata = 0;
        else eas_item_end(&d->item, tag);
        d->depth--;
        return EAS_OK;
    }
    if (d->field == tag) {
        d->field = 0;
        e = field_done(d, tag);
    } else if (d->change && change_of(tag) == d->change) {
        if (d->in_commands) {
            if (d->server_id[0] == '\0') return EAS_ERR_PROTOCOL;
            if (d->item.len == 4 && eas_item_set_id(&d->item, d->server_id, strlen(d->server_id)) != EAS_OK)
                return EAS_ERR_PROTOCOL;
            size_t n = eas_item_finish(&d->item);
            d->items++;
            if (d->ev.item) e = d->ev.item(d->ev.ctx, (eas_item_change)d->change, d->rec, n);
        } else if (d->in_responses && d->ev.response) {
            e = d->ev.response(d->ev.ctx, (eas_item_change)d->change, d->client_id, d->server_id, d->resp_status);
        }
        d->change = 0;
    } else if (tag == EAS_AirSync_Commands) {
        d->in_commands = 0;
    } else if (tag == EAS_AirSync_Responses) {
        d->in_responses = 0;
    }
    d->depth--;
    return e;
}

static eas_err on_text(void *user, const uint8_t *data, size_t len, int last)
{
    eas_sync_decoder *d = user;
    (void)last;
    if (d->in_appdata) eas_item_text(&d->item, data, len);
    else eas_field_collect(&d->tb, d->field != 0, data, len);
    return EAS_OK;
}

const eas_wbxml_handler eas_sync_handler = {on_start, on_end, on_text, NULL};

eas_err eas_sync_decoder_finish(const eas_sync_decoder *d)
{
    if (d->status == 0 && d->top_status == 0) return EAS_ERR_PROTOCOL;
    return EAS_OK;
}

/* ------------------------------------------------- the first Sync of several collections */

void eas_sync_init_decoder_init(eas_sync_init_decoder *d, unsigned max_collections, eas_sync_init_fn fn, void *ctx)
{
    memset(d, 0, sizeof *d);
    d->max_collections = (uint8_t)(max_collections < UINT8_MAX ? max_collections : UINT8_MAX);
    d->on_collection = fn;
    d->ctx = ctx;
}

static void init_collect(eas_sync_init_decoder *d, eas_tag tag, char *buf, size_t cap)
{
    d->field = tag;
    eas_wbxml_textbuf_init(&d->tb, buf, cap);
}

/* Depth 1 Sync, 2 its Status and Collections, 3 a Collection, 4 the Collection's own elements. */
static eas_err init_start(void *user, eas_tag tag, int has_content)
{
    eas_sync_init_decoder *d = user;
    if (d->depth == UINT8_MAX) return EAS_ERR_PROTOCOL;
    d->depth++;
    if (d->depth == 1) return tag == EAS_AirSync_Sync ? EAS_OK : EAS_ERR_PROTOCOL;
    if (d->depth == 2) {
        if (tag == EAS_AirSync_Collections) d->in_collections = 1;
        else if (tag == EAS_AirSync_Status) init_collect(d, tag, d->text, sizeof d->text);
        return EAS_OK;
    }
    if (d->depth == 3) {
        if (!d->in_collections || tag != EAS_AirSync_Collection) return EAS_OK;
        if (d->collections >= d->max_collections) return EAS_ERR_PROTOCOL; /* more than were asked for */
        d->collections++;
        d->in_collection = 1;
        d->carried = 0;
        d->status = 0;
        d->collection_id[0] = d->sync_key[0] = '\0';
        return EAS_OK;
    }
    if (d->depth != 4 || !d->in_collection) return EAS_OK;
    switch (tag) {
    case EAS_AirSync_SyncKey: init_collect(d, tag, d->sync_key, sizeof d->sync_key); break;
    case EAS_AirSync_CollectionId: init_collect(d, tag, d->collection_id, sizeof d->collection_id); break;
    case EAS_AirSync_Status: init_collect(d, tag, d->text, sizeof d->text); break;
    case EAS_AirSync_Commands:
    case EAS_AirSync_Responses: d->carried = 1; break; /* skipped: what is in them is not taken */
    default: break;
    }
    (void)has_content;
    return EAS_OK;
}

static eas_err init_end(void *user, eas_tag tag)
{
    eas_sync_init_decoder *d = user;
    eas_err e = EAS_OK;
    uint32_t v = 0;
    if (d->field && d->field == tag && (d->depth == 2 || d->depth == 4)) {
        d->field = 0;
        /* Identifiers are sent back byte for byte: one cut short is not the server's. */
        if (d->tb.truncated) return EAS_ERR_PROTOCOL;
        if (tag == EAS_AirSync_Status) {
            if (!eas_field_uint(d->text, &v)) return EAS_ERR_PROTOCOL;
            if (d->depth == 2) d->top_status = v;
            else d->status = v;
        }
    } else if (d->depth == 3 && d->in_collection) {
        d->in_collection = 0;
        if (d->collection_id[0] == '\0') return EAS_ERR_PROTOCOL; /* whose answer is it? */
        if (d->on_collection) e = d->on_collection(d->ctx, d->collection_id, d->sync_key, d->status, d->carried);
    } else if (d->depth == 2 && tag == EAS_AirSync_Collections) {
        d->in_collections = 0;
    }
    d->depth--;
    return e;
}

static eas_err init_text(void *user, const uint8_t *data, size_t len, int last)
{
    eas_sync_init_decoder *d = user;
    (void)last;
    eas_field_collect(&d->tb, d->field != 0, data, len);
    return EAS_OK;
}

const eas_wbxml_handler eas_sync_init_handler = {init_start, init_end, init_text, NULL};

eas_err eas_sync_init_decoder_finish(const eas_sync_init_decoder *d)
{
    if (d->top_status == 0 && d->collections == 0) return EAS_ERR_PROTOCOL;
    return EAS_OK;
}

/* ------------------------------------------------------------------------- GetItemEstimate */

eas_err eas_estimate_request_write(eas_wbxml_writer *w, const char *sync_key, const char *collection_id,
                                   uint8_t filter_type)
{
    eas_wbxml_start(w, EAS_GetItemEstimate_GetItemEstimate);
    eas_wbxml_start(w, EAS_GetItemEstimate_Collections);
    eas_wbxml_start(w, EAS_GetItemEstimate_Collection);
    eas_wbxml_text_element(w, EAS_AirSync_SyncKey, sync_key);
    eas_wbxml_text_element(w, EAS_GetItemEstimate_CollectionId, collection_id);
    if (filter_type != EAS_FILTER_NONE) {
        eas_wbxml_start(w, EAS_AirSync_Options);
        eas_field_write_uint(w, EAS_AirSync_FilterType, filter_type);
        eas_wbxml_end(w);
    }
    eas_wbxml_end(w);
    eas_wbxml_end(w);
    return eas_wbxml_end(w);
}

eas_err eas_estimate_request_write_121(eas_wbxml_writer *w, eas_class cls, const char *sync_key,
                                       const char *collection_id, uint8_t filter_type)
{
    eas_wbxml_start(w, EAS_GetItemEstimate_GetItemEstimate);
    eas_wbxml_start(w, EAS_GetItemEstimate_Collections);
    eas_wbxml_start(w, EAS_GetItemEstimate_Collection);
    if (cls != EAS_CLASS_NONE) eas_wbxml_text_element(w, EAS_GetItemEstimate_Class, eas_class_name(cls));
    eas_wbxml_text_element(w, EAS_GetItemEstimate_CollectionId, collection_id);
    /* Required in this form: 0 is "no filter". */
    eas_field_write_uint(w, EAS_AirSync_FilterType, filter_type == EAS_FILTER_NONE ? 0u : filter_type);
    eas_wbxml_text_element(w, EAS_AirSync_SyncKey, sync_key);
    eas_wbxml_end(w);
    eas_wbxml_end(w);
    return eas_wbxml_end(w);
}

void eas_estimate_decoder_init(eas_estimate_decoder *d) { memset(d, 0, sizeof *d); }

static eas_err est_start(void *user, eas_tag tag, int has_content)
{
    eas_estimate_decoder *d = user;
    d->depth++;
    if (d->depth == 1) return tag == EAS_GetItemEstimate_GetItemEstimate ? EAS_OK : EAS_ERR_PROTOCOL;
    if ((tag == EAS_GetItemEstimate_Status || tag == EAS_GetItemEstimate_Estimate) && has_content) {
        d->field = tag;
        eas_wbxml_textbuf_init(&d->tb, d->text, sizeof d->text);
    }
    return EAS_OK;
}

static eas_err est_end(void *user, eas_tag tag)
{
    eas_estimate_decoder *d = user;
    uint32_t v;
    d->depth--;
    if (d->field != tag) return EAS_OK;
    d->field = 0;
    if (d->tb.truncated || !eas_field_uint(d->text, &v)) return EAS_ERR_PROTOCOL;
    if (tag == EAS_GetItemEstimate_Status) d->status = v;
    else {
        d->estimate = v;
        d->have_estimate = 1;
    }
    return EAS_OK;
}

static eas_err est_text(void *user, const uint8_t *data, size_t len, int last)
{
    eas_estimate_decoder *d = user;
    (void)last;
    eas_field_collect(&d->tb, d->field != 0, data, len);
    return EAS_OK;
}

const eas_wbxml_handler eas_estimate_handler = {est_start, est_end, est_text, NULL};
