/* The outbox: the device's own changes, queued in the store until the server has answered them.
 * An entry is [change][folder slot][0][0] followed by an item record whose id is the ClientId (Add) or
 * the ServerId (Change, Delete). Entries are keyed by a sequence number, so they go out in the order
 * they were made. */
#include <stddef.h>
#include <string.h>

#include "agent_int.h"
#include "eas/base64.h"
#include "eas/bytes.h"
#include "eas/tz.h"

#define ENTRY_HEAD 4u

/* The counter and the nonce (OUTBOX_SEQ: 4 bytes in states made before the nonce, 8 since). The nonce
 * makes ClientIds differ between devices and between states of one device: a server that remembers
 * the ClientIds it has seen (Horde does, across devices of a user and across a device's reset) would
 * take a new state's "c000001" for an old Add and refuse it (Status 6). */
static eas_err next_seq(eas_agent *a, uint32_t *seq)
{
    uint8_t b[8];
    size_t len = 0;
    if (a->outbox_seq == 0) {
        eas_err e = eas_store_get(a->store, EAS_KEY_OUTBOX_SEQ, b, sizeof b, &len);
        if (e == EAS_OK && (len == 4 || len == 8)) {
            a->outbox_seq = eas_le32_get(b);
            if (len == 8) a->outbox_nonce = eas_le32_get(b + 4);
        } else if (e != EAS_ERR_NOT_FOUND) {
            return e == EAS_OK ? EAS_ERR_STORE_CORRUPT : e;
        }
    }
    /* Bounded: a source that keeps giving 0 leaves the nonce at 1. */
    for (int i = 0; i < 4 && a->outbox_nonce == 0 && a->pal->entropy.fill; i++)
        a->pal->entropy.fill(a->pal->entropy.ctx, (uint8_t *)&a->outbox_nonce, sizeof a->outbox_nonce);
    if (a->outbox_nonce == 0) a->outbox_nonce = 1;
    *seq = ++a->outbox_seq;
    if (*seq > 0x000FFFFFu) return EAS_ERR_STORE_FULL; /* a million changes on one device */
    return EAS_OK;
}

static eas_err put_entry(eas_agent *a, uint8_t change, unsigned slot, const uint8_t *rec, size_t len, uint32_t *seq_out)
{
    uint8_t buf[ENTRY_HEAD + EAS_ITEM_RECORD_MAX];
    uint8_t seqb[8];
    uint32_t seq;
    eas_err e;
    if (len > EAS_ITEM_RECORD_MAX) return EAS_ERR_NOSPACE;
    if ((e = next_seq(a, &seq)) != EAS_OK) return e;
    buf[0] = change;
    buf[1] = (uint8_t)slot;
    buf[2] = buf[3] = 0;
    memcpy(buf + ENTRY_HEAD, rec, len);
    eas_le32_put(seqb, seq);
    eas_le32_put(seqb + 4, a->outbox_nonce);
    /* The entry and the counter together: a power cut never reuses a number. */
    if ((e = eas_store_txn_begin(a->store)) != EAS_OK) return e;
    eas_store_txn_put(a->store, EAS_KEY_OUTBOX_SEQ, seqb, sizeof seqb);
    eas_store_txn_put(a->store, EAS_KEY_OUTBOX(seq), buf, ENTRY_HEAD + len);
    if ((e = eas_store_txn_commit(a->store)) != EAS_OK) {
        a->outbox_seq = 0;
        a->outbox_known = 0;
        return e;
    }
    a->outbox_total++;
    if (slot < EAS_MAX_FOLDERS && a->outbox_count[slot] < UINT16_MAX) a->outbox_count[slot]++;
    else if (slot < EAS_MAX_FOLDERS) a->outbox_known = 0; /* saturated: counted again when asked */
    if (seq_out) *seq_out = seq;
    return EAS_OK;
}

static int folder_slot(eas_agent *a, const char *folder_id)
{
    return folder_id ? eas_account_find_folder(a, folder_id) : -1;
}

/* A copy of rec with another id. */
static size_t with_id(const uint8_t *rec, size_t len, const char *id, size_t id_len, uint8_t *out, size_t cap)
{
    size_t old = rec[3];
    if (len < 4 + old || id_len > 255 || len - old + id_len > cap) return 0;
    memcpy(out, rec, 3);
    out[3] = (uint8_t)id_len;
    memcpy(out + 4, id, id_len);
    memcpy(out + 4 + id_len, rec + 4 + old, len - 4 - old);
    return len - old + id_len;
}

