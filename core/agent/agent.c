/* The agent's two state machines: the HTTP exchange (connect, send, receive) and, above it, the
 * operation (which request comes next, and what a response means for the account). */
#include "eas/agent.h"

#include <string.h>

#include "account.h"
#include "eas/bytes.h"
#include "eas/log.h"

enum { X_IDLE, X_CONNECT, X_SEND, X_RECV, X_WAIT, X_DONE };

enum {
    PH_START,
    PH_OPTIONS,
    PH_PROVISION,
    PH_PROVISION_ACK,
    PH_WIPE_ACK,
    PH_FOLDERSYNC,
    PH_SYNC_SELECT, /* choose the next collection to sync */
    PH_SYNC_INIT,   /* Sync with SyncKey 0: the server hands out the first key */
    PH_ESTIMATE,    /* GetItemEstimate, for progress */
    PH_SYNC,        /* Sync with GetChanges, window after window */
    PH_PING,
    PH_RESPOND,
    PH_FINISHED,
};

/* Bounds on the retries a single operation may make. */
#define MAX_REDIRECTS 3u
#define MAX_PROVISIONS 2u
#define MAX_RESETS 1u

/* Where the agent's log lines go (eas/log.h). */
#define LOG(a) (&(a)->pal->log)

static uint64_t now_ms(const eas_agent *a)
{
    return a->pal->clock.monotonic_ms ? a->pal->clock.monotonic_ms(a->pal->clock.ctx) : 0;
}

static eas_transport *conn(eas_agent *a) { return a->url.scheme == EAS_URL_HTTPS ? a->tls : a->plain; }

/* --------------------------------------------------------------------------------------- trace */

#if EAS_ENABLE_TRACE
static void trace_text(eas_agent *a, eas_trace_dir dir, const char *text, size_t len)
{
    if (a->ev.trace) a->ev.trace(a->ev.ctx, dir, text, len);
}

static eas_err trace_sink_req(void *ctx, const uint8_t *data, size_t len)
{
    trace_text(ctx, EAS_TRACE_REQUEST, (const char *)data, len);
    return EAS_OK;
}

static eas_err trace_sink_resp(void *ctx, const uint8_t *data, size_t len)
{
    trace_text(ctx, EAS_TRACE_RESPONSE, (const char *)data, len);
    return EAS_OK;
}

/* The request as it goes out: its head line by line with the credentials cut out, its body as XML. */
static void trace_request(eas_agent *a)
{
    if (!a->ev.trace) return;
    const char *head = (const char *)a->req;
    size_t pos = 0;
    while (pos < a->head_len) {
        const char *line = head + pos;
        const char *eol = memchr(line, '\r', a->head_len - pos);
        size_t n = eol ? (size_t)(eol - line) : a->head_len - pos;
        if (n == 0) break;
        if (eas_ascii_iprefix(line, n, "authorization:"))
            trace_text(a, EAS_TRACE_REQUEST, "Authorization: [redacted]\n", 26);
        else {
            trace_text(a, EAS_TRACE_REQUEST, line, n);
            trace_text(a, EAS_TRACE_REQUEST, "\n", 1);
        }
        pos += n + 2;
    }
    if (a->req_len > a->head_len) {
        eas_wbxml_reader r;
        eas_wbxml_xml_printer_init(&a->trace_printer, (eas_sink){trace_sink_req, a}, 0);
        eas_wbxml_reader_init(&r, &eas_wbxml_xml_handler, &a->trace_printer);
        eas_wbxml_reader_feed(&r, a->req + a->head_len, a->req_len - a->head_len);
        eas_wbxml_xml_printer_finish(&a->trace_printer);
    }
}
/* The printer buffers: what it holds of a response goes out when the response ends, whole or not. */
static void trace_flush_response(eas_agent *a)
{
    if (a->ev.trace && a->body_ok) eas_wbxml_xml_printer_finish(&a->trace_printer);
}
#else
static void trace_request(eas_agent *a) { (void)a; }
static void trace_flush_response(eas_agent *a) { (void)a; }
#endif

/* ------------------------------------------------------------------------- response decoding */

/* Events go to the command's decoder and, when tracing, to the XML printer. */
static const eas_wbxml_handler *decoder_of(const eas_agent *a)
{
    switch (a->cmd) {
    case EAS_CMD_FOLDERSYNC: return &eas_foldersync_handler;
    case EAS_CMD_PROVISION: return &eas_provision_handler;
    case EAS_CMD_SYNC: return &eas_sync_handler;
    case EAS_CMD_GETITEMESTIMATE: return &eas_estimate_handler;
    case EAS_CMD_PING: return &eas_ping_handler;
    case EAS_CMD_MEETINGRESPONSE: return &eas_meeting_handler;
    default: return NULL;
    }
}

static void *decoder_ctx(eas_agent *a) { return &a->dec; }

#define TEE_TRACE(a) (EAS_ENABLE_TRACE && (a)->ev.trace)

static eas_err tee_start(void *user, eas_tag tag, int has_content)
{
    eas_agent *a = user;
    const eas_wbxml_handler *h = decoder_of(a);
#if EAS_ENABLE_TRACE
    if (TEE_TRACE(a)) eas_wbxml_xml_handler.start(&a->trace_printer, tag, has_content);
#endif
    return h && h->start ? h->start(decoder_ctx(a), tag, has_content) : EAS_OK;
}

static eas_err tee_end(void *user, eas_tag tag)
{
    eas_agent *a = user;
    const eas_wbxml_handler *h = decoder_of(a);
#if EAS_ENABLE_TRACE
    if (TEE_TRACE(a)) eas_wbxml_xml_handler.end(&a->trace_printer, tag);
#endif
    return h && h->end ? h->end(decoder_ctx(a), tag) : EAS_OK;
}

static eas_err tee_text(void *user, const uint8_t *data, size_t len, int last)
{
    eas_agent *a = user;
    const eas_wbxml_handler *h = decoder_of(a);
#if EAS_ENABLE_TRACE
    if (TEE_TRACE(a)) eas_wbxml_xml_handler.text(&a->trace_printer, data, len, last);
#endif
    return h && h->text ? h->text(decoder_ctx(a), data, len, last) : EAS_OK;
}

static eas_err tee_opaque(void *user, const uint8_t *data, size_t len, uint32_t total, int last)
{
    eas_agent *a = user;
    const eas_wbxml_handler *h = decoder_of(a);
#if EAS_ENABLE_TRACE
    if (TEE_TRACE(a)) eas_wbxml_xml_handler.opaque(&a->trace_printer, data, len, total, last);
#endif
    return h && h->opaque ? h->opaque(decoder_ctx(a), data, len, total, last) : EAS_OK;
}

static const eas_wbxml_handler tee = {tee_start, tee_end, tee_text, tee_opaque};

static eas_err body_write(void *ctx, const uint8_t *data, size_t len)
{
    eas_agent *a = ctx;
    a->body_bytes += (uint32_t)len;
    if (!a->body_ok) return EAS_OK; /* an error page: drained, not decoded */
    eas_err e = eas_wbxml_reader_feed(&a->reader, data, len);
    if (e != EAS_OK) a->failure.wbxml_offset = eas_wbxml_reader_error_offset(&a->reader);
    return e;
}

static eas_err on_header(void *ctx, const char *name, size_t name_len, const char *value, size_t value_len)
{
#if EAS_ENABLE_TRACE
    eas_agent *a = ctx;
    if (a->ev.trace) {
        trace_text(a, EAS_TRACE_RESPONSE, name, name_len);
        trace_text(a, EAS_TRACE_RESPONSE, ": ", 2);
        trace_text(a, EAS_TRACE_RESPONSE, value, value_len);
        trace_text(a, EAS_TRACE_RESPONSE, "\n", 1);
    }
#else
    (void)ctx, (void)name, (void)name_len, (void)value, (void)value_len;
#endif
    return EAS_OK;
}

