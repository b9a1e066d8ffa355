/* State store under power cuts and bit flips, littlefs-style.
 *
 * Power cuts: a deterministic workload (puts, overwrites, deletes, multi-record transactions, several
 * compactions) runs once to count its N flash operations; then for every cut point k in 1..N the
 * workload is replayed on a fresh region with power cut at operation k (torn there), power returns, the
 * store is mounted and the visible state must be exactly the state before the interrupted operation or
 * the state after it: never a mix, never part of a transaction. The store must then take a write that
 * survives another mount. Where the recovering mount itself writes, it is cut again at each of its
 * operations. The sweep over every cut point of a larger workload is tests/stages/30-store-powercut.sh
 * (STORE_SWEEP_STEP=1 and more geometries); here the same sweep runs with smaller workloads.
 *
 * Bit flips: a flipped bit in any record is detected: the key reads an older value or none, never
 * bytes it never had, and flips in superseded records change nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "eas/crc32.h"
#include "eas/store.h"
#include "flash_emu.h"

#define PC_KEYS 12
#define PC_MAX_RECS 24
#define PC_MAX_OPS 400
#define PC_PROBE_KEY 0xFFFF0000u

typedef struct pc_rec {
    uint8_t del;
    uint8_t key; /* index into the key set */
    uint16_t len;
    uint32_t ver;
} pc_rec;

typedef struct pc_op {
    uint8_t txn; /* 0: one put or delete; 1: a transaction of n records */
    uint8_t n;
    pc_rec r[PC_MAX_RECS];
} pc_op;

typedef struct pc_model {
    uint8_t present[PC_KEYS];
    uint16_t len[PC_KEYS];
    uint32_t ver[PC_KEYS];
} pc_model;

typedef struct pc_cfg {
    uint32_t sector_size, sectors, prog;
    int nops;
    uint32_t seed;
    uint32_t keys;    /* keys used, at most PC_KEYS */
    uint32_t max_len; /* value lengths 0..max_len */
    unsigned long step; /* test every step-th cut point (1: all) */
    uint32_t max_recs;  /* records per transaction: 2..max_recs (0: 6) */
    uint32_t index_slots; /* mount with a lookup index of this many slots (0: none); after every mount
                           * the index must agree with a full scan */
} pc_cfg;

static eas_store_index_slot pc_index[64];

static eas_err pc_mount(eas_store *st, flash_emu *e, const pc_cfg *c)
{
    eas_err err = eas_store_mount_indexed(st, &e->flash, pc_index, c->index_slots);
    if (err == EAS_OK && eas_store_index_check(st) != EAS_OK) return EAS_ERR_STORE_CORRUPT;
    return err;
}

static uint32_t pc_key(uint32_t i) { return ((i % 3u + 1u) << 24) | (i * 11u); }

static void pc_value(uint8_t *v, size_t len, uint32_t key, uint32_t ver)
{
    uint32_t x = key ^ (ver * 2654435761u);
    for (size_t i = 0; i < len; i++) {
        x = x * 1664525u + 1013904223u;
        v[i] = (uint8_t)(x >> 24);
    }
}

static uint32_t pc_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (uint32_t)(*s >> 11);
}

static void pc_generate(const pc_cfg *c, pc_op *ops)
{
    uint64_t s = 0x5DEECE66Dull * (c->seed + 1u);
    uint32_t ver = 1;
    for (int i = 0; i < c->nops; i++) {
        pc_op *o = &ops[i];
        uint32_t r = pc_rand(&s) % 100u;
        o->txn = r >= 65;
        uint32_t most = c->max_recs ? c->max_recs : 6u;
        o->n = o->txn ? (uint8_t)(2u + pc_rand(&s) % (most - 1u)) : 1u;
        for (int j = 0; j < o->n; j++) {
            pc_rec *x = &o->r[j];
            x->key = (uint8_t)(pc_rand(&s) % c->keys);
            x->del = o->txn ? pc_rand(&s) % 4u == 0 : r < 15;
            x->len = (uint16_t)(x->del ? 0 : pc_rand(&s) % (c->max_len + 1u));
            x->ver = ver++;
        }
    }
}

