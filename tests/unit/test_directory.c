/* The directory commands' codecs: GAL lookups (Search, Find), ResolveRecipients with free/busy, and
 * ItemOperations Fetch of a body under a byte budget. Requests are compared byte for byte with the
 * WBXML of the XML that MS-ASCMD's examples write; answers are decoded whole and one byte at a time,
 * which must give the same results. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "eas/civil.h"
#include "eas/freebusy.h"
#include "eas/gal.h"
#include "eas/itemops.h"
#include "eas/resolve.h"
#include "eas/wbxml.h"
#include "wbxml_log.h"

/* ---- helpers ---- */

/* Feeds the WBXML of xml to handler, step bytes at a time (0: all at once). */
static eas_err decode_xml(const char *xml, const eas_wbxml_handler *h, void *user, size_t step)
{
    static uint8_t doc[65536];
    size_t n = xml_to_wbxml(xml, doc, sizeof doc);
    if (n == 0) return EAS_ERR_ARG;
    eas_wbxml_reader r;
    eas_wbxml_reader_init(&r, h, user);
    eas_err e = EAS_OK;
    if (!step) step = n;
    for (size_t i = 0; i < n && e == EAS_OK; i += step) e = eas_wbxml_reader_feed(&r, doc + i, n - i < step ? n - i : step);
    return e == EAS_OK ? eas_wbxml_reader_finish(&r) : e;
}

typedef eas_err (*write_fn)(eas_wbxml_writer *w, const void *arg);

/* 1 when the encoder's bytes equal those of the expected XML. */
static int encodes_as(eas_err (*fn)(eas_wbxml_writer *, const void *), const void *arg, const char *xml)
{
    static uint8_t got[4096], want[4096];
    mem_sink m = {got, sizeof got, 0};
    eas_wbxml_writer w;
    eas_wbxml_writer_init(&w, (eas_sink){mem_sink_write, &m});
    if (fn(&w, arg) != EAS_OK || eas_wbxml_writer_finish(&w) != EAS_OK) return 0;
    size_t n = xml_to_wbxml(xml, want, sizeof want);
    return n == m.len && memcmp(got, want, n) == 0;
}

/* ---- GAL: Search and Find ---- */

static eas_err write_search(eas_wbxml_writer *w, const void *q) { return eas_search_gal_request_write(w, q); }
static eas_err write_find(eas_wbxml_writer *w, const void *q)
{
    return eas_find_gal_request_write(w, q, "4A0C1D6E-1F2B-4C3D-8E4F-5A6B7C8D9E0F");
}

TEST(gal_search_request_is_the_spec_form)
{
    eas_gal_query q = {"Anat", 2, 0, 0, 0, 0};
    CHECK(encodes_as(write_search, &q,
                     "<Search xmlns=\"Search:\"><Store><Name>GAL</Name><Query>Anat</Query>"
                     "<Options><Range>0-1</Range></Options></Store></Search>"));
    eas_gal_query paged = {"Anat", 10, 20, 0, 0, 0};
    CHECK(encodes_as(write_search, &paged,
                     "<Search xmlns=\"Search:\"><Store><Name>GAL</Name><Query>Anat</Query>"
                     "<Options><Range>20-29</Range></Options></Store></Search>"));
    /* No Range and no Picture: no Options at all (the server's default range). */
    eas_gal_query plain = {"a", 0, 0, 0, 0, 0};
    CHECK(encodes_as(write_search, &plain,
                     "<Search xmlns=\"Search:\"><Store><Name>GAL</Name><Query>a</Query></Store></Search>"));
    eas_gal_query pic = {"Anat", 1, 0, 1, 4096, 1};
    CHECK(encodes_as(write_search, &pic,
                     "<Search xmlns=\"Search:\"><Store><Name>GAL</Name><Query>Anat</Query>"
                     "<Options><Range>0-0</Range><Picture><MaxSize>4096</MaxSize><MaxPictures>1</MaxPictures></Picture>"
                     "</Options></Store></Search>"));
}

TEST(gal_find_request_is_the_spec_form)
{
    eas_gal_query q = {"Anat", 5, 0, 0, 0, 0};
    CHECK(encodes_as(write_find, &q,
                     "<Find xmlns=\"Find:\"><SearchId>4A0C1D6E-1F2B-4C3D-8E4F-5A6B7C8D9E0F</SearchId><ExecuteSearch>"
                     "<GalSearchCriterion><Query>Anat</Query><Options><Range>0-4</Range></Options></GalSearchCriterion>"
                     "</ExecuteSearch></Find>"));
    /* Find pages only from 0 (status 4 otherwise). */
    eas_gal_query paged = {"Anat", 5, 5, 0, 0, 0};
    CHECK(!encodes_as(write_find, &paged, "<Find xmlns=\"Find:\"/>"));
    uint8_t rnd[16];
    char id[EAS_GAL_SEARCH_ID_SIZE];
    for (int i = 0; i < 16; i++) rnd[i] = (uint8_t)(0x11 * i);
    eas_gal_search_id(rnd, id);
    CHECK_STR(id, "00112233-4455-4677-8899-AABBCCDDEEFF");
}

