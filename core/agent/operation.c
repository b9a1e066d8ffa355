/* The operation: which request comes next and what an answer means for the account, one row of
 * eas_phases per phase (agent_int.h). Each function here leaves the next phase in a->phase or returns
 * an error; the driver in agent.c starts what the phase says (an exchange, or another decision), so
 * nothing here sends, waits or calls back into the driver. */
#include <string.h>

#include "agent_int.h"
#include "directory.h"
#include "eas/crc32.h"
#include "eas/log.h"

#define LOG(a) (&(a)->pal->log)

/* Bounds on the retries a single operation may make. */
#define MAX_PROVISIONS 2u
#define MAX_RESETS 1u
/* Sync status 5 answers in a row for one collection before it is synced again from SyncKey 0: MS-ASCMD
 * (2.2.3.177.17) calls 5 frequently transient and says to go back to 0 when retries keep failing.
 * The first two get the back-off of any transient status; the third resets. */
#define SYNC_ERRORS_BEFORE_RESET 3u
/* OPTIONS is asked again this often when the configuration says nothing (a day). */
#define PROBE_INTERVAL_S 86400u
/* A wall clock below this (2001) has not been set: the daily probe waits for one. */
#define WALL_KNOWN_S 1000000000

/* Common status codes (MS-ASCMD 2.2.3.177.1) that a command's Status may carry. */
static int status_needs_provision(uint32_t s) { return s == 140 || (s >= 141 && s <= 144); }
static int status_blocked(uint32_t s) { return (s >= 126 && s <= 131) || s == 177; }
/* 111 ServerErrorRetryLater is worth asking again after a wait; 110 ServerError says the device should
 * not (MS-ASCMD 2.2.3.177.1). */
static int status_transient(uint32_t s) { return s == 111; }
static int status_server_error(uint32_t s) { return s == 110; }

/* A transient answer: the same request again after a growing wait, a bounded number of times. */
static eas_err retry_later(eas_agent *a, uint32_t status)
{
    if (a->throttles >= EAS_THROTTLE_RETRIES) return EAS_ERR_THROTTLED;
    uint32_t wait_s = eas_op_backoff_s(a);
    EAS_WARN2(LOG(a), "the server's status %u is transient: asking again in %u s", status, wait_s);
    return eas_op_wait(a, wait_s);
}

static uint64_t now_ms(const eas_agent *a)
{
    return a->pal->clock.monotonic_ms ? a->pal->clock.monotonic_ms(a->pal->clock.ctx) : 0;
}

/* The wall time for the probe's record: 1 when the clock is not set (asked, time unknown). */
static uint32_t probe_stamp(const eas_agent *a)
{
    int64_t w = a->pal->clock.wall_time ? a->pal->clock.wall_time(a->pal->clock.ctx) : -1;
    return w >= WALL_KNOWN_S && w <= (int64_t)UINT32_MAX ? (uint32_t)w : 1u;
}

/* OPTIONS is due again: asked to (probed_at 0: a 400, a 403, an old record), or a day (the configured
 * interval) has gone since the last, by the wall clock. Never with a fixed version. */
static int probe_due(const eas_agent *a)
{
    if (a->cfg->protocol_version) return 0;
    if (a->probed_at == 0) return 1;
    uint32_t now = probe_stamp(a), every = a->cfg->probe_interval_s ? a->cfg->probe_interval_s : PROBE_INTERVAL_S;
    if (now == 1u) return 0; /* no clock: only when asked to */
    if (a->probed_at == 1u) return 1; /* asked before the clock was set */
    return now >= a->probed_at && now - a->probed_at >= every;
}

int eas_op_offered(const eas_agent *a, eas_cmd c)
{
    return a->server_commands == 0 || ((a->server_commands >> c) & 1u);
}

/* Settings goes only to a server that names it: one that gives no list may not know it at all. */
static int settings_listed(const eas_agent *a)
{
    return (a->server_commands & EAS_CMDS_LISTED) && ((a->server_commands >> EAS_CMD_SETTINGS) & 1u);
}

void eas_op_probe_again(eas_agent *a)
{
    if (a->cfg->protocol_version || a->version == 0 || a->probed_at == 0) return;
    a->probed_at = 0;
    /* The old record stays when this fails: the next day's probe comes all the same. */
    if (eas_account_save_protocol(a) != EAS_OK) EAS_WARN(LOG(a), "the probe of the server's versions was not noted");
    else EAS_INFO(LOG(a), "the server may have changed: its versions and commands are asked again next time");
}

int eas_op_class_kept(const eas_agent *a, uint8_t cls)
{
    return cls != EAS_CLASS_NONE && ((eas_account_classes(a) >> cls) & 1u);
}

static eas_err reset_hierarchy(eas_agent *a);

static uint8_t filter_of(const eas_agent *a, uint8_t cls)
{
    switch (cls) {
    case EAS_CLASS_CALENDAR: return a->cfg->calendar_filter;
    case EAS_CLASS_EMAIL: return a->cfg->email_filter ? a->cfg->email_filter : 3;
    default: return EAS_FILTER_NONE;
    }
}

eas_err eas_op_provision_then(eas_agent *a, uint8_t resume)
{
    if (a->provisions++ >= MAX_PROVISIONS) return EAS_ERR_PROVISION;
    EAS_INFO(LOG(a), "the server asks for provisioning: provisioning again");
    a->provisioned = 0;
    a->resume_phase = resume;
    a->phase = PH_PROVISION;
    return EAS_OK;
}

uint32_t eas_op_backoff_s(const eas_agent *a)
{
    uint32_t jitter = 0;
    /* From 5 s, doubling, with jitter so that devices do not return in step. */
    if (a->pal->entropy.fill) a->pal->entropy.fill(a->pal->entropy.ctx, (uint8_t *)&jitter, sizeof jitter);
    return eas_backoff_next(a->throttles, 5, EAS_RETRY_AFTER_MAX_S, jitter);
}

eas_err eas_op_wait(eas_agent *a, uint32_t wait_s)
{
    if (a->throttles >= EAS_THROTTLE_RETRIES || wait_s > EAS_RETRY_AFTER_MAX_S) return EAS_ERR_THROTTLED;
    a->throttles++;
    a->wake_ms = now_ms(a) + (uint64_t)wait_s * 1000u;
    a->xstate = AX_WAIT;
    return EAS_OK;
}

/* ------------------------------------------------------------------- OAuth: the access token */

#if EAS_ENABLE_OAUTH
static void refresh_then(eas_agent *a)
{
    a->refresh_resume = a->phase;
    a->phase = PH_REFRESH;
}

int eas_op_refresh_due(eas_agent *a)
{
    int64_t now = a->pal->clock.wall_time ? a->pal->clock.wall_time(a->pal->clock.ctx) : -1;
    /* Without the time the expiry cannot be judged: the token goes, and a 401 says if it is stale. Just
     * after a refresh the new token goes whatever its lifetime (one refresh per request, not a loop). */
    if (!a->cfg->oauth || a->refreshed || now < 0 || eas_oauth_access_fresh(&a->bearer.tokens, (uint64_t)now))
        return 0;
    EAS_INFO(LOG(a), "the access token is about to expire: refreshing it");
    refresh_then(a);
    return 1;
}

eas_err eas_op_refused_401(eas_agent *a)
{
    if (!a->cfg->oauth || a->refused_401) return EAS_ERR_AUTH;
    a->refused_401 = 1;
    EAS_INFO(LOG(a), "HTTP 401 to the access token: refreshing it, then the request once more");
    refresh_then(a);
    /* A refused Ping was not held: it goes again at once, not after the pause between Pings. */
    if (eas_phases[a->refresh_resume].flags & PH_HELD) a->ping_next_ms = 0;
    return EAS_OK;
}

eas_err eas_op_refreshed(eas_agent *a)
{
    eas_err e = eas_oauth_tokens_load(a->store, &a->bearer.tokens);
    if (e != EAS_OK) return e;
    a->refreshed = 1;
    a->phase = a->refresh_resume;
    return EAS_OK;
}
#endif

/* ------------------------------------------------------------------- deciding what comes next */

