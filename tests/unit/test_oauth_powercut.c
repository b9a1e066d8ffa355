/* Refresh-token rotation under power cuts: the new pair is written while the old is still on flash, and
 * a cut at any flash operation of the rotation leaves exactly the old pair or exactly the new one, whole
 * and readable, never a mix, never none. The store then takes the next rotation.
 *
 * The workload: a first sign-in, then rotations one after another (with tokens of Entra's sizes, so that
 * the log fills and compaction runs inside some of them); for every flash operation k of the rotation
 * under test the workload is replayed on a fresh region with the power cut at k. Sign-out (forget) is
 * swept the same way: before it the pair, after it none. Every cut point (a rotation is some 70 flash
 * operations); the unit tests and tests/stages/30-store-powercut.sh both run it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "eas/oauth.h"
#include "eas/store.h"
#include "flash_emu.h"

#define TOK_A 2400u /* access: Entra's are 1.5-2.5 KB */
#define TOK_R 1300u /* refresh: over 1 KB */

/* Token n of a kind: printable, different for every n, of a length that varies with n. */
static size_t make_token(char *out, unsigned n, int refresh)
{
    size_t len = (refresh ? TOK_R : TOK_A) - (n % 5u) * 97u;
    uint32_t x = 2166136261u ^ (n * 16777619u) ^ (refresh ? 0x5au : 0xa5u);
    for (size_t i = 0; i < len; i++) {
        x = x * 1664525u + 1013904223u;
        out[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."[(x >> 24) % 65u];
    }
    return len;
}

typedef struct collect {
    char buf[EAS_OAUTH_TOKEN_MAX + 16];
    size_t len;
} collect;

static eas_err collect_write(void *ctx, const uint8_t *p, size_t n)
{
    collect *c = ctx;
    if (n > sizeof c->buf - c->len) return EAS_ERR_NOSPACE;
    memcpy(c->buf + c->len, p, n);
    c->len += n;
    return EAS_OK;
}

/* Which pair the store holds: n (both tokens exactly pair n's), -1 none, -2 anything else. */
static int stored_pair(eas_store *st, unsigned max_n)
{
    eas_oauth_tokens t;
    static collect got;
    static char want[EAS_OAUTH_TOKEN_MAX];
    eas_err e = eas_oauth_tokens_load(st, &t);
    if (e == EAS_ERR_NOT_SIGNED_IN) return -1;
    if (e != EAS_OK) return -2;
    got.len = 0;
    if (eas_oauth_write_bearer(st, &t, (eas_sink){collect_write, &got}) != EAS_OK) return -2;
    for (unsigned n = 0; n <= max_n; n++) {
        size_t len = make_token(want, n, 0);
        if (got.len != 7 + len || memcmp(got.buf, "Bearer ", 7) || memcmp(got.buf + 7, want, len)) continue;
        /* the refresh token must be pair n's too */
        collect body = {{0}, 0};
        eas_oauth_config cfg = {"c", "t", "s", ""};
        if (eas_oauth_refresh_body(&cfg, st, &t, (eas_sink){collect_write, &body}, NULL) != EAS_OK) return -2;
        len = make_token(want, n, 1);
        const char *tail = "&refresh_token=";
        const char *at = strstr(body.buf, tail);
        if (!at) return -2;
        at += strlen(tail);
        if ((size_t)(body.buf + body.len - at) != len || memcmp(at, want, len)) return -2;
        return (int)n;
    }
    return -2;
}

static eas_err rotate(eas_store *st, unsigned n)
{
    static char a[EAS_OAUTH_TOKEN_MAX], r[EAS_OAUTH_TOKEN_MAX];
    size_t la = make_token(a, n, 0), lr = make_token(r, n, 1);
    return eas_oauth_tokens_save(st, a, la, r, lr, 1000u + n, 3600u, NULL);
}

typedef struct sweep_result {
    unsigned long ops, cuts, old_seen, new_seen, compactions;
} sweep_result;

/* Pairs 0..before-1 written whole, then pair `before` (or, forget: a sign-out) cut at every op. */
static void sweep(uint32_t sector, uint32_t sectors, uint32_t prog, unsigned before, int forget, sweep_result *res)
{
    flash_emu e;
    eas_store st;
    memset(res, 0, sizeof *res);
    for (unsigned long k = 0;; k++) {
        CHECK(flash_emu_init(&e, sector, sectors, prog) == 0);
        flash_emu_seed(&e, 77 + k);
        CHECK_OK(eas_store_format(&st, &e.flash));
        for (unsigned n = 0; n < before; n++) CHECK_OK(rotate(&st, n));
        unsigned long base = e.ops;
        eas_store_info info, info0;
        CHECK_OK(eas_store_stats(&st, &info0));
        if (k > 0) flash_emu_cut_after(&e, k);
        eas_err err = forget ? eas_oauth_tokens_forget(&st) : rotate(&st, before);
        if (k == 0) {
            /* the uncut run: counts the operations of the step under test */
            CHECK_OK(err);
            res->ops = e.ops - base;
            CHECK_OK(eas_store_stats(&st, &info));
            res->compactions = info.compactions - info0.compactions; /* inside the step under test */
            CHECK_EQ(stored_pair(&st, before), forget ? -1 : (int)before);
            flash_emu_free(&e);
            continue;
        }
        if (k > res->ops) {
            flash_emu_free(&e);
            break;
        }
        res->cuts++;
        CHECK_MSG(err != EAS_OK, "cut at op %lu of %lu: the step still reported success", k, res->ops);
        flash_emu_power_on(&e);
        CHECK_OK(eas_store_mount(&st, &e.flash));
        int got = stored_pair(&st, before);
        int old = before ? (int)before - 1 : -1, new_ = forget ? -1 : (int)before;
        CHECK_MSG(got == old || got == new_, "cut at op %lu of %lu: the store holds pair %d (old %d, new %d)", k,
                  res->ops, got, old, new_);
        if (got == old) res->old_seen++;
        if (got == new_) res->new_seen++;
        /* The device goes on: the next rotation works and reads back. */
        CHECK_OK(rotate(&st, before + 1));
        CHECK_OK(eas_store_mount(&st, &e.flash));
        CHECK_EQ(stored_pair(&st, before + 1), (int)before + 1);
        CHECK_EQ(e.violations, 0);
        flash_emu_free(&e);
    }
}

static void run(uint32_t sector, uint32_t sectors, uint32_t prog, unsigned before, int forget, const char *name)
{
    sweep_result r;
    sweep(sector, sectors, prog, before, forget, &r);
    if (check_failed_now()) return;
    if (getenv("CHECK_VERBOSE") || getenv("EAS_SWEEP_REPORT"))
        printf("  %s: %lu flash ops, %lu cut points, old/new %lu/%lu, compactions %lu\n", name, r.ops, r.cuts,
               r.old_seen, r.new_seen, r.compactions);
    /* A cut anywhere before the commit record is whole keeps the old pair; the last operation (the
     * commit) is always among the cut points. */
    CHECK(r.cuts > 0 && r.old_seen > 0);
}

/* mps2-an385's region: 8 sectors of 4 KiB, 16-byte units; a rotation writes about two sectors' worth,
 * so later rotations compact inside the step. */
TEST(store_sweep_long_oauth_rotation_first)
{
    run(4096, 8, 16, 1, 0, "oauth rotation 1 (8x4096 prog 16)");
}
TEST(store_sweep_long_oauth_rotation_compacting)
{
    for (unsigned before = 5; before <= 9; before++) {
        char name[64];
        snprintf(name, sizeof name, "oauth rotation %u (8x4096 prog 16)", before);
        run(4096, 8, 16, before, 0, name);
    }
}
TEST(store_sweep_long_oauth_rotation_host_geometry)
{
    run(16384, 4, 16, 3, 0, "oauth rotation 3 (4x16384 prog 16)");
}
TEST(store_sweep_long_oauth_forget)
{
    run(4096, 8, 16, 4, 1, "oauth sign-out after 4 rotations (8x4096 prog 16)");
}
