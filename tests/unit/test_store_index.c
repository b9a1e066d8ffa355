/* State store with a lookup index (eas_store_mount_indexed): the same answers as the scans, at the cost
 * of one entry and one value read per get; overflow into a partial index; damage under an indexed
 * record detected and answered by a scan; transactions, compactions and purges keeping the index true;
 * the unordered walk under writes from its own callback. After each scenario the index must agree with
 * a full scan (eas_store_index_check). Power cuts with an index: test_store_powercut.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "eas/store.h"
#include "flash_emu.h"

static eas_store_index_slot ix[1024];

static void value_of(uint8_t *v, size_t len, uint32_t key, uint32_t version)
{
    uint32_t x = key * 2246822519u + version * 3266489917u + 11u;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        v[i] = (uint8_t)(x >> 16);
    }
}

static eas_err put_v(eas_store *st, uint32_t key, size_t len, uint32_t version)
{
    uint8_t v[EAS_STORE_MAX_VALUE];
    value_of(v, len, key, version);
    return eas_store_put(st, key, v, len);
}

static int is_v(eas_store *st, uint32_t key, size_t len, uint32_t version)
{
    uint8_t want[EAS_STORE_MAX_VALUE], got[EAS_STORE_MAX_VALUE];
    size_t n = 0;
    value_of(want, len, key, version);
    if (eas_store_get(st, key, got, sizeof got, &n) != EAS_OK) return 0;
    return n == len && memcmp(want, got, len) == 0;
}

static int absent(eas_store *st, uint32_t key)
{
    size_t n;
    return eas_store_get(st, key, NULL, 0, &n) == EAS_ERR_NOT_FOUND;
}

static uint32_t find_bytes(const flash_emu *e, const uint8_t *pat, size_t len)
{
    for (uint32_t i = 0; i + len <= e->size; i++)
        if (memcmp(e->mem + i, pat, len) == 0) return i;
    return UINT32_MAX;
}

/* Keys seen by a walk, with their lengths; a key seen twice is counted in dups. */
typedef struct seen {
    uint32_t keys[512];
    size_t lens[512];
    int n, dups;
    eas_store *st;
    int mode;          /* what the callback does besides recording, see walk_fn */
    uint32_t next_new; /* keys added by the callback */
} seen;

static int seen_has(const seen *s, uint32_t key)
{
    for (int i = 0; i < s->n && i < 512; i++)
        if (s->keys[i] == key) return 1;
    return 0;
}

enum { W_RECORD = 0, W_DELETE_SELF, W_DELETE_PARTNER, W_CHURN, W_TXN_DEL, W_STOP };

static eas_err walk_fn(void *ctx, uint32_t key, size_t len)
{
    seen *s = ctx;
    if (seen_has(s, key)) s->dups++;
    if (s->n < 512) {
        s->keys[s->n] = key;
        s->lens[s->n] = len;
    }
    s->n++;
    switch (s->mode) {
    case W_DELETE_SELF:
        return eas_store_del(s->st, key);
    case W_DELETE_PARTNER: /* deletes key ^ 1 (if not visited yet, it must not be visited) */
        return eas_store_del(s->st, key ^ 1u);
    case W_CHURN: { /* deletes one key of another range and adds a brand-new one, every time */
        eas_err err = eas_store_del(s->st, 0x9000u + (key & 63u));
        if (err == EAS_OK) err = put_v(s->st, s->next_new++, 20, 1);
        return err;
    }
    case W_TXN_DEL:
        return eas_store_txn_del(s->st, key);
    case W_STOP:
        return s->n == 3 ? EAS_ERR_ABORTED : EAS_OK;
    default:
        return EAS_OK;
    }
}

/* The ordered walk through eas_store_next, for comparison. */
static int ordered_keys(eas_store *st, uint32_t first, uint32_t last, uint32_t *keys, size_t *lens, int cap)
{
    int n = 0;
    uint32_t k = first;
    size_t len;
    while (n < cap && eas_store_next(st, k, last, &k, &len) == EAS_OK) {
        keys[n] = k;
        lens[n] = len;
        n++;
        if (k == last) break;
        k++;
    }
    return n;
}

