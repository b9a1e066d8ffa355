/* Time zone rules: the yearly changes, offsets at an instant, and local <-> UTC. */
#include "eas/tz.h"

#include <string.h>

void eas_tz_rule_fixed(eas_tz_rule *r, int32_t offset)
{
    memset(r, 0, sizeof *r);
    r->std_offset = offset;
    r->dst_offset = offset;
}

int eas_tz_rule_has_dst(const eas_tz_rule *r)
{
    return r->dst_start.kind != EAS_TZ_DATE_NONE;
}

static int date_ok(const eas_tz_date *d)
{
    if (d->time < -EAS_TZ_TIME_MAX || d->time > EAS_TZ_TIME_MAX) return 0;
    switch (d->kind) {
    case EAS_TZ_DATE_MWD:
        return d->month >= 1 && d->month <= 12 && d->week >= 1 && d->week <= 5 && d->weekday <= 6;
    case EAS_TZ_DATE_JULIAN1:
        return d->day >= 1 && d->day <= 365;
    case EAS_TZ_DATE_JULIAN0:
        return d->day <= 365;
    case EAS_TZ_DATE_ABSOLUTE:
        return d->year >= EAS_YEAR_MIN && d->year <= EAS_YEAR_MAX && d->month >= 1 && d->month <= 12 &&
               d->day >= 1 && d->day <= eas_days_in_month(d->year, d->month);
    default:
        return 0;
    }
}

eas_err eas_tz_rule_check(const eas_tz_rule *r)
{
    if (!r) return EAS_ERR_ARG;
    if (r->std_offset < -EAS_TZ_OFFSET_MAX || r->std_offset > EAS_TZ_OFFSET_MAX) return EAS_ERR_ARG;
    if (r->dst_start.kind == EAS_TZ_DATE_NONE || r->dst_end.kind == EAS_TZ_DATE_NONE)
        return (r->dst_start.kind == r->dst_end.kind) ? EAS_OK : EAS_ERR_ARG;
    if (r->dst_offset < -EAS_TZ_OFFSET_MAX || r->dst_offset > EAS_TZ_OFFSET_MAX) return EAS_ERR_ARG;
    /* A change of more than a day would let consecutive days' wall-clock times go backwards in UTC. */
    if (r->dst_offset - r->std_offset > EAS_TZ_DST_DELTA_MAX || r->std_offset - r->dst_offset > EAS_TZ_DST_DELTA_MAX)
        return EAS_ERR_ARG;
    if (!date_ok(&r->dst_start) || !date_ok(&r->dst_end)) return EAS_ERR_ARG;
    if ((r->dst_start.kind == EAS_TZ_DATE_ABSOLUTE) != (r->dst_end.kind == EAS_TZ_DATE_ABSOLUTE))
        return EAS_ERR_UNSUPPORTED;
    return EAS_OK;
}

static int date_equal(const eas_tz_date *a, const eas_tz_date *b)
{
    if (a->kind != b->kind || a->time != b->time) return 0;
    switch (a->kind) {
    case EAS_TZ_DATE_MWD:
        return a->month == b->month && a->week == b->week && a->weekday == b->weekday;
    case EAS_TZ_DATE_JULIAN1:
    case EAS_TZ_DATE_JULIAN0:
        return a->day == b->day;
    case EAS_TZ_DATE_ABSOLUTE:
        return a->year == b->year && a->month == b->month && a->day == b->day;
    default:
        return 1;
    }
}

int eas_tz_rule_equal(const eas_tz_rule *a, const eas_tz_rule *b)
{
    int da = eas_tz_rule_has_dst(a) && a->dst_offset != a->std_offset;
    int db = eas_tz_rule_has_dst(b) && b->dst_offset != b->std_offset;
    if (a->std_offset != b->std_offset || da != db) return 0;
    if (!da) return 1;
    return a->dst_offset == b->dst_offset && date_equal(&a->dst_start, &b->dst_start) &&
           date_equal(&a->dst_end, &b->dst_end);
}

/* Local day number on which a change happens in the given year; 0 (and *ok = 0) when it does not
 * happen in that year (ABSOLUTE of another year). */
static int64_t change_day(const eas_tz_date *d, int32_t year, int *ok)
{
    *ok = 1;
    switch (d->kind) {
    case EAS_TZ_DATE_MWD: {
        int64_t first = eas_days_from_civil(year, d->month, 1);
        if (d->week >= 5) {
            unsigned len = eas_days_in_month(year, d->month);
            int64_t last = first + len - 1;
            return last - (int64_t)((eas_weekday(last) + 7u - d->weekday) % 7u);
        }
        return first + (int64_t)((d->weekday + 7u - eas_weekday(first)) % 7u) + (int64_t)(d->week - 1u) * 7;
    }
    case EAS_TZ_DATE_JULIAN1: {
        int64_t jan1 = eas_days_from_civil(year, 1, 1);
        int64_t skip_leap = (eas_is_leap_year(year) && d->day >= 60) ? 1 : 0;
        return jan1 + d->day - 1 + skip_leap;
    }
    case EAS_TZ_DATE_JULIAN0:
        return eas_days_from_civil(year, 1, 1) + d->day;
    case EAS_TZ_DATE_ABSOLUTE:
        if (d->year != year) break;
        return eas_days_from_civil(year, d->month, d->day);
    default:
        break;
    }
    *ok = 0;
    return 0;
}

