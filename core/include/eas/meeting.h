/* MeetingResponse (MS-ASCMD 2.2.1.11): accept, tentatively accept or decline a meeting request that
 * is in a calendar folder (the whole series, or one instance of it). */
#ifndef EAS_MEETING_H
#define EAS_MEETING_H

#include <stdint.h>

#include "eas/err.h"
#include "eas/wbxml.h"

typedef enum { EAS_RESPONSE_ACCEPT = 1, EAS_RESPONSE_TENTATIVE = 2, EAS_RESPONSE_DECLINE = 3 } eas_user_response;

/* Calendar:ResponseType values the device's copy takes after a response (MS-ASCAL 2.2.2.38). */
#define EAS_RESPONSE_TYPE_OF(r) ((r) == EAS_RESPONSE_ACCEPT ? 3u : (r) == EAS_RESPONSE_TENTATIVE ? 2u : 4u)

typedef struct eas_meeting_request {
    eas_user_response response;
    const char *collection_id; /* the calendar folder holding the event */
    const char *request_id;    /* the event's ServerId */
    const char *instance_id;   /* NULL: the whole series; else the instance's original start,
                                * "2026-12-08T08:00:00.000Z" (14.1 and later) */
    uint8_t send_response;     /* 16.x: SendResponse, the server mails the answer to the organizer. Before
                                * 16.0 the element does not exist and no mail goes out (that takes SendMail) */
} eas_meeting_request;

eas_err eas_meeting_request_write(eas_wbxml_writer *w, const eas_meeting_request *r);

typedef struct eas_meeting_decoder {
    uint32_t status; /* Result/Status: 1 success, 2 invalid request, 3 mailbox error, 4 server error */
    uint8_t depth;
    eas_tag field;
    char text[16];
    eas_wbxml_textbuf tb;
} eas_meeting_decoder;

extern const eas_wbxml_handler eas_meeting_handler;
void eas_meeting_decoder_init(eas_meeting_decoder *d);

#endif
