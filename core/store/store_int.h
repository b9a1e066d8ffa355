/* Internals of the state store shared by store_flash.c (layout, codec, flash access) and store.c
 * (mount, lookup, compaction, transactions). The byte layout is documented in docs/STORE.md; keep the
 * two in step. */
#ifndef EAS_STORE_INT_H
#define EAS_STORE_INT_H

#include "eas/store.h"

/* ---- sector header: written twice, in slot-sized copies at offsets 0 and slot ---- */
#define STF_HDR_MAGIC0 0x45u /* "EASS" */
#define STF_HDR_MAGIC1 0x41u
#define STF_HDR_MAGIC2 0x53u
#define STF_HDR_MAGIC3 0x53u
#define STF_VERSION 1u

/* ---- entry: one slot from the top of the sector downwards ---- */
#define STF_ENT_MAGIC0 0x45u /* "ER" */
#define STF_ENT_MAGIC1 0x52u
#define STF_ENT_BYTES 32u    /* encoded size; the rest of a larger slot stays 0xFF */
#define STF_CRC_BYTES 28u    /* bytes covered by the entry's own CRC */

enum { STF_PUT = 1, STF_DEL = 2, STF_COMMIT = 3, STF_OPEN = 4 };
#define STF_FLAG_TXN 0x01u /* a transaction member: visible only with its COMMIT in the same sector */

#define STF_SLOT_MAX (EAS_STORE_MAX_PROG_SIZE > STF_ENT_BYTES ? EAS_STORE_MAX_PROG_SIZE : STF_ENT_BYTES)

/* A write whose read-back differs is abandoned where it lies and tried once more further on. */
#define STF_WRITE_ATTEMPTS 2u

typedef struct stf_ent {
    uint8_t type;
    uint8_t flags;
    uint32_t key;
    uint32_t seq;
    uint32_t txn;  /* PUT/DEL with STF_FLAG_TXN, COMMIT: the transaction id */
    uint32_t off;  /* PUT: value offset in the sector (0 when len is 0) */
    uint32_t len;  /* PUT: value length; COMMIT: number of members */
    uint32_t vcrc; /* PUT: CRC-32 of the value */
} stf_ent;

/* Where a value to append comes from: memory, or another place of the region. */
typedef struct stf_src {
    const uint8_t *mem;
    uint32_t sector;
    uint32_t off;
} stf_src;

enum { STF_SEC_ERASED = 0, STF_SEC_VALID = 1, STF_SEC_OTHER = 2 };
enum { STF_SLOT_FREE = 0, STF_SLOT_ENTRY = 1, STF_SLOT_BAD = 2 };

static inline uint32_t stf_hdr_end(const eas_store *st) { return 2u * st->slot; }
static inline uint32_t stf_nslots(const eas_store *st)
{
    return (st->flash->sector_size - stf_hdr_end(st)) / st->slot;
}
/* Offset of entry slot i, counted from the top of the sector (slot 0 is the last slot). */
static inline uint32_t stf_slot_off(const eas_store *st, uint32_t i)
{
    return st->flash->sector_size - (i + 1u) * st->slot;
}
/* Slot number of the entry at offset off (the inverse of stf_slot_off). */
static inline uint32_t stf_slot_index(const eas_store *st, uint32_t off)
{
    return (st->flash->sector_size - off) / st->slot - 1u;
}
static inline uint32_t stf_next_sector(const eas_store *st, uint32_t s)
{
    return (s + 1u) % st->flash->sector_count;
}
static inline uint32_t stf_align(const eas_store *st, uint32_t n)
{
    uint32_t p = st->flash->prog_size;
    return (n + p - 1u) & ~(p - 1u);
}
static inline int stf_is_record(const stf_ent *e) { return e->type == STF_PUT || e->type == STF_DEL; }

