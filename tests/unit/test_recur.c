/* Recurrence expansion: each MS-ASCAL type, DST in the event's zone, Until/Occurrences, exceptions,
 * all-day events (14.x and 16.x), far windows, the merge iterator. Expected dates are worked out by
 * hand from calendars (and RFC 5545's examples), not by this code. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "eas/civil.h"
#include "eas/err.h"
#include "eas/recur.h"
#include "eas/tz.h"

static int64_t T(const char *compact)
{
    int64_t t = 0;
    (void)eas_datetime_parse(compact, strlen(compact), &t);
    return t;
}

static void zone(eas_cal_event *ev, const char *posix)
{
    (void)eas_tz_parse_posix(posix, strlen(posix), &ev->zone);
}

static eas_cal_event timed(const char *posix, const char *start, const char *end, uint8_t type)
{
    eas_cal_event ev;
    memset(&ev, 0, sizeof ev);
    zone(&ev, posix);
    ev.start = T(start);
    ev.end = T(end);
    ev.recurring = 1;
    ev.recur.type = type;
    return ev;
}

static char listing[8192];

/* The starts (or "start/end" when with_end) of the occurrences in [from, to), space-separated; a
 * changed instance is marked "*". Returns the count, or -1 on an error. */
static int list(const eas_cal_event *ev, const eas_cal_exception *ex, size_t nex, int64_t from, int64_t to,
                int with_end)
{
    eas_recur_iter it;
    listing[0] = '\0';
    if (eas_recur_iter_init(&it, ev, ex, nex, from, to) != EAS_OK) return -1;
    eas_occurrence o;
    int n = 0;
    size_t len = 0;
    while (eas_recur_iter_next(&it, &o) == EAS_OK && n < 400) {
        char s[EAS_DATETIME_COMPACT_SIZE], e[EAS_DATETIME_COMPACT_SIZE];
        (void)eas_datetime_format_compact(o.start, s, sizeof s);
        (void)eas_datetime_format_compact(o.end, e, sizeof e);
        int w = snprintf(listing + len, sizeof listing - len, "%s%s%s%s%s", n ? " " : "", s, with_end ? "/" : "",
                         with_end ? e : "", o.exception >= 0 ? "*" : "");
        if (w > 0 && (size_t)w < sizeof listing - len) len += (size_t)w;
        n++;
    }
    return n;
}

#define ALL (-62135596800LL), (253402300800LL)

TEST(recur_daily_keeps_local_time_across_dst)
{
    eas_cal_event ev = timed("CET-1CEST,M3.5.0,M10.5.0/3", "20250328T080000Z", "20250328T090000Z", EAS_RECUR_DAILY);
    ev.recur.occurrences = 5;
    CHECK_EQ(list(&ev, NULL, 0, ALL, 1), 5);
    CHECK_STR(listing, "20250328T080000Z/20250328T090000Z 20250329T080000Z/20250329T090000Z "
                       "20250330T070000Z/20250330T080000Z 20250331T070000Z/20250331T080000Z "
                       "20250401T070000Z/20250401T080000Z");
    /* Every third day, 02:30 local: on 2025-03-30 that time does not exist and moves to 03:30. */
    ev = timed("CET-1CEST,M3.5.0,M10.5.0/3", "20250324T013000Z", "20250324T023000Z", EAS_RECUR_DAILY);
    ev.recur.interval = 3;
    ev.recur.occurrences = 4;
    CHECK_EQ(list(&ev, NULL, 0, ALL, 1), 4);
    CHECK_STR(listing, "20250324T013000Z/20250324T023000Z 20250327T013000Z/20250327T023000Z "
                       "20250330T013000Z/20250330T023000Z 20250402T003000Z/20250402T013000Z");
    /* 02:30 on the fall-back day happens twice: the first one (still CEST). */
    ev = timed("CET-1CEST,M3.5.0,M10.5.0/3", "20251025T003000Z", "20251025T013000Z", EAS_RECUR_DAILY);
    ev.recur.occurrences = 3;
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), 3);
    CHECK_STR(listing, "20251025T003000Z 20251026T003000Z 20251027T013000Z");
}