static void pc_apply(pc_model *m, const pc_op *o)
{
    for (int j = 0; j < o->n; j++) {
        const pc_rec *x = &o->r[j];
        m->present[x->key] = !x->del;
        m->len[x->key] = x->len;
        m->ver[x->key] = x->ver;
    }
}

static eas_err pc_run(eas_store *st, const pc_op *o)
{
    uint8_t v[EAS_STORE_MAX_VALUE];
    eas_err err;
    if (!o->txn) {
        const pc_rec *x = &o->r[0];
        if (x->del) return eas_store_del(st, pc_key(x->key));
        pc_value(v, x->len, pc_key(x->key), x->ver);
        return eas_store_put(st, pc_key(x->key), v, x->len);
    }
    err = eas_store_txn_begin(st);
    for (int j = 0; j < o->n && err == EAS_OK; j++) {
        const pc_rec *x = &o->r[j];
        if (x->del) {
            err = eas_store_txn_del(st, pc_key(x->key));
        } else {
            pc_value(v, x->len, pc_key(x->key), x->ver);
            err = eas_store_txn_put(st, pc_key(x->key), v, x->len);
        }
    }
    if (err == EAS_OK) err = eas_store_txn_commit(st);
    return err;
}

/* 1 when the store shows exactly model m (plus the probe key when probe is set). */
static int pc_matches(eas_store *st, const pc_model *m, const pc_cfg *c, int probe)
{
    uint8_t want[EAS_STORE_MAX_VALUE], got[EAS_STORE_MAX_VALUE];
    size_t n;
    uint32_t live = 0;
    for (uint32_t i = 0; i < c->keys; i++) {
        eas_err err = eas_store_get(st, pc_key(i), got, sizeof got, &n);
        if (!m->present[i]) {
            if (err != EAS_ERR_NOT_FOUND) return 0;
            continue;
        }
        live++;
        pc_value(want, m->len[i], pc_key(i), m->ver[i]);
        if (err != EAS_OK || n != m->len[i] || memcmp(want, got, n) != 0) return 0;
    }
    if (probe) {
        if (eas_store_get(st, PC_PROBE_KEY, got, sizeof got, &n) != EAS_OK || n != 5 || memcmp(got, "probe", 5))
            return 0;
        live++;
    }
    eas_store_info info;
    if (eas_store_stats(st, &info) != EAS_OK) return 0;
    return info.live_records == live;
}

/* 1 or 2 when the store shows before or after, 0 otherwise. */
static int pc_which(eas_store *st, const pc_model *before, const pc_model *after, const pc_cfg *c, int probe)
{
    if (pc_matches(st, before, c, probe)) return 1;
    if (pc_matches(st, after, c, probe)) return 2;
    return 0;
}

typedef struct pc_result {
    unsigned long total_ops;  /* flash operations of the whole workload */
    unsigned long cut_points; /* cut points checked */
    unsigned long mount_cuts; /* extra cuts inside a recovering mount */
    unsigned long compactions;
    unsigned long saw_before, saw_after;
} pc_result;

