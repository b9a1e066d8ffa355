/* The Autodiscover v1 request body (MS-ASCMD 2.2.1.1.1, the mobilesync request schema). */
#include <string.h>

#include "eas/autodiscover.h"

static eas_err put(eas_sink sink, const char *s, size_t n, size_t *len)
{
    *len += n;
    return sink.write ? sink.write(sink.ctx, (const uint8_t *)s, n) : EAS_OK;
}

eas_err eas_pox_write_request(eas_sink sink, const char *address, size_t *len)
{
    static const char head[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
                               "<Autodiscover xmlns=\"" EAS_POX_REQUEST_NS "\">"
                               "<Request><EMailAddress>";
    static const char tail[] = "</EMailAddress><AcceptableResponseSchema>" EAS_POX_RESPONSE_SCHEMA
                               "</AcceptableResponseSchema></Request></Autodiscover>\r\n";
    size_t n = 0, run = 0, alen;
    eas_err e;
    if (!address || !len) return EAS_ERR_ARG;
    for (alen = 0; alen < EAS_DISCOVER_ADDRESS_MAX && address[alen] != '\0'; alen++) {}
    if (alen == 0 || alen >= EAS_DISCOVER_ADDRESS_MAX) return EAS_ERR_ARG;
    for (size_t i = 0; i < alen; i++)
        if ((unsigned char)address[i] < 0x20 || address[i] == 0x7f) return EAS_ERR_ARG;
    *len = 0;
    if ((e = put(sink, head, sizeof head - 1, &n)) != EAS_OK) return e;
    /* Runs of plain bytes go out in one write; the three characters XML text cannot hold as such are
     * written as references. */
    for (size_t i = 0; i <= alen; i++) {
        const char *ref = NULL;
        if (i < alen) {
            if (address[i] == '<') ref = "&lt;";
            else if (address[i] == '>') ref = "&gt;";
            else if (address[i] == '&') ref = "&amp;";
            else continue;
        }
        if ((e = put(sink, address + run, i - run, &n)) != EAS_OK) return e;
        if (ref && (e = put(sink, ref, strlen(ref), &n)) != EAS_OK) return e;
        run = i + 1;
    }
    if ((e = put(sink, tail, sizeof tail - 1, &n)) != EAS_OK) return e;
    *len = n;
    return EAS_OK;
}
