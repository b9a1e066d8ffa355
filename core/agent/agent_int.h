/* Internal to core/agent/: the whole store-key map, and what the agent's files offer each other.
 *
 * Who calls whom (no circle): agent.c (the public API and the driver of an operation) calls
 * operation.c (the phase table: what each request is and what its answer means), exchange.c (the
 * HTTP exchange, which calls no one back), core/oauth's client (cfg->oauth: PH_REFRESH), trace.c, and
 * the records below; operation.c calls the records (account.c: account state and the store
 * transaction), items.c and outbox.c; outbox.c
 * calls items.c and account.c; agent.c and account.c call redirect.c (a server's 451), which, like
 * items.c, calls nothing here; agent.c calls home.c (the URL from discovery), which calls redirect.c
 * (its policy) and core/discover; account.c calls nothing else here; trace.c reads the phase
 * table; agenda.c reads items through the public API; event.c builds records on its own. */
#ifndef EAS_AGENT_INT_H
#define EAS_AGENT_INT_H

#include "eas/agent.h"

/* ---- the store keys of an account ----
 * 0x00000001..8  account state (account.c, outbox.c)
 * 0x00000010     EAS_KEY_DISCOVERED: the URL discovery found (core/discover, eas/discover.h)
 * 0x00000011     EAS_KEY_HOME_DEAD: operations in a row that could not reach it (home.c)
 * 0x0001xxxx     one record per folder slot
 * 0x0002xxxx     a collection's SyncKey, 0x0003xxxx its in-flight mark (items.c, operation.c)
 * 0x001xxxxx     the outbox, by sequence number (outbox.c)
 * 0x4s......     the items of folder slot s, by a hash of their ServerId (items.c) */
#define EAS_KEY_PROTOCOL 0x00000001u
#define EAS_KEY_POLICY 0x00000002u
#define EAS_KEY_FOLDER_SYNC_KEY 0x00000003u
#define EAS_KEY_URL 0x00000004u
#define EAS_KEY_OUTBOX_SEQ 0x00000005u
#define EAS_KEY_HIERARCHY_CLASSES 0x00000006u /* the classes the stored hierarchy was kept for */
#define EAS_KEY_FOLDERS_SKIPPED 0x00000007u   /* eas_agent_folders_skipped, when not 0 */
#define EAS_KEY_HOME_DEAD 0x00000011u         /* count and the first one's wall time, while not 0 */
#define EAS_KEY_SETTINGS 0x00000008u /* Settings sent: a CRC of the device information, the primary address */
#define EAS_KEY_FOLDER(slot) (0x00010000u + (uint32_t)(slot))
#define EAS_KEY_COLL_SYNC_KEY(slot) (0x00020000u + (uint32_t)(slot))
/* Set while a Sync window's answer is awaited, removed with the commit of that answer (operation.c). */
#define EAS_KEY_COLL_INFLIGHT(slot) (0x00030000u + (uint32_t)(slot))
#define EAS_KEY_OUTBOX(n) (0x00100000u + ((uint32_t)(n) & 0x000FFFFFu))
#define EAS_KEY_OUTBOX_LAST 0x001FFFFFu
#define EAS_KEY_ITEM_BASE(slot) (0x40000000u + ((uint32_t)(slot) << 24))
#define EAS_KEY_ITEM_LAST(slot) (EAS_KEY_ITEM_BASE(slot) + 0x00FFFFFFu)

/* ---- the account's records (core/agent/account.c) ---- */

/* The folder index's hash of a ServerId, seeded with the agent's random salt (RAM only). */
uint32_t eas_account_hash(const eas_agent *a, const char *s);
size_t eas_account_folder_encode(const eas_folder *f, uint8_t *out, size_t cap);
eas_err eas_account_folder_decode(const uint8_t *in, size_t len, eas_folder *f);

/* Reads the account's records into the agent's RAM copy (the outbox counts itself: eas_outbox_load);
 * an empty store is a new account. */