eas_err stf_check_geometry(const eas_flash *f);
eas_err stf_read(eas_store *st, uint32_t sector, uint32_t off, void *buf, size_t len);
eas_err stf_erase(eas_store *st, uint32_t sector);
eas_err stf_sector_erased(eas_store *st, uint32_t sector, int *erased);
eas_err stf_ensure_erased(eas_store *st, uint32_t sector);
eas_err stf_read_header(eas_store *st, uint32_t sector, int *kind, uint32_t *gen, uint32_t *seq_base);
eas_err stf_write_header(eas_store *st, uint32_t sector, uint32_t gen, uint32_t seq_base);
eas_err stf_read_slot(eas_store *st, uint32_t sector, uint32_t off, int *kind, stf_ent *e);
eas_err stf_value_ok(eas_store *st, uint32_t sector, const stf_ent *e, int *ok);
/* Room in the head for data value bytes and slots entries, keeping the guard slot free. */
int stf_fits(const eas_store *st, uint32_t data, uint32_t slots);
/* Appends e (and its value from src) to the head, keeping reserve further slots free; fills e->off.
 * EAS_ERR_STORE_FULL when it does not fit (nothing written). */
eas_err stf_append(eas_store *st, stf_ent *e, const stf_src *src, uint32_t reserve);

/* ---- the lookup index (store_index.c): a table in RAM only, never on flash ----
 * Open addressing with linear probing over the caller's array. A slot's loc is one of:
 *  - STI_EMPTY: free; ends every probe sequence;
 *  - STI_GONE: the key is known to have no value (deleted); reusable by another key;
 *  - STI_UNKNOWN: the key may have a value: a scan tells (after its record moved without the index);
 *  - where its newest visible record is: the region-wide entry number, sector * stf_nslots + slot
 *    (below 2^27: a region is at most 4 GiB of 32-byte slots), with flags above it while a pass or a
 *    purge runs. */
#define STI_EMPTY 0xFFFFFFFFu
#define STI_GONE 0xFFFFFFFEu
#define STI_UNKNOWN 0x07FFFFFFu
#define STI_LOC_MASK 0x07FFFFFFu
#define STI_F_DEL 0x08000000u  /* pass: the candidate is a tombstone (becomes STI_GONE at the end) */
#define STI_F_PASS 0x10000000u /* pass: set by this pass (compare sequence numbers before replacing) */
#define STI_F_MOVE 0x20000000u /* purge: not placed yet */
#define STI_NONE UINT32_MAX    /* no such index position */

enum { STI_OFF = 0, STI_FULL = 1, STI_PART = 2 };

/* A slot whose key may have a value: a location or STI_UNKNOWN, with or without flags. */
static inline int sti_holds(uint32_t loc) { return loc < 0x40000000u; }

/* Per-sector counts: when the caller's array has room to spare (at least STI_COUNT_RATIO slots per
 * sector), its last ceil(sectors / 2) slots are not keys but one 32-bit count per sector (in key and
 * loc) of the index slots that point into that sector. A compaction then knows in O(1) that nothing
 * points into the sector it is about to reuse, instead of passing over the whole index each time.
 * Kept by sti_set and sti_clear; a small index goes without (its pass is short). */
#define STI_COUNT_RATIO 8u
static inline uint32_t sti_count_slots(uint32_t sectors) { return (sectors + 1u) / 2u; }
static inline uint32_t *sti_count(eas_store *st, uint32_t s)
{
    eas_store_index_slot *x = &st->idx[st->idx_slots + s / 2u];
    return (s & 1u) ? &x->loc : &x->key;
}

/* Position of key in the index, or STI_NONE. */
uint32_t sti_find(const eas_store *st, uint32_t key);
/* Position of key, inserted as STI_GONE when absent (reusing a purged or STI_GONE slot, purging the
 * deleted keys first when the table is too full and no walk is running). STI_NONE when there is no room:
 * a complete index is then partial. */
uint32_t sti_claim(eas_store *st, uint32_t key);
/* Sets the loc of position pos, keeping the counters. */
void sti_set(eas_store *st, uint32_t pos, uint32_t loc);
/* Empties the table (and zeroes the per-sector counts). */
void sti_clear(eas_store *st);
/* The sector loc points into, or UINT32_MAX when it names no record (empty, gone, unknown). */
uint32_t sti_sector(const eas_store *st, uint32_t loc);
/* Ends a pass: candidates lose their flags, tombstones become STI_GONE. */
void sti_end_pass(eas_store *st);

#endif
