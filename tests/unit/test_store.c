/* State store: the flash emulator's rules, and the store's API (get/put/del, transactions,
 * iteration, compaction under churn, full store, geometry). Power cuts and bit flips: test_store_powercut.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "eas/store.h"
#include "flash_emu.h"

/* ---- helpers ---- */

static void fill_value(uint8_t *v, size_t len, uint32_t key, uint32_t version)
{
    uint32_t x = key * 2654435761u + version * 40503u + 7u;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        v[i] = (uint8_t)(x >> 16);
    }
}

/* 1 when key holds exactly (len bytes of fill_value(key, version)). */
static int has_value(eas_store *st, uint32_t key, size_t len, uint32_t version)
{
    uint8_t want[EAS_STORE_MAX_VALUE], got[EAS_STORE_MAX_VALUE];
    size_t n = 0;
    fill_value(want, len, key, version);
    if (eas_store_get(st, key, got, sizeof got, &n) != EAS_OK) return 0;
    return n == len && memcmp(want, got, len) == 0;
}

static int put_version(eas_store *st, uint32_t key, size_t len, uint32_t version)
{
    uint8_t v[EAS_STORE_MAX_VALUE];
    fill_value(v, len, key, version);
    return (int)eas_store_put(st, key, v, len);
}

/* ---- the emulator itself: the tests below rely on it catching misuse ---- */

TEST(store_emu_enforces_nor_rules)
{
    flash_emu e;
    CHECK(flash_emu_init(&e, 256, 2, 4) == 0);
    const eas_flash *f = &e.flash;
    uint8_t b[8] = {0x0F, 0xF0, 0x55, 0xAA, 1, 2, 3, 4}, r[8];
    CHECK_EQ(f->prog(f->ctx, 2, b, 4), EAS_ERR_FLASH); /* misaligned address */
    CHECK_EQ(f->prog(f->ctx, 4, b, 3), EAS_ERR_FLASH); /* partial unit */
    CHECK_EQ(f->prog(f->ctx, 510, b, 4), EAS_ERR_FLASH);
    CHECK_EQ(e.violations, 3);
    CHECK_OK(f->prog(f->ctx, 8, b, 8));
    CHECK_OK(f->read(f->ctx, 8, r, 8));
    CHECK_MEM(r, b, 8);
    CHECK_EQ(f->prog(f->ctx, 12, b, 4), EAS_ERR_FLASH); /* programmed twice */
    CHECK_EQ(e.violations, 4);
    /* bits are only cleared: bytes programmed by someone else keep their zeros */
    flash_emu_fill(&e, 256, 0x0F, 4);
    memset(e.written + 256, 0, 4);
    uint8_t ff[4] = {0xF0, 0xFF, 0xFF, 0xFF};
    CHECK_OK(f->prog(f->ctx, 256, ff, 4));
    CHECK_EQ(e.mem[256], 0x00);
    CHECK_EQ(e.mem[257], 0x0F);
    CHECK_OK(f->erase(f->ctx, 0));
    CHECK_EQ(e.mem[8], 0xFF);
    CHECK_OK(f->prog(f->ctx, 8, b, 8)); /* erased again: programmable again */
    CHECK_EQ(f->erase(f->ctx, 2), EAS_ERR_FLASH);
    CHECK_EQ(e.progs, 3);
    CHECK_EQ(e.erases, 1);
    CHECK_EQ(e.ops, 4);
    flash_emu_free(&e);
}

TEST(store_emu_power_cut_and_flip)
{
    flash_emu e;
    CHECK(flash_emu_init(&e, 256, 2, 4) == 0);
    const eas_flash *f = &e.flash;
    uint8_t z[16], r[16];
    memset(z, 0, sizeof z);
    flash_emu_seed(&e, 5);
    flash_emu_cut_after(&e, 2);
    CHECK_OK(f->prog(f->ctx, 0, z, 16));
    CHECK_EQ(f->prog(f->ctx, 16, z, 16), EAS_ERR_FLASH); /* torn */
    CHECK_EQ(e.cuts, 1);
    CHECK_EQ(f->read(f->ctx, 0, r, 4), EAS_ERR_FLASH);   /* no power */
    CHECK_EQ(f->erase(f->ctx, 1), EAS_ERR_FLASH);
    CHECK_EQ(e.erases, 0);
    flash_emu_power_on(&e);
    CHECK_OK(f->read(f->ctx, 16, r, 16));
    size_t prefix = 0;
    while (prefix < 16 && r[prefix] == 0) prefix++;
    for (size_t i = prefix; i < 16; i++) CHECK_EQ(r[i], 0xFF); /* no noise asked: a clean prefix */
    CHECK_EQ(e.violations, 0);
    /* torn erase: some of the sector is left erased, not necessarily all */
    flash_emu_cut_after(&e, 1);
    CHECK_EQ(f->erase(f->ctx, 0), EAS_ERR_FLASH);
    flash_emu_power_on(&e);
    flash_emu_fill(&e, 300, 0xFF, 1);
    flash_emu_flip_bit(&e, 300u * 8u + 3u);
    CHECK_EQ(e.mem[300], 0xF7);
    flash_emu_free(&e);
}