TEST(recur_weekly_interval_and_first_day_of_week)
{
    /* RFC 5545 3.8.5.3: every other week on Tuesday and Sunday, 4 times, from 1997-08-05 09:00
     * New York: with weeks starting Monday: Aug 5, 10, 19, 24; starting Sunday: Aug 5, 17, 19, 31. */
    eas_cal_event ev = timed("EST5EDT,M3.2.0,M11.1.0", "19970805T130000Z", "19970805T140000Z", EAS_RECUR_WEEKLY);
    ev.recur.interval = 2;
    ev.recur.occurrences = 4;
    ev.recur.day_of_week = EAS_DOW_TUESDAY | EAS_DOW_SUNDAY;
    ev.recur.first_day_of_week = 1;
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), 4);
    CHECK_STR(listing, "19970805T130000Z 19970810T130000Z 19970819T130000Z 19970824T130000Z");
    ev.recur.first_day_of_week = 0;
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), 4);
    CHECK_STR(listing, "19970805T130000Z 19970817T130000Z 19970819T130000Z 19970831T130000Z");
    /* No mask: the start's weekday. Until inclusive of an occurrence that starts exactly then. */
    ev = timed("EST5EDT,M3.2.0,M11.1.0", "20251027T130000Z", "20251027T140000Z", EAS_RECUR_WEEKLY);
    ev.recur.has_until = 1;
    ev.recur.until = T("20251117T140000Z");
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), 4);
    CHECK_STR(listing, "20251027T130000Z 20251103T140000Z 20251110T140000Z 20251117T140000Z");
    ev.recur.until = T("20251117T135959Z");
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), 3);
    /* Until as a date: the local date's occurrences all count. */
    ev.recur.until = T("20251117T050000Z"); /* 00:00 local on the 17th */
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), 3);
    ev.recur.flags = EAS_RECUR_UNTIL_IS_DATE;
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), 4);
    /* Daily with a mask is "every weekday". */
    ev = timed("UTC0", "20250103T090000Z", "20250103T093000Z", EAS_RECUR_DAILY);
    ev.recur.day_of_week = EAS_DOW_WEEKDAYS;
    ev.recur.occurrences = 4;
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), 4);
    CHECK_STR(listing, "20250103T090000Z 20250106T090000Z 20250107T090000Z 20250108T090000Z");
}

TEST(recur_weekly_southern_hemisphere)
{
    /* Sydney, Mondays 09:00 from 2024-12-30 (AEDT, +11) past the 2025-04-06 change (AEST, +10). */
    eas_cal_event ev = timed("AEST-10AEDT,M10.1.0,M4.1.0/3", "20241229T220000Z", "20241229T230000Z", EAS_RECUR_WEEKLY);
    ev.recur.day_of_week = EAS_DOW_MONDAY;
    CHECK_EQ(list(&ev, NULL, 0, T("20250330T000000Z"), T("20250410T000000Z"), 0), 2);
    CHECK_STR(listing, "20250330T220000Z 20250406T230000Z");
    CHECK_EQ(list(&ev, NULL, 0, T("20241201T000000Z"), T("20250110T000000Z"), 0), 2);
    CHECK_STR(listing, "20241229T220000Z 20250105T220000Z");
    CHECK_EQ(list(&ev, NULL, 0, T("20251001T000000Z"), T("20251014T000000Z"), 0), 2); /* back to +11 on Oct 5 */
    CHECK_STR(listing, "20251005T220000Z 20251012T220000Z");
}

