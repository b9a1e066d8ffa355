/* The agenda over the item store: records decoded into the calendar iterator's form, occurrences
 * gathered in bounded batches in (start, end, ServerId) order. */
#include "eas/agenda.h"

#include <string.h>

#include "eas/civil.h"
#include "eas/tz.h"

/* ------------------------------------------------------------------------- record -> event */

static int value_uint(const eas_item_field *f, uint32_t *out)
{
    uint32_t v = 0;
    if (f->len == 0 || f->len > 10) return 0;
    for (size_t i = 0; i < f->len; i++) {
        if (f->value[i] < '0' || f->value[i] > '9') return 0;
        uint32_t d = (uint32_t)(f->value[i] - '0');
        if (v > (UINT32_MAX - d) / 10u) return 0;
        v = v * 10u + d;
    }
    *out = v;
    return 1;
}

static int value_time(const eas_item_field *f, int64_t *out)
{
    return eas_datetime_parse((const char *)f->value, f->len, out) == EAS_OK;
}

/* The compact zone of a record back to a rule. */
static eas_err zone_of(const uint8_t *compact, eas_tz_rule *r)
{
    uint8_t raw[EAS_TZ_BLOB_SIZE];
    eas_tz_blob b;
    eas_tz_compact_to_blob(compact, raw);
    eas_err e = eas_tz_blob_decode(raw, sizeof raw, &b);
    return e == EAS_OK ? eas_tz_blob_to_rule(&b, r) : e;
}

eas_err eas_event_decode(const uint8_t *rec, size_t len, const eas_tz_rule *device_zone, eas_cal_event *ev,
                         eas_cal_exception *ex, size_t cap, size_t *nex)
{
    eas_item_cursor c;
    eas_item_field f;
    eas_tag groups[8];
    uint8_t depth = 0;
    int have_zone = 0, have_start = 0, have_end = 0;
    eas_cal_exception cur;
    eas_err e = eas_item_open(&c, rec, len);
    if (e != EAS_OK) return e;
    memset(ev, 0, sizeof *ev);
    memset(&cur, 0, sizeof cur);
    *nex = 0;
    int cur_has_orig = 0;
    while (eas_item_next(&c, &f)) {
        if (f.kind == 1) {
            if (depth < 8) groups[depth] = f.tag;
            depth++;
            if (f.tag == EAS_Calendar_Recurrence && depth == 1) ev->recurring = 1;
            if (f.tag == EAS_Calendar_Exception) {
                memset(&cur, 0, sizeof cur);
                cur_has_orig = 0;
            }
            continue;
        }
        if (f.kind == 2) {
            if (depth == 0) break;
            depth--;
            if (depth < 8 && groups[depth] == EAS_Calendar_Exception && cur_has_orig) {
                if (*nex < cap) ex[(*nex)++] = cur;
            }
            continue;
        }
        eas_tag in = depth ? groups[depth < 8 ? depth - 1 : 7] : 0;
        uint32_t v;
        int64_t t;
        if (depth == 0) {
            switch (f.tag) {
            case EAS_Calendar_StartTime: have_start = value_time(&f, &ev->start); break;
            case EAS_Calendar_EndTime: have_end = value_time(&f, &ev->end); break;
            case EAS_Calendar_AllDayEvent: ev->all_day = f.len == 1 && f.value[0] == '1'; break;
            case EAS_Calendar_Timezone:
                if (f.len == EAS_TZ_COMPACT_SIZE && zone_of(f.value, &ev->zone) == EAS_OK) have_zone = 1;
                break;
            default: break;
            }
        } else if (in == EAS_Calendar_Recurrence) {
            eas_recur *r = &ev->recur;
            switch (f.tag) {
            case EAS_Calendar_Type: if (value_uint(&f, &v)) r->type = (uint8_t)v; break;
            case EAS_Calendar_Interval: if (value_uint(&f, &v)) r->interval = (uint16_t)(v > 65535u ? 65535u : v); break;
            case EAS_Calendar_Until:
                if (value_time(&f, &t)) {
                    r->until = t;
                    r->has_until = 1;
                }
                break;
            case EAS_Calendar_Occurrences: if (value_uint(&f, &v)) r->occurrences = v; break;
            case EAS_Calendar_DayOfWeek: if (value_uint(&f, &v)) r->day_of_week = (uint8_t)v; break;
            case EAS_Calendar_DayOfMonth: if (value_uint(&f, &v)) r->day_of_month = (uint8_t)v; break;
            case EAS_Calendar_WeekOfMonth: if (value_uint(&f, &v)) r->week_of_month = (uint8_t)v; break;
            case EAS_Calendar_MonthOfYear: if (value_uint(&f, &v)) r->month_of_year = (uint8_t)v; break;
            case EAS_Calendar_FirstDayOfWeek: if (value_uint(&f, &v)) r->first_day_of_week = (uint8_t)v; break;
            case EAS_Calendar_CalendarType: if (value_uint(&f, &v)) r->calendar_type = (uint8_t)v; break;
            case EAS_Calendar_IsLeapMonth: if (value_uint(&f, &v)) r->is_leap_month = (uint8_t)v; break;
            default: break;
            }
        } else if (in == EAS_Calendar_Exception) {
            switch (f.tag) {
            case EAS_Calendar_ExceptionStartTime: /* 14.x */
            case EAS_AirSyncBase_InstanceId:      /* 16.x: the same instant, named another way */
                cur_has_orig = value_time(&f, &cur.original_start);
                break;
            case EAS_Calendar_Deleted: cur.deleted = f.len == 1 && f.value[0] == '1'; break;
            case EAS_Calendar_StartTime: cur.has_start = (uint8_t)value_time(&f, &cur.start); break;
            case EAS_Calendar_EndTime: cur.has_end = (uint8_t)value_time(&f, &cur.end); break;
            default: break;
            }
        }
    }
    if (!have_start) return EAS_ERR_PROTOCOL;
    if (!have_end || ev->end < ev->start) ev->end = ev->start;
    if (!have_zone) {
        /* No Timezone: a 16.x all-day item (its dates are in the UTC date part), or an item shown in the
         * device's zone. */
        if (device_zone) ev->zone = *device_zone;
        else eas_tz_rule_fixed(&ev->zone, 0);
        if (ev->all_day) ev->dates_utc = 1;
    }
    return EAS_OK;
}

