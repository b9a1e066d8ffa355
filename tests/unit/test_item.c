/* Item records: values cut on a UTF-8 boundary stay a prefix of the text, however the text arrives. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "eas/item.h"

TEST(item_value_cut_in_pieces_stays_a_prefix)
{
    /* 150 ASCII bytes, then a euro sign (3 bytes) straddling the body limit, then more text. */
    char text[400];
    memset(text, 'a', 150);
    memcpy(text + 150, "bcdefghi\xE2\x82\xAC xyz 0123456789", 24);
    size_t total = 174;
    for (size_t split = 1; split < total; split++) {
        uint8_t rec[EAS_ITEM_RECORD_MAX];
        eas_item_builder b;
        eas_item_begin(&b, rec, sizeof rec, EAS_CLASS_EMAIL);
        CHECK_OK(eas_item_set_id(&b, "1", 1));
        eas_item_start(&b, EAS_AirSyncBase_Body, 1);
        eas_item_start(&b, EAS_AirSyncBase_Data, 1);
        eas_item_text(&b, (const uint8_t *)text, split);
        eas_item_text(&b, (const uint8_t *)text + split, total - split);
        eas_item_end(&b, EAS_AirSyncBase_Data);
        eas_item_end(&b, EAS_AirSyncBase_Body);
        size_t len = eas_item_finish(&b);
        eas_item_cursor c;
        eas_item_field f;
        CHECK_OK(eas_item_open(&c, rec, len));
        int found = 0;
        while (eas_item_next(&c, &f))
            if (f.kind == 0 && f.tag == EAS_AirSyncBase_Data) {
                found = 1;
                CHECK_MSG(f.len <= EAS_ITEM_BODY_MAX && memcmp(f.value, text, f.len) == 0,
                          "split at %zu: stored %zu bytes that are not a prefix", split, f.len);
                CHECK_MSG(f.len == 158, "split at %zu: %zu bytes kept, want 158 (cut before the euro sign)", split, f.len);
            }
        CHECK(found);
        CHECK(eas_item_flags(rec, len) & EAS_ITEM_TRUNCATED);
        /* a body never goes back in a Change: nothing a Change sends was cut */
        CHECK(!(eas_item_flags(rec, len) & EAS_ITEM_SENT_CUT));
    }
}

TEST(item_value_cut_that_a_change_sends_back_is_flagged)
{
    char loc[300];
    memset(loc, 'L', sizeof loc);
    uint8_t rec[EAS_ITEM_RECORD_MAX];
    eas_item_builder b;
    eas_item_begin(&b, rec, sizeof rec, EAS_CLASS_CALENDAR);
    CHECK_OK(eas_item_set_id(&b, "1", 1));
    eas_item_start(&b, EAS_Calendar_Location, 1);
    eas_item_text(&b, (const uint8_t *)loc, sizeof loc);
    eas_item_end(&b, EAS_Calendar_Location);
    size_t len = eas_item_finish(&b);
    uint8_t fl = eas_item_flags(rec, len);
    CHECK((fl & EAS_ITEM_TRUNCATED) && (fl & EAS_ITEM_SENT_CUT));
}

TEST(item_fields_not_kept_are_skipped_with_their_children)
{
    uint8_t rec[EAS_ITEM_RECORD_MAX];
    eas_item_builder b;
    eas_item_begin(&b, rec, sizeof rec, EAS_CLASS_CALENDAR);
    CHECK_OK(eas_item_set_id(&b, "ev", 2));
    eas_item_start(&b, EAS_Calendar_Subject, 1);
    eas_item_text(&b, (const uint8_t *)"Hello", 5);
    eas_item_end(&b, EAS_Calendar_Subject);
    eas_item_start(&b, EAS_Calendar_Categories, 1); /* not kept: skipped whole */
    eas_item_start(&b, EAS_Calendar_Category, 1);
    eas_item_text(&b, (const uint8_t *)"Work", 4);
    eas_item_end(&b, EAS_Calendar_Category);
    eas_item_end(&b, EAS_Calendar_Categories);
    eas_item_start(&b, EAS_Calendar_Recurrence, 1);
    eas_item_start(&b, EAS_Calendar_Type, 1);
    eas_item_text(&b, (const uint8_t *)"1", 1);
    eas_item_end(&b, EAS_Calendar_Type);
    eas_item_end(&b, EAS_Calendar_Recurrence);
    size_t len = eas_item_finish(&b);
    char v[16];
    CHECK(eas_item_get_str(rec, len, EAS_Calendar_Subject, v, sizeof v));
    CHECK_STR(v, "Hello");
    CHECK(!eas_item_get_str(rec, len, EAS_Calendar_Category, v, sizeof v));
    CHECK(!eas_item_get_str(rec, len, EAS_Calendar_Type, v, sizeof v)); /* inside a group: not top level */
    eas_item_cursor c;
    eas_item_field f;
    int groups = 0, type_in_group = 0;
    CHECK_OK(eas_item_open(&c, rec, len));
    while (eas_item_next(&c, &f)) {
        if (f.kind == 1) groups++;
        if (f.kind == 0 && f.tag == EAS_Calendar_Type && f.depth == 1) type_in_group = 1;
    }
    CHECK_EQ(groups, 1);
    CHECK(type_in_group);
}