static eas_err on_head(void *ctx, const eas_http_parser *p)
{
    eas_agent *a = ctx;
    uint16_t status = eas_http_parser_status(p);
#if EAS_ENABLE_TRACE
    if (a->ev.trace) {
        char line[24] = "HTTP status ";
        line[12] = (char)('0' + status / 100 % 10);
        line[13] = (char)('0' + status / 10 % 10);
        line[14] = (char)('0' + status % 10);
        line[15] = '\n';
        trace_text(a, EAS_TRACE_RESPONSE, line, 16);
        eas_wbxml_xml_printer_init(&a->trace_printer, (eas_sink){trace_sink_resp, a}, 0);
    }
#endif
    /* Only a 200 carries a command response; other bodies are drained unread. */
    a->body_ok = status == 200 && a->cmd != EAS_CMD_OPTIONS;
    if (a->body_ok) eas_wbxml_reader_init(&a->reader, &tee, a);
    return EAS_OK;
}

/* ------------------------------------------------------------------------------------ requests */

typedef struct {
    uint8_t *buf;
    size_t cap, len;
} req_sink;

static eas_err req_write(void *ctx, const uint8_t *data, size_t len)
{
    req_sink *s = ctx;
    if (len > s->cap - s->len) return EAS_ERR_NOSPACE;
    memcpy(s->buf + s->len, data, len);
    s->len += len;
    return EAS_OK;
}

static uint8_t filter_of(const eas_agent *a, uint8_t cls)
{
    switch (cls) {
    case EAS_CLASS_CALENDAR: return a->cfg->calendar_filter;
    case EAS_CLASS_EMAIL: return a->cfg->email_filter ? a->cfg->email_filter : 3;
    default: return EAS_FILTER_NONE;
    }
}

static int class_wanted(const eas_agent *a, uint8_t cls);

/* Ping watches the collections that have been synced (the server knows no others for this device). */
static eas_err write_ping(eas_agent *a, eas_wbxml_writer *w)
{
    static const char *const class_names[] = {"", "Calendar", "Contacts", "Tasks", "Email"};
    eas_ping_folder folders[EAS_PING_MAX_FOLDERS];
    char ids[EAS_PING_MAX_FOLDERS][EAS_FOLDER_ID_MAX];
    uint8_t rec[3 + 3 * EAS_FOLDER_ID_MAX];
    unsigned n = 0, limit = a->ping_folders_max ? a->ping_folders_max : EAS_PING_MAX_FOLDERS;
    eas_folder f;
    for (unsigned s = 0; s < EAS_MAX_FOLDERS && n < limit; s++) {
        if (!((a->folder_used >> s) & 1u)) continue;
        size_t len = 0;
        char key[EAS_SYNC_KEY_MAX];
        if (eas_store_get(a->store, EAS_KEY_FOLDER(s), rec, sizeof rec, &len) != EAS_OK) continue;
        if (eas_account_folder_decode(rec, len, &f) != EAS_OK) continue;
        uint8_t cls = (uint8_t)eas_class_of_folder_type(f.type);
        if (!class_wanted(a, cls)) continue;
        if (eas_coll_get_key(a, s, key, sizeof key) != EAS_OK || !strcmp(key, "0")) continue;
        memcpy(ids[n], f.server_id, sizeof ids[n]);
        folders[n].id = ids[n];
        folders[n].cls = class_names[cls];
        n++;
    }
    if (n == 0) return EAS_ERR_STATE; /* nothing synced yet: sync first */
    return eas_ping_request_write(w, a->heartbeat, folders, n);
}

static eas_err encode_body(eas_agent *a, eas_wbxml_writer *w)
{
    const eas_agent_config *c = a->cfg;
    switch (a->phase) {
    case PH_SYNC_INIT:
    case PH_SYNC: {
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
        if (a->phase == PH_SYNC && eas_outbox_has_commands(a)) {
            r.commands = eas_outbox_write_commands;
            r.commands_ctx = a;
        }
        return eas_sync_request_write(w, &r);
    }
    case PH_ESTIMATE: return eas_estimate_request_write(w, a->coll_key, a->coll_id, filter_of(a, a->coll_cls));
    case PH_PING: return write_ping(a, w);
    case PH_RESPOND: {
        eas_meeting_request r = {(eas_user_response)a->respond_with, a->respond_folder, a->respond_item,
                                 a->respond_instance[0] ? a->respond_instance : NULL};
        return eas_meeting_request_write(w, &r);
    }
    case PH_PROVISION: {
        eas_device_info info = {c->device_model, c->friendly_name, c->device_os, c->user_agent};
        return eas_provision_request(w, a->version >= EAS_PROTO_14_1 ? &info : NULL);
    }
    case PH_PROVISION_ACK: return eas_provision_ack(w, a->temp_policy_key, EAS_PROVISION_OK);
    case PH_WIPE_ACK: return eas_provision_wipe_ack(w, 1);
    case PH_FOLDERSYNC: return eas_foldersync_request(w, a->folder_key);
    default: return EAS_ERR_STATE;
    }
}

static eas_err basic_auth(void *ctx, char *out, size_t cap, size_t *len)
{
    const eas_agent *a = ctx;
    eas_basic_credentials cred = {a->cfg->user, strlen(a->cfg->user), a->cfg->password, strlen(a->cfg->password)};
    return eas_auth_basic(&cred, out, cap, len);
}

static uint32_t policy_key_value(const eas_agent *a)
{
    uint32_t v = 0;
    for (const char *p = a->policy_key; *p >= '0' && *p <= '9'; p++) v = v * 10u + (uint32_t)(*p - '0');
    return v;
}

/* Builds the whole request for the current phase in a->req. */
static eas_err build_request(eas_agent *a)
{
    eas_wbxml_writer counter, w;
    req_sink rs = {a->req, sizeof a->req, 0};
    eas_ashttp_request r;
    eas_http_writer hw;
    eas_auth auth = a->cfg->auth;
    char scratch[EAS_HTTP_TARGET_MAX + 1];
    eas_err e;

    memset(&r, 0, sizeof r);
    r.cmd = a->cmd;
    r.version = a->version;
    r.base64_query = a->cfg->base64_query && a->cmd != EAS_CMD_OPTIONS;
    r.user = a->cfg->user;
    r.device_id = a->cfg->device_id;
    r.device_type = a->cfg->device_type;
    r.user_agent = a->cfg->user_agent;
    /* The policy key goes with every command but Provision's first phase. */
    r.policy_key = a->phase == PH_PROVISION ? 0 : policy_key_value(a);
    if (a->phase == PH_PROVISION_ACK || a->phase == PH_WIPE_ACK) r.policy_key = 0;

    if (a->cmd != EAS_CMD_OPTIONS) {
        eas_wbxml_writer_init(&counter, (eas_sink){NULL, NULL});
        encode_body(a, &counter);
        if ((e = eas_wbxml_writer_finish(&counter)) != EAS_OK) return e;
        r.content_length = counter.bytes;
    }
    if (!auth.write) {
        auth.write = basic_auth;
        auth.ctx = a;
    }
    e = eas_ashttp_write_head(&hw, (eas_sink){req_write, &rs}, &a->url, &r, &auth, scratch, sizeof scratch);
    memset(scratch, 0, sizeof scratch);
    if (e != EAS_OK) return e;
    a->head_len = rs.len;
    if (a->cmd != EAS_CMD_OPTIONS) {
        eas_wbxml_writer_init(&w, (eas_sink){req_write, &rs});
        encode_body(a, &w);
        if ((e = eas_wbxml_writer_finish(&w)) != EAS_OK) return e;
    }
    a->req_len = rs.len;
    a->req_sent = 0;
    trace_request(a);
    return EAS_OK;
}

