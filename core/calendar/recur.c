/* Recurrence expansion. The pattern yields local dates in order (at most one per date); each date
 * becomes an occurrence at the start's local time of day in the event's zone, or a whole local day
 * span for all-day events. Exceptions suppress instances by local date and come back at their own
 * times, merged in start order. */
#include <string.h>

#include "eas/recur.h"

enum { K_SINGLE, K_DAILY, K_WEEKLY, K_MONTH_DAY, K_MONTH_NTH, K_YEAR_DAY, K_YEAR_NTH };
enum { UNTIL_NONE, UNTIL_UTC, UNTIL_DAY };

/* Instances one fill may pass over without producing: those just before the window that the seek
 * margin lets through (under 20) and those suppressed by exceptions. */
#define FILL_SLACK 64u
/* Months from year 1 to 9999: the most periods a monthly or yearly pattern can walk. */
#define PERIOD_GUARD (12u * 10000u + 12u)
/* Days the seek keeps before the window: covers offsets up to 25 h and a skipped hour. */
#define SEEK_MARGIN_DAYS 4

static int64_t last_day(void) { return eas_days_from_civil(EAS_YEAR_MAX, 12, 31); }

static int in_range(int64_t t) { return t >= EAS_TIME_MIN && t <= EAS_TIME_MAX; }

/* The wall-clock reading of a wire time: the event's zone, or the UTC date itself for 16.x all-day. */
static int wire_local(const eas_cal_event *ev, int64_t t, int64_t *local)
{
    if (!in_range(t)) return 0;
    if (ev->all_day && ev->dates_utc) {
        *local = t;
        return 1;
    }
    return eas_tz_utc_to_local(&ev->zone, t, local) == EAS_OK;
}

static int wire_day_floor(const eas_cal_event *ev, int64_t t, int64_t *day)
{
    int64_t local;
    if (!wire_local(ev, t, &local)) return 0;
    *day = eas_floor_div(local, EAS_SECS_PER_DAY);
    return 1;
}

static int wire_day_ceil(const eas_cal_event *ev, int64_t t, int64_t *day)
{
    int64_t local;
    if (!wire_local(ev, t, &local)) return 0;
    *day = -eas_floor_div(-local, EAS_SECS_PER_DAY);
    return 1;
}

/* UTC of the local midnight that starts a day (a midnight skipped by a change moves forward). */
static int midnight_utc(const eas_cal_event *ev, int64_t day, int64_t *utc)
{
    if (day < eas_floor_div(EAS_TIME_MIN, EAS_SECS_PER_DAY) || day > last_day() + 1) return 0;
    int64_t local = day * EAS_SECS_PER_DAY;
    if (local > EAS_TIME_MAX) local = EAS_TIME_MAX; /* 10000-01-01 itself is outside the range */
    return eas_tz_local_to_utc(&ev->zone, local, EAS_TZ_PICK_EARLIER, utc, NULL) == EAS_OK;
}

/* Day of month of the wom-th day (5 = last) of month y-m whose weekday is in mask. */
static int nth_in_month(int32_t y, unsigned m, unsigned mask, unsigned wom, unsigned *dom)
{
    unsigned len = eas_days_in_month(y, m);
    unsigned wd = eas_weekday(eas_days_from_civil(y, m, 1));
    unsigned seen = 0, last = 0;
    for (unsigned d = 1; d <= len; d++, wd = (wd + 1u) % 7u) {
        if (!((mask >> wd) & 1u)) continue;
        seen++;
        last = d;
        if (wom < 5 && seen == wom) {
            *dom = d;
            return 1;
        }
    }
    if (wom >= 5 && last) {
        *dom = last;
        return 1;
    }
    return 0;
}

/* The instance of monthly/yearly period k: 0 when the period is past year 9999; else 1, with *has
 * telling whether the period holds an instance and *day its date. */
static int period_day(const eas_recur_iter *it, int64_t k, int *has, int64_t *day)
{
    int64_t y;
    unsigned m;
    if (it->kind == K_MONTH_DAY || it->kind == K_MONTH_NTH) {
        int64_t mi = it->anchor + k * it->interval;
        y = eas_floor_div(mi, 12);
        m = (unsigned)(mi - y * 12) + 1u;
    } else {
        y = it->anchor + k * it->interval;
        m = it->moy;
    }
    if (y > EAS_YEAR_MAX) return 0;
    unsigned dom;
    *has = 1;
    if (it->kind == K_MONTH_DAY || it->kind == K_YEAR_DAY) {
        unsigned len = eas_days_in_month((int32_t)y, m);
        dom = it->dom;
        if (dom > len) {
            if (it->skip_short) {
                *has = 0;
                return 1;
            }
            dom = len;
        }
    } else if (!nth_in_month((int32_t)y, m, it->mask, it->wom, &dom)) {
        *has = 0;
        return 1;
    }
    *day = eas_days_from_civil((int32_t)y, m, dom);
    return 1;
}