static eas_err decide_start(eas_agent *a)
{
    if (a->version == 0 && a->cfg->protocol_version) a->version = a->cfg->protocol_version;
    if (a->version == 0) {
        a->phase = PH_OPTIONS;
        return EAS_OK;
    }
    if (probe_due(a)) {
        a->phase = PH_REPROBE;
        return EAS_OK;
    }
    /* Provision goes first only to a server that may want it: one that lists Provision, or lists
     * nothing. One that lists commands without it (SOGo) is not asked; should it want a policy after
     * all, its 449 or status 142-144 provisions then (eas_op_provision_then), for one request more. */
    if (!a->provisioned && eas_op_offered(a, EAS_CMD_PROVISION)) {
        a->resume_phase = PH_START;
        a->phase = PH_PROVISION;
        return EAS_OK;
    }
    /* The device says what it is, once for each change of that information, but not before the first
     * sync has its folders: that sync is the wait in front of the user, and at 14.1 and later the
     * Provision request carried the same DeviceInformation already (MS-ASPROV 2.2.2.52). The next
     * operation that syncs (the first Ping, the next sync) sends it; a lookup writes nothing, so not it. */
    int lookup = a->op == EAS_OP_GAL_SEARCH || a->op == EAS_OP_RESOLVE || a->op == EAS_OP_FETCH;
    if (!a->settings_sent && settings_listed(a) && strcmp(a->folder_key, "0") != 0 && !lookup) {
        a->phase = PH_SETTINGS;
        return EAS_OK;
    }
    switch (a->op) {
    case EAS_OP_CONNECT: a->phase = PH_FINISHED; break;
    case EAS_OP_PING:
        a->ping_start_ms = now_ms(a);
        a->phase = eas_op_offered(a, EAS_CMD_PING) ? PH_PING : PH_POLL;
        break;
    case EAS_OP_SYNC_CHANGED: a->phase = PH_SYNC_SELECT; break;
    case EAS_OP_RESPOND:
        if (!eas_op_offered(a, EAS_CMD_MEETINGRESPONSE)) {
            a->failure.cmd = EAS_CMD_MEETINGRESPONSE;
            return EAS_ERR_UNSUPPORTED;
        }
        a->phase = PH_RESPOND;
        break;
    case EAS_OP_GAL_SEARCH:
    case EAS_OP_RESOLVE:
    case EAS_OP_FETCH: a->phase = PH_LOOKUP_SELECT; break;
    default:
        a->phase = PH_FOLDERSYNC;
        if (a->hier_stale) {
            EAS_WARN(LOG(a), "the hierarchy was kept for other classes: it is synced again from 0");
            return reset_hierarchy(a);
        }
        break;
    }
    return EAS_OK;
}

/* GetItemEstimate before the windows: only for a progress callback that wants the total, and
 * where the server offers it. */
static int wants_estimate(const eas_agent *a)
{
    return a->ev.progress && !a->cfg->no_estimate && eas_op_offered(a, EAS_CMD_GETITEMESTIMATE);
}

static eas_err sync_init_set(eas_agent *a, uint64_t *set);
static unsigned slot_count(uint64_t set);

/* The next collection (in folder-slot order, from coll_slot on) of a class the device keeps. The first
 * time in a full sync, two or more of them at SyncKey 0 get their first keys in one request first
 * (PH_SYNC_INIT_ALL); what that does not settle goes one by one below, as without it. */
static eas_err decide_collection(eas_agent *a)
{
    eas_folder f;
    if (!a->sync_init_tried && (a->op == EAS_OP_SYNC || a->op == EAS_OP_SYNC_CHANGED)) {
        uint64_t set = 0;
        a->sync_init_tried = 1;
        eas_err e = sync_init_set(a, &set);
        if (e != EAS_OK) return e;
        if (slot_count(set) >= 2) {
            /* From 0 the server sends everything again: items left from before (a reset cut short by a
             * power loss) go first, as below. */
            for (unsigned s = 0; s < EAS_MAX_FOLDERS; s++)
                if (((set >> s) & 1u) && (e = eas_coll_purge(a, s)) != EAS_OK) return e;
            a->phase = PH_SYNC_INIT_ALL;
            return EAS_OK;
        }
    }
    for (unsigned s = a->coll_slot; s < EAS_MAX_FOLDERS; s++) {
        if (!((a->folder_used >> s) & 1u)) continue;
        if (a->op == EAS_OP_SYNC_CHANGED && !((a->sync_only >> s) & 1u)) continue;
        eas_err e = eas_account_folder_at(a, s, &f);
        if (e != EAS_OK) return e;
        uint8_t cls = (uint8_t)eas_class_of_folder_type(f.type);
        if (!eas_op_class_kept(a, cls)) continue;
        a->coll_slot = (uint8_t)s;
        a->coll_cls = cls;
        a->coll_resets = 0;
        a->coll_server_errors = 0;
        a->coll_restart = 0;
        a->coll_windows = 0;
        a->coll_idle_windows = 0;
        a->coll_done = 0;
        a->coll_estimate = 0;
        memcpy(a->coll_id, f.server_id, sizeof a->coll_id);
        if ((e = eas_coll_get_key(a, s, a->coll_key, sizeof a->coll_key)) != EAS_OK) return e;
        /* A window whose answer never got committed (a cut connection, a kill, a power loss): some
         * servers (SOGo) have already counted its items as delivered and will not send them for the
         * same key again, so the only safe way on is to sync this collection from 0. */
        size_t mlen = 0;
        uint8_t mark[4];
        if (strcmp(a->coll_key, "0") != 0 && eas_store_get(a->store, EAS_KEY_COLL_INFLIGHT(s), mark, sizeof mark, &mlen) == EAS_OK) {
            EAS_WARN1(LOG(a), "the answer to a Sync window was lost: folder slot %u is synced again from 0", s);
            if ((e = eas_coll_purge(a, s)) != EAS_OK) return e;
            memcpy(a->coll_key, "0", 2);
        }
        /* From 0 the server sends everything again: items left from before (a reset cut short by a
         * power loss) go first. */
        if (strcmp(a->coll_key, "0") == 0 && (e = eas_coll_purge(a, s)) != EAS_OK) return e;
        a->phase = strcmp(a->coll_key, "0") == 0 ? PH_SYNC_INIT : (wants_estimate(a) ? PH_ESTIMATE : PH_SYNC);
        return EAS_OK;
    }
    a->phase = PH_FINISHED;
    return EAS_OK;
}

/* The collection is done (or has nothing more): on to the next one. */
static eas_err next_collection(eas_agent *a)
{
    a->coll_slot++;
    a->phase = PH_SYNC_SELECT;
    return EAS_OK;
}

/* ------------------------------------------------------------------ the decoders' events */

#ifdef EAS_TEST_BUILD
/* The host's transactions hold any hierarchy: the unit tests lower this to a board's to split one. */
unsigned eas_test_hierarchy_txn_records = EAS_STORE_MAX_TXN_RECORDS;
#define HIERARCHY_TXN_RECORDS eas_test_hierarchy_txn_records
#else
#define HIERARCHY_TXN_RECORDS EAS_STORE_MAX_TXN_RECORDS
#endif

/* Folder changes of a FolderSync response, staged as they arrive. Only folders of the kept classes are
 * stored (an Update or Delete of another is then of an unknown folder, and ignored); a kept class past
 * EAS_MAX_FOLDERS is counted, not stored. The answer goes to flash in as many transactions as it
 * takes, its SyncKey with the last: replayed after a cut, each change finds its effect already there (an
 * Add or Update rewrites the folder in its slot, a Delete of a gone folder is ignored). */