static void close_conn(eas_agent *a)
{
    if (a->connected) {
        eas_transport *t = conn(a);
        if (t && t->close) t->close(t->ctx);
    }
    a->connected = 0;
}

/* Starts an exchange for the current phase's command. */
static eas_err start_exchange(eas_agent *a, eas_cmd cmd)
{
    a->cmd = cmd;
    a->failure.cmd = cmd;
    eas_err e = build_request(a);
    /* The credentials were in the request buffer only while it was built; the head stays for sending. */
    if (e != EAS_OK) return e;
    a->conn_retry = 0;
    a->rx_total = 0;
    /* A Ping is held by the server for the heartbeat: its timeout is the heartbeat plus a margin. */
    a->deadline_ms = now_ms(a) + (cmd == EAS_CMD_PING ? ((uint64_t)a->heartbeat + EAS_PING_MARGIN_S) * 1000u
                                                      : (uint64_t)EAS_NET_TIMEOUT_MS);
    a->reused = a->connected;
    a->xstate = a->connected ? X_SEND : X_CONNECT;
    return EAS_OK;
}

/* ---------------------------------------------------------------------------- the operation */

static void abort_txn(eas_agent *a)
{
    if (a->txn_open) {
        eas_store_txn_abort(a->store);
        a->txn_open = 0;
        a->txn_keys = 0;
        eas_outbox_txn_ended(a, 0);
        eas_account_load_index(a);
    }
}

eas_err eas_account_txn_begin(eas_agent *a)
{
    if (a->txn_open) return EAS_OK;
    eas_err e = eas_store_txn_begin(a->store);
    if (e != EAS_OK) return e;
    a->txn_open = 1;
    a->txn_keys = 0;
    return EAS_OK;
}

/* Commits the open transaction, then tells the application about the items it held: only what is on
 * flash is announced. */
#define txn_begin eas_account_txn_begin

static eas_err txn_commit_notify(eas_agent *a)
{
    eas_err e = eas_store_txn_commit(a->store);
    a->txn_open = 0;
    eas_outbox_txn_ended(a, e == EAS_OK ? 1 : -1);
    if (e != EAS_OK) {
        a->txn_keys = 0;
        eas_account_load_index(a);
        return e;
    }
    if (a->ev.item) {
        uint8_t rec[EAS_ITEM_RECORD_MAX];
        for (unsigned i = 0; i < a->txn_keys; i++) {
            size_t len = 0;
            if (eas_store_get(a->store, a->txn_key[i], rec, sizeof rec, &len) != EAS_OK) continue;
            a->ev.item(a->ev.ctx, (eas_class)a->coll_cls, a->coll_id, (eas_item_change)a->txn_change[i], rec, len);
        }
    }
    a->txn_keys = 0;
    return EAS_OK;
}

static eas_err fail(eas_agent *a, eas_err e)
{
    abort_txn(a);
    a->phase = PH_FINISHED;
    a->op = EAS_OP_NONE;
    a->xstate = X_IDLE;
    return e;
}

/* Folder changes of a FolderSync response, staged in a store transaction as they arrive. */
static eas_err on_folder_change(void *ctx, eas_folder_change change, const eas_folder *f)
{
    eas_agent *a = ctx;
    uint8_t rec[3 + 3 * EAS_FOLDER_ID_MAX];
    eas_err e = txn_begin(a);
    if (e != EAS_OK) return e;
    int slot = eas_account_find_folder(a, f->server_id);
    if (change == EAS_FOLDER_DELETED_CHANGE) {
        if (slot < 0) return EAS_OK; /* never known here */
        a->folder_used &= ~(UINT64_C(1) << slot);
        return eas_store_txn_del(a->store, EAS_KEY_FOLDER(slot));
    }
    if (slot < 0) {
        for (unsigned s = 0; s < EAS_MAX_FOLDERS && slot < 0; s++)
            if (!((a->folder_used >> s) & 1u)) slot = (int)s;
        if (slot < 0) return EAS_ERR_STORE_FULL; /* more folders than EAS_MAX_FOLDERS */
    }
    size_t n = eas_account_folder_encode(f, rec, sizeof rec);
    if (n == 0) return EAS_ERR_NOSPACE;
    a->folder_used |= UINT64_C(1) << slot;
    a->folder_hash[slot] = eas_account_hash(f->server_id);
    return eas_store_txn_put(a->store, EAS_KEY_FOLDER(slot), rec, n);
}

/* Status 9 of FolderSync, or a reset asked for: the hierarchy is forgotten, SyncKey back to 0. */
static eas_err reset_hierarchy(eas_agent *a)
{
    eas_err e = eas_store_txn_begin(a->store);
    if (e != EAS_OK) return e;
    for (unsigned s = 0; s < EAS_MAX_FOLDERS; s++)
        if ((a->folder_used >> s) & 1u) eas_store_txn_del(a->store, EAS_KEY_FOLDER(s));
    eas_store_txn_del(a->store, EAS_KEY_FOLDER_SYNC_KEY);
    if ((e = eas_store_txn_commit(a->store)) != EAS_OK) return e;
    a->folder_used = 0;
    memcpy(a->folder_key, "0", 2);
    return EAS_OK;
}

/* A server change of the Sync response, staged in the window's transaction. */
static eas_err on_sync_item(void *ctx, eas_item_change change, const uint8_t *rec, size_t len)
{
    eas_agent *a = ctx;
    eas_err e = txn_begin(a);
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
    if (change == EAS_ITEM_ADD || change == EAS_ITEM_CHANGE) {
        e = eas_item_stage_put(a, a->coll_slot, rec, len, &flag);
    } else {
        size_t id_len = 0;
        const char *id = eas_item_id(rec, len, &id_len);
        if (!id) return EAS_ERR_PROTOCOL;
        e = eas_item_stage_del(a, a->coll_slot, id, id_len, &flag);
    }
    if (e != EAS_OK) return e;
    a->coll_done++;
    if (a->ev.progress) a->ev.progress(a->ev.ctx, (eas_class)a->coll_cls, a->coll_id, a->coll_done, a->coll_estimate);
    return EAS_OK;
}

/* Common status codes (MS-ASCMD 2.2.3.177.1) that a command's Status may carry. */
static int status_needs_provision(uint32_t s) { return s == 140 || (s >= 141 && s <= 144); }
static int status_blocked(uint32_t s) { return (s >= 126 && s <= 131) || s == 177; }
static int status_transient(uint32_t s) { return s == 110 || s == 111; }

static eas_err retry_phase(eas_agent *a);

static eas_err on_ping_folder(void *ctx, const char *id)
{
    eas_agent *a = ctx;
    int slot = eas_account_find_folder(a, id);
    if (slot >= 0) a->ping_changed |= UINT64_C(1) << slot;
    return EAS_OK;
}

static int class_wanted(const eas_agent *a, uint8_t cls)
{
    uint8_t mask = a->cfg->sync_classes ? a->cfg->sync_classes
                                        : (uint8_t)(EAS_SYNC_CLASS(EAS_CLASS_CALENDAR) | EAS_SYNC_CLASS(EAS_CLASS_CONTACTS) |
                                                    EAS_SYNC_CLASS(EAS_CLASS_TASKS));
    return cls != EAS_CLASS_NONE && ((mask >> cls) & 1u);
}