static unsigned popcount7(unsigned mask)
{
    unsigned n = 0;
    for (unsigned i = 0; i < 7; i++) n += (mask >> i) & 1u;
    return n;
}

/* The next instance date of the pattern; 0 when the pattern has no more. */
static int next_day(eas_recur_iter *it, int64_t *day)
{
    if (it->count && it->n >= it->count) return 0;
    int64_t d = 0;
    switch (it->kind) {
    case K_SINGLE:
        if (it->period > 0) return 0;
        it->period = 1;
        d = it->d0;
        break;
    case K_DAILY:
        d = it->d0 + it->period * it->interval;
        if (d > last_day()) return 0;
        it->period++;
        break;
    case K_WEEKLY: {
        /* The mask is not empty, so two weeks always hold one. */
        int found = 0;
        for (unsigned step = 0; step < 16 && !found; step++) {
            if (it->pos > 6) {
                it->period++;
                it->pos = 0;
            }
            int64_t cand = it->anchor + it->period * it->interval * 7 + it->pos;
            unsigned wd = (it->wkst + it->pos) % 7u;
            it->pos++;
            if (((it->mask >> wd) & 1u) && cand >= it->d0) {
                d = cand;
                found = 1;
            }
        }
        if (!found || d > last_day()) return 0;
        break;
    }
    default: {
        int found = 0;
        for (uint32_t guard = 0; guard < PERIOD_GUARD && !found; guard++) {
            int has;
            int64_t cand = 0;
            if (!period_day(it, it->period, &has, &cand)) return 0;
            it->period++;
            if (has && cand >= it->d0) {
                d = cand;
                found = 1;
            }
        }
        if (!found) return 0;
        break;
    }
    }
    it->n++;
    *day = d;
    return 1;
}

/* Positions the pattern so that no instance on day >= target is skipped, counting the instances
 * passed over for Occurrences. */
static void seek(eas_recur_iter *it, int64_t target)
{
    if (target <= it->d0) return;
    switch (it->kind) {
    case K_DAILY: {
        int64_t kk = (target - it->d0) / it->interval;
        it->period = kk;
        it->n = kk > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)kk;
        break;
    }
    case K_WEEKLY: {
        int64_t kk = eas_floor_div(target - it->anchor, 7) / it->interval;
        if (kk < 1) return;
        unsigned first = 0;
        for (unsigned pos = 0; pos < 7; pos++)
            if (((it->mask >> ((it->wkst + pos) % 7u)) & 1u) && it->anchor + (int64_t)pos >= it->d0) first++;
        int64_t n = first + (kk - 1) * (int64_t)popcount7(it->mask);
        it->n = n > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)n;
        it->period = kk;
        it->pos = 0;
        break;
    }
    case K_MONTH_DAY:
    case K_MONTH_NTH:
    case K_YEAR_DAY:
    case K_YEAR_NTH: {
        int32_t y;
        unsigned m, d;
        eas_civil_from_days(target, &y, &m, &d);
        int monthly = it->kind == K_MONTH_DAY || it->kind == K_MONTH_NTH;
        int64_t idx = monthly ? (int64_t)y * 12 + (m - 1) - it->anchor : (int64_t)y - it->anchor;
        int64_t kk = eas_floor_div(idx, it->interval) - 1; /* one period early: its instance may be late */
        if (kk < 1) return;
        int has;
        int64_t day, n = 0;
        if (period_day(it, 0, &has, &day) && has && day >= it->d0) n = 1;
        if (it->skip_short && it->count && (it->kind == K_MONTH_DAY || it->kind == K_YEAR_DAY)) {
            /* Short months hold no instance: count them (kk < PERIOD_GUARD: target is in range). */
            for (int64_t k = 1; k < kk; k++)
                if (period_day(it, k, &has, &day) && has) n++;
        } else {
            n += kk - 1;
        }
        it->n = n > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)n;
        it->period = kk;
        break;
    }
    default:
        break;
    }
}