TEST(store_index_same_answers_fewer_reads)
{
    flash_emu e;
    eas_store st, plain;
    CHECK(flash_emu_init(&e, 4096, 4, 4) == 0);
    CHECK_OK(eas_store_format_indexed(&st, &e.flash, ix, 256));
    for (uint32_t k = 0; k < 120; k++) CHECK_OK(put_v(&st, 0x1000u + k * 37u, 10 + k % 50, 1));
    for (uint32_t k = 0; k < 120; k += 3) CHECK_OK(put_v(&st, 0x1000u + k * 37u, 30, 2));
    for (uint32_t k = 1; k < 120; k += 7) CHECK_OK(eas_store_del(&st, 0x1000u + k * 37u));
    CHECK_OK(eas_store_put(&st, 0, "zero", 4));
    CHECK_OK(eas_store_put(&st, UINT32_MAX, "max", 3));
    eas_store_info info;
    CHECK_OK(eas_store_stats(&st, &info));
    CHECK(info.generation > 2); /* the history spans compactions */
    CHECK_EQ(info.index_slots, 256);
    CHECK_EQ(info.index_complete, 1);
    CHECK_OK(eas_store_index_check(&st));

    /* a get reads the entry and the value: two reads, whatever the size of the store */
    unsigned long r0 = e.reads;
    CHECK(is_v(&st, 0x1000u + 3u * 37u, 30, 2));
    CHECK_EQ(e.reads - r0, 2);
    r0 = e.reads;
    CHECK(absent(&st, 0x1000u + 1u * 37u)); /* deleted: known without reading */
    CHECK(absent(&st, 5));                  /* never written: idem */
    CHECK_EQ(e.reads - r0, 0);

    /* everything reads the same as without the index */
    CHECK_OK(eas_store_mount(&plain, &e.flash));
    CHECK_OK(eas_store_stats(&plain, &info));
    CHECK_EQ(info.index_slots, 0);
    uint32_t live = info.live_records, bytes = info.live_bytes;
    CHECK_OK(eas_store_stats(&st, &info));
    CHECK_EQ(info.live_records, live);
    CHECK_EQ(info.live_bytes, bytes);
    for (uint32_t k = 0; k < 120; k++) {
        uint32_t key = 0x1000u + k * 37u;
        uint8_t a[64], b[64];
        size_t na = 0, nb = 0;
        eas_err ea = eas_store_get(&st, key, a, sizeof a, &na), eb = eas_store_get(&plain, key, b, sizeof b, &nb);
        CHECK_EQ(ea, eb);
        CHECK_EQ(na, nb);
        if (ea == EAS_OK) CHECK_MEM(a, b, na);
    }
    static uint32_t ka[256], kb[256];
    static size_t la[256], lb[256];
    int na = ordered_keys(&st, 0, UINT32_MAX, ka, la, 256), nb = ordered_keys(&plain, 0, UINT32_MAX, kb, lb, 256);
    CHECK_EQ(na, nb);
    CHECK_EQ(na, (int)live);
    CHECK_MEM(ka, kb, (size_t)na * sizeof ka[0]);
    CHECK_MEM(la, lb, (size_t)na * sizeof la[0]);
    /* a cursor step reads only the key it returns */
    r0 = e.reads;
    uint32_t k;
    size_t len;
    CHECK_OK(eas_store_next(&st, 1, UINT32_MAX - 1u, &k, &len));
    CHECK_EQ(k, 0x1000u);
    CHECK(e.reads - r0 <= 2 + (len + EAS_STORE_SCRATCH - 1) / EAS_STORE_SCRATCH);
    /* too small a buffer: the length, through the index too */
    CHECK_EQ(eas_store_get(&st, 0, NULL, 0, &len), EAS_ERR_NOSPACE);
    CHECK_EQ(len, 4);
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}

TEST(store_index_overflow_falls_back_to_scans)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 2048, 4, 4) == 0);
    /* 8 slots hold 7 keys; 30 keys do not fit */
    CHECK_OK(eas_store_format_indexed(&st, &e.flash, ix, 8));
    for (uint32_t k = 0; k < 30; k++) CHECK_OK(put_v(&st, 100 + k, 12, 1));
    eas_store_info info;
    CHECK_OK(eas_store_stats(&st, &info));
    CHECK_EQ(info.index_complete, 0);
    CHECK_EQ(info.live_records, 30);
    CHECK_OK(eas_store_index_check(&st));
    for (uint32_t k = 0; k < 30; k++) CHECK(is_v(&st, 100 + k, 12, 1));
    CHECK(absent(&st, 99));
    /* keys the partial index holds still read fast, the others by a scan */
    unsigned long r0 = e.reads;
    CHECK(is_v(&st, 100, 12, 1));
    CHECK_EQ(e.reads - r0, 2);
    r0 = e.reads;
    CHECK(absent(&st, 98));
    CHECK(e.reads - r0 > 10);
    /* deletes, overwrites; the walks fall back to key order */
    for (uint32_t k = 0; k < 30; k += 2) CHECK_OK(eas_store_del(&st, 100 + k));
    for (uint32_t k = 1; k < 30; k += 4) CHECK_OK(put_v(&st, 100 + k, 20, 2));
    CHECK_OK(eas_store_index_check(&st));
    seen s;
    memset(&s, 0, sizeof s);
    CHECK_OK(eas_store_visit_range(&st, 0, UINT32_MAX, walk_fn, &s));
    CHECK_EQ(s.n, 15);
    CHECK_EQ(s.dups, 0);
    for (int i = 0; i < 15; i++) {
        CHECK_EQ(s.keys[i], 101u + 2u * (uint32_t)i); /* key order: the scan's walk */
        CHECK_EQ(s.lens[i], i % 2 == 0 ? 20 : 12);
    }
    CHECK_OK(eas_store_mount_indexed(&st, &e.flash, ix, 8));
    CHECK_OK(eas_store_stats(&st, &info));
    CHECK_EQ(info.index_complete, 0);
    CHECK_EQ(info.live_records, 15);
    CHECK_OK(eas_store_index_check(&st));
    for (uint32_t k = 1; k < 30; k += 2) CHECK(is_v(&st, 100 + k, k % 4 == 1 ? 20 : 12, k % 4 == 1 ? 2 : 1));
    for (uint32_t k = 0; k < 30; k += 2) CHECK(absent(&st, 100 + k));
    /* mounted again with room, it is complete */
    CHECK_OK(eas_store_mount_indexed(&st, &e.flash, ix, 64));
    CHECK_OK(eas_store_stats(&st, &info));
    CHECK_EQ(info.index_complete, 1);
    CHECK_OK(eas_store_index_check(&st));
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}