/* The next collection (in folder-slot order, from coll_slot on) of a class the device keeps. */
static eas_err select_collection(eas_agent *a)
{
    uint8_t rec[3 + 3 * EAS_FOLDER_ID_MAX];
    eas_folder f;
    for (unsigned s = a->coll_slot; s < EAS_MAX_FOLDERS; s++) {
        if (!((a->folder_used >> s) & 1u)) continue;
        if (a->op == EAS_OP_SYNC_CHANGED && !((a->sync_only >> s) & 1u)) continue;
        size_t len = 0;
        eas_err e = eas_store_get(a->store, EAS_KEY_FOLDER(s), rec, sizeof rec, &len);
        if (e != EAS_OK) return e;
        if ((e = eas_account_folder_decode(rec, len, &f)) != EAS_OK) return e;
        uint8_t cls = (uint8_t)eas_class_of_folder_type(f.type);
        if (!class_wanted(a, cls)) continue;
        a->coll_slot = (uint8_t)s;
        a->coll_cls = cls;
        a->coll_resets = 0;
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
        a->phase = strcmp(a->coll_key, "0") == 0 ? PH_SYNC_INIT : (a->ev.progress ? PH_ESTIMATE : PH_SYNC);
        return retry_phase(a);
    }
    a->phase = PH_FINISHED;
    a->op = EAS_OP_NONE;
    a->xstate = X_IDLE;
    return EAS_OK;
}

/* Chooses and starts the next request of the operation, or ends it. */
static eas_err next_step(eas_agent *a)
{
    for (int guard = 0; guard < 8; guard++) {
        switch (a->phase) {
        case PH_START:
            if (a->version == 0) {
                if (a->cfg->protocol_version) {
                    a->version = a->cfg->protocol_version;
                    continue;
                }
                a->phase = PH_OPTIONS;
                return start_exchange(a, EAS_CMD_OPTIONS);
            }
            if (!a->provisioned) {
                a->resume_phase = PH_START;
                a->phase = PH_PROVISION;
                return retry_phase(a);
            }
            if (a->op == EAS_OP_CONNECT) {
                a->phase = PH_FINISHED;
                continue;
            }
            if (a->op == EAS_OP_PING) {
                a->phase = PH_PING;
                return retry_phase(a);
            }
            if (a->op == EAS_OP_SYNC_CHANGED) {
                a->phase = PH_SYNC_SELECT;
                continue;
            }
            if (a->op == EAS_OP_RESPOND) {
                a->phase = PH_RESPOND;
                return retry_phase(a);
            }
            a->phase = PH_FOLDERSYNC;
            eas_foldersync_decoder_init(&a->dec.folders, on_folder_change, a);
            return start_exchange(a, EAS_CMD_FOLDERSYNC);
        case PH_SYNC_SELECT:
            return select_collection(a);
        case PH_FINISHED:
            a->op = EAS_OP_NONE;
            a->xstate = X_IDLE;
            return EAS_OK;
        default:
            return EAS_ERR_STATE;
        }
    }
    return EAS_ERR_STATE;
}

/* Provisioning is needed: run it, then go back to resume. */
static eas_err provision_then(eas_agent *a, uint8_t resume)
{
    if (a->provisions++ >= MAX_PROVISIONS) return fail(a, EAS_ERR_PROVISION);
    EAS_INFO(LOG(a), "the server asks for provisioning: provisioning again");
    a->provisioned = 0;
    a->resume_phase = resume;
    a->phase = PH_PROVISION;
    return retry_phase(a);
}

/* Restarts the exchange of the current phase (after a redirect, a wait or provisioning). */
static eas_err retry_phase(eas_agent *a)
{
    switch (a->phase) {
    case PH_OPTIONS: return start_exchange(a, EAS_CMD_OPTIONS);
    case PH_FOLDERSYNC:
        eas_foldersync_decoder_init(&a->dec.folders, on_folder_change, a);
        return start_exchange(a, EAS_CMD_FOLDERSYNC);
    case PH_PROVISION:
    case PH_PROVISION_ACK:
    case PH_WIPE_ACK:
        eas_provision_decoder_init(&a->dec.provision);
        return start_exchange(a, EAS_CMD_PROVISION);
    case PH_SYNC_INIT:
    case PH_SYNC: {
        eas_sync_events ev = {a, on_sync_item, eas_outbox_on_response};
        a->mark_inflight = a->phase == PH_SYNC; /* written when the request starts to go out */
        a->sent_n = 0;
        a->outbox_any = (uint8_t)eas_outbox_has_commands(a);
        eas_sync_decoder_init(&a->dec.sync, (eas_class)a->coll_cls, &ev);
        return start_exchange(a, EAS_CMD_SYNC);
    }
    case PH_ESTIMATE:
        eas_estimate_decoder_init(&a->dec.estimate);
        return start_exchange(a, EAS_CMD_GETITEMESTIMATE);
    case PH_RESPOND:
        eas_meeting_decoder_init(&a->dec.meeting);
        return start_exchange(a, EAS_CMD_MEETINGRESPONSE);
    case PH_PING:
        a->ping_changed = 0;
        eas_ping_decoder_init(&a->dec.ping, on_ping_folder, a);
        return start_exchange(a, EAS_CMD_PING);
    default: return EAS_ERR_STATE;
    }
}

static eas_err after_options(eas_agent *a)
{
    const char *v = NULL;
    size_t vlen = 0;
    uint32_t mask = 0;
    uint8_t picked = 0;
    eas_err e;
    v = eas_http_parser_header(&a->http, EAS_HTTP_H_MS_ASPROTOCOLVERSIONS, &vlen);
    if (!v) return fail(a, EAS_ERR_VERSION);
    if ((e = eas_ashttp_parse_versions(v, vlen, &mask)) != EAS_OK) return fail(a, EAS_ERR_PROTOCOL);
    if ((e = eas_ashttp_pick_version(mask, a->cfg->protocol_version, &picked)) != EAS_OK) return fail(a, e);
    a->version = picked;
    a->server_versions = mask;
    if ((e = eas_account_save_protocol(a)) != EAS_OK) return fail(a, e);
    a->phase = PH_START;
    return next_step(a);
}

static eas_err after_provision(eas_agent *a)
{
    eas_provision_decoder *d = &a->dec.provision;
    eas_err e = eas_provision_decoder_finish(d);
    if (e != EAS_OK) return fail(a, e);
    a->failure.eas_status = d->status;
    if (d->remote_wipe || d->account_only_wipe) {
        int agreed = a->ev.remote_wipe ? a->ev.remote_wipe(a->ev.ctx, d->account_only_wipe) : 0;
        if (!agreed || a->phase == PH_WIPE_ACK) return fail(a, EAS_ERR_REMOTE_WIPE);
        a->phase = PH_WIPE_ACK;
        eas_provision_decoder_init(d);
        return start_exchange(a, EAS_CMD_PROVISION);
    }
    if (a->phase == PH_WIPE_ACK) return fail(a, EAS_ERR_REMOTE_WIPE);
    if (d->status != EAS_PROVISION_OK) {
        if (status_blocked(d->status)) return fail(a, EAS_ERR_FORBIDDEN);
        return fail(a, EAS_ERR_PROVISION);
    }
    if (a->phase == PH_PROVISION && d->policy_key[0] != '\0' && d->policy_status == 1) {
        /* Phase 1 gave a temporary key: acknowledge the policy to get the final one. */
        memcpy(a->temp_policy_key, d->policy_key, sizeof a->temp_policy_key);
        a->phase = PH_PROVISION_ACK;
        eas_provision_decoder_init(d);
        return start_exchange(a, EAS_CMD_PROVISION);
    }
    if (d->policy_status != 0 && d->policy_status != 1 && d->policy_status != EAS_POLICY_NONE)
        return fail(a, EAS_ERR_PROVISION);
    /* Done: the final key, or none at all (a server without policies, such as SOGo). */
    memcpy(a->policy_key, d->policy_key, sizeof a->policy_key);
    a->provisioned = 1;
    if ((e = eas_account_save_policy(a)) != EAS_OK) return fail(a, e);
    a->phase = a->resume_phase;
    if (a->phase != PH_START) return retry_phase(a);
    return next_step(a);
}

