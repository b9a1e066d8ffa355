/* The FastTransfer stream reader (MS-OXCFXICS 2.2.4): what RopFastTransferSourceGetBuffer returns, in
 * the buffers it returns, for the incremental-change download (folder and message changes, full and
 * partial, deletions, read-state changes, progress, the final state) and the other FastTransfer uses.
 *
 * The stream is a run of atoms, each starting with a 4-byte little-endian property tag:
 *   - a marker (2.2.4.1.4, the tags below): nothing follows;
 *   - a property (a meta-property of 2.2.4.1.5 is one too): for a named property (id >= 0x8000) its
 *     name first (a GUID, a kind byte, then a 4-byte LID or a NUL-terminated UTF-16LE name), then the
 *     value: fixed-size types as they are (PtypBoolean takes 2 bytes here), variable-size ones (strings,
 *     binary, object, server id, code-page strings with type 0x8000 | code page) as a 4-byte length and
 *     the bytes, multi-valued ones as a 4-byte count and the elements.
 * MetaTagIdsetGiven is tagged PtypInteger32 but carries a binary value (3.2.5.2.1).
 *
 * Bytes go in as they arrive, in pieces of any size: an atom may be cut anywhere, also inside a length,
 * a name or a value, and the reader resumes with the next piece. Values of variable size reach the
 * consumer in pieces (each call says whether it is the last); fixed-size ones whole. The reader checks
 * that start and end markers pair up (folders, messages, attachments, embedded messages, recipients,
 * the state), at most EAS_ICS_FX_MAX_DEPTH deep, and that nothing follows IncrSyncEnd. */
#ifndef EAS_ICS_FX_H
#define EAS_ICS_FX_H

#include <stddef.h>
#include <stdint.h>

#include "eas/config.h"
#include "eas/err.h"
#include "eas/ics_set.h"

/* Markers (2.2.4.1.4). */
#define EAS_FX_START_TOP_FLD 0x40090003u
#define EAS_FX_START_SUB_FLD 0x400A0003u
#define EAS_FX_END_FOLDER 0x400B0003u
#define EAS_FX_START_MESSAGE 0x400C0003u
#define EAS_FX_START_FAI_MSG 0x40100003u
#define EAS_FX_END_MESSAGE 0x400D0003u
#define EAS_FX_START_EMBED 0x40010003u
#define EAS_FX_END_EMBED 0x40020003u
#define EAS_FX_START_RECIP 0x40030003u
#define EAS_FX_END_TO_RECIP 0x40040003u
#define EAS_FX_NEW_ATTACH 0x40000003u
#define EAS_FX_END_ATTACH 0x400E0003u
#define EAS_FX_INCR_SYNC_CHG 0x40120003u
#define EAS_FX_INCR_SYNC_CHG_PARTIAL 0x407D0003u
#define EAS_FX_INCR_SYNC_DEL 0x40130003u
#define EAS_FX_INCR_SYNC_END 0x40140003u
#define EAS_FX_INCR_SYNC_READ 0x402F0003u
#define EAS_FX_INCR_SYNC_STATE_BEGIN 0x403A0003u
#define EAS_FX_INCR_SYNC_STATE_END 0x403B0003u
#define EAS_FX_INCR_SYNC_PROGRESS_MODE 0x4074000Bu
#define EAS_FX_INCR_SYNC_PROGRESS_PER_MSG 0x4075000Bu
#define EAS_FX_INCR_SYNC_MESSAGE 0x40150003u
#define EAS_FX_INCR_SYNC_GROUP_INFO 0x407B0102u
#define EAS_FX_ERROR_INFO 0x40180003u

/* Meta-properties (2.2.4.1.5) and the ICS state properties (2.2.1.1). */
#define EAS_FX_META_FX_DEL_PROP 0x40160003u
#define EAS_FX_META_EC_WARNING 0x400F0003u
#define EAS_FX_META_NEW_FX_FOLDER 0x40110102u
#define EAS_FX_META_INCR_SYNC_GROUP_ID 0x407C0003u
#define EAS_FX_META_INCR_SYNC_MESSAGE_PARTIAL 0x407A0003u
#define EAS_FX_META_DN_PREFIX 0x4008001Eu
#define EAS_FX_META_IDSET_GIVEN 0x40170003u
#define EAS_FX_META_CNSET_SEEN 0x67960102u
#define EAS_FX_META_CNSET_SEEN_FAI 0x67DA0102u
#define EAS_FX_META_CNSET_READ 0x67D20102u
#define EAS_FX_META_IDSET_DELETED 0x67E50102u
#define EAS_FX_META_IDSET_NO_LONGER_IN_SCOPE 0x40210102u
#define EAS_FX_META_IDSET_EXPIRED 0x67930102u
#define EAS_FX_META_IDSET_READ 0x402D0102u
#define EAS_FX_META_IDSET_UNREAD 0x402E0102u