static eas_err on_folder_change(void *ctx, eas_folder_change change, const eas_folder *f)
{
    eas_agent *a = ctx;
    uint8_t rec[3 + 3 * EAS_FOLDER_ID_MAX];
    eas_err e;
    /* Room for the largest change (a folder forgotten: 3 records) and the hierarchy's own 3. */
    if (a->txn_open && a->hier_records + 6u > HIERARCHY_TXN_RECORDS) {
        e = eas_store_txn_commit(a->store);
        a->txn_open = 0;
        if (e != EAS_OK) {
            eas_account_load_index(a);
            return e;
        }
    }
    if ((e = eas_txn_begin(a)) != EAS_OK) return e;
    int slot = eas_account_find_folder(a, f->server_id);
    if (change == EAS_FOLDER_DELETED_CHANGE || !eas_op_class_kept(a, (uint8_t)eas_class_of_folder_type(f->type))) {
        if (slot < 0) return EAS_OK; /* never kept here */
        a->hier_records += 3;
        return eas_account_stage_forget(a, (unsigned)slot);
    }
    if (slot < 0 && (slot = eas_account_free_slot(a)) < 0) {
        if (change == EAS_FOLDER_ADDED && a->folders_skipped < UINT16_MAX) a->folders_skipped++;
        return EAS_OK;
    }
    size_t n = eas_account_folder_encode(f, rec, sizeof rec);
    if (n == 0) return EAS_ERR_NOSPACE;
    a->folder_used |= UINT64_C(1) << slot;
    a->folder_hash[slot] = eas_account_hash(a, f->server_id);
    a->hier_records++;
    return eas_store_txn_put(a->store, EAS_KEY_FOLDER(slot), rec, n);
}

/* A server change of the Sync response, staged in the window's transaction. */
static eas_err on_sync_item(void *ctx, eas_item_change change, const uint8_t *rec, size_t len)
{
    eas_agent *a = ctx;
    eas_err e = eas_txn_begin(a);
    int flag = 0;
    if (e != EAS_OK) return e;
    size_t cid_len = 0;
    const char *cid = eas_item_id(rec, len, &cid_len);
    if (!cid) return EAS_ERR_PROTOCOL;
    /* Conflicts are only possible while changes of the device's wait (most syncs have none). */
    uint32_t pending = a->outbox_any ? eas_outbox_pending_key(a, a->coll_slot, cid, cid_len) : 0;
    if (pending) {
        /* The server changed an item this device has a change queued for: a conflict, never silent. */
        char id[EAS_ITEM_ID_MAX];
        size_t n = cid_len < sizeof id - 1 ? cid_len : sizeof id - 1;
        memcpy(id, cid, n);
        id[n] = '\0';
        EAS_INFO1(LOG(a), "conflict: the server changed an item with a change queued here (device wins: %u)",
                  a->cfg->client_wins);
        if (a->ev.rejected)
            a->ev.rejected(a->ev.ctx, (eas_class)a->coll_cls, a->coll_id, change, id, EAS_SYNC_CONFLICT, a->cfg->client_wins);
        if (a->cfg->client_wins) return EAS_OK; /* the device's version goes out with the next Sync */
        for (unsigned i = 0; i < a->sent_n; i++)
            if (a->sent_key[i] == pending) a->sent_done[i] = 1;
        if ((e = eas_outbox_stage_del(a, pending)) != EAS_OK) return e;
    }
    /* One CRC of the record for the store and for what this window brought (see after_sync). */
    uint32_t crc = eas_crc32(0, rec, len);
    uint8_t crc_le[4] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24)};
    if (change == EAS_ITEM_ADD || change == EAS_ITEM_CHANGE) {
        e = eas_coll_stage_put_crc(a, a->coll_slot, rec, len, crc, &flag);
    } else {
        size_t id_len = 0;
        const char *id = eas_item_id(rec, len, &id_len);
        if (!id) return EAS_ERR_PROTOCOL;
        e = eas_coll_stage_del(a, a->coll_slot, id, id_len, &flag);
    }
    if (e != EAS_OK) return e;
    a->window_crc = eas_crc32(a->window_crc, crc_le, sizeof crc_le);
    a->coll_done++;
    if (a->ev.progress) a->ev.progress(a->ev.ctx, (eas_class)a->coll_cls, a->coll_id, a->coll_done, a->coll_estimate);
    return EAS_OK;
}

static eas_err on_ping_folder(void *ctx, const char *id)
{
    eas_agent *a = ctx;
    int slot = eas_account_find_folder(a, id);
    if (slot >= 0) a->ping_changed |= UINT64_C(1) << slot;
    return EAS_OK;
}

static void init_foldersync(eas_agent *a) { eas_foldersync_decoder_init(&a->dec.folders, on_folder_change, a); }
static void init_provision(eas_agent *a) { eas_provision_decoder_init(&a->dec.provision); }
static void init_estimate(eas_agent *a) { eas_estimate_decoder_init(&a->dec.estimate); }
static void init_meeting(eas_agent *a) { eas_meeting_decoder_init(&a->dec.meeting); }
static void init_settings(eas_agent *a) { eas_settings_decoder_init(&a->dec.settings); }

static void init_sync(eas_agent *a)
{
    eas_sync_events ev = {a, on_sync_item, eas_outbox_on_response};
    a->mark_inflight = a->phase == PH_SYNC; /* written when the request starts to go out */
    a->window_crc = 0;
    a->sent_n = 0;
    a->outbox_any = (uint8_t)eas_outbox_has_commands(a);
    eas_sync_decoder_init(&a->dec.sync, (eas_class)a->coll_cls, &ev);
    a->dec.sync.collection_id = a->coll_id; /* an answer for another collection is refused */
}

static void init_ping(eas_agent *a)
{
    a->ping_changed = 0;
    a->ping_start_ms = now_ms(a);
    a->ping_next_ms = a->ping_start_ms + EAS_PING_MIN_INTERVAL_S * 1000u; /* see the driver's start_exchange */
    eas_ping_decoder_init(&a->dec.ping, on_ping_folder, a);
}

/* ------------------------------------------------------------------------- request bodies */

static eas_err body_provision(eas_agent *a, eas_wbxml_writer *w)
{
    const eas_agent_config *c = a->cfg;
    eas_device_info info = {c->device_model, c->friendly_name, c->device_os, c->user_agent};
    return eas_provision_request(w, a->version >= EAS_PROTO_14_1 ? &info : NULL);
}

static eas_err body_settings(eas_agent *a, eas_wbxml_writer *w)
{
    const eas_agent_config *c = a->cfg;
    eas_device_info info = {c->device_model, c->friendly_name, c->device_os, c->user_agent};
    return eas_settings_request_write(w, &info, c->os_language ? c->os_language : "English", 1);
}

static eas_err body_provision_ack(eas_agent *a, eas_wbxml_writer *w)
{
    return eas_provision_ack(w, a->temp_policy_key, EAS_PROVISION_OK);
}

static eas_err body_wipe_ack(eas_agent *a, eas_wbxml_writer *w)
{
    (void)a;
    return eas_provision_wipe_ack(w, 1);
}

static eas_err body_foldersync(eas_agent *a, eas_wbxml_writer *w) { return eas_foldersync_request(w, a->folder_key); }

static eas_err body_sync(eas_agent *a, eas_wbxml_writer *w)
{
    eas_sync_request r;
    memset(&r, 0, sizeof r);
    r.sync_key = a->coll_key;
    r.collection_id = a->coll_id;
    r.cls = a->coll_cls;
    r.get_changes = 1;
    r.filter_type = filter_of(a, a->coll_cls);
    r.body_type = 1; /* plain text */
    r.truncation = EAS_SYNC_TRUNCATION;
    r.window_size = EAS_SYNC_WINDOW;
    r.supported = eas_item_supported((eas_class)a->coll_cls, &r.supported_n);
    if (a->phase == PH_SYNC && eas_outbox_has_commands(a)) {
        r.commands = eas_outbox_write_commands;
        r.commands_ctx = a;
    }
    return eas_sync_request_write(w, &r);
}

/* 12.1 takes the request in another shape (the Class, FilterType in the Collection, SyncKey last); 14.0
 * and later in the one with Options (MS-ASCMD 2.2.1.9). */
static eas_err body_estimate(eas_agent *a, eas_wbxml_writer *w)
{
    if (a->version < EAS_PROTO_14_0)
        return eas_estimate_request_write_121(w, (eas_class)a->coll_cls, a->coll_key, a->coll_id,
                                              filter_of(a, a->coll_cls));
    return eas_estimate_request_write(w, a->coll_key, a->coll_id, filter_of(a, a->coll_cls));
}

