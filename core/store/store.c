/* The state store: mount and recovery, lookup, compaction and transactions over the flash layer of
 * store_flash.c. The rules that make each step safe against a power cut are in docs/STORE.md. */
#include <string.h>

#include "eas/crc32.h"
#include "store_int.h"

enum { ST_UNMOUNTED = 0, ST_MOUNTED = 1 };

/* Slots kept free by puts and transaction members, so that a delete still fits in a full store. */
#define RESERVE_PUT 1u
/* A member also keeps the slot of its transaction's commit. */
#define RESERVE_TXN (1u + RESERVE_PUT)

/* Sequence numbers and generations only grow. A store cannot come near 2^32 of either within the
 * erase endurance of its flash, so a value there was forged or corrupted: refuse to wrap, which would
 * make new records look older than old ones. */
#define SEQ_LIMIT 0xFFFFFF00u

static eas_err take_seq(eas_store *st, uint32_t *seq)
{
    if (st->next_seq >= SEQ_LIMIT) return EAS_ERR_STORE_CORRUPT;
    *seq = st->next_seq++;
    return EAS_OK;
}

typedef struct loc {
    int found;
    uint32_t sector;
    uint32_t idx;
    stf_ent e;
} loc;

/* A failed write leaves the RAM view (head, pointers) possibly out of step with the flash: only a new
 * mount may trust the store again. */
static eas_err lost(eas_store *st, eas_err err)
{
    st->state = ST_UNMOUNTED;
    st->txn_active = 0;
    return err;
}

static void txn_end(eas_store *st)
{
    st->txn_active = 0;
    st->txn_count = 0;
    st->txn_broken = 0;
}

/* Whether sector s is part of the store. No sector is newer than the head: one that claims to be was
 * unreadable when the store was mounted (its records were not counted then), so it stays out. */
static eas_err sector_valid(eas_store *st, uint32_t s, int *valid)
{
    int kind;
    uint32_t gen, base;
    eas_err err = stf_read_header(st, s, &kind, &gen, &base);
    *valid = err == EAS_OK && kind == STF_SEC_VALID && gen <= st->head_gen;
    return err;
}

/* The COMMIT of transaction txn, searched in sector s below slot idx first (where it usually is), then
 * in every other sector: a transaction may span sectors, its commit always comes after its members. */
static eas_err find_commit(eas_store *st, uint32_t s, uint32_t idx, uint32_t txn, int *yes)
{
    uint32_t n = stf_nslots(st);
    *yes = 0;
    for (uint32_t pass = 0; pass <= st->flash->sector_count; pass++) {
        uint32_t sec = pass == 0 ? s : pass - 1u, first = pass == 0 ? idx + 1u : 0u;
        if (pass > 0) {
            int valid;
            if (sec == s) continue;
            eas_err err = sector_valid(st, sec, &valid);
            if (err != EAS_OK) return err;
            if (!valid) continue;
        }
        for (uint32_t i = first; i < n; i++) {
            int kind;
            stf_ent c;
            eas_err err = stf_read_slot(st, sec, stf_slot_off(st, i), &kind, &c);
            if (err != EAS_OK) return err;
            if (kind == STF_SLOT_FREE) break;
            if (kind == STF_SLOT_ENTRY && c.type == STF_COMMIT && c.txn == txn) {
                *yes = 1;
                return EAS_OK;
            }
        }
    }
    return EAS_OK;
}

/* A transaction member counts only once its COMMIT is on flash. Transaction ids are sequence numbers,
 * never handed out twice, so a COMMIT cannot adopt the records of another, abandoned transaction. */
static eas_err committed(eas_store *st, uint32_t s, uint32_t idx, const stf_ent *e, int *yes)
{
    *yes = (e->flags & STF_FLAG_TXN) == 0u;
    if (*yes) return EAS_OK;
    return find_commit(st, s, idx, e->txn, yes);
}

