/* Time zones: one rule type for both zone models the agent meets.
 *
 *  - the ActiveSync TimeZone blob (MS-ASCAL 2.2.2.44 Timezone, MS-ASDTYPE 2.7.6 TimeZone): 172 bytes,
 *    base64 on the wire, the Windows TIME_ZONE_INFORMATION layout;
 *  - a POSIX TZ string for the device's own zone (POSIX.1-2017 8.3, e.g. "CET-1CEST,M3.5.0,M10.5.0/3").
 *
 * A rule is a standard offset, a daylight offset and the two yearly changes between them, each at a
 * local wall-clock time read on the clock in force before the change (as both models define it). A
 * rule whose dst_start.kind is EAS_TZ_DATE_NONE has no daylight time.
 *
 * Conversions (docs/CALENDAR.md has the details):
 *  - UTC to local is a function: exact at every change.
 *  - local to UTC: a wall-clock time skipped by a change (spring forward) is read with the offset in
 *    force before the change, i.e. moved forward by the size of the jump (RFC 5545 3.3.5, and what
 *    Python's zoneinfo gives with fold=0); a time that happens twice (fall back) is the earlier one
 *    by default, the later one on request, or an error in strict mode.
 * Southern-hemisphere rules (daylight time across new year) need nothing special. */
#ifndef EAS_TZ_H
#define EAS_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "eas/civil.h"
#include "eas/config.h"
#include "eas/err.h"

/* How the day of a change is given. */
typedef enum {
    EAS_TZ_DATE_NONE = 0,     /* no change: the rule has no daylight time */
    EAS_TZ_DATE_MWD = 1,      /* month, week (1-4, 5 = last), weekday: POSIX "Mm.w.d", blob wYear == 0 */
    EAS_TZ_DATE_JULIAN1 = 2,  /* POSIX "Jn": day 1-365, February 29 never counted */
    EAS_TZ_DATE_JULIAN0 = 3,  /* POSIX "n": day 0-365 of the year, February 29 counted */
    EAS_TZ_DATE_ABSOLUTE = 4, /* blob wYear != 0: one change on year/month/day, not a yearly one */
} eas_tz_date_kind;

/* The day and time of one change. 12 bytes. */
typedef struct {
    int32_t time;    /* seconds after local midnight on the clock before the change; POSIX allows
                      * -167 h to +167 h (so "/24" is midnight at the end of the day) */
    int16_t year;    /* ABSOLUTE: 1-9999 */
    uint16_t day;    /* JULIAN1: 1-365; JULIAN0: 0-365; ABSOLUTE: day of month */
    uint8_t kind;    /* eas_tz_date_kind */
    uint8_t month;   /* MWD, ABSOLUTE: 1-12 */
    uint8_t week;    /* MWD: 1-5, 5 = the last such weekday of the month */
    uint8_t weekday; /* MWD: 0 = Sunday ... 6 = Saturday */
} eas_tz_date;

/* A zone. 32 bytes, no pointers: it can sit in a fixed-size event record. */
typedef struct {
    int32_t std_offset;      /* seconds east of UTC in standard time: local = UTC + offset */
    int32_t dst_offset;      /* seconds east of UTC in daylight time (may be below std_offset) */
    eas_tz_date dst_start;   /* standard -> daylight (kind NONE: no daylight time) */
    eas_tz_date dst_end;     /* daylight -> standard */
} eas_tz_rule;

/* Offsets beyond +-25 h are refused everywhere, and daylight time more than 24 h away from standard
 * time (real zones differ by 2 h at most; Samoa's 2011 day-skip is 24 h). */
#define EAS_TZ_OFFSET_MAX (25 * 3600)
#define EAS_TZ_DST_DELTA_MAX (24 * 3600)
/* POSIX.1-2017 change times go from -167 h to +167 h. */
#define EAS_TZ_TIME_MAX (167 * 3600 + 59 * 60 + 59)

