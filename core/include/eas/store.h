/* The state store: a power-loss-safe key/value log on the PAL flash region (eas_flash).
 *
 * Records are (key: uint32, value: 0..EAS_STORE_MAX_VALUE bytes). Reading a key returns its newest
 * valid committed version; a delete writes a tombstone; a transaction makes several puts/deletes visible
 * together or not at all, also across a power cut at any instant. Space is reclaimed by compacting one
 * sector at a time into the always-erased spare sector, and the old copy is erased only after the new
 * one is complete. The on-flash format and the recovery rules are in docs/STORE.md.
 *
 * Memory: everything lives in the caller's eas_store (see sizeof); no allocation, and RAM does not grow
 * with the number of records: reads scan the flash, with loops bounded by the region size. A caller
 * that can spare RAM hands over a fixed-size lookup index at mount (eas_store_mount_indexed): gets then
 * read one entry and one value instead of scanning, and eas_store_visit_range walks the live keys
 * without scans. The index is a cache only: correctness never depends on it (docs/STORE.md, "Index").
 *
 * Errors: EAS_ERR_FLASH (a flash operation failed) or EAS_ERR_STORE_CORRUPT from a call that writes
 * leave the store unmounted: call eas_store_mount (or eas_store_mount_indexed) again (what was committed
 * before is still there).
 * Not thread-safe: one caller at a time. */
#ifndef EAS_STORE_H
#define EAS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "eas/config.h"
#include "eas/err.h"
#include "pal.h"

#if (EAS_STORE_MAX_PROG_SIZE & (EAS_STORE_MAX_PROG_SIZE - 1u)) != 0
#error "EAS_STORE_MAX_PROG_SIZE must be a power of two"
#endif
#if EAS_STORE_SCRATCH < 32 || EAS_STORE_SCRATCH % EAS_STORE_MAX_PROG_SIZE != 0
#error "EAS_STORE_SCRATCH must be at least 32 and a multiple of EAS_STORE_MAX_PROG_SIZE"
#endif

/* Fixed flash cost of one record besides its value (the value is padded to the program unit). */
#define EAS_STORE_ENTRY_SIZE 32u

/* One slot of the lookup index: 8 bytes, whatever the key or the region. The caller owns the array
 * (eas_store_mount_indexed); the fields are private to core/store. */
typedef struct eas_store_index_slot {
    uint32_t key;
    uint32_t loc;
} eas_store_index_slot;

/* Caller-owned state. The fields are private to core/store. */
typedef struct eas_store {
    const eas_flash *flash;
    eas_store_index_slot *idx; /* the caller's index array, NULL: none */
    uint32_t idx_slots;   /* its length */
    uint32_t idx_used;    /* slots not empty */
    uint32_t idx_live;    /* slots whose key may have a value */
    uint32_t txn_gen;     /* head generation and first free entry slot when the open transaction began: */
    uint32_t txn_slot;    /* its members lie after that point, where its commit finds them for the index */
    uint32_t slot;        /* entry slot size: max(EAS_STORE_ENTRY_SIZE, prog_size) */
    uint32_t head;        /* the sector appended to */
    uint32_t head_gen;    /* its generation */
    uint32_t data_ptr;    /* next free value offset in the head (grows up) */
    uint32_t ent;         /* offset of the next free entry slot in the head (grows down) */
    uint32_t next_seq;    /* next sequence number to hand out */
    uint32_t txn_id;      /* id of the open transaction */
    uint32_t txn_count;   /* its records so far */
    uint32_t full_need;   /* smallest need that a whole compaction cycle could not meet (0: none) */
    uint32_t compactions; /* since mount */
    uint8_t state;        /* 0 unmounted, 1 mounted */
    uint8_t txn_active;
    uint8_t txn_broken;   /* a member was lost in a compaction: the commit must fail */
    uint8_t idx_mode;     /* 0 no index, 1 complete, 2 partial (overflowed: a key it lacks is scanned for) */
    uint8_t idx_walks;    /* unordered walks in progress: index slots must not move */
    uint8_t idx_counted;  /* the index array's tail counts the slots pointing into each sector (store_int.h) */
    uint8_t scratch[EAS_STORE_SCRATCH];
} eas_store;

typedef struct eas_store_info {
    uint32_t live_records;  /* keys with a visible value */
    uint32_t live_bytes;    /* sum of their value lengths */
    uint32_t capacity;      /* bytes of sector_count - 1 sectors (one is always kept erased) */
    uint32_t used_bytes;    /* bytes of the sectors in use, dead records included */
    uint32_t free_bytes;    /* bytes writable before the next compaction */
    uint32_t generation;    /* generation of the head sector: +1 per compaction step */
    uint32_t next_seq;      /* next sequence number: +1 per record written */
    uint32_t head_sector;
    uint32_t compactions;   /* compaction steps since mount */
    uint32_t index_slots;   /* slots of the lookup index (0: none, or dropped after an error) */
    uint32_t index_used;    /* slots in use: keys with a value, and deleted keys not yet purged */
    uint32_t index_complete; /* 1: every live key is in the index; 0: it overflowed, misses are scanned */
} eas_store_info;

/* Erases the whole region and writes an empty store, then mounts it. Everything in it is lost. */
eas_err eas_store_format(eas_store *st, const eas_flash *flash);

/* Mounts the store in the region. flash must outlive st. Never formats: EAS_ERR_STORE_EMPTY for an
 * erased region, EAS_ERR_STORE_CORRUPT for one that holds no sector of this store (foreign data, or a
 * different geometry), EAS_ERR_STORE_GEOMETRY when the geometry cannot hold the store (fewer than 2
 * sectors, program unit not a power of two or above EAS_STORE_MAX_PROG_SIZE, sector size not a
 * multiple of the entry slot or too small for one EAS_STORE_MAX_VALUE record). A torn last write or an
 * interrupted compaction is repaired here, which may program and erase. */