/* Ping watches the collections that have been synced (the server knows no others for this device). */
static eas_err body_ping(eas_agent *a, eas_wbxml_writer *w)
{
    static const char *const class_names[] = {"", "Calendar", "Contacts", "Tasks", "Email"};
    eas_ping_folder folders[EAS_PING_MAX_FOLDERS];
    char ids[EAS_PING_MAX_FOLDERS][EAS_FOLDER_ID_MAX];
    unsigned n = 0, limit = a->ping_folders_max ? a->ping_folders_max : EAS_PING_MAX_FOLDERS;
    eas_folder f;
    for (unsigned s = 0; s < EAS_MAX_FOLDERS && n < limit; s++) {
        if (!((a->folder_used >> s) & 1u)) continue;
        char key[EAS_SYNC_KEY_MAX];
        if (eas_account_folder_at(a, s, &f) != EAS_OK) continue;
        uint8_t cls = (uint8_t)eas_class_of_folder_type(f.type);
        if (!eas_op_class_kept(a, cls)) continue;
        if (eas_coll_get_key(a, s, key, sizeof key) != EAS_OK || !strcmp(key, "0")) continue;
        memcpy(ids[n], f.server_id, sizeof ids[n]);
        folders[n].id = ids[n];
        folders[n].cls = class_names[cls];
        n++;
    }
    if (n == 0) return EAS_ERR_STATE; /* nothing synced yet: sync first */
    return eas_ping_request_write(w, a->heartbeat, folders, n);
}

static eas_err body_respond(eas_agent *a, eas_wbxml_writer *w)
{
    eas_meeting_request r = {(eas_user_response)a->respond_with, a->respond_folder, a->respond_item,
                             a->respond_instance[0] ? a->respond_instance : NULL, a->version >= EAS_PROTO_16_0};
    return eas_meeting_request_write(w, &r);
}

/* ---------------------------------------------------------------------- what answers mean */

/* The server's commands, from the OPTIONS answer; all of them when it lists none. */
static void note_commands(eas_agent *a)
{
    size_t vlen = 0;
    uint32_t mask = 0;
    const char *v = eas_http_parser_header(eas_exchange_response(&a->x), EAS_HTTP_H_MS_ASPROTOCOLCOMMANDS, &vlen);
    if (v) eas_ashttp_parse_commands(v, vlen, &mask);
    mask &= ~(EAS_CMDS_LISTED | EAS_CMDS_ASKED);
    a->server_commands = (mask ? mask | EAS_CMDS_LISTED : UINT32_MAX & ~EAS_CMDS_LISTED) | EAS_CMDS_ASKED;
}

static eas_err after_options(eas_agent *a, int empty)
{
    const char *v = NULL;
    size_t vlen = 0;
    uint32_t mask = 0;
    uint8_t picked = 0;
    eas_err e;
    (void)empty;
    v = eas_http_parser_header(eas_exchange_response(&a->x), EAS_HTTP_H_MS_ASPROTOCOLVERSIONS, &vlen);
    if (!v) return EAS_ERR_VERSION;
    if ((e = eas_ashttp_parse_versions(v, vlen, &mask)) != EAS_OK) return EAS_ERR_PROTOCOL;
    if ((e = eas_ashttp_pick_version(mask, a->cfg->protocol_version, &picked)) != EAS_OK) return e;
    a->version = picked;
    a->server_versions = mask;
    a->probed_at = probe_stamp(a);
    note_commands(a);
    if ((e = eas_account_save_protocol(a)) != EAS_OK) return e;
    a->phase = PH_START;
    return EAS_OK;
}

/* OPTIONS asked again of a server the account already talks to. The best version both sides have is
 * taken, as at first contact: a server upgraded to offer 16.1 alone moves a state kept at 14.1 there.
 * The SyncKeys stay: they are the server's state of this device, not of a protocol version, and a
 * server that thinks otherwise answers FolderSync 9 or Sync 3, which sync again from 0. An answer
 * that cannot be used (an error, no versions, none in common) keeps what the account has: the next
 * request tells whether it still holds. */
static eas_err after_reprobe(eas_agent *a, int empty)
{
    const char *v = NULL;
    size_t vlen = 0;
    uint32_t mask = 0;
    uint8_t picked = 0;
    if (!empty) v = eas_http_parser_header(eas_exchange_response(&a->x), EAS_HTTP_H_MS_ASPROTOCOLVERSIONS, &vlen);
    if (v && eas_ashttp_parse_versions(v, vlen, &mask) == EAS_OK && eas_ashttp_pick_version(mask, 0, &picked) == EAS_OK) {
        if (picked != a->version)
            EAS_WARN2(LOG(a), "the server's versions changed: protocol %u now, was %u (x10; SyncKeys kept)", picked,
                      a->version);
        a->version = picked;
        a->server_versions = mask;
        note_commands(a);
    } else {
        EAS_WARN1(LOG(a), "OPTIONS asked again gave nothing usable: protocol %u (x10) kept", a->version);
    }
    a->failure.http_status = 0;
    a->probed_at = probe_stamp(a);
    eas_err e = eas_account_save_protocol(a);
    if (e != EAS_OK) return e;
    a->phase = PH_START;
    return EAS_OK;
}

/* The Settings answer: whatever it says, the operation goes on (a server may not know Settings, or
 * refuse DeviceInformation); it is sent again only when the device's information changes. */
static eas_err after_settings(eas_agent *a, int empty)
{
    eas_settings_decoder *d = &a->dec.settings;
    const char *address = "";
    if (empty || eas_settings_decoder_finish(d) != EAS_OK) {
        EAS_WARN1(LOG(a), "Settings: no answer to read (HTTP %u): going on without", a->failure.http_status);
    } else if (status_needs_provision(d->status)) {
        return eas_op_provision_then(a, PH_START);
    } else if (d->status != 1) {
        EAS_WARN1(LOG(a), "Settings answered status %u: going on without", d->status);
    } else {
        if (d->device_status > 1) /* SOGo answers no DeviceInformation at all (0): nothing to say */
            EAS_WARN1(LOG(a), "Settings: DeviceInformation answered status %u", d->device_status);
        /* SOGo gives the address without a UserInformation Status: absent counts as success. */
        if (d->user_status <= 1 && d->address[0]) address = d->address;
    }
    a->failure.http_status = 0;
    a->failure.eas_status = 0;
    eas_err e = eas_account_save_settings(a, address);
    if (e != EAS_OK) return e;
    a->settings_sent = 1;
    a->phase = PH_START;
    return EAS_OK;
}

/* No Ping at this server: the same push loop, by the clock (a Sync of everything each heartbeat). */
static eas_err decide_poll(eas_agent *a)
{
    uint64_t due = a->ping_start_ms + (uint64_t)a->heartbeat * 1000u;
    if (now_ms(a) < due) {
        a->wake_ms = due;
        a->xstate = AX_WAIT;
        return EAS_OK;
    }
    a->ping_changed = a->folder_used;
    a->ping_result = EAS_PING_CHANGED;
    a->phase = PH_FINISHED;
    return EAS_OK;
}

static eas_err after_provision(eas_agent *a, int empty)
{
    eas_provision_decoder *d = &a->dec.provision;
    eas_err e = eas_provision_decoder_finish(d);
    (void)empty;
    if (e != EAS_OK) return e;
    a->failure.eas_status = d->status;
    if (d->remote_wipe || d->account_only_wipe) {
        int agreed = a->ev.remote_wipe ? a->ev.remote_wipe(a->ev.ctx, d->account_only_wipe) : 0;
        if (!agreed || a->phase == PH_WIPE_ACK) return EAS_ERR_REMOTE_WIPE;
        a->phase = PH_WIPE_ACK;
        return EAS_OK;
    }
    if (a->phase == PH_WIPE_ACK) return EAS_ERR_REMOTE_WIPE;
    if (d->status != EAS_PROVISION_OK) return status_blocked(d->status) ? EAS_ERR_FORBIDDEN : EAS_ERR_PROVISION;
    if (a->phase == PH_PROVISION && d->policy_key[0] != '\0' && d->policy_status == 1) {
        /* Phase 1 gave a temporary key: acknowledge the policy to get the final one. */
        memcpy(a->temp_policy_key, d->policy_key, sizeof a->temp_policy_key);
        a->phase = PH_PROVISION_ACK;
        return EAS_OK;
    }
    if (d->policy_status != 0 && d->policy_status != 1 && d->policy_status != EAS_POLICY_NONE) return EAS_ERR_PROVISION;
    /* Done: the final key, or none at all (a server without policies, such as SOGo). */
    memcpy(a->policy_key, d->policy_key, sizeof a->policy_key);
    a->provisioned = 1;
    if ((e = eas_account_save_policy(a)) != EAS_OK) return e;
    a->phase = a->resume_phase;
    return EAS_OK;
}

