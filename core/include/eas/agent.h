/* The agent: one ActiveSync account on one device, as a non-blocking state machine.
 *
 * The application owns an eas_agent (sized by eas/config.h), starts an operation with
 * eas_agent_begin() and then calls eas_agent_step() whenever what the last step waited for has happened
 * (the connection became readable or writable, or a time came). A step does all the work possible now
 * and never blocks, so the same agent runs in a bare-metal superloop, an RTOS task or a poll() loop.
 *
 * What an operation does on the wire follows MS-ASHTTP and MS-ASCMD: version negotiation (OPTIONS),
 * provisioning when the account has not been provisioned or the server asks for it (HTTP 449, status
 * 142-144), FolderSync, redirects (451), throttling (503 with Retry-After), and keeps its state in the
 * power-loss-safe store: a response that does not arrive whole changes nothing. */
#ifndef EAS_AGENT_H
#define EAS_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "eas/ashttp.h"
#include "eas/config.h"
#include "eas/discovery.h"
#include "eas/err.h"
#include "eas/exchange.h"
#include "eas/foldersync.h"
#include "eas/gal.h"
#include "eas/http.h"
#include "eas/itemops.h"
#include "eas/meeting.h"
#include "eas/oauth.h"
#include "eas/ping.h"
#include "eas/provision.h"
#include "eas/resolve.h"
#include "eas/settings.h"
#include "eas/store.h"
#include "eas/sync.h"
#include "eas/url.h"
#include "eas/wbxml.h"
#include "pal.h"

#if EAS_MAX_FOLDERS > 64
#error "EAS_MAX_FOLDERS is at most 64 (the folder index is a 64-bit set)"
#endif
#if EAS_STORE_MAX_TXN_RECORDS < EAS_MAX_FOLDERS + 2
#error "EAS_STORE_MAX_TXN_RECORDS must hold a whole hierarchy and its SyncKey"
#endif
#if EAS_ITEM_RECORD_MAX + 4 > EAS_STORE_MAX_VALUE
#error "an item record (and the outbox's 4-byte head) must fit a store value"
#endif
#if EAS_STORE_MAX_TXN_RECORDS < EAS_SYNC_WINDOW + 2 * EAS_SYNC_MAX_COMMANDS + 1
#error "EAS_STORE_MAX_TXN_RECORDS must hold a Sync window, the answers to its client changes and a SyncKey"
#endif