TEST(recur_monthly_on_day_short_months)
{
    eas_cal_event ev = timed("UTC0", "20250131T100000Z", "20250131T110000Z", EAS_RECUR_MONTHLY);
    ev.recur.day_of_month = 31;
    ev.recur.occurrences = 6;
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), 6);
    CHECK_STR(listing, "20250131T100000Z 20250228T100000Z 20250331T100000Z 20250430T100000Z 20250531T100000Z "
                       "20250630T100000Z");
    ev.recur.flags = EAS_RECUR_SKIP_SHORT_MONTHS;
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), 6);
    CHECK_STR(listing, "20250131T100000Z 20250331T100000Z 20250531T100000Z 20250731T100000Z 20250831T100000Z "
                       "20251031T100000Z");
    /* A start after the month's day: the first occurrence is the next period's. */
    ev = timed("UTC0", "20250120T100000Z", "20250120T110000Z", EAS_RECUR_MONTHLY);
    ev.recur.day_of_month = 5;
    ev.recur.interval = 2;
    ev.recur.occurrences = 2;
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), 2);
    CHECK_STR(listing, "20250305T100000Z 20250505T100000Z");
    /* Day 31 every 12 months from April never happens with RFC semantics: ends, bounded. */
    ev = timed("UTC0", "20250401T100000Z", "20250401T110000Z", EAS_RECUR_MONTHLY);
    ev.recur.day_of_month = 31;
    ev.recur.interval = 12;
    ev.recur.flags = EAS_RECUR_SKIP_SHORT_MONTHS;
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), 0);
}

TEST(recur_monthly_nth)
{
    /* Last weekday of the month (62 + 5). */
    eas_cal_event ev = timed("UTC0", "20250131T100000Z", "20250131T110000Z", EAS_RECUR_MONTHLY_NTH);
    ev.recur.day_of_week = EAS_DOW_WEEKDAYS;
    ev.recur.week_of_month = 5;
    ev.recur.occurrences = 6;
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), 6);
    CHECK_STR(listing, "20250131T100000Z 20250228T100000Z 20250331T100000Z 20250430T100000Z 20250530T100000Z "
                       "20250630T100000Z");
    /* Second Tuesday. */
    ev.recur.day_of_week = EAS_DOW_TUESDAY;
    ev.recur.week_of_month = 2;
    ev.start = T("20250114T100000Z");
    ev.end = T("20250114T110000Z");
    ev.recur.occurrences = 4;
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), 4);
    CHECK_STR(listing, "20250114T100000Z 20250211T100000Z 20250311T100000Z 20250408T100000Z");
    /* First and last day of the month (127). */
    ev.recur.day_of_week = EAS_DOW_ANY_DAY;
    ev.recur.week_of_month = 1;
    ev.start = T("20250101T100000Z");
    ev.end = T("20250101T110000Z");
    ev.recur.occurrences = 3;
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), 3);
    CHECK_STR(listing, "20250101T100000Z 20250201T100000Z 20250301T100000Z");
    ev.recur.week_of_month = 5;
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), 3);
    CHECK_STR(listing, "20250131T100000Z 20250228T100000Z 20250331T100000Z");
    /* Fourth weekend day; a mask is required. */
    ev.recur.day_of_week = EAS_DOW_WEEKEND;
    ev.recur.week_of_month = 4;
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), 3);
    CHECK_STR(listing, "20250112T100000Z 20250209T100000Z 20250309T100000Z");
    ev.recur.day_of_week = 0;
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), -1);
}