static void pc_sweep(const pc_cfg *c, pc_result *res)
{
    static pc_op ops[PC_MAX_OPS];
    static unsigned long end_ops[PC_MAX_OPS];
    flash_emu e, snap;
    eas_store st;
    pc_model m;
    memset(res, 0, sizeof *res);
    CHECK(c->nops <= PC_MAX_OPS && c->keys <= PC_KEYS && c->index_slots <= 64);
    pc_generate(c, ops);
    CHECK(flash_emu_init(&e, c->sector_size, c->sectors, c->prog) == 0);
    CHECK(flash_emu_init(&snap, c->sector_size, c->sectors, c->prog) == 0);

    /* the run without cuts: counts the operations, and checks the workload against the model */
    memset(&m, 0, sizeof m);
    CHECK_OK(eas_store_format_indexed(&st, &e.flash, pc_index, c->index_slots));
    unsigned long base = e.ops;
    for (int i = 0; i < c->nops; i++) {
        CHECK_OK(pc_run(&st, &ops[i]));
        pc_apply(&m, &ops[i]);
        end_ops[i] = e.ops - base;
    }
    CHECK(pc_matches(&st, &m, c, 0));
    CHECK_OK(eas_store_index_check(&st));
    eas_store_info info;
    CHECK_OK(eas_store_stats(&st, &info));
    CHECK_EQ(info.index_slots, c->index_slots);
    if (c->index_slots) CHECK_EQ(info.index_complete, c->keys + 1u < c->index_slots / 2u);
    res->compactions = info.generation - 1u;
    CHECK_MSG(res->compactions >= 3, "the workload compacts only %lu times", res->compactions);
    res->total_ops = end_ops[c->nops - 1];

    for (unsigned long k = 1; k <= res->total_ops; k += c->step) {
        flash_emu_fill(&e, 0, 0xFF, e.size);
        flash_emu_power_on(&e);
        flash_emu_seed(&e, k * 7919u + c->seed);
        e.noise = (int)(k & 1u);
        CHECK_OK(eas_store_format_indexed(&st, &e.flash, pc_index, c->index_slots));
        flash_emu_cut_after(&e, k);
        unsigned long cuts = e.cuts;
        pc_model before;
        memset(&before, 0, sizeof before);
        int j;
        for (j = 0; j < c->nops; j++) {
            if (pc_run(&st, &ops[j]) != EAS_OK) break;
            pc_apply(&before, &ops[j]);
        }
        CHECK_MSG(j < c->nops && e.cuts == cuts + 1, "cut %lu: no operation failed", k);
        CHECK_MSG(k <= end_ops[j] && (j == 0 || k > end_ops[j - 1]), "cut %lu: op %d failed, not the one cut", k, j);
        pc_model after = before;
        pc_apply(&after, &ops[j]);

        flash_emu_power_on(&e);
        flash_emu_copy_image(&snap, &e);
        unsigned long ops0 = e.ops;
        eas_err err = pc_mount(&st, &e, c);
        CHECK_MSG(err == EAS_OK, "cut %lu (op %d): mount: %s", k, j, eas_err_name(err));
        unsigned long mount_ops = e.ops - ops0;
        int which = pc_which(&st, &before, &after, c, 0);
        CHECK_MSG(which != 0, "cut %lu (op %d, %s): state is neither before nor after", k, j,
                  ops[j].txn ? "txn" : "single");
        if (which == 1) res->saw_before++;
        else res->saw_after++;
        /* usable: a put lands and survives a mount */
        CHECK_OK(eas_store_put(&st, PC_PROBE_KEY, "probe", 5));
        CHECK_MSG(eas_store_index_check(&st) == EAS_OK, "cut %lu: index differs after the probe", k);
        CHECK_OK(pc_mount(&st, &e, c));
        CHECK_MSG(pc_matches(&st, which == 1 ? &before : &after, c, 1), "cut %lu: state changed after the probe", k);
        CHECK_MSG(e.violations == 0, "cut %lu: flash rule broken: %s", k, e.last_violation);
        res->cut_points++;

        /* the recovering mount wrote: cut it too, at each of its operations */
        for (unsigned long mk = 1; mk <= mount_ops; mk++) {
            flash_emu_copy_image(&e, &snap);
            flash_emu_seed(&e, k * 31u + mk);
            flash_emu_cut_after(&e, mk);
            CHECK_EQ(eas_store_mount_indexed(&st, &e.flash, pc_index, c->index_slots), EAS_ERR_FLASH);
            flash_emu_power_on(&e);
            err = pc_mount(&st, &e, c);
            CHECK_MSG(err == EAS_OK, "cut %lu, mount cut %lu: mount: %s", k, mk, eas_err_name(err));
            CHECK_MSG(pc_which(&st, &before, &after, c, 0) != 0, "cut %lu, mount cut %lu: bad state", k, mk);
            CHECK_OK(eas_store_put(&st, PC_PROBE_KEY, "probe", 5));
            CHECK_MSG(e.violations == 0, "cut %lu/%lu: flash rule broken: %s", k, mk, e.last_violation);
            res->mount_cuts++;
        }
    }
    flash_emu_free(&e);
    flash_emu_free(&snap);
}