/* The index points at a record; the record is damaged afterwards (no mount in between): the index's
 * answer fails its check and the scan's answer is used (and learnt). */
TEST(store_index_bitflip_under_indexed_record)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 2048, 2, 4) == 0);
    CHECK_OK(eas_store_format_indexed(&st, &e.flash, ix, 32));
    CHECK_OK(eas_store_put(&st, 1, "one-old-value", 13));
    CHECK_OK(eas_store_put(&st, 2, "two-only", 8));
    CHECK_OK(eas_store_put(&st, 1, "one-new-value!", 14));
    CHECK_OK(eas_store_put(&st, 3, "three-old", 9));
    CHECK_OK(eas_store_put(&st, 3, "three-new", 9));
    uint8_t buf[32];
    size_t n;
    /* the newest value of key 1 damaged */
    uint32_t v1 = find_bytes(&e, (const uint8_t *)"one-new-value!", 14);
    CHECK(v1 != UINT32_MAX);
    flash_emu_flip_bit(&e, (uint64_t)(v1 + 5) * 8u + 1u);
    CHECK_OK(eas_store_get(&st, 1, buf, sizeof buf, &n));
    CHECK_EQ(n, 13);
    CHECK_MEM(buf, "one-old-value", 13);
    CHECK_OK(eas_store_index_check(&st)); /* it learnt the older version */
    /* a buffer too small: the length of what a scan finds, not of the damaged record */
    CHECK_OK(eas_store_put(&st, 1, "one-newest-value", 16));
    uint32_t v1b = find_bytes(&e, (const uint8_t *)"one-newest-value", 16);
    flash_emu_flip_bit(&e, (uint64_t)v1b * 8u);
    CHECK_EQ(eas_store_get(&st, 1, buf, 4, &n), EAS_ERR_NOSPACE);
    CHECK_EQ(n, 13);
    /* the entry of the only version of key 2 damaged: gone, never garbage */
    uint32_t v2 = find_bytes(&e, (const uint8_t *)"two-only", 8);
    uint32_t ent2 = UINT32_MAX;
    for (uint32_t off = 2048 - 32; off >= 64; off -= 32)
        for (uint32_t s = 0; s < 2; s++) {
            const uint8_t *p = e.mem + s * 2048 + off;
            if (p[0] == 0x45 && p[1] == 0x52 && p[2] == 1 && p[4] == 2 && p[5] == 0 && p[6] == 0 && p[7] == 0)
                ent2 = s * 2048 + off;
        }
    CHECK(v2 != UINT32_MAX && ent2 != UINT32_MAX);
    flash_emu_flip_bit(&e, (uint64_t)(ent2 + 6) * 8u + 3u); /* its key byte: CRC wrong */
    seen s;
    memset(&s, 0, sizeof s);
    CHECK_OK(eas_store_visit_range(&st, 0, 100, walk_fn, &s));
    CHECK_EQ(s.n, 2); /* keys 1 and 3 */
    CHECK(!seen_has(&s, 2));
    for (int i = 0; i < s.n; i++) CHECK_EQ(s.lens[i], s.keys[i] == 1 ? 13 : 9);
    CHECK(absent(&st, 2));
    uint32_t k;
    CHECK_OK(eas_store_next(&st, 2, 100, &k, &n));
    CHECK_EQ(k, 3);
    /* the value of key 3 damaged: a walk reports the older version's length */
    uint32_t v3 = find_bytes(&e, (const uint8_t *)"three-new", 9);
    flash_emu_flip_bit(&e, (uint64_t)(v3 + 8) * 8u + 7u);
    CHECK_OK(eas_store_put(&st, 3, "three-newest-value", 18));
    uint32_t v3b = find_bytes(&e, (const uint8_t *)"three-newest-value", 18);
    flash_emu_flip_bit(&e, (uint64_t)(v3b + 17) * 8u + 7u);
    CHECK_OK(eas_store_next(&st, 3, 3, &k, &n));
    CHECK_EQ(n, 9);
    CHECK_OK(eas_store_get(&st, 3, buf, sizeof buf, &n));
    CHECK_MEM(buf, "three-old", 9);
    CHECK_OK(eas_store_index_check(&st));
    /* a mount agrees, and writes go on */
    CHECK_OK(eas_store_mount_indexed(&st, &e.flash, ix, 32));
    CHECK_OK(eas_store_index_check(&st));
    CHECK_OK(eas_store_get(&st, 1, buf, sizeof buf, &n));
    CHECK_MEM(buf, "one-old-value", 13);
    CHECK_OK(eas_store_put(&st, 2, "two-again", 9));
    CHECK_OK(eas_store_get(&st, 2, buf, sizeof buf, &n));
    CHECK_MEM(buf, "two-again", 9);
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}