/* ---- geometry and mount ---- */

TEST(store_geometry_rejected)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 4096, 4, 4) == 0);
    eas_flash g = e.flash;
    g.sector_count = 1;
    CHECK_EQ(eas_store_format(&st, &g), EAS_ERR_STORE_GEOMETRY);
    CHECK_EQ(eas_store_mount(&st, &g), EAS_ERR_STORE_GEOMETRY);
    g = e.flash;
    g.prog_size = 3; /* not a power of two */
    CHECK_EQ(eas_store_mount(&st, &g), EAS_ERR_STORE_GEOMETRY);
    g.prog_size = 0;
    CHECK_EQ(eas_store_mount(&st, &g), EAS_ERR_STORE_GEOMETRY);
    g.prog_size = EAS_STORE_MAX_PROG_SIZE * 2u;
    CHECK_EQ(eas_store_mount(&st, &g), EAS_ERR_STORE_GEOMETRY);
    g = e.flash;
    g.sector_size = 4080; /* not a multiple of the 32-byte slot */
    CHECK_EQ(eas_store_mount(&st, &g), EAS_ERR_STORE_GEOMETRY);
    g.sector_size = 512; /* cannot hold one EAS_STORE_MAX_VALUE record */
    CHECK_EQ(eas_store_mount(&st, &g), EAS_ERR_STORE_GEOMETRY);
    g = e.flash;
    g.erase = NULL;
    CHECK_EQ(eas_store_mount(&st, &g), EAS_ERR_ARG);
    CHECK_EQ(eas_store_mount(&st, NULL), EAS_ERR_ARG);
    CHECK_EQ(eas_store_put(&st, 1, "x", 1), EAS_ERR_STATE); /* never mounted */
    CHECK_EQ(e.progs + e.erases, 0);                      /* nothing touched */
    CHECK_OK(eas_store_format(&st, &e.flash));
    flash_emu_free(&e);
}

TEST(store_mount_empty_foreign_and_format)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 2048, 2, 4) == 0);
    CHECK_EQ(eas_store_mount(&st, &e.flash), EAS_ERR_STORE_EMPTY);
    CHECK_EQ(e.progs + e.erases, 0); /* mount never formats */
    flash_emu_fill(&e, 1000, 0x12, 20);
    CHECK_EQ(eas_store_mount(&st, &e.flash), EAS_ERR_STORE_CORRUPT);
    CHECK_OK(eas_store_format(&st, &e.flash));
    CHECK_OK(eas_store_put(&st, 7, "seven", 5));
    CHECK_OK(eas_store_mount(&st, &e.flash));
    uint8_t buf[8];
    size_t n;
    CHECK_OK(eas_store_get(&st, 7, buf, sizeof buf, &n));
    CHECK_EQ(n, 5);
    CHECK_MEM(buf, "seven", 5);
    /* the same bytes seen with another geometry are not this store's */
    eas_flash other = e.flash;
    other.prog_size = 8;
    CHECK_EQ(eas_store_mount(&st, &other), EAS_ERR_STORE_CORRUPT);
    other = e.flash;
    other.sector_size = 1024;
    other.sector_count = 4;
    CHECK_EQ(eas_store_mount(&st, &other), EAS_ERR_STORE_CORRUPT);
    CHECK_OK(eas_store_format(&st, &e.flash));
    CHECK_EQ(eas_store_get(&st, 7, buf, sizeof buf, &n), EAS_ERR_NOT_FOUND);
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}

/* ---- basics ---- */