typedef struct eas_agent_config {
    const char *url;      /* https://host[:port]/Microsoft-Server-ActiveSync; NULL: found by discovery */
    const char *user;     /* as the server knows it: "alice", "alice@example.com", "DOMAIN\\alice" */
    const char *password; /* for Basic authentication when auth.write is NULL; never logged */
    eas_auth auth;        /* another Authorization scheme: writes the header's value */
    /* OAuth 2.0 (Exchange Online; eas/oauth_client.h, initialised on this agent's store): every request
     * carries "Bearer <access token>" streamed from the store; the token is refreshed (the operation's
     * PH_REFRESH phase) shortly before it expires, and once after a 401, and the request is then sent
     * again; a second 401 is EAS_ERR_AUTH. Its exchange may be this agent's own (eas_agent_exchange):
     * the agent's connection is closed before a refresh either way. NULL: password or auth. */
#if EAS_ENABLE_OAUTH
    struct eas_oauth_client *oauth;
#endif
    const char *device_id;   /* letters and digits, at most 32 */
    const char *device_type; /* e.g. "easagent" */
    const char *device_model;
    const char *device_os;
    const char *friendly_name;
    const char *user_agent;
    const char *anchor_mailbox; /* NULL: none; else sent as Cookie: DefaultAnchorMailbox=... on every request */
    const char *os_language;    /* Settings' DeviceInformation OSLanguage; NULL: "English" */
    uint32_t probe_interval_s;  /* how often OPTIONS is asked again (the server's versions and commands);
                                 * 0: once a day. Needs the wall clock; never with a fixed protocol_version */
    uint8_t protocol_version; /* 0: negotiate with OPTIONS; else EAS_PROTO_* */
    uint8_t allow_plain_http; /* http:// URLs (and redirects to them) are refused unless set */
    uint8_t base64_query;     /* the MS-ASHTTP base64-encoded query form */
    uint8_t sync_classes;     /* EAS_SYNC_CLASS_* bits: what EAS_OP_SYNC keeps; 0: calendar, contacts, tasks */
    uint8_t calendar_filter;  /* FilterType for calendars (MS-ASCMD): 0 all, 1 one day, 2 three days, 3 one week,
                               * 4 two weeks, 5 one month, 6 three months, 7 six months back (0 here is all; the
                               * CLI and the firmware default to 4) */
    uint8_t email_filter;     /* FilterType for mail: 1 one day ... 5 one month; 0: 3 (one week) */
    uint8_t client_wins;      /* a conflict keeps the device's change (default: the server's wins) */
    uint8_t item_no_record;   /* ev.item gets rec NULL and len 0, for an application that only counts: the
                               * record is not read back from the store after the commit (a read and a CRC
                               * check of every item saved) */
    uint8_t no_estimate;      /* no GetItemEstimate before a collection's windows, whatever ev.progress: the
                               * estimate feeds only the progress callback (its total is then 0), and costs a
                               * round trip per collection and sync */
    uint8_t redirect_host_count;
    const char *const *redirect_hosts; /* hosts a 451 may move the account to besides the configured
                                        * host's domain (core/agent/redirect.c) */
    /* Autodiscover (docs/DISCOVER.md, core/agent/home.c). With url NULL the account's URL is the one
     * discovery found for discovery->address, kept in the store: an operation that finds none discovers
     * it first, and a 451 without X-MS-Location or a URL that EAS_REDISCOVER_FAILURES operations in a
     * row could not reach (the first at least rediscover_after_s before the last) is discovered again.
     * discovery_work is discovery's RAM, used only inside eas_agent_step while one runs (between steps
     * of other operations the application may use it for something else). An empty discovery->auth:
     * the agent's own credentials. NULL discovery: url is required. */
    const eas_discovery_config *discovery;
    eas_discovery *discovery_work;
    uint32_t rediscover_after_s;
} eas_agent_config;

#define EAS_SYNC_CLASS(cls) (1u << (cls)) /* cls: eas_class */

/* Operations. */
typedef enum {
    EAS_OP_NONE = 0,
    EAS_OP_CONNECT,    /* negotiate the version and provision, as needed */
    EAS_OP_FOLDER_SYNC, /* EAS_OP_CONNECT, then FolderSync (incremental, or full after status 9) */
    EAS_OP_SYNC,        /* EAS_OP_FOLDER_SYNC, then Sync of every collection of the configured classes */
    EAS_OP_PING,        /* one Ping on the synced collections: see eas_agent_ping_result (a server that
                         * does not list Ping: a wait of the heartbeat, then every collection "changed") */
    EAS_OP_SYNC_CHANGED, /* Sync of the collections the last Ping named */
    EAS_OP_RESPOND,      /* MeetingResponse set up by eas_agent_respond, then Sync of that calendar */
    EAS_OP_GAL_SEARCH,   /* a lookup set up by eas_agent_gal_search (Find at 16.1, else Search) */
    EAS_OP_RESOLVE,      /* ResolveRecipients set up by eas_agent_resolve */
    EAS_OP_FETCH,        /* ItemOperations Fetch set up by eas_agent_fetch */
    EAS_OP_DISCOVER      /* Autodiscover now for discovery->address: the result stored (and used without url) */
} eas_op;

/* What the last EAS_OP_PING found. */
typedef enum {
    EAS_PING_NONE = 0,
    EAS_PING_QUIET,   /* the heartbeat passed with no change */
    EAS_PING_CHANGED, /* folders changed: EAS_OP_SYNC_CHANGED fetches them */
    EAS_PING_CUT      /* the connection was cut before the heartbeat ended (the heartbeat steps down) */
} eas_ping_result;

/* Directions of trace text. */
typedef enum { EAS_TRACE_REQUEST = 1, EAS_TRACE_RESPONSE = 2 } eas_trace_dir;

