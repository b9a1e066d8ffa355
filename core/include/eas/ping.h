/* Ping (MS-ASCMD 2.2.1.13): the long-held request that tells which folders changed. */
#ifndef EAS_PING_H
#define EAS_PING_H

#include <stdint.h>

#include "eas/config.h"
#include "eas/err.h"
#include "eas/wbxml.h"

/* Ping Status values (MS-ASCMD 2.2.3.177.13). */
enum {
    EAS_PING_EXPIRED = 1,       /* the heartbeat passed with no change */
    EAS_PING_CHANGES = 2,       /* Folders names what changed */
    EAS_PING_MISSING_PARAMS = 3,
    EAS_PING_SYNTAX_ERROR = 4,
    EAS_PING_BAD_HEARTBEAT = 5, /* HeartbeatInterval gives the allowed value */
    EAS_PING_TOO_MANY = 6,      /* MaxFolders gives the limit */
    EAS_PING_HIERARCHY = 7,     /* FolderSync first */
    EAS_PING_SERVER_ERROR = 8
};

typedef struct eas_ping_folder {
    const char *id;
    const char *cls; /* "Calendar", "Contacts", "Tasks", "Email" */
} eas_ping_folder;

eas_err eas_ping_request_write(eas_wbxml_writer *w, uint32_t heartbeat_s, const eas_ping_folder *folders, unsigned n);

/* Called for each changed folder's Id in the response. */
typedef eas_err (*eas_ping_folder_fn)(void *ctx, const char *id);

typedef struct eas_ping_decoder {
    eas_ping_folder_fn on_folder;
    void *ctx;
    uint32_t status;
    uint32_t heartbeat;   /* Status 5: the interval the server allows (0: none given) */
    uint32_t max_folders; /* Status 6 */
    uint8_t depth;
    eas_tag field;
    char text[EAS_FOLDER_ID_MAX];
    eas_wbxml_textbuf tb;
} eas_ping_decoder;

extern const eas_wbxml_handler eas_ping_handler;
void eas_ping_decoder_init(eas_ping_decoder *d, eas_ping_folder_fn on_folder, void *ctx);

#endif