/* UTC instant of a change in a year: the wall-clock time is read on the clock in force before it. */
static int change_utc(const eas_tz_date *d, int32_t year, int32_t offset_before, int64_t *utc)
{
    int ok;
    int64_t day = change_day(d, year, &ok);
    if (!ok) return 0;
    *utc = day * EAS_SECS_PER_DAY + d->time - offset_before;
    return 1;
}

eas_err eas_tz_changes_in_year(const eas_tz_rule *r, int32_t year, int64_t *dst_start_utc, int64_t *dst_end_utc)
{
    eas_err e = eas_tz_rule_check(r);
    if (e != EAS_OK) return e;
    if (!eas_tz_rule_has_dst(r) || !dst_start_utc || !dst_end_utc) return EAS_ERR_NOT_FOUND;
    if (year < EAS_YEAR_MIN || year > EAS_YEAR_MAX) return EAS_ERR_TIME_RANGE;
    if (!change_utc(&r->dst_start, year, r->std_offset, dst_start_utc) ||
        !change_utc(&r->dst_end, year, r->dst_offset, dst_end_utc))
        return EAS_ERR_NOT_FOUND;
    return EAS_OK;
}

/* Daylight time in force at utc? The rule is valid and has daylight time. */
static int is_dst_at(const eas_tz_rule *r, int64_t utc)
{
    if (r->dst_start.kind == EAS_TZ_DATE_ABSOLUTE) {
        int64_t s = 0, e = 0;
        (void)change_utc(&r->dst_start, r->dst_start.year, r->std_offset, &s);
        (void)change_utc(&r->dst_end, r->dst_end.year, r->dst_offset, &e);
        if (s <= e) return utc >= s && utc < e;
        return utc < e || utc >= s;
    }
    /* The state is set by the latest change at or before utc. Changes stay within 167 h of their
     * year, so the years from Y-2 to Y+1 always hold that change (Y-2's fall in Y-1 at the latest). */
    int32_t y;
    unsigned m, d;
    eas_civil_from_days(eas_floor_div(utc + r->std_offset, EAS_SECS_PER_DAY), &y, &m, &d);
    int found = 0, best_is_start = 0;
    int64_t best = 0;
    for (int32_t k = -2; k <= 1; k++) {
        int64_t t;
        if (change_utc(&r->dst_start, y + k, r->std_offset, &t) && t <= utc &&
            (!found || t >= best)) { /* on a tie the start wins: "all year daylight" rules stay daylight */
            best = t;
            best_is_start = 1;
            found = 1;
        }
        if (change_utc(&r->dst_end, y + k, r->dst_offset, &t) && t <= utc && (!found || t > best)) {
            best = t;
            best_is_start = 0;
            found = 1;
        }
    }
    return found && best_is_start;
}

static eas_err check_utc(const eas_tz_rule *r, int64_t t)
{
    eas_err e = eas_tz_rule_check(r);
    if (e != EAS_OK) return e;
    if (t < EAS_TIME_MIN || t > EAS_TIME_MAX) return EAS_ERR_TIME_RANGE;
    return EAS_OK;
}

eas_err eas_tz_offset_at(const eas_tz_rule *r, int64_t utc, int32_t *offset, int *is_dst)
{
    eas_err e = check_utc(r, utc);
    if (e != EAS_OK) return e;
    int dst = eas_tz_rule_has_dst(r) && is_dst_at(r, utc);
    if (offset) *offset = dst ? r->dst_offset : r->std_offset;
    if (is_dst) *is_dst = dst;
    return EAS_OK;
}

eas_err eas_tz_utc_to_local(const eas_tz_rule *r, int64_t utc, int64_t *local)
{
    int32_t off;
    eas_err e = eas_tz_offset_at(r, utc, &off, NULL);
    if (e != EAS_OK) return e;
    if (local) *local = utc + off;
    return EAS_OK;
}

eas_err eas_tz_local_to_utc(const eas_tz_rule *r, int64_t local, eas_tz_pick pick, int64_t *utc, unsigned *how)
{
    eas_err e = check_utc(r, local);
    if (e != EAS_OK) return e;
    if (how) *how = 0;
    if (!utc) return EAS_ERR_ARG;
    if (!eas_tz_rule_has_dst(r) || r->std_offset == r->dst_offset) {
        *utc = local - r->std_offset;
        return EAS_OK;
    }
    /* The two readings of the wall clock, and whether each is what the zone shows at that instant. */
    int64_t as_std = local - r->std_offset, as_dst = local - r->dst_offset;
    int std_ok = !is_dst_at(r, as_std);
    int dst_ok = is_dst_at(r, as_dst);
    if (std_ok && dst_ok) {
        if (pick == EAS_TZ_PICK_STRICT) return EAS_ERR_TIME_REPEATED;
        if (how) *how = EAS_TZ_LOCAL_REPEATED;
        int64_t lo = as_std < as_dst ? as_std : as_dst, hi = as_std < as_dst ? as_dst : as_std;
        *utc = (pick == EAS_TZ_PICK_LATER) ? hi : lo;
        return EAS_OK;
    }
    if (std_ok) {
        *utc = as_std;
        return EAS_OK;
    }
    if (dst_ok) {
        *utc = as_dst;
        return EAS_OK;
    }
    /* A gap: the offset before it is the smaller one; reading the time with it lands after the jump. */
    if (pick == EAS_TZ_PICK_STRICT) return EAS_ERR_TIME_SKIPPED;
    if (how) *how = EAS_TZ_LOCAL_SKIPPED;
    *utc = as_std > as_dst ? as_std : as_dst;
    return EAS_OK;
}