typedef struct eas_agent_events {
    void *ctx;
    /* The server asks this device to wipe itself. Return 1 to acknowledge (the application wipes its
     * data), 0 to refuse: the operation then fails with EAS_ERR_REMOTE_WIPE either way. */
    int (*remote_wipe)(void *ctx, int account_only);
    /* Trace text: request and response heads with Authorization redacted, bodies as XML. NULL: off.
     * Compiled in only with EAS_ENABLE_TRACE. */
    void (*trace)(void *ctx, eas_trace_dir dir, const char *text, size_t len);
    /* An item was added, changed or deleted in the store (after the window that brought it was
     * committed: what the application sees is what survives a power cut). For deletions, rec holds
     * only the id. */
    void (*item)(void *ctx, eas_class cls, const char *folder_id, eas_item_change change, const uint8_t *rec,
                 size_t len);
    /* Progress of a collection's sync: items received so far of the server's estimate (0: unknown). */
    void (*progress)(void *ctx, eas_class cls, const char *folder_id, uint32_t done, uint32_t estimate);
    /* A change of the device's that did not go through: a conflict (status 7, or a server change of an
     * item with a change pending here), an item the server could not take (6), one it no longer has
     * (8). Never silent. kept: the device's change stays queued (client wins). */
    void (*rejected)(void *ctx, eas_class cls, const char *folder_id, eas_item_change change, const char *id,
                     uint32_t status, int kept);
} eas_agent_events;

/* Why the last operation failed, beyond its eas_err. */
typedef struct eas_agent_failure {
    uint16_t http_status;  /* 0 when no HTTP status was involved */
    uint32_t eas_status;   /* the command's Status, 0 when none */
    eas_cmd cmd;           /* the command that failed */
    uint32_t wbxml_offset; /* byte offset of a malformed body */
    /* A 503's Retry-After in seconds (0: none): when it was longer than the agent waits itself
     * (EAS_RETRY_AFTER_MAX_S) the operation ends with EAS_ERR_THROTTLED, and the application should
     * wait at least this long before the next round. */
    uint32_t retry_after_s;
    char throttle_reason[24]; /* X-MS-ASThrottle ("CommandFrequency", ...), cut to fit; "" when none */
} eas_agent_failure;

/* A directory lookup being made: what the application asked for (its pointers stay valid until the
 * operation ends) and where the answer goes. */
typedef struct eas_agent_lookup {
    uint8_t ready;        /* the eas_op it was set up for */
    uint32_t search_seed; /* Find's SearchId is made from it: the same in the count and the send */
    union {
        struct {
            const eas_gal_query *query;
            eas_gal_entry_fn on_entry;
            void *ctx;
        } gal;
        struct {
            const eas_resolve_request *request;
            const eas_resolve_events *ev;
        } resolve;
        struct {
            eas_fetch_request request;
            eas_sink body;
        } fetch;
    } u;
} eas_agent_lookup;

