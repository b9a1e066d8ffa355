/* Civil (proleptic Gregorian) date arithmetic and the ActiveSync date-time texts, without the C
 * library's time functions: the core must give the same answers on every board, whatever its libc,
 * its TZ variable or its time_t.
 *
 * Times are int64 seconds since 1970-01-01T00:00:00Z ("UTC seconds"). A wall-clock time in some zone
 * is the same count read on that zone's clock ("local seconds": 0 is local midnight of 1970-01-01).
 * Days are int64 days since 1970-01-01 (day 0 was a Thursday). Supported: years 1 to 9999. */
#ifndef EAS_CIVIL_H
#define EAS_CIVIL_H

#include <stddef.h>
#include <stdint.h>

#include "eas/err.h"

#define EAS_SECS_PER_DAY 86400
/* 0001-01-01T00:00:00 and 9999-12-31T23:59:59 as seconds since 1970. */
#define EAS_TIME_MIN (-62135596800LL)
#define EAS_TIME_MAX (253402300799LL)
#define EAS_YEAR_MIN 1
#define EAS_YEAR_MAX 9999

/* A broken-down date and time of day (local or UTC, the struct does not say). 12 bytes. */
typedef struct {
    int32_t year;   /* 1-9999 */
    uint8_t month;  /* 1-12 */
    uint8_t day;    /* 1-31 */
    uint8_t hour;   /* 0-23 */
    uint8_t minute; /* 0-59 */
    uint8_t second; /* 0-59 (no leap seconds: ActiveSync has none) */
} eas_civil;

/* Day number of a date; the arguments are not checked (any month 1-12, day 1-31 gives a number). */
int64_t eas_days_from_civil(int32_t year, unsigned month, unsigned day);
/* The date of a day number (any int64 whose year fits int32). */
void eas_civil_from_days(int64_t days, int32_t *year, unsigned *month, unsigned *day);
/* 0 = Sunday ... 6 = Saturday. */
unsigned eas_weekday(int64_t days);
int eas_is_leap_year(int32_t year);
unsigned eas_days_in_month(int32_t year, unsigned month); /* 0 for a month outside 1-12 */

/* Floor division and the matching non-negative remainder (b > 0). */
int64_t eas_floor_div(int64_t a, int64_t b);
int64_t eas_floor_mod(int64_t a, int64_t b);

/* Seconds of a broken-down time; EAS_ERR_ARG for a field out of range (Feb 30, 24:00),
 * EAS_ERR_TIME_RANGE outside years 1-9999. */
eas_err eas_civil_to_seconds(const eas_civil *c, int64_t *secs);
/* Broken-down time of a second count; EAS_ERR_TIME_RANGE outside years 1-9999. */
eas_err eas_civil_from_seconds(int64_t secs, eas_civil *c);

/* ActiveSync date-time text (MS-ASDTYPE dateTime and Compact DateTime): the compact form
 * "20261201T090000Z" (Calendar StartTime, Until, ExceptionStartTime...) or the dashed form
 * "2026-12-01T09:00:00.000Z" (with or without the fraction, which is dropped). Exactly len bytes are
 * read; anything else is EAS_ERR_ARG. */
eas_err eas_datetime_parse(const char *s, size_t len, int64_t *utc);
/* Writes "YYYYMMDDTHHMMSSZ" and a NUL: cap >= 17. */
#define EAS_DATETIME_COMPACT_SIZE 17u
eas_err eas_datetime_format_compact(int64_t utc, char *out, size_t cap);
/* Writes "YYYY-MM-DDTHH:MM:SS.000Z" and a NUL: cap >= 25. */
#define EAS_DATETIME_DASHED_SIZE 25u
eas_err eas_datetime_format_dashed(int64_t utc, char *out, size_t cap);

#endif
