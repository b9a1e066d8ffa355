/* Streaming WBXML 1.3 codec for ActiveSync (MS-ASWBXML), zero malloc.
 *
 * Reader: bytes go in as they come off the socket, in pieces of any size (one byte at a time works);
 * events come out through callbacks. No document tree and no copy of the input: the reader keeps only
 * its position in the grammar, the current code page and the stack of open tags
 * (EAS_WBXML_MAX_DEPTH). Strings and opaque data reach the consumer in pieces, each call saying whether
 * it is the last one; eas_wbxml_textbuf collects them into a bounded buffer with a truncation flag.
 *
 * Writer: tokens go out to an eas_sink as they are produced. SWITCH_PAGE is emitted only when the page
 * changes. A writer whose sink has no write function only counts, which gives the exact body length
 * before sending (HTTP needs Content-Length): encode once to count, once to send. */
#ifndef EAS_WBXML_H
#define EAS_WBXML_H

#include <stddef.h>
#include <stdint.h>

#include "eas/config.h"
#include "eas/err.h"
#include "eas/sink.h"
#include "eas/wbxml_tags.h"

/* WBXML global tokens (WBXML 1.3, section 7.1). */
enum {
    EAS_WBXML_SWITCH_PAGE = 0x00,
    EAS_WBXML_END = 0x01,
    EAS_WBXML_ENTITY = 0x02,
    EAS_WBXML_STR_I = 0x03,
    EAS_WBXML_LITERAL = 0x04,
    EAS_WBXML_EXT_I_0 = 0x40,
    EAS_WBXML_PI = 0x43,
    EAS_WBXML_LITERAL_C = 0x44,
    EAS_WBXML_EXT_T_0 = 0x80,
    EAS_WBXML_STR_T = 0x83,
    EAS_WBXML_LITERAL_A = 0x84,
    EAS_WBXML_EXT_0 = 0xC0,
    EAS_WBXML_OPAQUE = 0xC3,
    EAS_WBXML_LITERAL_AC = 0xC4,
    EAS_WBXML_TAG_CONTENT = 0x40,   /* bit of a tag byte: the element has content */
    EAS_WBXML_TAG_ATTRIBUTES = 0x80 /* bit of a tag byte: attributes follow (never in ActiveSync) */
};

/* ------------------------------------------------------------------------------------------ reader */

/* Callbacks of the reader; any may be NULL. A callback that returns anything but EAS_OK stops the
 * reader, which then returns that code from eas_wbxml_reader_feed. Pieces of text and opaque data
 * point into the caller's input and are valid only during the call.
 *   start:  an element opens; has_content = 0 means it has no content and end follows at once.
 *   end:    an element closes.
 *   text:   a piece of an inline string (STR_I); last = 1 on its final piece (which may be empty).
 *   opaque: a piece of OPAQUE data of total bytes; last = 1 on the final piece. */
typedef struct eas_wbxml_handler {
    eas_err (*start)(void *user, eas_tag tag, int has_content);
    eas_err (*end)(void *user, eas_tag tag);
    eas_err (*text)(void *user, const uint8_t *data, size_t len, int last);
    eas_err (*opaque)(void *user, const uint8_t *data, size_t len, uint32_t total, int last);
} eas_wbxml_handler;

typedef struct eas_wbxml_reader {
    const eas_wbxml_handler *handler;
    void *user;
    uint32_t offset;     /* bytes consumed so far */
    uint32_t err_offset; /* where the error was found */
    eas_err err;         /* sticky: once set, feed returns it */
    uint8_t state;
    uint8_t page;
    uint8_t depth;
    uint8_t mb_len;   /* bytes of the mb_u_int32 being read */
    uint32_t mb_value;
    uint32_t remaining; /* bytes left of an opaque block or of the string table */
    uint32_t total;     /* opaque: announced length; string: bytes so far */
    uint64_t page_mask; /* tokens of the current page */
    eas_tag stack[EAS_WBXML_MAX_DEPTH];
} eas_wbxml_reader;

void eas_wbxml_reader_init(eas_wbxml_reader *r, const eas_wbxml_handler *handler, void *user);
/* Consumes len bytes. Returns EAS_OK when they were all taken (the document may still be incomplete),
 * or the first error, which stays: later calls return it again. */
eas_err eas_wbxml_reader_feed(eas_wbxml_reader *r, const uint8_t *data, size_t len);
/* The input has ended: EAS_OK if it held exactly one complete document, EAS_ERR_WBXML_TRUNCATED (or
 * EAS_ERR_WBXML_EMPTY) otherwise. */
eas_err eas_wbxml_reader_finish(eas_wbxml_reader *r);
/* Byte offset of the error: the byte that could not be accepted, or the end of input on truncation. */
uint32_t eas_wbxml_reader_error_offset(const eas_wbxml_reader *r);
/* 1 once the root element has closed. */
int eas_wbxml_reader_complete(const eas_wbxml_reader *r);

/* A bounded buffer for one string or opaque value, fed by the text/opaque callbacks: keeps the first
 * cap - 1 bytes, NUL-terminates, and sets truncated when more arrived. */