/* Every bit of a store with history flipped in turn while it stays mounted with its index: every key
 * reads a value it had (or nothing), and the walk agrees with the gets. */
TEST(store_index_bitflip_sweep_while_mounted)
{
    enum { KEYS = 6, VERSIONS = 4 };
    flash_emu e, img;
    eas_store st;
    CHECK(flash_emu_init(&e, 1024, 2, 4) == 0);
    CHECK(flash_emu_init(&img, 1024, 2, 4) == 0);
    CHECK_OK(eas_store_format_indexed(&st, &e.flash, ix, 16));
    uint16_t lens[KEYS][VERSIONS];
    for (int v = 0; v < VERSIONS; v++)
        for (int k = 0; k < KEYS; k++) {
            lens[k][v] = (uint16_t)(3 + (k * 5 + v * 7) % 36);
            if (v == 1 && k % 2) {
                uint8_t val[64];
                value_of(val, lens[k][v], (uint32_t)k, (uint32_t)v);
                CHECK_OK(eas_store_txn_begin(&st));
                CHECK_OK(eas_store_txn_put(&st, (uint32_t)k, val, lens[k][v]));
                CHECK_OK(eas_store_txn_commit(&st));
            } else {
                CHECK_OK(put_v(&st, (uint32_t)k, lens[k][v], (uint32_t)v));
            }
        }
    flash_emu_copy_image(&img, &e);
    unsigned long flips = 0, older = 0;
    for (uint64_t bit = 0; bit < (uint64_t)e.size * 8u; bit += 5) {
        flash_emu_copy_image(&e, &img);
        CHECK_OK(eas_store_mount_indexed(&st, &e.flash, ix, 16));
        flash_emu_flip_bit(&e, bit);
        for (int k = 0; k < KEYS; k++) {
            uint8_t got[64], want[64];
            size_t n;
            eas_err err = eas_store_get(&st, (uint32_t)k, got, sizeof got, &n);
            if (err == EAS_ERR_NOT_FOUND) continue;
            CHECK_MSG(err == EAS_OK, "bit %llu key %d: %s", (unsigned long long)bit, k, eas_err_name(err));
            int ok = 0;
            for (int v = 0; v < VERSIONS && !ok; v++) {
                value_of(want, lens[k][v], (uint32_t)k, (uint32_t)v);
                ok = n == lens[k][v] && memcmp(got, want, n) == 0;
                if (ok && v != VERSIONS - 1) older++;
            }
            CHECK_MSG(ok, "bit %llu key %d: a value it never had", (unsigned long long)bit, k);
        }
        seen s;
        memset(&s, 0, sizeof s);
        CHECK_OK(eas_store_visit_range(&st, 0, UINT32_MAX, walk_fn, &s));
        CHECK_EQ(s.dups, 0);
        for (int i = 0; i < s.n; i++) {
            size_t n;
            CHECK_EQ(eas_store_get(&st, s.keys[i], NULL, 0, &n), s.lens[i] ? EAS_ERR_NOSPACE : EAS_OK);
            CHECK_EQ(n, s.lens[i]);
        }
        CHECK_MSG(e.violations == 0, "bit %llu: %s", (unsigned long long)bit, e.last_violation);
        flips++;
    }
    CHECK(flips > 1500);
    CHECK(older > 0); /* some flips hit indexed records, and older versions answered */
    flash_emu_free(&e);
    flash_emu_free(&img);
}