/* A zone with a fixed offset (seconds east of UTC): no daylight time. */
void eas_tz_rule_fixed(eas_tz_rule *r, int32_t offset);
/* EAS_OK when every field is in range (offsets, |daylight - standard| <= 24 h, dates, times) and the
 * two changes are of kinds that can be combined (both ABSOLUTE or neither); else EAS_ERR_ARG
 * (EAS_ERR_UNSUPPORTED for a mixed pair). Every function taking a rule checks it. */
eas_err eas_tz_rule_check(const eas_tz_rule *r);
int eas_tz_rule_has_dst(const eas_tz_rule *r);
/* 1 when both rules give the same local time at every instant (fields compared after normalising). */
int eas_tz_rule_equal(const eas_tz_rule *a, const eas_tz_rule *b);

/* The two changes of a year as UTC seconds (each may fall in a neighbouring year when its time is
 * beyond 24 h or negative). EAS_ERR_NOT_FOUND for a rule without daylight time or an ABSOLUTE rule
 * in another year. */
eas_err eas_tz_changes_in_year(const eas_tz_rule *r, int32_t year, int64_t *dst_start_utc, int64_t *dst_end_utc);

/* Offset (seconds east of UTC) in force at a UTC instant; *is_dst may be NULL. */
eas_err eas_tz_offset_at(const eas_tz_rule *r, int64_t utc, int32_t *offset, int *is_dst);
eas_err eas_tz_utc_to_local(const eas_tz_rule *r, int64_t utc, int64_t *local);

/* Choice for a local time that happens twice. Skipped times are always moved forward, except in
 * strict mode, which refuses both cases. */
typedef enum {
    EAS_TZ_PICK_EARLIER = 0, /* default: the first of the two (still daylight time when falling back) */
    EAS_TZ_PICK_LATER = 1,   /* the second of the two */
    EAS_TZ_PICK_STRICT = 2,  /* EAS_ERR_TIME_SKIPPED / EAS_ERR_TIME_REPEATED instead of choosing */
} eas_tz_pick;
/* Flags of *how (may be NULL): what the conversion met. */
#define EAS_TZ_LOCAL_SKIPPED 1u  /* the local time does not exist; the result was moved forward */
#define EAS_TZ_LOCAL_REPEATED 2u /* the local time exists twice; pick chose */
eas_err eas_tz_local_to_utc(const eas_tz_rule *r, int64_t local, eas_tz_pick pick, int64_t *utc, unsigned *how);

/* ---- POSIX TZ strings ----
 * std offset [dst [offset] [,start[/time],end[/time]]]: names alphabetic (3+ letters) or quoted
 * <...> (letters, digits, + and -); offsets [+-]hh[:mm[:ss]] west of Greenwich (so "CET-1" is one
 * hour east), the daylight offset defaulting to one hour more than standard; dates Mm.w.d, Jn or n;
 * times [+-]hh[:mm[:ss]] up to 167 h, default 02:00. A daylight name without rules is refused
 * (POSIX leaves the rules to the implementation: the device must say them). "UTC0" and "<+0330>-3:30"
 * are zones without daylight time. Exactly len bytes are read (a trailing NUL inside len is refused). */
eas_err eas_tz_parse_posix(const char *s, size_t len, eas_tz_rule *r);
/* The rule as a POSIX TZ string with numeric quoted names, e.g. "<+01>-1<+02>,M3.5.0,M10.5.0/3"
 * (NUL-terminated). EAS_ERR_UNSUPPORTED for ABSOLUTE rules (POSIX has no one-time changes). */
eas_err eas_tz_format_posix(const eas_tz_rule *r, char *out, size_t cap);

/* ---- the ActiveSync TimeZone blob ---- */
#define EAS_TZ_BLOB_SIZE 172u
#define EAS_TZ_BLOB_BASE64_LEN 232u /* padded base64 of 172 bytes, without NUL */

/* Windows SYSTEMTIME as the blob stores it (all little-endian uint16). In a rule date, wYear == 0
 * means "day-in-month" form: wDay is the week (1-5, 5 = last) and wDayOfWeek the weekday. */
