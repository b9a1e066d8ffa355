/* The bounded ID set (eas/ics_set.h): one sorted array of ranges keyed by (replica slot, GLOBCNT). */
#include <string.h>

#include "eas/ics_set.h"

#define SLOT_SHIFT 48
#define KEY(slot, globcnt) (((uint64_t)(slot) << SLOT_SHIFT) | (globcnt))
#define KEY_SLOT(key) ((unsigned)((key) >> SLOT_SHIFT))
#define KEY_GLOBCNT(key) ((key) & EAS_ICS_GLOBCNT_MAX)

void eas_ics_set_init(eas_ics_set *s, eas_ics_form form)
{
    memset(s, 0, sizeof *s);
    s->form = (uint8_t)form;
}

eas_ics_guid eas_ics_replid(uint16_t replid)
{
    eas_ics_guid g;
    memset(&g, 0, sizeof g);
    g.b[0] = (uint8_t)replid;
    g.b[1] = (uint8_t)(replid >> 8);
    return g;
}

uint16_t eas_ics_guid_replid(const eas_ics_guid *g) { return (uint16_t)(g->b[0] | (g->b[1] << 8)); }

int eas_ics_guid_cmp(const eas_ics_guid *a, const eas_ics_guid *b) { return memcmp(a->b, b->b, sizeof a->b); }

/* The order replicas are serialized in: REPLIDs as numbers, REPLGUIDs byte by byte. */
static int replica_cmp(const eas_ics_set *s, const eas_ics_guid *a, const eas_ics_guid *b)
{
    if (s->form == EAS_ICS_REPLID) {
        uint16_t x = eas_ics_guid_replid(a), y = eas_ics_guid_replid(b);
        return x < y ? -1 : x > y;
    }
    return eas_ics_guid_cmp(a, b);
}

static int slot_of(const eas_ics_set *s, const eas_ics_guid *replica)
{
    for (unsigned i = 0; i < s->nreplicas; i++)
        if (eas_ics_guid_cmp(&s->replica[i], replica) == 0) return (int)i;
    return -1;
}

/* First range of key's slot whose key_hi + 1 >= key: the only ones that can hold or touch key lie from
 * here on. (The last range of the slot before ends at key - 1 when key is its slot's 0; it is not one.) */