typedef struct eas_wbxml_textbuf {
    char *buf;
    size_t cap;
    size_t len;
    uint8_t truncated;
} eas_wbxml_textbuf;

void eas_wbxml_textbuf_init(eas_wbxml_textbuf *t, char *buf, size_t cap);
void eas_wbxml_textbuf_append(eas_wbxml_textbuf *t, const uint8_t *data, size_t len);

/* ------------------------------------------------------------------------------------------ writer */

typedef struct eas_wbxml_writer {
    eas_sink sink;
    uint32_t bytes; /* produced so far (also when only counting) */
    eas_err err;    /* sticky */
    uint8_t page;
    uint8_t depth;
    uint8_t header_done;
    uint8_t root_closed;
    uint8_t in_string;       /* between str_begin and str_end */
    uint32_t opaque_left;    /* bytes still owed to an opaque_begin */
} eas_wbxml_writer;

void eas_wbxml_writer_init(eas_wbxml_writer *w, eas_sink sink);
/* An element with content; close it with eas_wbxml_end. */
eas_err eas_wbxml_start(eas_wbxml_writer *w, eas_tag tag);
/* An element without content (<Tag/>). */
eas_err eas_wbxml_empty(eas_wbxml_writer *w, eas_tag tag);
eas_err eas_wbxml_end(eas_wbxml_writer *w);
/* An inline string; EAS_ERR_ARG if it holds a NUL byte. */
eas_err eas_wbxml_str(eas_wbxml_writer *w, const char *s, size_t len);
eas_err eas_wbxml_opaque(eas_wbxml_writer *w, const uint8_t *data, size_t len);
/* The same in pieces, for values that are not in memory at once: a string is begun, appended to any
 * number of times and ended; opaque data announces its total length first, and exactly that many bytes
 * must follow before the next token (else EAS_ERR_STATE). */
eas_err eas_wbxml_str_begin(eas_wbxml_writer *w);
eas_err eas_wbxml_str_part(eas_wbxml_writer *w, const char *s, size_t len);
eas_err eas_wbxml_str_end(eas_wbxml_writer *w);
eas_err eas_wbxml_opaque_begin(eas_wbxml_writer *w, uint32_t total);
eas_err eas_wbxml_opaque_part(eas_wbxml_writer *w, const uint8_t *data, size_t len);
/* <tag>s</tag> for a NUL-terminated s. */
eas_err eas_wbxml_text_element(eas_wbxml_writer *w, eas_tag tag, const char *s);
/* EAS_OK when exactly one root element was written and closed; otherwise the sticky error or
 * EAS_ERR_STATE. */
eas_err eas_wbxml_writer_finish(const eas_wbxml_writer *w);

/* --------------------------------------------------------------------------------- XML conversion */

/* A reader handler that prints the document as indented XML text to a sink, each code page as a
 * namespace the way MS-ASCMD's examples write it (<Sync xmlns="AirSync:">, xmlns:calendar="Calendar:"),
 * and opaque data as base64. Namespaces are declared on the root for the pages in declare_pages
 * (a bitmask, e.g. from a first pass), and otherwise on the first element that needs them. */
typedef struct eas_wbxml_xml_printer {
    eas_sink sink;
    eas_err sink_err;
    uint32_t declare_pages;
    uint8_t depth;
    uint8_t root_page;
    uint8_t open_pending; /* start tag written without its '>' */
    uint8_t had_child;    /* current element has child elements */
    uint8_t empty_pending; /* an element without content was written; skip its end event */
    uint8_t b64_len;      /* bytes held for the base64 of an opaque block */
    uint8_t b64_hold[3];
    uint16_t out_len;
    uint8_t out_buf[EAS_WBXML_XML_OUTBUF];
    uint32_t scope[EAS_WBXML_MAX_DEPTH + 1]; /* pages declared in scope at each depth */
} eas_wbxml_xml_printer;

extern const eas_wbxml_handler eas_wbxml_xml_handler;
void eas_wbxml_xml_printer_init(eas_wbxml_xml_printer *p, eas_sink sink, uint32_t declare_pages);
/* Ends the output with a newline and flushes the printer's buffer to the sink; returns the first sink
 * error, if any. */
eas_err eas_wbxml_xml_printer_finish(eas_wbxml_xml_printer *p);

/* A reader handler that only records which code pages a document uses (for declare_pages). */
extern const eas_wbxml_handler eas_wbxml_page_scan_handler; /* user: uint32_t * mask */

/* Encodes XML text (the form the printer writes, or MS-ASCMD's examples) as WBXML to a writer.
 * Elements must be in an ActiveSync namespace ("AirSync:", or a prefix bound to one); whitespace
 * between elements is dropped; text is an inline string, except in elements that ActiveSync carries
 * as opaque data (eas_wbxml_tag_is_opaque), whose text is base64. Bounded: no recursion, nesting up to
 * EAS_WBXML_MAX_DEPTH. *err_offset receives the byte offset of an error in the XML text. */
eas_err eas_xml_to_wbxml(const char *xml, size_t len, eas_wbxml_writer *w, size_t *err_offset);
/* Whether ActiveSync carries this element's value as OPAQUE data. */
int eas_wbxml_tag_is_opaque(eas_tag tag);

#endif
