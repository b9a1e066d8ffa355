/* Item records: what each class keeps, the builder fed by the Sync decoder, and the readers. */
#include "eas/item.h"
#include "eas/tz.h"

#include <string.h>

/* A set of tags of up to three code pages, a bit per token (WBXML tokens are below 64), written like a
 * list. */
typedef struct tagset {
    uint8_t page[3]; /* 0xFF: unused */
    uint64_t bits[3];
} tagset;
#define TB(tag) (UINT64_C(1) << ((unsigned)(tag) & 0x3Fu))

/* Groups that are descended into; their kept children are stored between group markers. */
static const tagset groups = {{EAS_PAGE_Calendar, EAS_PAGE_AirSyncBase, EAS_PAGE_Tasks},
    {
        TB(EAS_Calendar_Recurrence) | TB(EAS_Calendar_Exceptions) | TB(EAS_Calendar_Exception) |
        TB(EAS_Calendar_Attendees) | TB(EAS_Calendar_Attendee),
        TB(EAS_AirSyncBase_Body) | TB(EAS_AirSyncBase_Location),
        TB(EAS_Tasks_Recurrence),
    }};

static const tagset keep_calendar = {{EAS_PAGE_Calendar, EAS_PAGE_AirSyncBase, 0xFF},
    {
        TB(EAS_Calendar_Timezone) | TB(EAS_Calendar_AllDayEvent) | TB(EAS_Calendar_StartTime) |
        TB(EAS_Calendar_EndTime) | TB(EAS_Calendar_Subject) | TB(EAS_Calendar_Location) |
        TB(EAS_Calendar_OrganizerName) | TB(EAS_Calendar_OrganizerEmail) | TB(EAS_Calendar_UID) |
        TB(EAS_Calendar_BusyStatus) | TB(EAS_Calendar_MeetingStatus) | TB(EAS_Calendar_ResponseType) |
        TB(EAS_Calendar_Sensitivity) | TB(EAS_Calendar_Reminder) | TB(EAS_Calendar_Type) |
        TB(EAS_Calendar_Interval) | TB(EAS_Calendar_Until) | TB(EAS_Calendar_Occurrences) |
        TB(EAS_Calendar_DayOfWeek) | TB(EAS_Calendar_DayOfMonth) | TB(EAS_Calendar_WeekOfMonth) |
        TB(EAS_Calendar_MonthOfYear) | TB(EAS_Calendar_FirstDayOfWeek) | TB(EAS_Calendar_CalendarType) |
        TB(EAS_Calendar_IsLeapMonth) | TB(EAS_Calendar_ExceptionStartTime) | TB(EAS_Calendar_Deleted) |
        TB(EAS_Calendar_Email) | TB(EAS_Calendar_Name) | TB(EAS_Calendar_AttendeeStatus) |
        TB(EAS_Calendar_AttendeeType) | TB(EAS_Calendar_ClientUid) |
        (EAS_ITEM_KEEP_JOIN_URL ? TB(EAS_Calendar_OnlineMeetingExternalLink) : 0u),
        TB(EAS_AirSyncBase_Data) | TB(EAS_AirSyncBase_InstanceId) | TB(EAS_AirSyncBase_DisplayName),
        0u,
    }};

/* Of the kept elements, the top-level ones a Change writes (the rest are their children, the body and
 * what only the server writes), with DtStamp that an edit sets. */
static const eas_tag supported_calendar[] = {
    EAS_Calendar_Timezone,      EAS_Calendar_AllDayEvent,   EAS_Calendar_StartTime,     EAS_Calendar_EndTime,
    EAS_Calendar_Subject,       EAS_Calendar_Location,      EAS_Calendar_OrganizerName, EAS_Calendar_OrganizerEmail,
    EAS_Calendar_UID,           EAS_Calendar_BusyStatus,    EAS_Calendar_MeetingStatus, EAS_Calendar_Sensitivity,
    EAS_Calendar_Reminder,      EAS_Calendar_DtStamp,       EAS_Calendar_Recurrence,    EAS_Calendar_Exceptions,
    EAS_Calendar_Attendees,
};

/* What a record keeps first. A top-level field or group of a higher tier makes room by pushing out,
 * from the end, whole top-level entries of a lower one, one Attendee at a time; so whatever order a
 * server sends, the agenda's fields stay and the attendees and the body give way (docs/CALENDAR.md). */
enum { TIER_AGENDA = 0, TIER_OTHER = 1, TIER_YIELDS = 2 };

