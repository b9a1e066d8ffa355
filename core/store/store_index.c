/* The state store's lookup index: an open-addressing table (linear probing) in the caller's array,
 * mapping a key to where its newest visible record lies. RAM only; store.c decides what goes in and
 * checks every answer against the flash. Why linear probing: an insertion never moves other keys, so
 * an unordered walk over the array stays exact while its callback writes (docs/STORE.md, "Index"). */
#include "store_int.h"

/* At most 7/8 of the slots are taken (one stays empty whatever the size, so every probe ends), and a
 * purge runs once deleted keys hold at least 1/16 of them: probes stay short, purges rare. */
static uint32_t max_used(const eas_store *st)
{
    uint32_t m = st->idx_slots, keep = m / 8u;
    return m - (keep ? keep : 1u);
}

static uint32_t home(const eas_store *st, uint32_t key)
{
    /* Keys are often dense or share their high bits (collection << 24 | slot): mix them first. */
    uint32_t h = key;
    h ^= h >> 16;
    h *= 0x7FEB352Du;
    h ^= h >> 15;
    h *= 0x846CA68Bu;
    h ^= h >> 16;
    return (uint32_t)(((uint64_t)h * st->idx_slots) >> 32);
}

static uint32_t step(const eas_store *st, uint32_t p) { return p + 1u == st->idx_slots ? 0u : p + 1u; }

uint32_t sti_find(const eas_store *st, uint32_t key)
{
    uint32_t p = home(st, key);
    for (uint32_t n = 0; n < st->idx_slots; n++, p = step(st, p)) {
        const eas_store_index_slot *x = &st->idx[p];
        if (x->loc == STI_EMPTY) return STI_NONE;
        if (x->key == key) return p;
    }
    return STI_NONE;
}

uint32_t sti_sector(const eas_store *st, uint32_t loc)
{
    if (!sti_holds(loc) || (loc & STI_LOC_MASK) == STI_UNKNOWN) return UINT32_MAX;
    return (loc & STI_LOC_MASK) / stf_nslots(st);
}

void sti_set(eas_store *st, uint32_t pos, uint32_t loc)
{
    uint32_t old = st->idx[pos].loc;
    if (st->idx_counted) {
        uint32_t so = sti_sector(st, old), sn = sti_sector(st, loc);
        if (so != sn) {
            if (so != UINT32_MAX) (*sti_count(st, so))--;
            if (sn != UINT32_MAX) (*sti_count(st, sn))++;
        }
    }
    if (old == STI_EMPTY && loc != STI_EMPTY) st->idx_used++;
    if (old != STI_EMPTY && loc == STI_EMPTY) st->idx_used--;
    if (sti_holds(old) && !sti_holds(loc)) st->idx_live--;
    if (!sti_holds(old) && sti_holds(loc)) st->idx_live++;
    st->idx[pos].loc = loc;
}

void sti_clear(eas_store *st)
{
    for (uint32_t p = 0; p < st->idx_slots; p++) {
        st->idx[p].key = 0;
        st->idx[p].loc = STI_EMPTY;
    }
    st->idx_used = 0;
    st->idx_live = 0;
    if (st->idx_counted)
        for (uint32_t s = 0; s < st->flash->sector_count; s++) *sti_count(st, s) = 0;
}

/* Drops the deleted keys and places every other key again, in place: keys still to be placed carry
 * STI_F_MOVE; a key goes to the first slot from its home that is empty or still to be placed (whose key
 * is then taken out in turn). Placed keys never move again and no placed key skips a free slot, so
 * every probe sequence stays unbroken. Each inner round places one key: bounded by the slot count. */
static void purge(eas_store *st)
{
    uint32_t m = st->idx_slots;
    st->idx_used = 0;
    for (uint32_t p = 0; p < m; p++) {
        uint32_t v = st->idx[p].loc;
        if (v == STI_GONE) st->idx[p].loc = STI_EMPTY;
        else if (v != STI_EMPTY) {
            st->idx[p].loc = v | STI_F_MOVE;
            st->idx_used++;
        }
    }
    for (uint32_t p = 0; p < m; p++) {
        if (st->idx[p].loc == STI_EMPTY || !(st->idx[p].loc & STI_F_MOVE)) continue;
        eas_store_index_slot cur = st->idx[p];
        cur.loc &= ~STI_F_MOVE;
        st->idx[p].loc = STI_EMPTY;
        for (uint32_t placed = 0; placed < m; placed++) {
            uint32_t q = home(st, cur.key), n;
            for (n = 0; n < m; n++, q = step(st, q))
                if (st->idx[q].loc == STI_EMPTY || (st->idx[q].loc & STI_F_MOVE)) break;
            if (n == m) return; /* cannot happen: the slot cur came from is free */
            eas_store_index_slot next = st->idx[q];
            st->idx[q] = cur;
            if (next.loc == STI_EMPTY) break;
            cur = next;
            cur.loc &= ~STI_F_MOVE;
        }
    }
    st->idx_live = st->idx_used;
}

uint32_t sti_claim(eas_store *st, uint32_t key)
{
    for (int round = 0; round < 2; round++) {
        uint32_t p = home(st, key), reuse = STI_NONE, n;
        for (n = 0; n < st->idx_slots; n++, p = step(st, p)) {
            const eas_store_index_slot *x = &st->idx[p];
            if (x->loc == STI_EMPTY) break;
            if (x->key == key) return p;
            if (x->loc == STI_GONE && reuse == STI_NONE) reuse = p;
        }
        if (reuse != STI_NONE) {
            st->idx[reuse].key = key; /* stays STI_GONE: the caller sets it */
            return reuse;
        }
        if (n < st->idx_slots && st->idx_used < max_used(st)) {
            st->idx[p].key = key;
            sti_set(st, p, STI_GONE);
            return p;
        }
        /* Full. A purge moves keys: never under a walk, and only when it frees a good share. */
        uint32_t gone = st->idx_used - st->idx_live, enough = st->idx_slots / 16u;
        if (round > 0 || st->idx_walks || gone == 0 || gone < enough) break;
        purge(st);
    }
    if (st->idx_mode == STI_FULL) st->idx_mode = STI_PART;
    return STI_NONE;
}

void sti_end_pass(eas_store *st)
{
    for (uint32_t p = 0; p < st->idx_slots; p++) {
        uint32_t v = st->idx[p].loc;
        if (!sti_holds(v) || !(v & STI_F_PASS)) continue;
        sti_set(st, p, (v & STI_F_DEL) ? STI_GONE : (v & STI_LOC_MASK));
    }
}
