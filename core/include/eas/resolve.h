/* ResolveRecipients (MS-ASCMD 2.2.1.15): names or addresses resolved against the GAL and the
 * contacts, optionally with each recipient's free/busy for a window (Availability, MergedFreeBusy).
 * The decoder streams: each recipient goes to the caller when its Recipient closes, in the one
 * eas_recipient the decoder owns, and its free/busy goes out before that as runs of slots
 * (eas/freebusy.h), while the string is still arriving. */
#ifndef EAS_RESOLVE_H
#define EAS_RESOLVE_H

#include <stdint.h>

#include "eas/config.h"
#include "eas/err.h"
#include "eas/freebusy.h"
#include "eas/wbxml.h"

/* Status of the command (MS-ASCMD 2.2.3.177.12). */
enum { EAS_RESOLVE_OK = 1, EAS_RESOLVE_PROTOCOL_ERROR = 5, EAS_RESOLVE_SERVER_ERROR = 6 };
/* Status of a Response (one per To). */
enum {
    EAS_RESOLVE_RESOLVED = 1,
    EAS_RESOLVE_AMBIGUOUS = 2,         /* the Recipients are suggestions */
    EAS_RESOLVE_AMBIGUOUS_PARTIAL = 3, /* suggestions, and more matched than were returned */
    EAS_RESOLVE_UNRESOLVED = 4
};
/* Status of an Availability. */
enum {
    EAS_AVAILABILITY_OK = 1,
    EAS_AVAILABILITY_TOO_MANY = 160,      /* more than 100 To with Availability */
    EAS_AVAILABILITY_TOO_MANY_DL = 161,   /* a distribution list of more than 20 */
    EAS_AVAILABILITY_RETRY = 162,         /* free/busy could not be read now: ask again */
    EAS_AVAILABILITY_FAILED = 163
};
/* Recipient Type. */
enum { EAS_RECIPIENT_GAL = 1, EAS_RECIPIENT_CONTACT = 2 };

typedef struct eas_resolve_request {
    const char *const *to; /* names or SMTP addresses, each 1 to 256 bytes */
    unsigned n;            /* 1 to EAS_RESOLVE_MAX_TO */
    int64_t start, end;    /* Availability window (UTC seconds); end <= start: no free/busy asked */
    uint8_t max_ambiguous; /* suggestions per ambiguous name (0: not sent, the server's default) */
} eas_resolve_request;

/* EAS_ERR_ARG for a request the server must refuse (no To, too many, an empty or too long one). */
eas_err eas_resolve_request_write(eas_wbxml_writer *w, const eas_resolve_request *r);

typedef struct eas_recipient {
    char to[EAS_GAL_FIELD_MAX];            /* the To this answers (as the server echoed it) */
    char display_name[EAS_GAL_FIELD_MAX];
    char email[EAS_GAL_FIELD_MAX];
    uint32_t response_status;              /* EAS_RESOLVE_RESOLVED ... of its Response */
    uint32_t availability_status;          /* 0: no Availability in the answer */
    uint8_t type;                          /* EAS_RECIPIENT_GAL or _CONTACT */
    uint8_t truncated;                     /* a value was cut */
    uint8_t has_freebusy;                  /* a MergedFreeBusy came (its runs went to on_run) */
} eas_recipient;

typedef struct eas_resolve_events {
    void *ctx;
    /* A Recipient closed. An error return stops decoding. */
    eas_err (*recipient)(void *ctx, const eas_recipient *r);
    /* A Response closed (after its recipients): for unresolved names (no recipient at all) too. */
    eas_err (*response)(void *ctx, const char *to, uint32_t status, uint32_t recipients);
    /* A run of the current recipient's free/busy: r holds its Type, names and address (they precede
     * Availability in the answer). */
    eas_err (*run)(void *ctx, const eas_recipient *r, int64_t start, int64_t end, eas_fb_status s);
} eas_resolve_events;

typedef struct eas_resolve_decoder {
    eas_resolve_events ev;
    int64_t start, end; /* the window asked for */
    uint32_t status;    /* of the command (0 until read) */
    uint32_t responses, recipients;
    /* decoding state */
    uint8_t depth;
    uint8_t in_recipient;
    uint8_t in_fb;
    uint32_t response_recipients;
    eas_tag field;
    char *dst;          /* where the field's text goes (one of cur's strings, or text) */
    eas_recipient cur;
    eas_fb_decoder fb;
    char text[16];
    eas_wbxml_textbuf tb;
} eas_resolve_decoder;

extern const eas_wbxml_handler eas_resolve_handler; /* user: eas_resolve_decoder * */
/* start/end: the window the request asked for (for the slot times), or end <= start. */
void eas_resolve_decoder_init(eas_resolve_decoder *d, const eas_resolve_events *ev, int64_t start, int64_t end);
eas_err eas_resolve_decoder_finish(const eas_resolve_decoder *d);

#endif