static void pc_report(const char *name, const pc_result *r)
{
    if (getenv("CHECK_VERBOSE"))
        printf("  %s: %lu flash ops, %lu cut points, %lu cuts in recovery, %lu compactions, "
               "before/after %lu/%lu\n",
               name, r->total_ops, r->cut_points, r->mount_cuts, r->compactions, r->saw_before, r->saw_after);
}

TEST(store_powercut_2_sectors)
{
    pc_cfg c = {1024, 2, 4, 70, 1, 6, 40, 1, 6, 0};
    pc_result r;
    pc_sweep(&c, &r);
    if (check_failed_now()) return;
    CHECK(r.cut_points == r.total_ops && r.saw_before > 0 && r.saw_after > 0 && r.mount_cuts > 0);
    pc_report("2x1024 prog 4", &r);
}

TEST(store_powercut_4_sectors_prog16)
{
    pc_cfg c = {1024, 4, 16, 70, 2, 10, 60, 1, 6, 0};
    pc_result r;
    pc_sweep(&c, &r);
    if (check_failed_now()) return;
    CHECK(r.cut_points == r.total_ops && r.mount_cuts > 0);
    pc_report("4x1024 prog 16", &r);
}

TEST(store_powercut_3_sectors_big_values)
{
    /* values of several copy chunks; every 3rd cut point */
    pc_cfg c = {2048, 3, 1, 50, 3, 8, 300, 3, 6, 0};
    pc_result r;
    pc_sweep(&c, &r);
    if (check_failed_now()) return;
    CHECK(r.cut_points >= r.total_ops / 3);
    pc_report("3x2048 prog 1", &r);
}

TEST(store_powercut_txn_spanning_sectors)
{
    /* transactions of up to 20 records over 512-byte sectors: most cross a sector */
    pc_cfg c = {1024, 4, 4, 24, 4, 12, 30, 1, 20, 0};
    pc_result r;
    pc_sweep(&c, &r);
    if (check_failed_now()) return;
    CHECK(r.cut_points == r.total_ops && r.mount_cuts > 0);
    pc_report("4x1024 prog 4, big transactions", &r);
}

/* The same sweeps with a lookup index: complete (64 slots), and partial (6 slots for 10..12 keys:
 * the keys it lacks are scanned for). */
TEST(store_powercut_2_sectors_indexed)
{
    pc_cfg c = {1024, 2, 4, 70, 1, 6, 40, 1, 6, 64};
    pc_result r;
    pc_sweep(&c, &r);
    if (check_failed_now()) return;
    CHECK(r.cut_points == r.total_ops && r.saw_before > 0 && r.saw_after > 0 && r.mount_cuts > 0);
    pc_report("2x1024 prog 4, index", &r);
}

TEST(store_powercut_4_sectors_prog16_small_index)
{
    pc_cfg c = {1024, 4, 16, 70, 2, 10, 60, 1, 6, 6};
    pc_result r;
    pc_sweep(&c, &r);
    if (check_failed_now()) return;
    CHECK(r.cut_points == r.total_ops && r.mount_cuts > 0);
    pc_report("4x1024 prog 16, partial index", &r);
}

TEST(store_powercut_txn_spanning_sectors_indexed)
{
    pc_cfg c = {1024, 4, 4, 24, 4, 12, 30, 1, 20, 64};
    pc_result r;
    pc_sweep(&c, &r);
    if (check_failed_now()) return;
    CHECK(r.cut_points == r.total_ops && r.mount_cuts > 0);
    pc_report("4x1024 prog 4, big transactions, index", &r);
}

/* ---- bit flips ---- */

/* Finds the entry slots of key in the image, in write order within a sector (oldest first): the
 * format of docs/STORE.md. */
static int find_entries(const flash_emu *e, uint32_t key, uint32_t *offs, int cap)
{
    int n = 0;
    uint32_t ss = e->flash.sector_size;
    for (uint32_t s = 0; s < e->flash.sector_count; s++)
        for (uint32_t off = ss - 32; off >= 64; off -= 32) {
            const uint8_t *p = e->mem + s * ss + off;
            uint32_t k = (uint32_t)p[4] | ((uint32_t)p[5] << 8) | ((uint32_t)p[6] << 16) | ((uint32_t)p[7] << 24);
            if (p[0] == 0x45 && p[1] == 0x52 && (p[2] == 1 || p[2] == 2) && k == key && n < cap) offs[n++] = s * ss + off;
        }
    return n;
}

