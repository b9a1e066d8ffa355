/* The Sync request (MS-ASCMD 2.2.1.21): a collection's first request names the elements the device
 * manages (Supported), so that the server keeps the rest when a whole-item Change leaves them out; the
 * requests after it never repeat it. */
#include <string.h>

#include "check.h"
#include "eas/item.h"
#include "eas/sync.h"
#include "eas/wbxml.h"
#include "wbxml_log.h"

static size_t request(const char *key, eas_class cls, uint8_t *out, size_t cap)
{
    mem_sink m = {out, cap, 0};
    eas_wbxml_writer w;
    eas_sync_request r;
    memset(&r, 0, sizeof r);
    r.sync_key = key;
    r.collection_id = "cal";
    r.cls = (uint8_t)cls;
    r.get_changes = 1;
    r.filter_type = EAS_FILTER_NONE;
    r.supported = eas_item_supported(cls, &r.supported_n);
    eas_wbxml_writer_init(&w, (eas_sink){mem_sink_write, &m});
    if (eas_sync_request_write(&w, &r) != EAS_OK || eas_wbxml_writer_finish(&w) != EAS_OK) return 0;
    return m.len;
}

TEST(sync_first_request_names_what_the_device_manages)
{
    static uint8_t got[1024], want[1024];
    size_t n = request("0", EAS_CLASS_CALENDAR, got, sizeof got);
    size_t k = xml_to_wbxml(
        "<Sync xmlns=\"AirSync:\" xmlns:c=\"Calendar:\"><Collections><Collection><SyncKey>0</SyncKey>"
        "<CollectionId>cal</CollectionId><Supported><c:Timezone/><c:AllDayEvent/><c:StartTime/><c:EndTime/>"
        "<c:Subject/><c:Location/><c:OrganizerName/><c:OrganizerEmail/><c:UID/><c:BusyStatus/><c:MeetingStatus/>"
        "<c:Sensitivity/><c:Reminder/><c:DtStamp/><c:Recurrence/><c:Exceptions/><c:Attendees/></Supported>"
        "</Collection></Collections></Sync>",
        want, sizeof want);
    CHECK(n > 0 && n == k && memcmp(got, want, n) == 0);
    /* contacts: what the record keeps, never the body */
    size_t cn = 0;
    const eas_tag *c = eas_item_supported(EAS_CLASS_CONTACTS, &cn);
    CHECK(c && cn > 10);
    for (size_t i = 0; i < cn; i++) CHECK(c[i] != EAS_AirSyncBase_Data && c[i] != EAS_AirSyncBase_Body);
    /* mail and tasks have no ghosting: no Supported */
    CHECK(eas_item_supported(EAS_CLASS_EMAIL, &cn) == NULL && cn == 0);
    CHECK(eas_item_supported(EAS_CLASS_TASKS, &cn) == NULL && cn == 0);
    n = request("0", EAS_CLASS_TASKS, got, sizeof got);
    k = xml_to_wbxml("<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>0</SyncKey>"
                     "<CollectionId>cal</CollectionId></Collection></Collections></Sync>",
                     want, sizeof want);
    CHECK(n > 0 && n == k && memcmp(got, want, n) == 0);
}

TEST(sync_later_requests_do_not_repeat_supported)
{
    static uint8_t got[1024], want[1024];
    size_t n = request("S2", EAS_CLASS_CALENDAR, got, sizeof got);
    size_t k = xml_to_wbxml("<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>S2</SyncKey>"
                            "<CollectionId>cal</CollectionId><GetChanges/></Collection></Collections></Sync>",
                            want, sizeof want);
    CHECK(n > 0 && n == k && memcmp(got, want, n) == 0);
}