eas_err eas_agent_queue_add(eas_agent *a, const char *folder_id, const uint8_t *rec, size_t len, char *client_id)
{
    uint8_t tmp[EAS_ITEM_RECORD_MAX];
    char cid[16]; /* 'c', the nonce and the number in hex */
    uint32_t seq;
    eas_err e;
    int slot = folder_slot(a, folder_id);
    if (slot < 0) return EAS_ERR_NOT_FOUND;
    if (len < 4 || rec[0] != EAS_ITEM_FORMAT) return EAS_ERR_ARG;
    /* The ClientId is the entry's own number, so a resend carries the same one. */
    if ((e = next_seq(a, &seq)) != EAS_OK) return e;
    a->outbox_seq--; /* put_entry takes it again */
    size_t n = 0;
    cid[n++] = 'c';
    for (int shift = 28; shift >= 0; shift -= 4) cid[n++] = "0123456789abcdef"[(a->outbox_nonce >> shift) & 15u];
    for (int shift = 20; shift >= 0; shift -= 4) cid[n++] = "0123456789abcdef"[(seq >> shift) & 15u];
    cid[n] = '\0';
    size_t tlen = with_id(rec, len, cid, n, tmp, sizeof tmp);
    if (!tlen) return EAS_ERR_NOSPACE;
    if ((e = put_entry(a, EAS_ITEM_ADD, (unsigned)slot, tmp, tlen, NULL)) != EAS_OK) return e;
    if (client_id) memcpy(client_id, cid, n + 1);
    return EAS_OK;
}

/* Puts the device's copy of an item in place at once (Change and Delete are seen before they are
 * sent). */
static eas_err apply_local(eas_agent *a, unsigned slot, uint8_t change, const uint8_t *rec, size_t len)
{
    int flag = 0;
    size_t id_len = 0;
    const char *id = eas_item_id(rec, len, &id_len);
    eas_err e = eas_store_txn_begin(a->store);
    if (e != EAS_OK) return e;
    a->txn_open = 1;
    a->txn_keys = 0;
    if (change == EAS_ITEM_DELETE) e = eas_coll_stage_del(a, slot, id, id_len, &flag);
    else e = eas_coll_stage_put(a, slot, rec, len, &flag);
    if (e == EAS_OK) e = eas_store_txn_commit(a->store);
    else eas_store_txn_abort(a->store);
    a->txn_open = 0;
    a->txn_keys = 0;
    return e;
}

/* Before 16.0 a Change replaces the whole item: what the device's copy lost (attendees that did not
 * fit, a value cut short) would be lost on the server too. 16.x ghosts what a Change leaves out. */
static eas_err whole_item_check(const eas_agent *a, const uint8_t *held, size_t len)
{
    return a->version < EAS_PROTO_16_0 && (eas_item_flags(held, len) & EAS_ITEM_SENT_CUT) ? EAS_ERR_ITEM_PARTIAL : EAS_OK;
}

/* The next top-level entry of a record (a field, or a group with all it holds): [*at, *end) of rec. */
static int next_entry(eas_item_cursor *c, size_t *at, size_t *end, eas_tag *tag)
{
    eas_item_field f;
    *at = c->pos;
    if (!eas_item_next(c, &f)) return 0;
    *tag = f.tag;
    if (f.kind == 1) /* bounded by the record: each step moves on */
        while (eas_item_next(c, &f) && !(f.kind == 2 && f.depth == 0)) {}
    *end = c->pos;
    return 1;
}

static int holds_entry(const uint8_t *held, size_t hlen, eas_tag tag, const uint8_t *bytes, size_t n)
{
    eas_item_cursor c;
    size_t at = 0, end = 0;
    eas_tag t = 0;
    if (eas_item_open(&c, held, hlen) != EAS_OK) return 0;
    while (next_entry(&c, &at, &end, &t))
        if (t == tag && end - at == n && memcmp(held + at, bytes, n) == 0) return 1;
    return 0;
}

/* At 16.x what a Change leaves out stays as it is on the server (ghosted), so it carries only the
 * top-level entries the edit made or changed: never a value the device holds cut short, which would cut
 * it on the server too. 0 when it does not fit. */
