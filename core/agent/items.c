/* Items in the store: each collection owns a 24-bit key range; an item's key is a hash of its ServerId,
 * with linear probing over a few keys for the rare collision. A deleted item leaves a tomb (its record
 * reduced to the id, flagged EAS_ITEM_TOMB) rather than no record, so that a probe sequence never stops short of an item that
 * was placed past it; a key that never held anything ends the sequence. No RAM grows with the number
 * of items:
 * the transaction's own keys are remembered (a bounded list) because the store shows a transaction's
 * records only after it commits. */
#include <string.h>

#include "agent_int.h"
#include "eas/bytes.h"
#include "eas/crc32.h"

#define PROBES 8u

eas_err eas_coll_get_key(eas_agent *a, unsigned slot, char *out, size_t cap)
{
    size_t len = 0;
    eas_err e = eas_store_get(a->store, EAS_KEY_COLL_SYNC_KEY(slot), out, cap - 1, &len);
    if (e == EAS_ERR_NOT_FOUND || (e == EAS_OK && len == 0)) {
        memcpy(out, "0", 2);
        return EAS_OK;
    }
    if (e != EAS_OK) return e == EAS_ERR_NOSPACE ? EAS_ERR_STORE_CORRUPT : e;
    out[len] = '\0';
    return EAS_OK;
}

/* The hash a transaction's keys are remembered by: seeded with the agent's random salt, so that a server
 * cannot pick two ServerIds that it takes for one (the store's records are compared by ServerId). Never
 * 0, which marks a deletion. */
static uint32_t txn_id_hash(const eas_agent *a, const char *id, size_t len)
{
    return eas_hash_keyed(a->hash_salt, id, len) | 1u;
}

/* Keys the open transaction wrote, with the hash of the id they hold (0 for a deletion) and what
 * happened to them (eas_item_change), for the notifications after the commit. */
#if EAS_STORE_MAX_TXN_RECORDS >= 128
#define FILTER_BITS ((uint32_t)(sizeof ((eas_agent *)0)->txn_filter * 8u))
static void filter_add(eas_agent *a, uint32_t key)
{
    uint32_t h = key * 0x9E3779B1u, b1 = (h >> 16) % FILTER_BITS, b2 = (h & 0xFFFFu) % FILTER_BITS;
    a->txn_filter[b1 / 32u] |= 1u << (b1 % 32u);
    a->txn_filter[b2 / 32u] |= 1u << (b2 % 32u);
}

/* Whether key may be among the transaction's keys. The filter follows txn_keys whoever changed it:
 * keys are only ever appended, or all dropped at once (txn_keys = 0). */
static int txn_may_hold(eas_agent *a, uint32_t key)
{
    if (a->txn_filter_n > a->txn_keys) {
        memset(a->txn_filter, 0, sizeof a->txn_filter);
        a->txn_filter_n = 0;
    }
    for (; a->txn_filter_n < a->txn_keys; a->txn_filter_n++) filter_add(a, a->txn_key[a->txn_filter_n]);
    uint32_t h = key * 0x9E3779B1u, b1 = (h >> 16) % FILTER_BITS, b2 = (h & 0xFFFFu) % FILTER_BITS;
    return (a->txn_filter[b1 / 32u] >> (b1 % 32u) & 1u) && (a->txn_filter[b2 / 32u] >> (b2 % 32u) & 1u);
}
#else
static int txn_may_hold(eas_agent *a, uint32_t key)
{
    (void)a, (void)key;
    return 1;
}
#endif

static int txn_lookup(eas_agent *a, uint32_t key, uint32_t *hash)
{
    if (!txn_may_hold(a, key)) return 0;
    for (unsigned i = 0; i < a->txn_keys; i++) {
        if (a->txn_key[i] == key) {
            *hash = a->txn_hash[i];
            return 1;
        }
    }
    return 0;
}

static eas_err txn_remember(eas_agent *a, uint32_t key, uint32_t hash, uint8_t change)
{
    for (unsigned i = txn_may_hold(a, key) ? 0u : a->txn_keys; i < a->txn_keys; i++) {
        if (a->txn_key[i] == key) {
            a->txn_hash[i] = hash;
            /* added then changed in one window is still an addition */
            if (!(a->txn_change[i] == EAS_ITEM_ADD && change == EAS_ITEM_CHANGE)) a->txn_change[i] = change;
            return EAS_OK;
        }
    }
    if (a->txn_keys == EAS_STORE_MAX_TXN_RECORDS) return EAS_ERR_TXN_FULL;
    a->txn_key[a->txn_keys] = key;
    a->txn_hash[a->txn_keys] = hash;
    a->txn_change[a->txn_keys] = change;
    a->txn_keys++;
    return EAS_OK;
}

