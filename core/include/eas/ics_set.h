/* A bounded in-memory set of ICS identifiers (MS-OXCFXICS 2.2.2.4: IDSET, and CNSET when it holds
 * change numbers), the form the core works on; eas/ics_idset.h turns it into the wire form and back.
 *
 * An identifier is a replica (a REPLID, or a REPLGUID, 16 bytes) and a GLOBCNT, a 48-bit counter. A set
 * keeps, per replica, sorted disjoint ranges of GLOBCNTs that never touch (a range ending at 7 and one
 * starting at 8 are one range), so equal sets have equal contents and the encoder's output depends only
 * on the set. Capacities are fixed (EAS_ICS_SET_MAX_RANGES, EAS_ICS_SET_MAX_REPLICAS); an operation that
 * would need more fails with EAS_ERR_ICS_SET_FULL and leaves the set as it was. */
#ifndef EAS_ICS_SET_H
#define EAS_ICS_SET_H

#include <stddef.h>
#include <stdint.h>

#include "eas/config.h"
#include "eas/err.h"

#define EAS_ICS_GLOBCNT_MAX 0xFFFFFFFFFFFFull /* 48 bits */

/* A GUID as its 16 bytes travel (MS-DTYP: Data1..Data3 little-endian, Data4 as is). Sets and PCLs order
 * GUIDs by these bytes, as MS-OXCFXICS asks (byte-to-byte comparison). */
typedef struct eas_ics_guid {
    uint8_t b[16];
} eas_ics_guid;

/* The two serialized forms of an IDSET (2.2.2.4.1, 2.2.2.4.2). A set keeps the form it was made for:
 * REPLID replicas are stored as a GUID whose first two bytes hold the REPLID (little-endian) and the
 * rest zero. */
typedef enum { EAS_ICS_REPLID = 1, EAS_ICS_REPLGUID = 2 } eas_ics_form;

/* One range of GLOBCNTs; key_lo/key_hi carry the replica's slot in bits 48-55 so that one sorted array
 * holds every replica's ranges. */
typedef struct eas_ics_range {
    uint64_t key_lo;
    uint64_t key_hi;
} eas_ics_range;

typedef struct eas_ics_set {
    uint8_t form;      /* eas_ics_form */
    uint8_t nreplicas; /* slots used in replica[] (in order of first use, not sorted) */
    uint16_t nranges;
    eas_ics_guid replica[EAS_ICS_SET_MAX_REPLICAS];
    eas_ics_range range[EAS_ICS_SET_MAX_RANGES]; /* sorted by key */
} eas_ics_set;

void eas_ics_set_init(eas_ics_set *s, eas_ics_form form);
/* The replica of a REPLID, in the REPLID form's GUID slot. */
eas_ics_guid eas_ics_replid(uint16_t replid);
uint16_t eas_ics_guid_replid(const eas_ics_guid *g);
int eas_ics_guid_cmp(const eas_ics_guid *a, const eas_ics_guid *b);

/* Adds the GLOBCNTs lo..hi (inclusive) of a replica. EAS_ERR_ARG when lo > hi or hi is over 48 bits. */
eas_err eas_ics_set_add_range(eas_ics_set *s, const eas_ics_guid *replica, uint64_t lo, uint64_t hi);
eas_err eas_ics_set_add(eas_ics_set *s, const eas_ics_guid *replica, uint64_t globcnt);
int eas_ics_set_contains(const eas_ics_set *s, const eas_ics_guid *replica, uint64_t globcnt);
/* dst |= src (both of the same form, else EAS_ERR_ARG). All or nothing: EAS_ERR_ICS_SET_FULL when the
 * union does not fit, dst unchanged. */
eas_err eas_ics_set_union(eas_ics_set *dst, const eas_ics_set *src);
/* How many identifiers the set holds (all replicas). */
uint64_t eas_ics_set_count(const eas_ics_set *s);
/* 1 when both hold the same identifiers (whatever the order their replicas were first seen in). */
int eas_ics_set_equal(const eas_ics_set *a, const eas_ics_set *b);

/* Walks the set in serialization order: replicas by ascending GUID bytes (REPLGUID) or REPLID, each
 * replica's ranges ascending. Replicas with no range are skipped. */
typedef eas_err (*eas_ics_range_fn)(void *user, const eas_ics_guid *replica, uint64_t lo, uint64_t hi);
eas_err eas_ics_set_walk(const eas_ics_set *s, eas_ics_range_fn fn, void *user);

/* MS-OXCDATA 2.2.1.1/2.2.1.2: a Folder ID or Message ID as the 8 bytes travel read as a little-endian
 * integer: the REPLID in its low 16 bits, the GLOBCNT (big-endian on the wire) in the other 48. */
uint64_t eas_ics_make_id(uint16_t replid, uint64_t globcnt);
void eas_ics_split_id(uint64_t id, uint16_t *replid, uint64_t *globcnt);

#endif
