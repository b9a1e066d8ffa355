/* Sync (MS-ASCMD 2.2.1.21) for one collection per request (and the first Sync of several in one, below),
 * and GetItemEstimate (2.2.1.9).
 * The request is written from a description plus a callback that adds the client's own changes; the
 * response decoder builds one item record at a time (eas/item.h) and hands it over as soon as it is
 * complete, so memory does not depend on the number of items. */
#ifndef EAS_SYNC_H
#define EAS_SYNC_H

#include <stdint.h>

#include "eas/config.h"
#include "eas/err.h"
#include "eas/item.h"
#include "eas/wbxml.h"

/* Sync Status values (MS-ASCMD 2.2.3.177.16). */
enum {
    EAS_SYNC_OK = 1,
    EAS_SYNC_INVALID_KEY = 3,
    EAS_SYNC_PROTOCOL_ERROR = 4,
    EAS_SYNC_SERVER_ERROR = 5,
    EAS_SYNC_CONVERSION_ERROR = 6,
    EAS_SYNC_CONFLICT = 7,
    EAS_SYNC_NOT_FOUND = 8,
    EAS_SYNC_CANNOT_COMPLETE = 9,
    EAS_SYNC_HIERARCHY_CHANGED = 12,
    EAS_SYNC_INCOMPLETE_REQUEST = 13,
    EAS_SYNC_INVALID_WAIT = 14,
    EAS_SYNC_TOO_MANY_COLLECTIONS = 15,
    EAS_SYNC_RETRY = 16
};

/* FilterType values (MS-ASCMD 2.2.3.70.1) for calendar: 0 all, 4 two weeks back, 5 one month,
 * 6 three months, 7 six months; for email 1 one day ... 5 one month. */
#define EAS_FILTER_NONE 0xFFu

typedef eas_err (*eas_sync_write_fn)(void *ctx, eas_wbxml_writer *w);

typedef struct eas_sync_request {
    const char *sync_key;      /* "0" for the first request of a collection */
    const char *collection_id;
    uint8_t cls;               /* eas_class: decides the body options */
    uint8_t get_changes;       /* ask for server changes (never with SyncKey 0) */
    uint8_t filter_type;       /* EAS_FILTER_NONE: no FilterType */
    uint8_t body_type;         /* AirSyncBase Type: 1 plain text; 0: no BodyPreference */
    uint16_t window_size;      /* 0: none */
    uint32_t truncation;       /* TruncationSize of the body preference */
    const eas_tag *supported;  /* with SyncKey 0: the elements the device manages (Supported), the rest ghosted */
    size_t supported_n;
    eas_sync_write_fn commands; /* writes Add/Change/Delete elements of client changes; NULL: none */
    void *commands_ctx;
} eas_sync_request;

eas_err eas_sync_request_write(eas_wbxml_writer *w, const eas_sync_request *r);

/* The first Sync of n collections in one request (MS-ASCMD 2.2.3.29.2: Collection 1...N): next fills
 * the i-th collection's description (collection_id, supported; the rest is not used: each goes at
 * SyncKey 0, as eas_sync_request_write writes one). EAS_ERR_ARG for n 0 or a collection without id. */
typedef eas_err (*eas_sync_collection_fn)(void *ctx, unsigned i, eas_sync_request *r);
eas_err eas_sync_init_request_write(eas_wbxml_writer *w, unsigned n, eas_sync_collection_fn next, void *ctx);

/* Server changes and responses to client changes, in the order they arrive. */
typedef enum { EAS_ITEM_ADD = 1, EAS_ITEM_CHANGE = 2, EAS_ITEM_DELETE = 3, EAS_ITEM_SOFT_DELETE = 4 } eas_item_change;

typedef struct eas_sync_events {
    void *ctx;
    /* An item from the server: rec/len is its record (for deletes, just the id). */
    eas_err (*item)(void *ctx, eas_item_change change, const uint8_t *rec, size_t len);
    /* A response to one of the client's changes: ClientId (adds) or ServerId, and its Status. */
    eas_err (*response)(void *ctx, eas_item_change change, const char *client_id, const char *server_id,
                        uint32_t status);
} eas_sync_events;