/* What the agenda and the display read of an event. */
static const tagset agenda_fields = {{EAS_PAGE_Calendar, EAS_PAGE_AirSyncBase, 0xFF},
    {
        TB(EAS_Calendar_Timezone) | TB(EAS_Calendar_AllDayEvent) | TB(EAS_Calendar_StartTime) |
        TB(EAS_Calendar_EndTime) | TB(EAS_Calendar_Subject) | TB(EAS_Calendar_Location) |
        TB(EAS_Calendar_Recurrence) | TB(EAS_Calendar_Exceptions) | TB(EAS_Calendar_BusyStatus) |
        TB(EAS_Calendar_MeetingStatus) | TB(EAS_Calendar_Sensitivity) | TB(EAS_Calendar_OrganizerName) |
        TB(EAS_Calendar_OrganizerEmail) | TB(EAS_Calendar_ResponseType) | TB(EAS_Calendar_CalendarType),
        TB(EAS_AirSyncBase_Location),
        0u,
    }};

/* Inside an Exception, only what a display shows of a changed or cancelled instance: a series with
 * many exceptions must still fit its record (SOGo sends the changed instances first and the
 * cancelled dates last, so a record that runs out loses cancellations first). */
static const tagset keep_exception = {{EAS_PAGE_Calendar, EAS_PAGE_AirSyncBase, 0xFF},
    {
        TB(EAS_Calendar_ExceptionStartTime) | TB(EAS_Calendar_Deleted) | TB(EAS_Calendar_StartTime) |
        TB(EAS_Calendar_EndTime) | TB(EAS_Calendar_Subject) | TB(EAS_Calendar_Location) |
        TB(EAS_Calendar_BusyStatus) | TB(EAS_Calendar_AllDayEvent) | TB(EAS_Calendar_ResponseType) |
        TB(EAS_Calendar_MeetingStatus),
        TB(EAS_AirSyncBase_InstanceId) | TB(EAS_AirSyncBase_DisplayName),
        0u,
    }};

static const tagset keep_contacts = {{EAS_PAGE_Contacts, EAS_PAGE_AirSyncBase, 0xFF},
    {
        TB(EAS_Contacts_FileAs) | TB(EAS_Contacts_FirstName) | TB(EAS_Contacts_LastName) |
        TB(EAS_Contacts_MiddleName) | TB(EAS_Contacts_CompanyName) | TB(EAS_Contacts_JobTitle) |
        TB(EAS_Contacts_Department) | TB(EAS_Contacts_Email1Address) | TB(EAS_Contacts_Email2Address) |
        TB(EAS_Contacts_Email3Address) | TB(EAS_Contacts_BusinessPhoneNumber) |
        TB(EAS_Contacts_HomePhoneNumber) | TB(EAS_Contacts_MobilePhoneNumber) |
        TB(EAS_Contacts_BusinessAddressCity) | TB(EAS_Contacts_BusinessAddressStreet) |
        TB(EAS_Contacts_Birthday),
        TB(EAS_AirSyncBase_Data),
        0u,
    }};

static const tagset keep_tasks = {{EAS_PAGE_Tasks, EAS_PAGE_AirSyncBase, 0xFF},
    {
        TB(EAS_Tasks_Subject) | TB(EAS_Tasks_Complete) | TB(EAS_Tasks_DateCompleted) | TB(EAS_Tasks_DueDate) |
        TB(EAS_Tasks_UtcDueDate) | TB(EAS_Tasks_StartDate) | TB(EAS_Tasks_UtcStartDate) |
        TB(EAS_Tasks_Importance) | TB(EAS_Tasks_ReminderSet) | TB(EAS_Tasks_ReminderTime) |
        TB(EAS_Tasks_Sensitivity),
        TB(EAS_AirSyncBase_Data),
        0u,
    }};

static const tagset keep_email = {{EAS_PAGE_Email, EAS_PAGE_AirSyncBase, 0xFF},
    {
        TB(EAS_Email_From) | TB(EAS_Email_To) | TB(EAS_Email_Cc) | TB(EAS_Email_Subject) |
        TB(EAS_Email_DateReceived) | TB(EAS_Email_DisplayTo) | TB(EAS_Email_Importance) | TB(EAS_Email_Read) |
        TB(EAS_Email_MessageClass),
        TB(EAS_AirSyncBase_Data),
        0u,
    }};