TEST(item_record_never_overflows)
{
    uint8_t rec[64];
    eas_item_builder b;
    eas_item_begin(&b, rec, sizeof rec, EAS_CLASS_CALENDAR);
    CHECK_OK(eas_item_set_id(&b, "ev", 2));
    for (int i = 0; i < 20; i++) {
        eas_item_start(&b, EAS_Calendar_Exceptions, 1);
        eas_item_start(&b, EAS_Calendar_Subject, 1);
        eas_item_text(&b, (const uint8_t *)"0123456789", 10);
        eas_item_end(&b, EAS_Calendar_Subject);
    }
    for (int i = 0; i < 20; i++) eas_item_end(&b, EAS_Calendar_Exceptions);
    size_t len = eas_item_finish(&b);
    CHECK(len <= sizeof rec);
    CHECK(eas_item_flags(rec, len) & (EAS_ITEM_DROPPED | EAS_ITEM_TRUNCATED));
    eas_item_cursor c;
    eas_item_field f;
    int depth_ok = 1;
    CHECK_OK(eas_item_open(&c, rec, len));
    while (eas_item_next(&c, &f)) {}
    CHECK_EQ(c.depth, 0); /* every group that was opened was closed */
    (void)depth_ok;
}

/* ---- what a record keeps first: the agenda's fields, whatever order they come in ---- */

static void put(eas_item_builder *b, eas_tag tag, const char *text)
{
    eas_item_start(b, tag, 1);
    eas_item_text(b, (const uint8_t *)text, strlen(text));
    eas_item_end(b, tag);
}

static void attendees(eas_item_builder *b, int n)
{
    eas_item_start(b, EAS_Calendar_Attendees, 1);
    for (int i = 0; i < n; i++) {
        char email[40], name[24];
        snprintf(email, sizeof email, "participant%02d@example.com", i);
        snprintf(name, sizeof name, "Participant %02d", i);
        eas_item_start(b, EAS_Calendar_Attendee, 1);
        put(b, EAS_Calendar_Email, email);
        put(b, EAS_Calendar_Name, name);
        put(b, EAS_Calendar_AttendeeStatus, "0");
        put(b, EAS_Calendar_AttendeeType, "1");
        eas_item_end(b, EAS_Calendar_Attendee);
    }
    eas_item_end(b, EAS_Calendar_Attendees);
}

/* A daily meeting of 40 people with an Exchange-length UID, in the given order of its parts. */
static size_t room_meeting(uint8_t *rec, size_t cap, int attendees_first, int body_first)
{
    static const char uid[] = "040000008200E00074C5B7101A82E00800000000B0D6C5C1A5F6DA01000000000000000010000000"
                              "C3E1D3B3A0E0B1408D6B5F9F2E6A1B7C";
    eas_item_builder b;
    eas_item_begin(&b, rec, cap, EAS_CLASS_CALENDAR);
    eas_item_set_id(&b, "standup.ics", 11);
    char tz[240];
    memset(tz, 'A', 230); /* a whole 172-byte blob of zeros in base64 */
    memcpy(tz + 230, "==", 3);
    put(&b, EAS_Calendar_Timezone, tz);
    if (body_first) {
        eas_item_start(&b, EAS_AirSyncBase_Body, 1);
        put(&b, EAS_AirSyncBase_Type, "1");
        put(&b, EAS_AirSyncBase_Data, "Agenda: yesterday, today, blockers. Dial-in details follow below the line.");
        eas_item_end(&b, EAS_AirSyncBase_Body);
    }
    put(&b, EAS_Calendar_StartTime, "20261201T080000Z");
    if (attendees_first) attendees(&b, 40);
    put(&b, EAS_Calendar_UID, uid);
    put(&b, EAS_Calendar_Subject, "Daily stand-up");
    put(&b, EAS_Calendar_Location, "Room Ada");
    put(&b, EAS_Calendar_EndTime, "20261201T081500Z");
    put(&b, EAS_Calendar_OrganizerName, "Alice Organizer");
    put(&b, EAS_Calendar_OrganizerEmail, "alice@example.com");
    eas_item_start(&b, EAS_Calendar_Recurrence, 1);
    put(&b, EAS_Calendar_Type, "0");
    put(&b, EAS_Calendar_Interval, "1");
    eas_item_end(&b, EAS_Calendar_Recurrence);
    put(&b, EAS_Calendar_BusyStatus, "2");
    put(&b, EAS_Calendar_MeetingStatus, "1");
    put(&b, EAS_Calendar_Sensitivity, "2");
    if (!attendees_first) attendees(&b, 40);
    if (!body_first) {
        eas_item_start(&b, EAS_AirSyncBase_Body, 1);
        put(&b, EAS_AirSyncBase_Data, "Agenda: yesterday, today, blockers.");
        eas_item_end(&b, EAS_AirSyncBase_Body);
    }
    return eas_item_finish(&b);
}