TEST(gal_query_bounds)
{
    char longq[EAS_GAL_QUERY_MAX + 2];
    memset(longq, 'x', sizeof longq - 1);
    longq[sizeof longq - 1] = '\0';
    eas_gal_query q = {"", 0, 0, 0, 0, 0};
    CHECK_EQ(eas_gal_query_check(&q), EAS_ERR_ARG);
    q.text = longq;
    CHECK_EQ(eas_gal_query_check(&q), EAS_ERR_ARG);
    longq[EAS_GAL_QUERY_MAX] = '\0';
    CHECK_EQ(eas_gal_query_check(&q), EAS_OK);
    q.text = "tab\there";
    CHECK_EQ(eas_gal_query_check(&q), EAS_ERR_ARG);
    q.text = "ok";
    q.max = EAS_GAL_MAX_RESULTS + 1;
    CHECK_EQ(eas_gal_query_check(&q), EAS_ERR_ARG);
}

typedef struct {
    int n;
    char names[4][EAS_GAL_FIELD_MAX];
    char emails[4][EAS_GAL_FIELD_MAX];
    char phone0[EAS_GAL_FIELD_MAX];
    uint16_t truncated[4];
    uint8_t picture_status[4];
    uint32_t picture_bytes[4];
    char picture[64];
    size_t picture_len;
} gal_seen;

static eas_err on_gal(void *ctx, const eas_gal_entry *e)
{
    gal_seen *s = ctx;
    if (s->n < 4) {
        memcpy(s->names[s->n], e->field[EAS_GAL_DISPLAY_NAME], EAS_GAL_FIELD_MAX);
        memcpy(s->emails[s->n], e->field[EAS_GAL_EMAIL], EAS_GAL_FIELD_MAX);
        if (s->n == 0) memcpy(s->phone0, e->field[EAS_GAL_PHONE], EAS_GAL_FIELD_MAX);
        s->truncated[s->n] = e->truncated;
        s->picture_status[s->n] = e->picture_status;
        s->picture_bytes[s->n] = e->picture_bytes;
    }
    s->n++;
    return EAS_OK;
}

static eas_err picture_write(void *ctx, const uint8_t *data, size_t len)
{
    gal_seen *s = ctx;
    if (s->picture_len + len < sizeof s->picture) memcpy(s->picture + s->picture_len, data, len);
    s->picture_len += len;
    return EAS_OK;
}

static const char *const search_answer =
    "<Search xmlns=\"Search:\" xmlns:gal=\"GAL:\"><Status>1</Status><Response><Store><Status>1</Status>"
    "<Result><Properties><gal:DisplayName>Anat Kerry</gal:DisplayName><gal:Phone>+49 30 1234</gal:Phone>"
    "<gal:Office>B1</gal:Office><gal:Title>Lead</gal:Title><gal:Company>Contoso</gal:Company>"
    "<gal:Alias>anat</gal:Alias><gal:FirstName>Anat</gal:FirstName><gal:LastName>Kerry</gal:LastName>"
    "<gal:EmailAddress>anat@example.com</gal:EmailAddress></Properties></Result>"
    "<Result><Properties><gal:DisplayName>Anatole Room</gal:DisplayName>"
    "<gal:EmailAddress>room@example.com</gal:EmailAddress>"
    "<gal:Picture><gal:Status>1</gal:Status><gal:Data>aGVsbG8=</gal:Data></gal:Picture></Properties></Result>"
    "<Range>0-1</Range><Total>7</Total></Store></Response></Search>";

TEST(gal_search_answer_streams_each_entry)
{
    for (size_t step = 0; step <= 1; step++) {
        gal_seen s;
        memset(&s, 0, sizeof s);
        eas_gal_decoder d;
        eas_gal_decoder_init(&d, on_gal, &s, (eas_sink){picture_write, &s});
        CHECK_EQ(decode_xml(search_answer, &eas_gal_handler, &d, step), EAS_OK);
        CHECK_EQ(eas_gal_decoder_finish(&d), EAS_OK);
        CHECK_EQ(d.status, 1);
        CHECK_EQ(eas_gal_decoder_status(&d), 1);
        CHECK_EQ(d.find, 0);
        CHECK_EQ(s.n, 2);
        CHECK_EQ(d.entries, 2);
        CHECK_STR(s.names[0], "Anat Kerry");
        CHECK_STR(s.emails[0], "anat@example.com");
        CHECK_STR(s.phone0, "+49 30 1234");
        CHECK_STR(s.names[1], "Anatole Room");
        CHECK_EQ(s.picture_status[0], 0);
        CHECK_EQ(s.picture_status[1], 1);
        CHECK_EQ(s.picture_bytes[1], 8);
        CHECK_EQ(s.picture_len, 8);
        CHECK(memcmp(s.picture, "aGVsbG8=", 8) == 0);
        CHECK(d.have_range && d.range_first == 0 && d.range_last == 1);
        CHECK(d.have_total && d.total == 7);
    }
}

