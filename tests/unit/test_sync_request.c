/* The Sync request (MS-ASCMD 2.2.1.21): a collection's first request names the elements the device
 * manages (Supported), so that the server keeps the rest when a whole-item Change leaves them out; the
 * requests after it never repeat it. The first Sync of several collections in one request, and its
 * answer's decoder (whole, in pieces, malformed, cut). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "eas/item.h"
#include "eas/sync.h"
#include "eas/wbxml.h"
#include "wbxml_log.h"

/* What a calendar's first request names (eas_item_supported), with xmlns:c="Calendar:". */
#define CAL_SUPPORTED                                                                                               \
    "<Supported><c:Timezone/><c:AllDayEvent/><c:StartTime/><c:EndTime/><c:Subject/><c:Location/><c:OrganizerName/>" \
    "<c:OrganizerEmail/><c:UID/><c:BusyStatus/><c:MeetingStatus/><c:Sensitivity/><c:Reminder/><c:DtStamp/>"          \
    "<c:Recurrence/><c:Exceptions/><c:Attendees/></Supported>"

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
        "<CollectionId>cal</CollectionId>" CAL_SUPPORTED
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

/* ---- the first Sync of several collections in one request ---- */

static eas_err three(void *ctx, unsigned i, eas_sync_request *r)
{
    static const char *const ids[] = {"cal", "tasks", "contacts"};
    static const eas_class cls[] = {EAS_CLASS_CALENDAR, EAS_CLASS_TASKS, EAS_CLASS_CONTACTS};
    (void)ctx;
    if (i >= 3) return EAS_ERR_ARG;
    r->collection_id = ids[i];
    r->sync_key = "S9"; /* ignored: every one goes at 0 */
    r->get_changes = 1;
    r->window_size = 100;
    r->supported = eas_item_supported(cls[i], &r->supported_n);
    return EAS_OK;
}

static int has_bytes(const uint8_t *buf, size_t len, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(buf + i, s, n) == 0) return 1;
    return 0;
}

static size_t init_request(unsigned n, uint8_t *out, size_t cap)
{
    mem_sink m = {out, cap, 0};
    eas_wbxml_writer w;
    eas_wbxml_writer_init(&w, (eas_sink){mem_sink_write, &m});
    if (eas_sync_init_request_write(&w, n, three, NULL) != EAS_OK || eas_wbxml_writer_finish(&w) != EAS_OK) return 0;
    return m.len;
}

TEST(sync_init_request_carries_every_collection_at_key_0_with_its_supported)
{
    static uint8_t got[2048], want[2048];
    /* Each Collection as a collection's first request has it: SyncKey 0, CollectionId, its Supported;
     * no GetChanges, WindowSize or Options whatever the description says. */
    size_t n = init_request(2, got, sizeof got);
    size_t k = xml_to_wbxml(
        "<Sync xmlns=\"AirSync:\" xmlns:c=\"Calendar:\"><Collections><Collection><SyncKey>0</SyncKey>"
        "<CollectionId>cal</CollectionId>" CAL_SUPPORTED
        "</Collection><Collection><SyncKey>0</SyncKey><CollectionId>tasks</CollectionId></Collection>"
        "</Collections></Sync>",
        want, sizeof want);
    CHECK(n > 0 && n == k && memcmp(got, want, n) == 0);
    /* The third, contacts, with its own Supported list. */
    size_t cn = 0;
    eas_item_supported(EAS_CLASS_CONTACTS, &cn);
    size_t n3 = init_request(3, got, sizeof got);
    CHECK(n3 > n + 8 + cn && has_bytes(got, n3, "contacts"));
    /* n 0: refused */
    mem_sink m = {got, sizeof got, 0};
    eas_wbxml_writer w;
    eas_wbxml_writer_init(&w, (eas_sink){mem_sink_write, &m});
    CHECK_EQ(eas_sync_init_request_write(&w, 0, three, NULL), EAS_ERR_ARG);
    CHECK_EQ(eas_sync_init_request_write(&w, 4, three, NULL), EAS_ERR_ARG); /* the callback's error ends it */
}

/* ---- its answer ---- */

typedef struct {
    int n;
    char log[512];
    int fail_at; /* the callback refuses the n-th collection (1-based; 0: none) */
} init_seen;

static eas_err on_init(void *ctx, const char *id, const char *key, uint32_t status, int carried)
{
    init_seen *s = ctx;
    size_t used = strlen(s->log);
    s->n++;
    snprintf(s->log + used, sizeof s->log - used, "%s=%s/%u%s;", id, key, (unsigned)status, carried ? "+" : "");
    return s->n == s->fail_at ? EAS_ERR_PROTOCOL : EAS_OK;
}

/* Decodes the answer xml in pieces of step bytes (0: whole) for at most max collections. */
static eas_err init_decode(const char *xml, unsigned max, size_t step, init_seen *s, eas_sync_init_decoder *d)
{
    static uint8_t doc[2048];
    size_t len = xml_to_wbxml(xml, doc, sizeof doc);
    if (len == 0) return EAS_ERR_ARG;
    eas_wbxml_reader r;
    eas_sync_init_decoder_init(d, max, on_init, s);
    eas_wbxml_reader_init(&r, &eas_sync_init_handler, d);
    eas_err e = EAS_OK;
    if (!step) step = len;
    for (size_t i = 0; i < len && e == EAS_OK; i += step) e = eas_wbxml_reader_feed(&r, doc + i, len - i < step ? len - i : step);
    if (e == EAS_OK) e = eas_wbxml_reader_finish(&r);
    if (e == EAS_OK) e = eas_sync_init_decoder_finish(d);
    return e;
}