eas_err eas_coll_locate(eas_agent *a, unsigned slot, const char *server_id, size_t id_len, uint32_t *key, int *found)
{
    uint32_t h = eas_fnv1a(server_id, id_len), th_want = txn_id_hash(a, server_id, id_len);
    uint32_t free_key = 0;
    int have_free = 0;
    uint8_t rec[EAS_ITEM_RECORD_MAX];
    *found = 0;
    for (uint32_t i = 0; i < PROBES; i++) {
        uint32_t k = EAS_KEY_ITEM_BASE(slot) + ((h + i) & 0x00FFFFFFu);
        uint32_t th;
        if (txn_lookup(a, k, &th)) {
            if (th == th_want) { /* written by this transaction for the same id */
                *key = k;
                *found = 1;
                return EAS_OK;
            }
            if (th == 0 && !have_free) { /* deleted by this transaction: reusable */
                free_key = k;
                have_free = 1;
            }
            continue;
        }
        size_t len = 0;
        eas_err e = eas_store_get(a->store, k, rec, sizeof rec, &len);
        if (e == EAS_ERR_NOT_FOUND) {
            if (!have_free) {
                free_key = k;
                have_free = 1;
            }
            /* A key never used ends the probe sequence: nothing was pushed past it. */
            break;
        }
        /* Larger than any item record: not one of this collection's, and rec was not written. */
        if (e == EAS_ERR_NOSPACE) continue;
        if (e != EAS_OK) return e;
        size_t n = 0;
        const char *id = eas_item_id(rec, len, &n);
        if (id && (eas_item_flags(rec, len) & EAS_ITEM_TOMB)) { /* a tomb: reusable, and the sequence goes on */
            if (!have_free) {
                free_key = k;
                have_free = 1;
            }
            continue;
        }
        if (id && n == id_len && memcmp(id, server_id, n) == 0) {
            *key = k;
            *found = 1;
            return EAS_OK;
        }
    }
    if (!have_free) return EAS_ERR_STORE_FULL;
    *key = free_key;
    return EAS_OK;
}

eas_err eas_coll_stage_put(eas_agent *a, unsigned slot, const uint8_t *rec, size_t len, int *was_new)
{
    return eas_coll_stage_put_crc(a, slot, rec, len, eas_crc32(0, rec, len), was_new);
}

eas_err eas_coll_stage_put_crc(eas_agent *a, unsigned slot, const uint8_t *rec, size_t len, uint32_t crc, int *was_new)
{
    size_t id_len = 0;
    const char *id = eas_item_id(rec, len, &id_len);
    uint32_t key;
    int found;
    if (!id || id_len == 0) return EAS_ERR_PROTOCOL;
    eas_err e = eas_coll_locate(a, slot, id, id_len, &key, &found);
    if (e != EAS_OK) return e;
    *was_new = !found;
    if ((e = txn_remember(a, key, txn_id_hash(a, id, id_len), found ? EAS_ITEM_CHANGE : EAS_ITEM_ADD)) != EAS_OK)
        return e;
    return eas_store_txn_put_crc(a->store, key, rec, len, crc);
}

eas_err eas_coll_stage_del(eas_agent *a, unsigned slot, const char *server_id, size_t id_len, int *existed)
{
    if (id_len > 255) return EAS_ERR_PROTOCOL;
    uint32_t key;
    int found;
    eas_err e = eas_coll_locate(a, slot, server_id, id_len, &key, &found);
    *existed = found;
    if (e != EAS_OK || !found) return e == EAS_ERR_STORE_FULL ? EAS_OK : e;
    if ((e = txn_remember(a, key, 0, EAS_ITEM_DELETE)) != EAS_OK) return e;
    uint8_t tomb[4 + 255];
    tomb[0] = EAS_ITEM_FORMAT;
    tomb[1] = EAS_ITEM_TOMB;
    tomb[2] = 0;
    tomb[3] = (uint8_t)id_len;
    memcpy(tomb + 4, server_id, id_len);
    return eas_store_txn_put(a->store, key, tomb, 4 + id_len);
}

typedef struct purge_batch {
    eas_agent *a;
    unsigned n;
} purge_batch;

static eas_err purge_visit(void *ctx, uint32_t key, size_t len)
{
    purge_batch *b = ctx;
    (void)len;
    if (b->n == EAS_STORE_MAX_TXN_RECORDS) return EAS_ERR_ABORTED; /* a full batch */
    eas_err e = eas_store_txn_del(b->a->store, key);
    if (e == EAS_OK) b->n++;
    return e;
}

eas_err eas_coll_purge(eas_agent *a, unsigned slot)
{
    /* The SyncKey goes first, on its own: from then on the collection starts over from 0 whatever
     * happens, and items left by a power cut are purged again next time. The items then go in batches
     * that fit a transaction. */
    eas_err e = eas_store_del(a->store, EAS_KEY_COLL_SYNC_KEY(slot));
    if (e == EAS_OK) e = eas_store_del(a->store, EAS_KEY_COLL_INFLIGHT(slot));
    if (e != EAS_OK) return e;
    /* Each batch ends its walk once it is full (EAS_ERR_ABORTED), commits, and starts over: the
     * committed deletions are gone from the next walk. Bounded by the live items. */
    for (;;) {
        purge_batch b = {a, 0};
        if ((e = eas_store_txn_begin(a->store)) != EAS_OK) return e;
        e = eas_store_visit_range(a->store, EAS_KEY_ITEM_BASE(slot), EAS_KEY_ITEM_LAST(slot), purge_visit, &b);
        if (e != EAS_OK && e != EAS_ERR_ABORTED) {
            eas_store_txn_abort(a->store);
            return e;
        }
        if ((e = eas_store_txn_commit(a->store)) != EAS_OK) return e;
        if (b.n < EAS_STORE_MAX_TXN_RECORDS) return EAS_OK;
    }
}