TEST(gal_search_long_value_is_cut_and_flagged)
{
    char xml[1024];
    char name[200];
    /* "ä" is two bytes: a cut in the middle of it must fall before it. */
    size_t n = 0;
    while (n + 2 < sizeof name - 1) {
        name[n++] = '\xC3';
        name[n++] = '\xA4';
    }
    name[n] = '\0';
    snprintf(xml, sizeof xml,
             "<Search xmlns=\"Search:\" xmlns:gal=\"GAL:\"><Status>1</Status><Response><Store><Status>1</Status>"
             "<Result><Properties><gal:DisplayName>%s</gal:DisplayName></Properties></Result></Store></Response></Search>",
             name);
    gal_seen s;
    memset(&s, 0, sizeof s);
    eas_gal_decoder d;
    eas_gal_decoder_init(&d, on_gal, &s, (eas_sink){NULL, NULL});
    CHECK_EQ(decode_xml(xml, &eas_gal_handler, &d, 1), EAS_OK);
    CHECK_EQ(s.n, 1);
    CHECK(s.truncated[0] & (1u << EAS_GAL_DISPLAY_NAME));
    size_t len = strlen(s.names[0]);
    CHECK(len <= EAS_GAL_FIELD_MAX - 1 && len >= EAS_GAL_FIELD_MAX - 3);
    CHECK_EQ(len % 2, 0); /* whole characters only */
    CHECK(memcmp(s.names[0], name, len) == 0);
}

TEST(gal_search_statuses_and_empty_result)
{
    gal_seen s;
    eas_gal_decoder d;
    /* Nothing found: Exchange sends an empty Result and Total 0. */
    memset(&s, 0, sizeof s);
    eas_gal_decoder_init(&d, on_gal, &s, (eas_sink){NULL, NULL});
    CHECK_EQ(decode_xml("<Search xmlns=\"Search:\"><Status>1</Status><Response><Store><Status>1</Status><Result/>"
                        "<Range>0-0</Range><Total>0</Total></Store></Response></Search>",
                        &eas_gal_handler, &d, 0),
             EAS_OK);
    CHECK_EQ(s.n, 0);
    CHECK_EQ(d.total, 0);
    /* The range asked for is past the end: status 12 of the Store decides. */
    memset(&s, 0, sizeof s);
    eas_gal_decoder_init(&d, on_gal, &s, (eas_sink){NULL, NULL});
    CHECK_EQ(decode_xml("<Search xmlns=\"Search:\"><Status>1</Status><Response><Store><Status>12</Status></Store>"
                        "</Response></Search>",
                        &eas_gal_handler, &d, 0),
             EAS_OK);
    CHECK_EQ(eas_gal_decoder_status(&d), EAS_SEARCH_END_OF_RANGE);
    /* The command's own status. */
    eas_gal_decoder_init(&d, on_gal, &s, (eas_sink){NULL, NULL});
    CHECK_EQ(decode_xml("<Search xmlns=\"Search:\"><Status>3</Status></Search>", &eas_gal_handler, &d, 0), EAS_OK);
    CHECK_EQ(eas_gal_decoder_status(&d), EAS_SEARCH_SERVER_ERROR);
    /* No status at all, or another document: a protocol error. */
    eas_gal_decoder_init(&d, on_gal, &s, (eas_sink){NULL, NULL});
    CHECK_EQ(decode_xml("<Search xmlns=\"Search:\"><Response/></Search>", &eas_gal_handler, &d, 0), EAS_OK);
    CHECK_EQ(eas_gal_decoder_finish(&d), EAS_ERR_PROTOCOL);
    eas_gal_decoder_init(&d, on_gal, &s, (eas_sink){NULL, NULL});
    CHECK_EQ(decode_xml("<Ping xmlns=\"Ping:\"><Status>1</Status></Ping>", &eas_gal_handler, &d, 0), EAS_ERR_PROTOCOL);
    /* A malformed Range. */
    eas_gal_decoder_init(&d, on_gal, &s, (eas_sink){NULL, NULL});
    CHECK_EQ(decode_xml("<Search xmlns=\"Search:\"><Status>1</Status><Response><Store><Status>1</Status>"
                        "<Range>5-2</Range></Store></Response></Search>",
                        &eas_gal_handler, &d, 0),
             EAS_ERR_PROTOCOL);
}