static size_t lower_bound(const eas_ics_set *s, uint64_t key)
{
    size_t lo = 0, hi = s->nranges;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const eas_ics_range *r = &s->range[mid];
        if (KEY_SLOT(r->key_hi) < KEY_SLOT(key) || r->key_hi + 1 < key) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Ranges of one slot never merge across the slot boundary: GLOBCNT_MAX of slot n and 0 of slot n+1 are
 * adjacent keys but different replicas. */
static int touches(const eas_ics_range *r, uint64_t lo, uint64_t hi)
{
    if (KEY_SLOT(r->key_lo) != KEY_SLOT(lo)) return 0;
    return r->key_lo <= hi + 1 && lo <= r->key_hi + 1;
}

/* Inserts keys lo..hi of one slot, merging with the ranges they touch. */
static eas_err insert_keys(eas_ics_set *s, uint64_t lo, uint64_t hi)
{
    size_t i = lower_bound(s, lo);
    size_t j = i;
    while (j < s->nranges && touches(&s->range[j], lo, hi)) j++;
    if (j == i) {
        if (s->nranges >= EAS_ICS_SET_MAX_RANGES) return EAS_ERR_ICS_SET_FULL;
        memmove(&s->range[i + 1], &s->range[i], (s->nranges - i) * sizeof s->range[0]);
        s->range[i].key_lo = lo;
        s->range[i].key_hi = hi;
        s->nranges++;
        return EAS_OK;
    }
    /* Ranges i..j-1 merge into one. */
    if (s->range[i].key_lo < lo) lo = s->range[i].key_lo;
    if (s->range[j - 1].key_hi > hi) hi = s->range[j - 1].key_hi;
    s->range[i].key_lo = lo;
    s->range[i].key_hi = hi;
    memmove(&s->range[i + 1], &s->range[j], (s->nranges - j) * sizeof s->range[0]);
    s->nranges = (uint16_t)(s->nranges - (j - i - 1));
    return EAS_OK;
}

static int keys_touch_set(const eas_ics_set *s, uint64_t lo, uint64_t hi)
{
    size_t i = lower_bound(s, lo);
    return i < s->nranges && touches(&s->range[i], lo, hi);
}

eas_err eas_ics_set_add_range(eas_ics_set *s, const eas_ics_guid *replica, uint64_t lo, uint64_t hi)
{
    if (!s || !replica || lo > hi || hi > EAS_ICS_GLOBCNT_MAX) return EAS_ERR_ARG;
    int slot = slot_of(s, replica);
    if (slot < 0) {
        /* A new replica needs a slot and a new range. */
        if (s->nreplicas >= EAS_ICS_SET_MAX_REPLICAS || s->nranges >= EAS_ICS_SET_MAX_RANGES)
            return EAS_ERR_ICS_SET_FULL;
        s->replica[s->nreplicas] = *replica;
        slot = s->nreplicas++;
    }
    return insert_keys(s, KEY((unsigned)slot, lo), KEY((unsigned)slot, hi));
}

eas_err eas_ics_set_add(eas_ics_set *s, const eas_ics_guid *replica, uint64_t globcnt)
{
    return eas_ics_set_add_range(s, replica, globcnt, globcnt);
}

int eas_ics_set_contains(const eas_ics_set *s, const eas_ics_guid *replica, uint64_t globcnt)
{
    if (!s || !replica || globcnt > EAS_ICS_GLOBCNT_MAX) return 0;
    int slot = slot_of(s, replica);
    if (slot < 0) return 0;
    uint64_t key = KEY((unsigned)slot, globcnt);
    size_t i = lower_bound(s, key);
    return i < s->nranges && s->range[i].key_lo <= key && key <= s->range[i].key_hi;
}

/* Ranges of one slot: [*first, *end). */
static void slot_span(const eas_ics_set *s, unsigned slot, size_t *first, size_t *end)
{
    size_t i = lower_bound(s, KEY(slot, 0));
    size_t j = i;
    while (j < s->nranges && KEY_SLOT(s->range[j].key_lo) == slot) j++;
    *first = i;
    *end = j;
}

/* How many ranges the union of two sorted lists of one replica has (a merge walk that only counts). */
static size_t merged_count(const eas_ics_range *a, size_t na, const eas_ics_range *b, size_t nb)
{
    size_t i = 0, j = 0, n = 0;
    uint64_t cur_hi = 0;
    int have = 0;
    while (i < na || j < nb) {
        uint64_t lo, hi;
        if (j >= nb || (i < na && KEY_GLOBCNT(a[i].key_lo) <= KEY_GLOBCNT(b[j].key_lo))) {
            lo = KEY_GLOBCNT(a[i].key_lo);
            hi = KEY_GLOBCNT(a[i].key_hi);
            i++;
        } else {
            lo = KEY_GLOBCNT(b[j].key_lo);
            hi = KEY_GLOBCNT(b[j].key_hi);
            j++;
        }
        if (have && lo <= cur_hi + 1) {
            if (hi > cur_hi) cur_hi = hi;
        } else {
            n++;
            cur_hi = hi;
            have = 1;
        }
    }
    return n;
}

eas_err eas_ics_set_union(eas_ics_set *dst, const eas_ics_set *src)
{
    if (!dst || !src || dst->form != src->form) return EAS_ERR_ARG;
    if (dst == src) return EAS_OK;
    /* The result's size first, so that the union is all or nothing. */
    unsigned replicas = dst->nreplicas;
    size_t ranges = dst->nranges;
    for (unsigned r = 0; r < src->nreplicas; r++) {
        size_t sa, sb, da = 0, db = 0;
        slot_span(src, r, &sa, &sb);
        if (sa == sb) continue;
        int slot = slot_of(dst, &src->replica[r]);
        if (slot < 0) replicas++;
        else slot_span(dst, (unsigned)slot, &da, &db);
        ranges += merged_count(&dst->range[da], db - da, &src->range[sa], sb - sa) - (db - da);
    }
    if (replicas > EAS_ICS_SET_MAX_REPLICAS || ranges > EAS_ICS_SET_MAX_RANGES) return EAS_ERR_ICS_SET_FULL;
    /* src's ranges never touch each other, so one that touches dst touches what dst was before any of
     * them was added. Those go first (each keeps or lowers the count), the others after (each adds one):
     * no step needs more room than dst had or the result has. */
    for (unsigned pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < src->nranges; i++) {
            const eas_ics_guid *rep = &src->replica[KEY_SLOT(src->range[i].key_lo)];
            uint64_t glo = KEY_GLOBCNT(src->range[i].key_lo), ghi = KEY_GLOBCNT(src->range[i].key_hi);
            int slot = slot_of(dst, rep);
            int touching = slot >= 0 && keys_touch_set(dst, KEY((unsigned)slot, glo), KEY((unsigned)slot, ghi));
            if (touching != (pass == 0)) continue;
            eas_err e = eas_ics_set_add_range(dst, rep, glo, ghi);
            if (e != EAS_OK) return e; /* not reached: the size was checked */
        }
    }
    return EAS_OK;
}