/* Status 9 of FolderSync, a hierarchy kept for other classes, or one whose reset was cut short: the
 * hierarchy's SyncKey goes back to 0 first (a cut on the way leads here again), then every folder with
 * its SyncKey, then their items. */
static eas_err reset_hierarchy(eas_agent *a)
{
    eas_err e = eas_store_del(a->store, EAS_KEY_FOLDER_SYNC_KEY);
    memcpy(a->folder_key, "0", 2);
    for (unsigned s = 0; e == EAS_OK && s < EAS_MAX_FOLDERS;) {
        if ((e = eas_store_txn_begin(a->store)) != EAS_OK) break;
        for (unsigned n = 0; e == EAS_OK && s < EAS_MAX_FOLDERS && n + 3u <= EAS_STORE_MAX_TXN_RECORDS; s++)
            if ((a->folder_used >> s) & 1u) {
                e = eas_account_stage_forget(a, s);
                n += 3;
            }
        if (e == EAS_OK) e = eas_store_txn_commit(a->store);
        else eas_store_txn_abort(a->store);
    }
    if (e == EAS_OK) e = eas_store_del(a->store, EAS_KEY_FOLDERS_SKIPPED);
    if (e == EAS_OK) e = eas_account_purge_orphans(a);
    if (e != EAS_OK) {
        eas_account_load_index(a);
        return e;
    }
    a->folders_skipped = 0;
    a->hier_stale = 0;
    return EAS_OK;
}

static eas_err after_foldersync(eas_agent *a, int empty)
{
    eas_foldersync_decoder *d = &a->dec.folders;
    eas_err e = eas_foldersync_decoder_finish(d);
    (void)empty;
    if (e != EAS_OK) return e;
    a->failure.eas_status = d->status;
    if (d->status == EAS_FOLDERSYNC_OK) {
        if (d->sync_key[0] == '\0') return EAS_ERR_PROTOCOL;
        if ((e = eas_txn_begin(a)) != EAS_OK) return e;
        if ((e = eas_account_stage_hierarchy(a, d->sync_key)) != EAS_OK) return e;
        if ((e = eas_txn_commit(a)) != EAS_OK) return e;
        memcpy(a->folder_key, d->sync_key, sizeof a->folder_key);
        /* The items of the folders that went (and of any purge a power cut left undone). */
        if ((e = eas_account_purge_orphans(a)) != EAS_OK) return e;
        if (a->op == EAS_OP_PING) a->phase = PH_PING;
        else a->phase = (a->op == EAS_OP_SYNC || a->op == EAS_OP_SYNC_CHANGED) ? PH_SYNC_SELECT : PH_FINISHED;
        return EAS_OK;
    }
    eas_txn_abort(a);
    if (d->status == EAS_FOLDERSYNC_INVALID_KEY) {
        if (a->resets++ >= MAX_RESETS) return EAS_ERR_PROTOCOL;
        EAS_WARN(LOG(a), "FolderSync status 9: the folder hierarchy is synced again from 0");
        return reset_hierarchy(a); /* and the same phase again, from key 0 */
    }
    if (status_needs_provision(d->status)) return eas_op_provision_then(a, PH_FOLDERSYNC);
    if (status_blocked(d->status)) return EAS_ERR_FORBIDDEN;
    if (status_server_error(d->status)) return EAS_ERR_SERVER;
    /* 6 (server error) and 11 (unknown error) pass, as 111 does: the same FolderSync after a wait. */
    if (d->status == EAS_FOLDERSYNC_SERVER_ERROR || d->status == EAS_FOLDERSYNC_UNKNOWN_ERROR ||
        status_transient(d->status))
        return retry_later(a, d->status);
    return EAS_ERR_PROTOCOL;
}

static eas_err after_estimate(eas_agent *a, int empty)
{
    eas_estimate_decoder *d = &a->dec.estimate;
    (void)empty;
    if (d->status == 1 && d->have_estimate) a->coll_estimate = d->estimate;
    if (a->ev.progress) a->ev.progress(a->ev.ctx, (eas_class)a->coll_cls, a->coll_id, 0, a->coll_estimate);
    /* An estimate is only for the progress line: whatever it says, the sync goes on. */
    a->phase = PH_SYNC;
    return EAS_OK;
}

