/* libFuzzer harness for the command decoders behind the WBXML reader: FolderSync, Provision, Sync (of
 * each class), Ping, MeetingResponse, GetItemEstimate and the answer to the first Sync of several
 * collections. The first byte picks the decoder and the chunk size (0xF0 and up: the first Sync of
 * several, chunks of 1 to 16 bytes; below, which = byte % 6, so that older inputs keep their meaning). Invariants: no crash or overread; every folder and item handed over is NUL-terminated within
 * its buffers or within its record's bounds; the decoder's results do not depend on chunking. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eas/foldersync.h"
#include "eas/item.h"
#include "eas/meeting.h"
#include "eas/ping.h"
#include "eas/provision.h"
#include "eas/sync.h"
#include "eas/wbxml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { D_FOLDERSYNC, D_PROVISION, D_SYNC, D_PING, D_MEETING, D_ESTIMATE, D_COUNT, D_SYNC_INIT = D_COUNT };

typedef struct {
    uint32_t changes;
    uint32_t hash;
} seen;

static void mix(seen *s, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) s->hash = s->hash * 31u + b[i];
}

static eas_err on_change(void *ctx, eas_folder_change change, const eas_folder *f)
{
    seen *s = ctx;
    if (memchr(f->server_id, 0, sizeof f->server_id) == NULL) abort();
    if (memchr(f->parent_id, 0, sizeof f->parent_id) == NULL) abort();
    if (memchr(f->display_name, 0, sizeof f->display_name) == NULL) abort();
    s->changes++;
    mix(s, f->server_id, strlen(f->server_id));
    s->hash = s->hash * 31u + (uint32_t)change + f->type;
    return EAS_OK;
}

static eas_err on_item(void *ctx, eas_item_change change, const uint8_t *rec, size_t len)
{
    seen *s = ctx;
    size_t id_len = 0;
    const char *id = eas_item_id(rec, len, &id_len);
    /* The record is the decoder's own buffer: its id lies inside it. */
    if (len > EAS_ITEM_RECORD_MAX || (id && (id < (const char *)rec || id + id_len > (const char *)rec + len))) abort();
    s->changes++;
    s->hash = s->hash * 31u + (uint32_t)change;
    mix(s, rec, len);
    return EAS_OK;
}

static eas_err on_response(void *ctx, eas_item_change change, const char *client_id, const char *server_id,
                           uint32_t status)
{
    seen *s = ctx;
    if (strlen(client_id) >= EAS_ITEM_ID_MAX || strlen(server_id) >= EAS_ITEM_ID_MAX) abort();
    s->changes++;
    s->hash = s->hash * 31u + (uint32_t)change + status;
    mix(s, client_id, strlen(client_id));
    mix(s, server_id, strlen(server_id));
    return EAS_OK;
}

static eas_err on_init_collection(void *ctx, const char *id, const char *key, uint32_t status, int carried)
{
    seen *s = ctx;
    if (id[0] == '\0' || strlen(id) >= EAS_FOLDER_ID_MAX || strlen(key) >= EAS_SYNC_KEY_MAX) abort();
    s->changes++;
    s->hash = s->hash * 31u + status * 2u + (uint32_t)(carried != 0);
    mix(s, id, strlen(id));
    mix(s, key, strlen(key));
    return EAS_OK;
}

static eas_err on_ping_folder(void *ctx, const char *id)
{
    seen *s = ctx;
    if (strlen(id) >= EAS_FOLDER_ID_MAX) abort();
    s->changes++;
    mix(s, id, strlen(id));
    return EAS_OK;
}

typedef union {
    eas_foldersync_decoder fs;
    eas_provision_decoder pv;
    eas_sync_decoder sy;
    eas_ping_decoder pg;
    eas_meeting_decoder mt;
    eas_estimate_decoder es;
    eas_sync_init_decoder si;
} decoders;

static decoders dec; /* large (an item record): not on the stack */

