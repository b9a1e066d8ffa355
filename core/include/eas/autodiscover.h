/* Autodiscover v1, the "plain old XML" form (MS-ASCMD 2.2.1.1): the mobilesync request body, and a
 * streaming reader of the response that keeps only what a device acts on.
 *
 * The response reader takes the body in pieces of any size (even one byte), holds no more than one
 * value (EAS_URL_MAX bytes) and a stack of EAS_POX_MAX_DEPTH small entries, and recurses nowhere. It
 * is an XML tokenizer for the documents Autodiscover servers send: a declaration, comments, CDATA,
 * elements with attributes (namespace prefixes are stripped; element names are matched by their local
 * part), the five predefined entities and character references. A DOCTYPE is refused (no entity
 * expansion), as are mismatched end tags, text or a second element outside the root, and anything that
 * is not well-formed in the parts it reads. What it reports:
 *
 *   Action/Settings/Server with Type MobileSync: its Url (or its Name when it has no Url)  -> URL
 *   Action/Redirect (MS-ASCMD 2.2.3.147), Account/RedirectAddr (Outlook schema)           -> REDIRECT_ADDR
 *   Account with Action "redirectUrl" and RedirectUrl (Outlook schema, MS-OXDSCLI)        -> REDIRECT_URL
 *   Action/Error/Status, Response/Error/ErrorCode (e.g. 600 invalid request)              -> ERROR
 *
 * The first of these the document holds wins, except that a URL also wins over an earlier error. */
#ifndef EAS_AUTODISCOVER_H
#define EAS_AUTODISCOVER_H

#include <stddef.h>
#include <stdint.h>

#include "eas/config.h"
#include "eas/err.h"
#include "eas/sink.h"

#define EAS_POX_REQUEST_NS "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006"
#define EAS_POX_RESPONSE_SCHEMA "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006"

/* The request body for address (a NUL-terminated e-mail address; <, >, & escaped). With sink.write
 * NULL it only counts: *len is the body's length either way (for Content-Length first). EAS_ERR_ARG
 * for an address with control bytes or longer than EAS_DISCOVER_ADDRESS_MAX - 1. */
eas_err eas_pox_write_request(eas_sink sink, const char *address, size_t *len);

typedef enum {
    EAS_POX_NONE = 0,      /* nothing a device can act on */
    EAS_POX_URL,           /* value: the ActiveSync URL */
    EAS_POX_REDIRECT_ADDR, /* value: the address to start over with */
    EAS_POX_REDIRECT_URL,  /* value: the Autodiscover URL to send the same request to */
    EAS_POX_ERROR          /* status: the Status or ErrorCode (0 when it was not a number) */
} eas_pox_kind;

typedef struct eas_pox_reader {
    uint32_t offset;     /* bytes fed so far */
    uint32_t err_offset; /* where the first error was found */
    uint32_t status;
    uint16_t value_len;
    uint16_t small_len;  /* small[]: a Type, an Account/Action, a number being read */
    uint16_t name_hash;  /* FNV-1a (folded to 16 bits) of the qualified name being read */
    uint8_t state, sub;  /* tokenizer state and a counter inside it (matched bytes of "-->", ...) */
    uint8_t depth, root_done, quote, name_len;
    uint8_t capture;     /* where the current element's text goes (a capture_* code) */
    uint8_t kind;        /* eas_pox_kind of the result so far */
    uint8_t server_flags;
    uint8_t ent_len;
    uint8_t err;         /* eas_err, sticky */
    uint8_t value_over;
    char name[16];       /* the local name being read (longer names are known to be none of ours) */
    char ent[12];        /* an entity reference being read, without & and ; */
    char small[16];
    struct {
        uint16_t hash;
        uint8_t id;
    } stack[EAS_POX_MAX_DEPTH];
    char value[EAS_URL_MAX]; /* NUL-terminated when reported */
} eas_pox_reader;

void eas_pox_reader_init(eas_pox_reader *r);
/* Feeds len bytes. Errors (sticky, offset in eas_pox_reader_error_offset): EAS_ERR_XML_SYNTAX,
 * EAS_ERR_XML_MISMATCHED_END, EAS_ERR_XML_DEPTH, EAS_ERR_UNSUPPORTED (a DOCTYPE). A value longer than
 * EAS_URL_MAX - 1 is not an error here: it is dropped and the result says EAS_POX_NONE for it. */
eas_err eas_pox_reader_feed(eas_pox_reader *r, const uint8_t *data, size_t len);
/* The end of the body: EAS_ERR_XML_TRUNCATED unless the root element was closed, then the result. */
eas_err eas_pox_reader_finish(eas_pox_reader *r, eas_pox_kind *kind);
uint32_t eas_pox_reader_error_offset(const eas_pox_reader *r);

#endif