static uint32_t find_bytes(const flash_emu *e, const uint8_t *pat, size_t len)
{
    for (uint32_t i = 0; i + len <= e->size; i++)
        if (memcmp(e->mem + i, pat, len) == 0) return i;
    return UINT32_MAX;
}

static int get_is(eas_store *st, uint32_t key, const char *want)
{
    uint8_t buf[64];
    size_t n;
    if (!want) return eas_store_get(st, key, buf, sizeof buf, &n) == EAS_ERR_NOT_FOUND;
    return eas_store_get(st, key, buf, sizeof buf, &n) == EAS_OK && n == strlen(want) && !memcmp(buf, want, n);
}

TEST(store_bitflip_targeted)
{
    flash_emu e, img;
    eas_store st;
    CHECK(flash_emu_init(&e, 2048, 2, 4) == 0);
    CHECK(flash_emu_init(&img, 2048, 2, 4) == 0);
    CHECK_OK(eas_store_format(&st, &e.flash));
    CHECK_OK(eas_store_put(&st, 1, "one-old-value", 13));
    CHECK_OK(eas_store_put(&st, 2, "two-only", 8));
    CHECK_OK(eas_store_put(&st, 1, "one-new-value", 13));
    CHECK_OK(eas_store_txn_begin(&st));
    CHECK_OK(eas_store_txn_put(&st, 3, "txn-three", 9));
    CHECK_OK(eas_store_txn_put(&st, 2, "txn-two", 7));
    CHECK_OK(eas_store_txn_commit(&st));
    flash_emu_copy_image(&img, &e);
    uint32_t ent1[4], ent2[4];
    CHECK_EQ(find_entries(&e, 1, ent1, 4), 2);
    CHECK_EQ(find_entries(&e, 2, ent2, 4), 2);
    uint32_t old1 = find_bytes(&e, (const uint8_t *)"one-old-value", 13);
    uint32_t new1 = find_bytes(&e, (const uint8_t *)"one-new-value", 13);
    CHECK(old1 != UINT32_MAX && new1 != UINT32_MAX);

    /* newest value damaged: the older version */
    flash_emu_flip_bit(&e, (uint64_t)(new1 + 4) * 8u + 2u);
    CHECK_OK(eas_store_mount(&st, &e.flash));
    CHECK(get_is(&st, 1, "one-old-value"));
    CHECK(get_is(&st, 2, "txn-two"));
    /* newest entry (header) damaged: also the older version, and writes go on */
    flash_emu_copy_image(&e, &img);
    flash_emu_flip_bit(&e, (uint64_t)(ent1[1] + 9) * 8u);
    CHECK_OK(eas_store_mount(&st, &e.flash));
    CHECK(get_is(&st, 1, "one-old-value"));
    CHECK_OK(eas_store_put(&st, 4, "four", 4));
    CHECK_OK(eas_store_mount(&st, &e.flash));
    CHECK(get_is(&st, 4, "four"));
    CHECK(get_is(&st, 3, "txn-three"));
    /* superseded value or entry damaged: nothing changes */
    flash_emu_copy_image(&e, &img);
    flash_emu_flip_bit(&e, (uint64_t)old1 * 8u + 7u);
    flash_emu_flip_bit(&e, (uint64_t)(ent1[0] + 20) * 8u + 1u);
    CHECK_OK(eas_store_mount(&st, &e.flash));
    CHECK(get_is(&st, 1, "one-new-value"));
    /* the only version damaged: not found, never garbage */
    flash_emu_copy_image(&e, &img);
    uint32_t v3 = find_bytes(&e, (const uint8_t *)"txn-three", 9);
    flash_emu_flip_bit(&e, (uint64_t)v3 * 8u);
    CHECK_OK(eas_store_mount(&st, &e.flash));
    CHECK(get_is(&st, 3, NULL));
    CHECK(get_is(&st, 2, "txn-two")); /* per record: the rest of the transaction stands */
    /* the commit damaged: the whole transaction is gone, older values come back */
    flash_emu_copy_image(&e, &img);
    uint32_t commit = UINT32_MAX;
    for (uint32_t off = 2048 - 32; off >= 64; off -= 32)
        if (e.mem[off] == 0x45 && e.mem[off + 1] == 0x52 && e.mem[off + 2] == 3) commit = off;
    CHECK(commit != UINT32_MAX);
    flash_emu_flip_bit(&e, (uint64_t)(commit + 12) * 8u + 5u);
    CHECK_OK(eas_store_mount(&st, &e.flash));
    CHECK(get_is(&st, 3, NULL));
    CHECK(get_is(&st, 2, "two-only"));
    CHECK(get_is(&st, 1, "one-new-value"));
    /* a sector header copy damaged: the other copy carries the sector */
    flash_emu_copy_image(&e, &img);
    flash_emu_flip_bit(&e, 13u * 8u);
    CHECK_OK(eas_store_mount(&st, &e.flash));
    CHECK(get_is(&st, 1, "one-new-value"));
    CHECK(get_is(&st, 3, "txn-three"));
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
    flash_emu_free(&img);
}