static eas_err stop_after_one(void *ctx, const eas_gal_entry *e)
{
    (void)e;
    int *n = ctx;
    return ++*n == 1 ? EAS_OK : EAS_ERR_SINK;
}

TEST(gal_callback_error_stops_decoding)
{
    int n = 0;
    eas_gal_decoder d;
    eas_gal_decoder_init(&d, stop_after_one, &n, (eas_sink){NULL, NULL});
    CHECK_EQ(decode_xml(search_answer, &eas_gal_handler, &d, 0), EAS_ERR_SINK);
    CHECK_EQ(n, 2);
}

TEST(gal_find_answer_uses_the_same_entries)
{
    const char *xml =
        "<Find xmlns=\"Find:\" xmlns:gal=\"GAL:\" xmlns:airsync=\"AirSync:\" xmlns:itemoperations=\"ItemOperations:\">"
        "<Status>1</Status><Response><itemoperations:Store>GAL</itemoperations:Store><Status>1</Status>"
        "<Result><Properties><gal:DisplayName>Ada Room</gal:DisplayName><gal:EmailAddress>ada@example.com</gal:EmailAddress>"
        "</Properties></Result><Range>0-0</Range><Total>1</Total></Response></Find>";
    for (size_t step = 0; step <= 1; step++) {
        gal_seen s;
        memset(&s, 0, sizeof s);
        eas_gal_decoder d;
        eas_gal_decoder_init(&d, on_gal, &s, (eas_sink){NULL, NULL});
        CHECK_EQ(decode_xml(xml, &eas_gal_handler, &d, step), EAS_OK);
        CHECK_EQ(d.find, 1);
        CHECK_EQ(eas_gal_decoder_status(&d), 1);
        CHECK_EQ(s.n, 1);
        CHECK_STR(s.names[0], "Ada Room");
        CHECK_STR(s.emails[0], "ada@example.com");
        CHECK(d.have_total && d.total == 1);
    }
    eas_gal_decoder d;
    eas_gal_decoder_init(&d, NULL, NULL, (eas_sink){NULL, NULL});
    CHECK_EQ(decode_xml("<Find xmlns=\"Find:\"><Status>1</Status><Response><Status>4</Status></Response></Find>",
                        &eas_gal_handler, &d, 0),
             EAS_OK);
    CHECK_EQ(eas_gal_decoder_status(&d), EAS_FIND_START_RANGE_NOT_ZERO);
}

/* ---- MergedFreeBusy ---- */

typedef struct {
    int n;
    int64_t start[16], end[16];
    eas_fb_status s[16];
} runs;

static eas_err on_run(void *ctx, int64_t start, int64_t end, eas_fb_status s)
{
    runs *r = ctx;
    if (r->n < 16) {
        r->start[r->n] = start;
        r->end[r->n] = end;
        r->s[r->n] = s;
    }
    r->n++;
    return EAS_OK;
}

#define T0 1796119200LL /* 2026-12-01T10:00:00Z */

static int decode_fb(runs *r, int64_t start, int64_t end, const char *digits, size_t step)
{
    eas_fb_decoder d;
    memset(r, 0, sizeof *r);
    if (eas_fb_decoder_init(&d, start, end, on_run, r) != EAS_OK) return -1;
    size_t n = strlen(digits);
    if (!step) step = n ? n : 1;
    for (size_t i = 0; i < n; i += step)
        if (eas_fb_decoder_feed(&d, digits + i, n - i < step ? n - i : step) != EAS_OK) return -2;
    return eas_fb_decoder_finish(&d) == EAS_OK ? 0 : -3;
}

TEST(freebusy_every_digit)
{
    runs r;
    CHECK_EQ(decode_fb(&r, T0, T0 + 5 * 1800, "01234", 0), 0);
    CHECK_EQ(r.n, 5);
    for (int i = 0; i < 5; i++) {
        CHECK_EQ(r.s[i], (eas_fb_status)i);
        CHECK_EQ(r.start[i], T0 + i * 1800);
        CHECK_EQ(r.end[i], T0 + (i + 1) * 1800);
    }
    CHECK_STR(eas_fb_status_name(EAS_FB_FREE), "free");
    CHECK_STR(eas_fb_status_name(EAS_FB_TENTATIVE), "tentative");
    CHECK_STR(eas_fb_status_name(EAS_FB_BUSY), "busy");
    CHECK_STR(eas_fb_status_name(EAS_FB_OOF), "out-of-office");
    CHECK_STR(eas_fb_status_name(EAS_FB_NO_DATA), "no-data");
}