typedef struct eas_sync_decoder {
    eas_sync_events ev;
    uint8_t cls;
    const char *collection_id; /* set after init: an answer for another collection is EAS_ERR_PROTOCOL */
    /* results */
    uint32_t status;            /* the collection's Status (or the top-level one); 0 when absent */
    uint32_t top_status;        /* Sync/Status outside any collection (e.g. 12, 13) */
    char sync_key[EAS_SYNC_KEY_MAX];
    uint8_t more_available;
    uint8_t collections;        /* Collection elements seen */
    uint32_t items;             /* server changes handed over */
    /* decoding state */
    uint8_t depth;
    uint8_t in_commands, in_responses, in_appdata;
    uint8_t appdata_depth;
    uint8_t change;             /* eas_item_change of the open command or response */
    eas_tag field;
    uint32_t resp_status;
    char server_id[EAS_ITEM_ID_MAX];
    char client_id[EAS_ITEM_ID_MAX];
    char text[EAS_SYNC_KEY_MAX > EAS_ITEM_ID_MAX ? EAS_SYNC_KEY_MAX : EAS_ITEM_ID_MAX];
    eas_wbxml_textbuf tb;
    eas_item_builder item;
    uint8_t rec[EAS_ITEM_RECORD_MAX];
} eas_sync_decoder;

extern const eas_wbxml_handler eas_sync_handler; /* user: eas_sync_decoder * */
void eas_sync_decoder_init(eas_sync_decoder *d, eas_class cls, const eas_sync_events *ev);
/* After the reader finished. An empty body (no changes) is decoded by not calling the reader at all. */
eas_err eas_sync_decoder_finish(const eas_sync_decoder *d);

/* The answer to eas_sync_init_request_write: per Collection, when it closes, its CollectionId, SyncKey
 * ("" when absent), Status (0 when absent) and whether it carried Commands or Responses (a first answer
 * carries none: MS-ASCMD 3.1.5.4; their content is skipped, never taken). At most max_collections
 * Collection elements; more, one without a CollectionId, an identifier or key too long, a Status that is
 * not a number, or a root other than Sync is EAS_ERR_PROTOCOL. The callback's error ends the decoding. */
typedef eas_err (*eas_sync_init_fn)(void *ctx, const char *collection_id, const char *sync_key, uint32_t status,
                                    int carried);
typedef struct eas_sync_init_decoder {
    eas_sync_init_fn on_collection;
    void *ctx;
    uint32_t top_status; /* Sync/Status outside any collection; 0 when absent */
    uint8_t max_collections;
    uint8_t collections; /* Collection elements seen */
    /* decoding state */
    uint8_t depth, in_collections, in_collection, carried;
    eas_tag field;
    uint32_t status;
    char collection_id[EAS_FOLDER_ID_MAX];
    char sync_key[EAS_SYNC_KEY_MAX];
    char text[12];
    eas_wbxml_textbuf tb;
} eas_sync_init_decoder;
extern const eas_wbxml_handler eas_sync_init_handler; /* user: eas_sync_init_decoder * */
void eas_sync_init_decoder_init(eas_sync_init_decoder *d, unsigned max_collections, eas_sync_init_fn fn, void *ctx);
/* After the reader finished: EAS_ERR_PROTOCOL for an answer with neither a Status nor a Collection. */
eas_err eas_sync_init_decoder_finish(const eas_sync_init_decoder *d);

/* GetItemEstimate for one collection (14.0 and later: SyncKey, CollectionId, Options/FilterType). */
eas_err eas_estimate_request_write(eas_wbxml_writer *w, const char *sync_key, const char *collection_id,
                                   uint8_t filter_type);
/* The same in the form protocol 12.1 takes (MS-ASCMD 6.20, the schema's second sequence): the collection's
 * Class (none for EAS_CLASS_NONE), CollectionId, FilterType directly in the Collection and required (0:
 * no filter, for EAS_FILTER_NONE), SyncKey last. */
eas_err eas_estimate_request_write_121(eas_wbxml_writer *w, eas_class cls, const char *sync_key,
                                       const char *collection_id, uint8_t filter_type);
typedef struct eas_estimate_decoder {
    uint32_t status;
    uint32_t estimate;
    uint8_t have_estimate;
    uint8_t depth;
    eas_tag field;
    char text[16];
    eas_wbxml_textbuf tb;
} eas_estimate_decoder;
extern const eas_wbxml_handler eas_estimate_handler;
void eas_estimate_decoder_init(eas_estimate_decoder *d);

#endif