static size_t edits_only(const uint8_t *held, size_t hlen, const uint8_t *rec, size_t len, uint8_t *out, size_t cap)
{
    eas_item_cursor c, d;
    eas_item_builder b;
    eas_item_field f;
    size_t id_len = 0, at = 0, end = 0;
    eas_tag tag = 0;
    const char *id = eas_item_id(rec, len, &id_len);
    if (!id || eas_item_open(&c, rec, len) != EAS_OK) return 0;
    eas_item_begin(&b, out, cap, eas_item_class(rec, len));
    if (eas_item_set_id(&b, id, id_len) != EAS_OK) return 0;
    while (next_entry(&c, &at, &end, &tag)) {
        if (holds_entry(held, hlen, tag, rec + at, end - at)) continue;
        d = c;
        d.pos = at;
        d.depth = 0;
        while (d.pos < end && eas_item_next(&d, &f)) {
            eas_err e = f.kind == 1   ? eas_item_put_group(&b, f.tag)
                        : f.kind == 2 ? eas_item_put_group_end(&b)
                                      : eas_item_put_field(&b, f.tag, (const char *)f.value, f.len);
            if (e != EAS_OK) return 0;
        }
    }
    return eas_item_finish(&b);
}

eas_err eas_agent_queue_change(eas_agent *a, const char *folder_id, const uint8_t *rec, size_t len)
{
    int slot = folder_slot(a, folder_id);
    size_t id_len = 0, hlen = 0, elen = 0;
    if (slot < 0) return EAS_ERR_NOT_FOUND;
    const char *id = eas_item_id(rec, len, &id_len);
    if (!id || id_len == 0 || id_len >= EAS_ITEM_ID_MAX) return EAS_ERR_ARG;
    /* The device's copy decides what may go (the record handed in may have been built afresh). */
    uint8_t held[EAS_ITEM_RECORD_MAX], edits[EAS_ITEM_RECORD_MAX];
    char sid[EAS_ITEM_ID_MAX];
    memcpy(sid, id, id_len);
    sid[id_len] = '\0';
    int have = eas_agent_item_get(a, folder_id, sid, held, sizeof held, &hlen) == EAS_OK;
    if (a->version < EAS_PROTO_16_0) {
        if ((have && whole_item_check(a, held, hlen) != EAS_OK) || whole_item_check(a, rec, len) != EAS_OK)
            return EAS_ERR_ITEM_PARTIAL;
    } else if (have) {
        elen = edits_only(held, hlen, rec, len, edits, sizeof edits);
    }
    eas_err e = elen ? put_entry(a, EAS_ITEM_CHANGE, (unsigned)slot, edits, elen, NULL)
                     : put_entry(a, EAS_ITEM_CHANGE, (unsigned)slot, rec, len, NULL);
    return e == EAS_OK ? apply_local(a, (unsigned)slot, EAS_ITEM_CHANGE, rec, len) : e;
}

eas_err eas_agent_queue_instance(eas_agent *a, const char *folder_id, const char *server_id, const char *instance,
                                 const eas_item_override *ov, size_t n, int deleted)
{
    uint8_t series[EAS_ITEM_RECORD_MAX], local[EAS_ITEM_RECORD_MAX], entry[EAS_ITEM_RECORD_MAX];
    size_t len = 0, id_len = strlen(server_id);
    int slot = folder_slot(a, folder_id);
    if (slot < 0) return EAS_ERR_NOT_FOUND;
    if (id_len == 0 || id_len > 255 || strlen(instance) != 16 || n > 8) return EAS_ERR_ARG;
    eas_err e = eas_agent_item_get(a, folder_id, server_id, series, sizeof series, &len);
    if (e != EAS_OK) return e;
    if (eas_item_class(series, len) != EAS_CLASS_CALENDAR) return EAS_ERR_ARG;
    size_t llen = eas_item_copy_with_exception(series, len, instance, ov, n, deleted, local, sizeof local);
    if (!llen) return EAS_ERR_NOSPACE;
    if (a->version < EAS_PROTO_16_0) {
        /* Before 16.0 an instance changes with its series: the whole record, Exceptions included. */
        if (whole_item_check(a, series, len) != EAS_OK) return EAS_ERR_ITEM_PARTIAL;
        e = put_entry(a, EAS_ITEM_CHANGE, (unsigned)slot, local, llen, NULL);
    } else {
        eas_item_builder b;
        eas_item_begin(&b, entry, sizeof entry, EAS_CLASS_CALENDAR);
        e = eas_item_set_id(&b, server_id, id_len);
        if (e == EAS_OK) e = eas_item_put_field(&b, EAS_AirSyncBase_InstanceId, instance, 16);
        for (size_t k = 0; e == EAS_OK && !deleted && k < n; k++)
            if (ov[k].value) e = eas_item_put_field(&b, ov[k].tag, ov[k].value, ov[k].len);
        if (e != EAS_OK) return e;
        e = put_entry(a, deleted ? EAS_ITEM_DELETE : EAS_ITEM_CHANGE, (unsigned)slot, entry, eas_item_finish(&b), NULL);
    }
    return e == EAS_OK ? apply_local(a, (unsigned)slot, EAS_ITEM_CHANGE, local, llen) : e;
}

