/* The local change journal in ICS terms (MS-OXCFXICS 3.1.5.6): what a device needs to tell a server's
 * change that already contains its own from a real conflict. Not wired into the agent yet (docs/ICS.md
 * says where it plugs in and what the store records need).
 *
 * The device is a replica with its own GUID (made once, kept in the store). Every local change takes
 * the next change number of that replica; its XID (the GUID and the number) becomes the item's last
 * change and enters the item's PCL. What the server has confirmed of the device's changes is a CNSET.
 * A server version of the item then compares with the local one:
 *   - its PCL includes the local PCL: it is the local version or a later one. No conflict, even when
 *     the device's own change is pending: the server has it (the upload came back). Take it; the
 *     device's change numbers it includes are confirmed.
 *   - the local PCL includes it (strictly): an older version (a late echo). Ignore it.
 *   - neither: both changed the item independently. A conflict, resolved by the policy and reported;
 *     the resolved version's PCL is the merge of both, so that neither side sees it as a conflict again. */
#ifndef EAS_ICS_JOURNAL_H
#define EAS_ICS_JOURNAL_H

#include <stdint.h>

#include "eas/err.h"
#include "eas/ics_pcl.h"
#include "eas/ics_set.h"

typedef enum {
    EAS_ICS_SERVER_WINS, /* a conflict takes the server's version; the local change is dropped */
    EAS_ICS_CLIENT_WINS  /* a conflict keeps the local version, as a new local change over both */
} eas_ics_policy;

typedef enum {
    EAS_ICS_TAKE_SERVER,           /* no conflict: the server's version is newer */
    EAS_ICS_IGNORE_STALE,          /* no conflict: the local version already includes it */
    EAS_ICS_CONFLICT_SERVER_KEPT,  /* conflict (report it): the server's version was taken */
    EAS_ICS_CONFLICT_LOCAL_KEPT    /* conflict (report it): local kept, to be uploaded again */
} eas_ics_outcome;

/* What an item record carries for ICS (docs/ICS.md gives its size per board). */
typedef struct eas_ics_version {
    eas_ics_xid last; /* the item's last change */
    eas_ics_pcl pcl;  /* every change its version includes */
} eas_ics_version;

typedef struct eas_ics_journal {
    eas_ics_guid replica;  /* the device's own replica GUID */
    uint64_t next_cn;      /* the next change number it gives (GLOBCNTs start at 1) */
    uint64_t reserved;     /* numbers below this one are reserved on flash (see eas_ics_journal_reserve) */
    eas_ics_set confirmed; /* the device's change numbers the server has confirmed (REPLGUID form) */
} eas_ics_journal;

/* Change numbers handed out per reservation. */
#define EAS_ICS_CN_RESERVE 64u

void eas_ics_journal_init(eas_ics_journal *j, const eas_ics_guid *replica, uint64_t next_cn);
/* Change numbers must never be given twice, also across a power cut, so they are handed out from a
 * reservation that is on flash first: when eas_ics_journal_needs_reserve says so, the caller reserves
 * the next EAS_ICS_CN_RESERVE numbers and commits the journal record (eas_ics_journal_encode) before
 * the next local change. A journal read back after a cut resumes after its reservation: at most a
 * block of numbers is skipped, none is reused. */
int eas_ics_journal_needs_reserve(const eas_ics_journal *j);
eas_err eas_ics_journal_reserve(eas_ics_journal *j);
/* A local change of the item: a new change number, the item's last XID and a PCL that includes it.
 * EAS_ERR_STATE when no reserved number is left; EAS_ERR_ICS_PCL_FULL; the item is then unchanged. */
eas_err eas_ics_journal_local_change(eas_ics_journal *j, eas_ics_version *item, uint64_t *cn);
/* 1 when the item's last change is the device's and the server has not confirmed it. */
int eas_ics_journal_pending(const eas_ics_journal *j, const eas_ics_version *item);
/* A version of the item arrives from the server (its last change XID and PCL): updates the item as the
 * outcome says, and confirms the device's change numbers the server's version includes. */
eas_err eas_ics_journal_server_change(eas_ics_journal *j, eas_ics_version *item, const eas_ics_xid *server_last,
                                      const eas_ics_pcl *server_pcl, eas_ics_policy policy,
                                      eas_ics_outcome *outcome);
/* 1 for the outcomes that are conflicts (to report). */
int eas_ics_outcome_is_conflict(eas_ics_outcome o);

/* The records the store keeps (core/ics/journal_record.c).
 * Journal, one per account: [format 1][replica GUID, 16][reservation, 6 bytes big-endian][the confirmed
 * CNSET as a REPLGUID IDSET]. Decoding resumes next_cn at the reservation.
 * Item version, a field of the item record: [i][PCL in wire form], i the index in the PCL of the last
 * change's XID, or 0xFF followed by that XID as a SizedXid when the PCL does not hold it as is. */
#define EAS_ICS_JOURNAL_FORMAT 1u
eas_err eas_ics_journal_encode(const eas_ics_journal *j, uint8_t *buf, size_t cap, size_t *len);
eas_err eas_ics_journal_decode(eas_ics_journal *j, const uint8_t *buf, size_t len);
eas_err eas_ics_version_encode(const eas_ics_version *v, uint8_t *buf, size_t cap, size_t *len);
eas_err eas_ics_version_decode(eas_ics_version *v, const uint8_t *buf, size_t len);

#endif