/* Members become visible at the commit, in whatever order the compactions left them. */
static void txn_indexed(uint32_t sector_size, uint32_t sectors, uint32_t slots)
{
    enum { KEYS = 12, ROUNDS = 2, LEN = 40 };
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, sector_size, sectors, 4) == 0);
    CHECK_OK(eas_store_format_indexed(&st, &e.flash, ix, slots));
    for (uint32_t v = 0; v < 3; v++) /* history: the head is nearly full */
        for (uint32_t k = 0; k < KEYS; k++) CHECK_OK(put_v(&st, k, 60, 1));
    eas_store_info info;
    CHECK_OK(eas_store_stats(&st, &info));
    uint32_t gen0 = info.generation;
    /* same key several times in one transaction: the last wins, also put-after-delete */
    CHECK_OK(eas_store_txn_begin(&st));
    for (uint32_t round = 0; round < ROUNDS; round++)
        for (uint32_t k = 0; k < KEYS; k++) {
            uint8_t v[LEN];
            if ((k + round) % 5 == 0) {
                CHECK_OK(eas_store_txn_del(&st, k));
            } else {
                value_of(v, LEN, k, 10 + round);
                CHECK_OK(eas_store_txn_put(&st, k, v, LEN));
            }
        }
    CHECK_OK(eas_store_txn_put(&st, 1000, "new", 3));
    CHECK_OK(eas_store_stats(&st, &info));
    CHECK(info.generation > gen0); /* it crossed compactions */
    for (uint32_t k = 0; k < KEYS; k++) CHECK(is_v(&st, k, 60, 1));
    CHECK(absent(&st, 1000));
    CHECK_OK(eas_store_index_check(&st));
    CHECK_OK(eas_store_txn_commit(&st));
    CHECK_OK(eas_store_index_check(&st));
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t k = 0; k < KEYS; k++) {
            if ((k + ROUNDS - 1) % 5 == 0) CHECK(absent(&st, k));
            else CHECK(is_v(&st, k, LEN, 10 + ROUNDS - 1));
        }
        uint8_t b[8];
        size_t n;
        CHECK_OK(eas_store_get(&st, 1000, b, sizeof b, &n));
        CHECK_MEM(b, "new", 3);
        CHECK_OK(eas_store_mount_indexed(&st, &e.flash, ix, slots));
        CHECK_OK(eas_store_index_check(&st));
    }
    /* aborted: nothing changes, in the index either */
    CHECK_OK(eas_store_txn_begin(&st));
    for (uint32_t k = 0; k < KEYS; k++) CHECK_OK(eas_store_txn_del(&st, k));
    eas_store_txn_abort(&st);
    CHECK_OK(eas_store_index_check(&st));
    CHECK(is_v(&st, 1, LEN, 10 + ROUNDS - 1));
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}

TEST(store_index_txn_2_sectors) { txn_indexed(4096, 2, 64); }
TEST(store_index_txn_6_sectors) { txn_indexed(1024, 6, 64); }
TEST(store_index_txn_partial) { txn_indexed(2048, 4, 8); }

TEST(store_index_visit_range)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 4096, 4, 4) == 0);
    CHECK_OK(eas_store_format_indexed(&st, &e.flash, ix, 512));
    for (uint32_t k = 0; k < 100; k++) CHECK_OK(put_v(&st, 0x5000u + k, 5 + k % 9, 1));
    for (uint32_t k = 0; k < 64; k++) CHECK_OK(put_v(&st, 0x9000u + k, 5, 1));
    CHECK_OK(put_v(&st, 0x4FFF, 5, 1));
    CHECK_OK(put_v(&st, 0x5064, 5, 1));
    /* the same keys and lengths as the ordered walk, each once */
    seen s;
    memset(&s, 0, sizeof s);
    unsigned long r0 = e.reads;
    CHECK_OK(eas_store_visit_range(&st, 0x5000, 0x5063, walk_fn, &s));
    CHECK(e.reads - r0 <= 100u * 2u); /* an entry and one value chunk per key: no scan */
    CHECK_EQ(s.n, 100);
    CHECK_EQ(s.dups, 0);
    for (int i = 0; i < 100; i++) {
        CHECK(s.keys[i] >= 0x5000 && s.keys[i] <= 0x5063);
        CHECK_EQ(s.lens[i], 5 + (s.keys[i] - 0x5000) % 9);
    }
    /* stop on the callback's error */
    memset(&s, 0, sizeof s);
    s.mode = W_STOP;
    CHECK_EQ(eas_store_visit_range(&st, 0, UINT32_MAX, walk_fn, &s), EAS_ERR_ABORTED);
    CHECK_EQ(s.n, 3);
    CHECK_EQ(eas_store_visit_range(&st, 0, 1, NULL, NULL), EAS_ERR_ARG);
    /* deleting the partner of each key: a key deleted before it was reached is not visited */
    memset(&s, 0, sizeof s);
    s.st = &st;
    s.mode = W_DELETE_PARTNER;
    CHECK_OK(eas_store_visit_range(&st, 0x5000, 0x5063, walk_fn, &s));
    CHECK_EQ(s.n, 50);
    CHECK_EQ(s.dups, 0);
    for (int i = 0; i < s.n; i++) CHECK(!seen_has(&s, s.keys[i] ^ 1u)); /* one of each pair */
    CHECK_OK(eas_store_index_check(&st));
    /* churn in another range from inside the walk: deletes and brand-new keys (which reuse the deleted
     * keys' slots; the purge that would move keys waits): the keys live throughout are visited once */
    memset(&s, 0, sizeof s);
    s.st = &st;
    s.mode = W_CHURN;
    s.next_new = 0x7000;
    CHECK_OK(eas_store_visit_range(&st, 0x5000, 0x5063, walk_fn, &s));
    CHECK_EQ(s.n, 50);
    CHECK_EQ(s.dups, 0);
    CHECK_OK(eas_store_index_check(&st));
    /* deleting each visited key: all of them, once; the range is empty afterwards */
    memset(&s, 0, sizeof s);
    s.st = &st;
    s.mode = W_DELETE_SELF;
    CHECK_OK(eas_store_visit_range(&st, 0x5000, 0x5063, walk_fn, &s));
    CHECK_EQ(s.n, 50);
    CHECK_EQ(s.dups, 0);
    uint32_t k;
    size_t n;
    CHECK_EQ(eas_store_next(&st, 0x5000, 0x5063, &k, &n), EAS_ERR_NOT_FOUND);
    CHECK_OK(eas_store_next(&st, 0x5000, 0x5064, &k, &n));
    CHECK_EQ(k, 0x5064);
    CHECK(is_v(&st, 0x4FFF, 5, 1));
    CHECK_OK(eas_store_index_check(&st));
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}