eas_err eas_agent_queue_delete(eas_agent *a, const char *folder_id, const char *server_id)
{
    uint8_t rec[4 + 255];
    int slot = folder_slot(a, folder_id);
    size_t n = strlen(server_id);
    if (slot < 0) return EAS_ERR_NOT_FOUND;
    if (n == 0 || n > 255) return EAS_ERR_ARG;
    rec[0] = EAS_ITEM_FORMAT;
    rec[1] = 0;
    rec[2] = 0;
    rec[3] = (uint8_t)n;
    memcpy(rec + 4, server_id, n);
    eas_err e = put_entry(a, EAS_ITEM_DELETE, (unsigned)slot, rec, 4 + n, NULL);
    return e == EAS_OK ? apply_local(a, (unsigned)slot, EAS_ITEM_DELETE, rec, 4 + n) : e;
}

/* ----------------------------------------------------------------- what is queued, in RAM */

typedef struct count_walk {
    uint32_t total;
    uint16_t count[EAS_MAX_FOLDERS];
    eas_store *store;
    uint8_t entry[ENTRY_HEAD + EAS_ITEM_RECORD_MAX];
} count_walk;

static eas_err count_visit(void *ctx, uint32_t key, size_t len)
{
    count_walk *w = ctx;
    eas_err e = eas_store_get(w->store, key, w->entry, sizeof w->entry, &len);
    if (e == EAS_ERR_NOSPACE) e = EAS_OK; /* counted in the total: write_commands skips it */
    if (e != EAS_OK) return e;
    w->total++;
    if (len >= ENTRY_HEAD && w->entry[1] < EAS_MAX_FOLDERS && w->count[w->entry[1]] < UINT16_MAX)
        w->count[w->entry[1]]++;
    return EAS_OK;
}

eas_err eas_outbox_load(eas_agent *a)
{
    count_walk w;
    memset(&w, 0, offsetof(count_walk, entry));
    w.store = a->store;
    a->outbox_staged = 0;
    /* The counts change only when the walk is whole: until then the old ones are the better guess. */
    eas_err e = eas_store_visit_range(a->store, EAS_KEY_OUTBOX(0), EAS_KEY_OUTBOX_LAST, count_visit, &w);
    a->outbox_known = e == EAS_OK;
    if (e != EAS_OK) return e;
    a->outbox_total = w.total;
    memcpy(a->outbox_count, w.count, sizeof a->outbox_count);
    return EAS_OK;
}

/* The counts, made again first if a failed commit left them unknown (a store that cannot be read
 * then counts as holding changes, so that nothing is taken for sent). */
static int outbox_counts(eas_agent *a)
{
    return a->outbox_known || eas_outbox_load(a) == EAS_OK;
}

eas_err eas_outbox_stage_del(eas_agent *a, uint32_t key)
{
    eas_err e = eas_store_txn_del(a->store, key);
    if (e == EAS_OK) a->outbox_staged++;
    return e;
}

unsigned eas_agent_pending(eas_agent *a)
{
    if (!outbox_counts(a)) return a->outbox_total ? a->outbox_total : 1u;
    return a->outbox_total;
}

eas_err eas_agent_item_get(eas_agent *a, const char *folder_id, const char *server_id, uint8_t *rec, size_t cap,
                           size_t *len)
{
    int slot = folder_slot(a, folder_id);
    uint32_t key;
    int found;
    if (slot < 0) return EAS_ERR_NOT_FOUND;
    eas_err e = eas_coll_locate(a, (unsigned)slot, server_id, strlen(server_id), &key, &found);
    if (e != EAS_OK) return e == EAS_ERR_STORE_FULL ? EAS_ERR_NOT_FOUND : e;
    if (!found) return EAS_ERR_NOT_FOUND;
    return eas_store_get(a->store, key, rec, cap, len);
}