eas_err eas_account_load(eas_agent *a);
/* Rebuilds the folder index (and the count of folders skipped) from the committed records. */
eas_err eas_account_load_index(eas_agent *a);
#ifdef EAS_TEST_BUILD
extern unsigned eas_test_hierarchy_txn_records; /* records of a FolderSync transaction (operation.c) */
extern size_t eas_test_sync_init_body_max;      /* the body of the first Sync of several (operation.c) */
#endif
/* Stages the hierarchy's SyncKey with the classes it was kept for and the folders it skipped. */
eas_err eas_account_stage_hierarchy(eas_agent *a, const char *sync_key);
/* The version, the server's versions and commands, and when they were asked (EAS_KEY_PROTOCOL). */
eas_err eas_account_save_protocol(eas_agent *a);
/* What identifies the device's information in Settings (its CRC): sent again when it changes. */
uint32_t eas_account_device_info_crc(const eas_agent *a);
/* The record of a Settings answer: the CRC of what was sent and the primary address ("" when none). */
eas_err eas_account_save_settings(eas_agent *a, const char *address);
eas_err eas_account_save_policy(eas_agent *a);
/* The classes the device keeps (eas_agent_config.sync_classes or its default), EAS_SYNC_CLASS bits. */
uint8_t eas_account_classes(const eas_agent *a);
/* Folder slots. A slot that still holds items of a former folder (a purge not yet run, or cut short by
 * a power loss) is not clean and is given to no new folder: items are never inherited. */
int eas_account_slot_clean(eas_agent *a, unsigned slot);
/* The first slot neither in use nor holding items, or -1. */
int eas_account_free_slot(eas_agent *a);
/* Stages, in the open transaction, the end of the folder in slot: its record, its SyncKey and its
 * in-flight mark; the slot leaves the RAM index. Its items stay until eas_account_purge_orphans. */
eas_err eas_account_stage_forget(eas_agent *a, unsigned slot);
/* Purges the items of every slot no folder uses (each batch its own transaction); not within one. */
eas_err eas_account_purge_orphans(eas_agent *a);
/* The slot of the folder with this ServerId, or -1. */
int eas_account_find_folder(const eas_agent *a, const char *server_id);
/* The folder record of a slot in use. */
eas_err eas_account_folder_at(eas_agent *a, unsigned slot, eas_folder *f);

/* The agent's store transaction: what one response changes goes into one. begin opens it if none is
 * open; abort drops it (and the RAM folder index follows the store again); commit_notify commits it,
 * then tells the application about the items it held: only what is on flash is announced. */
eas_err eas_txn_begin(eas_agent *a);
void eas_txn_abort(eas_agent *a);
eas_err eas_txn_commit_notify(eas_agent *a);
/* Commits without announcing anything (the transaction held no items). */
eas_err eas_txn_commit(eas_agent *a);

/* ---- the server's redirect (core/agent/redirect.c) ---- */
enum { EAS_REDIRECT_NONE, EAS_REDIRECT_UNCONFIRMED, EAS_REDIRECT_STORED }; /* a->redirect_state */
/* A 451's X-MS-Location: checked against the policy, then used (not stored yet). EAS_ERR_HTTP_REDIRECT
 * or EAS_ERR_PLAIN_HTTP_REFUSED when refused (logged). */
eas_err eas_redirect_follow(eas_agent *a, const char *location, size_t len);
/* The redirected URL answered 200 (over verified TLS when https): stored, with the time. Not within an
 * open transaction. */
eas_err eas_redirect_confirmed(eas_agent *a);
/* An operation failed on a redirected URL: back to the configured one (the stored redirect dropped). */
void eas_redirect_failed(eas_agent *a);
/* The stored record (NUL-terminated, modified): a->url when it holds, else the record is dropped. */
void eas_redirect_load(eas_agent *a, char *rec);
/* Whether the account may move from a->url to moved (logged when not): never from https to http, only
 * with a transport for its scheme, only to the account's host, its registrable domain, also_domain
 * (may be NULL) or a host of redirect_hosts. EAS_ERR_HTTP_REDIRECT or EAS_ERR_PLAIN_HTTP_REFUSED. */
