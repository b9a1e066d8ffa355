/* XIDs and predecessor change lists (MS-OXCFXICS 2.2.2.2, 2.2.2.3) and the order between versions that
 * the conflict rules rest on (3.1.5.6).
 *
 * An XID names one change: the namespace GUID of the replica that made it and a LocalId (1 to 8 bytes,
 * big-endian; a change number's 6 bytes in practice). A PCL lists, per namespace GUID, the latest change
 * a version of an object includes; on the wire it is a run of SizedXid (a size byte, 17-24, then the XID)
 * with no count. Here a PCL is kept sorted by GUID bytes with one XID per GUID, the largest. */
#ifndef EAS_ICS_PCL_H
#define EAS_ICS_PCL_H

#include <stddef.h>
#include <stdint.h>

#include "eas/config.h"
#include "eas/err.h"
#include "eas/ics_set.h"

#define EAS_ICS_XID_MIN 17u
#define EAS_ICS_XID_MAX 24u

typedef struct eas_ics_xid {
    eas_ics_guid guid;
    uint8_t local_len; /* 1-8 */
    uint8_t local[8];  /* big-endian */
} eas_ics_xid;

typedef struct eas_ics_pcl {
    uint8_t n;
    eas_ics_xid xid[EAS_ICS_PCL_MAX_XIDS];
} eas_ics_pcl;

/* How two versions relate. "a includes b": every change b knows of, a knows of too (a is b or later). */
typedef enum {
    EAS_ICS_PCL_EQUAL,
    EAS_ICS_PCL_A_INCLUDES_B,
    EAS_ICS_PCL_B_INCLUDES_A,
    EAS_ICS_PCL_CONFLICT
} eas_ics_pcl_order;

/* An XID of a change number (the LocalId is the 6-byte GLOBCNT). */
eas_ics_xid eas_ics_xid_of_cn(const eas_ics_guid *guid, uint64_t cn);
/* The LocalId as a number (LocalIds of different lengths compare by value). */
uint64_t eas_ics_xid_local(const eas_ics_xid *x);
/* An XID of len bytes (17-24): EAS_ERR_ICS_XID otherwise. */
eas_err eas_ics_xid_decode(const uint8_t *p, size_t len, eas_ics_xid *x);

void eas_ics_pcl_init(eas_ics_pcl *pcl);
/* Adds a change: a new GUID is inserted in order, a known one keeps the larger LocalId.
 * EAS_ERR_ICS_PCL_FULL (the PCL unchanged) when a new GUID does not fit. */
eas_err eas_ics_pcl_add(eas_ics_pcl *pcl, const eas_ics_xid *x);
/* A serialized PCL (added to what pcl holds, in any order the input has); *err_offset (may be NULL)
 * gets the offset of a bad size byte, or the end when the input stops inside an XID. */
eas_err eas_ics_pcl_decode(eas_ics_pcl *pcl, const uint8_t *p, size_t len, uint32_t *err_offset);
/* The wire form, sorted by GUID; EAS_ERR_NOSPACE when cap is too small. */
eas_err eas_ics_pcl_encode(const eas_ics_pcl *pcl, uint8_t *buf, size_t cap, size_t *len);

/* 1 when a includes b. */
int eas_ics_pcl_includes(const eas_ics_pcl *a, const eas_ics_pcl *b);
eas_ics_pcl_order eas_ics_pcl_compare(const eas_ics_pcl *a, const eas_ics_pcl *b);
/* dst = merge of dst and src (per GUID the larger LocalId); all or nothing (EAS_ERR_ICS_PCL_FULL). */
eas_err eas_ics_pcl_merge(eas_ics_pcl *dst, const eas_ics_pcl *src);

#endif
