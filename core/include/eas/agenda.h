/* The agenda: the occurrences of the stored calendar items that overlap a time window, in start order,
 * recurrences expanded in each event's own zone and exceptions applied. Bounded memory: the stored
 * events are walked in passes, each keeping the EAS_AGENDA_BATCH earliest occurrences not yet given;
 * nothing grows with the number of events or occurrences. */
#ifndef EAS_AGENDA_H
#define EAS_AGENDA_H

#include <stdint.h>

#include "eas/agent.h"
#include "eas/item.h"
#include "eas/recur.h"

/* One occurrence, with what a display shows of it. */
typedef struct eas_agenda_entry {
    eas_occurrence occ; /* start, end (UTC), all_day, day (local date of the start in the event's zone) */
    int64_t days;       /* all-day: length in days (the end date is day + days, exclusive) */
    char server_id[EAS_ITEM_ID_MAX];
    char folder_id[EAS_FOLDER_ID_MAX];
    char subject[EAS_AGENDA_TEXT_MAX];
    char location[EAS_AGENDA_TEXT_MAX];
    char organizer[EAS_AGENDA_TEXT_MAX];
    uint8_t busy_status;   /* 0 free, 1 tentative, 2 busy, 3 out of office, 4 working elsewhere */
    uint8_t response_type; /* 0 none, 1 organizer, 2 tentative, 3 accepted, 4 declined, 5 not responded */
    uint8_t is_exception;  /* a moved or changed instance of a series */
    uint8_t recurring;
    uint8_t cancelled;     /* MeetingStatus 5, 7, 13 or 15: a display does not show it */
    uint8_t is_private;    /* Sensitivity 2 (private) or 3 (confidential): a display shows neither text */
#if EAS_ITEM_KEEP_JOIN_URL
    char join_url[EAS_ITEM_VALUE_MAX + 1]; /* OnlineMeetingExternalLink, "" when none (or cut) */
#endif
} eas_agenda_entry;

/* What a room display shows of an entry: "Private appointment" and no location for a private one. */
const char *eas_agenda_display_subject(const eas_agenda_entry *e);
const char *eas_agenda_display_location(const eas_agenda_entry *e);

/* Work space of an agenda walk, owned by the caller (a few KiB: EAS_AGENDA_BATCH entries and
 * EAS_CAL_MAX_EXCEPTIONS exceptions), so that the core keeps no state of its own. */
typedef struct eas_agenda_work {
    eas_agent *a;
    const eas_tz_rule *zone;
    int64_t from, to;
    eas_agenda_entry batch[EAS_AGENDA_BATCH];
    unsigned count;
    eas_agenda_entry last; /* the last entry given out (valid when have_last) */
    int have_last;
    unsigned skipped;
    unsigned incomplete;   /* events whose record lost something the agenda reads (EAS_ITEM_AGENDA_CUT) */
    eas_agenda_entry cand; /* the candidate being built */
    eas_cal_exception ex[EAS_CAL_MAX_EXCEPTIONS];
} eas_agenda_work;

/* Decodes a calendar item record into the iterator's event and its exceptions (at most cap; more are
 * dropped and *nex says how many were kept). device_zone: the zone all-day dates of 16.x items are
 * shown in. EAS_ERR_UNSUPPORTED for a non-Gregorian calendar type. */
eas_err eas_event_decode(const uint8_t *rec, size_t len, const eas_tz_rule *device_zone, eas_cal_event *ev,
                         eas_cal_exception *ex, size_t cap, size_t *nex);

/* ---- events the device writes (core/agent/event.c): the records eas_agent_queue_add/_change take ---- */
typedef struct eas_event_new {
    const char *subject;
    const char *location; /* NULL: none */
    /* A timed event: UTC seconds. An all-day event: the first day and the day after the last, as
     * day numbers * 86400 (eas/civil.h: local midnights, the zone is applied here). */
    int64_t start, end;
    uint8_t all_day;
    const char *uid;      /* the device's own UID (32 characters): a resend names the same event */
    int64_t stamp;        /* DtStamp, UTC (sent at 14.x only) */
} eas_event_new;
/* A new event's record in the form of the negotiated version: the device's zone as its Timezone (but
 * for a 16.x all-day event, which has none), an all-day event from local midnight to local midnight
 * (14.x) or on its UTC dates (16.x), busy, UID (14.x) or ClientUid (16.x). EAS_ERR_ARG when it does
 * not end after it starts, EAS_ERR_NOSPACE when it does not fit cap (a subject too long). */
eas_err eas_event_build(const eas_event_new *ev, const eas_tz_rule *zone, uint8_t version, uint8_t *rec, size_t cap,
                        size_t *len);
/* A changed event: the stored record with a new DtStamp and whichever of subject, location, start and
 * end (UTC) are given (NULL: kept). EAS_ERR_NOSPACE when the result does not fit cap. */
eas_err eas_event_change(const uint8_t *rec, size_t len, const char *subject, const char *location,
                         const int64_t *start, const int64_t *end, int64_t stamp, uint8_t *out, size_t cap,
                         size_t *out_len);

/* Calls fn for every occurrence overlapping [from, to) (UTC seconds), ordered by start, then end,
 * then ServerId. A non-EAS_OK return from fn stops the walk. Events that cannot be read are skipped
 * and counted in *skipped (may be NULL). */
typedef eas_err (*eas_agenda_fn)(void *ctx, const eas_agenda_entry *e);
eas_err eas_agent_agenda(eas_agent *a, eas_agenda_work *w, const eas_tz_rule *device_zone, int64_t from, int64_t to,
                         eas_agenda_fn fn, void *ctx, unsigned *skipped);

/* "Now and next" for a room display: the occurrences in progress at now (the one that started last)
 * and the first one starting after now, within horizon seconds. Cancelled occurrences are not shown. */
eas_err eas_agent_now_next(eas_agent *a, eas_agenda_work *w, const eas_tz_rule *device_zone, int64_t now, int64_t horizon,
                           eas_agenda_entry *current, int *has_current, eas_agenda_entry *next, int *has_next);

#endif