static int overlaps(const eas_recur_iter *it, int64_t s, int64_t e)
{
    if (s >= it->to) return 0;
    return e > it->from || (e == s && s >= it->from);
}

/* Strict order of (start, end, source, index). */
static int key_less(int64_t s1, int64_t e1, int src1, int64_t i1, int64_t s2, int64_t e2, int src2, int64_t i2)
{
    if (s1 != s2) return s1 < s2;
    if (e1 != e2) return e1 < e2;
    if (src1 != src2) return src1 < src2;
    return i1 < i2;
}

static int instance_times(const eas_recur_iter *it, int64_t day, int64_t *s, int64_t *e)
{
    const eas_cal_event *ev = it->ev;
    if (ev->all_day) return midnight_utc(ev, day, s) && midnight_utc(ev, day + it->dur, e);
    if (day == it->d0) {
        *s = ev->start;
    } else {
        int64_t local = day * EAS_SECS_PER_DAY + it->tod;
        if (!in_range(local)) return 0;
        if (eas_tz_local_to_utc(&ev->zone, local, EAS_TZ_PICK_EARLIER, s, NULL) != EAS_OK) return 0;
    }
    *e = *s + it->dur;
    return 1;
}

/* Is the instance of this day replaced or cancelled by an exception? */
static int suppressed(const eas_recur_iter *it, int64_t day)
{
    for (uint16_t i = 0; i < it->nex; i++) {
        int64_t xd;
        if (wire_day_floor(it->ev, it->ex[i].original_start, &xd) && xd == day) return 1;
    }
    return 0;
}

static int exception_times(const eas_recur_iter *it, uint16_t i, int64_t *s, int64_t *e, int64_t *day)
{
    const eas_cal_event *ev = it->ev;
    const eas_cal_exception *x = &it->ex[i];
    if (ev->all_day) {
        int64_t sd, ed;
        if (!wire_day_floor(ev, x->has_start ? x->start : x->original_start, &sd)) return 0;
        if (x->has_end) {
            if (!wire_day_ceil(ev, x->end, &ed)) return 0;
            if (ed <= sd) ed = sd + 1;
        } else {
            ed = sd + it->dur;
        }
        *day = sd;
        return midnight_utc(ev, sd, s) && midnight_utc(ev, ed, e);
    }
    *s = x->has_start ? x->start : x->original_start;
    *e = x->has_end ? x->end : *s + it->dur;
    if (*e < *s) *e = *s;
    int64_t local;
    if (!in_range(*s) || !in_range(*e) || eas_tz_utc_to_local(&ev->zone, *s, &local) != EAS_OK) return 0;
    *day = eas_floor_div(local, EAS_SECS_PER_DAY);
    return 1;
}

static void fill_regular(eas_recur_iter *it)
{
    for (uint32_t guard = 0; guard < (uint32_t)it->nex + FILL_SLACK; guard++) {
        int64_t day, s, e;
        if (!next_day(it, &day) || !instance_times(it, day, &s, &e)) break;
        if (it->until_kind == UNTIL_UTC && s > it->until) break;
        if (it->until_kind == UNTIL_DAY && day > it->until) break;
        if (s >= it->to) break; /* instances only get later */
        if (it->kind != K_SINGLE && suppressed(it, day)) continue;
        if (!overlaps(it, s, e)) continue;
        it->reg.start = s;
        it->reg.end = e;
        it->reg.original_start = s;
        it->reg.day = (int32_t)day;
        it->reg.exception = -1;
        it->reg.all_day = it->ev->all_day ? 1 : 0;
        it->reg_idx = (int64_t)it->n - 1;
        it->have_reg = 1;
        return;
    }
    it->reg_done = 1;
}

static int gregorian(uint8_t calendar_type)
{
    /* Default, Gregorian, Gregorian (US) and the localised Gregorian ones (same arithmetic). */
    return calendar_type <= 2 || (calendar_type >= 9 && calendar_type <= 12);
}