/* The contacts elements a Change writes: what the record keeps but the body. */
static const eas_tag supported_contacts[] = {
    EAS_Contacts_FileAs,          EAS_Contacts_FirstName,         EAS_Contacts_LastName,
    EAS_Contacts_MiddleName,      EAS_Contacts_CompanyName,       EAS_Contacts_JobTitle,
    EAS_Contacts_Department,      EAS_Contacts_Email1Address,     EAS_Contacts_Email2Address,
    EAS_Contacts_Email3Address,   EAS_Contacts_BusinessPhoneNumber, EAS_Contacts_HomePhoneNumber,
    EAS_Contacts_MobilePhoneNumber, EAS_Contacts_BusinessAddressCity, EAS_Contacts_BusinessAddressStreet,
    EAS_Contacts_Birthday,
};

const eas_tag *eas_item_supported(eas_class cls, size_t *n)
{
    switch (cls) {
    case EAS_CLASS_CALENDAR: *n = sizeof supported_calendar / sizeof supported_calendar[0]; return supported_calendar;
    case EAS_CLASS_CONTACTS: *n = sizeof supported_contacts / sizeof supported_contacts[0]; return supported_contacts;
    default: *n = 0; return NULL;
    }
}

/* Whether tag is in set: one mask test (this runs for every element of every item). */
static inline int in_set(const tagset *set, eas_tag tag)
{
    uint8_t page = EAS_TAG_PAGE(tag);
    uint64_t bit = TB(tag);
    if (EAS_TAG_TOKEN(tag) > 0x3Fu) return 0; /* no such tag */
    return (set->page[0] == page && (set->bits[0] & bit)) || (set->page[1] == page && (set->bits[1] & bit)) ||
           (set->page[2] == page && (set->bits[2] & bit));
}

#define IN(set, tag) in_set(&(set), tag)

static int kept(eas_class c, eas_tag tag)
{
    switch (c) {
    case EAS_CLASS_CALENDAR: return IN(keep_calendar, tag);
    case EAS_CLASS_CONTACTS: return IN(keep_contacts, tag);
    case EAS_CLASS_TASKS: return IN(keep_tasks, tag);
    case EAS_CLASS_EMAIL: return IN(keep_email, tag);
    default: return 0;
    }
}

static int is_group(eas_tag tag) { return IN(groups, tag); }

static uint8_t tier_of(eas_class c, eas_tag tag)
{
    if (tag == EAS_Calendar_Attendees || tag == EAS_AirSyncBase_Body) return TIER_YIELDS;
    return c == EAS_CLASS_CALENDAR && IN(agenda_fields, tag) ? TIER_AGENDA : TIER_OTHER;
}

/* The last top-level entry of the lowest tier below `above` in buf[0, limit): [*at, *end). Of the
 * Attendees, the last Attendee while there are two or more. */
static int find_victim(const eas_item_builder *b, size_t limit, uint8_t above, size_t *at, size_t *end)
{
    eas_item_cursor c;
    eas_item_field f;
    if (eas_item_open(&c, b->buf, limit) != EAS_OK) return 0;
    int best = -1;
    size_t pos = c.pos, start = 0, child = 0, child_end = 0;
    unsigned children = 0;
    uint8_t tier = 0;
    eas_tag top = 0;
    /* Bounded by the record: each step moves at least 3 bytes. */
    while (eas_item_next(&c, &f)) {
        if (f.depth == 0 && f.kind != 2) {
            start = pos;
            top = f.tag;
            tier = tier_of((eas_class)b->cls, f.tag);
            children = 0;
        } else if (f.depth == 1 && f.kind != 2) {
            child = pos;
            children++;
        }
        if (f.depth == 1 && (f.kind == 2 || f.kind == 0)) child_end = c.pos;
        if (f.depth == 0 && f.kind != 1 && tier > above && (int)tier >= best) {
            best = tier;
            int one_attendee = top == EAS_Calendar_Attendees && children >= 2;
            *at = one_attendee ? child : start;
            *end = one_attendee ? child_end : c.pos;
        }
        pos = c.pos;
    }
    return best >= 0;
}