/* A collection reset: every key of a range deleted in one transaction, from the walk's callback, with
 * compactions on the way. Then the same with a full walk on a store whose index is purged. */
TEST(store_index_visit_txn_reset)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 1024, 9, 4) == 0);
    CHECK_OK(eas_store_format_indexed(&st, &e.flash, ix, 128));
    for (uint32_t k = 0; k < 40; k++) CHECK_OK(put_v(&st, 0x40000000u + k * 977u, 40, 1));
    CHECK_OK(put_v(&st, 7, 40, 1));
    eas_store_info a, b;
    CHECK_OK(eas_store_stats(&st, &a));
    seen s;
    memset(&s, 0, sizeof s);
    s.st = &st;
    s.mode = W_TXN_DEL;
    CHECK_OK(eas_store_txn_begin(&st));
    CHECK_OK(eas_store_visit_range(&st, 0x40000000u, 0x40FFFFFFu, walk_fn, &s));
    CHECK_EQ(s.n, 40);
    CHECK_EQ(s.dups, 0);
    CHECK_OK(eas_store_txn_del(&st, 7));
    CHECK_OK(eas_store_txn_commit(&st));
    CHECK_OK(eas_store_stats(&st, &b));
    CHECK(b.generation > a.generation); /* compactions moved indexed records during the walk */
    CHECK_EQ(b.live_records, 0);
    CHECK_OK(eas_store_index_check(&st));
    CHECK_OK(eas_store_mount_indexed(&st, &e.flash, ix, 128));
    CHECK_OK(eas_store_stats(&st, &b));
    CHECK_EQ(b.live_records, 0);
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}

/* Keys come and go for ever (new keys each time, a fixed number live): the deleted keys are purged
 * from the table in RAM, so it stays complete. */
TEST(store_index_purge_keeps_it_complete)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 2048, 4, 4) == 0);
    CHECK_OK(eas_store_format_indexed(&st, &e.flash, ix, 64));
    uint32_t live[40];
    for (uint32_t i = 0; i < 40; i++) {
        live[i] = 0x100u + i;
        CHECK_OK(put_v(&st, live[i], 8, live[i]));
    }
    uint32_t next = 0x1000, x = 12345;
    for (int step = 0; step < 1500; step++) {
        x = x * 1664525u + 1013904223u;
        uint32_t i = (x >> 8) % 40u;
        CHECK_OK(eas_store_del(&st, live[i]));
        live[i] = next++;
        CHECK_OK(put_v(&st, live[i], 8, live[i]));
        if (step % 250 == 0) CHECK_OK(eas_store_index_check(&st));
    }
    eas_store_info info;
    CHECK_OK(eas_store_stats(&st, &info));
    CHECK_EQ(info.index_complete, 1);
    CHECK_EQ(info.live_records, 40);
    CHECK(info.index_used < 64);
    for (uint32_t i = 0; i < 40; i++) CHECK(is_v(&st, live[i], 8, live[i]));
    CHECK(absent(&st, 0x100));
    CHECK_OK(eas_store_index_check(&st));
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}

/* Errors: a write cut by a power loss unmounts the store (its index with it); the indexed mount brings
 * both back. A plain mount has no index; a 1-slot array is no index. */