static eas_err visible(eas_store *st, uint32_t s, uint32_t idx, const stf_ent *e, int *yes)
{
    *yes = 0;
    if (!stf_is_record(e)) return EAS_OK;
    eas_err err = committed(st, s, idx, e, yes);
    if (err != EAS_OK || !*yes) return err;
    if (e->type == STF_PUT && e->len) return stf_value_ok(st, s, e, yes);
    return EAS_OK;
}

/* The newest visible record of key, by sequence number, over the whole region. */
static eas_err newest(eas_store *st, uint32_t key, loc *best)
{
    uint32_t n = stf_nslots(st);
    best->found = 0;
    for (uint32_t s = 0; s < st->flash->sector_count; s++) {
        int valid;
        eas_err err = sector_valid(st, s, &valid);
        if (err != EAS_OK) return err;
        if (!valid) continue;
        for (uint32_t i = 0; i < n; i++) {
            int kind, yes;
            stf_ent e;
            err = stf_read_slot(st, s, stf_slot_off(st, i), &kind, &e);
            if (err != EAS_OK) return err;
            if (kind == STF_SLOT_FREE) break;
            if (kind != STF_SLOT_ENTRY || !stf_is_record(&e) || e.key != key) continue;
            if (best->found && e.seq <= best->e.seq) continue;
            err = visible(st, s, i, &e, &yes);
            if (err != EAS_OK) return err;
            if (!yes) continue;
            best->found = 1;
            best->sector = s;
            best->idx = i;
            best->e = e;
        }
    }
    return EAS_OK;
}

/* Whether record e of the victim sector must survive its erase: a value that nothing newer replaces,
 * or a tombstone that still hides an older value held in another sector. A copy with the same
 * sequence number outside the victim means the record was copied already. */
static eas_err gc_live(eas_store *st, uint32_t victim, const stf_ent *e, int *live)
{
    uint32_t n = stf_nslots(st);
    int older_outside = 0;
    *live = 0;
    for (uint32_t s = 0; s < st->flash->sector_count; s++) {
        int valid;
        eas_err err = sector_valid(st, s, &valid);
        if (err != EAS_OK) return err;
        if (!valid) continue;
        for (uint32_t i = 0; i < n; i++) {
            int kind, yes;
            stf_ent x;
            err = stf_read_slot(st, s, stf_slot_off(st, i), &kind, &x);
            if (err != EAS_OK) return err;
            if (kind == STF_SLOT_FREE) break;
            if (kind != STF_SLOT_ENTRY || !stf_is_record(&x) || x.key != e->key) continue;
            if (x.seq < e->seq && (e->type != STF_DEL || s == victim || older_outside)) continue;
            if (x.seq == e->seq && s == victim) continue;
            err = visible(st, s, i, &x, &yes);
            if (err != EAS_OK) return err;
            if (!yes) continue;
            if (x.seq >= e->seq) return EAS_OK; /* replaced, or already copied */
            older_outside = 1;
        }
    }
    *live = e->type == STF_PUT || older_outside;
    return EAS_OK;
}

/* Copies what must survive the victim's erase into the (new, empty) head: the live records, as plain
 * records since their commit is not copied, and the records the open transaction has in the victim,
 * still as members. They all came out of one sector, so they fit in one. */