TEST(store_put_get_overwrite_delete)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 4096, 2, 4) == 0);
    CHECK_OK(eas_store_format(&st, &e.flash));
    uint8_t buf[64];
    size_t n = 99;
    CHECK_EQ(eas_store_get(&st, 1, buf, sizeof buf, &n), EAS_ERR_NOT_FOUND);
    CHECK_EQ(n, 0);
    CHECK_OK(eas_store_put(&st, 1, "alpha", 5));
    CHECK_OK(eas_store_put(&st, 2, "beta", 4));
    CHECK_OK(eas_store_get(&st, 1, buf, sizeof buf, &n));
    CHECK_EQ(n, 5);
    CHECK_MEM(buf, "alpha", 5);
    CHECK_OK(eas_store_put(&st, 1, "ALPHA-2", 7));
    CHECK_OK(eas_store_get(&st, 1, buf, sizeof buf, &n));
    CHECK_EQ(n, 7);
    CHECK_MEM(buf, "ALPHA-2", 7);
    /* too small a buffer: the length is still told */
    CHECK_EQ(eas_store_get(&st, 1, buf, 3, &n), EAS_ERR_NOSPACE);
    CHECK_EQ(n, 7);
    CHECK_EQ(eas_store_get(&st, 1, NULL, 0, &n), EAS_ERR_NOSPACE);
    CHECK_EQ(n, 7);
    CHECK_OK(eas_store_del(&st, 1));
    CHECK_EQ(eas_store_get(&st, 1, buf, sizeof buf, &n), EAS_ERR_NOT_FOUND);
    unsigned long progs = e.progs;
    CHECK_OK(eas_store_del(&st, 1));   /* already gone: nothing written */
    CHECK_OK(eas_store_del(&st, 999)); /* never there */
    CHECK_EQ(e.progs, progs);
    CHECK_OK(eas_store_get(&st, 2, buf, sizeof buf, &n));
    CHECK_MEM(buf, "beta", 4);
    /* an empty value is a value, not a delete */
    CHECK_OK(eas_store_put(&st, 3, NULL, 0));
    CHECK_OK(eas_store_get(&st, 3, NULL, 0, &n));
    CHECK_EQ(n, 0);
    /* put after delete brings the key back; everything survives a mount */
    CHECK_OK(eas_store_put(&st, 1, "again", 5));
    CHECK_OK(eas_store_mount(&st, &e.flash));
    CHECK_OK(eas_store_get(&st, 1, buf, sizeof buf, &n));
    CHECK_MEM(buf, "again", 5);
    CHECK_OK(eas_store_get(&st, 3, NULL, 0, &n));
    CHECK_EQ(eas_store_put(&st, 4, NULL, 5), EAS_ERR_ARG);
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}

TEST(store_value_size_limit)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 2048, 4, 16) == 0);
    CHECK_OK(eas_store_format(&st, &e.flash));
    static uint8_t big[EAS_STORE_MAX_VALUE + 1];
    memset(big, 0xA5, sizeof big);
    CHECK_EQ(eas_store_put(&st, 1, big, sizeof big), EAS_ERR_NOSPACE);
    CHECK_OK(eas_store_put(&st, 1, big, EAS_STORE_MAX_VALUE));
    size_t n;
    static uint8_t got[EAS_STORE_MAX_VALUE];
    CHECK_OK(eas_store_get(&st, 1, got, sizeof got, &n));
    CHECK_EQ(n, EAS_STORE_MAX_VALUE);
    CHECK_MEM(got, big, EAS_STORE_MAX_VALUE);
    /* odd lengths with a 16-byte program unit: padding never leaks into the value */
    for (uint32_t len = 1; len <= 40; len++) {
        CHECK_OK(put_version(&st, 100 + len, len, len));
    }
    for (uint32_t len = 1; len <= 40; len++) CHECK(has_value(&st, 100 + len, len, len));
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}

typedef struct visit_log {
    uint32_t keys[64];
    size_t lens[64];
    int n;
    int stop_after;
} visit_log;

static eas_err visit(void *ctx, uint32_t key, size_t len)
{
    visit_log *v = ctx;
    if (v->n < 64) {
        v->keys[v->n] = key;
        v->lens[v->n] = len;
    }
    v->n++;
    return v->stop_after && v->n >= v->stop_after ? EAS_ERR_ABORTED : EAS_OK;
}