static eas_err after_foldersync(eas_agent *a)
{
    eas_foldersync_decoder *d = &a->dec.folders;
    eas_err e = eas_foldersync_decoder_finish(d);
    if (e != EAS_OK) return fail(a, e);
    a->failure.eas_status = d->status;
    if (d->status == EAS_FOLDERSYNC_OK) {
        if (d->sync_key[0] == '\0') return fail(a, EAS_ERR_PROTOCOL);
        if ((e = txn_begin(a)) != EAS_OK) return fail(a, e);
        eas_store_txn_put(a->store, EAS_KEY_FOLDER_SYNC_KEY, d->sync_key, strlen(d->sync_key));
        e = eas_store_txn_commit(a->store);
        a->txn_open = 0;
        if (e != EAS_OK) {
            eas_account_load_index(a);
            return fail(a, e);
        }
        memcpy(a->folder_key, d->sync_key, sizeof a->folder_key);
        if (a->op == EAS_OP_PING) {
            a->phase = PH_PING;
            return retry_phase(a);
        }
        a->phase = (a->op == EAS_OP_SYNC || a->op == EAS_OP_SYNC_CHANGED) ? PH_SYNC_SELECT : PH_FINISHED;
        return next_step(a);
    }
    abort_txn(a);
    if (d->status == EAS_FOLDERSYNC_INVALID_KEY) {
        if (a->resets++ >= MAX_RESETS) return fail(a, EAS_ERR_PROTOCOL);
        EAS_WARN(LOG(a), "FolderSync status 9: the folder hierarchy is synced again from 0");
        if ((e = reset_hierarchy(a)) != EAS_OK) return fail(a, e);
        return retry_phase(a);
    }
    if (status_needs_provision(d->status)) return provision_then(a, PH_FOLDERSYNC);
    if (status_blocked(d->status)) return fail(a, EAS_ERR_FORBIDDEN);
    if (status_transient(d->status)) return fail(a, EAS_ERR_THROTTLED);
    return fail(a, EAS_ERR_PROTOCOL);
}

/* The collection is done (or has nothing more): on to the next one. */
static eas_err next_collection(eas_agent *a)
{
    a->coll_slot++;
    a->phase = PH_SYNC_SELECT;
    return next_step(a);
}

static eas_err after_estimate(eas_agent *a)
{
    eas_estimate_decoder *d = &a->dec.estimate;
    if (d->status == 1 && d->have_estimate) a->coll_estimate = d->estimate;
    if (a->ev.progress) a->ev.progress(a->ev.ctx, (eas_class)a->coll_cls, a->coll_id, 0, a->coll_estimate);
    /* An estimate is only for the progress line: whatever it says, the sync goes on. */
    a->phase = PH_SYNC;
    return retry_phase(a);
}

/* The server is busy (Sync 16, common 110/111, or HTTP 503 without Retry-After): wait, growing the
 * wait each time, then send the same request again; after EAS_THROTTLE_RETRIES it is an error. */
static eas_err back_off(eas_agent *a, uint32_t status)
{
    uint32_t jitter = 0;
    if (a->throttles >= EAS_THROTTLE_RETRIES) return fail(a, EAS_ERR_THROTTLED);
    if (a->pal->entropy.fill) a->pal->entropy.fill(a->pal->entropy.ctx, (uint8_t *)&jitter, sizeof jitter);
    uint32_t wait_s = eas_backoff_next(a->throttles, 5, EAS_RETRY_AFTER_MAX_S, jitter);
    EAS_WARN2(LOG(a), "Sync status %u: the server is busy, asking again in %u s", status, wait_s);
    a->throttles++;
    a->wake_ms = now_ms(a) + (uint64_t)wait_s * 1000u;
    a->xstate = X_WAIT;
    return EAS_ERR_WOULD_BLOCK;
}

static eas_err after_sync(eas_agent *a, int empty)
{
    eas_sync_decoder *d = &a->dec.sync;
    eas_err e;
    if (empty) {
        /* No content: nothing changed (SOGo answers so when there is nothing new). */
        abort_txn(a);
        if (a->phase == PH_SYNC_INIT) return fail(a, EAS_ERR_PROTOCOL);
        if ((e = eas_store_del(a->store, EAS_KEY_COLL_INFLIGHT(a->coll_slot))) != EAS_OK) return fail(a, e);
        return next_collection(a);
    }
    if ((e = eas_sync_decoder_finish(d)) != EAS_OK) return fail(a, e);
    uint32_t status = d->status ? d->status : d->top_status;
    a->failure.eas_status = status;
    if (status == EAS_SYNC_OK) {
        if (d->sync_key[0] == '\0') return fail(a, EAS_ERR_PROTOCOL);
        if ((e = txn_begin(a)) != EAS_OK) return fail(a, e);
        if ((e = eas_outbox_finish_sent(a)) != EAS_OK) return fail(a, e);
        if ((e = eas_store_txn_del(a->store, EAS_KEY_COLL_INFLIGHT(a->coll_slot))) != EAS_OK) return fail(a, e);
        if ((e = eas_store_txn_put(a->store, EAS_KEY_COLL_SYNC_KEY(a->coll_slot), d->sync_key, strlen(d->sync_key))) !=
            EAS_OK)
            return fail(a, e);
        if ((e = txn_commit_notify(a)) != EAS_OK) return fail(a, e);
        memcpy(a->coll_key, d->sync_key, sizeof a->coll_key);
        if (a->phase == PH_SYNC_INIT) {
            a->phase = a->ev.progress ? PH_ESTIMATE : PH_SYNC;
            return retry_phase(a);
        }
        /* Again while the server has more, or while changes of ours wait (a request carries a few). */
        if (d->more_available || (a->sent_n > 0 && eas_outbox_has_commands(a))) return retry_phase(a);
        return next_collection(a);
    }
    abort_txn(a);
    if (status == EAS_SYNC_INVALID_KEY) {
        /* The server forgot this collection's state: start it again from 0 (once). */
        if (a->coll_resets++ >= 1) return fail(a, EAS_ERR_PROTOCOL);
        EAS_WARN1(LOG(a), "Sync status 3: folder slot %u is synced again from 0", a->coll_slot);
        if ((e = eas_coll_purge(a, a->coll_slot)) != EAS_OK) return fail(a, e);
        memcpy(a->coll_key, "0", 2);
        a->phase = PH_SYNC_INIT;
        return retry_phase(a);
    }
    if (status == EAS_SYNC_HIERARCHY_CHANGED || status == EAS_SYNC_NOT_FOUND) {
        /* The folder hierarchy changed, or this collection is not (any more) on the server: FolderSync,
         * which drops a folder that went, then go on from this collection (once). */
        if (a->hierarchy_syncs++ >= 1) return fail(a, EAS_ERR_PROTOCOL);
        EAS_INFO1(LOG(a), "Sync status %u: the folders changed, FolderSync first", status);
        /* The window was answered (with no items): it is not a lost one, the key still holds. */
        if ((e = eas_store_del(a->store, EAS_KEY_COLL_INFLIGHT(a->coll_slot))) != EAS_OK) return fail(a, e);
        a->phase = PH_FOLDERSYNC;
        return retry_phase(a);
    }
    if (status_needs_provision(status)) return provision_then(a, a->phase);
    if (status_blocked(status)) return fail(a, EAS_ERR_FORBIDDEN);
    if (status == EAS_SYNC_INCOMPLETE_REQUEST) {
        /* Our requests are always whole; a server that still says so gets it once more. */
        if (a->coll_resets++ >= 1) return fail(a, EAS_ERR_PROTOCOL);
        EAS_INFO(LOG(a), "Sync status 13: the request is sent once more");
        return retry_phase(a);
    }
    /* 5: "frequently a transient condition" (MS-ASCMD), like 16 and 110/111: ask again after a wait. */
    if (status == EAS_SYNC_RETRY || status == EAS_SYNC_SERVER_ERROR || status_transient(status)) return back_off(a, status);
    return fail(a, EAS_ERR_PROTOCOL);
}