/* Room for n more bytes, pushing out entries of a lower tier than the open entry's if need be. */
static int make_room_slow(eas_item_builder *b, size_t n)
{
    for (size_t guard = 0; guard < b->cap && b->len + n > b->cap; guard++) {
        size_t limit = b->depth || b->field_start ? b->top_start : b->len, at = 0, end = 0;
        if (!find_victim(b, limit, b->top_tier, &at, &end) || end <= at) return 0;
        size_t d = end - at;
        /* A body never goes back to the server; anything else lost would be lost there by a whole-item
         * Change (before 16.0). */
        if ((eas_tag)((b->buf[at] << 8) | b->buf[at + 1]) != EAS_AirSyncBase_Body) b->buf[1] |= EAS_ITEM_SENT_CUT;
        memmove(b->buf + at, b->buf + end, b->len - end);
        b->len -= d;
        if (b->field_start > at) b->field_start -= d;
        if (b->top_start > at) b->top_start -= d;
        b->buf[1] |= EAS_ITEM_DROPPED;
    }
    return b->len + n <= b->cap;
}

/* The common case (there is room) without a call: it is asked for every element. */
static inline int make_room(eas_item_builder *b, size_t n) { return b->len + n <= b->cap || make_room_slow(b, n); }

/* An entry could not be kept whole: said on the record, for the agenda when it was one of its own. */
static void mark_lost(eas_item_builder *b)
{
    b->buf[1] |= EAS_ITEM_DROPPED;
    if (b->top_tier == TIER_AGENDA) b->buf[1] |= EAS_ITEM_AGENDA_CUT;
    if (b->top_tag != EAS_AirSyncBase_Body) b->buf[1] |= EAS_ITEM_SENT_CUT;
}

void eas_item_begin(eas_item_builder *b, uint8_t *buf, size_t cap, eas_class cls)
{
    memset(b, 0, sizeof *b);
    b->buf = buf;
    b->cap = cap;
    b->cls = (uint8_t)cls;
    if (cap >= 4) {
        buf[0] = EAS_ITEM_FORMAT;
        buf[1] = 0;
        buf[2] = (uint8_t)cls;
        buf[3] = 0;
        b->len = 4;
    }
}

eas_err eas_item_set_id(eas_item_builder *b, const char *id, size_t len)
{
    if (b->cap < 4 || b->len != 4u + b->buf[3] || len > 255 || 4u + len > b->cap) return EAS_ERR_NOSPACE;
    if (b->buf[3] != 0) return EAS_ERR_STATE;
    memcpy(b->buf + 4, id, len);
    b->buf[3] = (uint8_t)len;
    b->len = 4 + len;
    return EAS_OK;
}

static int room(const eas_item_builder *b, size_t n) { return b->len + n <= b->cap; }

void eas_item_start(eas_item_builder *b, eas_tag tag, int has_content)
{
    int in_exception = b->exception_depth && b->depth >= b->exception_depth;
    /* An element that starts empty ends at once: its end is not one of a group or field here. */
    b->empty_open = !has_content;
    if (b->skip_depth) {
        if (has_content) b->skip_depth++;
        return;
    }
    /* A value has no children (hostile nesting): whatever starts inside a field is left out. */
    if (b->field_start) {
        if (has_content) b->skip_depth = 1;
        return;
    }
    int group = is_group(tag);
    /* In an Exception: its own few fields, and no nested groups but the 16.x Location. */
    if (in_exception && (group ? tag != EAS_AirSyncBase_Location : !IN(keep_exception, tag))) {
        if (has_content) b->skip_depth = 1;
        return;
    }
    if (!group && !in_exception && !kept((eas_class)b->cls, tag)) {
        if (has_content) b->skip_depth = 1;
        return;
    }
    if (group && !has_content) return;
    if (b->depth == 0) {
        b->top_tier = tier_of((eas_class)b->cls, tag);
        b->top_tag = tag;
    }
    if (group) {
        if (b->depth == 255 || !make_room(b, 3 + 3 * (b->depth + 1u))) { /* the group and every close must fit */
            mark_lost(b);
            b->skip_depth = 1;
            return;
        }
        if (b->depth == 0) b->top_start = b->len;
        b->buf[b->len++] = (uint8_t)(tag >> 8);
        b->buf[b->len++] = (uint8_t)tag;
        b->buf[b->len++] = EAS_ITEM_GROUP;
        b->depth++;
        if (tag == EAS_Calendar_Exception && !b->exception_depth) b->exception_depth = b->depth;
        return;
    }
    int tz = tag == EAS_Calendar_Timezone;
    /* The header (and the compact time zone, all at once) with room for the closes of the open groups. */
    if (!make_room(b, 3 + (tz ? EAS_TZ_COMPACT_SIZE : 0u) + 3u * b->depth)) {
        mark_lost(b);
        if (has_content) b->skip_depth = 1;
        return;
    }
    if (b->depth == 0) b->top_start = b->len;
    b->field_start = b->len;
    b->buf[b->len++] = (uint8_t)(tag >> 8);
    b->buf[b->len++] = (uint8_t)tag;
    b->buf[b->len++] = 0;
    b->field_limit = tag == EAS_AirSyncBase_Data ? EAS_ITEM_BODY_MAX : EAS_ITEM_VALUE_MAX;
    b->b64 = (uint8_t)tz;
    b->field_cut = 0;
    b->b64_pos = 0;
    eas_base64_decoder_init(&b->b64_dec);
    if (tz) {
        /* The Timezone blob is kept in its compact form (eas/tz.h), decoded as it streams in. */
        memset(b->buf + b->len, 0, EAS_TZ_COMPACT_SIZE);
        b->len += EAS_TZ_COMPACT_SIZE;
        b->buf[b->field_start + 2] = EAS_TZ_COMPACT_SIZE;
    }
    if (!has_content) b->field_start = 0;
}

