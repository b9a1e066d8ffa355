/* Calendar records the device writes itself (eas/agenda.h), in the form of the negotiated version:
 * what firmware and the CLI hand to eas_agent_queue_add / eas_agent_queue_change. */
#include <string.h>

#include "eas/agenda.h"
#include "eas/civil.h"
#include "eas/tz.h"

eas_err eas_event_build(const eas_event_new *ev, const eas_tz_rule *zone, uint8_t version, uint8_t *rec, size_t cap,
                        size_t *len)
{
    char start[EAS_DATETIME_COMPACT_SIZE], end[EAS_DATETIME_COMPACT_SIZE], stamp[EAS_DATETIME_COMPACT_SIZE];
    uint8_t zone_compact[EAS_TZ_COMPACT_SIZE];
    int have_zone = 0, v16 = version >= EAS_PROTO_16_0;
    int64_t us = ev->start, ue = ev->end;
    if (!ev->subject || !ev->uid) return EAS_ERR_ARG;
    /* An all-day event runs from local midnight to local midnight (14.x); 16.x all-day events carry no
     * Timezone and their dates in the UTC date part. */
    if (ev->all_day && !v16) {
        eas_tz_local_to_utc(zone, ev->start, EAS_TZ_PICK_EARLIER, &us, NULL);
        eas_tz_local_to_utc(zone, ev->end, EAS_TZ_PICK_EARLIER, &ue, NULL);
    }
    if (eas_datetime_format_compact(us, start, sizeof start) != EAS_OK) start[0] = '\0';
    if (eas_datetime_format_compact(ue, end, sizeof end) != EAS_OK) end[0] = '\0';
    if (eas_datetime_format_compact(ev->stamp, stamp, sizeof stamp) != EAS_OK) stamp[0] = '\0';
    /* The device's zone goes with the event: 14.x wants a Timezone, and a recurring or all-day event
     * is read in it. */
    if (!(v16 && ev->all_day)) {
        eas_tz_blob blob;
        uint8_t raw[EAS_TZ_BLOB_SIZE];
        if (eas_tz_rule_to_blob(zone, NULL, NULL, &blob) == EAS_OK && eas_tz_blob_encode(&blob, raw, sizeof raw) == EAS_OK) {
            eas_tz_compact_from_blob(raw, zone_compact);
            have_zone = 1;
        }
    }
    if (strcmp(start, end) >= 0) return EAS_ERR_ARG;
    eas_item_builder b;
    eas_item_begin(&b, rec, cap, EAS_CLASS_CALENDAR);
    eas_item_set_id(&b, "new", 3);
    if (have_zone) eas_item_put_field(&b, EAS_Calendar_Timezone, (const char *)zone_compact, sizeof zone_compact);
    eas_item_put_field(&b, EAS_Calendar_AllDayEvent, ev->all_day ? "1" : "0", 1);
    eas_item_put_field(&b, EAS_Calendar_BusyStatus, "2", 1);
    eas_item_put_field(&b, EAS_Calendar_DtStamp, stamp, 16);
    eas_item_put_field(&b, EAS_Calendar_EndTime, end, 16);
    if (ev->location) eas_item_put_field(&b, EAS_Calendar_Location, ev->location, strlen(ev->location));
    eas_item_put_field(&b, EAS_Calendar_Sensitivity, "0", 1);
    if (eas_item_put_field(&b, EAS_Calendar_Subject, ev->subject, strlen(ev->subject)) != EAS_OK) return EAS_ERR_NOSPACE;
    eas_item_put_field(&b, EAS_Calendar_StartTime, start, 16);
    eas_item_put_field(&b, v16 ? EAS_Calendar_ClientUid : EAS_Calendar_UID, ev->uid, strlen(ev->uid));
    eas_item_put_field(&b, EAS_Calendar_MeetingStatus, "0", 1);
    *len = eas_item_finish(&b);
    return *len ? EAS_OK : EAS_ERR_NOSPACE;
}

eas_err eas_event_change(const uint8_t *rec, size_t len, const char *subject, const char *location,
                         const int64_t *start, const int64_t *end, int64_t stamp, uint8_t *out, size_t cap,
                         size_t *out_len)
{
    char s[EAS_DATETIME_COMPACT_SIZE], e[EAS_DATETIME_COMPACT_SIZE], st[EAS_DATETIME_COMPACT_SIZE];
    eas_item_override ov[5];
    size_t n = 0;
    if (eas_datetime_format_compact(stamp, st, sizeof st) != EAS_OK) st[0] = '\0';
    ov[n++] = (eas_item_override){EAS_Calendar_DtStamp, st, 16};
    if (subject) ov[n++] = (eas_item_override){EAS_Calendar_Subject, subject, strlen(subject)};
    if (location) ov[n++] = (eas_item_override){EAS_Calendar_Location, location, strlen(location)};
    if (start) {
        if (eas_datetime_format_compact(*start, s, sizeof s) != EAS_OK) s[0] = '\0';
        ov[n++] = (eas_item_override){EAS_Calendar_StartTime, s, 16};
    }
    if (end) {
        if (eas_datetime_format_compact(*end, e, sizeof e) != EAS_OK) e[0] = '\0';
        ov[n++] = (eas_item_override){EAS_Calendar_EndTime, e, 16};
    }
    *out_len = eas_item_copy_with(rec, len, ov, n, out, cap);
    return *out_len ? EAS_OK : EAS_ERR_NOSPACE;
}