/* The server took the response: the device's copy says so at once, and the calendar is synced (the
 * server may have changed or removed the item). */
static eas_err after_respond(eas_agent *a)
{
    eas_meeting_decoder *d = &a->dec.meeting;
    a->failure.eas_status = d->status;
    if (d->status != 1) {
        if (status_needs_provision(d->status)) return provision_then(a, PH_RESPOND);
        return fail(a, EAS_ERR_PROTOCOL);
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
            eas_err e = txn_begin(a);
            if (e == EAS_OK && n) e = eas_item_stage_put(a, (unsigned)slot, out, n, &flag);
            if (e == EAS_OK) {
                a->coll_slot = (uint8_t)slot;
                a->coll_cls = EAS_CLASS_CALENDAR;
                memcpy(a->coll_id, a->respond_folder, sizeof a->coll_id);
                e = txn_commit_notify(a);
            }
            if (e != EAS_OK) return fail(a, e);
        }
    }
    a->op = EAS_OP_SYNC_CHANGED;
    a->sync_only = slot >= 0 ? UINT64_C(1) << slot : 0;
    a->coll_slot = 0;
    a->phase = PH_SYNC_SELECT;
    return next_step(a);
}

static eas_err ping_done(eas_agent *a, eas_ping_result r)
{
    a->ping_result = (uint8_t)r;
    a->phase = PH_FINISHED;
    return next_step(a);
}

static eas_err after_ping(eas_agent *a)
{
    eas_ping_decoder *d = &a->dec.ping;
    uint32_t ceiling = a->heartbeat_max ? a->heartbeat_max : EAS_PING_MAX_S;
    a->failure.eas_status = d->status;
    switch (d->status) {
    case EAS_PING_EXPIRED:
        /* A quiet heartbeat went through whole: the path holds idle connections this long; try longer. */
        a->heartbeat = a->heartbeat + EAS_PING_STEP_S < ceiling ? a->heartbeat + EAS_PING_STEP_S : ceiling;
        return ping_done(a, EAS_PING_QUIET);
    case EAS_PING_CHANGES: return ping_done(a, EAS_PING_CHANGED);
    case EAS_PING_MISSING_PARAMS:
    case EAS_PING_SYNTAX_ERROR:
        if (a->ping_retries++ >= 1) return fail(a, EAS_ERR_PROTOCOL);
        return retry_phase(a);
    case EAS_PING_BAD_HEARTBEAT:
        /* Out of the server's range: adopt the value it gives. */
        if (!d->heartbeat || a->ping_retries++ >= 2) return fail(a, EAS_ERR_PROTOCOL);
        EAS_INFO2(LOG(a), "Ping status 5: heartbeat %u s refused, the server's is %u s", a->heartbeat, d->heartbeat);
        if (d->heartbeat < a->heartbeat) a->heartbeat_max = d->heartbeat;
        a->heartbeat = d->heartbeat;
        return retry_phase(a);
    case EAS_PING_TOO_MANY:
        if (!d->max_folders || a->ping_retries++ >= 1) return fail(a, EAS_ERR_PROTOCOL);
        a->ping_folders_max = (uint8_t)(d->max_folders < 255 ? d->max_folders : 255);
        return retry_phase(a);
    case EAS_PING_HIERARCHY:
        if (a->hierarchy_syncs++ >= 1) return fail(a, EAS_ERR_PROTOCOL);
        EAS_INFO(LOG(a), "Ping status 7: the folders changed, FolderSync first");
        a->phase = PH_FOLDERSYNC;
        return retry_phase(a);
    default:
        if (status_needs_provision(d->status)) return provision_then(a, PH_PING);
        if (status_blocked(d->status)) return fail(a, EAS_ERR_FORBIDDEN);
        return fail(a, EAS_ERR_SERVER);
    }
}

/* The connection under a Ping broke or timed out before the heartbeat ended: a NAT or proxy cuts idle
 * connections sooner. Step down, and let the caller Ping again. */
static eas_err ping_cut(eas_agent *a)
{
    close_conn(a);
    a->heartbeat = a->heartbeat > EAS_PING_MIN_S + EAS_PING_STEP_S ? a->heartbeat - EAS_PING_STEP_S : EAS_PING_MIN_S;
    if (a->heartbeat_max == 0 || a->heartbeat_max > a->heartbeat) a->heartbeat_max = a->heartbeat;
    EAS_INFO1(LOG(a), "Ping cut before its heartbeat ended: the next one asks for %u s", a->heartbeat);
    return ping_done(a, EAS_PING_CUT);
}

