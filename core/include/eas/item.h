/* Items as the device keeps them: one compact record per item, built field by field while the Sync
 * response streams in, stored in the state store, read back by class-specific accessors.
 *
 * Record layout (all lengths in bytes):
 *   [0] EAS_ITEM_FORMAT   [1] flags (EAS_ITEM_TRUNCATED, EAS_ITEM_DROPPED)   [2] class (eas_class)
 *   [3] n = length of the ServerId, then n bytes of ServerId
 *   fields: [tag >> 8][tag & 0xFF][len] then len bytes of value (len <= EAS_ITEM_VALUE_MAX)
 *           a group (Recurrence, Exceptions, Exception, Attendees, Attendee): [tag][tag][0xFF] ... [0xFF][0xFF][0xFE]
 * Only the fields a device needs are kept (a table per class in core/item/item.c); a value longer than
 * its limit is cut on a UTF-8 boundary and the record flagged EAS_ITEM_TRUNCATED; a field that no
 * longer fits first pushes out entries that matter less (attendees and bodies give way to what the agenda
 * reads: docs/CALENDAR.md), else it is dropped; the record is then flagged EAS_ITEM_DROPPED (and
 * EAS_ITEM_AGENDA_CUT when the agenda reads what was lost). Never an overflow. */
#ifndef EAS_ITEM_H
#define EAS_ITEM_H

#include <stddef.h>
#include <stdint.h>

#include "eas/base64.h"
#include "eas/config.h"
#include "eas/err.h"
#include "eas/wbxml_tags.h"

typedef enum { EAS_CLASS_NONE = 0, EAS_CLASS_CALENDAR, EAS_CLASS_CONTACTS, EAS_CLASS_TASKS, EAS_CLASS_EMAIL } eas_class;

#define EAS_ITEM_FORMAT 1u
#define EAS_ITEM_TRUNCATED 0x01u /* a value was cut to its limit */
#define EAS_ITEM_DROPPED 0x02u   /* fields were left out: the record was full */
#define EAS_ITEM_AGENDA_CUT 0x04u /* and one of them (or a value cut short) is read by the agenda */
#define EAS_ITEM_SENT_CUT 0x08u   /* what was lost or cut is sent back in a Change (anything but a body) */
#define EAS_ITEM_TOMB 0x80u      /* a deleted item's place (the id only), kept for the key's probe sequence */
#define EAS_ITEM_VALUE_MAX 254u
#define EAS_ITEM_GROUP 0xFFu
#define EAS_ITEM_GROUP_END 0xFEu

/* Collects one item while its ApplicationData streams in. buf is the caller's (EAS_ITEM_RECORD_MAX). */
typedef struct eas_item_builder {
    uint8_t *buf;
    size_t cap;
    size_t len;
    size_t field_start; /* offset of the open field's header, 0 when none */
    uint16_t field_limit;
    uint8_t cls;
    uint8_t depth;      /* open groups */
    uint8_t skip_depth; /* > 0: inside an element that is not kept */
    uint8_t b64;        /* the open field is base64 text to decode (Timezone) */
    uint8_t field_cut;  /* the open field's value was cut: later pieces are dropped */
    uint8_t exception_depth; /* depth of the open Exception group, 0 when none */
    uint16_t b64_pos;   /* bytes of decoded Timezone blob seen */
    eas_base64_decoder b64_dec;
    uint8_t empty_open; /* the last start was of an empty element: its end comes next */
    uint8_t top_tier;   /* keeping priority of the open top-level entry (see core/item/item.c) */
    size_t top_start;   /* offset of the open top-level entry (when depth > 0 or a field is open) */
    eas_tag top_tag;    /* tag of the open top-level entry */
} eas_item_builder;

void eas_item_begin(eas_item_builder *b, uint8_t *buf, size_t cap, eas_class cls);
/* The ServerId (or, for a client Add, the ClientId); must come before any field. */
eas_err eas_item_set_id(eas_item_builder *b, const char *id, size_t len);
/* Element events below ApplicationData (the Sync decoder forwards them). */
void eas_item_start(eas_item_builder *b, eas_tag tag, int has_content);
void eas_item_text(eas_item_builder *b, const uint8_t *data, size_t len);
void eas_item_end(eas_item_builder *b, eas_tag tag);
/* Closes the record; returns its length (0 if the builder was never given an id). */
size_t eas_item_finish(eas_item_builder *b);