TEST(store_iterate_key_ranges)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 4096, 2, 4) == 0);
    CHECK_OK(eas_store_format(&st, &e.flash));
    /* collections 1..3, slots put in a scrambled order; collection 2 has deleted and rewritten keys */
    for (uint32_t i = 0; i < 10; i++) {
        uint32_t slot = (i * 7u) % 10u;
        for (uint32_t c = 1; c <= 3; c++) CHECK_OK(put_version(&st, (c << 24) | slot, 3 + slot, c));
    }
    CHECK_OK(eas_store_del(&st, (2u << 24) | 4u));
    CHECK_OK(eas_store_del(&st, (2u << 24) | 0u));
    CHECK_OK(put_version(&st, (2u << 24) | 4u, 9, 99));
    CHECK_OK(eas_store_put(&st, UINT32_MAX, "m", 1));
    visit_log v;
    memset(&v, 0, sizeof v);
    CHECK_OK(eas_store_iterate(&st, 2u << 24, (3u << 24) - 1u, visit, &v));
    CHECK_EQ(v.n, 9);
    for (int i = 0; i < 9; i++) {
        CHECK_EQ(v.keys[i], (2u << 24) | (uint32_t)(i + 1));
        CHECK_EQ(v.lens[i], i + 1 == 4 ? 9 : 3 + i + 1);
    }
    memset(&v, 0, sizeof v);
    CHECK_OK(eas_store_iterate(&st, 0, UINT32_MAX, visit, &v));
    CHECK_EQ(v.n, 30);
    CHECK_EQ(v.keys[29], UINT32_MAX);
    memset(&v, 0, sizeof v);
    v.stop_after = 2;
    CHECK_EQ(eas_store_iterate(&st, 0, UINT32_MAX, visit, &v), EAS_ERR_ABORTED);
    CHECK_EQ(v.n, 2);
    /* the cursor form */
    uint32_t k;
    size_t len;
    CHECK_OK(eas_store_next(&st, (1u << 24) | 5u, (1u << 24) | 9u, &k, &len));
    CHECK_EQ(k, (1u << 24) | 5u);
    CHECK_EQ(eas_store_next(&st, 4u << 24, 5u << 24, &k, &len), EAS_ERR_NOT_FOUND);
    CHECK_EQ(eas_store_next(&st, 9, 3, &k, &len), EAS_ERR_NOT_FOUND);
    /* the same after a compaction and a mount */
    CHECK_OK(eas_store_compact(&st));
    CHECK_OK(eas_store_mount(&st, &e.flash));
    memset(&v, 0, sizeof v);
    CHECK_OK(eas_store_iterate(&st, 2u << 24, (3u << 24) - 1u, visit, &v));
    CHECK_EQ(v.n, 9);
    CHECK_EQ(v.keys[0], (2u << 24) | 1u);
    flash_emu_free(&e);
}

/* ---- transactions ---- */

TEST(store_txn_all_or_nothing)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 4096, 3, 8) == 0);
    CHECK_OK(eas_store_format(&st, &e.flash));
    CHECK_OK(put_version(&st, 1, 10, 1));
    CHECK_OK(put_version(&st, 3, 10, 1));
    CHECK_OK(eas_store_txn_begin(&st));
    CHECK_EQ(eas_store_txn_begin(&st), EAS_ERR_STATE);
    uint8_t v[40];
    fill_value(v, 20, 1, 2);
    CHECK_OK(eas_store_txn_put(&st, 1, v, 20));
    fill_value(v, 30, 2, 2);
    CHECK_OK(eas_store_txn_put(&st, 2, v, 30));
    CHECK_OK(eas_store_txn_del(&st, 3));
    /* not visible before the commit, not even to the same store */
    CHECK(has_value(&st, 1, 10, 1));
    CHECK(has_value(&st, 3, 10, 1));
    size_t n;
    CHECK_EQ(eas_store_get(&st, 2, NULL, 0, &n), EAS_ERR_NOT_FOUND);
    CHECK_EQ(eas_store_put(&st, 9, "x", 1), EAS_ERR_STATE);
    CHECK_EQ(eas_store_del(&st, 1), EAS_ERR_STATE);
    CHECK_EQ(eas_store_compact(&st), EAS_ERR_STATE);
    CHECK_OK(eas_store_txn_commit(&st));
    CHECK(has_value(&st, 1, 20, 2));
    CHECK(has_value(&st, 2, 30, 2));
    CHECK_EQ(eas_store_get(&st, 3, NULL, 0, &n), EAS_ERR_NOT_FOUND);
    CHECK_EQ(eas_store_txn_commit(&st), EAS_ERR_STATE);
    CHECK_OK(eas_store_mount(&st, &e.flash));
    CHECK(has_value(&st, 1, 20, 2));
    CHECK(has_value(&st, 2, 30, 2));
    CHECK_EQ(eas_store_get(&st, 3, NULL, 0, &n), EAS_ERR_NOT_FOUND);

    /* abort: nothing of it, also after a mount; a later put of the same key wins inside a txn */
    CHECK_OK(eas_store_txn_begin(&st));
    CHECK_OK(eas_store_txn_put(&st, 1, "gone", 4));
    CHECK_OK(eas_store_txn_del(&st, 2));
    eas_store_txn_abort(&st);
    CHECK_EQ(eas_store_txn_put(&st, 1, "x", 1), EAS_ERR_STATE);
    CHECK(has_value(&st, 1, 20, 2));
    CHECK_OK(eas_store_txn_begin(&st));
    CHECK_OK(eas_store_txn_put(&st, 5, "first", 5));
    CHECK_OK(eas_store_txn_put(&st, 5, "second", 6));
    CHECK_OK(eas_store_txn_commit(&st));
    CHECK_OK(eas_store_mount(&st, &e.flash));
    CHECK(has_value(&st, 1, 20, 2));
    CHECK(has_value(&st, 2, 30, 2));
    uint8_t buf[16];
    CHECK_OK(eas_store_get(&st, 5, buf, sizeof buf, &n));
    CHECK_EQ(n, 6);
    CHECK_MEM(buf, "second", 6);
    /* an empty transaction commits nothing and writes nothing */
    unsigned long progs = e.progs;
    CHECK_OK(eas_store_txn_begin(&st));
    CHECK_OK(eas_store_txn_commit(&st));
    CHECK_EQ(e.progs, progs);
    /* a txn left open at a mount (power lost) is gone */
    CHECK_OK(eas_store_txn_begin(&st));
    CHECK_OK(eas_store_txn_put(&st, 6, "six", 3));
    CHECK_OK(eas_store_mount(&st, &e.flash));
    CHECK_EQ(eas_store_get(&st, 6, NULL, 0, &n), EAS_ERR_NOT_FOUND);
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}

