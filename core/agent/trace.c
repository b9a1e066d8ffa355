/* The trace tap: each request and response as text for the application's trace callback, the
 * credentials cut out. While tracing, the response body's WBXML events reach the command's decoder
 * through the tee here, and the XML printer too (else the reader feeds the decoder directly, agent.c).
 * Compiled in only with EAS_ENABLE_TRACE. */
#include <string.h>

#include "agent_int.h"
#include "eas/bytes.h"

/* ------------------------------------------------------------------- the decoder's tee */

/* The decoder of the phase under way (its state is a->dec). */
static const eas_wbxml_handler *decoder_of(const eas_agent *a) { return eas_phases[a->phase].decoder; }

#define TEE_TRACE(a) (EAS_ENABLE_TRACE && (a)->ev.trace)

static eas_err tee_start(void *user, eas_tag tag, int has_content)
{
    eas_agent *a = user;
    const eas_wbxml_handler *h = decoder_of(a);
#if EAS_ENABLE_TRACE
    if (TEE_TRACE(a)) eas_wbxml_xml_handler.start(&a->trace_printer, tag, has_content);
#endif
    return h && h->start ? h->start(&a->dec, tag, has_content) : EAS_OK;
}

static eas_err tee_end(void *user, eas_tag tag)
{
    eas_agent *a = user;
    const eas_wbxml_handler *h = decoder_of(a);
#if EAS_ENABLE_TRACE
    if (TEE_TRACE(a)) eas_wbxml_xml_handler.end(&a->trace_printer, tag);
#endif
    return h && h->end ? h->end(&a->dec, tag) : EAS_OK;
}

static eas_err tee_text(void *user, const uint8_t *data, size_t len, int last)
{
    eas_agent *a = user;
    const eas_wbxml_handler *h = decoder_of(a);
#if EAS_ENABLE_TRACE
    if (TEE_TRACE(a)) eas_wbxml_xml_handler.text(&a->trace_printer, data, len, last);
#endif
    return h && h->text ? h->text(&a->dec, data, len, last) : EAS_OK;
}

static eas_err tee_opaque(void *user, const uint8_t *data, size_t len, uint32_t total, int last)
{
    eas_agent *a = user;
    const eas_wbxml_handler *h = decoder_of(a);
#if EAS_ENABLE_TRACE
    if (TEE_TRACE(a)) eas_wbxml_xml_handler.opaque(&a->trace_printer, data, len, total, last);
#endif
    return h && h->opaque ? h->opaque(&a->dec, data, len, total, last) : EAS_OK;
}

const eas_wbxml_handler eas_trace_tee = {tee_start, tee_end, tee_text, tee_opaque};

/* ------------------------------------------------------------------------------ the text */

#if EAS_ENABLE_TRACE
static void trace_text(eas_agent *a, eas_trace_dir dir, const char *text, size_t len)
{
    if (a->ev.trace) a->ev.trace(a->ev.ctx, dir, text, len);
}

static eas_err trace_sink_req(void *ctx, const uint8_t *data, size_t len)
{
    trace_text(ctx, EAS_TRACE_REQUEST, (const char *)data, len);
    return EAS_OK;
}

static eas_err trace_sink_resp(void *ctx, const uint8_t *data, size_t len)
{
    trace_text(ctx, EAS_TRACE_RESPONSE, (const char *)data, len);
    return EAS_OK;
}

void eas_trace_request(eas_agent *a)
{
    size_t req_len = 0, head_len = 0;
    if (!a->ev.trace) return;
    const uint8_t *req = eas_exchange_request_bytes(&a->x, &req_len, &head_len);
    const char *head = (const char *)req;
    size_t pos = 0;
    while (pos < head_len) {
        const char *line = head + pos;
        const char *eol = memchr(line, '\r', head_len - pos);
        size_t n = eol ? (size_t)(eol - line) : head_len - pos;
        if (n == 0) break;
        if (eas_ascii_iprefix(line, n, "authorization:"))
            trace_text(a, EAS_TRACE_REQUEST, "Authorization: [redacted]\n", 26);
        else {
            trace_text(a, EAS_TRACE_REQUEST, line, n);
            trace_text(a, EAS_TRACE_REQUEST, "\n", 1);
        }
        pos += n + 2;
    }
    if (req_len > head_len) {
        eas_wbxml_reader r;
        eas_wbxml_xml_printer_init(&a->trace_printer, (eas_sink){trace_sink_req, a}, 0);
        eas_wbxml_reader_init(&r, &eas_wbxml_xml_handler, &a->trace_printer);
        eas_wbxml_reader_feed(&r, req + head_len, req_len - head_len);
        eas_wbxml_xml_printer_finish(&a->trace_printer);
    }
}

void eas_trace_header(eas_agent *a, const char *name, size_t name_len, const char *value, size_t value_len)
{
    if (!a->ev.trace) return;
    trace_text(a, EAS_TRACE_RESPONSE, name, name_len);
    trace_text(a, EAS_TRACE_RESPONSE, ": ", 2);
    trace_text(a, EAS_TRACE_RESPONSE, value, value_len);
    trace_text(a, EAS_TRACE_RESPONSE, "\n", 1);
}

void eas_trace_status(eas_agent *a, uint16_t status)
{
    if (!a->ev.trace) return;
    char line[24] = "HTTP status ";
    line[12] = (char)('0' + status / 100 % 10);
    line[13] = (char)('0' + status / 10 % 10);
    line[14] = (char)('0' + status % 10);
    line[15] = '\n';
    trace_text(a, EAS_TRACE_RESPONSE, line, 16);
    eas_wbxml_xml_printer_init(&a->trace_printer, (eas_sink){trace_sink_resp, a}, 0);
}

void eas_trace_flush_response(eas_agent *a)
{
    if (a->ev.trace && a->body_ok) eas_wbxml_xml_printer_finish(&a->trace_printer);
}
#else
void eas_trace_request(eas_agent *a) { (void)a; }
void eas_trace_header(eas_agent *a, const char *name, size_t name_len, const char *value, size_t value_len)
{
    (void)a, (void)name, (void)name_len, (void)value, (void)value_len;
}
void eas_trace_status(eas_agent *a, uint16_t status) { (void)a, (void)status; }
void eas_trace_flush_response(eas_agent *a) { (void)a; }
#endif
