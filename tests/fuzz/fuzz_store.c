/* libFuzzer harness for the state store.
 * fuzz-links: tests/support/flash_emu.c
 * The input is a script: operations that build a store on an emulated flash (3 sectors of 1024 bytes,
 * 4-byte program unit), then byte corruptions of the flash image, power cuts and more operations.
 * Invariants checked beyond "no crash, no overread" (ASan/UBSan):
 *  - the store never breaks a flash rule (unaligned or out-of-range access, programming a byte twice);
 *  - whatever was corrupted, a key reads nothing or a value it was given at some point, never bytes it
 *    never had (values are a function of key and version, so membership is checkable);
 *  - a write that returned EAS_OK reads back at once, and again after a mount, as long as no cut or
 *    corruption came in between;
 *  - with a lookup index (none, 6 slots: partial, or 32 slots: complete, chosen by the input's length):
 *    the same answers; as long as nothing was corrupted since the mount, the index agrees with a full
 *    scan (eas_store_index_check); the unordered walk visits exactly the keys the ordered one does. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eas/store.h"
#include "flash_emu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEYS 8
#define MAX_HIST 96
#define MAX_LEN 200

typedef struct hist {
    uint16_t n;
    uint16_t len[MAX_HIST];
    uint32_t ver[MAX_HIST];
    int overflow;
} hist;

static hist history[KEYS];
/* What each key must read when nothing unforeseen happened since it was written: -1 unknown. */
static int known[KEYS];
static int known_present[KEYS];
static uint16_t known_len[KEYS];
static uint32_t known_ver[KEYS];

static void value(uint8_t *v, size_t len, uint32_t key, uint32_t ver)
{
    uint32_t x = key * 2654435761u ^ ver * 40503u;
    for (size_t i = 0; i < len; i++) {
        x = x * 1664525u + 1013904223u;
        v[i] = (uint8_t)(x >> 24);
    }
}

static void remember(uint32_t k, uint16_t len, uint32_t ver)
{
    hist *h = &history[k];
    if (h->n < MAX_HIST) {
        h->len[h->n] = len;
        h->ver[h->n] = ver;
        h->n++;
    } else {
        h->overflow = 1;
    }
}

static void check_key(eas_store *st, uint32_t k)
{
    uint8_t got[EAS_STORE_MAX_VALUE], want[EAS_STORE_MAX_VALUE];
    size_t n;
    eas_err err = eas_store_get(st, k, got, sizeof got, &n);
    if (err == EAS_ERR_FLASH) return;
    if (known[k] == 1) {
        if (!known_present[k]) {
            if (err != EAS_ERR_NOT_FOUND) abort();
            return;
        }
        if (err != EAS_OK || n != known_len[k]) abort();
        value(want, n, k, known_ver[k]);
        if (memcmp(got, want, n) != 0) abort();
        return;
    }
    if (err == EAS_ERR_NOT_FOUND) return;
    if (err != EAS_OK) abort();
    if (history[k].overflow) return;
    for (uint16_t i = 0; i < history[k].n; i++) {
        if (history[k].len[i] != n) continue;
        value(want, n, k, history[k].ver[i]);
        if (memcmp(got, want, n) == 0) return;
    }
    abort(); /* a value never written */
}

static eas_store_index_slot index_slots[32];
static uint32_t index_len;
static int clean; /* nothing corrupted since the last mount: the index must agree with a scan */

static eas_err do_mount(eas_store *st, flash_emu *e)
{
    eas_err err = eas_store_mount_indexed(st, &e->flash, index_slots, index_len);
    if (err == EAS_OK) clean = 1;
    return err;
}

static void check_index(eas_store *st)
{
    if (clean && eas_store_index_check(st) == EAS_ERR_STORE_CORRUPT) abort();
}

static eas_err walk_count(void *ctx, uint32_t key, size_t len)
{
    uint32_t *seen = ctx;
    (void)len;
    if (key >= KEYS || (seen[1] >> key) & 1u) abort(); /* a key it never had, or twice */
    seen[1] |= 1u << key;
    seen[0]++;
    return EAS_OK;
}

