/* ItemOperations Fetch (MS-ASCMD 2.2.1.10) of one item's full body, as plain text, so that a display
 * shows a meeting's details on demand without keeping every body on flash. The body streams from the
 * WBXML reader into the caller's sink and stops at the caller's byte budget (cut on a UTF-8 boundary);
 * nothing of it is held in RAM but a partial UTF-8 character (at most 3 bytes). */
#ifndef EAS_ITEMOPS_H
#define EAS_ITEMOPS_H

#include <stdint.h>

#include "eas/config.h"
#include "eas/err.h"
#include "eas/sink.h"
#include "eas/wbxml.h"

/* ItemOperations Status values (MS-ASCMD 2.2.3.177.8) that a Fetch of a mailbox item can carry. */
enum {
    EAS_ITEMOPS_OK = 1,
    EAS_ITEMOPS_PROTOCOL_ERROR = 2,
    EAS_ITEMOPS_SERVER_ERROR = 3,
    EAS_ITEMOPS_NOT_FOUND = 6, /* the item is not (any more) on the server */
    EAS_ITEMOPS_TOO_LARGE = 11,
    EAS_ITEMOPS_IO_FAILURE = 12,
    EAS_ITEMOPS_CONVERSION_FAILED = 14,
    EAS_ITEMOPS_BLOCKED = 16,
    EAS_ITEMOPS_CREDENTIALS_REQUIRED = 18
};

typedef struct eas_fetch_request {
    const char *collection_id; /* the item's folder */
    const char *server_id;     /* the item */
    uint32_t max_bytes;        /* the budget: asked of the server as TruncationSize (0: whole body) */
} eas_fetch_request;

eas_err eas_fetch_request_write(eas_wbxml_writer *w, const eas_fetch_request *r);

typedef struct eas_fetch_decoder {
    eas_sink body;      /* where the body's text goes */
    uint32_t budget;    /* bytes at most to the sink (0: no limit) */
    /* results */
    uint32_t status;       /* of the command (0 until read) */
    uint32_t fetch_status; /* of the Fetch */
    uint32_t body_type;    /* AirSyncBase:Type answered (1 plain text) */
    uint32_t estimated;    /* EstimatedDataSize: the whole body's size on the server */
    uint32_t written;      /* bytes handed to the sink */
    uint32_t received;     /* bytes of Data that arrived */
    uint8_t server_truncated; /* AirSyncBase:Truncated was 1 */
    uint8_t cut;              /* the budget cut the body here */
    uint8_t have_body;
    /* decoding state */
    uint8_t depth;
    uint8_t in_body;
    uint8_t in_data;
    uint8_t need;        /* bytes of the UTF-8 character being read (0: none open) */
    uint8_t held;        /* its bytes from earlier pieces, kept back */
    uint8_t hold[4];
    eas_tag number;
    char text[16];
    eas_wbxml_textbuf tb;
} eas_fetch_decoder;

extern const eas_wbxml_handler eas_fetch_handler; /* user: eas_fetch_decoder * */
void eas_fetch_decoder_init(eas_fetch_decoder *d, eas_sink body, uint32_t budget);
/* After the reader finished: EAS_ERR_PROTOCOL when it was no ItemOperations answer or had no Status. */
eas_err eas_fetch_decoder_finish(const eas_fetch_decoder *d);
/* The status that decides (the Fetch's when the command's was 1). */
uint32_t eas_fetch_decoder_status(const eas_fetch_decoder *d);
/* Whether the text handed to the sink is less than the whole body (cut here or by the server). */
int eas_fetch_decoder_truncated(const eas_fetch_decoder *d);

#endif
