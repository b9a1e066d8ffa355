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
    int unchecked; /* found through the index, value CRC not checked yet */
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
    st->idx_mode = STI_OFF;
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
    /* The other sectors in ring order from s: a commit is written after its members, so when it is not
     * in their sector it is usually in the next one. */
    for (uint32_t pass = 0; pass < st->flash->sector_count; pass++) {
        uint32_t sec = (s + pass) % st->flash->sector_count, first = pass == 0 ? idx + 1u : 0u;
        if (pass > 0) {
            int valid;
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

/* A walk over the record entries of every valid sector, in sector then slot order: what newest,
 * idx_build, gc_live and the index check all read. Bounded by sector_count * nslots steps. */
typedef struct {
    uint32_t s, i;   /* the entry found: sector and slot */
    uint32_t next;   /* the slot to read next in sector s */
    uint8_t opened;  /* sector s was checked valid */
} rec_walk;

static void rec_walk_init(rec_walk *w) { memset(w, 0, sizeof *w); }

/* The next record entry into *e (its place in w->s, w->i); *more 0 once there is none. */
static eas_err rec_walk_next(eas_store *st, rec_walk *w, stf_ent *e, int *more)
{
    uint32_t n = stf_nslots(st);
    *more = 0;
    while (w->s < st->flash->sector_count) {
        if (!w->opened) {
            int valid;
            eas_err err = sector_valid(st, w->s, &valid);
            if (err != EAS_OK) return err;
            if (!valid) {
                w->s++;
                continue;
            }
            w->opened = 1;
            w->next = 0;
        }
        while (w->next < n) {
            int kind;
            uint32_t i = w->next++;
            eas_err err = stf_read_slot(st, w->s, stf_slot_off(st, i), &kind, e);
            if (err != EAS_OK) return err;
            if (kind == STF_SLOT_FREE) break; /* nothing is written after the first free slot */
            if (kind != STF_SLOT_ENTRY || !stf_is_record(e)) continue;
            w->i = i;
            *more = 1;
            return EAS_OK;
        }
        w->s++;
        w->opened = 0;
    }
    return EAS_OK;
}

/* The newest visible record of key, by sequence number, over the whole region. */
static eas_err newest(eas_store *st, uint32_t key, loc *best)
{
    rec_walk w;
    stf_ent e;
    int more, yes;
    eas_err err;
    best->found = 0;
    best->unchecked = 0;
    for (rec_walk_init(&w); (err = rec_walk_next(st, &w, &e, &more)) == EAS_OK && more;) {
        if (e.key != key || (best->found && e.seq <= best->e.seq)) continue;
        if ((err = visible(st, w.s, w.i, &e, &yes)) != EAS_OK) return err;
        if (!yes) continue;
        best->found = 1;
        best->sector = w.s;
        best->idx = w.i;
        best->e = e;
    }
    return err;
}

/* ---- the lookup index (docs/STORE.md, "Index"): store_index.c keeps the table, this part keeps it
 * true to the flash. Every answer it gives is checked against the entry it names. ---- */

static uint32_t gloc(const eas_store *st, uint32_t s, uint32_t i) { return s * stf_nslots(st) + i; }

static void gloc_split(const eas_store *st, uint32_t g, uint32_t *s, uint32_t *i)
{
    uint32_t n = stf_nslots(st);
    *s = g / n;
    *i = g % n;
}

/* Where the head's last appended entry went (stf_append moves st->ent past it). */
static uint32_t last_appended(const eas_store *st)
{
    return gloc(st, st->head, stf_slot_index(st, st->ent + st->slot));
}

/* Records what a scan found for the key at position pos (STI_NONE: claim a slot if there is room). */
static void idx_remember(eas_store *st, uint32_t pos, uint32_t key, const loc *b)
{
    if (pos == STI_NONE) pos = sti_claim(st, key);
    if (pos == STI_NONE) return;
    sti_set(st, pos, b->found && b->e.type == STF_PUT ? gloc(st, b->sector, b->idx) : STI_GONE);
}

/* The newest visible record of key (as newest() finds it), through the index when it knows the key.
 * The entry it names must still decode as a PUT of this key; with check_value its value's CRC must
 * match too, else b->unchecked tells the caller to check it. Anything amiss: a scan, and the index
 * learns its answer. */
static eas_err lookup(eas_store *st, uint32_t key, loc *b, int check_value)
{
    b->found = 0;
    b->unchecked = 0;
    if (st->idx_mode == STI_OFF) return newest(st, key, b);
    uint32_t pos = sti_find(st, key);
    if (pos == STI_NONE && st->idx_mode == STI_FULL) return EAS_OK;
    if (pos != STI_NONE) {
        uint32_t v = st->idx[pos].loc;
        if (v == STI_GONE) return EAS_OK;
        if (v != STI_UNKNOWN) {
            int kind, ok = 0;
            gloc_split(st, v & STI_LOC_MASK, &b->sector, &b->idx);
            eas_err err = stf_read_slot(st, b->sector, stf_slot_off(st, b->idx), &kind, &b->e);
            if (err != EAS_OK) return err;
            if (kind == STF_SLOT_ENTRY && b->e.type == STF_PUT && b->e.key == key) {
                ok = 1;
                if (check_value && b->e.len) err = stf_value_ok(st, b->sector, &b->e, &ok);
                if (err != EAS_OK) return err;
            }
            if (ok) {
                b->found = 1;
                b->unchecked = !check_value && b->e.len;
                return EAS_OK;
            }
        }
    }
    eas_err err = newest(st, key, b);
    if (err == EAS_OK) idx_remember(st, pos, key, b);
    return err;
}

/* A committed single put or delete just appended to the head. */
static void idx_wrote(eas_store *st, const stf_ent *e)
{
    if (st->idx_mode == STI_OFF) return;
    uint32_t pos = sti_claim(st, e->key);
    if (pos != STI_NONE) sti_set(st, pos, e->type == STF_PUT ? last_appended(st) : STI_GONE);
}

/* A compaction copied the record at old to new: the index follows if it pointed there. */
static void idx_moved(eas_store *st, uint32_t key, uint32_t old, uint32_t now)
{
    if (st->idx_mode == STI_OFF) return;
    uint32_t pos = sti_find(st, key);
    if (pos != STI_NONE && sti_holds(st->idx[pos].loc) && (st->idx[pos].loc & STI_LOC_MASK) == old)
        sti_set(st, pos, now);
}

/* A compaction drops the record at old: if the index pointed there (a record damaged since, or a copy
 * made twice), only a scan knows where the key's value is now. */
static void idx_dropped(eas_store *st, uint32_t key, uint32_t old)
{
    if (st->idx_mode == STI_OFF) return;
    uint32_t pos = sti_find(st, key);
    if (pos != STI_NONE && sti_holds(st->idx[pos].loc) && (st->idx[pos].loc & STI_LOC_MASK) == old)
        sti_set(st, pos, STI_UNKNOWN);
}

/* Sector s is about to be erased and reused as the head. A slot number in it will name other records
 * from now on (an uncommitted member of the same key, say), so no index slot may keep pointing there.
 * Normally none does (a compaction moved them all); one that still does was not copied because its
 * sector's headers were damaged, and only a scan knows what the key reads now. */
static void idx_forget_sector(eas_store *st, uint32_t s)
{
    if (st->idx_mode == STI_OFF) return;
    if (st->idx_counted && *sti_count(st, s) == 0) return; /* exact: nothing points there */
    uint32_t lo = gloc(st, s, 0), hi = lo + stf_nslots(st);
    for (uint32_t p = 0; p < st->idx_slots; p++) {
        uint32_t v = st->idx[p].loc;
        if (sti_holds(v) && v != STI_UNKNOWN && v >= lo && v < hi) sti_set(st, p, STI_UNKNOWN);
    }
}

/* Whether record e, met by a pass (the mount's build, or a commit's walk), is newer than the candidate
 * this pass already holds for its key. Records come in no particular order (a compaction copies old
 * records into the newest sector), so sequence numbers decide. A slot this pass did not set holds an
 * older state: a commit's members are newer than everything committed before. Asked before the value
 * is read, so superseded values are not read. */
static eas_err idx_newer(eas_store *st, const stf_ent *e, int *newer)
{
    *newer = 1;
    uint32_t pos = sti_find(st, e->key);
    if (pos == STI_NONE || !sti_holds(st->idx[pos].loc) || !(st->idx[pos].loc & STI_F_PASS)) return EAS_OK;
    uint32_t os, oi;
    int kind;
    stf_ent o;
    gloc_split(st, st->idx[pos].loc & STI_LOC_MASK, &os, &oi);
    eas_err err = stf_read_slot(st, os, stf_slot_off(st, oi), &kind, &o);
    if (err == EAS_OK && kind == STF_SLOT_ENTRY && o.seq >= e->seq) *newer = 0;
    return err;
}

/* Record e at (s, i), visible and newer (idx_newer), becomes its key's candidate in this pass. */
static void idx_offer(eas_store *st, uint32_t s, uint32_t i, const stf_ent *e)
{
    uint32_t pos = sti_claim(st, e->key);
    if (pos == STI_NONE) return; /* no room: the index is partial, this key is scanned for */
    sti_set(st, pos, gloc(st, s, i) | STI_F_PASS | (e->type == STF_DEL ? STI_F_DEL : 0u));
}

/* The build at mount: one pass over every valid sector. Consecutive members of one transaction share
 * the answer to "is it committed", so the commit is looked for once per transaction, not per member. */
static eas_err idx_build(eas_store *st)
{
    uint32_t c_txn = 0;
    int c_have = 0, c_yes = 0, more, yes;
    rec_walk w;
    stf_ent e;
    eas_err err;
    sti_clear(st);
    st->idx_mode = STI_FULL;
    for (rec_walk_init(&w); (err = rec_walk_next(st, &w, &e, &more)) == EAS_OK && more;) {
        if ((err = idx_newer(st, &e, &yes)) != EAS_OK) return err;
        if (!yes) continue;
        if (e.flags & STF_FLAG_TXN) {
            if (!c_have || c_txn != e.txn) {
                if ((err = find_commit(st, w.s, w.i, e.txn, &c_yes)) != EAS_OK) return err;
                c_have = 1;
                c_txn = e.txn;
            }
            if (!c_yes) continue;
        }
        yes = 1;
        if (e.type == STF_PUT && e.len && (err = stf_value_ok(st, w.s, &e, &yes)) != EAS_OK) return err;
        if (yes) idx_offer(st, w.s, w.i, &e);
    }
    if (err != EAS_OK) return err;
    sti_end_pass(st);
    return EAS_OK;
}

/* After a commit: the transaction's members become visible. They lie after the point where it began
 * (txn_gen, txn_slot), in the sectors opened since, in ring order; a compaction may have copied some
 * of them forward, and a read-back failure may have left a dead attempt (value CRC wrong): should the
 * index name that one, the first get finds the CRC wrong in its buffer and scans (which skips it). If
 * the walk cannot read the flash, the index cannot be trusted and is dropped until the next mount. */
static void idx_commit(eas_store *st)
{
    if (st->idx_mode == STI_OFF) return;
    uint32_t count = st->flash->sector_count, n = stf_nslots(st);
    uint32_t span = st->head_gen - st->txn_gen;
    if (span > count - 1u) span = count - 1u;
    uint32_t first = (st->head + count - span) % count;
    eas_err err = EAS_OK;
    for (uint32_t j = 0; j <= span && err == EAS_OK; j++) {
        uint32_t s = (first + j) % count, gen, base;
        int kind;
        err = stf_read_header(st, s, &kind, &gen, &base);
        if (err != EAS_OK || kind != STF_SEC_VALID || gen < st->txn_gen || gen > st->head_gen) continue;
        for (uint32_t i = gen == st->txn_gen ? st->txn_slot : 0u; i < n; i++) {
            stf_ent e;
            int ok = 1;
            err = stf_read_slot(st, s, stf_slot_off(st, i), &kind, &e);
            if (err != EAS_OK || kind == STF_SLOT_FREE) break;
            if (kind != STF_SLOT_ENTRY || !stf_is_record(&e) || !(e.flags & STF_FLAG_TXN) || e.txn != st->txn_id)
                continue;
            /* Its value was read back when it was appended, and a get checks it again in the caller's
             * buffer: not read here. */
            err = idx_newer(st, &e, &ok);
            if (err != EAS_OK) break;
            if (ok) idx_offer(st, s, i, &e);
        }
    }
    sti_end_pass(st);
    if (err != EAS_OK) st->idx_mode = STI_OFF;
}

/* Whether record e of the victim sector must survive its erase: a value that nothing newer replaces,
 * or a tombstone that still hides an older value held in another sector. A copy with the same
 * sequence number outside the victim means the record was copied already. */
static eas_err gc_live(eas_store *st, uint32_t victim, const stf_ent *e, int *live)
{
    int older_outside = 0, more, yes;
    rec_walk w;
    stf_ent x;
    eas_err err;
    *live = 0;
    for (rec_walk_init(&w); (err = rec_walk_next(st, &w, &x, &more)) == EAS_OK && more;) {
        if (x.key != e->key) continue;
        if (x.seq < e->seq && (e->type != STF_DEL || w.s == victim || older_outside)) continue;
        if (x.seq == e->seq && w.s == victim) continue;
        if ((err = visible(st, w.s, w.i, &x, &yes)) != EAS_OK) return err;
        if (!yes) continue;
        if (x.seq >= e->seq) return EAS_OK; /* replaced, or already copied */
        older_outside = 1;
    }
    if (err != EAS_OK) return err;
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
        if (err == EAS_OK && yes) err = gc_live(st, victim, &e, &yes);
        if (err != EAS_OK) return err;
        if (!yes) {
            idx_dropped(st, e.key, gloc(st, victim, i));
            continue;
        }
        e.flags = 0;
        err = stf_append(st, &e, &src, 0);
        if (err != EAS_OK) return err;
        idx_moved(st, e.key, gloc(st, victim, i), last_appended(st));
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
    int vkind;
    uint32_t vgen, vbase;
    eas_err err = stf_read_header(st, victim, &vkind, &vgen, &vbase);
    vvalid = err == EAS_OK && vkind == STF_SEC_VALID && vgen <= st->head_gen;
    /* Whatever the last compaction saw of the spare (a slot damaged since it was indexed is not copied,
     * and the fuzz_store regression index-points-into-reused-sector is such a case), no index slot may
     * point into it once it is reused: asked every time, O(1) with the per-sector counts. */
    idx_forget_sector(st, n);
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

static void attach_index(eas_store *st, eas_store_index_slot *index, uint32_t slots)
{
    memset(st, 0, sizeof *st);
    if (index && slots >= 2u) {
        st->idx = index;
        st->idx_slots = slots;
    }
}

/* Once the geometry is known: a large enough index gives its tail to the per-sector counts. */
static void count_index(eas_store *st)
{
    uint32_t n = st->flash->sector_count;
    if (!st->idx || st->idx_slots / STI_COUNT_RATIO < n) return;
    st->idx_slots -= sti_count_slots(n);
    st->idx_counted = 1;
}

static eas_err mount(eas_store *st, const eas_flash *flash)
{
    eas_err err = stf_check_geometry(flash);
    if (err != EAS_OK) return err;
    st->flash = flash;
    st->slot = flash->prog_size > STF_ENT_BYTES ? flash->prog_size : STF_ENT_BYTES;
    count_index(st);

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
    if (st->idx) {
        err = idx_build(st);
        if (err != EAS_OK) return lost(st, err);
    }
    return EAS_OK;
}

eas_err eas_store_mount(eas_store *st, const eas_flash *flash)
{
    return eas_store_mount_indexed(st, flash, NULL, 0);
}

eas_err eas_store_mount_indexed(eas_store *st, const eas_flash *flash, eas_store_index_slot *index, uint32_t slots)
{
    if (!st) return EAS_ERR_ARG;
    attach_index(st, index, slots);
    return mount(st, flash);
}

eas_err eas_store_format(eas_store *st, const eas_flash *flash)
{
    return eas_store_format_indexed(st, flash, NULL, 0);
}

eas_err eas_store_format_indexed(eas_store *st, const eas_flash *flash, eas_store_index_slot *index,
                                 uint32_t slots)
{
    if (!st) return EAS_ERR_ARG;
    attach_index(st, index, slots);
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
    attach_index(st, st->idx, st->idx_slots);
    return mount(st, flash);
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
    /* Through the index the value's CRC is checked once, in the caller's buffer; a mismatch there means
     * a damaged record: the second round scans (and corrects the index). */
    for (int round = 0; round < 2; round++) {
        err = round == 0 ? lookup(st, key, &b, 0) : newest(st, key, &b);
        if (err != EAS_OK) return err;
        if (round > 0 && st->idx_mode != STI_OFF) idx_remember(st, sti_find(st, key), key, &b);
        *len = 0;
        if (!b.found || b.e.type != STF_PUT) return EAS_ERR_NOT_FOUND;
        *len = b.e.len;
        if (cap < b.e.len) {
            int ok = 1;
            if (b.unchecked) err = stf_value_ok(st, b.sector, &b.e, &ok);
            if (err != EAS_OK) return err;
            if (ok) return EAS_ERR_NOSPACE;
            continue;
        }
        if (b.e.len == 0) return EAS_OK;
        err = stf_read(st, b.sector, b.e.off, buf, b.e.len);
        if (err != EAS_OK) return err;
        if (eas_crc32(0, buf, b.e.len) == b.e.vcrc) return EAS_OK;
        /* Checked once more in the caller's buffer: a flash that reads differently now is not trusted. */
        if (!b.unchecked) return EAS_ERR_STORE_CORRUPT;
    }
    return EAS_ERR_STORE_CORRUPT;
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
            if (!(e->flags & STF_FLAG_TXN)) idx_wrote(st, e);
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
    err = lookup(st, key, &b, 1);
    /* The index's "no value" is not checked against the flash: a tombstone damaged since would let an
     * older value back in at the next mount. A delete that writes nothing asks the flash itself. */
    if (err == EAS_OK && !(b.found && b.e.type == STF_PUT) && st->idx_mode != STI_OFF) {
        err = newest(st, key, &b);
        if (err == EAS_OK) idx_remember(st, sti_find(st, key), key, &b);
    }
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
    st->txn_gen = st->head_gen;
    st->txn_slot = stf_slot_index(st, st->ent);
    return EAS_OK;
}

void eas_store_txn_abort(eas_store *st)
{
    if (st) txn_end(st);
}

/* Members are appended like single records, compacting when the head is full; a transaction may so
 * span sectors. Each keeps the slot of the commit free behind it. */
static eas_err txn_write(eas_store *st, uint8_t type, uint32_t key, const void *val, size_t len, uint32_t vcrc)
{
    eas_err err = check_mounted(st);
    if (err != EAS_OK) return err;
    if (!st->txn_active) return EAS_ERR_STATE;
    if (len && !val) err = EAS_ERR_ARG;
    else if (len > EAS_STORE_MAX_VALUE) err = EAS_ERR_NOSPACE;
    else if (st->txn_count >= EAS_STORE_MAX_TXN_RECORDS) err = EAS_ERR_TXN_FULL;
    if (err != EAS_OK) {
        txn_end(st);
        return err;
    }
    stf_ent e = {type, STF_FLAG_TXN, key, 0, st->txn_id, 0, (uint32_t)len, vcrc};
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
    return txn_write(st, STF_PUT, key, val, len, len && !val ? 0u : eas_crc32(0, val, len)); /* NULL: refused there */
}

eas_err eas_store_txn_put_crc(eas_store *st, uint32_t key, const void *val, size_t len, uint32_t crc)
{
    return txn_write(st, STF_PUT, key, val, len, crc);
}

eas_err eas_store_txn_del(eas_store *st, uint32_t key)
{
    return txn_write(st, STF_DEL, key, NULL, 0, eas_crc32(0, NULL, 0));
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
        idx_commit(st);
    }
    txn_end(st);
    return EAS_OK;
}

/* eas_store_next over a complete index: the smallest key in range the index holds, found in RAM, then
 * checked against the flash (a key whose value turns out gone is passed over). */
static eas_err next_indexed(eas_store *st, uint32_t from, uint32_t last, uint32_t *key, size_t *len)
{
    uint32_t cur = from;
    /* Each round passes over one key the index holds: bounded by its size. */
    for (uint32_t round = 0; round <= st->idx_slots && cur <= last; round++) {
        int found = 0;
        uint32_t min = 0;
        for (uint32_t p = 0; p < st->idx_slots; p++) {
            const eas_store_index_slot *x = &st->idx[p];
            if (!sti_holds(x->loc) || x->key < cur || x->key > last || (found && x->key >= min)) continue;
            min = x->key;
            found = 1;
        }
        if (!found) break;
        loc b;
        eas_err err = lookup(st, min, &b, 1);
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

eas_err eas_store_next(eas_store *st, uint32_t from, uint32_t last, uint32_t *key, size_t *len)
{
    eas_err err = check_mounted(st);
    if (err != EAS_OK) return err;
    if (!key || !len) return EAS_ERR_ARG;
    if (st->idx_mode == STI_FULL) return next_indexed(st, from, last, key, len);
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
        /* Through a (partial) index when it holds the key: the answer get gives. */
        err = lookup(st, min, &b, 1);
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

/* The walk of eas_store_visit_range over a complete index. The slots are walked in place: insertions
 * never move keys, deletions only mark them, and the purge that moves keys waits while idx_walks is set.
 * fn == NULL counts instead (*count, *bytes), for stats. */
static eas_err visit_indexed(eas_store *st, uint32_t first, uint32_t last, eas_store_visit_fn fn, void *ctx,
                             uint32_t *count, uint32_t *bytes)
{
    eas_store_index_slot *tab = st->idx;
    uint32_t m = st->idx_slots;
    eas_err err = EAS_OK;
    st->idx_walks++;
    for (uint32_t p = 0; p < m && err == EAS_OK; p++) {
        /* fn may have unmounted the store, or an error dropped the index: the walk cannot go on. */
        if (st->state != ST_MOUNTED || st->idx != tab || st->idx_mode == STI_OFF) {
            err = st->state != ST_MOUNTED ? EAS_ERR_STATE : EAS_ERR_FLASH;
            break;
        }
        uint32_t k = tab[p].key;
        if (!sti_holds(tab[p].loc) || k < first || k > last) continue;
        loc b;
        err = lookup(st, k, &b, 1);
        if (err != EAS_OK || !b.found || b.e.type != STF_PUT) continue;
        if (fn) {
            err = fn(ctx, k, b.e.len);
        } else {
            (*count)++;
            *bytes += b.e.len;
        }
    }
    if (st->idx == tab && st->idx_walks) st->idx_walks--;
    return err;
}

eas_err eas_store_visit_range(eas_store *st, uint32_t first, uint32_t last, eas_store_visit_fn fn, void *ctx)
{
    eas_err err = check_mounted(st);
    if (err != EAS_OK) return err;
    if (!fn) return EAS_ERR_ARG;
    if (st->idx_mode != STI_FULL) return eas_store_iterate(st, first, last, fn, ctx);
    return visit_indexed(st, first, last, fn, ctx, NULL, NULL);
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
    if (st->idx_mode != STI_OFF) {
        out->index_slots = st->idx_slots + (st->idx_counted ? sti_count_slots(st->flash->sector_count) : 0u);
        out->index_used = st->idx_used;
        out->index_complete = st->idx_mode == STI_FULL;
    }
    if (st->idx_mode == STI_FULL)
        return visit_indexed(st, 0, UINT32_MAX, NULL, NULL, &out->live_records, &out->live_bytes);
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

/* Whether two answers for one key agree: both without a value, or the same record (same sequence
 * number: a copy made by a compaction is the same record). */
static int same_answer(const loc *a, const loc *b)
{
    int av = a->found && a->e.type == STF_PUT, bv = b->found && b->e.type == STF_PUT;
    if (av != bv) return 0;
    return !av || (a->e.seq == b->e.seq && a->e.len == b->e.len && a->e.vcrc == b->e.vcrc);
}

/* The index's own answer for key, without any fallback: 0 when it has none (unknown, or not held by a
 * partial index). */
static eas_err index_answer(eas_store *st, uint32_t key, loc *b, int *known)
{
    uint32_t pos = sti_find(st, key);
    b->found = 0;
    *known = st->idx_mode == STI_FULL;
    if (pos == STI_NONE) return EAS_OK;
    uint32_t v = st->idx[pos].loc;
    *known = v != STI_UNKNOWN;
    if (v == STI_GONE || v == STI_UNKNOWN) return EAS_OK;
    if (!sti_holds(v) || (v & ~STI_LOC_MASK)) return EAS_ERR_STORE_CORRUPT; /* a flag left over */
    int kind;
    gloc_split(st, v, &b->sector, &b->idx);
    if (b->sector >= st->flash->sector_count) return EAS_ERR_STORE_CORRUPT;
    eas_err err = stf_read_slot(st, b->sector, stf_slot_off(st, b->idx), &kind, &b->e);
    if (err != EAS_OK) return err;
    if (kind != STF_SLOT_ENTRY || b->e.key != key || b->e.type != STF_PUT) return EAS_ERR_STORE_CORRUPT;
    b->found = 1;
    return EAS_OK;
}

static eas_err check_key(eas_store *st, uint32_t key)
{
    loc a, b;
    int known;
    eas_err err = index_answer(st, key, &a, &known);
    if (err == EAS_OK) err = newest(st, key, &b);
    if (err != EAS_OK) return err;
    return !known || same_answer(&a, &b) ? EAS_OK : EAS_ERR_STORE_CORRUPT;
}

eas_err eas_store_index_check(eas_store *st)
{
    eas_err err = check_mounted(st);
    if (err != EAS_OK || st->idx_mode == STI_OFF) return err;
    uint32_t used = 0, live = 0;
    for (uint32_t p = 0; p < st->idx_slots; p++) {
        const eas_store_index_slot *x = &st->idx[p];
        if (x->loc == STI_EMPTY) continue;
        used++;
        live += (uint32_t)sti_holds(x->loc);
        /* every key is reachable by its probe sequence, and held once */
        if (sti_find(st, x->key) != p) return EAS_ERR_STORE_CORRUPT;
        err = check_key(st, x->key);
        if (err != EAS_OK) return err;
    }
    if (used != st->idx_used || live != st->idx_live || used >= st->idx_slots) return EAS_ERR_STORE_CORRUPT;
    /* the per-sector counts are exact */
    for (uint32_t s = 0; st->idx_counted && s < st->flash->sector_count; s++) {
        uint32_t in = 0;
        for (uint32_t p = 0; p < st->idx_slots; p++) in += (uint32_t)(sti_sector(st, st->idx[p].loc) == s);
        if (in != *sti_count(st, s)) return EAS_ERR_STORE_CORRUPT;
    }
    if (st->idx_mode != STI_FULL) return EAS_OK;
    /* complete: every key on flash reads the same through the index */
    rec_walk w;
    stf_ent e;
    int more;
    for (rec_walk_init(&w); (err = rec_walk_next(st, &w, &e, &more)) == EAS_OK && more;)
        if ((err = check_key(st, e.key)) != EAS_OK) return err;
    return err;
}
