/* FolderSync (MS-ASCMD 2.2.1.5): the request, and a streaming decoder of the response that hands each
 * folder change to the caller as soon as it is complete. Nothing is applied by the decoder: the caller
 * stages the changes and commits them with the new SyncKey only when the whole response decoded. */
#ifndef EAS_FOLDERSYNC_H
#define EAS_FOLDERSYNC_H

#include <stdint.h>

#include "eas/config.h"
#include "eas/err.h"
#include "eas/wbxml.h"

/* FolderHierarchy:Type values (MS-ASCMD 2.2.3.186.3). */
enum {
    EAS_FOLDER_GENERIC = 1,
    EAS_FOLDER_INBOX = 2,
    EAS_FOLDER_DRAFTS = 3,
    EAS_FOLDER_DELETED = 4,
    EAS_FOLDER_SENT = 5,
    EAS_FOLDER_OUTBOX = 6,
    EAS_FOLDER_TASKS = 7,
    EAS_FOLDER_CALENDAR = 8,
    EAS_FOLDER_CONTACTS = 9,
    EAS_FOLDER_NOTES = 10,
    EAS_FOLDER_JOURNAL = 11,
    EAS_FOLDER_USER_MAIL = 12,
    EAS_FOLDER_USER_CALENDAR = 13,
    EAS_FOLDER_USER_CONTACTS = 14,
    EAS_FOLDER_USER_TASKS = 15,
    EAS_FOLDER_USER_JOURNAL = 16,
    EAS_FOLDER_USER_NOTES = 17,
    EAS_FOLDER_UNKNOWN = 18,
    EAS_FOLDER_RECIPIENT_CACHE = 19
};

/* FolderSync Status values (MS-ASCMD 2.2.3.177.5); 100 and above are common status codes. */
enum {
    EAS_FOLDERSYNC_OK = 1,
    EAS_FOLDERSYNC_SERVER_ERROR = 6,
    EAS_FOLDERSYNC_INVALID_KEY = 9, /* the hierarchy must be synced again from SyncKey 0 */
    EAS_FOLDERSYNC_BAD_REQUEST = 10,
    EAS_FOLDERSYNC_UNKNOWN_ERROR = 11,
    EAS_FOLDERSYNC_CODE_UNKNOWN = 12
};

typedef struct eas_folder {
    char server_id[EAS_FOLDER_ID_MAX];
    char parent_id[EAS_FOLDER_ID_MAX];
    char display_name[EAS_FOLDER_NAME_MAX];
    uint8_t type;
    uint8_t name_truncated; /* DisplayName was longer than EAS_FOLDER_NAME_MAX - 1 bytes */
} eas_folder;

/* The folder Type (MS-ASCMD 2.2.3.186.3) as a short name: "calendar", "user-calendar", ... ("unknown"
 * past the table). The names of eas-agent folders --json and of the firmware's console. */
const char *eas_folder_type_name(uint8_t type);

typedef enum { EAS_FOLDER_ADDED = 1, EAS_FOLDER_UPDATED = 2, EAS_FOLDER_DELETED_CHANGE = 3 } eas_folder_change;

/* Called for each Add, Update and Delete (for Delete only server_id is set). An error stops decoding. */
typedef eas_err (*eas_folder_change_fn)(void *ctx, eas_folder_change change, const eas_folder *folder);

/* Writes <FolderSync><SyncKey>key</SyncKey></FolderSync>; key "0" for a first or reset sync. */
eas_err eas_foldersync_request(eas_wbxml_writer *w, const char *sync_key);

typedef struct eas_foldersync_decoder {
    eas_folder_change_fn on_change;
    void *ctx;
    /* results */
    uint32_t status;                     /* 0 until the Status element was read */
    char sync_key[EAS_SYNC_KEY_MAX];     /* "" until read */
    uint32_t count;                      /* Changes/Count as announced */
    uint32_t changes;                    /* changes delivered */
    /* decoding state */
    eas_tag parent;   /* Add, Update or Delete being read, or 0 */
    eas_tag field;    /* element whose text is being collected, or 0 */
    uint8_t depth;
    uint8_t field_truncated;
    eas_folder cur;
    char text[EAS_FOLDER_ID_MAX > EAS_FOLDER_NAME_MAX ? EAS_FOLDER_ID_MAX : EAS_FOLDER_NAME_MAX];
    eas_wbxml_textbuf tb;
} eas_foldersync_decoder;

extern const eas_wbxml_handler eas_foldersync_handler; /* user: eas_foldersync_decoder * */
void eas_foldersync_decoder_init(eas_foldersync_decoder *d, eas_folder_change_fn on_change, void *ctx);
/* After the reader finished: EAS_ERR_PROTOCOL when the document was not a FolderSync response or had
 * no Status. */
eas_err eas_foldersync_decoder_finish(const eas_foldersync_decoder *d);

#endif