static eas_err gc_copy(eas_store *st, uint32_t victim)
{
    uint32_t n = stf_nslots(st);
    for (uint32_t i = 0; i < n; i++) {
        int kind, yes;
        stf_ent e;
        eas_err err = stf_read_slot(st, victim, stf_slot_off(st, i), &kind, &e);
        if (err != EAS_OK) return err;
        if (kind == STF_SLOT_FREE) break;
        if (kind != STF_SLOT_ENTRY || !stf_is_record(&e)) continue;
        stf_src src = {NULL, victim, e.off};
        if (st->txn_active && (e.flags & STF_FLAG_TXN) && e.txn == st->txn_id) {
            yes = 1;
            if (e.type == STF_PUT && e.len) err = stf_value_ok(st, victim, &e, &yes);
            if (err != EAS_OK) return err;
            /* A member lost now would let the commit publish part of the transaction. */
            if (!yes) st->txn_broken = 1;
            if (!yes) continue;
            err = stf_append(st, &e, &src, 0);
            if (err != EAS_OK) return err;
            continue;
        }
        err = visible(st, victim, i, &e, &yes);
        if (err != EAS_OK) return err;
        if (!yes) continue;
        err = gc_live(st, victim, &e, &yes);
        if (err != EAS_OK) return err;
        if (!yes) continue;
        e.flags = 0;
        err = stf_append(st, &e, &src, 0);
        if (err != EAS_OK) return err;
    }
    return EAS_OK;
}

static eas_err append_open(eas_store *st)
{
    stf_ent e = {STF_OPEN, 0, 0, 0, 0, 0, 0, 0};
    eas_err err = take_seq(st, &e.seq);
    if (err != EAS_OK) return err;
    return stf_append(st, &e, NULL, 0);
}

/* One compaction step. The spare sector after the head becomes the head; the sector after that (the
 * oldest) is the victim: its live records are copied, OPEN marks the copy complete, and only then is
 * the victim erased, becoming the next spare. Any failure leaves the store to be mounted again. */
static eas_err advance(eas_store *st)
{
    uint32_t n = stf_next_sector(st, st->head);
    uint32_t victim = stf_next_sector(st, n);
    int vvalid;
    if (st->head_gen >= SEQ_LIMIT || st->next_seq >= SEQ_LIMIT) return EAS_ERR_STORE_CORRUPT;
    eas_err err = sector_valid(st, victim, &vvalid);
    if (err == EAS_OK) err = stf_ensure_erased(st, n);
    if (err == EAS_OK) err = stf_write_header(st, n, st->head_gen + 1u, st->next_seq);
    if (err != EAS_OK) return err;
    st->head = n;
    st->head_gen++;
    st->data_ptr = stf_hdr_end(st);
    st->ent = stf_slot_off(st, 0);
    if (vvalid) err = gc_copy(st, victim);
    if (err == EAS_OK) err = append_open(st);
    if (err == EAS_ERR_STORE_FULL) err = EAS_ERR_FLASH; /* only read-back failures can waste that room */
    if (err == EAS_OK && vvalid) err = stf_erase(st, victim);
    if (err != EAS_OK) return err;
    st->compactions++;
    return EAS_OK;
}

/* The head scan of mount: where the next entry and value go, whether OPEN is there, and whether any
 * slot is damaged (a torn entry or a flipped bit). A damaged head is closed: its unknown bytes might
 * belong to a value, so nothing more is appended there. */
static eas_err scan_head(eas_store *st, int *has_open)
{
    uint32_t n = stf_nslots(st);
    int damaged = 0, free_found = 0;
    *has_open = 0;
    st->data_ptr = stf_hdr_end(st);
    st->ent = stf_hdr_end(st);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t off = stf_slot_off(st, i);
        int kind;
        stf_ent e;
        eas_err err = stf_read_slot(st, st->head, off, &kind, &e);
        if (err != EAS_OK) return err;
        if (kind == STF_SLOT_FREE) {
            st->ent = off;
            free_found = 1;
            break;
        }
        if (kind == STF_SLOT_BAD) {
            damaged = 1;
            continue;
        }
        if (e.type == STF_OPEN) *has_open = 1;
        if (e.type == STF_PUT && e.len) {
            uint32_t end = stf_align(st, e.off + e.len);
            if (end > st->data_ptr) st->data_ptr = end;
        }
    }
    if ((damaged || !free_found) && st->data_ptr < st->ent) st->data_ptr = st->ent;
    return EAS_OK;
}