static unsigned count_attendees(const uint8_t *rec, size_t len)
{
    eas_item_cursor c;
    eas_item_field f;
    unsigned n = 0;
    if (eas_item_open(&c, rec, len) != EAS_OK) return 0;
    while (eas_item_next(&c, &f))
        if (f.kind == 1 && f.tag == EAS_Calendar_Attendee) n++;
    return n;
}

/* A record's structure is whole: every group closed, every byte part of a field. */
static int well_formed(const uint8_t *rec, size_t len)
{
    eas_item_cursor c;
    eas_item_field f;
    if (eas_item_open(&c, rec, len) != EAS_OK) return 0;
    while (eas_item_next(&c, &f)) {}
    return c.depth == 0 && c.pos == len;
}

TEST(item_agenda_fields_are_kept_whatever_comes_first)
{
    /* the record sizes of the host, mps2-an385 and lm3s6965evb */
    static const size_t caps[] = {508, 480, 240};
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++)
        for (int order = 0; order < 4; order++) {
            uint8_t rec[512];
            size_t len = room_meeting(rec, caps[k], order & 1, order & 2);
            char v[128];
            uint32_t u = 0;
            CHECK_MSG(len <= caps[k] && well_formed(rec, len), "cap %zu order %d: malformed", caps[k], order);
            CHECK_MSG(eas_item_get_str(rec, len, EAS_Calendar_Subject, v, sizeof v) && !strcmp(v, "Daily stand-up"),
                      "cap %zu order %d: subject '%s'", caps[k], order, v);
            CHECK_MSG(eas_item_get_str(rec, len, EAS_Calendar_Location, v, sizeof v) && !strcmp(v, "Room Ada"),
                      "cap %zu order %d: location", caps[k], order);
            CHECK(eas_item_get_str(rec, len, EAS_Calendar_StartTime, v, sizeof v) && !strcmp(v, "20261201T080000Z"));
            CHECK(eas_item_get_str(rec, len, EAS_Calendar_EndTime, v, sizeof v) && !strcmp(v, "20261201T081500Z"));
            CHECK(eas_item_get_str(rec, len, EAS_Calendar_Timezone, v, sizeof v));
            CHECK(eas_item_get_str(rec, len, EAS_Calendar_OrganizerName, v, sizeof v) && !strcmp(v, "Alice Organizer"));
            CHECK(eas_item_get_uint(rec, len, EAS_Calendar_BusyStatus, &u) && u == 2);
            CHECK(eas_item_get_uint(rec, len, EAS_Calendar_MeetingStatus, &u) && u == 1);
            CHECK(eas_item_get_uint(rec, len, EAS_Calendar_Sensitivity, &u) && u == 2);
            eas_item_cursor c;
            eas_item_field f;
            int interval = 0;
            CHECK_OK(eas_item_open(&c, rec, len));
            while (eas_item_next(&c, &f)) interval |= f.kind == 0 && f.tag == EAS_Calendar_Interval && f.depth == 1;
            CHECK_MSG(interval, "cap %zu order %d: the recurrence was lost", caps[k], order);
            /* what gave way is said, and it was not the agenda's */
            uint8_t fl = eas_item_flags(rec, len);
            CHECK((fl & EAS_ITEM_DROPPED) && !(fl & EAS_ITEM_AGENDA_CUT));
            /* attendees a whole-item Change would send back went: a 14.x Change would lose them */
            CHECK(fl & EAS_ITEM_SENT_CUT);
            unsigned n = count_attendees(rec, len);
            CHECK_MSG(n < 40, "cap %zu: %u attendees", caps[k], n);
            if (caps[k] >= 480) CHECK_MSG(n >= 1, "cap %zu order %d: no attendee kept in the room left", caps[k], order);
        }
}