void eas_item_text(eas_item_builder *b, const uint8_t *data, size_t len)
{
    if (b->skip_depth || !b->field_start || b->field_cut) return;
    if (b->b64) {
        uint8_t *out = b->buf + b->field_start + 3;
        for (size_t i = 0; i < len;) {
            uint8_t bytes[48]; /* of 64 characters at most */
            size_t take = len - i < 64 ? len - i : 64, n = 0;
            if (eas_base64_decode_update(&b->b64_dec, (const char *)data + i, take, bytes, sizeof bytes, &n) != EAS_OK) {
                /* Not base64: the field is dropped at its end. What was decoded so far depends on how
                 * the text was cut into pieces: none of it stays (the end may never come). */
                memset(out, 0, EAS_TZ_COMPACT_SIZE);
                b->field_cut = 1;
                return;
            }
            if (b->b64_pos < EAS_TZ_BLOB_SIZE) eas_tz_compact_put(out, b->b64_pos, bytes, n);
            b->b64_pos = (uint16_t)(b->b64_pos + n < 0xFFFFu ? b->b64_pos + n : 0xFFFFu);
            i += take;
        }
        return;
    }
    size_t have = b->buf[b->field_start + 2];
    size_t limit = b->field_limit;
    size_t want = len < limit - have ? len : limit - have;
    make_room(b, want + 3u * b->depth); /* as much as it can: the rest is cut below */
    uint8_t *lenp = b->buf + b->field_start + 2;
    size_t fit = b->cap - b->len;
    fit = fit > 3u * b->depth ? fit - 3u * b->depth : 0; /* the group closes still to come */
    if (limit - have < fit) fit = limit - have;
    size_t n = len < fit ? len : fit;
    memcpy(b->buf + b->len, data, n);
    b->len += n;
    *lenp = (uint8_t)(have + n);
    if (n < len) {
        /* Cut before a UTF-8 sequence that is no longer whole. */
        size_t value_start = b->field_start + 3, k = b->len;
        for (int back = 0; back < 4 && k > value_start; back++) {
            uint8_t c = b->buf[k - 1];
            if ((c & 0xC0u) != 0x80u) {
                size_t need = c >= 0xF0u ? 4 : c >= 0xE0u ? 3 : c >= 0xC0u ? 2 : 1;
                if (b->len - (k - 1) < need) {
                    *lenp = (uint8_t)(*lenp - (b->len - (k - 1)));
                    b->len = k - 1;
                }
                break;
            }
            k--;
        }
        b->buf[1] |= EAS_ITEM_TRUNCATED;
        if (b->top_tag != EAS_AirSyncBase_Body) b->buf[1] |= EAS_ITEM_SENT_CUT;
        if (n < want) mark_lost(b); /* cut by the record's room, not by the value's limit */
        /* Whatever comes later for this field is past the cut: a value stays a prefix of the text. */
        b->field_cut = 1;
    }
}

