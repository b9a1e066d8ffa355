/* Recurring events: MS-ASCAL Recurrence expanded into occurrences over a time window, one at a time,
 * in start order, with bounded memory and no list built (docs/CALENDAR.md).
 *
 * The caller keeps the event (eas_cal_event, a fixed-size record with no pointers) and its exceptions
 * (an array of eas_cal_exception); an eas_recur_iter walks the occurrences that overlap [from, to).
 * The pattern runs in the event's own zone: a 09:00 weekly meeting stays at 09:00 local across
 * daylight-saving changes, and its UTC times move. */
#ifndef EAS_RECUR_H
#define EAS_RECUR_H

#include <stddef.h>
#include <stdint.h>

#include "eas/config.h"
#include "eas/err.h"
#include "eas/tz.h"

/* Recurrence Type (MS-ASCAL 2.2.2.45). Z-Push sends 4 for "yearly": it is read as 5. */
typedef enum {
    EAS_RECUR_DAILY = 0,       /* every Interval days; with a DayOfWeek mask: "every weekday" (weekly) */
    EAS_RECUR_WEEKLY = 1,      /* DayOfWeek mask, every Interval weeks (weeks start on FirstDayOfWeek) */
    EAS_RECUR_MONTHLY = 2,     /* DayOfMonth, every Interval months */
    EAS_RECUR_MONTHLY_NTH = 3, /* the WeekOfMonth-th day matching DayOfWeek, every Interval months */
    EAS_RECUR_YEARLY_Z = 4,    /* not in MS-ASCAL; Z-Push's yearly: same as EAS_RECUR_YEARLY */
    EAS_RECUR_YEARLY = 5,      /* MonthOfYear + DayOfMonth, every Interval years */
    EAS_RECUR_YEARLY_NTH = 6,  /* MonthOfYear + WeekOfMonth + DayOfWeek, every Interval years */
} eas_recur_type;

/* DayOfWeek bits (MS-ASCAL 2.2.2.15). With types 3 and 6 the mask is a set of days and WeekOfMonth
 * picks the n-th of them in the month (5 = the last): 62 + 5 = the last weekday of the month,
 * 127 + 1 = the first day of the month, 127 + 5 = its last day, 4 + 2 = the second Tuesday. */
#define EAS_DOW_SUNDAY 1u
#define EAS_DOW_MONDAY 2u
#define EAS_DOW_TUESDAY 4u
#define EAS_DOW_WEDNESDAY 8u
#define EAS_DOW_THURSDAY 16u
#define EAS_DOW_FRIDAY 32u
#define EAS_DOW_SATURDAY 64u
#define EAS_DOW_WEEKDAYS 62u
#define EAS_DOW_WEEKEND 65u
#define EAS_DOW_ANY_DAY 127u

/* eas_recur.flags */
/* A DayOfMonth the month lacks (31 in April, February 29 in 2025) gives no occurrence that month,
 * as RFC 5545 says (SOGo, CalDAV servers). Without it the month's last day is used, as Outlook and
 * Exchange do. */
#define EAS_RECUR_SKIP_SHORT_MONTHS 1u
/* Until is a date: every occurrence on Until's local date (in the event's zone) counts, whatever its
 * time. Without it an occurrence counts when its start <= Until (RFC 5545). For servers that send
 * the last day's midnight. */
#define EAS_RECUR_UNTIL_IS_DATE 2u

/* Recurrence (MS-ASCAL 2.2.2.37), fields as on the wire. 24 bytes. */
typedef struct {
    int64_t until;             /* Until as UTC seconds, when has_until */
    uint32_t occurrences;      /* Occurrences; 0 = not given */
    uint16_t interval;         /* Interval; 0 = not given (1) */
    uint8_t type;              /* eas_recur_type */
    uint8_t day_of_week;       /* DayOfWeek mask; 0 = not given */
    uint8_t day_of_month;      /* DayOfMonth 1-31; 0 = not given (the start's) */
    uint8_t week_of_month;     /* WeekOfMonth 1-5, 5 = last */
    uint8_t month_of_year;     /* MonthOfYear 1-12; 0 = not given (the start's) */
    uint8_t first_day_of_week; /* FirstDayOfWeek 0 = Sunday ... 6 = Saturday (default 0) */
    uint8_t calendar_type;     /* CalendarType: Gregorian ones (0, 1, 2, 9-12) only */
    uint8_t is_leap_month;     /* IsLeapMonth: meaningful only for lunar calendars; ignored */
    uint8_t has_until;
    uint8_t flags;             /* EAS_RECUR_SKIP_SHORT_MONTHS, EAS_RECUR_UNTIL_IS_DATE */
} eas_recur;

/* An event as the iterator needs it. 80 bytes, no pointers: the engine's fixed-size record can hold
 * it as is.
 * Timed events: start/end are StartTime/EndTime (UTC); zone is the event's Timezone.
 * All-day events (all_day = 1) are dates:
 *  - protocol 14.x and older (dates_utc = 0): StartTime is local midnight in the event's Timezone,
 *    expressed in UTC; a start off midnight is moved back to the midnight before, an end forward to
 *    the midnight after (what Exchange does). Until and ExceptionStartTime are read the same way.
 *  - protocol 16.x (dates_utc = 1): the item carries no Timezone and StartTime/EndTime/Until/
 *    ExceptionStartTime hold the date in their UTC date part ("20261201T000000Z" is 1 December
 *    wherever the device is). Put the zone to show them in (the device's) into zone.
 * An all-day occurrence spans local midnight to local midnight of zone. */