TEST(freebusy_runs_merge_and_chunks_do_not_matter)
{
    /* MS-ASCMD's example "32201": out of office 30 min, busy an hour, free 30 min, tentative 30 min. */
    for (size_t step = 0; step <= 2; step++) {
        runs r;
        CHECK_EQ(decode_fb(&r, T0, T0 + 5 * 1800, "32201", step), 0);
        CHECK_EQ(r.n, 4);
        CHECK(r.s[0] == EAS_FB_OOF && r.start[0] == T0 && r.end[0] == T0 + 1800);
        CHECK(r.s[1] == EAS_FB_BUSY && r.start[1] == T0 + 1800 && r.end[1] == T0 + 3 * 1800);
        CHECK(r.s[2] == EAS_FB_FREE && r.end[2] == T0 + 4 * 1800);
        CHECK(r.s[3] == EAS_FB_TENTATIVE && r.end[3] == T0 + 5 * 1800);
    }
}

TEST(freebusy_window_not_a_multiple_of_30_minutes)
{
    runs r;
    /* 10:00-11:10: three slots, the last one 10 minutes long. */
    CHECK_EQ(decode_fb(&r, T0, T0 + 70 * 60, "002", 0), 0);
    CHECK_EQ(r.n, 2);
    CHECK(r.s[0] == EAS_FB_FREE && r.end[0] == T0 + 3600);
    CHECK(r.s[1] == EAS_FB_BUSY && r.start[1] == T0 + 3600 && r.end[1] == T0 + 70 * 60);
    /* A shorter string than the window: the rest has no data. */
    CHECK_EQ(decode_fb(&r, T0, T0 + 70 * 60, "2", 0), 0);
    CHECK_EQ(r.n, 2);
    CHECK(r.s[0] == EAS_FB_BUSY && r.end[0] == T0 + 1800);
    CHECK(r.s[1] == EAS_FB_NO_DATA && r.start[1] == T0 + 1800 && r.end[1] == T0 + 70 * 60);
    /* Digits past the window are ignored. */
    CHECK_EQ(decode_fb(&r, T0, T0 + 1800, "0222", 0), 0);
    CHECK_EQ(r.n, 1);
    CHECK(r.s[0] == EAS_FB_FREE && r.end[0] == T0 + 1800);
    /* A window shorter than one slot. */
    CHECK_EQ(decode_fb(&r, T0, T0 + 60, "1", 0), 0);
    CHECK(r.n == 1 && r.s[0] == EAS_FB_TENTATIVE && r.end[0] == T0 + 60);
}

TEST(freebusy_empty_and_bad)
{
    runs r;
    CHECK_EQ(decode_fb(&r, T0, T0 + 7200, "", 0), 0);
    CHECK_EQ(r.n, 1);
    CHECK(r.s[0] == EAS_FB_NO_DATA && r.start[0] == T0 && r.end[0] == T0 + 7200);
    CHECK_EQ(decode_fb(&r, T0, T0 + 7200, "0150", 0), -2);
    CHECK_EQ(decode_fb(&r, T0, T0 + 7200, "0 1", 0), -2);
    CHECK_EQ(decode_fb(&r, T0, T0, "0", 0), -1);
    CHECK_EQ(decode_fb(&r, T0 + 10, T0, "0", 0), -1);
}

/* ---- ResolveRecipients ---- */

static const char *const two_to[] = {"anat@example.com", "Room"};
static eas_err write_resolve(eas_wbxml_writer *w, const void *r) { return eas_resolve_request_write(w, r); }

TEST(resolve_request_is_the_spec_form)
{
    eas_resolve_request r = {two_to, 2, T0, T0 + 3600, 0};
    CHECK(encodes_as(write_resolve, &r,
                     "<ResolveRecipients xmlns=\"ResolveRecipients:\"><To>anat@example.com</To><To>Room</To>"
                     "<Options><CertificateRetrieval>1</CertificateRetrieval><Availability>"
                     "<StartTime>2026-12-01T10:00:00.000Z</StartTime><EndTime>2026-12-01T11:00:00.000Z</EndTime>"
                     "</Availability></Options></ResolveRecipients>"));
    eas_resolve_request plain = {two_to, 1, 0, 0, 3};
    CHECK(encodes_as(write_resolve, &plain,
                     "<ResolveRecipients xmlns=\"ResolveRecipients:\"><To>anat@example.com</To>"
                     "<Options><CertificateRetrieval>1</CertificateRetrieval>"
                     "<MaxAmbiguousRecipients>3</MaxAmbiguousRecipients></Options></ResolveRecipients>"));
    static const char *const empty[] = {""};
    eas_resolve_request bad = {empty, 1, 0, 0, 0};
    CHECK(!encodes_as(write_resolve, &bad, "<ResolveRecipients xmlns=\"ResolveRecipients:\"/>"));
    eas_resolve_request none = {two_to, 0, 0, 0, 0};
    CHECK(!encodes_as(write_resolve, &none, "<ResolveRecipients xmlns=\"ResolveRecipients:\"/>"));
}