TEST(recur_yearly_on_day_and_nth)
{
    eas_cal_event ev = timed("UTC0", "20240229T120000Z", "20240229T130000Z", EAS_RECUR_YEARLY);
    ev.recur.month_of_year = 2;
    ev.recur.day_of_month = 29;
    ev.recur.occurrences = 5;
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), 5);
    CHECK_STR(listing, "20240229T120000Z 20250228T120000Z 20260228T120000Z 20270228T120000Z 20280229T120000Z");
    ev.recur.flags = EAS_RECUR_SKIP_SHORT_MONTHS;
    ev.recur.occurrences = 3;
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), 3);
    CHECK_STR(listing, "20240229T120000Z 20280229T120000Z 20320229T120000Z");
    ev.recur.type = EAS_RECUR_YEARLY_Z; /* Z-Push's 4 */
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), 3);
    /* US Thanksgiving: fourth Thursday of November, from New York, every 2 years. */
    ev = timed("EST5EDT,M3.2.0,M11.1.0", "20251127T170000Z", "20251127T200000Z", EAS_RECUR_YEARLY_NTH);
    ev.recur.month_of_year = 11;
    ev.recur.week_of_month = 4;
    ev.recur.day_of_week = EAS_DOW_THURSDAY;
    ev.recur.interval = 2;
    ev.recur.occurrences = 3;
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), 3);
    CHECK_STR(listing, "20251127T170000Z 20271125T170000Z 20291122T170000Z");
    /* Missing MonthOfYear/DayOfMonth: the start's. */
    ev = timed("UTC0", "20250315T120000Z", "20250315T130000Z", EAS_RECUR_YEARLY);
    ev.recur.occurrences = 2;
    CHECK_EQ(list(&ev, NULL, 0, ALL, 0), 2);
    CHECK_STR(listing, "20250315T120000Z 20260315T120000Z");
}

TEST(recur_rejects_what_it_cannot_read)
{
    eas_cal_event ev = timed("UTC0", "20250315T120000Z", "20250315T130000Z", EAS_RECUR_MONTHLY);
    eas_recur_iter it;
    ev.recur.calendar_type = 15; /* Chinese lunar */
    CHECK_EQ(eas_recur_iter_init(&it, &ev, NULL, 0, ALL), EAS_ERR_UNSUPPORTED);
    CHECK_EQ(eas_recur_iter_next(&it, &(eas_occurrence){0}), EAS_ERR_ARG);
    ev.recur.calendar_type = 6; /* Hijri */
    CHECK_EQ(eas_recur_iter_init(&it, &ev, NULL, 0, ALL), EAS_ERR_UNSUPPORTED);
    ev.recur.calendar_type = 2; /* Gregorian (US) is Gregorian */
    CHECK_OK(eas_recur_iter_init(&it, &ev, NULL, 0, ALL));
    ev.recur.calendar_type = 1;
    ev.recur.type = 7;
    CHECK_EQ(eas_recur_iter_init(&it, &ev, NULL, 0, ALL), EAS_ERR_RECUR);
    ev.recur.type = EAS_RECUR_WEEKLY;
    ev.recur.day_of_week = 128;
    CHECK_EQ(eas_recur_iter_init(&it, &ev, NULL, 0, ALL), EAS_ERR_RECUR);
    ev.recur.day_of_week = 1;
    ev.recur.first_day_of_week = 7;
    CHECK_EQ(eas_recur_iter_init(&it, &ev, NULL, 0, ALL), EAS_ERR_RECUR);
    ev.recur.first_day_of_week = 0;
    ev.recur.type = EAS_RECUR_YEARLY_NTH;
    ev.recur.week_of_month = 0;
    CHECK_EQ(eas_recur_iter_init(&it, &ev, NULL, 0, ALL), EAS_ERR_RECUR);
    ev.recur.week_of_month = 6;
    CHECK_EQ(eas_recur_iter_init(&it, &ev, NULL, 0, ALL), EAS_ERR_RECUR);
    ev.recur.week_of_month = 1;
    ev.recur.month_of_year = 13;
    CHECK_EQ(eas_recur_iter_init(&it, &ev, NULL, 0, ALL), EAS_ERR_RECUR);
    ev.recur.month_of_year = 1;
    CHECK_OK(eas_recur_iter_init(&it, &ev, NULL, 0, ALL));
    eas_cal_exception many[EAS_RECUR_MAX_EXCEPTIONS + 1];
    memset(many, 0, sizeof many);
    CHECK_EQ(eas_recur_iter_init(&it, &ev, many, EAS_RECUR_MAX_EXCEPTIONS + 1, ALL), EAS_ERR_NOSPACE);
    CHECK_EQ(eas_recur_iter_init(&it, &ev, NULL, 1, ALL), EAS_ERR_ARG);
    ev.start = EAS_TIME_MAX + 1;
    CHECK_EQ(eas_recur_iter_init(&it, &ev, NULL, 0, ALL), EAS_ERR_TIME_RANGE);
}