typedef struct eas_agent {
    /* set by eas_agent_init */
    const eas_agent_config *cfg;
    const eas_pal *pal;
    eas_store *store;
    eas_agent_events ev;
    /* account state, a RAM copy of what the store holds */
    eas_url url;
    uint8_t version;
    uint8_t provisioned;
    uint32_t server_versions; /* eas_proto_bit() set from OPTIONS */
    uint32_t server_commands; /* (1u << eas_cmd) from OPTIONS' MS-ASProtocolCommands, with EAS_CMDS_LISTED
                               * when the server gave a list (else every bit); 0: not asked yet. Stored */
    uint32_t probed_at;       /* wall time (s) of the last OPTIONS; 0: ask again; 1: when unknown. Stored */
    uint8_t settings_sent;    /* Settings went out for this device's information (the stored record) */
    char policy_key[11];
    char folder_key[EAS_SYNC_KEY_MAX];
    uint64_t folder_used;                 /* folder slots in use */
    uint32_t folder_hash[EAS_MAX_FOLDERS]; /* FNV-1a of each slot's ServerId, salted */
    uint32_t hash_salt;                    /* random, drawn at init: see eas_account_hash */
    uint16_t folders_skipped; /* folders of the kept classes the hierarchy had no slot for */
    uint8_t hier_records;     /* records staged by the FolderSync answer in the open transaction */
    uint8_t hier_stale;       /* the hierarchy was kept for other classes: FolderSync starts over */
    /* the operation */
    uint8_t op;
    uint8_t phase;
    uint8_t resume_phase; /* where to go back after provisioning */
    uint8_t xstate;       /* of the driver: enter the phase, exchange under way, or a wait */
    uint8_t redirects;
    uint8_t provisions;
    uint8_t throttles;
    uint8_t resets;
    uint8_t txn_open;
    uint8_t body_ok; /* the response body is WBXML for the decoder */
    uint8_t body_seen;   /* the response being read had body bytes */
    uint8_t redirect_state; /* EAS_REDIRECT_*: a->url is a server's redirect (core/agent/redirect.c) */
    uint8_t yield;          /* a window was committed: give the application the next step */
#if EAS_ENABLE_OAUTH
    /* cfg->oauth: the stored tokens' facts (loaded by eas_agent_begin and after each refresh) */
    eas_oauth_bearer bearer;
    uint8_t refresh_resume; /* the phase a refresh goes back to */
    uint8_t refreshed;      /* the phase is entered again after a refresh: no second one before it is sent */
    uint8_t refused_401;    /* a 401 was answered by a refresh: a second one is EAS_ERR_AUTH */
#endif
    /* the account's URL from discovery (core/agent/home.c) */
    char home[EAS_URL_MAX];  /* the discovered URL when cfg->url is NULL ("" until found) */
    uint8_t home_why;        /* why the discovery under way runs (0: none) */
    uint8_t home_err;        /* the operation's error that a rediscovery may make good (eas_err) */
    uint8_t home_found;      /* a discovery of this agent found home_source's URL */
    uint8_t home_source;     /* eas_discover_source */
    uint8_t home_answered;   /* the account's URL answered in this operation */
    uint8_t rediscoveries;   /* in this operation */
    uint8_t dead_count;      /* operations in a row that could not reach the discovered URL (stored) */
    int64_t dead_since;      /* the wall time of the first of them (-1: unknown) */
    uint64_t wake_ms;
    eas_agent_failure failure;
    eas_exchange x;      /* the HTTP exchange under way (its buffers) */
    eas_wbxml_reader reader;
    /* push */
    uint32_t heartbeat;     /* seconds, for the next Ping */
    uint32_t heartbeat_max; /* the server's limit, once known */
    uint64_t ping_changed;  /* folder slots the last Ping named */
    uint64_t sync_only;     /* EAS_OP_SYNC_CHANGED: the slots to sync */
    uint8_t ping_result;
    uint8_t ping_retries;
    uint8_t ping_folders_max;
    uint8_t ping_early;     /* Pings in a row answered or cut well before their heartbeat */
    uint64_t ping_start_ms; /* when the last Ping started */
    uint64_t ping_next_ms;  /* no Ping starts before this */
    /* the collection being synced */
    uint8_t coll_slot;
    uint8_t coll_cls;
    uint8_t coll_resets;
    uint8_t coll_server_errors; /* Sync status 5 answers in a row for this collection */
    uint8_t coll_restart;       /* synced again from 0 after them: the old items go with the first key */
    uint8_t hierarchy_syncs;
    uint8_t sync_init_tried; /* the first Sync of several collections in one went (once per operation) */
    uint32_t coll_done, coll_estimate;
    uint16_t coll_windows;      /* windows of this collection in this operation */
    uint8_t coll_idle_windows;  /* in a row, that brought nothing */
    uint32_t window_crc, last_window_crc; /* of the items of this window and of the one before */
    char coll_id[EAS_FOLDER_ID_MAX];
    char coll_key[EAS_SYNC_KEY_MAX];
    /* the keys the open store transaction wrote (the store shows them only after the commit) */
    unsigned txn_keys;
    uint32_t txn_key[EAS_STORE_MAX_TXN_RECORDS];
    uint32_t txn_hash[EAS_STORE_MAX_TXN_RECORDS];
    uint8_t txn_change[EAS_STORE_MAX_TXN_RECORDS];
#if EAS_STORE_MAX_TXN_RECORDS >= 128
    /* A Bloom filter of txn_key[0, txn_filter_n) (two bits a key, 8 bits per record): a key it lacks
     * is not looked for in the list, where a window of 512 new items looked 131,000 times. Small
     * transactions (the boards') go without. */
    unsigned txn_filter_n;
    uint32_t txn_filter[(EAS_STORE_MAX_TXN_RECORDS * 8u + 31u) / 32u];
#endif
    /* client changes carried by the Sync request in flight (outbox keys) */
    uint8_t sent_n;
    uint32_t sent_key[EAS_SYNC_MAX_COMMANDS];
    uint8_t sent_done[EAS_SYNC_MAX_COMMANDS];
    uint32_t outbox_seq;
    uint32_t outbox_nonce; /* random, drawn once per state: part of every ClientId */
    uint8_t outbox_any; /* changes of the device's are queued (checked per Sync request) */
    /* What the outbox holds, kept in RAM from the mount so that a Sync request learns it without a
     * walk: entries per folder slot and in all (entries naming no slot count in the total only). */
    uint8_t outbox_known;    /* 0: count again (after a failed commit, or before the first load) */
    uint16_t outbox_staged;  /* entries the open store transaction deletes (all of coll_slot) */
    uint32_t outbox_total;
    uint16_t outbox_count[EAS_MAX_FOLDERS];
    uint8_t mark_inflight; /* the Sync window about to be sent must be marked in flight first */
    union {
        eas_foldersync_decoder folders;
        eas_provision_decoder provision;
        eas_sync_decoder sync;
        struct {
            eas_sync_init_decoder d; /* first: the handler's user is &a->dec */
            uint64_t asked;          /* the folder slots the request carries */
            uint64_t answered;       /* those the answer named (once each) */
        } sync_init;                 /* the first Sync of several collections (PH_SYNC_INIT_ALL) */
        eas_estimate_decoder estimate;
        eas_ping_decoder ping;
        eas_meeting_decoder meeting;
        eas_gal_decoder gal;
        eas_resolve_decoder resolve;
        eas_fetch_decoder fetch;
        eas_settings_decoder settings;
    } dec;
    eas_agent_lookup lookup;
    /* the meeting response being sent */
    uint8_t respond_with;
    char respond_folder[EAS_FOLDER_ID_MAX];
    char respond_item[EAS_ITEM_ID_MAX];
    char respond_instance[32];
    char temp_policy_key[11];
#if EAS_ENABLE_TRACE
    eas_wbxml_xml_printer trace_printer;
    eas_err trace_err_;
#endif
} eas_agent;