/* ----------------------------------------------------------------- into the Sync request */

static int has_top_field(const uint8_t *rec, size_t len, eas_tag tag)
{
    char probe[1];
    return eas_item_get_str(rec, len, tag, probe, sizeof probe);
}

/* What the device does not write at 16.x (MS-ASCAL 16.0): the server makes UID and OrganizerName/Email,
 * answers go through MeetingResponse (ResponseType, MeetingStatus, AttendeeStatus), an instance is changed
 * through its own InstanceId and never through Exceptions, and a ClientUid names an Add only. Absent
 * top-level elements of a 16.x Change are ghosted, kept as they are: so neither are the attendees resent
 * (a record may hold only those that fitted) nor the Recurrence, which the device does not edit (Horde
 * takes a Recurrence as the whole series and rebuilds its exceptions from the Exceptions sent with it). */
static int not_written_at_16(const eas_item_field *f, int is_change)
{
    if (f->depth == 0) {
        switch (f->tag) {
        case EAS_Calendar_UID:
        case EAS_Calendar_OrganizerName:
        case EAS_Calendar_OrganizerEmail:
        case EAS_Calendar_ResponseType:
        case EAS_Calendar_DtStamp:
        case EAS_AirSyncBase_InstanceId: /* written beside the ServerId */
        case EAS_Calendar_Exceptions: return 1;
        case EAS_Calendar_MeetingStatus:
        case EAS_Calendar_ClientUid:
        case EAS_Calendar_Recurrence:
        case EAS_Calendar_Attendees: return is_change;
        default: return 0;
        }
    }
    return f->tag == EAS_Calendar_AttendeeStatus;
}

/* The record as ApplicationData, in the form of the negotiated version. At 16.x (MS-ASCAL) the device
 * sends what it may write (above) and its location as AirSyncBase:Location's DisplayName; Horde answers
 * a 14.x-style Calendar:Location or DtStamp at 16.0 with HTTP 500. A top-level Calendar:Location in the
 * record is the device's own edit and wins over the Location group the server sent. */
static eas_err write_application_data(eas_wbxml_writer *w, const uint8_t *rec, size_t len, int v16, int is_change)
{
    eas_item_cursor c;
    eas_item_field f;
    eas_err e = eas_item_open(&c, rec, len);
    if (e != EAS_OK) return e;
    int own_location = v16 && has_top_field(rec, len, EAS_Calendar_Location);
    int skip_depth = -1; /* >= 0: inside a group left out, opened at that depth */
    eas_wbxml_start(w, EAS_AirSync_ApplicationData);
    while (eas_item_next(&c, &f)) {
        if (skip_depth >= 0) {
            if (f.kind == 2 && f.depth == skip_depth) skip_depth = -1;
            continue;
        }
        if (f.kind == 1) {
            if ((own_location && f.tag == EAS_AirSyncBase_Location && f.depth == 0) ||
                (v16 && not_written_at_16(&f, is_change))) {
                skip_depth = f.depth;
                continue;
            }
            eas_wbxml_start(w, f.tag);
        } else if (f.kind == 2) {
            eas_wbxml_end(w);
        } else if (f.tag == EAS_Calendar_Timezone && f.len == EAS_TZ_COMPACT_SIZE) {
            uint8_t blob[EAS_TZ_BLOB_SIZE];
            char text[EAS_BASE64_ENCODED_LEN(EAS_TZ_BLOB_SIZE) + 1];
            size_t n = 0;
            eas_tz_compact_to_blob(f.value, blob);
            eas_base64_encode(blob, sizeof blob, text, sizeof text, &n);
            eas_wbxml_start(w, f.tag);
            eas_wbxml_str(w, text, n);
            eas_wbxml_end(w);
        } else if (f.tag == EAS_AirSyncBase_Data) {
            continue; /* bodies are not sent back */
        } else if (v16 && not_written_at_16(&f, is_change)) {
            continue;
        } else if (v16 && f.tag == EAS_Calendar_Location && f.depth == 0) {
            eas_wbxml_start(w, EAS_AirSyncBase_Location);
            eas_wbxml_start(w, EAS_AirSyncBase_DisplayName);
            eas_wbxml_str(w, (const char *)f.value, f.len);
            eas_wbxml_end(w);
            eas_wbxml_end(w);
        } else {
            eas_wbxml_start(w, f.tag);
            eas_wbxml_str(w, (const char *)f.value, f.len);
            eas_wbxml_end(w);
        }
    }
    return eas_wbxml_end(w);
}