TEST(recur_exceptions_deleted_and_moved_in_order)
{
    /* Weekly Monday 10:00-11:00 UTC from 2025-01-06, 6 times. */
    eas_cal_event ev = timed("UTC0", "20250106T100000Z", "20250106T110000Z", EAS_RECUR_WEEKLY);
    ev.recur.day_of_week = EAS_DOW_MONDAY;
    ev.recur.occurrences = 6;
    eas_cal_exception ex[4];
    memset(ex, 0, sizeof ex);
    ex[0].original_start = T("20250113T100000Z"); /* deleted */
    ex[0].deleted = 1;
    ex[1].original_start = T("20250120T100000Z"); /* moved after the next one, to Wednesday 29th */
    ex[1].has_start = ex[1].has_end = 1;
    ex[1].start = T("20250129T150000Z");
    ex[1].end = T("20250129T160000Z");
    ex[2].original_start = T("20250203T100000Z"); /* moved back before the 27th */
    ex[2].has_start = ex[2].has_end = 1;
    ex[2].start = T("20250125T080000Z");
    ex[2].end = T("20250125T083000Z");
    ex[3].original_start = T("20250210T100000Z"); /* only the end changes */
    ex[3].has_end = 1;
    ex[3].end = T("20250210T123000Z");
    CHECK_EQ(list(&ev, ex, 4, ALL, 1), 5);
    CHECK_STR(listing, "20250106T100000Z/20250106T110000Z 20250125T080000Z/20250125T083000Z* "
                       "20250127T100000Z/20250127T110000Z 20250129T150000Z/20250129T160000Z* "
                       "20250210T100000Z/20250210T123000Z*");
    /* A window that only the moved instance reaches: it comes in from outside; the instance whose
     * original time is in the window but moved away does not. */
    CHECK_EQ(list(&ev, ex, 4, T("20250125T000000Z"), T("20250126T000000Z"), 0), 1);
    CHECK_STR(listing, "20250125T080000Z*");
    CHECK_EQ(list(&ev, ex, 4, T("20250203T000000Z"), T("20250204T000000Z"), 0), 0);
    /* The iterator reports the exception index and the original start. */
    eas_recur_iter it;
    eas_occurrence o;
    CHECK_OK(eas_recur_iter_init(&it, &ev, ex, 4, T("20250129T000000Z"), T("20250130T000000Z")));
    CHECK_OK(eas_recur_iter_next(&it, &o));
    CHECK_EQ(o.exception, 1);
    CHECK_EQ(o.original_start, T("20250120T100000Z"));
    CHECK_EQ(o.day, eas_days_from_civil(2025, 1, 29));
    CHECK_EQ(eas_recur_iter_next(&it, &o), EAS_ERR_NOT_FOUND);
    CHECK_EQ(eas_recur_iter_next(&it, &o), EAS_ERR_NOT_FOUND);
    /* Two changed instances at the same time come in index order, both. */
    ex[2].start = ex[1].start;
    ex[2].end = ex[1].end;
    CHECK_EQ(list(&ev, ex, 4, ALL, 0), 5);
    CHECK_STR(listing, "20250106T100000Z 20250127T100000Z 20250129T150000Z* 20250129T150000Z* 20250210T100000Z*");
}

TEST(recur_exceptions_match_by_local_date_in_zone)
{
    /* Berlin, daily 00:30 local (23:30Z the day before in winter). ExceptionStartTime 23:30Z on
     * 2025-01-09 is the instance of January 10 local. */
    eas_cal_event ev = timed("CET-1CEST,M3.5.0,M10.5.0/3", "20250104T233000Z", "20250105T003000Z", EAS_RECUR_DAILY);
    ev.recur.occurrences = 10;
    eas_cal_exception ex = {T("20250109T233000Z"), 0, 0, 1, 0, 0};
    CHECK_EQ(list(&ev, &ex, 1, ALL, 0), 9);
    CHECK(strstr(listing, "20250109T233000Z") == NULL);
    CHECK(strstr(listing, "20250110T233000Z") != NULL);
}