static const char *const INIT_ANSWER =
    "<Sync xmlns=\"AirSync:\" xmlns:c=\"Calendar:\"><Collections>"
    "<Collection><SyncKey>C1</SyncKey><CollectionId>cal</CollectionId><Status>1</Status></Collection>"
    "<Collection><Class>Tasks</Class><CollectionId>tasks</CollectionId><Status>3</Status><SyncKey>0</SyncKey></Collection>"
    "<Collection><SyncKey>P1</SyncKey><CollectionId>contacts</CollectionId><Status>1</Status><Commands><Add>"
    "<ServerId>x1</ServerId><ApplicationData><c:Subject>Not taken</c:Subject></ApplicationData><Status>7</Status>"
    "</Add></Commands></Collection></Collections></Sync>";

TEST(sync_init_answer_gives_each_collection_its_key_and_status)
{
    static eas_sync_init_decoder d;
    for (size_t step = 0; step <= 7; step++) {
        init_seen s;
        memset(&s, 0, sizeof s);
        CHECK_OK(init_decode(INIT_ANSWER, 3, step, &s, &d));
        CHECK_EQ(s.n, 3);
        /* the Add's Status 7 stays in its Add; the Commands only mark the collection */
        CHECK_STR(s.log, "cal=C1/1;tasks=0/3;contacts=P1/1+;");
        CHECK_EQ(d.top_status, 0u);
    }
    /* A top-level status alone, as for 142 or 12. */
    init_seen s;
    memset(&s, 0, sizeof s);
    CHECK_OK(init_decode("<Sync xmlns=\"AirSync:\"><Status>142</Status></Sync>", 3, 0, &s, &d));
    CHECK_EQ(d.top_status, 142u);
    CHECK_EQ(s.n, 0);
    /* A collection without a SyncKey or Status: "" and 0, for the caller to leave alone. */
    memset(&s, 0, sizeof s);
    CHECK_OK(init_decode("<Sync xmlns=\"AirSync:\"><Collections><Collection><CollectionId>cal</CollectionId>"
                         "</Collection></Collections></Sync>", 3, 0, &s, &d));
    CHECK_STR(s.log, "cal=/0;");
}

TEST(sync_init_answer_malformed_or_cut_is_an_error)
{
    static eas_sync_init_decoder d;
    char long_key[EAS_SYNC_KEY_MAX + 1];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    static char with_long_key[512];
    snprintf(with_long_key, sizeof with_long_key,
             "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>%s</SyncKey><CollectionId>cal</CollectionId>"
             "<Status>1</Status></Collection></Collections></Sync>", long_key);
    const char *const bad[] = {
        /* more collections than were asked for (2) */
        INIT_ANSWER,
        /* a Collection without its CollectionId */
        "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>C1</SyncKey><Status>1</Status></Collection>"
        "</Collections></Sync>",
        /* a key longer than a SyncKey may be */
        with_long_key,
        /* a Status that is not a number */
        "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>C1</SyncKey><CollectionId>cal</CollectionId>"
        "<Status>one</Status></Collection></Collections></Sync>",
        "<Sync xmlns=\"AirSync:\"><Status>-1</Status></Sync>",
        /* another command's answer */
        "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status></FolderSync>",
        /* nothing at all to say */
        "<Sync xmlns=\"AirSync:\"><Collections/></Sync>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        init_seen s;
        memset(&s, 0, sizeof s);
        eas_err e = init_decode(bad[i], 2, 0, &s, &d);
        CHECK_MSG(e == EAS_ERR_PROTOCOL, "answer %zu: %s", i, eas_err_name(e));
    }
    /* The callback's refusal (a collection not asked for) ends the decoding with it. */
    init_seen s;
    memset(&s, 0, sizeof s);
    s.fail_at = 2;
    CHECK_EQ(init_decode(INIT_ANSWER, 3, 0, &s, &d), EAS_ERR_PROTOCOL);
    CHECK_EQ(s.n, 2);
    /* Cut at any byte: an error (the reader's or the decoder's), and only whole collections were given. */
    static uint8_t doc[2048];
    size_t len = xml_to_wbxml(INIT_ANSWER, doc, sizeof doc);
    CHECK(len > 100);
    for (size_t cut = 0; cut < len; cut++) {
        eas_wbxml_reader r;
        memset(&s, 0, sizeof s);
        eas_sync_init_decoder_init(&d, 3, on_init, &s);
        eas_wbxml_reader_init(&r, &eas_sync_init_handler, &d);
        eas_err e = eas_wbxml_reader_feed(&r, doc, cut);
        if (e == EAS_OK) e = eas_wbxml_reader_finish(&r);
        if (e == EAS_OK) e = eas_sync_init_decoder_finish(&d);
        CHECK_MSG(e != EAS_OK, "cut at %zu of %zu taken as a whole answer", cut, len);
        CHECK_MSG(s.n <= 3 && (s.n == 0 || strstr(s.log, "cal=C1/1;") == s.log), "cut at %zu: %s", cut, s.log);
    }
}