typedef struct {
    int recipients, responses, runs;
    char name[3][EAS_GAL_FIELD_MAX];
    char email[3][EAS_GAL_FIELD_MAX];
    uint32_t avail[3];
    uint8_t type[3];
    char resp_to[3][EAS_GAL_FIELD_MAX];
    uint32_t resp_status[3], resp_count[3];
    char run_owner[8][EAS_GAL_FIELD_MAX];
    int64_t run_start[8], run_end[8];
    eas_fb_status run_s[8];
} resolve_seen;

static eas_err rs_recipient(void *ctx, const eas_recipient *r)
{
    resolve_seen *s = ctx;
    if (s->recipients < 3) {
        strcpy(s->name[s->recipients], r->display_name);
        strcpy(s->email[s->recipients], r->email);
        s->avail[s->recipients] = r->availability_status;
        s->type[s->recipients] = r->type;
    }
    s->recipients++;
    return EAS_OK;
}

static eas_err rs_response(void *ctx, const char *to, uint32_t status, uint32_t n)
{
    resolve_seen *s = ctx;
    if (s->responses < 3) {
        strcpy(s->resp_to[s->responses], to);
        s->resp_status[s->responses] = status;
        s->resp_count[s->responses] = n;
    }
    s->responses++;
    return EAS_OK;
}

static eas_err rs_run(void *ctx, const eas_recipient *r, int64_t start, int64_t end, eas_fb_status st)
{
    resolve_seen *s = ctx;
    if (s->runs < 8) {
        strcpy(s->run_owner[s->runs], r->email);
        s->run_start[s->runs] = start;
        s->run_end[s->runs] = end;
        s->run_s[s->runs] = st;
    }
    s->runs++;
    return EAS_OK;
}

TEST(resolve_answer_with_free_busy)
{
    const char *xml =
        "<ResolveRecipients xmlns=\"ResolveRecipients:\"><Status>1</Status>"
        "<Response><To>anat@example.com</To><Status>1</Status><RecipientCount>1</RecipientCount>"
        "<Recipient><Type>1</Type><DisplayName>Anat Kerry</DisplayName><EmailAddress>anat@example.com</EmailAddress>"
        "<Availability><Status>1</Status><MergedFreeBusy>0220</MergedFreeBusy></Availability></Recipient></Response>"
        "<Response><To>Ro</To><Status>2</Status><RecipientCount>2</RecipientCount>"
        "<Recipient><Type>1</Type><DisplayName>Room Ada</DisplayName><EmailAddress>ada@example.com</EmailAddress></Recipient>"
        "<Recipient><Type>2</Type><DisplayName>Rob</DisplayName><EmailAddress>rob@example.com</EmailAddress></Recipient>"
        "</Response>"
        "<Response><To>nobody</To><Status>4</Status><RecipientCount>0</RecipientCount></Response>"
        "</ResolveRecipients>";
    for (size_t step = 0; step <= 1; step++) {
        resolve_seen s;
        memset(&s, 0, sizeof s);
        eas_resolve_events ev = {&s, rs_recipient, rs_response, rs_run};
        eas_resolve_decoder d;
        eas_resolve_decoder_init(&d, &ev, T0, T0 + 4 * 1800);
        CHECK_EQ(decode_xml(xml, &eas_resolve_handler, &d, step), EAS_OK);
        CHECK_EQ(eas_resolve_decoder_finish(&d), EAS_OK);
        CHECK_EQ(d.status, 1);
        CHECK_EQ(s.recipients, 3);
        CHECK_EQ(s.responses, 3);
        CHECK_STR(s.name[0], "Anat Kerry");
        CHECK_STR(s.email[0], "anat@example.com");
        CHECK_EQ(s.avail[0], 1);
        CHECK_EQ(s.type[0], EAS_RECIPIENT_GAL);
        CHECK_STR(s.name[1], "Room Ada");
        CHECK_EQ(s.avail[1], 0);
        CHECK_EQ(s.type[2], EAS_RECIPIENT_CONTACT);
        CHECK_STR(s.resp_to[1], "Ro");
        CHECK_EQ(s.resp_status[1], EAS_RESOLVE_AMBIGUOUS);
        CHECK_EQ(s.resp_count[1], 2);
        CHECK_EQ(s.resp_status[2], EAS_RESOLVE_UNRESOLVED);
        CHECK_EQ(s.resp_count[2], 0);
        CHECK_EQ(s.runs, 3);
        CHECK_STR(s.run_owner[1], "anat@example.com");
        CHECK(s.run_s[0] == EAS_FB_FREE && s.run_end[0] == T0 + 1800);
        CHECK(s.run_s[1] == EAS_FB_BUSY && s.run_start[1] == T0 + 1800 && s.run_end[1] == T0 + 3 * 1800);
        CHECK(s.run_s[2] == EAS_FB_FREE && s.run_end[2] == T0 + 4 * 1800);
    }
}