static eas_err write_entry(eas_wbxml_writer *w, const uint8_t *entry, size_t len, int v16)
{
    static const eas_tag commands[] = {0, EAS_AirSync_Add, EAS_AirSync_Change, EAS_AirSync_Delete};
    const uint8_t *rec = entry + ENTRY_HEAD;
    size_t rlen = len - ENTRY_HEAD, id_len = 0;
    const char *id = eas_item_id(rec, rlen, &id_len);
    uint8_t change = entry[0];
    if (!id || change < EAS_ITEM_ADD || change > EAS_ITEM_DELETE) return EAS_ERR_STORE_CORRUPT;
    /* Add carries the ClientId, Change and Delete the ServerId; Add and Change the data. */
    eas_wbxml_start(w, commands[change]);
    eas_wbxml_start(w, change == EAS_ITEM_ADD ? EAS_AirSync_ClientId : EAS_AirSync_ServerId);
    eas_wbxml_str(w, id, id_len);
    eas_wbxml_end(w);
    /* One instance of a series (16.x): its InstanceId beside the ServerId (MS-ASAIRS 2.2.2.25). */
    char instance[17];
    if (v16 && change != EAS_ITEM_ADD && eas_item_get_str(rec, rlen, EAS_AirSyncBase_InstanceId, instance, sizeof instance))
        eas_wbxml_text_element(w, EAS_AirSyncBase_InstanceId, instance);
    if (change != EAS_ITEM_DELETE) write_application_data(w, rec, rlen, v16, change == EAS_ITEM_CHANGE);
    return eas_wbxml_end(w);
}

eas_err eas_outbox_write_commands(void *ctx, eas_wbxml_writer *w)
{
    eas_agent *a = ctx;
    uint8_t entry[ENTRY_HEAD + EAS_ITEM_RECORD_MAX];
    uint32_t from = EAS_KEY_OUTBOX(0), key;
    int v16 = a->version >= EAS_PROTO_16_0;
    size_t len;
    /* The request must fit its buffer with the head: each command's size is counted alone first. */
    uint32_t budget = EAS_REQUEST_MAX > 1536u ? EAS_REQUEST_MAX - 1536u : 0u;
    uint32_t used = 0;
    a->sent_n = 0;
    while (a->sent_n < EAS_SYNC_MAX_COMMANDS &&
           eas_store_next(a->store, from, EAS_KEY_OUTBOX_LAST, &key, &len) == EAS_OK) {
        from = key + 1;
        eas_err e = eas_store_get(a->store, key, entry, sizeof entry, &len);
        if (e != EAS_OK) return e;
        if (len < ENTRY_HEAD + 4 || entry[1] != a->coll_slot) continue;
        eas_wbxml_writer counter;
        eas_wbxml_writer_init(&counter, (eas_sink){NULL, NULL});
        eas_wbxml_start(&counter, EAS_AirSync_Commands);
        write_entry(&counter, entry, len, v16);
        if (counter.err != EAS_OK) continue;
        if (used + counter.bytes > budget) break;
        used += counter.bytes;
        if ((e = write_entry(w, entry, len, v16)) != EAS_OK) return e;
        a->sent_key[a->sent_n] = key;
        a->sent_done[a->sent_n] = 0;
        a->sent_n++;
        if (key == EAS_KEY_OUTBOX_LAST) break;
    }
    return EAS_OK;
}

typedef struct outbox_walk {
    eas_agent *a;
    unsigned slot;
    const char *server_id;
    size_t id_len;
    uint32_t key; /* pending_key: the oldest match (smallest key), 0: none */
    uint8_t entry[ENTRY_HEAD + EAS_ITEM_RECORD_MAX];
} outbox_walk;

int eas_outbox_has_commands(eas_agent *a)
{
    if (!outbox_counts(a)) return 1;
    return a->coll_slot < EAS_MAX_FOLDERS && a->outbox_count[a->coll_slot] > 0;
}

/* ----------------------------------------------------------------- the server's answers */