/* Writing a record directly (client-side changes): a whole field at once, or a group. */
eas_err eas_item_put_field(eas_item_builder *b, eas_tag tag, const char *value, size_t len);
eas_err eas_item_put_group(eas_item_builder *b, eas_tag tag);
eas_err eas_item_put_group_end(eas_item_builder *b);

/* Reading a record. */
typedef struct eas_item_field {
    eas_tag tag;
    uint8_t depth;    /* groups enclosing the field */
    uint8_t kind;     /* 0 value, 1 group begin, 2 group end */
    const uint8_t *value;
    size_t len;
} eas_item_field;

typedef struct eas_item_cursor {
    const uint8_t *rec;
    size_t len, pos;
    uint8_t depth;
} eas_item_cursor;

/* Validates the header; EAS_ERR_STORE_CORRUPT when the record is not one. */
eas_err eas_item_open(eas_item_cursor *c, const uint8_t *rec, size_t len);
eas_class eas_item_class(const uint8_t *rec, size_t len);
/* The ServerId, not NUL-terminated: *len bytes at the returned pointer (NULL if malformed). */
const char *eas_item_id(const uint8_t *rec, size_t len, size_t *id_len);
uint8_t eas_item_flags(const uint8_t *rec, size_t len);
/* The next field; 0 at the end (or on a malformed record, which stops the walk). */
int eas_item_next(eas_item_cursor *c, eas_item_field *f);
/* The first top-level value of tag, copied as a NUL-terminated string into out (cut to cap - 1);
 * returns 1 when present. */
int eas_item_get_str(const uint8_t *rec, size_t len, eas_tag tag, char *out, size_t cap);
/* A calendar item's text field as a display shows it: the first value of tag in the event itself
 * (exception < 0) or in its exception-th Exception (0 first). For Calendar:Location, also the 16.x
 * form: the DisplayName of AirSyncBase:Location. Returns 1 when present. */
int eas_item_get_event_str(const uint8_t *rec, size_t len, int exception, eas_tag tag, char *out, size_t cap);
/* The first top-level value of tag as a number (decimal digits); returns 1 when present and valid. */
int eas_item_get_uint(const uint8_t *rec, size_t len, eas_tag tag, uint32_t *out);

/* A copy of rec into out with the top-level fields of the given tags replaced by new values (and added
 * at the end when rec has none); value NULL removes the field. Returns the new length, 0 when it does
 * not fit out. */
/* The top-level elements of class cls that the record keeps and a whole-item Change sends back: the
 * Supported list of a collection's first Sync (MS-ASCMD 2.2.3.179), so that what the device does not keep
 * (categories, a contact's other numbers, ...) is ghosted: the server keeps it when a Change leaves it
 * out. NULL (*n = 0) for the classes that have no ghosting. */
const eas_tag *eas_item_supported(eas_class cls, size_t *n);

typedef struct eas_item_override {
    eas_tag tag;
    const char *value;
    size_t len;
} eas_item_override;
size_t eas_item_copy_with(const uint8_t *rec, size_t len, const eas_item_override *ov, size_t n, uint8_t *out,
                          size_t cap);

/* A copy of a series' record with one instance changed: its Exception (original start `instance`,
 * compact UTC "20261202T090000Z", as ExceptionStartTime) replaced or added, holding Deleted (deleted) or
 * the given top-level values (Subject, Location, StartTime, EndTime). Returns the new length, 0 when it
 * does not fit out. */
size_t eas_item_copy_with_exception(const uint8_t *rec, size_t len, const char *instance, const eas_item_override *ov,
                                    size_t n, int deleted, uint8_t *out, size_t cap);

/* The class of a FolderHierarchy Type (calendar folders -> EAS_CLASS_CALENDAR, ...). */
eas_class eas_class_of_folder_type(uint8_t type);
const char *eas_class_name(eas_class c); /* "Calendar", "Contacts", "Tasks", "Email" */

#endif