static eas_err find_head(eas_store *st, uint32_t *nvalid)
{
    *nvalid = 0;
    for (uint32_t s = 0; s < st->flash->sector_count; s++) {
        int kind;
        uint32_t gen, base;
        eas_err err = stf_read_header(st, s, &kind, &gen, &base);
        if (err != EAS_OK) return err;
        if (kind != STF_SEC_VALID) continue;
        if (*nvalid == 0 || gen > st->head_gen) {
            st->head = s;
            st->head_gen = gen;
        }
        (*nvalid)++;
    }
    return EAS_OK;
}

static eas_err compute_next_seq(eas_store *st)
{
    uint32_t n = stf_nslots(st), next = 1;
    for (uint32_t s = 0; s < st->flash->sector_count; s++) {
        int kind;
        uint32_t gen, base;
        eas_err err = stf_read_header(st, s, &kind, &gen, &base);
        if (err != EAS_OK) return err;
        if (kind != STF_SEC_VALID) continue;
        if (base > next) next = base;
        for (uint32_t i = 0; i < n; i++) {
            stf_ent e;
            err = stf_read_slot(st, s, stf_slot_off(st, i), &kind, &e);
            if (err != EAS_OK) return err;
            if (kind == STF_SLOT_FREE) break;
            if (kind != STF_SLOT_ENTRY) continue;
            if (e.seq >= next) next = e.seq == UINT32_MAX ? UINT32_MAX : e.seq + 1u;
            if (e.txn >= next) next = e.txn == UINT32_MAX ? UINT32_MAX : e.txn + 1u;
        }
    }
    st->next_seq = next;
    return EAS_OK;
}

eas_err eas_store_mount(eas_store *st, const eas_flash *flash)
{
    if (!st) return EAS_ERR_ARG;
    memset(st, 0, sizeof *st);
    eas_err err = stf_check_geometry(flash);
    if (err != EAS_OK) return err;
    st->flash = flash;
    st->slot = flash->prog_size > STF_ENT_BYTES ? flash->prog_size : STF_ENT_BYTES;

    /* Each round either settles the head or erases one sector: bounded by the sector count. */
    uint32_t round;
    for (round = 0; round <= flash->sector_count; round++) {
        uint32_t nvalid;
        err = find_head(st, &nvalid);
        if (err != EAS_OK) return err;
        if (nvalid == 0) {
            for (uint32_t s = 0; s < flash->sector_count; s++) {
                int erased;
                err = stf_sector_erased(st, s, &erased);
                if (err != EAS_OK) return err;
                if (!erased) return EAS_ERR_STORE_CORRUPT;
            }
            return EAS_ERR_STORE_EMPTY;
        }
        uint32_t r = stf_next_sector(st, st->head);
        int rvalid, has_open;
        err = sector_valid(st, r, &rvalid);
        if (err != EAS_OK) return err;
        if (!rvalid) break;
        /* The victim of the head's compaction is still there. With OPEN the copy was complete and
         * only the erase is missing; without it the copy was cut short, and the victim still holds
         * everything the head holds, so the head goes. */
        err = scan_head(st, &has_open);
        if (err != EAS_OK) return err;
        err = stf_erase(st, has_open ? r : st->head);
        if (err != EAS_OK) return err;
        if (has_open) break;
    }
    if (round > flash->sector_count) return EAS_ERR_STORE_CORRUPT;

    int has_open;
    err = scan_head(st, &has_open);
    if (err == EAS_OK) err = compute_next_seq(st);
    if (err != EAS_OK) return err;
    st->state = ST_MOUNTED;
    /* A head cut off before its OPEN, with no victim to return to, held nothing but its header. */
    if (!has_open && stf_fits(st, 0, 1)) {
        err = append_open(st);
        if (err != EAS_OK) return lost(st, err == EAS_ERR_STORE_FULL ? EAS_ERR_FLASH : err);
    }
    return EAS_OK;
}