TEST(store_txn_limits)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 4096, 2, 4) == 0);
    CHECK_OK(eas_store_format(&st, &e.flash));
    CHECK_OK(put_version(&st, 1, 8, 1));
    /* a transaction that cannot fit in one sector: STORE_FULL, nothing visible, store usable */
    static uint8_t v[EAS_STORE_MAX_VALUE];
    CHECK_OK(eas_store_txn_begin(&st));
    eas_err err = EAS_OK;
    int i;
    for (i = 0; i < 20 && err == EAS_OK; i++) {
        fill_value(v, sizeof v, 100u + (uint32_t)i, 1);
        err = eas_store_txn_put(&st, 100u + (uint32_t)i, v, sizeof v);
    }
    CHECK_EQ(err, EAS_ERR_STORE_FULL);
    CHECK(i > 3 && i < 9); /* 4096-byte sectors hold 7 such records */
    CHECK_EQ(eas_store_txn_commit(&st), EAS_ERR_STATE);
    size_t n;
    CHECK_EQ(eas_store_get(&st, 100, NULL, 0, &n), EAS_ERR_NOT_FOUND);
    CHECK(has_value(&st, 1, 8, 1));
    CHECK_OK(put_version(&st, 2, 8, 1));
    CHECK(has_value(&st, 2, 8, 1));
    CHECK_OK(eas_store_mount(&st, &e.flash));
    CHECK_EQ(eas_store_get(&st, 100, NULL, 0, &n), EAS_ERR_NOT_FOUND);
    /* too many records (on a region where that many fit: 32 bytes each), a value too large */
    flash_emu_free(&e);
    CHECK(flash_emu_init(&e, 4096, 2u + (EAS_STORE_MAX_TXN_RECORDS * 32u + 4095u) / 4096u, 4) == 0);
    CHECK_OK(eas_store_format(&st, &e.flash));
    CHECK_OK(put_version(&st, 1, 8, 1));
    CHECK_OK(eas_store_txn_begin(&st));
    for (i = 0; i < (int)EAS_STORE_MAX_TXN_RECORDS; i++) CHECK_OK(eas_store_txn_del(&st, (uint32_t)i));
    CHECK_EQ(eas_store_txn_del(&st, 1000), EAS_ERR_TXN_FULL);
    CHECK_EQ(eas_store_txn_commit(&st), EAS_ERR_STATE);
    CHECK(has_value(&st, 1, 8, 1));
    CHECK_OK(eas_store_txn_begin(&st));
    static uint8_t big[EAS_STORE_MAX_VALUE + 1];
    CHECK_EQ(eas_store_txn_put(&st, 1, big, sizeof big), EAS_ERR_NOSPACE);
    CHECK_EQ(eas_store_txn_commit(&st), EAS_ERR_STATE);
    CHECK(has_value(&st, 1, 8, 1));
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}

/* A transaction that outgrows the head moves: on 2 sectors by the compaction itself, on more by copying
 * it into the new head. Either way the commit makes all of it visible, and only then. */
static void txn_across_compaction(uint32_t sector_size, uint32_t sectors)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, sector_size, sectors, 4) == 0);
    CHECK_OK(eas_store_format(&st, &e.flash));
    eas_store_info info;
    for (int twice = 0; twice < 2; twice++)
        for (uint32_t k = 0; k < 12; k++) CHECK_OK(put_version(&st, k, 100, 1));
    CHECK_OK(eas_store_stats(&st, &info));
    uint32_t gen0 = info.generation;
    CHECK_OK(eas_store_txn_begin(&st));
    for (uint32_t k = 0; k < 8; k++) {
        CHECK_OK(eas_store_txn_del(&st, 11 - k));
        uint8_t v[150];
        fill_value(v, sizeof v, 50 + k, 2);
        CHECK_OK(eas_store_txn_put(&st, 50 + k, v, sizeof v));
    }
    CHECK_OK(eas_store_stats(&st, &info));
    CHECK(info.generation > gen0); /* the transaction did cross a compaction */
    for (uint32_t k = 0; k < 12; k++) CHECK(has_value(&st, k, 100, 1));
    size_t n;
    CHECK_EQ(eas_store_get(&st, 50, NULL, 0, &n), EAS_ERR_NOT_FOUND);
    CHECK_OK(eas_store_txn_commit(&st));
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t k = 0; k < 4; k++) CHECK(has_value(&st, k, 100, 1));
        for (uint32_t k = 4; k < 12; k++) CHECK_EQ(eas_store_get(&st, k, NULL, 0, &n), EAS_ERR_NOT_FOUND);
        for (uint32_t k = 0; k < 8; k++) CHECK(has_value(&st, 50 + k, 150, 2));
        CHECK_OK(eas_store_mount(&st, &e.flash));
    }
    CHECK_OK(eas_store_stats(&st, &info));
    CHECK_EQ(info.live_records, 12);
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}