/* Decodes d[0..n) in pieces of step bytes; *status and key get the decoder's results. */
static eas_err decode(const uint8_t *d, size_t n, size_t step, int which, int cls, seen *s, uint32_t *status, char *key)
{
    static const eas_wbxml_handler *const handlers[D_COUNT + 1] = {
        &eas_foldersync_handler, &eas_provision_handler, &eas_sync_handler,     &eas_ping_handler,
        &eas_meeting_handler,    &eas_estimate_handler,  &eas_sync_init_handler};
    eas_sync_events ev = {s, on_item, on_response};
    eas_wbxml_reader r;
    eas_err e = EAS_OK;
    memset(&dec, 0, sizeof dec);
    switch (which) {
    case D_FOLDERSYNC: eas_foldersync_decoder_init(&dec.fs, on_change, s); break;
    case D_PROVISION: eas_provision_decoder_init(&dec.pv); break;
    case D_SYNC:
        eas_sync_decoder_init(&dec.sy, (eas_class)cls, &ev);
        if (cls == EAS_CLASS_TASKS) dec.sy.collection_id = "c1"; /* an answer for another one is refused */
        break;
    case D_PING: eas_ping_decoder_init(&dec.pg, on_ping_folder, s); break;
    case D_MEETING: eas_meeting_decoder_init(&dec.mt); break;
    case D_SYNC_INIT: eas_sync_init_decoder_init(&dec.si, 4, on_init_collection, s); break;
    default: eas_estimate_decoder_init(&dec.es); break;
    }
    eas_wbxml_reader_init(&r, handlers[which], &dec);
    for (size_t i = 0; i < n && e == EAS_OK; i += step) e = eas_wbxml_reader_feed(&r, d + i, n - i < step ? n - i : step);
    if (e == EAS_OK) e = eas_wbxml_reader_finish(&r);
    key[0] = '\0';
    switch (which) {
    case D_FOLDERSYNC:
        *status = dec.fs.status;
        memcpy(key, dec.fs.sync_key, sizeof dec.fs.sync_key);
        if (e == EAS_OK) e = eas_foldersync_decoder_finish(&dec.fs);
        break;
    case D_PROVISION:
        *status = dec.pv.status * 1000u + dec.pv.policy_status;
        memcpy(key, dec.pv.policy_key, sizeof dec.pv.policy_key);
        if (e == EAS_OK) e = eas_provision_decoder_finish(&dec.pv);
        break;
    case D_SYNC:
        *status = dec.sy.status * 1000u + dec.sy.top_status * 10u + dec.sy.more_available;
        memcpy(key, dec.sy.sync_key, sizeof dec.sy.sync_key);
        if (memchr(dec.sy.sync_key, 0, sizeof dec.sy.sync_key) == NULL) abort();
        if (e == EAS_OK) e = eas_sync_decoder_finish(&dec.sy);
        break;
    case D_PING: *status = dec.pg.status * 7u + dec.pg.heartbeat * 3u + dec.pg.max_folders; break;
    case D_MEETING: *status = dec.mt.status; break;
    case D_SYNC_INIT:
        *status = dec.si.top_status * 8u + dec.si.collections;
        if (dec.si.collections > 4) abort(); /* bounded by what was asked */
        if (e == EAS_OK) e = eas_sync_init_decoder_finish(&dec.si);
        break;
    default: *status = dec.es.status * 31u + dec.es.estimate + dec.es.have_estimate; break;
    }
    return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int which = data[0] >= 0xF0 ? D_SYNC_INIT : data[0] % D_COUNT;
    int cls = EAS_CLASS_CALENDAR + (data[0] / D_COUNT) % 4; /* calendar, contacts, tasks, email */
    size_t step = which == D_SYNC_INIT ? (size_t)(data[0] & 0x0F) + 1 : (size_t)(data[0] >> 3) % 13 + 1;
    data++;
    size--;
    seen a = {0, 0}, b = {0, 0};
    uint32_t sa = 0, sb = 0;
    char ka[EAS_SYNC_KEY_MAX + 16], kb[EAS_SYNC_KEY_MAX + 16];
    eas_err ea = decode(data, size, size ? size : 1, which, cls, &a, &sa, ka);
    eas_err eb = decode(data, size, step, which, cls, &b, &sb, kb);
    if (ea != eb || a.changes != b.changes || a.hash != b.hash || sa != sb) abort();
    if (ea == EAS_OK && strcmp(ka, kb) != 0) abort();
    return 0;
}