/* Loads the account's state from the store (an empty store is a new account) and checks the
 * configuration: EAS_ERR_CONFIG for a missing field, EAS_ERR_PLAIN_HTTP_REFUSED for an http:// URL
 * without allow_plain_http, EAS_ERR_HTTP_URL for a malformed one. tls carries https, plain http (may be
 * NULL). Everything passed must outlive the agent. */
eas_err eas_agent_init(eas_agent *a, const eas_agent_config *cfg, const eas_pal *pal, eas_transport *tls,
                       eas_transport *plain, eas_store *store, const eas_agent_events *events);
eas_err eas_agent_begin(eas_agent *a, eas_op op);
/* With cfg->oauth, eas_agent_begin is EAS_ERR_NOT_SIGNED_IN while the store holds no tokens.
 * EAS_ERR_WOULD_BLOCK: call again after *wait; EAS_OK: the operation is done; any other error: it
 * failed (eas_agent_last_failure says more) and the stored state is what it was before. A refresh
 * refused by the identity platform fails the operation with its EAS_ERR_SIGNIN_* error. */
eas_err eas_agent_step(eas_agent *a, eas_wait *wait);
/* Closes the connection (e.g. before the process ends). */
void eas_agent_close(eas_agent *a);
/* The agent's HTTP exchange, for an eas_oauth_client (eas_oauth_client_init): one request buffer
 * for both on a small device. The application runs that client (a sign-in) between operations only. */