/* Every bit of a store that has history, flipped in turn: mount works, each key reads a value it
 * really had at some point (or nothing), and the store takes new writes. */
TEST(store_bitflip_sweep)
{
    enum { KEYS = 6, VERSIONS = 5 };
    flash_emu e, img;
    eas_store st;
    CHECK(flash_emu_init(&e, 1024, 2, 4) == 0);
    CHECK(flash_emu_init(&img, 1024, 2, 4) == 0);
    CHECK_OK(eas_store_format(&st, &e.flash));
    uint16_t lens[KEYS][VERSIONS];
    for (int v = 0; v < VERSIONS; v++)
        for (int k = 0; k < KEYS; k++) {
            uint8_t val[64];
            lens[k][v] = (uint16_t)(5 + (k * 7 + v * 3) % 40);
            pc_value(val, lens[k][v], (uint32_t)k, (uint32_t)v);
            if (v == 2 && k % 2) {
                CHECK_OK(eas_store_txn_begin(&st));
                CHECK_OK(eas_store_txn_put(&st, (uint32_t)k, val, lens[k][v]));
                CHECK_OK(eas_store_txn_put(&st, 100u + (uint32_t)k, val, 3));
                CHECK_OK(eas_store_txn_commit(&st));
            } else {
                CHECK_OK(eas_store_put(&st, (uint32_t)k, val, lens[k][v]));
            }
        }
    CHECK_OK(eas_store_del(&st, 0));
    eas_store_info info;
    CHECK_OK(eas_store_stats(&st, &info));
    CHECK(info.generation >= 2); /* history spans a compaction */
    flash_emu_copy_image(&img, &e);
    unsigned long flips = 0, degraded = 0;
    for (uint64_t bit = 0; bit < (uint64_t)e.size * 8u; bit += 3) {
        flash_emu_copy_image(&e, &img);
        flash_emu_flip_bit(&e, bit);
        eas_err err = eas_store_mount(&st, &e.flash);
        CHECK_MSG(err == EAS_OK, "bit %llu: mount: %s", (unsigned long long)bit, eas_err_name(err));
        for (int k = 0; k < KEYS; k++) {
            uint8_t got[64], want[64];
            size_t n;
            err = eas_store_get(&st, (uint32_t)k, got, sizeof got, &n);
            if (err == EAS_ERR_NOT_FOUND) {
                if (k != 0) degraded++;
                continue;
            }
            CHECK_MSG(err == EAS_OK, "bit %llu key %d: %s", (unsigned long long)bit, k, eas_err_name(err));
            int ok = 0;
            for (int v = 0; v < VERSIONS && !ok; v++) {
                pc_value(want, lens[k][v], (uint32_t)k, (uint32_t)v);
                ok = n == lens[k][v] && memcmp(got, want, n) == 0;
                if (ok && v != VERSIONS - 1) degraded++;
            }
            CHECK_MSG(ok, "bit %llu key %d: a value it never had", (unsigned long long)bit, k);
        }
        CHECK_MSG(eas_store_put(&st, 7, "after", 5) == EAS_OK, "bit %llu: put failed", (unsigned long long)bit);
        CHECK_MSG(get_is(&st, 7, "after"), "bit %llu: put not readable", (unsigned long long)bit);
        CHECK_MSG(e.violations == 0, "bit %llu: %s", (unsigned long long)bit, e.last_violation);
        flips++;
    }
    CHECK(flips > 5000);
    CHECK(degraded > 0); /* some flips did hit live records */
    flash_emu_free(&e);
    flash_emu_free(&img);
}