typedef struct {
    uint16_t year, month, day_of_week, day, hour, minute, second, milliseconds;
} eas_systemtime;

/* The blob's fields as they are on the wire (garbage included: nothing is interpreted here), the
 * names converted to UTF-8. Biases in minutes: UTC = local + bias. About 240 bytes with the
 * default EAS_TZ_NAME_MAX. */
typedef struct {
    int32_t bias;
    int32_t standard_bias;
    int32_t daylight_bias;
    eas_systemtime standard_date;  /* daylight -> standard change */
    eas_systemtime daylight_date;  /* standard -> daylight change */
    char standard_name[EAS_TZ_NAME_MAX];
    char daylight_name[EAS_TZ_NAME_MAX];
    uint8_t names_truncated;       /* a name did not fit EAS_TZ_NAME_MAX */
} eas_tz_blob;

/* raw must be exactly EAS_TZ_BLOB_SIZE bytes (else EAS_ERR_TZ_BLOB). Unpaired UTF-16 surrogates
 * become U+FFFD; a name ends at its first NUL unit or after 32 units. */
eas_err eas_tz_blob_decode(const uint8_t *raw, size_t len, eas_tz_blob *out);
/* Writes EAS_TZ_BLOB_SIZE bytes; names are cut to 31 UTF-16 units (+ NUL), invalid UTF-8 becomes
 * U+FFFD. */
eas_err eas_tz_blob_encode(const eas_tz_blob *in, uint8_t *raw, size_t cap);
/* The base64 text of the Timezone element (whitespace allowed). */
eas_err eas_tz_blob_decode_base64(const char *text, size_t len, eas_tz_blob *out);
/* Writes the EAS_TZ_BLOB_BASE64_LEN characters and a NUL when cap allows; cap >= 232. */
eas_err eas_tz_blob_encode_base64(const eas_tz_blob *in, char *out, size_t cap, size_t *out_len);

/* The compact form item records keep (EAS_TZ_COMPACT_SIZE bytes): the blob less its two names. */
#define EAS_TZ_COMPACT_SIZE 44u
/* Where a byte of the blob goes in the compact form, or -1 (a name's byte). */
int eas_tz_compact_place(unsigned blob_pos);
/* Bytes blob_pos .. blob_pos + n - 1 of the blob, as they stream in, into their places in compact. */
void eas_tz_compact_put(uint8_t *compact, unsigned blob_pos, const uint8_t *bytes, size_t n);
void eas_tz_compact_from_blob(const uint8_t *blob, uint8_t *compact);
/* The whole blob again, names empty. */
void eas_tz_compact_to_blob(const uint8_t *compact, uint8_t *blob);

/* Interprets a blob. StandardDate.wMonth == 0 or DaylightDate.wMonth == 0 means no daylight time
 * whatever the other bytes hold (SOGo leaves uninitialised memory there): the offset is then -Bias
 * (StandardBias is ignored, as Windows does). Otherwise both dates must be valid day-in-month dates
 * (EAS_ERR_TZ_BLOB if not), or both absolute (wYear != 0: a one-time change, EAS_TZ_DATE_ABSOLUTE);
 * one of each is EAS_ERR_UNSUPPORTED. wMilliseconds >= 500 rounds up to the next second (Windows
 * writes 23:59:59.999 for "end of day"). */
eas_err eas_tz_blob_to_rule(const eas_tz_blob *b, eas_tz_rule *r);
/* A blob with the rule's full daylight rules (Bias = -standard offset, StandardBias 0, DaylightBias
 * = standard - daylight), for outgoing items. Names may be NULL (empty). EAS_ERR_UNSUPPORTED when the
 * rule cannot be said in a blob: offsets not whole minutes, Jn/n dates, change times outside
 * 0-24 h (24:00 is written as 23:59:59.999). */
eas_err eas_tz_rule_to_blob(const eas_tz_rule *r, const char *std_name, const char *dst_name, eas_tz_blob *b);

#endif