eas_err eas_store_format(eas_store *st, const eas_flash *flash)
{
    if (!st) return EAS_ERR_ARG;
    memset(st, 0, sizeof *st);
    eas_err err = stf_check_geometry(flash);
    if (err != EAS_OK) return err;
    st->flash = flash;
    st->slot = flash->prog_size > STF_ENT_BYTES ? flash->prog_size : STF_ENT_BYTES;
    for (uint32_t s = 0; s < flash->sector_count; s++) {
        err = stf_ensure_erased(st, s);
        if (err != EAS_OK) return err;
    }
    /* Mount finds a head without OPEN and no victim, and writes the OPEN. */
    err = stf_write_header(st, 0, 1, 1);
    if (err != EAS_OK) return err;
    return eas_store_mount(st, flash);
}

static eas_err check_mounted(const eas_store *st)
{
    if (!st) return EAS_ERR_ARG;
    return st->state == ST_MOUNTED ? EAS_OK : EAS_ERR_STATE;
}

eas_err eas_store_get(eas_store *st, uint32_t key, void *buf, size_t cap, size_t *len)
{
    eas_err err = check_mounted(st);
    if (err != EAS_OK) return err;
    if (!len || (cap && !buf)) return EAS_ERR_ARG;
    loc b;
    err = newest(st, key, &b);
    if (err != EAS_OK) return err;
    *len = 0;
    if (!b.found || b.e.type != STF_PUT) return EAS_ERR_NOT_FOUND;
    *len = b.e.len;
    if (cap < b.e.len) return EAS_ERR_NOSPACE;
    if (b.e.len == 0) return EAS_OK;
    err = stf_read(st, b.sector, b.e.off, buf, b.e.len);
    if (err != EAS_OK) return err;
    /* Checked once more in the caller's buffer: a flash that reads differently now is not trusted. */
    if (eas_crc32(0, buf, b.e.len) != b.e.vcrc) return EAS_ERR_STORE_CORRUPT;
    return EAS_OK;
}

/* Appends one self-committing record, compacting as long as that can make room: at most one full
 * cycle over the sectors. A need that a full cycle could not meet fails at once until some write
 * succeeds, so that retrying a put into a full store does not wear the flash. */
static eas_err single_write(eas_store *st, stf_ent *e, const void *val, uint32_t reserve)
{
    uint32_t need = (e->type == STF_PUT ? stf_align(st, e->len) : 0u) + (1u + reserve) * st->slot;
    if (st->full_need && need >= st->full_need) return EAS_ERR_STORE_FULL;
    stf_src src = {(const uint8_t *)val, 0, 0};
    eas_err err = take_seq(st, &e->seq);
    if (err != EAS_OK) return err;
    for (uint32_t round = 0; round <= st->flash->sector_count; round++) {
        err = stf_append(st, e, &src, reserve);
        if (err == EAS_OK) {
            st->full_need = 0;
            return EAS_OK;
        }
        if (err != EAS_ERR_STORE_FULL) return lost(st, err);
        if (round == st->flash->sector_count) break;
        err = advance(st);
        if (err != EAS_OK) return lost(st, err);
    }
    if (!st->full_need || need < st->full_need) st->full_need = need;
    return EAS_ERR_STORE_FULL;
}

eas_err eas_store_put(eas_store *st, uint32_t key, const void *val, size_t len)
{
    eas_err err = check_mounted(st);
    if (err != EAS_OK) return err;
    if (st->txn_active) return EAS_ERR_STATE;
    if (len && !val) return EAS_ERR_ARG;
    if (len > EAS_STORE_MAX_VALUE) return EAS_ERR_NOSPACE;
    stf_ent e = {STF_PUT, 0, key, 0, 0, 0, (uint32_t)len, eas_crc32(0, val, len)};
    return single_write(st, &e, val, RESERVE_PUT);
}

