/* Test helpers for the WBXML codec: a reader handler that writes every event to a text log (strings and
 * opaque values merged across pieces, so that any chunking gives the same log), and a memory sink. */
#ifndef EAS_TEST_WBXML_LOG_H
#define EAS_TEST_WBXML_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "eas/wbxml.h"

typedef struct {
    char *text;
    size_t cap, len;
    int overflow;
    int in_value;      /* a string or opaque value is being collected */
    int pending_empty; /* the last start had no content: its end is implied */
} wbxml_log;

extern const eas_wbxml_handler wbxml_log_handler;
void wbxml_log_init(wbxml_log *log, char *buf, size_t cap);

typedef struct {
    uint8_t *buf;
    size_t cap, len;
} mem_sink;

eas_err mem_sink_write(void *ctx, const uint8_t *data, size_t len);

/* The test XML (eas_xml_to_wbxml's form) as WBXML in out: its length, 0 (said on stderr) when it is bad. */
size_t xml_to_wbxml(const char *xml, uint8_t *out, size_t cap);

/* Decodes doc[0..len) fed in pieces: split > 0 cuts once at split; step > 0 feeds step bytes at a time.
 * Returns the reader's final result; log receives the events; *offset the error offset. */
eas_err wbxml_decode_log(const uint8_t *doc, size_t len, size_t split, size_t step, wbxml_log *log,
                         uint32_t *offset);

#endif