/* The sent entry with this id (ClientId for adds, ServerId otherwise), or -1. */
static int find_sent(eas_agent *a, uint8_t change, const char *id, uint8_t *entry, size_t cap, size_t *len)
{
    for (unsigned i = 0; i < a->sent_n; i++) {
        if (a->sent_done[i]) continue;
        if (eas_store_get(a->store, a->sent_key[i], entry, cap, len) != EAS_OK || *len < ENTRY_HEAD + 4) continue;
        if (entry[0] != change) continue;
        size_t id_len = 0;
        const char *eid = eas_item_id(entry + ENTRY_HEAD, *len - ENTRY_HEAD, &id_len);
        if (eid && id_len == strlen(id) && memcmp(eid, id, id_len) == 0) return (int)i;
    }
    return -1;
}

eas_err eas_outbox_on_response(void *ctx, eas_item_change change, const char *client_id, const char *server_id,
                               uint32_t status)
{
    eas_agent *a = ctx;
    uint8_t entry[ENTRY_HEAD + EAS_ITEM_RECORD_MAX];
    uint8_t rec[EAS_ITEM_RECORD_MAX];
    size_t len = 0;
    int i = find_sent(a, (uint8_t)change, change == EAS_ITEM_ADD ? client_id : server_id, entry, sizeof entry, &len);
    if (i < 0) return EAS_OK; /* not ours (or answered twice) */
    eas_err e = eas_txn_begin(a);
    if (e != EAS_OK) return e;
    a->sent_done[i] = 1;
    if (status == 1 && change == EAS_ITEM_ADD && server_id[0] != '\0') {
        /* The item now exists on the server under its ServerId: keep it under that id. */
        size_t n = with_id(entry + ENTRY_HEAD, len - ENTRY_HEAD, server_id, strlen(server_id), rec, sizeof rec);
        int flag = 0;
        if (n && (e = eas_coll_stage_put(a, a->coll_slot, rec, n, &flag)) != EAS_OK) return e;
    } else if (status != 1 && a->ev.rejected) {
        a->ev.rejected(a->ev.ctx, (eas_class)a->coll_cls, a->coll_id, change,
                       change == EAS_ITEM_ADD ? client_id : server_id, status, 0);
    }
    /* Answered: the change leaves the queue whatever the answer, so one bad item cannot block the
     * rest (it was reported above). */
    return eas_outbox_stage_del(a, a->sent_key[i]);
}

eas_err eas_outbox_finish_sent(eas_agent *a)
{
    /* A Change or Delete that got no answer of its own succeeded (MS-ASCMD answers only failures). */
    for (unsigned i = 0; i < a->sent_n; i++) {
        if (a->sent_done[i]) continue;
        uint8_t head[ENTRY_HEAD + EAS_ITEM_RECORD_MAX];
        size_t len = 0;
        eas_err e = eas_store_get(a->store, a->sent_key[i], head, sizeof head, &len);
        if (e != EAS_OK) continue;
        if (head[0] == EAS_ITEM_ADD) continue; /* an Add always gets an answer: without one, resend it */
        if ((e = eas_outbox_stage_del(a, a->sent_key[i])) != EAS_OK) return e;
        a->sent_done[i] = 1;
    }
    return EAS_OK;
}

static eas_err pending_visit(void *ctx, uint32_t key, size_t len)
{
    outbox_walk *w = ctx;
    if (w->key && key > w->key) return EAS_OK; /* an older match is known already */
    eas_err e = eas_store_get(w->a->store, key, w->entry, sizeof w->entry, &len);
    if (e == EAS_OK && len >= ENTRY_HEAD + 4 && w->entry[1] == w->slot && w->entry[0] != EAS_ITEM_ADD) {
        size_t n = w->entry[ENTRY_HEAD + 3];
        if (n == w->id_len && memcmp(w->entry + ENTRY_HEAD + 4, w->server_id, n) == 0) w->key = key;
    }
    return EAS_OK;
}

uint32_t eas_outbox_pending_key(eas_agent *a, unsigned slot, const char *server_id, size_t id_len)
{
    outbox_walk w = {a, slot, server_id, id_len, 0, {0}};
    /* In any order: the smallest matching key is kept, the one the ordered walk met first. */
    eas_store_visit_range(a->store, EAS_KEY_OUTBOX(0), EAS_KEY_OUTBOX_LAST, pending_visit, &w);
    return w.key;
}