static eas_err after_sync(eas_agent *a, int empty)
{
    eas_sync_decoder *d = &a->dec.sync;
    eas_err e;
    if (empty) {
        /* No content: nothing changed (SOGo answers so when there is nothing new). */
        eas_txn_abort(a);
        if (a->phase == PH_SYNC_INIT) return EAS_ERR_PROTOCOL;
        if ((e = eas_store_del(a->store, EAS_KEY_COLL_INFLIGHT(a->coll_slot))) != EAS_OK) return e;
        return next_collection(a);
    }
    if ((e = eas_sync_decoder_finish(d)) != EAS_OK) return e;
    uint32_t status = d->status ? d->status : d->top_status;
    a->failure.eas_status = status;
    if (status == EAS_SYNC_OK) {
        if (d->sync_key[0] == '\0') return EAS_ERR_PROTOCOL;
        if (a->coll_restart) {
            /* The first key of a restart from 0 (Sync status 5): now the old items go. A first answer
             * does not carry items (MS-ASCMD 3.1.5.4); one that does is not taken (the purge commits). */
            if (a->txn_open) return EAS_ERR_PROTOCOL;
            if ((e = eas_coll_purge(a, a->coll_slot)) != EAS_OK) return e;
            a->coll_restart = 0;
        }
        /* Nothing new: no items, the same SyncKey, or the very items of the window before. */
        int idle = (d->items == 0 || strcmp(d->sync_key, a->coll_key) == 0 || a->window_crc == a->last_window_crc) &&
                   a->sent_n == 0;
        a->last_window_crc = a->window_crc;
        if ((e = eas_txn_begin(a)) != EAS_OK) return e;
        if ((e = eas_outbox_finish_sent(a)) != EAS_OK) return e;
        if ((e = eas_store_txn_del(a->store, EAS_KEY_COLL_INFLIGHT(a->coll_slot))) != EAS_OK) return e;
        if ((e = eas_store_txn_put(a->store, EAS_KEY_COLL_SYNC_KEY(a->coll_slot), d->sync_key, strlen(d->sync_key))) !=
            EAS_OK)
            return e;
        if ((e = eas_txn_commit_notify(a)) != EAS_OK) return e;
        memcpy(a->coll_key, d->sync_key, sizeof a->coll_key);
        if (a->phase == PH_SYNC_INIT) {
            a->phase = wants_estimate(a) ? PH_ESTIMATE : PH_SYNC;
            return EAS_OK;
        }
        /* Again while the server has more, or while changes of ours wait (a request carries a few), but
         * not for ever: see EAS_SYNC_MAX_WINDOWS. */
        int again = d->more_available || (a->sent_n > 0 && eas_outbox_has_commands(a));
        a->coll_idle_windows = idle ? (uint8_t)(a->coll_idle_windows + 1) : 0;
        a->coll_windows++;
        if (again && (a->coll_windows >= EAS_SYNC_MAX_WINDOWS || a->coll_idle_windows >= EAS_SYNC_MAX_IDLE_WINDOWS)) {
            EAS_WARN1(LOG(a), "Sync: %u windows of a collection, the last for now (too many, or nothing new)",
                      a->coll_windows);
            again = 0;
        }
        if (!again) return next_collection(a);
        a->yield = 1; /* the driver returns to the application before the next window */
        return EAS_OK;
    }
    eas_txn_abort(a);
    if (status == EAS_SYNC_INVALID_KEY) {
        /* The server forgot this collection's state: start it again from 0 (once). */
        if (a->coll_resets++ >= 1) return EAS_ERR_PROTOCOL;
        EAS_WARN1(LOG(a), "Sync status 3: folder slot %u is synced again from 0", a->coll_slot);
        if ((e = eas_coll_purge(a, a->coll_slot)) != EAS_OK) return e;
        memcpy(a->coll_key, "0", 2);
        a->phase = PH_SYNC_INIT;
        return EAS_OK;
    }
    if (status == EAS_SYNC_HIERARCHY_CHANGED || status == EAS_SYNC_NOT_FOUND) {
        /* The folder hierarchy changed, or this collection is not (any more) on the server: FolderSync,
         * which drops a folder that went, then go on from this collection (once). */
        if (a->hierarchy_syncs++ >= 1) return EAS_ERR_PROTOCOL;
        EAS_INFO1(LOG(a), "Sync status %u: the folders changed, FolderSync first", status);
        /* The window was answered (with no items): it is not a lost one, the key still holds. */
        if ((e = eas_store_del(a->store, EAS_KEY_COLL_INFLIGHT(a->coll_slot))) != EAS_OK) return e;
        a->phase = PH_FOLDERSYNC;
        return EAS_OK;
    }
    if (status_needs_provision(status)) return eas_op_provision_then(a, a->phase);
    if (status_blocked(status)) return EAS_ERR_FORBIDDEN;
    if (status == EAS_SYNC_INCOMPLETE_REQUEST) {
        /* Our requests are always whole; a server that still says so gets it once more. */
        if (a->coll_resets++ >= 1) return EAS_ERR_PROTOCOL;
        EAS_INFO(LOG(a), "Sync status 13: the request is sent once more");
        return EAS_OK;
    }
    if (status_server_error(status)) return EAS_ERR_SERVER;
    if (status == EAS_SYNC_SERVER_ERROR) {
        /* Answered, with nothing delivered: the key still holds (not a lost window). */
        if ((e = eas_store_del(a->store, EAS_KEY_COLL_INFLIGHT(a->coll_slot))) != EAS_OK) return e;
        if (++a->coll_server_errors >= SYNC_ERRORS_BEFORE_RESET && strcmp(a->coll_key, "0") != 0 && a->coll_resets == 0) {
            /* Retries did not help: the collection from 0 (once). Its items go only once the server has
             * given the first key (a server still failing leaves the device's copy and key as they
             * were); the device's queued changes stay in the outbox and go out after it. */
            a->coll_resets++;
            a->coll_server_errors = 0;
            a->coll_restart = 1;
            EAS_WARN2(LOG(a), "Sync status 5 %u times: folder slot %u is synced again from 0", SYNC_ERRORS_BEFORE_RESET,
                      a->coll_slot);
            memcpy(a->coll_key, "0", 2);
            a->phase = PH_SYNC_INIT;
            return EAS_OK;
        }
    }
    /* 5: "frequently a transient condition" (MS-ASCMD), like 16 and 111: ask again after a wait. */
    if (status == EAS_SYNC_RETRY || status == EAS_SYNC_SERVER_ERROR || status_transient(status))
        return retry_later(a, status);
    return EAS_ERR_PROTOCOL;
}

/* The server took the response: the device's copy says so at once, and the calendar is synced (the
 * server may have changed or removed the item). */
static eas_err after_respond(eas_agent *a, int empty)
{
    eas_meeting_decoder *d = &a->dec.meeting;
    (void)empty;
    a->failure.eas_status = d->status;
    if (d->status != 1) {
        if (status_needs_provision(d->status)) return eas_op_provision_then(a, PH_RESPOND);
        return EAS_ERR_PROTOCOL;
    }
    int slot = eas_account_find_folder(a, a->respond_folder);
    if (slot >= 0 && !a->respond_instance[0]) {
        uint8_t rec[EAS_ITEM_RECORD_MAX], out[EAS_ITEM_RECORD_MAX];
        size_t len = 0;
        char rt[2] = {(char)('0' + EAS_RESPONSE_TYPE_OF(a->respond_with)), '\0'};
        eas_item_override ov = {EAS_Calendar_ResponseType, rt, 1};
        if (eas_agent_item_get(a, a->respond_folder, a->respond_item, rec, sizeof rec, &len) == EAS_OK) {
            size_t n = eas_item_copy_with(rec, len, &ov, 1, out, sizeof out);
            int flag = 0;
            eas_err e = eas_txn_begin(a);
            if (e == EAS_OK && n) e = eas_coll_stage_put(a, (unsigned)slot, out, n, &flag);
            if (e == EAS_OK) {
                a->coll_slot = (uint8_t)slot;
                a->coll_cls = EAS_CLASS_CALENDAR;
                memcpy(a->coll_id, a->respond_folder, sizeof a->coll_id);
                e = eas_txn_commit_notify(a);
            }
            if (e != EAS_OK) return e;
        }
    }
    a->op = EAS_OP_SYNC_CHANGED;
    a->sync_only = slot >= 0 ? UINT64_C(1) << slot : 0;
    a->coll_slot = 0;
    a->phase = PH_SYNC_SELECT;
    return EAS_OK;
}

static eas_err ping_done(eas_agent *a, eas_ping_result r)
{
    a->ping_result = (uint8_t)r;
    a->phase = PH_FINISHED;
    return EAS_OK;
}

static eas_err ping_cut(eas_agent *a);

static eas_err after_ping(eas_agent *a, int empty)
{
    eas_ping_decoder *d = &a->dec.ping;
    uint32_t ceiling = a->heartbeat_max ? a->heartbeat_max : EAS_PING_MAX_S;
    (void)empty;
    a->failure.eas_status = d->status;
    switch (d->status) {
    case EAS_PING_EXPIRED:
        /* "No change" well before the heartbeat ended: not a heartbeat at all, a cut (a proxy or a
         * server that answers at once would otherwise get Ping after Ping). */
        if (now_ms(a) - a->ping_start_ms < (uint64_t)a->heartbeat * 500u) {
            EAS_WARN1(LOG(a), "Ping answered \"no change\" %u s into its heartbeat: taken for a cut",
                      (uint32_t)((now_ms(a) - a->ping_start_ms) / 1000u));
            return ping_cut(a);
        }
        a->ping_early = 0;
        /* A quiet heartbeat went through whole: the path holds idle connections this long; try longer. */
        a->heartbeat = a->heartbeat + EAS_PING_STEP_S < ceiling ? a->heartbeat + EAS_PING_STEP_S : ceiling;
        return ping_done(a, EAS_PING_QUIET);
    case EAS_PING_CHANGES: a->ping_early = 0; return ping_done(a, EAS_PING_CHANGED);
    case EAS_PING_MISSING_PARAMS:
    case EAS_PING_SYNTAX_ERROR:
        if (a->ping_retries++ >= 1) return EAS_ERR_PROTOCOL;
        return EAS_OK;
    case EAS_PING_BAD_HEARTBEAT:
        /* Out of the server's range: adopt the value it gives. */
        if (!d->heartbeat || a->ping_retries++ >= 2) return EAS_ERR_PROTOCOL;
        EAS_INFO2(LOG(a), "Ping status 5: heartbeat %u s refused, the server's is %u s", a->heartbeat, d->heartbeat);
        if (d->heartbeat < a->heartbeat) a->heartbeat_max = d->heartbeat;
        a->heartbeat = d->heartbeat;
        return EAS_OK;
    case EAS_PING_TOO_MANY:
        if (!d->max_folders || a->ping_retries++ >= 1) return EAS_ERR_PROTOCOL;
        a->ping_folders_max = (uint8_t)(d->max_folders < 255 ? d->max_folders : 255);
        return EAS_OK;
    case EAS_PING_HIERARCHY:
        if (a->hierarchy_syncs++ >= 1) return EAS_ERR_PROTOCOL;
        EAS_INFO(LOG(a), "Ping status 7: the folders changed, FolderSync first");
        a->phase = PH_FOLDERSYNC;
        return EAS_OK;
    default:
        if (status_needs_provision(d->status)) return eas_op_provision_then(a, PH_PING);
        if (status_blocked(d->status)) return EAS_ERR_FORBIDDEN;
        /* 8 (server error) and 111: the same Ping after a wait; 110 and the rest end it. */
        if (d->status == EAS_PING_SERVER_ERROR || status_transient(d->status))
            return retry_later(a, d->status);
        return EAS_ERR_SERVER;
    }
}