TEST(store_txn_across_compaction_2_sectors) { txn_across_compaction(4096, 2); }
TEST(store_txn_across_compaction_4_sectors) { txn_across_compaction(2048, 4); }

/* The size of a whole folder hierarchy plus its SyncKey (EAS_MAX_FOLDERS + 2 records): more than one
 * sector holds. Until the commit the old hierarchy stays too, so the region needs room for both. */
TEST(store_txn_spanning_sectors)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 4096, 6, 8) == 0);
    CHECK_OK(eas_store_format(&st, &e.flash));
    enum { FOLDERS = 66 };
    for (uint32_t i = 0; i < FOLDERS; i++) CHECK_OK(put_version(&st, (1u << 24) | i, 60, 1));
    eas_store_info info;
    CHECK_OK(eas_store_stats(&st, &info));
    uint32_t gen0 = info.generation;
    CHECK_OK(eas_store_txn_begin(&st));
    for (uint32_t i = 0; i < FOLDERS; i++) {
        uint8_t v[100];
        fill_value(v, 70, (1u << 24) | i, 2);
        CHECK_OK(eas_store_txn_put(&st, (1u << 24) | i, v, 70));
    }
    CHECK_OK(eas_store_stats(&st, &info));
    CHECK(info.generation >= gen0 + 2); /* the transaction covers more than one sector */
    for (uint32_t i = 0; i < FOLDERS; i++) CHECK(has_value(&st, (1u << 24) | i, 60, 1));
    CHECK_OK(eas_store_txn_commit(&st));
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < FOLDERS; i++) CHECK(has_value(&st, (1u << 24) | i, 70, 2));
        CHECK_OK(eas_store_mount(&st, &e.flash));
    }
    /* and the same again, this time lost to a reboot before the commit */
    CHECK_OK(eas_store_txn_begin(&st));
    for (uint32_t i = 0; i < FOLDERS; i++) {
        uint8_t v[100];
        fill_value(v, 80, (1u << 24) | i, 3);
        CHECK_OK(eas_store_txn_put(&st, (1u << 24) | i, v, 80));
    }
    CHECK_OK(eas_store_mount(&st, &e.flash));
    for (uint32_t i = 0; i < FOLDERS; i++) CHECK(has_value(&st, (1u << 24) | i, 70, 2));
    /* the abandoned records are reclaimed: many more rounds fit */
    for (int round = 0; round < 6; round++) {
        CHECK_OK(eas_store_txn_begin(&st));
        CHECK_EQ(put_version(&st, 0, 0, 0), EAS_ERR_STATE);
        for (uint32_t i = 0; i < FOLDERS; i++) {
            uint8_t v[100];
            fill_value(v, 70, (1u << 24) | i, 10u + (uint32_t)round);
            CHECK_OK(eas_store_txn_put(&st, (1u << 24) | i, v, 70));
        }
        CHECK_OK(eas_store_txn_commit(&st));
    }
    for (uint32_t i = 0; i < FOLDERS; i++) CHECK(has_value(&st, (1u << 24) | i, 70, 15));
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}

/* ---- compaction, full store, stats ---- */

#define CHURN_KEYS 40

typedef struct churn_model {
    int present[CHURN_KEYS];
    uint32_t len[CHURN_KEYS];
    uint32_t ver[CHURN_KEYS];
} churn_model;

typedef struct churn_cfg {
    uint32_t sector_size, sectors, prog;
    int steps;
    uint32_t seed;
    uint32_t keys, big_keys; /* keys in use; the last big_keys of them take big values */
    uint32_t small_max, big_max;
    uint32_t index_slots; /* 0: no index */
} churn_cfg;

static eas_store_index_slot churn_index[256];