eas_err eas_redirect_check(const eas_agent *a, const eas_url *moved, const char *also_domain);

/* ---- the account's URL from discovery (core/agent/home.c) ---- */
/* The URL the account starts from: the configured one, or the discovered one ("" before it is found). */
static inline const char *eas_home_url(const eas_agent *a) { return a->cfg->url ? a->cfg->url : a->home; }
/* The Authorization the agent sends (the configured scheme, or Basic from user and password). */
eas_auth eas_agent_auth(const eas_agent *a);
/* At init, before the account's records: without a configured URL, the discovered one from the store
 * (a->url), or none yet (the first operation discovers it). EAS_ERR_CONFIG without discovery. */
eas_err eas_home_load(eas_agent *a);
/* At the start of an operation: discovery first when there is no URL yet (or op is EAS_OP_DISCOVER);
 * sets a->xstate to AX_DISCOVER then. */
eas_err eas_home_begin(eas_agent *a);
/* A 451 without X-MS-Location: discovery again (AX_DISCOVER), the phase then sent to what it finds;
 * EAS_ERR_HTTP_REDIRECT when the URL was configured, or once per operation. */
eas_err eas_home_moved(eas_agent *a);
/* The operation failed with e: counts a discovered URL that could not be reached; 1 when that made the
 * failure persistent and discovery runs again now (the operation goes on), 0 when it fails as it is. */
int eas_home_failed(eas_agent *a, eas_err e);
/* The operation ended well: the count of failures is forgotten. */
void eas_home_succeeded(eas_agent *a);
/* Steps the discovery under way (AX_DISCOVER): EAS_ERR_WOULD_BLOCK while it runs; EAS_OK when the
 * operation goes on (a->xstate AX_ENTER) at the URL found; an error ends the operation. */
eas_err eas_home_step(eas_agent *a, eas_wait *w);

/* ---- collections and their items (core/agent/items.c) ---- */

/* The SyncKey of a collection ("0" when it has none yet). */
eas_err eas_coll_get_key(eas_agent *a, unsigned slot, char *out, size_t cap);
/* Finds the store key of the item with this ServerId in the collection: *key is its key when found
 * (returns 1), or the free key to insert it at (returns 0). Keys written by the open transaction count
 * as taken. EAS_ERR_STORE_FULL when the probe sequence is exhausted. */
eas_err eas_coll_locate(eas_agent *a, unsigned slot, const char *server_id, size_t id_len, uint32_t *key, int *found);
/* Stages an item record / a deletion in the open transaction. */
eas_err eas_coll_stage_put(eas_agent *a, unsigned slot, const uint8_t *rec, size_t len, int *was_new);
/* The same with crc = eas_crc32(0, rec, len), computed by the caller already. */
eas_err eas_coll_stage_put_crc(eas_agent *a, unsigned slot, const uint8_t *rec, size_t len, uint32_t crc, int *was_new);
eas_err eas_coll_stage_del(eas_agent *a, unsigned slot, const char *server_id, size_t id_len, int *existed);
/* Forgets the collection: its SyncKey, then all its items (in batches, each committed). Queued
 * changes of the device stay. Not within an open transaction. */
eas_err eas_coll_purge(eas_agent *a, unsigned slot);

/* ---- the outbox (core/agent/outbox.c) ---- */
/* Writes the queued changes of the collection being synced (a->coll_slot) as Sync commands, as many as
 * fit; remembers which in a->sent_key. An eas_sync_write_fn. */
eas_err eas_outbox_write_commands(void *ctx, eas_wbxml_writer *w);
/* Whether the collection has queued changes: O(1), from the counts kept in RAM. */
int eas_outbox_has_commands(eas_agent *a);
/* Counts what the outbox holds (one walk, at load; after that the counts follow every change). */
eas_err eas_outbox_load(eas_agent *a);
/* Deletes an outbox entry of the collection in the open transaction (counted when it commits). */
eas_err eas_outbox_stage_del(eas_agent *a, uint32_t key);
/* (The counts follow the transactions in account.c: the entries staged for deletion leave them when
 * the transaction commits.) */