/* The connection under a Ping broke or timed out before the heartbeat ended: a NAT or proxy cuts idle
 * connections sooner. Step down, and let the caller Ping again. */
static eas_err ping_cut(eas_agent *a)
{
    a->heartbeat = a->heartbeat > EAS_PING_MIN_S + EAS_PING_STEP_S ? a->heartbeat - EAS_PING_STEP_S : EAS_PING_MIN_S;
    if (a->heartbeat_max == 0 || a->heartbeat_max > a->heartbeat) a->heartbeat_max = a->heartbeat;
    EAS_INFO1(LOG(a), "Ping cut before its heartbeat ended: the next one asks for %u s", a->heartbeat);
    /* Cut or answered at once again and again (a proxy, a broken server): wait longer each time. */
    uint32_t pause = EAS_PING_MIN_INTERVAL_S << (a->ping_early < 8 ? a->ping_early : 8);
    if (a->ping_early < 255) a->ping_early++;
    pause = pause < EAS_PING_PAUSE_MAX_S ? pause : EAS_PING_PAUSE_MAX_S;
    a->ping_next_ms = a->ping_start_ms + (uint64_t)pause * 1000u;
    return ping_done(a, EAS_PING_CUT);
}

/* ------------------------------------------------------------------------------ the table */

/* ------------------------------------------- the first Sync of several collections in one */

/* The body of the combined request takes at most half the request buffer: the head (the target,
 * Authorization, ...) has the rest, as beside any other request of the board. */
#ifdef EAS_TEST_BUILD
/* The host's buffer holds every collection: the unit tests lower this to a board's to see the bound. */
size_t eas_test_sync_init_body_max = EAS_REQUEST_MAX / 2u;
#define SYNC_INIT_BODY_MAX eas_test_sync_init_body_max
#else
#define SYNC_INIT_BODY_MAX (EAS_REQUEST_MAX / 2u)
#endif

static unsigned slot_count(uint64_t set)
{
    unsigned n = 0;
    for (; set; set &= set - 1u) n++;
    return n;
}

/* The collections of a set (slot order) as the request describes them; f holds the one written. */
typedef struct init_walk {
    eas_agent *a;
    uint64_t set;
    unsigned next_slot;
    eas_folder f;
} init_walk;

static eas_err init_collection(void *ctx, unsigned i, eas_sync_request *r)
{
    init_walk *w = ctx;
    (void)i; /* the collections go in slot order, one after the other */
    while (w->next_slot < EAS_MAX_FOLDERS && !((w->set >> w->next_slot) & 1u)) w->next_slot++;
    if (w->next_slot >= EAS_MAX_FOLDERS) return EAS_ERR_STATE;
    eas_err e = eas_account_folder_at(w->a, w->next_slot++, &w->f);
    if (e != EAS_OK) return e;
    r->collection_id = w->f.server_id;
    r->supported = eas_item_supported((eas_class)eas_class_of_folder_type(w->f.type), &r->supported_n);
    return EAS_OK;
}

static eas_err write_init_all(eas_agent *a, uint64_t set, eas_wbxml_writer *w)
{
    init_walk walk;
    memset(&walk, 0, sizeof walk);
    walk.a = a;
    walk.set = set;
    return eas_sync_init_request_write(w, slot_count(set), init_collection, &walk);
}

static eas_err count_bytes(void *ctx, const uint8_t *data, size_t len)
{
    (void)data;
    *(size_t *)ctx += len;
    return EAS_OK;
}

/* The kept collections at SyncKey 0 of this sync (EAS_OP_SYNC_CHANGED: of those named), in slot order,
 * as many as fit SYNC_INIT_BODY_MAX (each counted as a request of its own: the sum is more than the
 * combined one takes). The rest go one by one. */
static eas_err sync_init_set(eas_agent *a, uint64_t *set)
{
    eas_folder f;
    char key[EAS_SYNC_KEY_MAX];
    size_t total = 0;
    *set = 0;
    for (unsigned s = 0; s < EAS_MAX_FOLDERS; s++) {
        if (!((a->folder_used >> s) & 1u)) continue;
        if (a->op == EAS_OP_SYNC_CHANGED && !((a->sync_only >> s) & 1u)) continue;
        eas_err e = eas_account_folder_at(a, s, &f);
        if (e != EAS_OK) return e;
        if (!eas_op_class_kept(a, (uint8_t)eas_class_of_folder_type(f.type))) continue;
        if ((e = eas_coll_get_key(a, s, key, sizeof key)) != EAS_OK) return e;
        if (strcmp(key, "0") != 0) continue;
        size_t len = 0;
        eas_wbxml_writer w;
        eas_wbxml_writer_init(&w, (eas_sink){count_bytes, &len});
        if ((e = write_init_all(a, UINT64_C(1) << s, &w)) != EAS_OK || (e = eas_wbxml_writer_finish(&w)) != EAS_OK)
            return e;
        if (total + len > SYNC_INIT_BODY_MAX) break;
        total += len;
        *set |= UINT64_C(1) << s;
    }
    return EAS_OK;
}

/* A collection of the answer: its first key goes into the open transaction when it came with status 1
 * and nothing else (MS-ASCMD: a first answer carries no items; one that does is not taken here, so none
 * is lost). Any other answer leaves the collection at 0 for the way one by one, which knows every
 * status. A collection not asked for, or named twice, makes the whole answer unusable. */
static eas_err on_sync_init(void *ctx, const char *collection_id, const char *sync_key, uint32_t status, int carried)
{
    eas_agent *a = ctx;
    int slot = eas_account_find_folder(a, collection_id);
    if (slot < 0) return EAS_ERR_PROTOCOL;
    uint64_t bit = UINT64_C(1) << slot;
    if (!(a->dec.sync_init.asked & bit) || (a->dec.sync_init.answered & bit)) return EAS_ERR_PROTOCOL;
    a->dec.sync_init.answered |= bit;
    if (status != EAS_SYNC_OK || sync_key[0] == '\0' || strcmp(sync_key, "0") == 0 || carried) {
        EAS_INFO2(LOG(a), "the first Sync of several: folder slot %u answered status %u, synced on its own", (unsigned)slot,
                  status);
        return EAS_OK;
    }
    eas_err e = eas_txn_begin(a);
    if (e != EAS_OK) return e;
    return eas_store_txn_put(a->store, EAS_KEY_COLL_SYNC_KEY(slot), sync_key, strlen(sync_key));
}

static void init_sync_all(eas_agent *a)
{
    uint64_t set = 0;
    /* The same set the decision found: nothing between them changes a key. */
    if (sync_init_set(a, &set) != EAS_OK) set = 0;
    eas_sync_init_decoder_init(&a->dec.sync_init.d, slot_count(set), on_sync_init, a);
    a->dec.sync_init.asked = set;
    a->dec.sync_init.answered = 0;
}

static eas_err body_sync_all(eas_agent *a, eas_wbxml_writer *w) { return write_init_all(a, a->dec.sync_init.asked, w); }

/* Every collection left at 0 goes the way one by one, from the first slot. */
static eas_err sync_one_by_one(eas_agent *a)
{
    a->failure.http_status = 0;
    a->failure.eas_status = 0;
    a->coll_slot = 0;
    a->phase = PH_SYNC_SELECT;
    return EAS_OK;
}

/* The keys of the collections answered well go to flash in one transaction (a power cut leaves them
 * all at 0: the next sync asks again); the others, and all of them after a Sync status, an HTTP error or
 * an answer that cannot be read (PH_OPTIONAL), go one by one. Status 142-144: provision, then again. */