/* ------------------------------------------------------------------------------- the agenda */

/* The Nth Exception group's value of tag, if it has one. */
static int entry_before(const eas_agenda_entry *a, const eas_agenda_entry *b)
{
    if (a->occ.start != b->occ.start) return a->occ.start < b->occ.start;
    if (a->occ.end != b->occ.end) return a->occ.end < b->occ.end;
    int c = strcmp(a->server_id, b->server_id);
    if (c != 0) return c < 0;
    return a->occ.original_start < b->occ.original_start;
}

typedef eas_agenda_work pass_ctx;

static uint32_t decimal(const char *s)
{
    uint32_t v = 0;
    for (int i = 0; i < 4 && s[i] >= '0' && s[i] <= '9'; i++) v = v * 10u + (uint32_t)(s[i] - '0');
    return v;
}

static void fill_entry(eas_agenda_entry *en, const eas_folder *folder, const uint8_t *rec, size_t len,
                       const eas_cal_event *ev, const eas_occurrence *occ)
{
    size_t id_len = 0;
    const char *id = eas_item_id(rec, len, &id_len);
    uint32_t v;
    memset(en, 0, sizeof *en);
    en->occ = *occ;
    if (occ->all_day) {
        int64_t local_end;
        /* The end date is the local date of the end in the zone the dates are shown in. */
        if (eas_tz_utc_to_local(&ev->zone, occ->end, &local_end) == EAS_OK)
            en->days = eas_floor_div(local_end, 86400) - occ->day;
        if (en->days < 1) en->days = 1;
    }
    if (id_len >= sizeof en->server_id) id_len = sizeof en->server_id - 1;
    memcpy(en->server_id, id, id_len);
    memcpy(en->folder_id, folder->server_id, sizeof en->folder_id);
    en->recurring = ev->recurring;
    en->is_exception = occ->exception >= 0;
    /* An exception shows its own subject and location where it has them, the series' otherwise. */
    if (!(en->is_exception &&
          eas_item_get_event_str(rec, len, occ->exception, EAS_Calendar_Subject, en->subject, sizeof en->subject)))
        eas_item_get_event_str(rec, len, -1, EAS_Calendar_Subject, en->subject, sizeof en->subject);
    if (!(en->is_exception &&
          eas_item_get_event_str(rec, len, occ->exception, EAS_Calendar_Location, en->location, sizeof en->location)))
        eas_item_get_event_str(rec, len, -1, EAS_Calendar_Location, en->location, sizeof en->location);
    eas_item_get_str(rec, len, EAS_Calendar_OrganizerEmail, en->organizer, sizeof en->organizer);
    char b[4];
    if (en->is_exception && eas_item_get_event_str(rec, len, occ->exception, EAS_Calendar_BusyStatus, b, sizeof b))
        en->busy_status = (uint8_t)(b[0] - '0');
    else if (eas_item_get_uint(rec, len, EAS_Calendar_BusyStatus, &v))
        en->busy_status = (uint8_t)v;
    else
        en->busy_status = 2;
    if (eas_item_get_uint(rec, len, EAS_Calendar_ResponseType, &v)) en->response_type = (uint8_t)v;
    /* Cancelled: MeetingStatus with bit 2 set (5, 7, 13, 15), the instance's own where it has one. */
    if (en->is_exception && eas_item_get_event_str(rec, len, occ->exception, EAS_Calendar_MeetingStatus, b, sizeof b))
        v = decimal(b);
    else if (!eas_item_get_uint(rec, len, EAS_Calendar_MeetingStatus, &v))
        v = 0;
    en->cancelled = (uint8_t)((v & 1u) && (v & 4u));
    /* Private (2) and confidential (3) alike: a display shows neither subject nor location. */
    en->is_private = (uint8_t)(eas_item_get_uint(rec, len, EAS_Calendar_Sensitivity, &v) && (v == 2 || v == 3));
#if EAS_ITEM_KEEP_JOIN_URL
    eas_item_get_str(rec, len, EAS_Calendar_OnlineMeetingExternalLink, en->join_url, sizeof en->join_url);
#endif
}

