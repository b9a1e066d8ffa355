/* Looking names up in the Global Address List: Search with the GAL store (MS-ASCMD 2.2.1.16, every
 * protocol version) and Find with a GALSearchCriterion (2.2.1.2, 16.1 only). Both answers carry the
 * same GAL properties, so one streaming decoder reads either: each entry goes to the caller's callback
 * as soon as its Result closes, in the one eas_gal_entry the decoder owns (no list is kept; RAM does
 * not grow with the number of results). Photos are not asked for unless the query says so, and their
 * data never lands in RAM: it streams to the caller's sink, base64 as the server sent it. */
#ifndef EAS_GAL_H
#define EAS_GAL_H

#include <stdint.h>

#include "eas/config.h"
#include "eas/err.h"
#include "eas/sink.h"
#include "eas/wbxml.h"

/* Search Status values (MS-ASCMD 2.2.3.177.13), of the command and of its Store. */
enum {
    EAS_SEARCH_OK = 1,
    EAS_SEARCH_INVALID_REQUEST = 2,
    EAS_SEARCH_SERVER_ERROR = 3,
    EAS_SEARCH_BAD_LINK = 4,
    EAS_SEARCH_ACCESS_DENIED = 5,
    EAS_SEARCH_NOT_FOUND = 6,
    EAS_SEARCH_CONNECTION_FAILED = 7,
    EAS_SEARCH_TOO_COMPLEX = 8,
    EAS_SEARCH_TIMED_OUT = 10,
    EAS_SEARCH_FOLDERSYNC_REQUIRED = 11,
    EAS_SEARCH_END_OF_RANGE = 12, /* the Range asked for is past what the server returns */
    EAS_SEARCH_ACCESS_BLOCKED = 13,
    EAS_SEARCH_CREDENTIALS_REQUIRED = 14
};

/* Find Status values (MS-ASCMD 2.2.3.177.2). */
enum {
    EAS_FIND_OK = 1,
    EAS_FIND_INVALID_REQUEST = 2,
    EAS_FIND_FOLDERSYNC_REQUIRED = 3,
    EAS_FIND_START_RANGE_NOT_ZERO = 4
};

/* The GAL properties kept per entry (GAL code page 16), in this order. */
typedef enum {
    EAS_GAL_DISPLAY_NAME,
    EAS_GAL_FIRST_NAME,
    EAS_GAL_LAST_NAME,
    EAS_GAL_EMAIL,
    EAS_GAL_PHONE,
    EAS_GAL_MOBILE_PHONE,
    EAS_GAL_HOME_PHONE,
    EAS_GAL_OFFICE,
    EAS_GAL_COMPANY,
    EAS_GAL_TITLE,
    EAS_GAL_ALIAS,
    EAS_GAL_FIELD_COUNT
} eas_gal_field;

typedef struct eas_gal_entry {
    char field[EAS_GAL_FIELD_COUNT][EAS_GAL_FIELD_MAX]; /* "" when the server sent none */
    uint16_t truncated;      /* bit (1 << eas_gal_field): the value was longer than EAS_GAL_FIELD_MAX - 1
                              * bytes and was cut on a UTF-8 boundary */
    uint8_t picture_status;  /* gal:Picture's Status (1 found, 173 none, 174/175 limits), 0: no Picture */
    uint32_t picture_bytes;  /* bytes of gal:Data passed to the picture sink */
} eas_gal_entry;

/* The GAL tag of a field (EAS_GAL_DisplayName ...). */
eas_tag eas_gal_field_tag(eas_gal_field f);

typedef struct eas_gal_query {
    const char *text;   /* what names, addresses, aliases begin with (1 to EAS_GAL_QUERY_MAX bytes) */
    uint32_t max;       /* results asked for: Range 0-(max-1); 0 means the server's default */
    uint32_t first;     /* first result (paging: Range first-(first+max-1)); Find needs 0 */
    uint8_t pictures;   /* ask for contact photos */
    uint32_t picture_max_size; /* bytes per photo (0: no limit sent) */
    uint32_t max_pictures;     /* photos per answer (0: no limit sent) */
} eas_gal_query;

/* EAS_ERR_ARG for a query text empty, longer than EAS_GAL_QUERY_MAX or holding a control character,
 * or for more than EAS_GAL_MAX_RESULTS results asked at once. */
eas_err eas_gal_query_check(const eas_gal_query *q);
/* <Search><Store><Name>GAL</Name><Query>...</Query><Options><Range>..</Range>[<Picture>]</Options>. */
eas_err eas_search_gal_request_write(eas_wbxml_writer *w, const eas_gal_query *q);
/* <Find><SearchId>id</SearchId><ExecuteSearch><GALSearchCriterion>...; search_id is a GUID text
 * (eas_gal_search_id makes one from 16 random bytes). */
eas_err eas_find_gal_request_write(eas_wbxml_writer *w, const eas_gal_query *q, const char *search_id);
#define EAS_GAL_SEARCH_ID_SIZE 37u
void eas_gal_search_id(const uint8_t random[16], char out[EAS_GAL_SEARCH_ID_SIZE]);

/* Called for each entry; an error return stops decoding and is returned by the reader. */
typedef eas_err (*eas_gal_entry_fn)(void *ctx, const eas_gal_entry *e);

typedef struct eas_gal_decoder {
    eas_gal_entry_fn on_entry;
    void *ctx;
    eas_sink picture; /* where photo data goes (write NULL: dropped) */
    /* results */
    uint32_t status;       /* of the command (0 until read) */
    uint32_t store_status; /* of the Store (Search) or the Response (Find) */
    uint32_t range_first, range_last; /* the Range answered (have_range) */
    uint32_t total;        /* Total: matches on the server (have_total) */
    uint32_t entries;      /* entries delivered */
    uint8_t have_range, have_total;
    uint8_t find;          /* the answer is a Find (else Search) */
    /* decoding state */
    uint8_t depth;
    uint8_t in_result;
    uint8_t in_picture;
    int8_t field;          /* eas_gal_field being read, -1 none */
    eas_tag number;        /* Status/Range/Total whose text is being read, 0 none */
    eas_gal_entry cur;
    char text[24];
    eas_wbxml_textbuf tb;
} eas_gal_decoder;

extern const eas_wbxml_handler eas_gal_handler; /* user: eas_gal_decoder * */
void eas_gal_decoder_init(eas_gal_decoder *d, eas_gal_entry_fn on_entry, void *ctx, eas_sink picture);
/* After the reader finished: EAS_ERR_PROTOCOL when the document was neither answer or had no Status. */
eas_err eas_gal_decoder_finish(const eas_gal_decoder *d);
/* The status that decides (the Store's or Response's when the command's was 1). */
uint32_t eas_gal_decoder_status(const eas_gal_decoder *d);

#endif