static eas_err after_sync_all(eas_agent *a, int empty)
{
    eas_sync_init_decoder *d = &a->dec.sync_init.d;
    if (empty || eas_sync_init_decoder_finish(d) != EAS_OK) {
        eas_txn_abort(a);
        EAS_WARN1(LOG(a), "the first Sync of several collections had no usable answer (HTTP %u): one by one",
                  a->failure.http_status);
        return sync_one_by_one(a);
    }
    if (d->top_status > EAS_SYNC_OK) {
        eas_txn_abort(a);
        a->failure.eas_status = d->top_status;
        if (status_needs_provision(d->top_status)) return eas_op_provision_then(a, PH_SYNC_INIT_ALL);
        EAS_WARN1(LOG(a), "the first Sync of several collections answered status %u: one by one", d->top_status);
        return sync_one_by_one(a);
    }
    if (a->txn_open) {
        eas_err e = eas_txn_commit(a);
        if (e != EAS_OK) return e;
    }
    return sync_one_by_one(a);
}

/* cmd, decide, decoder, decoder_init, body, answer, cut, resume_449, flags */
/* ------------------------------------------------- the directory's lookups (directory.c) */

/* Which command the lookup sends: known once the server's commands are (asked first when not). */
static eas_err decide_lookup(eas_agent *a)
{
    eas_cmd cmd;
    /* Asked once per run, whatever the store holds: a lookup stores nothing, and sees the list of now. */
    if (!(a->server_commands & EAS_CMDS_ASKED)) {
        a->phase = PH_LOOKUP_OPTIONS;
        return EAS_OK;
    }
    eas_err e = eas_dir_command(a, &cmd);
    if (e != EAS_OK) return e;
    a->phase = cmd == EAS_CMD_FIND                ? PH_GAL_FIND
               : cmd == EAS_CMD_SEARCH            ? PH_GAL_SEARCH
               : cmd == EAS_CMD_RESOLVERECIPIENTS ? PH_RESOLVE
                                                  : PH_FETCH;
    return EAS_OK;
}

static eas_err after_lookup_options(eas_agent *a, int empty)
{
    (void)empty;
    note_commands(a);
    a->phase = PH_LOOKUP_SELECT;
    return EAS_OK; /* in RAM only: a lookup writes nothing to the store */
}

static void init_lookup(eas_agent *a) { eas_dir_decoder_init(a); }

static eas_err body_lookup(eas_agent *a, eas_wbxml_writer *w) { return eas_dir_body(a, w); }

/* A lookup's answer went to the application as it came; what its status means. Nothing is stored. */
static eas_err after_lookup(eas_agent *a, int empty)
{
    /* SOGo answers a ResolveRecipients without Availability with nothing at all
     * (processResolveRecipients writes only when Availability is asked): no answer, not quarantine. */
    if (empty) return EAS_ERR_PROTOCOL;
    eas_err e = eas_dir_finish(a);
    if (e != EAS_OK) return e;
    uint32_t status = eas_dir_status(a);
    a->failure.eas_status = status;
    if (status_needs_provision(status)) return eas_op_provision_then(a, PH_LOOKUP_SELECT);
    if (status_blocked(status)) return EAS_ERR_FORBIDDEN;
    if (status_server_error(status)) return EAS_ERR_SERVER;
    if (status_transient(status)) return retry_later(a, status);
    if ((e = eas_dir_outcome(a, status)) != EAS_OK) return e;
    a->phase = PH_FINISHED;
    return EAS_OK;
}

const eas_phase eas_phases[PH_COUNT] = {
    [PH_START] = {PH_DECIDES, decide_start, NULL, NULL, NULL, NULL, NULL, PH_START, 0},
    [PH_OPTIONS] = {EAS_CMD_OPTIONS, NULL, NULL, NULL, NULL, after_options, NULL, PH_START, 0},
    [PH_PROVISION] = {EAS_CMD_PROVISION, NULL, &eas_provision_handler, init_provision, body_provision, after_provision,
                      NULL, PH_START, PH_NO_POLICY_KEY},
    [PH_PROVISION_ACK] = {EAS_CMD_PROVISION, NULL, &eas_provision_handler, init_provision, body_provision_ack,
                          after_provision, NULL, PH_START, PH_NO_POLICY_KEY},
    [PH_WIPE_ACK] = {EAS_CMD_PROVISION, NULL, &eas_provision_handler, init_provision, body_wipe_ack, after_provision,
                     NULL, PH_START, PH_NO_POLICY_KEY},
    [PH_FOLDERSYNC] = {EAS_CMD_FOLDERSYNC, NULL, &eas_foldersync_handler, init_foldersync, body_foldersync,
                       after_foldersync, NULL, PH_FOLDERSYNC, 0},
    [PH_SYNC_SELECT] = {PH_DECIDES, decide_collection, NULL, NULL, NULL, NULL, NULL, PH_START, 0},
    [PH_SYNC_INIT_ALL] = {EAS_CMD_SYNC, NULL, &eas_sync_init_handler, init_sync_all, body_sync_all, after_sync_all,
                          NULL, PH_SYNC_INIT_ALL, PH_OPTIONAL | PH_UNFIT_EMPTY},
    [PH_SYNC_INIT] = {EAS_CMD_SYNC, NULL, &eas_sync_handler, init_sync, body_sync, after_sync, NULL, PH_START,
                      PH_EMPTY_ANSWER},
    [PH_ESTIMATE] = {EAS_CMD_GETITEMESTIMATE, NULL, &eas_estimate_handler, init_estimate, body_estimate,
                     after_estimate, NULL, PH_START, 0},
    [PH_SYNC] = {EAS_CMD_SYNC, NULL, &eas_sync_handler, init_sync, body_sync, after_sync, NULL, PH_START,
                 PH_EMPTY_ANSWER},
    [PH_PING] = {EAS_CMD_PING, NULL, &eas_ping_handler, init_ping, body_ping, after_ping, ping_cut, PH_START, PH_HELD},
    [PH_POLL] = {PH_DECIDES, decide_poll, NULL, NULL, NULL, NULL, NULL, PH_START, 0},
    [PH_SETTINGS] = {EAS_CMD_SETTINGS, NULL, &eas_settings_handler, init_settings, body_settings, after_settings, NULL,
                     PH_START, PH_OPTIONAL},
    [PH_REPROBE] = {EAS_CMD_OPTIONS, NULL, NULL, NULL, NULL, after_reprobe, NULL, PH_START, PH_OPTIONAL},
    [PH_RESPOND] = {EAS_CMD_MEETINGRESPONSE, NULL, &eas_meeting_handler, init_meeting, body_respond, after_respond,
                    NULL, PH_START, 0},
    [PH_LOOKUP_SELECT] = {PH_DECIDES, decide_lookup, NULL, NULL, NULL, NULL, NULL, PH_START, 0},
    [PH_LOOKUP_OPTIONS] = {EAS_CMD_OPTIONS, NULL, NULL, NULL, NULL, after_lookup_options, NULL, PH_START, 0},
    [PH_GAL_SEARCH] = {EAS_CMD_SEARCH, NULL, &eas_gal_handler, init_lookup, body_lookup, after_lookup, NULL, PH_START, 0},
    [PH_GAL_FIND] = {EAS_CMD_FIND, NULL, &eas_gal_handler, init_lookup, body_lookup, after_lookup, NULL, PH_START, 0},
    [PH_RESOLVE] = {EAS_CMD_RESOLVERECIPIENTS, NULL, &eas_resolve_handler, init_lookup, body_lookup, after_lookup, NULL,
                    PH_START, PH_EMPTY_ANSWER},
    [PH_FETCH] = {EAS_CMD_ITEMOPERATIONS, NULL, &eas_fetch_handler, init_lookup, body_lookup, after_lookup, NULL,
                  PH_START, 0},
    [PH_REFRESH] = {PH_DECIDES, NULL, NULL, NULL, NULL, NULL, NULL, PH_START, PH_TOKEN},
    [PH_FINISHED] = {PH_DECIDES, NULL, NULL, NULL, NULL, NULL, NULL, PH_START, 0},
};