eas_exchange *eas_agent_exchange(eas_agent *a);

const eas_agent_failure *eas_agent_last_failure(const eas_agent *a);
/* A header the last response carried (eas/http.h's kept ones, e.g. the X-MS-Credential-Service-Url of a
 * 457), valid until the next request; NULL when absent. */
const char *eas_agent_response_header(const eas_agent *a, eas_http_hdr h);
eas_ping_result eas_agent_ping_result(const eas_agent *a);
/* The heartbeat the next Ping will ask for, in seconds. */
uint32_t eas_agent_heartbeat(const eas_agent *a);
/* The monotonic time before which the next Ping will not start (EAS_PING_MIN_INTERVAL_S, and the
 * pause after Pings cut or answered early); 0 or past: at once. */
uint64_t eas_agent_next_ping_ms(const eas_agent *a);
/* The URL a discovery of this agent found (the last one), and from which step; NULL when none did. */
const char *eas_agent_discovered(const eas_agent *a, eas_discover_source *source);
/* The host a server's redirect (451) moved the account to, while it is in use; NULL otherwise. */
const char *eas_agent_redirected_host(const eas_agent *a);
/* Keeps the next Ping's heartbeat at most s seconds (not below EAS_PING_MIN_S), e.g. to end a push
 * session on time; the adapted value resumes from there. */
void eas_agent_cap_heartbeat(eas_agent *a, uint32_t s);
uint8_t eas_agent_version(const eas_agent *a);

/* What the device holds and knows of the account, without the network (eas-agent status). */
typedef struct eas_agent_info {
    uint8_t version;           /* EAS_PROTO_*; 0: not negotiated yet */
    uint8_t provisioned;
    uint8_t has_policy_key;    /* provisioned by a server with policies */
    uint8_t redirected;        /* a 451 redirect is in use instead of the configured URL */
    uint32_t server_versions;  /* eas_proto_bit() set from OPTIONS (0: not asked) */
    unsigned folders;          /* folders the store holds */
    unsigned pending;          /* changes of the device's still queued */
    const char *folder_sync_key; /* the hierarchy's SyncKey ("0": never synced) */
    const eas_url *url;        /* where requests go */
    const char *discovered_url; /* without a configured url: the one discovery found (stored); NULL: none yet */
} eas_agent_info;
void eas_agent_get_info(eas_agent *a, eas_agent_info *out);

/* The mailbox's primary SMTP address as the server's Settings answer gave it (UserInformation); "" when
 * the server gave none or Settings has not been answered. */
eas_err eas_agent_primary_address(eas_agent *a, char *out, size_t cap);

/* What the store holds of one folder. */
typedef struct eas_folder_state {
    uint8_t synced;   /* the collection has a SyncKey (was synced at least once) */
    uint8_t kept;     /* of a class the configuration syncs (sync_classes) */
    uint8_t lost_window; /* an answer was lost: the next sync starts it again from 0 */
    uint32_t items;   /* items held */
} eas_folder_state;
eas_err eas_agent_folder_state(eas_agent *a, const char *folder_id, eas_folder_state *out);

/* The folders the store holds: count, and the i-th in slot order (EAS_ERR_NOT_FOUND past the end). */
unsigned eas_agent_folder_count(const eas_agent *a);
eas_err eas_agent_folder_get(eas_agent *a, unsigned i, eas_folder *out);

/* Folders of the kept classes that the device has no room for (EAS_MAX_FOLDERS): they are not synced.
 * Kept with the hierarchy; 0 again when it is synced from 0 with room for all. */
unsigned eas_agent_folders_skipped(const eas_agent *a);

/* Client-side changes. Each is queued in the store before anything is sent, goes out with the next
 * Sync of its folder, and leaves the queue in the same transaction that records the server's answer:
 * a lost response leads to a resend, never to a lost change. rec is an item record (eas/item.h) whose
 * id is ignored for an Add (a ClientId is made, written to client_id when not NULL, cap 16) and is the
 * ServerId for a Change. A Change or Delete also updates the device's copy at once. */