eas_err eas_store_del(eas_store *st, uint32_t key)
{
    eas_err err = check_mounted(st);
    if (err != EAS_OK) return err;
    if (st->txn_active) return EAS_ERR_STATE;
    loc b;
    err = newest(st, key, &b);
    if (err != EAS_OK) return err;
    if (!b.found || b.e.type != STF_PUT) return EAS_OK;
    stf_ent e = {STF_DEL, 0, key, 0, 0, 0, 0, 0};
    return single_write(st, &e, NULL, 0);
}

eas_err eas_store_txn_begin(eas_store *st)
{
    eas_err err = check_mounted(st);
    if (err != EAS_OK) return err;
    if (st->txn_active) return EAS_ERR_STATE;
    txn_end(st);
    err = take_seq(st, &st->txn_id);
    if (err != EAS_OK) return err;
    st->txn_active = 1;
    return EAS_OK;
}

void eas_store_txn_abort(eas_store *st)
{
    if (st) txn_end(st);
}

/* Members are appended like single records, compacting when the head is full; a transaction may so
 * span sectors. Each keeps the slot of the commit free behind it. */
static eas_err txn_write(eas_store *st, uint8_t type, uint32_t key, const void *val, size_t len)
{
    eas_err err = check_mounted(st);
    if (err != EAS_OK) return err;
    if (!st->txn_active) return EAS_ERR_STATE;
    if (len && !val) err = EAS_ERR_ARG;
    else if (len > EAS_STORE_MAX_VALUE || st->txn_count >= EAS_STORE_MAX_TXN_RECORDS) err = EAS_ERR_NOSPACE;
    if (err != EAS_OK) {
        txn_end(st);
        return err;
    }
    stf_ent e = {type, STF_FLAG_TXN, key, 0, st->txn_id, 0, (uint32_t)len, eas_crc32(0, val, len)};
    err = single_write(st, &e, val, RESERVE_TXN);
    if (err == EAS_OK && st->txn_broken) err = lost(st, EAS_ERR_STORE_CORRUPT);
    if (err != EAS_OK) {
        txn_end(st);
        return err;
    }
    st->txn_count++;
    return EAS_OK;
}

eas_err eas_store_txn_put(eas_store *st, uint32_t key, const void *val, size_t len)
{
    return txn_write(st, STF_PUT, key, val, len);
}

eas_err eas_store_txn_del(eas_store *st, uint32_t key)
{
    return txn_write(st, STF_DEL, key, NULL, 0);
}

eas_err eas_store_txn_commit(eas_store *st)
{
    eas_err err = check_mounted(st);
    if (err != EAS_OK) return err;
    if (!st->txn_active) return EAS_ERR_STATE;
    if (st->txn_broken) return lost(st, EAS_ERR_STORE_CORRUPT);
    if (st->txn_count) {
        stf_ent e = {STF_COMMIT, 0, 0, 0, st->txn_id, 0, st->txn_count, 0};
        err = take_seq(st, &e.seq);
        if (err == EAS_OK) err = stf_append(st, &e, NULL, 0);
        if (err == EAS_ERR_STORE_FULL) err = EAS_ERR_FLASH; /* its slot was kept: only read-back failures */
        if (err != EAS_OK) return lost(st, err);
        st->full_need = 0;
    }
    txn_end(st);
    return EAS_OK;
}