void eas_item_end(eas_item_builder *b, eas_tag tag)
{
    if (b->empty_open) { /* the end of an element that started empty */
        b->empty_open = 0;
        return;
    }
    if (b->skip_depth) {
        b->skip_depth--;
        return;
    }
    if (b->field_start) {
        eas_tag open = (eas_tag)(b->buf[b->field_start] << 8 | b->buf[b->field_start + 1]);
        if (b->field_cut && open == EAS_Calendar_OnlineMeetingExternalLink) b->len = b->field_start; /* a cut link leads nowhere */
        if (b->b64 && (b->b64_pos < EAS_TZ_BLOB_SIZE || b->field_cut)) {
            /* A blob that is not whole (or not base64) is useless: the field is dropped. */
            b->len = b->field_start;
            mark_lost(b);
        }
        b->field_start = 0;
        b->b64 = 0;
        return;
    }
    if (is_group(tag) && b->depth > 0) {
        if (b->exception_depth == b->depth) b->exception_depth = 0;
        /* An empty group leaves no trace. */
        if (b->len >= 3 && b->buf[b->len - 1] == EAS_ITEM_GROUP && b->buf[b->len - 3] == (uint8_t)(tag >> 8) &&
            b->buf[b->len - 2] == (uint8_t)tag) {
            b->len -= 3;
        } else {
            b->buf[b->len++] = 0xFF;
            b->buf[b->len++] = 0xFF;
            b->buf[b->len++] = EAS_ITEM_GROUP_END;
        }
        b->depth--;
    }
}

size_t eas_item_finish(eas_item_builder *b)
{
    while (b->depth > 0 && b->len + 3 <= b->cap) {
        b->buf[b->len++] = 0xFF;
        b->buf[b->len++] = 0xFF;
        b->buf[b->len++] = EAS_ITEM_GROUP_END;
        b->depth--;
    }
    return b->cap >= 4 ? b->len : 0;
}

eas_err eas_item_put_field(eas_item_builder *b, eas_tag tag, const char *value, size_t len)
{
    if (len > EAS_ITEM_VALUE_MAX) return EAS_ERR_NOSPACE;
    if (!room(b, 3 + len + 3u * b->depth)) return EAS_ERR_NOSPACE;
    b->buf[b->len++] = (uint8_t)(tag >> 8);
    b->buf[b->len++] = (uint8_t)tag;
    b->buf[b->len++] = (uint8_t)len;
    memcpy(b->buf + b->len, value, len);
    b->len += len;
    return EAS_OK;
}

eas_err eas_item_put_group(eas_item_builder *b, eas_tag tag)
{
    if (!room(b, 3 + 3u * (b->depth + 1u)) || b->depth == 255) return EAS_ERR_NOSPACE;
    b->buf[b->len++] = (uint8_t)(tag >> 8);
    b->buf[b->len++] = (uint8_t)tag;
    b->buf[b->len++] = EAS_ITEM_GROUP;
    b->depth++;
    return EAS_OK;
}

eas_err eas_item_put_group_end(eas_item_builder *b)
{
    if (b->depth == 0) return EAS_ERR_STATE;
    b->buf[b->len++] = 0xFF;
    b->buf[b->len++] = 0xFF;
    b->buf[b->len++] = EAS_ITEM_GROUP_END;
    b->depth--;
    return EAS_OK;
}

/* ------------------------------------------------------------------------------------ reading */

eas_err eas_item_open(eas_item_cursor *c, const uint8_t *rec, size_t len)
{
    memset(c, 0, sizeof *c);
    if (len < 4 || rec[0] != EAS_ITEM_FORMAT || 4u + rec[3] > len) return EAS_ERR_STORE_CORRUPT;
    c->rec = rec;
    c->len = len;
    c->pos = 4u + rec[3];
    return EAS_OK;
}

eas_class eas_item_class(const uint8_t *rec, size_t len) { return len >= 4 ? (eas_class)rec[2] : EAS_CLASS_NONE; }

uint8_t eas_item_flags(const uint8_t *rec, size_t len) { return len >= 4 ? rec[1] : 0; }

const char *eas_item_id(const uint8_t *rec, size_t len, size_t *id_len)
{
    if (len < 4 || 4u + rec[3] > len) return NULL;
    *id_len = rec[3];
    return (const char *)rec + 4;
}

int eas_item_next(eas_item_cursor *c, eas_item_field *f)
{
    if (c->pos + 3 > c->len) return 0;
    const uint8_t *p = c->rec + c->pos;
    f->tag = (eas_tag)((p[0] << 8) | p[1]);
    f->value = p + 3;
    f->len = 0;
    if (p[2] == EAS_ITEM_GROUP_END && p[0] == 0xFF && p[1] == 0xFF) {
        if (c->depth == 0) return 0;
        c->depth--;
        f->kind = 2;
        f->depth = c->depth;
        c->pos += 3;
        return 1;
    }
    if (p[2] == EAS_ITEM_GROUP) {
        f->kind = 1;
        f->depth = c->depth++;
        c->pos += 3;
        return 1;
    }
    if (c->pos + 3 + p[2] > c->len) return 0;
    f->kind = 0;
    f->depth = c->depth;
    f->len = p[2];
    c->pos += 3u + p[2];
    return 1;
}