/* Fills the pattern fields of the iterator from the Recurrence. */
static eas_err setup_pattern(eas_recur_iter *it, const eas_recur *r)
{
    int32_t y;
    unsigned m, d;
    eas_civil_from_days(it->d0, &y, &m, &d);
    unsigned wd0 = eas_weekday(it->d0);
    if (!gregorian(r->calendar_type)) return EAS_ERR_UNSUPPORTED;
    if (r->day_of_week > 127 || r->day_of_month > 31 || r->month_of_year > 12 || r->week_of_month > 5 ||
        r->first_day_of_week > 6)
        return EAS_ERR_RECUR;
    it->interval = r->interval ? r->interval : 1;
    it->count = r->occurrences;
    it->mask = r->day_of_week;
    it->wkst = r->first_day_of_week;
    it->wom = r->week_of_month;
    it->dom = r->day_of_month ? r->day_of_month : (uint8_t)d;
    it->moy = r->month_of_year ? r->month_of_year : (uint8_t)m;
    it->skip_short = (r->flags & EAS_RECUR_SKIP_SHORT_MONTHS) ? 1 : 0;
    switch (r->type) {
    case EAS_RECUR_DAILY:
        /* With a mask, "every weekday" (MAPI stores it as a weekly pattern, Interval in weeks). */
        it->kind = it->mask ? K_WEEKLY : K_DAILY;
        break;
    case EAS_RECUR_WEEKLY:
        it->kind = K_WEEKLY;
        if (!it->mask) it->mask = (uint8_t)(1u << wd0);
        break;
    case EAS_RECUR_MONTHLY:
        it->kind = K_MONTH_DAY;
        break;
    case EAS_RECUR_MONTHLY_NTH:
        it->kind = K_MONTH_NTH;
        break;
    case EAS_RECUR_YEARLY_Z:
    case EAS_RECUR_YEARLY:
        it->kind = K_YEAR_DAY;
        break;
    case EAS_RECUR_YEARLY_NTH:
        it->kind = K_YEAR_NTH;
        break;
    default:
        return EAS_ERR_RECUR;
    }
    if ((it->kind == K_MONTH_NTH || it->kind == K_YEAR_NTH) && (!it->mask || !it->wom)) return EAS_ERR_RECUR;
    switch (it->kind) {
    case K_WEEKLY:
        it->anchor = it->d0 - (int64_t)((wd0 + 7u - it->wkst) % 7u);
        break;
    case K_MONTH_DAY:
    case K_MONTH_NTH:
        it->anchor = (int64_t)y * 12 + (m - 1);
        break;
    case K_YEAR_DAY:
    case K_YEAR_NTH:
        it->anchor = y;
        break;
    default:
        break;
    }
    if (r->has_until) {
        int64_t u = r->until < EAS_TIME_MIN ? EAS_TIME_MIN : r->until > EAS_TIME_MAX ? EAS_TIME_MAX : r->until;
        if (it->ev->all_day || (r->flags & EAS_RECUR_UNTIL_IS_DATE)) {
            if (!wire_day_floor(it->ev, u, &it->until)) return EAS_ERR_ARG;
            it->until_kind = UNTIL_DAY;
        } else {
            it->until = u;
            it->until_kind = UNTIL_UTC;
        }
    }
    return EAS_OK;
}

static eas_err iter_setup(eas_recur_iter *it, const eas_cal_event *ev, const eas_cal_exception *ex, size_t nex,
                          int64_t from, int64_t to)
{
    if (!ev || (nex && !ex)) return EAS_ERR_ARG;
    if (nex > EAS_RECUR_MAX_EXCEPTIONS) return EAS_ERR_NOSPACE;
    eas_err e = eas_tz_rule_check(&ev->zone);
    if (e != EAS_OK) return e;
    if (!in_range(ev->start) || !in_range(ev->end)) return EAS_ERR_TIME_RANGE;
    it->ev = ev;
    it->ex = ex;
    it->nex = (uint16_t)nex;
    it->from = from < EAS_TIME_MIN ? EAS_TIME_MIN : from;
    it->to = to > EAS_TIME_MAX + 1 ? EAS_TIME_MAX + 1 : to;
    if (ev->all_day) {
        int64_t end_day;
        if (!wire_day_floor(ev, ev->start, &it->d0) || !wire_day_ceil(ev, ev->end, &end_day))
            return EAS_ERR_TIME_RANGE;
        it->dur = end_day > it->d0 ? end_day - it->d0 : 1;
    } else {
        int64_t local;
        e = eas_tz_utc_to_local(&ev->zone, ev->start, &local);
        if (e != EAS_OK) return e;
        it->d0 = eas_floor_div(local, EAS_SECS_PER_DAY);
        it->tod = local - it->d0 * EAS_SECS_PER_DAY;
        it->dur = ev->end > ev->start ? ev->end - ev->start : 0;
    }
    it->kind = K_SINGLE;
    it->interval = 1;
    if (ev->recurring) {
        e = setup_pattern(it, &ev->recur);
        if (e != EAS_OK) return e;
        /* Instances on days before the target cannot overlap the window. */
        int64_t target;
        if (ev->all_day)
            target = eas_floor_div(it->from, EAS_SECS_PER_DAY) - it->dur - SEEK_MARGIN_DAYS;
        else
            target = eas_floor_div(it->from - it->dur, EAS_SECS_PER_DAY) - SEEK_MARGIN_DAYS;
        seek(it, target);
    }
    if (it->from >= it->to) it->reg_done = 1;
    return EAS_OK;
}