TEST(store_index_errors_and_plain_mounts)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 1024, 3, 4) == 0);
    CHECK_OK(eas_store_format_indexed(&st, &e.flash, ix, 32));
    for (uint32_t k = 0; k < 10; k++) CHECK_OK(put_v(&st, k, 30, 1));
    flash_emu_cut_after(&e, 1);
    CHECK_EQ(put_v(&st, 3, 30, 2), EAS_ERR_FLASH);
    flash_emu_power_on(&e);
    CHECK_EQ(put_v(&st, 4, 30, 2), EAS_ERR_STATE);
    CHECK_EQ(eas_store_visit_range(&st, 0, 9, walk_fn, NULL), EAS_ERR_STATE);
    CHECK_OK(eas_store_mount_indexed(&st, &e.flash, ix, 32));
    CHECK_OK(eas_store_index_check(&st));
    CHECK(is_v(&st, 3, 30, 1) || is_v(&st, 3, 30, 2));
    CHECK(is_v(&st, 4, 30, 1));
    /* a cut inside a transaction's commit */
    CHECK_OK(eas_store_txn_begin(&st));
    CHECK_EQ(put_v(&st, 99, 1, 1), EAS_ERR_STATE);
    CHECK_OK(eas_store_txn_put(&st, 5, "five", 4));
    flash_emu_cut_after(&e, 1);
    CHECK_EQ(eas_store_txn_commit(&st), EAS_ERR_FLASH);
    flash_emu_power_on(&e);
    CHECK_OK(eas_store_mount_indexed(&st, &e.flash, ix, 32));
    CHECK_OK(eas_store_index_check(&st));
    uint8_t b5[8];
    size_t n5 = 0;
    CHECK(is_v(&st, 5, 30, 1) || (eas_store_get(&st, 5, b5, sizeof b5, &n5) == EAS_OK && n5 == 4));
    eas_store_info info;
    CHECK_OK(eas_store_mount(&st, &e.flash));
    CHECK_OK(eas_store_stats(&st, &info));
    CHECK_EQ(info.index_slots, 0);
    CHECK_OK(eas_store_index_check(&st));
    CHECK_OK(eas_store_mount_indexed(&st, &e.flash, ix, 1));
    CHECK_OK(eas_store_stats(&st, &info));
    CHECK_EQ(info.index_slots, 0);
    CHECK_OK(eas_store_mount_indexed(&st, &e.flash, NULL, 64));
    CHECK_OK(eas_store_stats(&st, &info));
    CHECK_EQ(info.index_slots, 0);
    CHECK_EQ(info.live_records, 10);
    CHECK_EQ(eas_store_mount_indexed(NULL, &e.flash, ix, 8), EAS_ERR_ARG);
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}

/* Writes from the walk's callback fill a small table: the purge that would make room must wait (it
 * moves keys), so the index turns partial during the walk; the walk stays exact all the same. */
TEST(store_index_walk_fills_the_table)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 4096, 4, 4) == 0);
    CHECK_OK(eas_store_format_indexed(&st, &e.flash, ix, 64));
    for (uint32_t k = 0; k < 30; k++) CHECK_OK(put_v(&st, 0x5000u + k, 6, 1));
    for (uint32_t k = 0; k < 20; k++) CHECK_OK(put_v(&st, 0x9000u + k, 6, 1));
    seen s;
    memset(&s, 0, sizeof s);
    s.st = &st;
    s.mode = W_CHURN;
    s.next_new = 0x7000;
    CHECK_OK(eas_store_visit_range(&st, 0x5000, 0x5FFF, walk_fn, &s));
    CHECK_EQ(s.n, 30);
    CHECK_EQ(s.dups, 0);
    for (uint32_t k = 0; k < 30; k++) CHECK(seen_has(&s, 0x5000u + k));
    eas_store_info info;
    CHECK_OK(eas_store_stats(&st, &info));
    CHECK_EQ(info.index_complete, 0);
    CHECK_EQ(info.live_records, 60);
    CHECK_OK(eas_store_index_check(&st));
    for (uint32_t k = 0; k < 20; k++) CHECK(absent(&st, 0x9000u + k));
    for (uint32_t k = 0; k < 30; k++) CHECK(is_v(&st, 0x7000u + k, 20, 1));
    /* a later walk, partial: in key order, complete */
    memset(&s, 0, sizeof s);
    CHECK_OK(eas_store_visit_range(&st, 0, UINT32_MAX, walk_fn, &s));
    CHECK_EQ(s.n, 60);
    CHECK_EQ(s.keys[0], 0x5000);
    CHECK_EQ(s.keys[59], 0x701D);
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}

/* A record the index points at, damaged and then dropped by a compaction (it is invisible, so not
 * copied): the index must not keep pointing into the erased sector. */
TEST(store_index_damaged_record_compacted_away)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 2048, 2, 4) == 0);
    CHECK_OK(eas_store_format_indexed(&st, &e.flash, ix, 16));
    CHECK_OK(eas_store_put(&st, 1, "first-version", 13));
    CHECK_OK(eas_store_compact(&st)); /* the first version now sits in another sector */
    CHECK_OK(eas_store_put(&st, 1, "second-version", 14));
    CHECK_OK(eas_store_put(&st, 2, "two", 3));
    uint32_t v = find_bytes(&e, (const uint8_t *)"second-version", 14);
    CHECK(v != UINT32_MAX);
    flash_emu_flip_bit(&e, (uint64_t)(v + 3) * 8u + 4u);
    CHECK_OK(eas_store_compact(&st)); /* drops the damaged version */
    CHECK_OK(eas_store_index_check(&st));
    CHECK_OK(eas_store_put(&st, 3, "three", 5)); /* the erased sector takes new records */
    CHECK_OK(eas_store_compact(&st));
    CHECK_OK(eas_store_index_check(&st));
    uint8_t b[16];
    size_t n;
    CHECK_OK(eas_store_get(&st, 1, b, sizeof b, &n));
    CHECK_EQ(n, 13);
    CHECK_MEM(b, "first-version", 13);
    CHECK_OK(eas_store_index_check(&st));
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}