TEST(resolve_availability_failure_and_bad_digits)
{
    resolve_seen s;
    memset(&s, 0, sizeof s);
    eas_resolve_events ev = {&s, rs_recipient, rs_response, rs_run};
    eas_resolve_decoder d;
    eas_resolve_decoder_init(&d, &ev, T0, T0 + 3600);
    CHECK_EQ(decode_xml("<ResolveRecipients xmlns=\"ResolveRecipients:\"><Status>1</Status><Response><To>a</To>"
                        "<Status>1</Status><Recipient><Type>1</Type><DisplayName>A</DisplayName>"
                        "<EmailAddress>a@x</EmailAddress><Availability><Status>162</Status></Availability></Recipient>"
                        "</Response></ResolveRecipients>",
                        &eas_resolve_handler, &d, 0),
             EAS_OK);
    CHECK_EQ(s.avail[0], EAS_AVAILABILITY_RETRY);
    CHECK_EQ(s.runs, 0);
    eas_resolve_decoder_init(&d, &ev, T0, T0 + 3600);
    CHECK_EQ(decode_xml("<ResolveRecipients xmlns=\"ResolveRecipients:\"><Status>1</Status><Response><To>a</To>"
                        "<Status>1</Status><Recipient><Type>1</Type><Availability><Status>1</Status>"
                        "<MergedFreeBusy>0x</MergedFreeBusy></Availability></Recipient></Response></ResolveRecipients>",
                        &eas_resolve_handler, &d, 0),
             EAS_ERR_PROTOCOL);
    eas_resolve_decoder_init(&d, &ev, 0, 0);
    CHECK_EQ(decode_xml("<ResolveRecipients xmlns=\"ResolveRecipients:\"><Status>5</Status></ResolveRecipients>",
                        &eas_resolve_handler, &d, 0),
             EAS_OK);
    CHECK_EQ(d.status, EAS_RESOLVE_PROTOCOL_ERROR);
}

/* ---- ItemOperations Fetch ---- */

static eas_err write_fetch(eas_wbxml_writer *w, const void *r) { return eas_fetch_request_write(w, r); }

TEST(fetch_request_is_the_spec_form)
{
    eas_fetch_request r = {"cal", "ev1", 300};
    CHECK(encodes_as(write_fetch, &r,
                     "<ItemOperations xmlns=\"ItemOperations:\" xmlns:airsync=\"AirSync:\" xmlns:airsyncbase=\"AirSyncBase:\">"
                     "<Fetch><Store>Mailbox</Store><airsync:CollectionId>cal</airsync:CollectionId>"
                     "<airsync:ServerId>ev1</airsync:ServerId><Options><airsyncbase:BodyPreference>"
                     "<airsyncbase:Type>1</airsyncbase:Type><airsyncbase:TruncationSize>300</airsyncbase:TruncationSize>"
                     "</airsyncbase:BodyPreference></Options></Fetch></ItemOperations>"));
    eas_fetch_request bad = {"cal", "", 0};
    CHECK(!encodes_as(write_fetch, &bad, "<ItemOperations xmlns=\"ItemOperations:\"/>"));
}

typedef struct {
    char buf[4096];
    size_t len;
    int calls;
} text_sink;

static eas_err text_write(void *ctx, const uint8_t *data, size_t len)
{
    text_sink *t = ctx;
    if (t->len + len >= sizeof t->buf) return EAS_ERR_SINK;
    memcpy(t->buf + t->len, data, len);
    t->len += len;
    t->buf[t->len] = '\0';
    t->calls++;
    return EAS_OK;
}