/* Property types (MS-OXCDATA 2.11.1). */
enum {
    EAS_PT_I2 = 0x0002,
    EAS_PT_LONG = 0x0003,
    EAS_PT_FLOAT = 0x0004,
    EAS_PT_DOUBLE = 0x0005,
    EAS_PT_CURRENCY = 0x0006,
    EAS_PT_APPTIME = 0x0007,
    EAS_PT_ERROR = 0x000A,
    EAS_PT_BOOLEAN = 0x000B,
    EAS_PT_OBJECT = 0x000D,
    EAS_PT_I8 = 0x0014,
    EAS_PT_STRING8 = 0x001E,
    EAS_PT_UNICODE = 0x001F,
    EAS_PT_SYSTIME = 0x0040,
    EAS_PT_CLSID = 0x0048,
    EAS_PT_SVREID = 0x00FB,
    EAS_PT_BINARY = 0x0102,
    EAS_PT_MV = 0x1000,       /* multi-valued flag */
    EAS_PT_CODEPAGE = 0x8000  /* FastTransfer: a string in code page (type & 0x0FFF) */
};

int eas_ics_fx_is_marker(uint32_t tag);

/* One property as the reader found it. */
typedef struct eas_ics_fx_prop {
    uint32_t tag;         /* as in the stream */
    uint32_t offset;      /* where its tag began */
    uint16_t type;        /* the value's type: the tag's, but PtypBinary for MetaTagIdsetGiven */
    uint8_t named;        /* property id >= 0x8000: name_* describe it */
    uint8_t name_kind;    /* 0: name_lid; 1: a string name (given through name_part) */
    eas_ics_guid name_guid;
    uint32_t name_lid;
    uint32_t count;       /* multi-valued: elements; else 1 */
    /* Where it stands, so that a consumer need not track the grammar itself: the last of the
     * incremental-sync markers that start a part of the stream (IncrSyncChg, IncrSyncChgPartial,
     * IncrSyncMessage, IncrSyncDel, IncrSyncRead, IncrSyncStateBegin, IncrSyncProgressMode,
     * IncrSyncProgressPerMsg, IncrSyncGroupInfo, FXErrorInfo; 0 before any), and the innermost start
     * marker still open (StartRecip, NewAttach, StartEmbed, ...; 0 at top level). */
    uint32_t section;
    uint32_t within;
} eas_ics_fx_prop;

/* Callbacks; any may be NULL, one that returns an error stops the reader with it. Data pointers point
 * into the caller's buffer, valid during the call.
 *   marker:     a marker, with the offset of its tag.
 *   name_part:  a piece of a string name (UTF-16LE, without the NUL); last = 1 on the final one.
 *   prop_begin: a property's tag, name and (multi-valued) count are read; its value follows.
 *   value:      element `index` of the value: total bytes, this piece, last = 1 on its final piece.
 *   prop_end:   the property's value is complete. */
typedef struct eas_ics_fx_handler {
    eas_err (*marker)(void *user, uint32_t marker, uint32_t offset);
    eas_err (*name_part)(void *user, const uint8_t *data, size_t len, int last);
    eas_err (*prop_begin)(void *user, const eas_ics_fx_prop *p);
    eas_err (*value)(void *user, const eas_ics_fx_prop *p, uint32_t index, uint32_t total, const uint8_t *data,
                     size_t len, int last);
    eas_err (*prop_end)(void *user, const eas_ics_fx_prop *p);
} eas_ics_fx_handler;

typedef struct eas_ics_fx_reader {
    const eas_ics_fx_handler *handler;
    void *user;
    uint32_t offset;
    uint32_t atom_offset; /* where the element being read began */
    uint32_t err_offset;
    eas_err err;
    uint8_t state;
    uint8_t need, have; /* bytes of a fixed-size element collected in buf */
    uint8_t depth;
    uint8_t ended;     /* IncrSyncEnd seen */
    uint32_t section;  /* see eas_ics_fx_prop */
    uint8_t name_odd;  /* a string name's byte that waits for its pair */
    uint8_t name_half;
    uint16_t name_len;
    uint32_t index;    /* element of the value being read */
    uint32_t remaining; /* bytes left of a variable-size element */
    uint32_t total;
    uint32_t stack[EAS_ICS_FX_MAX_DEPTH]; /* open start markers */
    uint8_t buf[16];
    eas_ics_fx_prop prop;
} eas_ics_fx_reader;

void eas_ics_fx_reader_init(eas_ics_fx_reader *r, const eas_ics_fx_handler *h, void *user);
eas_err eas_ics_fx_feed(eas_ics_fx_reader *r, const uint8_t *data, size_t len);
/* The stream has ended: EAS_OK between atoms with every start marker closed, else
 * EAS_ERR_ICS_TRUNCATED (or EAS_ERR_ICS_FX_MARKER for a marker left open). */
eas_err eas_ics_fx_finish(eas_ics_fx_reader *r);
uint32_t eas_ics_fx_error_offset(const eas_ics_fx_reader *r);

/* Size of one fixed-size element of a type, 0 for variable-size ones, -1 for types the stream cannot
 * carry (the base type, without the multi-valued flag). */
int eas_ics_fx_fixed_size(uint16_t type);

#endif