static int churn_matches(eas_store *st, const churn_model *m)
{
    size_t n;
    uint32_t live = 0;
    for (uint32_t k = 0; k < CHURN_KEYS; k++) {
        if (m->present[k]) {
            live++;
            if (!has_value(st, 0x100u + k, m->len[k], m->ver[k])) return 0;
        } else if (eas_store_get(st, 0x100u + k, NULL, 0, &n) != EAS_ERR_NOT_FOUND) {
            return 0;
        }
    }
    eas_store_info info;
    if (eas_store_stats(st, &info) != EAS_OK) return 0;
    return info.live_records == live;
}

/* Random puts, overwrites, deletes and transactions against a model, with mounts in between. */
static void churn(const churn_cfg *c)
{
    flash_emu e;
    eas_store st;
    churn_model m;
    memset(&m, 0, sizeof m);
    CHECK(flash_emu_init(&e, c->sector_size, c->sectors, c->prog) == 0);
    flash_emu_seed(&e, c->seed);
    CHECK(c->index_slots <= sizeof churn_index / sizeof churn_index[0]);
    CHECK_OK(eas_store_format_indexed(&st, &e.flash, churn_index, c->index_slots));
    uint32_t ver = 1;
    for (int step = 0; step < c->steps; step++) {
        uint32_t r = flash_emu_rand(&e);
        uint32_t k = r % c->keys;
        uint32_t len = (r >> 8) % (k >= c->keys - c->big_keys ? c->big_max + 1 : c->small_max + 1);
        uint32_t what = (r >> 20) % 16u;
        if (what < 10) {
            CHECK_OK(put_version(&st, 0x100u + k, len, ver));
            m.present[k] = 1;
            m.len[k] = len;
            m.ver[k] = ver++;
        } else if (what < 13) {
            CHECK_OK(eas_store_del(&st, 0x100u + k));
            m.present[k] = 0;
        } else if (what < 15) {
            churn_model next = m;
            CHECK_OK(eas_store_txn_begin(&st));
            uint32_t count = 1 + (r >> 24) % 4u;
            for (uint32_t j = 0; j < count; j++) {
                uint32_t kk = (k + j * 7u) % c->keys, l = (len + j * 13u) % (c->small_max + 1);
                if ((r >> (24 + j)) & 1u) {
                    CHECK_OK(eas_store_txn_del(&st, 0x100u + kk));
                    next.present[kk] = 0;
                } else {
                    uint8_t v[EAS_STORE_MAX_VALUE];
                    fill_value(v, l, 0x100u + kk, ver);
                    CHECK_OK(eas_store_txn_put(&st, 0x100u + kk, v, l));
                    next.present[kk] = 1;
                    next.len[kk] = l;
                    next.ver[kk] = ver++;
                }
            }
            CHECK_OK(eas_store_txn_commit(&st));
            m = next;
        } else {
            CHECK_OK(eas_store_mount_indexed(&st, &e.flash, churn_index, c->index_slots));
            CHECK_OK(eas_store_index_check(&st));
        }
        if (step % 97 == 0) {
            CHECK_MSG(churn_matches(&st, &m), "state differs from the model at step %d", step);
            CHECK_MSG(eas_store_index_check(&st) == EAS_OK, "index differs from the flash at step %d", step);
        }
    }
    CHECK(churn_matches(&st, &m));
    CHECK_OK(eas_store_index_check(&st));
    CHECK_OK(eas_store_mount_indexed(&st, &e.flash, churn_index, c->index_slots));
    CHECK(churn_matches(&st, &m));
    CHECK_OK(eas_store_index_check(&st));
    eas_store_info info;
    CHECK_OK(eas_store_stats(&st, &info));
    CHECK_MSG(info.generation > 10, "only %u compactions", (unsigned)info.generation);
    CHECK_EQ(info.index_slots, c->index_slots);
    if (c->index_slots && c->keys <= c->index_slots * 3u / 4u) CHECK_EQ(info.index_complete, 1);
    if (c->index_slots && c->keys > c->index_slots - c->index_slots / 8u) CHECK_EQ(info.index_complete, 0);
    CHECK_MSG(e.violations == 0, "flash rule broken: %s", e.last_violation);
    /* wear is spread: no sector erased more than twice as often as the average */
    unsigned long total = 0;
    for (uint32_t s = 0; s < c->sectors; s++) total += e.sector_erases[s];
    for (uint32_t s = 0; s < c->sectors; s++) CHECK(e.sector_erases[s] * c->sectors <= 2 * total + c->sectors);
    flash_emu_free(&e);
}