eas_err eas_recur_iter_init(eas_recur_iter *it, const eas_cal_event *ev, const eas_cal_exception *ex, size_t nex,
                            int64_t from, int64_t to)
{
    if (!it) return EAS_ERR_ARG;
    memset(it, 0, sizeof *it);
    eas_err e = iter_setup(it, ev, ex, nex, from, to);
    if (e != EAS_OK) it->ev = NULL; /* next() on a failed iterator says EAS_ERR_ARG */
    return e;
}

eas_err eas_recur_iter_next(eas_recur_iter *it, eas_occurrence *occ)
{
    if (!it || !occ || !it->ev) return EAS_ERR_ARG;
    if (!it->have_reg && !it->reg_done) fill_regular(it);
    int best = -1;
    int64_t bs = 0, be = 0, bday = 0;
    if (it->kind != K_SINGLE) {
        for (uint16_t i = 0; i < it->nex; i++) {
            int64_t s, e, day;
            if (it->ex[i].deleted || !exception_times(it, i, &s, &e, &day) || !overlaps(it, s, e)) continue;
            if (it->have_last && !key_less(it->last_start, it->last_end, it->last_src, it->last_idx, s, e, 1, i))
                continue;
            if (best < 0 || key_less(s, e, 1, i, bs, be, 1, best)) {
                best = i;
                bs = s;
                be = e;
                bday = day;
            }
        }
    }
    if (it->have_reg &&
        (best < 0 || key_less(it->reg.start, it->reg.end, 0, it->reg_idx, bs, be, 1, best))) {
        *occ = it->reg;
        it->have_reg = 0;
        it->last_start = occ->start;
        it->last_end = occ->end;
        it->last_src = 0;
        it->last_idx = it->reg_idx;
        it->have_last = 1;
        return EAS_OK;
    }
    if (best < 0) return EAS_ERR_NOT_FOUND;
    occ->start = bs;
    occ->end = be;
    occ->original_start = it->ex[best].original_start;
    occ->day = (int32_t)bday;
    occ->exception = (int16_t)best;
    occ->all_day = it->ev->all_day ? 1 : 0;
    it->last_start = bs;
    it->last_end = be;
    it->last_src = 1;
    it->last_idx = best;
    it->have_last = 1;
    return EAS_OK;
}

int eas_occurrence_before(const eas_occurrence *a, const eas_occurrence *b)
{
    if (a->start != b->start) return a->start < b->start;
    return a->end < b->end;
}

void eas_cal_merge_init(eas_cal_merge *m)
{
    memset(m, 0, sizeof *m);
}

eas_err eas_cal_merge_add(eas_cal_merge *m, eas_recur_iter *it)
{
    if (!m || !it) return EAS_ERR_ARG;
    if (m->primed) return EAS_ERR_STATE;
    if (m->count >= EAS_CAL_MERGE_MAX) return EAS_ERR_NOSPACE;
    m->it[m->count++] = it;
    return EAS_OK;
}

eas_err eas_cal_merge_next(eas_cal_merge *m, eas_occurrence *occ, unsigned *source)
{
    if (!m || !occ) return EAS_ERR_ARG;
    if (!m->primed) {
        for (unsigned i = 0; i < m->count; i++)
            m->live[i] = eas_recur_iter_next(m->it[i], &m->head[i]) == EAS_OK;
        m->primed = 1;
    }
    int best = -1;
    for (unsigned i = 0; i < m->count; i++)
        if (m->live[i] && (best < 0 || eas_occurrence_before(&m->head[i], &m->head[best]))) best = (int)i;
    if (best < 0) return EAS_ERR_NOT_FOUND;
    *occ = m->head[best];
    if (source) *source = (unsigned)best;
    m->live[best] = eas_recur_iter_next(m->it[best], &m->head[best]) == EAS_OK;
    return EAS_OK;
}