eas_err eas_store_mount(eas_store *st, const eas_flash *flash);

/* Mount and format with a lookup index: slots entries of the caller's array (8 bytes each, which must
 * outlive st; a power of two is not needed). Mount builds it in one scan of the region; every committed
 * write, delete and compaction keeps it up to date. It holds up to 7/8 of slots keys (live ones, and
 * deleted ones until a purge in RAM reclaims them); beyond that it is marked partial: the keys it holds
 * are still answered from it, the others by a scan, and eas_store_visit_range walks in key order. A
 * slot count below 2 (or a NULL array) is the plain mount. A mount that fails, or any later error that
 * unmounts the store, needs this call again (eas_store_mount drops the index). */
eas_err eas_store_mount_indexed(eas_store *st, const eas_flash *flash, eas_store_index_slot *index, uint32_t slots);
eas_err eas_store_format_indexed(eas_store *st, const eas_flash *flash, eas_store_index_slot *index,
                                 uint32_t slots);

/* Copies the value of key into buf (cap bytes); *len gets its length (also on EAS_ERR_NOSPACE).
 * EAS_ERR_NOT_FOUND when the key has no value. buf may be NULL when cap is 0. During a transaction
 * this reads the committed state, not the transaction's own records. With an index: one entry and the
 * value are read, and checked (entry CRC, key, value CRC); anything amiss falls back to a scan. */
eas_err eas_store_get(eas_store *st, uint32_t key, void *buf, size_t cap, size_t *len);

/* A one-record transaction. EAS_ERR_NOSPACE when len > EAS_STORE_MAX_VALUE, EAS_ERR_STORE_FULL when
 * the live data leaves no room even after compaction, EAS_ERR_STATE during a transaction. */
eas_err eas_store_put(eas_store *st, uint32_t key, const void *val, size_t len);

/* Deletes key (a tombstone). Deleting a key that has no value writes nothing and is EAS_OK. */
eas_err eas_store_del(eas_store *st, uint32_t key);

/* Transactions: begin, any number of put/del (at most EAS_STORE_MAX_TXN_RECORDS, one more is
 * EAS_ERR_TXN_FULL; a transaction may span sectors, but until its commit its records and the values
 * they replace must fit together), then commit. Until the commit record is complete on flash nothing
 * of the transaction is visible, to get() or after a power cut. Any error from
 * txn_put/txn_del/txn_commit ends the transaction with nothing of it visible (e.g.
 * EAS_ERR_STORE_FULL); later txn calls are EAS_ERR_STATE until a new begin. A later put of the same
 * key in the same transaction wins. No single put/del while one is open. */
eas_err eas_store_txn_begin(eas_store *st);
eas_err eas_store_txn_put(eas_store *st, uint32_t key, const void *val, size_t len);
/* The same with crc = eas_crc32(0, val, len), which the caller has computed already (the value is
 * read back against it: a wrong one fails the put as a bad write would). */
eas_err eas_store_txn_put_crc(eas_store *st, uint32_t key, const void *val, size_t len, uint32_t crc);
eas_err eas_store_txn_del(eas_store *st, uint32_t key);
eas_err eas_store_txn_commit(eas_store *st);
void eas_store_txn_abort(eas_store *st);

/* Cursor over live keys: the smallest key k with from <= k <= last that has a value; *key and *len get
 * it and its value's length. EAS_ERR_NOT_FOUND when there is none. Continue with from = k + 1 (stop
 * after k == last or k == UINT32_MAX). Each step scans the region; with a complete index it scans the
 * index array in RAM instead (slots compares) and reads only the key it returns. */
eas_err eas_store_next(eas_store *st, uint32_t from, uint32_t last, uint32_t *key, size_t *len);

/* Calls fn for every live key in [first, last] in increasing order; a non-EAS_OK return from fn stops
 * the walk and is returned. fn may read, write or delete keys (the walk continues after the key it was
 * given, in key order). */
typedef eas_err (*eas_store_visit_fn)(void *ctx, uint32_t key, size_t len);
eas_err eas_store_iterate(eas_store *st, uint32_t first, uint32_t last, eas_store_visit_fn fn, void *ctx);

/* Calls fn for every live key in [first, last] once, in no particular order, for callers that do not
 * need key order: with a complete index one pass over it, reading only the keys visited (an entry and
 * its value's CRC each); otherwise exactly eas_store_iterate. A non-EAS_OK return from fn stops the walk
 * and is returned. fn may read, write or delete keys: a key that stays live during the whole walk is
 * visited exactly once, a key deleted before it was reached is not visited, a key added during the walk
 * may or may not be. fn must not mount the store. */
eas_err eas_store_visit_range(eas_store *st, uint32_t first, uint32_t last, eas_store_visit_fn fn, void *ctx);

/* One compaction step now (e.g. when idle): the oldest sector's live records move to the spare sector.
 * EAS_ERR_STATE during a transaction. */
eas_err eas_store_compact(eas_store *st);

/* Counts live records (a scan per live key, or one pass over a complete index) and reports space and
 * progress counters. */
eas_err eas_store_stats(eas_store *st, eas_store_info *out);

/* For tests and diagnostics, slow (a scan per key): compares the index with what scans say. EAS_OK when
 * every key the index holds and (complete index) every key on flash reads the same both ways, or there is
 * no index; EAS_ERR_STORE_CORRUPT otherwise. */
eas_err eas_store_index_check(eas_store *st);

#endif