/* Found by fuzz_store: the index knows a key is deleted, then its tombstone is damaged (the older value
 * is visible again to a scan). A delete that trusted the index would write nothing and be acknowledged,
 * and the value would be back after the next mount. */
TEST(store_index_delete_after_tombstone_damaged)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 2048, 2, 4) == 0);
    CHECK_OK(eas_store_format_indexed(&st, &e.flash, ix, 16));
    CHECK_OK(eas_store_put(&st, 1, "value", 5));
    CHECK_OK(eas_store_del(&st, 1));
    uint32_t tomb = UINT32_MAX;
    for (uint32_t off = 64; off < e.size; off += 32) {
        const uint8_t *p = e.mem + off;
        if (p[0] == 0x45 && p[1] == 0x52 && p[2] == 2 && p[4] == 1 && p[5] == 0) tomb = off;
    }
    CHECK(tomb != UINT32_MAX);
    flash_emu_flip_bit(&e, (uint64_t)(tomb + 9) * 8u);
    unsigned long progs = e.progs;
    CHECK_OK(eas_store_del(&st, 1));
    CHECK(e.progs > progs); /* a new tombstone */
    CHECK_OK(eas_store_mount_indexed(&st, &e.flash, ix, 16));
    CHECK(absent(&st, 1));
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}

/* Found by fuzz_store: a COMMIT damaged after its members were indexed. Until the next mount the index
 * still answers with the members (documented); the cursor must give the answer get gives, also with a
 * partial index (whose cursor finds keys by scanning). After a mount, both give the older value. */
TEST(store_index_commit_damaged_cursor_agrees_with_get)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 2048, 2, 4) == 0);
    CHECK_OK(eas_store_format_indexed(&st, &e.flash, ix, 4)); /* 3 keys: partial */
    for (uint32_t k = 1; k <= 5; k++) CHECK_OK(eas_store_put(&st, k, "old-value", 9));
    CHECK_OK(eas_store_txn_begin(&st));
    CHECK_OK(eas_store_txn_put(&st, 1, "new", 3));
    CHECK_OK(eas_store_txn_commit(&st));
    uint32_t commit = UINT32_MAX;
    for (uint32_t off = 64; off < e.size; off += 32)
        if (e.mem[off] == 0x45 && e.mem[off + 1] == 0x52 && e.mem[off + 2] == 3) commit = off;
    CHECK(commit != UINT32_MAX);
    flash_emu_flip_bit(&e, (uint64_t)(commit + 13) * 8u);
    size_t n, n2;
    uint32_t k;
    CHECK_EQ(eas_store_get(&st, 1, NULL, 0, &n), EAS_ERR_NOSPACE);
    CHECK_OK(eas_store_next(&st, 0, 100, &k, &n2));
    CHECK_EQ(k, 1);
    CHECK_EQ(n2, n);
    CHECK_OK(eas_store_mount_indexed(&st, &e.flash, ix, 4));
    CHECK_EQ(eas_store_get(&st, 1, NULL, 0, &n), EAS_ERR_NOSPACE);
    CHECK_EQ(n, 9);
    CHECK_OK(eas_store_next(&st, 0, 100, &k, &n2));
    CHECK_EQ(n2, 9);
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}

/* Found by fuzz_store: the index points into a sector whose two header copies were damaged (so a
 * compaction neither copies nor erases it); later the sector is reused, and the slot the index names
 * holds a member of an aborted transaction of the same key. Reusing a sector must drop the index's
 * pointers into it, else get would return a value that was never committed. */
TEST(store_index_sector_reused_after_header_damage)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 1024, 3, 4) == 0);
    CHECK_OK(eas_store_format_indexed(&st, &e.flash, ix, 16));
    CHECK_OK(eas_store_put(&st, 1, "committed", 9)); /* sector 0, entry slot 1 */
    CHECK_OK(eas_store_compact(&st));                 /* head: sector 1 */
    flash_emu_flip_bit(&e, 13u * 8u);                 /* both header copies of sector 0 */
    flash_emu_flip_bit(&e, (32u + 13u) * 8u);
    CHECK_OK(eas_store_compact(&st)); /* head: sector 2; victim sector 0 is not valid: left as it is */
    CHECK_OK(eas_store_compact(&st)); /* head: sector 0 again, erased and opened */
    CHECK_OK(eas_store_txn_begin(&st));
    CHECK_OK(eas_store_txn_put(&st, 1, "uncommitted", 11)); /* lands in the slot the index named */
    eas_store_txn_abort(&st);
    CHECK(absent(&st, 1)); /* the committed value went with the sector's headers */
    eas_store_info info;
    CHECK_OK(eas_store_stats(&st, &info));
    CHECK_EQ(info.head_sector, 0);
    CHECK_OK(eas_store_index_check(&st));
    CHECK_OK(eas_store_mount_indexed(&st, &e.flash, ix, 16));
    CHECK(absent(&st, 1));
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}