static int find_top(const uint8_t *rec, size_t len, eas_tag tag, eas_item_field *out)
{
    eas_item_cursor c;
    if (eas_item_open(&c, rec, len) != EAS_OK) return 0;
    /* Bounded by the record: each step moves at least 3 bytes. */
    while (eas_item_next(&c, out)) {
        if (out->kind == 0 && out->depth == 0 && out->tag == tag) return 1;
    }
    return 0;
}

int eas_item_get_str(const uint8_t *rec, size_t len, eas_tag tag, char *out, size_t cap)
{
    eas_item_field f;
    if (cap == 0) return 0;
    out[0] = '\0';
    if (!find_top(rec, len, tag, &f)) return 0;
    size_t n = f.len < cap - 1 ? f.len : cap - 1;
    memcpy(out, f.value, n);
    out[n] = '\0';
    return 1;
}

int eas_item_get_event_str(const uint8_t *rec, size_t len, int exception, eas_tag tag, char *out, size_t cap)
{
    eas_item_cursor c;
    eas_item_field f;
    /* Fields of the event sit at depth 0, those of an Exception at 2 (Exceptions > Exception); a 16.x
     * Location is a group one level down holding the DisplayName. */
    uint8_t base = exception < 0 ? 0 : 2;
    int n = -1, in = exception < 0, in_location = 0;
    if (cap == 0) return 0;
    out[0] = '\0';
    if (eas_item_open(&c, rec, len) != EAS_OK) return 0;
    while (eas_item_next(&c, &f)) {
        if (f.kind == 1 && f.tag == EAS_Calendar_Exception && f.depth == 1) {
            if (exception >= 0) in = ++n == exception;
            continue;
        }
        if (f.kind == 2 && exception >= 0 && f.depth == 1) in = 0;
        if (!in) continue;
        if (f.kind == 1 && f.depth == base && f.tag == EAS_AirSyncBase_Location) in_location = 1;
        else if (f.kind == 2 && f.depth == base) in_location = 0;
        int hit = f.kind == 0 && ((f.depth == base && f.tag == tag) ||
                                  (tag == EAS_Calendar_Location && in_location && f.depth == base + 1u &&
                                   f.tag == EAS_AirSyncBase_DisplayName));
        if (hit) {
            size_t k = f.len < cap - 1 ? f.len : cap - 1;
            memcpy(out, f.value, k);
            out[k] = '\0';
            return 1;
        }
    }
    return 0;
}

int eas_item_get_uint(const uint8_t *rec, size_t len, eas_tag tag, uint32_t *out)
{
    eas_item_field f;
    if (!find_top(rec, len, tag, &f) || f.len == 0 || f.len > 10) return 0;
    uint32_t v = 0;
    for (size_t i = 0; i < f.len; i++) {
        if (f.value[i] < '0' || f.value[i] > '9') return 0;
        uint32_t d = (uint32_t)(f.value[i] - '0');
        if (v > (UINT32_MAX - d) / 10u) return 0;
        v = v * 10u + d;
    }
    *out = v;
    return 1;
}

/* The new Exception: its original start, then what it changes (or Deleted). */
static eas_err put_exception(eas_item_builder *b, const char *instance, const eas_item_override *ov, size_t n,
                             int deleted)
{
    eas_err e = eas_item_put_group(b, EAS_Calendar_Exception);
    if (e == EAS_OK) e = eas_item_put_field(b, EAS_Calendar_ExceptionStartTime, instance, strlen(instance));
    if (e == EAS_OK && deleted) e = eas_item_put_field(b, EAS_Calendar_Deleted, "1", 1);
    for (size_t k = 0; e == EAS_OK && !deleted && k < n; k++)
        if (ov[k].value) e = eas_item_put_field(b, ov[k].tag, ov[k].value, ov[k].len);
    return e == EAS_OK ? eas_item_put_group_end(b) : e;
}