/* A Responses entry of the Sync answer: stages what it means (the item under its ServerId, the entry
 * leaving the queue) in the open transaction. An eas_sync_events response callback. */
eas_err eas_outbox_on_response(void *ctx, eas_item_change change, const char *client_id, const char *server_id,
                               uint32_t status);
/* After a successful Sync: sent Changes and Deletes without an answer succeeded and leave the queue. */
eas_err eas_outbox_finish_sent(eas_agent *a);
/* The outbox key of a Change or Delete queued for this item, or 0. */
uint32_t eas_outbox_pending_key(eas_agent *a, unsigned slot, const char *server_id, size_t id_len);

/* ---- the trace tap (core/agent/trace.c): request and response as text, credentials redacted ---- */
/* The request as it goes out: its head line by line, Authorization cut out, its body as XML. */
void eas_trace_request(eas_agent *a);
/* A response header line, and the status (which starts the body's printer). */
void eas_trace_header(eas_agent *a, const char *name, size_t name_len, const char *value, size_t value_len);
void eas_trace_status(eas_agent *a, uint16_t status);
/* What the body's printer holds goes out when the response ends, whole or not. */
void eas_trace_flush_response(eas_agent *a);
/* The events of the response body, to the command's decoder and, when tracing, to the printer. */
extern const eas_wbxml_handler eas_trace_tee;

/* ---- the operation (core/agent/operation.c): one row per phase ---- */
enum {
    PH_START,
    PH_OPTIONS,
    PH_PROVISION,
    PH_PROVISION_ACK,
    PH_WIPE_ACK,
    PH_FOLDERSYNC,
    PH_SYNC_SELECT, /* choose the next collection to sync */
    PH_SYNC_INIT_ALL, /* one Sync with SyncKey 0 for every kept collection at 0: their first keys at once */
    PH_SYNC_INIT,   /* Sync with SyncKey 0: the server hands out the first key */
    PH_ESTIMATE,    /* GetItemEstimate, for progress */
    PH_SYNC,        /* Sync with GetChanges, window after window */
    PH_PING,
    PH_POLL,        /* no Ping at the server: wait the heartbeat, then say every collection changed */
    PH_SETTINGS,    /* Settings: DeviceInformation Set and UserInformation Get, once per device info */
    PH_REPROBE,     /* OPTIONS again (a day on, or after a 400/403): versions and commands */
    PH_RESPOND,
    PH_LOOKUP_SELECT,  /* a directory lookup: which command, once the server's commands are known */
    PH_LOOKUP_OPTIONS, /* OPTIONS for the server's commands (kept in RAM, not stored) */
    PH_GAL_SEARCH,     /* Search in the GAL store */
    PH_GAL_FIND,       /* Find with a GALSearchCriterion (16.1) */
    PH_RESOLVE,        /* ResolveRecipients */
    PH_FETCH,          /* ItemOperations Fetch */
    PH_REFRESH,        /* OAuth: a new access token from the identity platform, then back to the phase */
    PH_FINISHED,
    PH_COUNT
};

#define PH_HELD 0x01u         /* the server holds the request (Ping): a timeout or early close is a cut */
#define PH_EMPTY_ANSWER 0x02u /* an empty 200 is an answer of its own (Sync: nothing new), not quarantine */
#define PH_NO_POLICY_KEY 0x04u /* sent without X-MS-PolicyKey (Provision) */
#define PH_TOKEN 0x08u        /* no ActiveSync command: the request of cfg->oauth (eas/oauth_client.h) */
/* The operation goes on without the answer: an HTTP error, an empty or malformed body reach the row's
 * answer as empty (Settings, a re-probe) instead of ending the operation. */
