/* Events the device writes (eas_event_build, eas_event_change): the 14.x and 16.x forms. */
#include <string.h>

#include "check.h"
#include "eas/agenda.h"
#include "eas/civil.h"
#include "eas/tz.h"

static int has(const uint8_t *rec, size_t len, eas_tag tag, const char *want)
{
    char v[128];
    if (!eas_item_get_str(rec, len, tag, v, sizeof v)) return 0;
    return !want || !strcmp(v, want);
}

TEST(event_build_takes_the_form_of_the_version)
{
    eas_tz_rule berlin;
    const char *tz = "CET-1CEST,M3.5.0,M10.5.0/3";
    CHECK_OK(eas_tz_parse_posix(tz, strlen(tz), &berlin));
    uint8_t rec[EAS_ITEM_RECORD_MAX];
    size_t len = 0;
    /* 2026-12-05 10:00-11:00Z */
    eas_event_new ev = {"Room booked", "Room 1", 1796464800, 1796468400, 0, "0123456789ABCDEF0123456789ABCDEF", 1796400000};
    CHECK_OK(eas_event_build(&ev, &berlin, EAS_PROTO_14_1, rec, sizeof rec, &len));
    CHECK(has(rec, len, EAS_Calendar_StartTime, "20261205T100000Z"));
    CHECK(has(rec, len, EAS_Calendar_EndTime, "20261205T110000Z"));
    CHECK(has(rec, len, EAS_Calendar_UID, ev.uid) && !has(rec, len, EAS_Calendar_ClientUid, NULL));
    CHECK(has(rec, len, EAS_Calendar_Subject, "Room booked") && has(rec, len, EAS_Calendar_Location, "Room 1"));
    CHECK(has(rec, len, EAS_Calendar_Timezone, NULL));
    CHECK_OK(eas_event_build(&ev, &berlin, EAS_PROTO_16_0, rec, sizeof rec, &len));
    CHECK(has(rec, len, EAS_Calendar_ClientUid, ev.uid) && !has(rec, len, EAS_Calendar_UID, NULL));
    /* all day, 2026-12-05 to 12-06: local midnights at 14.x (Berlin: 23:00Z the day before), the UTC
     * dates and no zone at 16.x */
    int64_t day = eas_days_from_civil(2026, 12, 5) * 86400;
    eas_event_new all = {"Offsite", NULL, day, day + 86400, 1, ev.uid, ev.stamp};
    CHECK_OK(eas_event_build(&all, &berlin, EAS_PROTO_14_1, rec, sizeof rec, &len));
    CHECK(has(rec, len, EAS_Calendar_StartTime, "20261204T230000Z") && has(rec, len, EAS_Calendar_AllDayEvent, "1"));
    CHECK(has(rec, len, EAS_Calendar_Timezone, NULL));
    CHECK_OK(eas_event_build(&all, &berlin, EAS_PROTO_16_0, rec, sizeof rec, &len));
    CHECK(has(rec, len, EAS_Calendar_StartTime, "20261205T000000Z") && !has(rec, len, EAS_Calendar_Timezone, NULL));
    /* an end before the start, a subject that does not fit */
    eas_event_new back = ev;
    back.end = back.start;
    CHECK_EQ(eas_event_build(&back, &berlin, EAS_PROTO_14_1, rec, sizeof rec, &len), EAS_ERR_ARG);
    char longer[400];
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    back = ev;
    back.subject = longer;
    CHECK_EQ(eas_event_build(&back, &berlin, EAS_PROTO_14_1, rec, 200, &len), EAS_ERR_NOSPACE);
}

TEST(event_change_replaces_only_what_is_given)
{
    eas_tz_rule utc;
    CHECK_OK(eas_tz_parse_posix("UTC0", 4, &utc));
    uint8_t rec[EAS_ITEM_RECORD_MAX], out[EAS_ITEM_RECORD_MAX];
    size_t len = 0, olen = 0;
    eas_event_new ev = {"Before", "Here", 1796464800, 1796468400, 0, "0123456789ABCDEF0123456789ABCDEF", 1796400000};
    CHECK_OK(eas_event_build(&ev, &utc, EAS_PROTO_14_1, rec, sizeof rec, &len));
    int64_t start = 1796466600;
    CHECK_OK(eas_event_change(rec, len, "After", NULL, &start, NULL, 1796400060, out, sizeof out, &olen));
    CHECK(has(out, olen, EAS_Calendar_Subject, "After") && has(out, olen, EAS_Calendar_Location, "Here"));
    CHECK(has(out, olen, EAS_Calendar_StartTime, "20261205T103000Z") && has(out, olen, EAS_Calendar_EndTime, "20261205T110000Z"));
    CHECK(has(out, olen, EAS_Calendar_DtStamp, "20261204T160100Z"));
}