uint64_t eas_ics_set_count(const eas_ics_set *s)
{
    uint64_t n = 0;
    for (size_t i = 0; i < s->nranges; i++) n += s->range[i].key_hi - s->range[i].key_lo + 1;
    return n;
}

/* Slots in serialization order (insertion sort of at most EAS_ICS_SET_MAX_REPLICAS). */
static unsigned sorted_slots(const eas_ics_set *s, uint8_t order[])
{
    unsigned n = s->nreplicas;
    for (unsigned i = 0; i < n; i++) {
        unsigned j = i;
        while (j > 0 && replica_cmp(s, &s->replica[order[j - 1]], &s->replica[i]) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = (uint8_t)i;
    }
    return n;
}

eas_err eas_ics_set_walk(const eas_ics_set *s, eas_ics_range_fn fn, void *user)
{
    uint8_t order[EAS_ICS_SET_MAX_REPLICAS];
    unsigned n = sorted_slots(s, order);
    for (unsigned k = 0; k < n; k++) {
        unsigned slot = order[k];
        size_t i = lower_bound(s, KEY(slot, 0));
        for (; i < s->nranges && KEY_SLOT(s->range[i].key_lo) == slot; i++) {
            eas_err e = fn(user, &s->replica[slot], KEY_GLOBCNT(s->range[i].key_lo), KEY_GLOBCNT(s->range[i].key_hi));
            if (e != EAS_OK) return e;
        }
    }
    return EAS_OK;
}

int eas_ics_set_equal(const eas_ics_set *a, const eas_ics_set *b)
{
    if (a->form != b->form || a->nranges != b->nranges) return 0;
    /* Same number of ranges, and every range of a is one of b's (ranges are maximal, so equal sets
     * have identical ranges). */
    for (size_t i = 0; i < a->nranges; i++) {
        const eas_ics_guid *rep = &a->replica[KEY_SLOT(a->range[i].key_lo)];
        int slot = slot_of(b, rep);
        if (slot < 0) return 0;
        uint64_t lo = KEY((unsigned)slot, KEY_GLOBCNT(a->range[i].key_lo));
        size_t j = lower_bound(b, lo);
        if (j >= b->nranges || b->range[j].key_lo != lo ||
            KEY_GLOBCNT(b->range[j].key_hi) != KEY_GLOBCNT(a->range[i].key_hi))
            return 0;
    }
    return 1;
}

uint64_t eas_ics_make_id(uint16_t replid, uint64_t globcnt)
{
    /* Wire bytes: replid (LE) then globcnt big-endian; read back as a little-endian integer. */
    uint64_t id = replid;
    for (unsigned i = 0; i < 6; i++) id |= ((globcnt >> (8 * (5 - i))) & 0xFFu) << (16 + 8 * i);
    return id;
}

void eas_ics_split_id(uint64_t id, uint16_t *replid, uint64_t *globcnt)
{
    uint64_t g = 0;
    for (unsigned i = 0; i < 6; i++) g = (g << 8) | ((id >> (16 + 8 * i)) & 0xFFu);
    if (replid) *replid = (uint16_t)id;
    if (globcnt) *globcnt = g;
}