/* A whole response has arrived: what it means for the operation. */
static eas_err finish_exchange(eas_agent *a)
{
    eas_ashttp_outcome out;
    eas_err e;
    int64_t wall = a->pal->clock.wall_time ? a->pal->clock.wall_time(a->pal->clock.ctx) : -1;
    trace_flush_response(a);
    if (!eas_http_parser_keep_alive(&a->http)) close_conn(a);
    a->xstate = X_IDLE;
    eas_ashttp_classify(&a->http, wall, &out);
    /* A 200 whose body turned out empty (chunked or ended by the close) means the same as
     * Content-Length: 0. */
    if (out.action == EAS_ASHTTP_OK && a->body_bytes == 0) out.action = EAS_ASHTTP_OK_EMPTY;
    a->failure.http_status = out.status;
    switch (out.action) {
    case EAS_ASHTTP_OK:
        break;
    case EAS_ASHTTP_OK_EMPTY:
        if (a->cmd == EAS_CMD_OPTIONS) break;
        if (a->cmd == EAS_CMD_SYNC) return after_sync(a, 1);
        /* Any other command answered with no content: what a quarantined device gets. */
        return fail(a, EAS_ERR_QUARANTINED);
    case EAS_ASHTTP_PROVISION:
        abort_txn(a);
        return provision_then(a, a->phase == PH_FOLDERSYNC ? PH_FOLDERSYNC : PH_START);
    case EAS_ASHTTP_REDIRECT: {
        eas_url moved;
        abort_txn(a);
        if (!out.location || a->redirects++ >= MAX_REDIRECTS) return fail(a, EAS_ERR_HTTP_REDIRECT);
        size_t len = strlen(out.location);
        if (eas_url_parse(out.location, len, &moved) != EAS_OK) return fail(a, EAS_ERR_HTTP_REDIRECT);
        if (moved.scheme == EAS_URL_HTTP && !a->cfg->allow_plain_http) return fail(a, EAS_ERR_PLAIN_HTTP_REFUSED);
        if ((e = eas_account_save_redirect(a, out.location, len)) != EAS_OK) return fail(a, e);
        EAS_WARN(LOG(a), "HTTP 451: the account moved; the new URL is kept");
        close_conn(a);
        a->url = moved;
        return retry_phase(a);
    }
    case EAS_ASHTTP_RETRY_LATER: {
        abort_txn(a);
        if (a->throttles >= EAS_THROTTLE_RETRIES) return fail(a, EAS_ERR_THROTTLED);
        uint32_t jitter = 0;
        if (a->pal->entropy.fill) a->pal->entropy.fill(a->pal->entropy.ctx, (uint8_t *)&jitter, sizeof jitter);
        /* No Retry-After: back off from 5 s, doubling, with jitter so that devices do not return in step. */
        uint32_t wait_s = out.retry_after_present ? out.retry_after_s
                                                  : eas_backoff_next(a->throttles, 5, EAS_RETRY_AFTER_MAX_S, jitter);
        if (wait_s > EAS_RETRY_AFTER_MAX_S) return fail(a, EAS_ERR_THROTTLED);
        a->throttles++;
        EAS_WARN2(LOG(a), "HTTP 503: the server is busy, asking again in %u s (wait %u)", wait_s, a->throttles);
        a->wake_ms = now_ms(a) + (uint64_t)wait_s * 1000u;
        a->xstate = X_WAIT;
        return EAS_ERR_WOULD_BLOCK;
    }
    case EAS_ASHTTP_FAIL:
    default:
        return fail(a, out.err != EAS_OK ? out.err : EAS_ERR_HTTP_STATUS);
    }
    if (a->cmd != EAS_CMD_OPTIONS && (e = eas_wbxml_reader_finish(&a->reader)) != EAS_OK) {
        a->failure.wbxml_offset = eas_wbxml_reader_error_offset(&a->reader);
        return fail(a, e);
    }
    switch (a->phase) {
    case PH_OPTIONS: return after_options(a);
    case PH_PROVISION:
    case PH_PROVISION_ACK:
    case PH_WIPE_ACK: return after_provision(a);
    case PH_FOLDERSYNC: return after_foldersync(a);
    case PH_SYNC_INIT:
    case PH_SYNC: return after_sync(a, 0);
    case PH_ESTIMATE: return after_estimate(a);
    case PH_PING: return after_ping(a);
    case PH_RESPOND: return after_respond(a);
    default: return fail(a, EAS_ERR_STATE);
    }
}

/* ------------------------------------------------------------------------------ the exchange */

static void begin_receive(eas_agent *a)
{
    eas_http_callbacks cb = {{body_write, a}, on_header, on_head, a};
    eas_http_parser_init(&a->http, &cb, a->cmd == EAS_CMD_OPTIONS ? 0u : 0u);
    a->body_ok = 0;
    a->body_bytes = 0;
    a->rx_total = 0;
    a->xstate = X_RECV;
}

/* The connection failed under an exchange: a kept-alive connection that the server had already
 * closed (sogod closes after every response without saying so) is retried once on a fresh one. */
static eas_err connection_lost(eas_agent *a, eas_err e)
{
    close_conn(a);
    if (a->reused && a->rx_total == 0 && !a->conn_retry) {
        EAS_DEBUG(LOG(a), "the kept-alive connection was closed by the server: sent again on a new one");
        a->conn_retry = 1;
        a->reused = 0;
        a->req_sent = 0;
        a->xstate = X_CONNECT;
        abort_txn(a);
        if (a->phase == PH_FOLDERSYNC) eas_foldersync_decoder_init(&a->dec.folders, on_folder_change, a);
        if (a->cmd == EAS_CMD_PROVISION) eas_provision_decoder_init(&a->dec.provision);
        return EAS_OK;
    }
    return fail(a, e);
}

static eas_err exchange_step(eas_agent *a, eas_wait *w)
{
    eas_transport *t = conn(a);
    size_t done = 0;
    eas_err e;
    if (now_ms(a) > a->deadline_ms) {
        if (a->cmd == EAS_CMD_PING && a->xstate == X_RECV) return ping_cut(a);
        close_conn(a);
        return fail(a, EAS_ERR_NET_TIMEOUT);
    }
    w->until_ms = a->deadline_ms;
    switch (a->xstate) {
    case X_CONNECT:
        e = t->connect(t->ctx, a->url.host, a->url.port);
        if (e == EAS_ERR_WOULD_BLOCK) {
            w->what = EAS_WAIT_CONNECT;
            return e;
        }
        if (e != EAS_OK) {
            t->close(t->ctx);
            return fail(a, e);
        }
        a->connected = 1;
        a->xstate = X_SEND;
        return EAS_OK;
    case X_SEND:
        if (a->mark_inflight) {
            /* On flash before the server can see the request: see select_collection. */
            const uint8_t mark = 1;
            if ((e = eas_store_put(a->store, EAS_KEY_COLL_INFLIGHT(a->coll_slot), &mark, 1)) != EAS_OK) return fail(a, e);
            a->mark_inflight = 0;
        }
        e = t->send(t->ctx, a->req + a->req_sent, a->req_len - a->req_sent, &done);
        if (e == EAS_ERR_WOULD_BLOCK) {
            w->what = EAS_WAIT_WRITE;
            return e;
        }
        if (e != EAS_OK) return connection_lost(a, e);
        a->req_sent += done;
        if (a->req_sent == a->req_len) begin_receive(a);
        return EAS_OK;
    case X_RECV:
        e = t->recv(t->ctx, a->rx, sizeof a->rx, &done);
        if (e == EAS_ERR_WOULD_BLOCK) {
            w->what = EAS_WAIT_READ;
            return e;
        }
        if (e == EAS_ERR_NET_CLOSED) {
            a->connected = 0;
            t->close(t->ctx);
            if (a->cmd == EAS_CMD_PING && a->rx_total == 0 && !a->reused) return ping_cut(a);
            if (a->rx_total == 0) return connection_lost(a, EAS_ERR_NET_CLOSED);
            e = eas_http_parser_eof(&a->http);
            if (e != EAS_OK) {
                trace_flush_response(a);
                return fail(a, e);
            }
            return finish_exchange(a);
        }
        if (e != EAS_OK) return connection_lost(a, e);
        a->rx_total += (uint32_t)done;
        size_t used = 0;
        e = eas_http_parser_feed(&a->http, a->rx, done, &used);
        if (e != EAS_OK) {
            trace_flush_response(a);
            close_conn(a);
            return fail(a, e);
        }
        if (eas_http_parser_done(&a->http)) {
            if (used < done) close_conn(a); /* bytes after the response: the connection is not reusable */
            return finish_exchange(a);
        }
        return EAS_OK;
    default:
        return EAS_ERR_STATE;
    }
}

/* ----------------------------------------------------------------------------------- public */