/* Values come from the server: one made of well-formed entries must never be read as entries, even
 * when the sector is filled to the last slot (the guard slot keeps the entry scan out of the values). */
TEST(store_value_bytes_never_parsed_as_entries)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 1024, 2, 4) == 0);
    CHECK_OK(eas_store_format(&st, &e.flash));
    /* an entry (format of docs/STORE.md): PUT, key 0xF0F0F0F0, empty value */
    uint8_t forged[32];
    memset(forged, 0, sizeof forged);
    forged[0] = 0x45;
    forged[1] = 0x52;
    forged[2] = 1;
    memset(forged + 4, 0xF0, 4);
    forged[8] = 0x77; /* a high sequence number */
    forged[11] = 0x7F;
    uint32_t crc = eas_crc32(0, forged, 28);
    for (int i = 0; i < 4; i++) forged[28 + i] = (uint8_t)(crc >> (8 * i));
    eas_err err = EAS_OK;
    uint32_t k;
    for (k = 1; k < 40 && err == EAS_OK; k++) err = eas_store_put(&st, k, forged, sizeof forged);
    CHECK_EQ(err, EAS_ERR_STORE_FULL);
    for (uint32_t d = 1; d < 4; d++) CHECK_OK(eas_store_del(&st, d));
    for (int round = 0; round < 3; round++) {
        CHECK_OK(eas_store_mount(&st, &e.flash));
        size_t n;
        CHECK_EQ(eas_store_get(&st, 0xF0F0F0F0u, NULL, 0, &n), EAS_ERR_NOT_FOUND);
        uint32_t key;
        CHECK_OK(eas_store_next(&st, 0, UINT32_MAX, &key, &n));
        CHECK_EQ(key, 4 + (uint32_t)round);
        CHECK_EQ(eas_store_next(&st, k - 1, UINT32_MAX, &key, &n), EAS_ERR_NOT_FOUND);
        eas_store_del(&st, 4 + (uint32_t)round);
    }
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}

#ifdef EAS_STORE_SWEEP_LONG
/* Built only by tests/stages/30-store-powercut.sh: every cut point of longer workloads, more seeds and
 * geometries (every program unit size up to 32, values up to the limit). */
static void pc_long(const pc_cfg *c, const char *name)
{
    pc_result r;
    pc_sweep(c, &r);
    if (check_failed_now()) return;
    CHECK(r.cut_points == r.total_ops && r.saw_before > 0 && r.saw_after > 0);
    printf("  %s: %lu flash ops, %lu cut points, %lu cuts in recovery, %lu compactions, before/after %lu/%lu\n",
           name, r.total_ops, r.cut_points, r.mount_cuts, r.compactions, r.saw_before, r.saw_after);
}