const char *eas_agenda_display_subject(const eas_agenda_entry *e) { return e->is_private ? "Private appointment" : e->subject; }

const char *eas_agenda_display_location(const eas_agenda_entry *e) { return e->is_private ? "" : e->location; }

static eas_err visit_event(void *ctx, const eas_folder *folder, const uint8_t *rec, size_t len)
{
    pass_ctx *p = ctx;
    eas_cal_event ev;
    size_t nex = 0;
    eas_recur_iter it;
    eas_occurrence occ;
    if (eas_event_decode(rec, len, p->zone, &ev, p->ex, EAS_CAL_MAX_EXCEPTIONS, &nex) != EAS_OK ||
        eas_recur_iter_init(&it, &ev, p->ex, nex, p->from, p->to) != EAS_OK) {
        p->skipped++;
        return EAS_OK;
    }
    if ((eas_item_flags(rec, len) & EAS_ITEM_AGENDA_CUT) && !p->have_last) p->incomplete++;
    /* Occurrences come in start order: once one sorts after the batch's last, so do the rest. */
    for (uint32_t guard = 0; guard < EAS_AGENDA_MAX_PER_EVENT; guard++) {
        eas_err e = eas_recur_iter_next(&it, &occ);
        if (e == EAS_ERR_NOT_FOUND) break;
        if (e != EAS_OK) {
            p->skipped++;
            break;
        }
        fill_entry(&p->cand, folder, rec, len, &ev, &occ);
        if (p->have_last && !entry_before(&p->last, &p->cand)) continue;
        if (p->count == EAS_AGENDA_BATCH && !entry_before(&p->cand, &p->batch[p->count - 1])) break;
        unsigned i = p->count < EAS_AGENDA_BATCH ? p->count : EAS_AGENDA_BATCH - 1;
        while (i > 0 && entry_before(&p->cand, &p->batch[i - 1])) {
            p->batch[i] = p->batch[i - 1];
            i--;
        }
        p->batch[i] = p->cand;
        if (p->count < EAS_AGENDA_BATCH) p->count++;
    }
    return EAS_OK;
}

eas_err eas_agent_agenda(eas_agent *a, eas_agenda_work *w, const eas_tz_rule *device_zone, int64_t from, int64_t to,
                         eas_agenda_fn fn, void *ctx, unsigned *skipped)
{
    pass_ctx *p = w;
    memset(p, 0, sizeof *p);
    p->a = a;
    p->zone = device_zone;
    p->from = from;
    p->to = to;
    /* Each pass gives EAS_AGENDA_BATCH occurrences; the bound only guards a bug. */
    for (uint32_t pass = 0; pass < 1000000u; pass++) {
        p->count = 0;
        eas_err e = eas_agent_items(a, EAS_CLASS_CALENDAR, visit_event, p);
        if (e != EAS_OK) return e;
        for (unsigned i = 0; i < p->count; i++)
            if ((e = fn(ctx, &p->batch[i])) != EAS_OK) return e;
        if (p->count < EAS_AGENDA_BATCH) break;
        p->last = p->batch[p->count - 1];
        p->have_last = 1;
    }
    if (skipped) *skipped = p->skipped;
    return EAS_OK;
}

typedef struct {
    int64_t now;
    eas_agenda_entry *current, *next;
    int *has_current, *has_next;
} now_next_ctx;

static eas_err pick(void *ctx, const eas_agenda_entry *e)
{
    now_next_ctx *c = ctx;
    if (e->cancelled) return EAS_OK; /* the room is free then */
    if (e->occ.start <= c->now && e->occ.end > c->now) {
        *c->current = *e; /* in start order: the last one in progress started latest */
        *c->has_current = 1;
    } else if (e->occ.start > c->now) {
        *c->next = *e;
        *c->has_next = 1;
        return EAS_ERR_ABORTED; /* the first one after now: done */
    }
    return EAS_OK;
}

eas_err eas_agent_now_next(eas_agent *a, eas_agenda_work *w, const eas_tz_rule *device_zone, int64_t now, int64_t horizon,
                           eas_agenda_entry *current, int *has_current, eas_agenda_entry *next, int *has_next)
{
    now_next_ctx c = {now, current, next, has_current, has_next};
    *has_current = *has_next = 0;
    /* Whatever is in progress started at most EAS_AGENDA_LOOKBACK_S ago. */
    eas_err e = eas_agent_agenda(a, w, device_zone, now - (int64_t)EAS_AGENDA_LOOKBACK_S, now + horizon, pick, &c, NULL);
    return e == EAS_ERR_ABORTED ? EAS_OK : e;
}