eas_err eas_agent_queue_add(eas_agent *a, const char *folder_id, const uint8_t *rec, size_t len, char *client_id);
eas_err eas_agent_queue_change(eas_agent *a, const char *folder_id, const uint8_t *rec, size_t len);
eas_err eas_agent_queue_delete(eas_agent *a, const char *folder_id, const char *server_id);
/* One instance of the series server_id (a calendar item the device holds): changed to the values ov
 * (Subject, Location, StartTime, EndTime; at most 8) or, deleted, cancelled. instance: its original
 * start as compact UTC, "20261202T090000Z". The device's copy gets the Exception at once. At 16.x the
 * server gets a Change or Delete of that instance alone (AirSyncBase:InstanceId); before 16.0 the series'
 * Change with its Exceptions. */
eas_err eas_agent_queue_instance(eas_agent *a, const char *folder_id, const char *server_id, const char *instance,
                                 const eas_item_override *ov, size_t n, int deleted);
/* Prepares EAS_OP_RESPOND: answer the meeting request item_id in folder_id (a calendar), for the whole
 * series or, with instance (the occurrence's original start as "2026-12-08T08:00:00.000Z"), for one
 * occurrence. Start it with eas_agent_begin(a, EAS_OP_RESPOND); on success the device's copy carries
 * the new ResponseType and the calendar is synced. Status other than 1: EAS_ERR_PROTOCOL with the
 * status in the failure. */
eas_err eas_agent_respond(eas_agent *a, const char *folder_id, const char *item_id, eas_user_response r,
                          const char *instance);

/* Directory lookups, for a desk phone's "who is that" and a room display's "is it free": set one up,
 * then eas_agent_begin() its operation and step it like any other. They write nothing to the store;
 * their results go to the callbacks (one entry, one recipient or one free/busy run at a time, in the
 * agent's own buffers: nothing is listed in RAM) and the body to the sink. Before the first lookup of
 * a run the agent asks the server's commands (OPTIONS, not stored); a command the server does not
 * offer ends the operation with EAS_ERR_UNSUPPORTED, the command in the failure. Everything passed
 * must stay valid until the operation ends. EAS_ERR_ARG for a query or request that cannot be sent
 * (eas_gal_query_check, eas_resolve_request_write).
 *   GAL search: Find where the server offers it at 16.1, Search otherwise; Search status 12 (past the
 *     last result) is success with no entries; 2 and 8 (the server refuses the query) EAS_ERR_ARG.
 *   Fetch: the item's body as plain text, at most max_bytes of it (0: all), cut on a character. */
eas_err eas_agent_gal_search(eas_agent *a, const eas_gal_query *q, eas_gal_entry_fn on_entry, void *ctx);
eas_err eas_agent_resolve(eas_agent *a, const eas_resolve_request *r, const eas_resolve_events *ev);
eas_err eas_agent_fetch(eas_agent *a, const char *folder_id, const char *server_id, uint32_t max_bytes, eas_sink body);
/* After the lookup: what its answer said (Range, Total, statuses; for a fetch the size and cut). */
const eas_gal_decoder *eas_agent_gal_result(const eas_agent *a);
const eas_fetch_decoder *eas_agent_fetch_result(const eas_agent *a);

/* Changes still queued (all folders). */
unsigned eas_agent_pending(eas_agent *a);
/* The device's copy of an item: EAS_ERR_NOT_FOUND when absent. */
eas_err eas_agent_item_get(eas_agent *a, const char *folder_id, const char *server_id, uint8_t *rec, size_t cap,
                           size_t *len);

/* Calls fn for every item the store holds in the folders of class cls (EAS_CLASS_NONE: all), folder by
 * folder; a non-EAS_OK return from fn stops the walk and is returned. */
typedef eas_err (*eas_item_visit_fn)(void *ctx, const eas_folder *folder, const uint8_t *rec, size_t len);
eas_err eas_agent_items(eas_agent *a, eas_class cls, eas_item_visit_fn fn, void *ctx);

#endif
