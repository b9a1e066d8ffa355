/* GetItemEstimate requests in both forms: 14.0 and later (Options/FilterType), and 12.1 (Class,
 * CollectionId, FilterType, SyncKey directly in the Collection, MS-ASCMD 6.20). */
#include <string.h>

#include "check.h"
#include "eas/sync.h"
#include "eas/wbxml.h"
#include "wbxml_log.h"

/* 1 when the bytes in got[0..n) equal the WBXML of xml. */
static int same_as(const uint8_t *got, size_t n, const char *xml)
{
    static uint8_t want[1024];
    mem_sink m = {want, sizeof want, 0};
    eas_wbxml_writer w;
    size_t off = 0;
    eas_wbxml_writer_init(&w, (eas_sink){mem_sink_write, &m});
    if (eas_xml_to_wbxml(xml, strlen(xml), &w, &off) != EAS_OK || eas_wbxml_writer_finish(&w) != EAS_OK) return 0;
    return m.len == n && memcmp(want, got, n) == 0;
}

static size_t write_121(eas_class cls, const char *key, const char *id, uint8_t filter, uint8_t *out, size_t cap)
{
    mem_sink m = {out, cap, 0};
    eas_wbxml_writer w;
    eas_wbxml_writer_init(&w, (eas_sink){mem_sink_write, &m});
    if (eas_estimate_request_write_121(&w, cls, key, id, filter) != EAS_OK || eas_wbxml_writer_finish(&w) != EAS_OK)
        return 0;
    return m.len;
}

TEST(estimate_request_121_form)
{
    static uint8_t got[1024];
    size_t n = write_121(EAS_CLASS_CALENDAR, "42", "vevent%2Fpersonal", 4, got, sizeof got);
    CHECK(n > 0);
    CHECK(same_as(got, n,
                  "<GetItemEstimate xmlns=\"GetItemEstimate:\" xmlns:A=\"AirSync:\"><Collections><Collection>"
                  "<Class>Calendar</Class><CollectionId>vevent%2Fpersonal</CollectionId><A:FilterType>4</A:FilterType>"
                  "<A:SyncKey>42</A:SyncKey></Collection></Collections></GetItemEstimate>"));
    /* No filter is FilterType 0 (the element is required in this form); no class, no Class. */
    n = write_121(EAS_CLASS_NONE, "1", "c1", EAS_FILTER_NONE, got, sizeof got);
    CHECK(n > 0);
    CHECK(same_as(got, n,
                  "<GetItemEstimate xmlns=\"GetItemEstimate:\" xmlns:A=\"AirSync:\"><Collections><Collection>"
                  "<CollectionId>c1</CollectionId><A:FilterType>0</A:FilterType><A:SyncKey>1</A:SyncKey>"
                  "</Collection></Collections></GetItemEstimate>"));
    n = write_121(EAS_CLASS_CONTACTS, "1", "c1", EAS_FILTER_NONE, got, sizeof got);
    CHECK(n > 0 && same_as(got, n,
                           "<GetItemEstimate xmlns=\"GetItemEstimate:\" xmlns:A=\"AirSync:\"><Collections><Collection>"
                           "<Class>Contacts</Class><CollectionId>c1</CollectionId><A:FilterType>0</A:FilterType>"
                           "<A:SyncKey>1</A:SyncKey></Collection></Collections></GetItemEstimate>"));
    /* The 14.0 form is not this one. */
    mem_sink m = {got, sizeof got, 0};
    eas_wbxml_writer w;
    eas_wbxml_writer_init(&w, (eas_sink){mem_sink_write, &m});
    CHECK_OK(eas_estimate_request_write(&w, "42", "vevent%2Fpersonal", 4));
    CHECK_OK(eas_wbxml_writer_finish(&w));
    CHECK(same_as(got, m.len,
                  "<GetItemEstimate xmlns=\"GetItemEstimate:\" xmlns:A=\"AirSync:\"><Collections><Collection>"
                  "<A:SyncKey>42</A:SyncKey><CollectionId>vevent%2Fpersonal</CollectionId><A:Options>"
                  "<A:FilterType>4</A:FilterType></A:Options></Collection></Collections></GetItemEstimate>"));
}