typedef struct {
    int64_t start;     /* StartTime, UTC seconds */
    int64_t end;       /* EndTime, UTC seconds (>= start) */
    eas_tz_rule zone;
    eas_recur recur;   /* used when recurring */
    uint8_t recurring;
    uint8_t all_day;
    uint8_t dates_utc;
} eas_cal_event;

/* One Exception element (MS-ASCAL 2.2.2.21). The caller keeps the rest (Subject, Location...) and
 * finds it again by the index the iterator reports. 32 bytes. */
typedef struct {
    int64_t original_start; /* ExceptionStartTime: the start the instance had (UTC) */
    int64_t start;          /* StartTime of the exception, when has_start */
    int64_t end;            /* EndTime of the exception, when has_end */
    uint8_t deleted;        /* Deleted = 1: the instance is cancelled */
    uint8_t has_start;
    uint8_t has_end;
} eas_cal_exception;

/* One occurrence. 32 bytes. */
typedef struct {
    int64_t start;          /* UTC */
    int64_t end;            /* UTC */
    int64_t original_start; /* the instance's start before any change (ExceptionStartTime to send
                             * when the user changes or deletes this occurrence) */
    int32_t day;            /* local date of start in the event's zone, days since 1970-01-01 */
    int16_t exception;      /* index of the exception that changed this instance, -1 if none */
    uint8_t all_day;
} eas_occurrence;

/* Iterator over the occurrences of one event that overlap [from, to): start < to and end > from (an
 * empty occurrence counts when from <= start < to). Caller-owned; it points to the event and the
 * exceptions, which must stay in place while it is used. 176 bytes on a 64-bit host, about 160 on a
 * 32-bit MCU. */
typedef struct {
    const eas_cal_event *ev;
    const eas_cal_exception *ex;
    int64_t from, to;
    int64_t d0;          /* first day of the pattern (local day number) */
    int64_t tod;         /* timed: local time of day of the start, seconds */
    int64_t dur;         /* timed: seconds; all-day: days */
    int64_t until;       /* UTC seconds or local day, per until_kind */
    int64_t anchor;      /* weekly: first day of the start's week; monthly: month number; yearly: year */
    int64_t period;      /* periods walked from the anchor (in units of the interval) */
    eas_occurrence reg;  /* next regular occurrence, when have_reg */
    int64_t reg_idx;     /* its instance number */
    int64_t last_start, last_end, last_idx;
    uint32_t n;          /* instances generated so far (for Occurrences) */
    uint32_t count;      /* Occurrences, 0 = unbounded */
    uint16_t interval;
    uint16_t nex;
    uint8_t kind, mask, dom, wom, moy, wkst, pos;
    uint8_t until_kind;  /* 0 none, 1 UTC instant, 2 local day */
    uint8_t skip_short;
    uint8_t have_reg, reg_done, have_last, last_src;
} eas_recur_iter;

/* Checks the event and positions the iterator at the first occurrence that can overlap the window,
 * without walking the ones before it (daily and weekly series jump there arithmetically; monthly and
 * yearly ones too unless Occurrences has to be counted through skipped short months).
 * nex may be 0 (ex NULL); at most EAS_RECUR_MAX_EXCEPTIONS (else EAS_ERR_NOSPACE).
 * Errors: EAS_ERR_ARG, EAS_ERR_TIME_RANGE, EAS_ERR_RECUR (a Type/field combination that names no
 * day), EAS_ERR_UNSUPPORTED (a non-Gregorian CalendarType: never misread). */
eas_err eas_recur_iter_init(eas_recur_iter *it, const eas_cal_event *ev, const eas_cal_exception *ex, size_t nex,
                            int64_t from, int64_t to);
/* The next occurrence in start order (then end, then regular before changed instances): EAS_OK, or
 * EAS_ERR_NOT_FOUND when there is no more. Deleted instances are skipped; changed ones come at their
 * new times, in order, whether moved into the window from outside or out of it. A changed exception
 * is reported even when its instance is not in the pattern (the server said it exists).
 * Work per call: at most EAS_RECUR_MAX_EXCEPTIONS + 64 instances of the pattern plus one scan of the
 * exceptions; a monthly or yearly pattern that only skipped months can match (day 31 every 12 months
 * from April) gives up at year 9999 (about 120,000 months at most). */
eas_err eas_recur_iter_next(eas_recur_iter *it, eas_occurrence *occ);

/* 1 when a sorts before b: start, then end. */
int eas_occurrence_before(const eas_occurrence *a, const eas_occurrence *b);

/* Interleaves up to EAS_CAL_MERGE_MAX iterators (one per event) into one start-ordered stream.
 * For agendas over more events than that, see docs/CALENDAR.md ("Agenda"): page through them with
 * a cursor instead, which needs no memory per event. */
typedef struct {
    eas_recur_iter *it[EAS_CAL_MERGE_MAX];
    eas_occurrence head[EAS_CAL_MERGE_MAX];
    uint8_t live[EAS_CAL_MERGE_MAX];
    uint8_t count;
    uint8_t primed;
} eas_cal_merge;

void eas_cal_merge_init(eas_cal_merge *m);
/* Adds an initialised iterator (before the first next); EAS_ERR_NOSPACE when full. */
eas_err eas_cal_merge_add(eas_cal_merge *m, eas_recur_iter *it);
/* The next occurrence of all (ties: the iterator added first), and which iterator gave it (its index
 * in the order of eas_cal_merge_add; may be NULL). EAS_ERR_NOT_FOUND at the end. */
eas_err eas_cal_merge_next(eas_cal_merge *m, eas_occurrence *occ, unsigned *source);

#endif