TEST(recur_all_day_14_and_16)
{
    /* 14.x: local midnight in the event's zone (Berlin), expressed in UTC. 2025-03-30 is 23 hours. */
    eas_cal_event ev = timed("CET-1CEST,M3.5.0,M10.5.0/3", "20250328T230000Z", "20250329T230000Z", EAS_RECUR_DAILY);
    ev.all_day = 1;
    ev.recur.occurrences = 3;
    CHECK_EQ(list(&ev, NULL, 0, ALL, 1), 3);
    CHECK_STR(listing, "20250328T230000Z/20250329T230000Z 20250329T230000Z/20250330T220000Z "
                       "20250330T220000Z/20250331T220000Z");
    /* Until on the last date (its local midnight) includes it; exceptions by date. */
    ev.recur.occurrences = 0;
    ev.recur.has_until = 1;
    ev.recur.until = T("20250331T220000Z"); /* April 1 local */
    eas_cal_exception ex = {T("20250330T220000Z"), 0, 0, 1, 0, 0};
    CHECK_EQ(list(&ev, &ex, 1, ALL, 0), 3);
    CHECK_STR(listing, "20250328T230000Z 20250329T230000Z 20250331T220000Z");
    /* A start off midnight is moved back to the midnight before, the end forward. */
    ev.recurring = 0;
    ev.start = T("20250328T120000Z");
    ev.end = T("20250329T120000Z");
    CHECK_EQ(list(&ev, NULL, 0, ALL, 1), 1);
    CHECK_STR(listing, "20250327T230000Z/20250329T230000Z");
    /* 16.x: the UTC date is the date; shown in the device's zone (New York): two days. */
    eas_cal_event ev16;
    memset(&ev16, 0, sizeof ev16);
    zone(&ev16, "EST5EDT,M3.2.0,M11.1.0");
    ev16.all_day = 1;
    ev16.dates_utc = 1;
    ev16.start = T("20251101T000000Z");
    ev16.end = T("20251103T000000Z");
    ev16.recurring = 1;
    ev16.recur.type = EAS_RECUR_WEEKLY;
    ev16.recur.day_of_week = EAS_DOW_SATURDAY;
    ev16.recur.has_until = 1;
    ev16.recur.until = T("20251108T000000Z");
    CHECK_EQ(list(&ev16, NULL, 0, ALL, 1), 2);
    CHECK_STR(listing, "20251101T040000Z/20251103T050000Z 20251108T050000Z/20251110T050000Z");
    eas_recur_iter it;
    eas_occurrence o;
    CHECK_OK(eas_recur_iter_init(&it, &ev16, NULL, 0, ALL));
    CHECK_OK(eas_recur_iter_next(&it, &o));
    CHECK_EQ(o.all_day, 1);
    CHECK_EQ(o.day, eas_days_from_civil(2025, 11, 1));
    /* A moved all-day instance (16.x dates). */
    eas_cal_exception mv = {T("20251108T000000Z"), T("20251112T000000Z"), T("20251113T000000Z"), 0, 1, 1};
    CHECK_EQ(list(&ev16, &mv, 1, ALL, 1), 2);
    CHECK_STR(listing, "20251101T040000Z/20251103T050000Z 20251112T050000Z/20251113T050000Z*");
}