eas_err eas_store_next(eas_store *st, uint32_t from, uint32_t last, uint32_t *key, size_t *len)
{
    eas_err err = check_mounted(st);
    if (err != EAS_OK) return err;
    if (!key || !len) return EAS_ERR_ARG;
    uint32_t n = stf_nslots(st);
    uint32_t bound = st->flash->sector_count * n + 1u;
    uint32_t cur = from;
    /* Each round moves cur past one key that has an entry: bounded by the number of slots. */
    for (uint32_t round = 0; round < bound && cur <= last; round++) {
        int found = 0;
        uint32_t min = 0;
        for (uint32_t s = 0; s < st->flash->sector_count; s++) {
            int valid;
            err = sector_valid(st, s, &valid);
            if (err != EAS_OK) return err;
            if (!valid) continue;
            for (uint32_t i = 0; i < n; i++) {
                int kind;
                stf_ent e;
                err = stf_read_slot(st, s, stf_slot_off(st, i), &kind, &e);
                if (err != EAS_OK) return err;
                if (kind == STF_SLOT_FREE) break;
                if (kind != STF_SLOT_ENTRY || !stf_is_record(&e) || e.key < cur || e.key > last) continue;
                if (!found || e.key < min) min = e.key;
                found = 1;
            }
        }
        if (!found) break;
        loc b;
        err = newest(st, min, &b);
        if (err != EAS_OK) return err;
        if (b.found && b.e.type == STF_PUT) {
            *key = min;
            *len = b.e.len;
            return EAS_OK;
        }
        if (min == last) break;
        cur = min + 1u;
    }
    return EAS_ERR_NOT_FOUND;
}

eas_err eas_store_iterate(eas_store *st, uint32_t first, uint32_t last, eas_store_visit_fn fn, void *ctx)
{
    eas_err err = check_mounted(st);
    if (err != EAS_OK) return err;
    if (!fn) return EAS_ERR_ARG;
    uint32_t bound = st->flash->sector_count * stf_nslots(st) + 1u;
    uint32_t cur = first;
    for (uint32_t round = 0; round < bound && cur <= last; round++) {
        uint32_t k;
        size_t len;
        err = eas_store_next(st, cur, last, &k, &len);
        if (err == EAS_ERR_NOT_FOUND) return EAS_OK;
        if (err != EAS_OK) return err;
        err = fn(ctx, k, len);
        if (err != EAS_OK) return err;
        if (k == last) break;
        cur = k + 1u;
    }
    return EAS_OK;
}

eas_err eas_store_compact(eas_store *st)
{
    eas_err err = check_mounted(st);
    if (err != EAS_OK) return err;
    if (st->txn_active) return EAS_ERR_STATE;
    err = advance(st);
    if (err != EAS_OK) return lost(st, err);
    st->full_need = 0;
    return EAS_OK;
}

eas_err eas_store_stats(eas_store *st, eas_store_info *out)
{
    eas_err err = check_mounted(st);
    if (err != EAS_OK) return err;
    if (!out) return EAS_ERR_ARG;
    memset(out, 0, sizeof *out);
    const eas_flash *f = st->flash;
    uint32_t head_free = st->ent > st->data_ptr ? st->ent - st->data_ptr : 0u;
    uint32_t spare = stf_next_sector(st, st->head);
    uint32_t valid_count = 0, other_free = 0;
    for (uint32_t s = 0; s < f->sector_count; s++) {
        int valid;
        err = sector_valid(st, s, &valid);
        if (err != EAS_OK) return err;
        if (valid)
            valid_count++;
        else if (s != spare)
            other_free += f->sector_size - 4u * st->slot;
    }
    out->capacity = f->sector_size * (f->sector_count - 1u);
    out->used_bytes = valid_count * f->sector_size - head_free;
    out->free_bytes = head_free + other_free;
    out->generation = st->head_gen;
    out->next_seq = st->next_seq;
    out->head_sector = st->head;
    out->compactions = st->compactions;
    uint32_t bound = f->sector_count * stf_nslots(st) + 1u, cur = 0;
    for (uint32_t round = 0; round < bound; round++) {
        uint32_t k;
        size_t len;
        err = eas_store_next(st, cur, UINT32_MAX, &k, &len);
        if (err == EAS_ERR_NOT_FOUND) break;
        if (err != EAS_OK) return err;
        out->live_records++;
        out->live_bytes += (uint32_t)len;
        if (k == UINT32_MAX) break;
        cur = k + 1u;
    }
    return EAS_OK;
}