eas_err eas_agent_init(eas_agent *a, const eas_agent_config *cfg, const eas_pal *pal, eas_transport *tls,
                       eas_transport *plain, eas_store *store, const eas_agent_events *events)
{
    memset(a, 0, sizeof *a);
    if (!cfg || !pal || !store || !cfg->url || !cfg->user || !cfg->device_id || !cfg->device_type ||
        (!cfg->password && !cfg->auth.write))
        return EAS_ERR_CONFIG;
    a->cfg = cfg;
    a->pal = pal;
    a->tls = tls;
    a->plain = plain;
    a->store = store;
    if (events) a->ev = *events;
    eas_err e = eas_url_parse(cfg->url, strlen(cfg->url), &a->url);
    if (e != EAS_OK) return e;
    if (a->url.scheme == EAS_URL_HTTP && (!cfg->allow_plain_http || !plain)) return EAS_ERR_PLAIN_HTTP_REFUSED;
    if (a->url.scheme == EAS_URL_HTTPS && !tls) return EAS_ERR_CONFIG;
    e = eas_account_load(a);
    if (e != EAS_OK) return e;
    /* A stored redirect must obey the same rule as the configured URL. */
    if (a->url.scheme == EAS_URL_HTTP && (!cfg->allow_plain_http || !plain)) return EAS_ERR_PLAIN_HTTP_REFUSED;
    a->heartbeat = EAS_PING_START_S;
    /* A configured fixed version wins over what was negotiated before. */
    if (cfg->protocol_version) a->version = cfg->protocol_version;
    return EAS_OK;
}

eas_err eas_agent_begin(eas_agent *a, eas_op op)
{
    if (a->op != EAS_OP_NONE) return EAS_ERR_STATE;
    if (op < EAS_OP_CONNECT || op > EAS_OP_RESPOND) return EAS_ERR_ARG;
    if (op == EAS_OP_RESPOND && !a->respond_with) return EAS_ERR_STATE;
    if (op == EAS_OP_SYNC_CHANGED) a->sync_only = a->ping_changed;
    a->ping_result = EAS_PING_NONE;
    a->ping_retries = 0;
    a->op = (uint8_t)op;
    a->phase = PH_START;
    a->redirects = a->provisions = a->throttles = a->resets = a->hierarchy_syncs = 0;
    a->coll_slot = 0;
    memset(&a->failure, 0, sizeof a->failure);
    a->xstate = X_IDLE;
    return EAS_OK;
}

eas_err eas_agent_step(eas_agent *a, eas_wait *w)
{
    eas_wait dummy;
    if (!w) w = &dummy;
    w->what = 0;
    w->until_ms = 0;
    /* Each pass either finishes, waits, or moves the exchange on; the bound only guards a bug. */
    for (int guard = 0; guard < 64; guard++) {
        eas_err e;
        if (a->op == EAS_OP_NONE && a->xstate == X_IDLE) return EAS_ERR_STATE;
        switch (a->xstate) {
        case X_IDLE:
            e = next_step(a);
            if (e != EAS_OK) return fail(a, e);
            if (a->op == EAS_OP_NONE) return EAS_OK;
            continue;
        case X_WAIT:
            if (now_ms(a) < a->wake_ms) {
                w->what = EAS_WAIT_TIME;
                w->until_ms = a->wake_ms;
                return EAS_ERR_WOULD_BLOCK;
            }
            e = retry_phase(a);
            if (e != EAS_OK) return fail(a, e);
            continue;
        default:
            e = exchange_step(a, w);
            if (e == EAS_ERR_WOULD_BLOCK) {
                if (a->xstate == X_WAIT) {
                    w->what = EAS_WAIT_TIME;
                    w->until_ms = a->wake_ms;
                }
                return e;
            }
            if (e != EAS_OK) return e;
            if (a->op == EAS_OP_NONE) return EAS_OK;
            continue;
        }
    }
    w->what = EAS_WAIT_TIME;
    w->until_ms = now_ms(a);
    return EAS_ERR_WOULD_BLOCK;
}

void eas_agent_close(eas_agent *a) { close_conn(a); }

const eas_agent_failure *eas_agent_last_failure(const eas_agent *a) { return &a->failure; }

uint8_t eas_agent_version(const eas_agent *a) { return a->version; }

eas_ping_result eas_agent_ping_result(const eas_agent *a) { return (eas_ping_result)a->ping_result; }

uint32_t eas_agent_heartbeat(const eas_agent *a) { return a->heartbeat; }

void eas_agent_cap_heartbeat(eas_agent *a, uint32_t s)
{
    if (s < EAS_PING_MIN_S) s = EAS_PING_MIN_S;
    if (a->heartbeat > s) a->heartbeat = s;
}

unsigned eas_agent_folder_count(const eas_agent *a)
{
    unsigned n = 0;
    for (unsigned s = 0; s < EAS_MAX_FOLDERS; s++) n += (unsigned)((a->folder_used >> s) & 1u);
    return n;
}

eas_err eas_agent_folder_get(eas_agent *a, unsigned i, eas_folder *out)
{
    uint8_t rec[3 + 3 * EAS_FOLDER_ID_MAX];
    for (unsigned s = 0; s < EAS_MAX_FOLDERS; s++) {
        if (!((a->folder_used >> s) & 1u)) continue;
        if (i-- > 0) continue;
        size_t len = 0;
        eas_err e = eas_store_get(a->store, EAS_KEY_FOLDER(s), rec, sizeof rec, &len);
        if (e != EAS_OK) return e;
        return eas_account_folder_decode(rec, len, out);
    }
    return EAS_ERR_NOT_FOUND;
}

typedef struct items_walk {
    eas_agent *a;
    const eas_folder *f;
    eas_item_visit_fn fn;
    void *ctx;
    uint8_t rec[EAS_ITEM_RECORD_MAX];
} items_walk;

static eas_err items_visit(void *ctx, uint32_t key, size_t len)
{
    items_walk *w = ctx;
    eas_err e = eas_store_get(w->a->store, key, w->rec, sizeof w->rec, &len);
    if (e != EAS_OK) return e;
    if (eas_item_flags(w->rec, len) & EAS_ITEM_TOMB) return EAS_OK;
    return w->fn(w->ctx, w->f, w->rec, len);
}

eas_err eas_agent_items(eas_agent *a, eas_class cls, eas_item_visit_fn fn, void *ctx)
{
    uint8_t frec[3 + 3 * EAS_FOLDER_ID_MAX];
    eas_folder f;
    items_walk w = {a, &f, fn, ctx, {0}};
    for (unsigned s = 0; s < EAS_MAX_FOLDERS; s++) {
        if (!((a->folder_used >> s) & 1u)) continue;
        size_t len = 0;
        eas_err e = eas_store_get(a->store, EAS_KEY_FOLDER(s), frec, sizeof frec, &len);
        if (e != EAS_OK) return e;
        if ((e = eas_account_folder_decode(frec, len, &f)) != EAS_OK) return e;
        if (cls != EAS_CLASS_NONE && eas_class_of_folder_type(f.type) != cls) continue;
        /* Item keys are hashes: key order means nothing, and the unordered walk needs no scans. */
        e = eas_store_visit_range(a->store, EAS_KEY_ITEM_BASE(s), EAS_KEY_ITEM_LAST(s), items_visit, &w);
        if (e != EAS_OK) return e;
    }
    return EAS_OK;
}

eas_err eas_agent_respond(eas_agent *a, const char *folder_id, const char *item_id, eas_user_response r,
                          const char *instance)
{
    if (r < EAS_RESPONSE_ACCEPT || r > EAS_RESPONSE_DECLINE) return EAS_ERR_ARG;
    if (strlen(folder_id) >= sizeof a->respond_folder || strlen(item_id) >= sizeof a->respond_item ||
        (instance && strlen(instance) >= sizeof a->respond_instance))
        return EAS_ERR_ARG;
    if (eas_account_find_folder(a, folder_id) < 0) return EAS_ERR_NOT_FOUND;
    a->respond_with = (uint8_t)r;
    strcpy(a->respond_folder, folder_id);
    strcpy(a->respond_item, item_id);
    if (instance) strcpy(a->respond_instance, instance);
    else a->respond_instance[0] = '\0';
    return EAS_OK;
}