static void forget_all(void)
{
    for (int k = 0; k < KEYS; k++) known[k] = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static flash_emu e;
    static int ready;
    if (!ready) {
        if (flash_emu_init(&e, 1024, 3, 4) != 0) abort();
        ready = 1;
    }
    flash_emu_fill(&e, 0, 0xFF, e.size);
    flash_emu_power_on(&e);
    e.violations = 0;
    e.noise = 1;
    flash_emu_seed(&e, size);
    memset(history, 0, sizeof history);
    forget_all();

    eas_store st;
    index_len = size % 3u == 0 ? 0u : size % 3u == 1 ? 6u : 32u;
    if (eas_store_format_indexed(&st, &e.flash, index_slots, index_len) != EAS_OK) abort();
    clean = 1;
    int mounted = 1;
    for (int k = 0; k < KEYS; k++) {
        known[k] = 1;
        known_present[k] = 0;
    }
    uint32_t ver = 1;
    uint8_t v[EAS_STORE_MAX_VALUE];

    /* 3-byte operations: [op][arg][len] */
    for (size_t i = 0; i + 3 <= size && i < 3 * 300; i += 3) {
        uint8_t op = data[i] % 10u, arg = data[i + 1];
        uint32_t k = arg % KEYS;
        uint16_t len = (uint16_t)((data[i + 2] * 7u) % (MAX_LEN + 1u));
        if (!mounted && op != 5) continue;
        switch (op) {
        case 0: case 1: case 2: { /* put */
            value(v, len, k, ver);
            remember(k, len, ver);
            eas_err err = eas_store_put(&st, k, v, len);
            if (err == EAS_OK) {
                check_key(&st, (k + 1u) % KEYS); /* another key is unchanged */
                known[k] = 1;
                known_present[k] = 1;
                known_len[k] = len;
                known_ver[k] = ver;
                check_key(&st, k);
            } else if (err == EAS_ERR_FLASH || err == EAS_ERR_STORE_CORRUPT) {
                mounted = 0;
                known[k] = 0; /* cut: before or after */
            }
            ver++;
            break;
        }
        case 3: { /* delete */
            eas_err err = eas_store_del(&st, k);
            if (err == EAS_OK) {
                known[k] = 1;
                known_present[k] = 0;
                check_key(&st, k);
            } else if (err == EAS_ERR_FLASH || err == EAS_ERR_STORE_CORRUPT) {
                mounted = 0;
                known[k] = 0;
            }
            break;
        }
        case 4: { /* a transaction over arg%4+2 keys; committed unless len is odd */
            uint32_t count = arg % 4u + 2u, first = ver;
            int commit = !(len & 1u);
            eas_err err = eas_store_txn_begin(&st);
            for (uint32_t j = 0; j < count && err == EAS_OK; j++) {
                uint32_t kk = (k + j) % KEYS;
                uint16_t l = (uint16_t)((len + j * 31u) % (MAX_LEN + 1u));
                value(v, l, kk, ver);
                if (commit) remember(kk, l, ver);
                err = eas_store_txn_put(&st, kk, v, l);
                ver++;
            }
            if (err == EAS_OK && commit) {
                err = eas_store_txn_commit(&st);
                if (err == EAS_OK) {
                    for (uint32_t j = 0; j < count; j++) {
                        uint32_t kk = (k + j) % KEYS;
                        known[kk] = 1;
                        known_present[kk] = 1;
                        known_len[kk] = (uint16_t)((len + j * 31u) % (MAX_LEN + 1u));
                        known_ver[kk] = first + j;
                    }
                }
            } else {
                eas_store_txn_abort(&st);
            }
            if (err == EAS_ERR_FLASH || err == EAS_ERR_STORE_CORRUPT) {
                mounted = 0;
                for (uint32_t j = 0; j < count; j++) known[(k + j) % KEYS] = 0;
            }
            break;
        }
        case 5: { /* mount */
            eas_err err = do_mount(&st, &e);
            mounted = err == EAS_OK;
            if (!mounted && err != EAS_ERR_STORE_CORRUPT && err != EAS_ERR_FLASH && err != EAS_ERR_STORE_EMPTY) abort();
            break;
        }
        case 6: { /* corrupt one byte of the image */
            uint32_t off = ((uint32_t)arg << 8 | data[i + 2]) % e.size;
            e.mem[off] ^= (uint8_t)(1u << (data[i + 2] % 8u));
            forget_all();
            clean = 0;
            break;
        }
        case 7: { /* power cut inside the next operations: then power on and mount */
            flash_emu_cut_after(&e, (unsigned long)arg % 40u + 1u);
            forget_all();
            break;
        }
        case 8:
            flash_emu_power_on(&e);
            break;
        default: /* check every key, and the walks agree with get and with each other */
            for (uint32_t kk = 0; kk < KEYS; kk++) check_key(&st, kk);
            check_index(&st);
            {
                uint32_t key = 0, seen = 0, mask = 0, walked[2] = {0, 0};
                size_t n;
                while (seen <= KEYS && eas_store_next(&st, key, UINT32_MAX, &key, &n) == EAS_OK) {
                    size_t n2;
                    if (key >= KEYS) abort();
                    eas_err err = eas_store_get(&st, key, NULL, 0, &n2);
                    if ((err != EAS_OK && err != EAS_ERR_NOSPACE) || n2 != n) abort();
                    seen++;
                    mask |= 1u << key;
                    if (key == UINT32_MAX) break;
                    key++;
                }
                if (seen > KEYS) abort();
                eas_err err = eas_store_visit_range(&st, 0, UINT32_MAX, walk_count, walked);
                if (err == EAS_OK && (walked[0] != seen || walked[1] != mask)) abort();
            }
            break;
        }
        if (e.violations) abort();
    }
    flash_emu_power_on(&e);
    if (do_mount(&st, &e) == EAS_OK) {
        for (uint32_t k = 0; k < KEYS; k++) check_key(&st, k);
        check_index(&st);
    }
    if (e.violations) abort();
    return 0;
}