TEST(recur_ten_years_daily_and_far_windows)
{
    eas_cal_event ev = timed("CET-1CEST,M3.5.0,M10.5.0/3", "20250101T080000Z", "20250101T083000Z", EAS_RECUR_DAILY);
    ev.recur.occurrences = 3652;
    eas_recur_iter it;
    eas_occurrence o, prev = {0};
    CHECK_OK(eas_recur_iter_init(&it, &ev, NULL, 0, ALL));
    int n = 0;
    while (eas_recur_iter_next(&it, &o) == EAS_OK) {
        int64_t local;
        CHECK_OK(eas_tz_utc_to_local(&ev.zone, o.start, &local));
        CHECK_MSG(eas_floor_mod(local, 86400) == 9 * 3600, "occurrence %d not at 09:00", n);
        if (n) CHECK(o.start > prev.start);
        prev = o;
        n++;
    }
    CHECK_EQ(n, 3652);
    CHECK_EQ(prev.day, eas_days_from_civil(2034, 12, 31));
    /* The same series seen through a window in 2030: the same instances, counted from the start. */
    CHECK_EQ(list(&ev, NULL, 0, T("20300101T000000Z"), T("20300105T000000Z"), 0), 4);
    CHECK_STR(listing, "20300101T080000Z 20300102T080000Z 20300103T080000Z 20300104T080000Z");
    CHECK_EQ(list(&ev, NULL, 0, T("20341230T000000Z"), T("20400101T000000Z"), 0), 2);
    /* No end: a window in year 2500 is reached at once. */
    ev.recur.occurrences = 0;
    ev.recur.interval = 7;
    CHECK_EQ(list(&ev, NULL, 0, T("25000101T000000Z"), T("25000201T000000Z"), 0), 4);
    CHECK_STR(listing, "25000106T080000Z 25000113T080000Z 25000120T080000Z 25000127T080000Z");
    CHECK_EQ(list(&ev, NULL, 0, T("99991201T000000Z"), 253402300800LL, 0), 5);
    /* Overlap: an occurrence that started before the window and ends inside it is in. */
    ev.recur.interval = 1;
    ev.end = T("20250102T080000Z"); /* 24 hours long */
    CHECK_EQ(list(&ev, NULL, 0, T("20250103T070000Z"), T("20250103T070001Z"), 0), 1);
    CHECK_STR(listing, "20250102T080000Z");
}

/* Windowed iteration equals the full iteration cut to the window, for every kind of pattern. */
TEST(recur_windows_agree_with_full_walk)
{
    static const struct {
        uint8_t type, dow, dom, wom, moy, fdow, flags;
        uint16_t interval;
        uint32_t count;
    } pats[] = {
        {0, 0, 0, 0, 0, 0, 0, 1, 400},   {0, 0, 0, 0, 0, 0, 0, 3, 0},     {0, 62, 0, 0, 0, 0, 0, 2, 300},
        {1, 42, 0, 0, 0, 1, 0, 3, 250},  {1, 127, 0, 0, 0, 4, 0, 1, 0},   {2, 0, 31, 0, 0, 0, 1, 1, 60},
        {2, 0, 30, 0, 0, 0, 0, 5, 60},   {3, 62, 0, 5, 0, 0, 0, 1, 0},    {3, 8, 0, 3, 0, 0, 0, 2, 50},
        {5, 0, 29, 0, 2, 0, 1, 1, 20},   {5, 0, 31, 0, 4, 0, 0, 3, 0},    {6, 65, 0, 2, 10, 0, 0, 1, 30},
    };
    eas_cal_event ev = timed("AEST-10AEDT,M10.1.0,M4.1.0/3", "20240131T153000Z", "20240131T183000Z", 0);
    static eas_occurrence full[16000];
    for (size_t p = 0; p < sizeof pats / sizeof pats[0]; p++) {
        for (int allday = 0; allday < 2; allday++) {
            ev.all_day = (uint8_t)allday;
            ev.recur = (eas_recur){0};
            ev.recur.type = pats[p].type;
            ev.recur.day_of_week = pats[p].dow;
            ev.recur.day_of_month = pats[p].dom;
            ev.recur.week_of_month = pats[p].wom;
            ev.recur.month_of_year = pats[p].moy;
            ev.recur.first_day_of_week = pats[p].fdow;
            ev.recur.flags = pats[p].flags;
            ev.recur.interval = pats[p].interval;
            ev.recur.occurrences = pats[p].count;
            int64_t end_all = T("20600101T000000Z");
            eas_recur_iter it;
            CHECK_OK(eas_recur_iter_init(&it, &ev, NULL, 0, EAS_TIME_MIN, end_all));
            int n = 0;
            while (n < 16000 && eas_recur_iter_next(&it, &full[n]) == EAS_OK) n++;
            CHECK(n > 3 && n < 16000);
            for (int64_t from = T("20240101T000000Z"); from < end_all; from += 86400 * 97 + 3607) {
                int64_t to = from + 86400 * 40;
                CHECK_OK(eas_recur_iter_init(&it, &ev, NULL, 0, from, to));
                int k = 0;
                while (k < n && !(full[k].start < to && full[k].end > from)) k++;
                eas_occurrence o;
                while (eas_recur_iter_next(&it, &o) == EAS_OK) {
                    CHECK_MSG(k < n && o.start == full[k].start && o.end == full[k].end,
                              "pattern %zu allday %d window %lld: extra or wrong occurrence", p, allday,
                              (long long)from);
                    k++;
                    while (k < n && !(full[k].start < to && full[k].end > from)) k++;
                }
                CHECK_MSG(k >= n || full[k].start >= to, "pattern %zu allday %d window %lld: missed one", p, allday,
                          (long long)from);
            }
        }
    }
}

