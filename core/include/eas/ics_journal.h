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
    eas_ics_guid replica; /* the device's own replica GUID */
    uint64_t next_cn;     /* the next change number it gives (GLOBCNTs start at 1) */
    eas_ics_set confirmed; /* the device's change numbers the server has confirmed (REPLGUID form) */
} eas_ics_journal;

void eas_ics_journal_init(eas_ics_journal *j, const eas_ics_guid *replica, uint64_t next_cn);
/* A local change of the item: a new change number, the item's last XID and a PCL that includes it.
 * EAS_ERR_ICS_PCL_FULL or EAS_ERR_NOSPACE (change numbers ran out) leave the item unchanged. */
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

#endif