static int fetch_body(const char *body, uint32_t budget, size_t step, text_sink *t, eas_fetch_decoder *d,
                      const char *truncated)
{
    static char xml[8192];
    snprintf(xml, sizeof xml,
             "<ItemOperations xmlns=\"ItemOperations:\" xmlns:airsync=\"AirSync:\" xmlns:airsyncbase=\"AirSyncBase:\""
             " xmlns:calendar=\"Calendar:\"><Status>1</Status><Response><Fetch><Status>1</Status>"
             "<airsync:CollectionId>cal</airsync:CollectionId><airsync:ServerId>ev1</airsync:ServerId>"
             "<airsync:Class>Calendar</airsync:Class><Properties><calendar:Subject>Review</calendar:Subject>"
             "<airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type>"
             "<airsyncbase:EstimatedDataSize>%zu</airsyncbase:EstimatedDataSize>%s"
             "<airsyncbase:Data>%s</airsyncbase:Data></airsyncbase:Body>"
             "<calendar:Exceptions><calendar:Exception><airsyncbase:Body><airsyncbase:Data>NOT THIS</airsyncbase:Data>"
             "</airsyncbase:Body></calendar:Exception></calendar:Exceptions>"
             "</Properties></Fetch></Response></ItemOperations>",
             strlen(body), truncated, body);
    memset(t, 0, sizeof *t);
    eas_fetch_decoder_init(d, (eas_sink){text_write, t}, budget);
    if (decode_xml(xml, &eas_fetch_handler, d, step) != EAS_OK) return -1;
    return eas_fetch_decoder_finish(d) == EAS_OK ? 0 : -2;
}

TEST(fetch_body_within_budget)
{
    text_sink t;
    eas_fetch_decoder d;
    for (size_t step = 0; step <= 1; step++) {
        CHECK_EQ(fetch_body("Agenda:\n1. budget\n2. rooms", 1000, step, &t, &d, ""), 0);
        CHECK_STR(t.buf, "Agenda:\n1. budget\n2. rooms");
        CHECK_EQ(eas_fetch_decoder_status(&d), 1);
        CHECK_EQ(d.body_type, 1);
        CHECK_EQ(d.estimated, 26);
        CHECK_EQ(d.written, 26);
        CHECK(!eas_fetch_decoder_truncated(&d));
    }
    /* The server's own cut is reported. */
    CHECK_EQ(fetch_body("Agenda", 0, 0, &t, &d, "<airsyncbase:Truncated>1</airsyncbase:Truncated>"), 0);
    CHECK(eas_fetch_decoder_truncated(&d));
}

TEST(fetch_body_larger_than_budget_is_cut_on_a_character)
{
    /* "Größe" repeated: the budget falls inside an "ö" or "ß" for some budgets. */
    char body[2048] = "";
    while (strlen(body) + 8 < 1500) strcat(body, "Gr\xC3\xB6\xC3\x9F" "e ");
    size_t whole = strlen(body);
    for (uint32_t budget = 1; budget <= 40; budget++) {
        for (size_t step = 0; step <= 1; step++) {
            text_sink t;
            eas_fetch_decoder d;
            CHECK_EQ(fetch_body(body, budget, step, &t, &d, ""), 0);
            CHECK_MSG(t.len <= budget && t.len + 2 > budget, "budget %u: %zu bytes", budget, t.len);
            CHECK(memcmp(t.buf, body, t.len) == 0);
            CHECK(t.len == 0 || (((uint8_t)body[t.len] & 0xC0u) != 0x80u)); /* the next byte starts a character */
            CHECK(eas_fetch_decoder_truncated(&d));
            CHECK_EQ(d.received, whole);
        }
    }
    /* No budget: the whole body, in the sink's pieces. */
    text_sink t;
    eas_fetch_decoder d;
    CHECK_EQ(fetch_body(body, 0, 1, &t, &d, ""), 0);
    CHECK_EQ(t.len, whole);
    CHECK(memcmp(t.buf, body, whole) == 0);
}

TEST(fetch_statuses)
{
    eas_fetch_decoder d;
    eas_fetch_decoder_init(&d, (eas_sink){NULL, NULL}, 0);
    CHECK_EQ(decode_xml("<ItemOperations xmlns=\"ItemOperations:\"><Status>1</Status><Response><Fetch><Status>6</Status>"
                        "</Fetch></Response></ItemOperations>",
                        &eas_fetch_handler, &d, 0),
             EAS_OK);
    CHECK_EQ(eas_fetch_decoder_status(&d), EAS_ITEMOPS_NOT_FOUND);
    CHECK_EQ(d.have_body, 0);
    eas_fetch_decoder_init(&d, (eas_sink){NULL, NULL}, 0);
    CHECK_EQ(decode_xml("<ItemOperations xmlns=\"ItemOperations:\"><Status>2</Status></ItemOperations>",
                        &eas_fetch_handler, &d, 0),
             EAS_OK);
    CHECK_EQ(eas_fetch_decoder_status(&d), EAS_ITEMOPS_PROTOCOL_ERROR);
    eas_fetch_decoder_init(&d, (eas_sink){NULL, NULL}, 0);
    CHECK_EQ(decode_xml("<Sync xmlns=\"AirSync:\"/>", &eas_fetch_handler, &d, 0), EAS_ERR_PROTOCOL);
}