TEST(item_agenda_field_that_cannot_fit_is_reported_for_the_agenda)
{
    uint8_t rec[64];
    eas_item_builder b;
    eas_item_begin(&b, rec, sizeof rec, EAS_CLASS_CALENDAR);
    CHECK_OK(eas_item_set_id(&b, "ev", 2));
    put(&b, EAS_Calendar_Subject, "A subject long enough to fill most of this small record, and more");
    put(&b, EAS_Calendar_Location, "Room Ada");
    size_t len = eas_item_finish(&b);
    CHECK(well_formed(rec, len));
    CHECK(eas_item_flags(rec, len) & EAS_ITEM_AGENDA_CUT);
    /* a body cut to its own limit is no loss for the agenda */
    eas_item_begin(&b, rec, sizeof rec, EAS_CLASS_CALENDAR);
    CHECK_OK(eas_item_set_id(&b, "ev", 2));
    eas_item_start(&b, EAS_AirSyncBase_Body, 1);
    put(&b, EAS_AirSyncBase_Data, "A body that does not fit a record of sixty-four bytes in any way at all");
    eas_item_end(&b, EAS_AirSyncBase_Body);
    len = eas_item_finish(&b);
    CHECK(!(eas_item_flags(rec, len) & EAS_ITEM_AGENDA_CUT) && well_formed(rec, len));
}

TEST(item_hostile_nesting_garbles_no_field)
{
    uint8_t rec[EAS_ITEM_RECORD_MAX];
    eas_item_builder b;
    char v[64];
    /* A group inside a value: left out, the value stays whole. */
    eas_item_begin(&b, rec, sizeof rec, EAS_CLASS_CALENDAR);
    CHECK_OK(eas_item_set_id(&b, "ev", 2));
    eas_item_start(&b, EAS_Calendar_Subject, 1);
    eas_item_text(&b, (const uint8_t *)"ab", 2);
    eas_item_start(&b, EAS_Calendar_Attendees, 1);
    eas_item_start(&b, EAS_Calendar_Attendee, 1);
    put(&b, EAS_Calendar_Email, "x@example.com");
    eas_item_end(&b, EAS_Calendar_Attendee);
    eas_item_end(&b, EAS_Calendar_Attendees);
    eas_item_text(&b, (const uint8_t *)"cd", 2);
    eas_item_end(&b, EAS_Calendar_Subject);
    put(&b, EAS_Calendar_Location, "L");
    size_t len = eas_item_finish(&b);
    CHECK(well_formed(rec, len));
    CHECK(eas_item_get_str(rec, len, EAS_Calendar_Subject, v, sizeof v) && !strcmp(v, "abcd"));
    CHECK(eas_item_get_str(rec, len, EAS_Calendar_Location, v, sizeof v) && !strcmp(v, "L"));
    CHECK_EQ(count_attendees(rec, len), 0);
    /* The end of an empty group closes nothing: the Exception and what follows stay in place. */
    eas_item_begin(&b, rec, sizeof rec, EAS_CLASS_CALENDAR);
    CHECK_OK(eas_item_set_id(&b, "ev", 2));
    eas_item_start(&b, EAS_Calendar_Exceptions, 1);
    eas_item_start(&b, EAS_Calendar_Exception, 1);
    eas_item_start(&b, EAS_Calendar_Attendees, 0);
    eas_item_end(&b, EAS_Calendar_Attendees);
    eas_item_start(&b, EAS_Calendar_Recurrence, 0);
    eas_item_end(&b, EAS_Calendar_Recurrence);
    put(&b, EAS_Calendar_Subject, "moved");
    eas_item_end(&b, EAS_Calendar_Exception);
    eas_item_end(&b, EAS_Calendar_Exceptions);
    put(&b, EAS_Calendar_Location, "Top");
    len = eas_item_finish(&b);
    CHECK(well_formed(rec, len));
    CHECK(eas_item_get_event_str(rec, len, 0, EAS_Calendar_Subject, v, sizeof v) && !strcmp(v, "moved"));
    CHECK(eas_item_get_str(rec, len, EAS_Calendar_Location, v, sizeof v) && !strcmp(v, "Top"));
    /* An empty child of a skipped element does not end the skip. */
    eas_item_begin(&b, rec, sizeof rec, EAS_CLASS_CALENDAR);
    CHECK_OK(eas_item_set_id(&b, "ev", 2));
    eas_item_start(&b, EAS_Calendar_Categories, 1);
    eas_item_start(&b, EAS_Calendar_Category, 0);
    eas_item_end(&b, EAS_Calendar_Category);
    put(&b, EAS_Calendar_Subject, "evil");
    eas_item_end(&b, EAS_Calendar_Categories);
    put(&b, EAS_Calendar_Subject, "good");
    len = eas_item_finish(&b);
    CHECK(well_formed(rec, len));
    CHECK(eas_item_get_str(rec, len, EAS_Calendar_Subject, v, sizeof v) && !strcmp(v, "good"));
}
