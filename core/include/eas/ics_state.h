/* The ICS state (MS-OXCFXICS 2.2.1.1): what a client has of a synchronization scope, as four ID sets in
 * the REPLGUID form: MetaTagIdsetGiven (the messages or folders it has), MetaTagCnsetSeen (the changes
 * it has seen), MetaTagCnsetSeenFAI (the same for FAI messages) and MetaTagCnsetRead (read-state
 * changes seen). It travels in two directions:
 *   in:  from the download stream (between IncrSyncStateBegin and IncrSyncStateEnd, or after
 *        RopSynchronizationGetTransferState), through the FastTransfer reader's handler below; or as the
 *        bytes of one property at a time (begin with its tag, continue with pieces, end), which is the
 *        shape of RopSynchronizationUploadStateStreamBegin/Continue/End on the server side;
 *   out: each property as the FastTransfer stream writes it (tag, 4-byte length, the IDSET), which is
 *        what a client uploads, one property per UploadStateStream Begin/Continue/End. */
#ifndef EAS_ICS_STATE_H
#define EAS_ICS_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "eas/err.h"
#include "eas/ics_fx.h"
#include "eas/ics_idset.h"
#include "eas/ics_set.h"
#include "eas/sink.h"

typedef enum {
    EAS_ICS_IDSET_GIVEN,
    EAS_ICS_CNSET_SEEN,
    EAS_ICS_CNSET_SEEN_FAI,
    EAS_ICS_CNSET_READ,
    EAS_ICS_STATE_PROPS
} eas_ics_state_prop;

typedef struct eas_ics_state {
    eas_ics_set set[EAS_ICS_STATE_PROPS];
    uint8_t present; /* bit per property that was read (an empty state sends none) */
} eas_ics_state;

uint32_t eas_ics_state_tag(eas_ics_state_prop p);
/* The property of a tag, or -1 when the tag is no state property. */
int eas_ics_state_prop_of(uint32_t tag);
void eas_ics_state_init(eas_ics_state *st);

typedef struct eas_ics_state_reader {
    eas_ics_state *state;
    eas_ics_idset_decoder dec;
    int current; /* the property being read, -1 none */
    uint32_t value_offset; /* FastTransfer: where the current value's bytes began in the stream */
    uint32_t err_offset;   /* where an IDSET error is, in the stream (FastTransfer) or the property */
} eas_ics_state_reader;

void eas_ics_state_reader_init(eas_ics_state_reader *r, eas_ics_state *st);
/* One property's bytes: EAS_ERR_ICS_STATE for a tag that is no state property. The property's set
 * is emptied first (a state property replaces what was there). */
eas_err eas_ics_state_begin(eas_ics_state_reader *r, uint32_t tag);
eas_err eas_ics_state_continue(eas_ics_state_reader *r, const uint8_t *data, size_t len);
eas_err eas_ics_state_end(eas_ics_state_reader *r);
/* A FastTransfer handler (user: an eas_ics_state_reader) that decodes the state properties of a stream
 * and ignores every other atom. */
extern const eas_ics_fx_handler eas_ics_state_fx_handler;

/* One property in the FastTransfer form (tag, length, IDSET); *len (may be NULL) gets its size. */
eas_err eas_ics_state_write_prop(const eas_ics_state *st, eas_ics_state_prop p, eas_sink sink, uint32_t *len);
/* The whole state as a download stream ends with it: IncrSyncStateBegin, the four properties,
 * IncrSyncStateEnd. */
eas_err eas_ics_state_write(const eas_ics_state *st, eas_sink sink, uint32_t *len);

#endif