TEST(recur_single_events_and_merge)
{
    eas_cal_event a = timed("UTC0", "20250106T100000Z", "20250106T110000Z", EAS_RECUR_DAILY);
    a.recur.occurrences = 3;
    eas_cal_event b = timed("CET-1CEST,M3.5.0,M10.5.0/3", "20250107T093000Z", "20250107T100000Z", 0);
    b.recurring = 0;
    eas_cal_event c = timed("UTC0", "20250105T120000Z", "20250105T130000Z", EAS_RECUR_WEEKLY);
    c.recur.day_of_week = EAS_DOW_SUNDAY | EAS_DOW_TUESDAY;
    c.recur.occurrences = 3;
    CHECK_EQ(list(&b, NULL, 0, ALL, 0), 1);
    CHECK_EQ(list(&b, NULL, 0, T("20250107T100000Z"), T("20250108T000000Z"), 0), 0); /* ends at from */
    eas_recur_iter ia, ib, ic;
    CHECK_OK(eas_recur_iter_init(&ia, &a, NULL, 0, ALL));
    CHECK_OK(eas_recur_iter_init(&ib, &b, NULL, 0, ALL));
    CHECK_OK(eas_recur_iter_init(&ic, &c, NULL, 0, ALL));
    eas_cal_merge m;
    eas_cal_merge_init(&m);
    CHECK_OK(eas_cal_merge_add(&m, &ia));
    CHECK_OK(eas_cal_merge_add(&m, &ib));
    CHECK_OK(eas_cal_merge_add(&m, &ic));
    static const struct {
        const char *start;
        unsigned src;
    } want[] = {{"20250105T120000Z", 2}, {"20250106T100000Z", 0}, {"20250107T093000Z", 1}, {"20250107T100000Z", 0},
                {"20250107T120000Z", 2}, {"20250108T100000Z", 0}, {"20250112T120000Z", 2}};
    eas_occurrence o;
    unsigned src;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        CHECK_OK(eas_cal_merge_next(&m, &o, &src));
        CHECK_MSG(o.start == T(want[i].start) && src == want[i].src, "merge item %zu", i);
    }
    CHECK_EQ(eas_cal_merge_next(&m, &o, &src), EAS_ERR_NOT_FOUND);
    CHECK_EQ(eas_cal_merge_add(&m, &ia), EAS_ERR_STATE);
    eas_cal_merge_init(&m);
    for (unsigned i = 0; i < EAS_CAL_MERGE_MAX; i++) CHECK_OK(eas_cal_merge_add(&m, &ia));
    CHECK_EQ(eas_cal_merge_add(&m, &ia), EAS_ERR_NOSPACE);
}