TEST(store_sweep_long_2x2048_prog8)
{
    pc_cfg c = {2048, 2, 8, 220, 10, 12, 100, 1, 8, 0};
    pc_long(&c, "2x2048 prog 8");
}
TEST(store_sweep_long_2x2048_prog8_seed2)
{
    pc_cfg c = {2048, 2, 8, 220, 11, 12, 100, 1, 8, 0};
    pc_long(&c, "2x2048 prog 8 seed 2");
}
TEST(store_sweep_long_4x1024_big_txn)
{
    pc_cfg c = {1024, 4, 4, 150, 12, 12, 40, 1, 20, 0};
    pc_long(&c, "4x1024 prog 4 big transactions");
}
TEST(store_sweep_long_3x2048_max_values)
{
    pc_cfg c = {2048, 3, 1, 120, 13, 6, EAS_STORE_MAX_VALUE, 1, 3, 0};
    pc_long(&c, "3x2048 prog 1 values up to the limit");
}
TEST(store_sweep_long_2x1024_prog32)
{
    pc_cfg c = {1024, 2, 32, 120, 14, 5, 40, 1, 4, 0};
    pc_long(&c, "2x1024 prog 32");
}
TEST(store_sweep_long_5x1024_prog2)
{
    pc_cfg c = {1024, 5, 2, 200, 15, 12, 60, 1, 6, 0};
    pc_long(&c, "5x1024 prog 2");
}
/* With a lookup index: every mount's index must agree with a full scan. */
TEST(store_sweep_long_2x2048_prog8_indexed)
{
    pc_cfg c = {2048, 2, 8, 220, 10, 12, 100, 1, 8, 64};
    pc_long(&c, "2x2048 prog 8, index");
}
TEST(store_sweep_long_4x1024_big_txn_indexed)
{
    pc_cfg c = {1024, 4, 4, 150, 12, 12, 40, 1, 20, 64};
    pc_long(&c, "4x1024 prog 4 big transactions, index");
}
TEST(store_sweep_long_3x2048_max_values_indexed)
{
    pc_cfg c = {2048, 3, 1, 120, 13, 6, EAS_STORE_MAX_VALUE, 1, 3, 16};
    pc_long(&c, "3x2048 prog 1 values up to the limit, index");
}
TEST(store_sweep_long_5x1024_prog2_small_index)
{
    pc_cfg c = {1024, 5, 2, 200, 15, 12, 60, 1, 6, 8};
    pc_long(&c, "5x1024 prog 2, partial index");
}
#endif

/* Found by fuzz_store: with both header copies of the head damaged, the sector is no longer part of
 * the store; a write into it must not be acknowledged. */
TEST(store_head_header_lost_write_not_acknowledged)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 1024, 3, 4) == 0);
    CHECK_OK(eas_store_format(&st, &e.flash));
    CHECK_OK(eas_store_put(&st, 1, "one", 3));
    eas_store_info info;
    CHECK_OK(eas_store_stats(&st, &info));
    uint32_t head = info.head_sector * 1024u;
    flash_emu_flip_bit(&e, (uint64_t)(head + 13) * 8u);      /* copy A */
    flash_emu_flip_bit(&e, (uint64_t)(head + 32 + 13) * 8u); /* copy B */
    CHECK_EQ(eas_store_put(&st, 2, "two", 3), EAS_ERR_FLASH);
    CHECK_EQ(eas_store_put(&st, 2, "two", 3), EAS_ERR_STATE); /* must be mounted again */
    eas_err err = eas_store_mount(&st, &e.flash);
    CHECK_EQ(err, EAS_ERR_STORE_CORRUPT); /* the only sector is gone */
    CHECK_OK(eas_store_format(&st, &e.flash));
    CHECK_OK(eas_store_put(&st, 2, "two", 3));
    CHECK(get_is(&st, 2, "two"));
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}

/* Found by fuzz_store: a sector unreadable at mount (its records not counted then) that reads valid
 * again later must not shadow what was written since. */
TEST(store_sector_readable_again_is_ignored)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 1024, 3, 4) == 0);
    CHECK_OK(eas_store_format(&st, &e.flash));
    CHECK_OK(eas_store_put(&st, 1, "old", 3));
    CHECK_OK(eas_store_compact(&st));
    CHECK_OK(eas_store_put(&st, 1, "newer", 5));
    eas_store_info info;
    CHECK_OK(eas_store_stats(&st, &info));
    uint32_t head = info.head_sector * 1024u;
    flash_emu_flip_bit(&e, (uint64_t)(head + 13) * 8u);
    flash_emu_flip_bit(&e, (uint64_t)(head + 32 + 13) * 8u);
    CHECK_OK(eas_store_mount(&st, &e.flash)); /* the older sector is the head now */
    CHECK(get_is(&st, 1, "old"));
    CHECK_OK(eas_store_put(&st, 1, "latest", 6));
    CHECK(get_is(&st, 1, "latest"));
    flash_emu_flip_bit(&e, (uint64_t)(head + 13) * 8u); /* the damaged sector reads valid again */
    flash_emu_flip_bit(&e, (uint64_t)(head + 32 + 13) * 8u);
    CHECK(get_is(&st, 1, "latest"));
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}