TEST(store_churn_2_sectors)
{
    churn_cfg c = {4096, 2, 4, 1500, 11, 24, 4, 80, 300, 0};
    churn(&c);
}
TEST(store_churn_4_sectors_prog16)
{
    churn_cfg c = {2048, 4, 16, 1500, 12, 36, 6, 100, 300, 0};
    churn(&c);
}
TEST(store_churn_3_sectors_prog1)
{
    churn_cfg c = {1024, 3, 1, 1000, 13, 16, 2, 40, 200, 0};
    churn(&c);
}
/* The same with an index: complete (64 slots for 24..36 keys), and too small (16 slots: partial). */
TEST(store_churn_2_sectors_indexed)
{
    churn_cfg c = {4096, 2, 4, 1500, 11, 24, 4, 80, 300, 64};
    churn(&c);
}
TEST(store_churn_4_sectors_prog16_indexed)
{
    churn_cfg c = {2048, 4, 16, 1500, 12, 36, 6, 100, 300, 61};
    churn(&c);
}
TEST(store_churn_3_sectors_prog1_small_index)
{
    churn_cfg c = {1024, 3, 1, 1000, 13, 16, 2, 40, 200, 16};
    churn(&c);
}

TEST(store_full_is_reported_and_recoverable)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 2048, 3, 4) == 0);
    CHECK_OK(eas_store_format(&st, &e.flash));
    uint32_t k;
    eas_err err = EAS_OK;
    for (k = 0; k < 100 && err == EAS_OK; k++) err = put_version(&st, k, 200, 1);
    CHECK_EQ(err, EAS_ERR_STORE_FULL);
    uint32_t stored = k - 1;
    CHECK(stored >= 12); /* two 2048-byte sectors of 232-byte records */
    for (uint32_t i = 0; i < stored; i++) CHECK(has_value(&st, i, 200, 1));
    size_t n;
    CHECK_EQ(eas_store_get(&st, stored, NULL, 0, &n), EAS_ERR_NOT_FOUND);
    /* asking again does not wear the flash: the full cycle is not repeated */
    unsigned long erases = e.erases;
    CHECK_EQ(put_version(&st, 500, 200, 1), EAS_ERR_STORE_FULL);
    CHECK_EQ(e.erases, erases);
    /* overwriting in place still fails cleanly; the old value stays */
    CHECK_EQ(put_version(&st, 0, 300, 2), EAS_ERR_STORE_FULL);
    CHECK(has_value(&st, 0, 200, 1));
    CHECK_OK(eas_store_mount(&st, &e.flash));
    for (uint32_t i = 0; i < stored; i++) CHECK(has_value(&st, i, 200, 1));
    /* a delete always fits, and makes room */
    CHECK_OK(eas_store_del(&st, 3));
    CHECK_OK(eas_store_del(&st, 4));
    CHECK_OK(put_version(&st, 500, 200, 1));
    CHECK(has_value(&st, 500, 200, 1));
    CHECK_EQ(eas_store_get(&st, 3, NULL, 0, &n), EAS_ERR_NOT_FOUND);
    eas_store_info info;
    CHECK_OK(eas_store_stats(&st, &info));
    CHECK_EQ(info.live_records, stored - 1);
    CHECK_EQ(info.capacity, 4096);
    CHECK(info.used_bytes <= info.capacity);
    CHECK_EQ(e.violations, 0);
    flash_emu_free(&e);
}

TEST(store_stats_and_progress)
{
    flash_emu e;
    eas_store st;
    CHECK(flash_emu_init(&e, 4096, 4, 8) == 0);
    CHECK_OK(eas_store_format(&st, &e.flash));
    eas_store_info a, b;
    CHECK_OK(eas_store_stats(&st, &a));
    CHECK_EQ(a.live_records, 0);
    CHECK_EQ(a.capacity, 3 * 4096);
    CHECK_OK(eas_store_put(&st, 1, "abc", 3));
    CHECK_OK(eas_store_put(&st, 2, "defgh", 5));
    CHECK_OK(eas_store_put(&st, 1, "xy", 2));
    CHECK_OK(eas_store_stats(&st, &b));
    CHECK_EQ(b.live_records, 2);
    CHECK_EQ(b.live_bytes, 7);
    CHECK_EQ(b.next_seq, a.next_seq + 3);
    /* three records: 3 entries of 32 bytes and 3 values padded to 8 */
    CHECK_EQ(a.free_bytes - b.free_bytes, 3 * 32 + 3 * 8);
    CHECK_EQ(b.used_bytes - a.used_bytes, 3 * 32 + 3 * 8);
    CHECK_OK(eas_store_compact(&st));
    CHECK_OK(eas_store_stats(&st, &a));
    CHECK_EQ(a.generation, b.generation + 1);
    CHECK_EQ(a.compactions, 1);
    CHECK_EQ(a.live_records, 2);
    /* RAM is fixed and small: no per-record state (the optional index is the caller's array) */
    CHECK(sizeof(eas_store) <= 88u + EAS_STORE_SCRATCH);
    flash_emu_free(&e);
}