#define PH_OPTIONAL 0x10u
/* A request that does not fit EAS_REQUEST_MAX (a head longer than its bound allowed for) reaches the
 * row's answer as empty instead of ending the operation (the first Sync of several: one by one). */
#define PH_UNFIT_EMPTY 0x20u

/* In a->server_commands: the server gave a list (a command missing from it is not offered); asked in
 * this run (RAM only: a lookup asks once per run, eas/agent.h). */
#define EAS_CMDS_LISTED (1u << 31)
#define EAS_CMDS_ASKED (1u << 30)

/* A phase either decides (no command: which phase comes next) or sends one request. Every function
 * leaves what comes next in a->phase (PH_FINISHED ends the operation) or returns an error, which ends
 * it; none starts anything itself: the driver (agent.c) does. */
typedef struct eas_phase {
    eas_cmd cmd;                                         /* PH_DECIDES in a row that only decides */
    eas_err (*decide)(eas_agent *a);                     /* such a row's decision; NULL: the row sends cmd */
    const eas_wbxml_handler *decoder;                    /* of the response body (its state: a->dec) */
    void (*decoder_init)(eas_agent *a);                  /* before the request goes out; NULL: none */
    eas_err (*body)(eas_agent *a, eas_wbxml_writer *w);  /* the request's body; NULL: none */
    eas_err (*answer)(eas_agent *a, int empty);          /* what a 200 means (empty: it had no body) */
    eas_err (*cut)(eas_agent *a);                        /* PH_HELD: the request was cut */
    uint8_t resume_449;                                  /* where to go back after provisioning for HTTP 449 */
    uint8_t flags;                                       /* PH_* */
} eas_phase;

#define PH_DECIDES EAS_CMD_SYNC /* a placeholder: the row has no command */

extern const eas_phase eas_phases[PH_COUNT];

/* Provisioning is needed (HTTP 449, or a status): provision, then go back to resume. */
eas_err eas_op_provision_then(eas_agent *a, uint8_t resume);
/* The server is busy: wait wait_s, then ask the same again (the driver re-enters the phase).
 * EAS_ERR_THROTTLED after EAS_THROTTLE_RETRIES waits, or for a wait over EAS_RETRY_AFTER_MAX_S. */
eas_err eas_op_wait(eas_agent *a, uint32_t wait_s);
/* OAuth (cfg->oauth): before a request goes out, whether the access token is within its margin of
 * expiry (then the phase is PH_REFRESH, back to the one that was to be sent, and 1 is returned); after a
 * 401, a refresh and the request again, once (a second 401 is EAS_ERR_AUTH); after the refresh, the
 * tokens' facts and the phase to go back to. */
#if EAS_ENABLE_OAUTH
int eas_op_refresh_due(eas_agent *a);
eas_err eas_op_refused_401(eas_agent *a);
eas_err eas_op_refreshed(eas_agent *a);
#else /* a board without the sign-in pays nothing for it */
#define eas_op_refresh_due(a) ((void)(a), 0)
#define eas_op_refused_401(a) ((void)(a), EAS_ERR_AUTH)
#endif
/* Whether the server offers the command: it is in the server's list, or the server gave none. */
int eas_op_offered(const eas_agent *a, eas_cmd c);
/* A 400, 403 or a status that says the server changed (common 137, 138): OPTIONS is asked again
 * at the start of the next operation. Not within an open transaction. */
void eas_op_probe_again(eas_agent *a);
/* Whether the configuration syncs folders of this class (sync_classes, or its default). */
int eas_op_class_kept(const eas_agent *a, uint8_t cls);
/* The next wait of a back-off that grows with each (from 5 s, doubling, with jitter). */
uint32_t eas_op_backoff_s(const eas_agent *a);

/* The driver's states (a->xstate): enter the phase (decide, or start its request), an exchange under
 * way, a wait before the phase is entered again, cfg->oauth's request under way (PH_TOKEN), a discovery
 * under way (home.c). */
enum { AX_ENTER, AX_EXCHANGE, AX_WAIT, AX_TOKEN, AX_DISCOVER };

#endif