size_t eas_item_copy_with_exception(const uint8_t *rec, size_t len, const char *instance, const eas_item_override *ov,
                                    size_t n, int deleted, uint8_t *out, size_t cap)
{
    eas_item_cursor c;
    eas_item_field f;
    eas_item_builder b;
    size_t id_len = 0, inst_len = strlen(instance), exception_at = 0;
    const char *id = eas_item_id(rec, len, &id_len);
    int in_exceptions = 0, in_exception = 0, same = 0, placed = 0;
    if (!id || eas_item_open(&c, rec, len) != EAS_OK) return 0;
    eas_item_begin(&b, out, cap, eas_item_class(rec, len));
    if (eas_item_set_id(&b, id, id_len) != EAS_OK) return 0;
    out[1] = rec[1];
    while (eas_item_next(&c, &f)) {
        eas_err e = EAS_OK;
        if (f.kind == 1) {
            if (f.depth == 0 && f.tag == EAS_Calendar_Exceptions) in_exceptions = 1;
            if (f.depth == 1 && in_exceptions && f.tag == EAS_Calendar_Exception) {
                in_exception = 1;
                same = 0;
                exception_at = b.len;
            }
            e = eas_item_put_group(&b, f.tag);
        } else if (f.kind == 2) {
            if (f.depth == 0 && in_exceptions) { /* the end of Exceptions: the new one goes last */
                in_exceptions = 0;
                placed = 1;
                e = put_exception(&b, instance, ov, n, deleted);
            }
            if (e == EAS_OK) e = eas_item_put_group_end(&b);
            if (f.depth == 1 && in_exception) {
                in_exception = 0;
                if (same) b.len = exception_at; /* the instance's old Exception gives way to the new */
            }
        } else {
            /* An Exception names its instance by ExceptionStartTime (14.x) or InstanceId (16.x). */
            if (in_exception && f.depth == 2 && f.len == inst_len && memcmp(f.value, instance, inst_len) == 0 &&
                (f.tag == EAS_Calendar_ExceptionStartTime || f.tag == EAS_AirSyncBase_InstanceId))
                same = 1;
            e = eas_item_put_field(&b, f.tag, (const char *)f.value, f.len);
        }
        if (e != EAS_OK) return 0;
    }
    if (!placed && (eas_item_put_group(&b, EAS_Calendar_Exceptions) != EAS_OK ||
                    put_exception(&b, instance, ov, n, deleted) != EAS_OK || eas_item_put_group_end(&b) != EAS_OK))
        return 0;
    return eas_item_finish(&b);
}

eas_class eas_class_of_folder_type(uint8_t type)
{
    switch (type) {
    case 8:
    case 13: return EAS_CLASS_CALENDAR;
    case 9:
    case 14: return EAS_CLASS_CONTACTS;
    case 7:
    case 15: return EAS_CLASS_TASKS;
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
    case 12: return EAS_CLASS_EMAIL;
    default: return EAS_CLASS_NONE;
    }
}

const char *eas_class_name(eas_class c)
{
    switch (c) {
    case EAS_CLASS_CALENDAR: return "Calendar";
    case EAS_CLASS_CONTACTS: return "Contacts";
    case EAS_CLASS_TASKS: return "Tasks";
    case EAS_CLASS_EMAIL: return "Email";
    default: return "";
    }
}

size_t eas_item_copy_with(const uint8_t *rec, size_t len, const eas_item_override *ov, size_t n, uint8_t *out,
                          size_t cap)
{
    eas_item_cursor c;
    eas_item_field f;
    eas_item_builder b;
    uint8_t used[16] = {0};
    size_t id_len = 0;
    const char *id = eas_item_id(rec, len, &id_len);
    if (n > sizeof used || !id || eas_item_open(&c, rec, len) != EAS_OK) return 0;
    eas_item_begin(&b, out, cap, eas_item_class(rec, len));
    if (eas_item_set_id(&b, id, id_len) != EAS_OK) return 0;
    out[1] = rec[1];
    while (eas_item_next(&c, &f)) {
        eas_err e = EAS_OK;
        if (f.kind == 1) {
            e = eas_item_put_group(&b, f.tag);
        } else if (f.kind == 2) {
            e = eas_item_put_group_end(&b);
        } else {
            size_t k = n;
            if (f.depth == 0)
                for (k = 0; k < n && ov[k].tag != f.tag; k++) {}
            if (k < n) {
                used[k] = 1;
                if (ov[k].value) e = eas_item_put_field(&b, f.tag, ov[k].value, ov[k].len);
            } else {
                e = eas_item_put_field(&b, f.tag, (const char *)f.value, f.len);
            }
        }
        if (e != EAS_OK) return 0;
    }
    for (size_t k = 0; k < n; k++)
        if (!used[k] && ov[k].value && eas_item_put_field(&b, ov[k].tag, ov[k].value, ov[k].len) != EAS_OK) return 0;
    return eas_item_finish(&b);
}
