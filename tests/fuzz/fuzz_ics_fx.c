/* libFuzzer harness for the FastTransfer stream reader and the ICS state handler (core/ics).
 * fuzz-links:
 * The first byte picks the piece size. Invariants beyond "no crash, no overread, no UB" (ASan/UBSan):
 *  - the same outcome (error and offset, or success) fed whole and in pieces, and on success the same
 *    digest of every callback (so a cut at any byte resumes exactly);
 *  - every value's pieces add up to its announced length, and prop_end follows every prop_begin;
 *  - a state read from the stream writes out and reads back equal. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eas/ics_fx.h"
#include "eas/ics_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                                                     \
    do {                                                                                                               \
        if (!(c)) abort();                                                                                             \
    } while (0)

typedef struct digest {
    uint64_t h;
    uint32_t value_bytes;
    int open;
    eas_ics_state_reader state;
} digest;

static void mix(digest *d, uint64_t v) { d->h = (d->h ^ v) * 0x100000001B3ull; }

static eas_err on_marker(void *user, uint32_t marker, uint32_t offset)
{
    digest *d = user;
    REQUIRE(!d->open);
    mix(d, marker);
    mix(d, offset);
    return EAS_OK;
}

static eas_err on_name(void *user, const uint8_t *p, size_t n, int last)
{
    digest *d = user;
    for (size_t i = 0; i < n; i++) mix(d, p[i]);
    if (last) mix(d, 0x4E414D45ull); /* once per name, however it was cut */
    return EAS_OK;
}

static eas_err on_begin(void *user, const eas_ics_fx_prop *p)
{
    digest *d = user;
    REQUIRE(!d->open);
    d->open = 1;
    mix(d, p->tag);
    mix(d, p->offset);
    mix(d, p->count);
    return eas_ics_state_fx_handler.prop_begin(&d->state, p);
}

static eas_err on_value(void *user, const eas_ics_fx_prop *p, uint32_t index, uint32_t total, const uint8_t *data,
                        size_t len, int last)
{
    digest *d = user;
    REQUIRE(d->open);
    for (size_t i = 0; i < len; i++) mix(d, data[i]);
    d->value_bytes += (uint32_t)len;
    REQUIRE(d->value_bytes <= total);
    if (last) {
        REQUIRE(d->value_bytes == total);
        mix(d, ((uint64_t)index << 32) | total);
        d->value_bytes = 0;
    }
    return eas_ics_state_fx_handler.value(&d->state, p, index, total, data, len, last);
}

static eas_err on_end(void *user, const eas_ics_fx_prop *p)
{
    digest *d = user;
    REQUIRE(d->open && d->value_bytes == 0);
    d->open = 0;
    mix(d, 0xE9D);
    return eas_ics_state_fx_handler.prop_end(&d->state, p);
}

static const eas_ics_fx_handler handler = {on_marker, on_name, on_begin, on_value, on_end};

static eas_ics_state st_whole, st_pieces, st_back;
static uint8_t out[1 << 17];

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static eas_err buf_write(void *ctx, const uint8_t *p, size_t n)
{
    buf *b = ctx;
    if (n > b->cap - b->n) return EAS_ERR_NOSPACE;
    memcpy(b->p + b->n, p, n);
    b->n += n;
    return EAS_OK;
}

static eas_err run(const uint8_t *data, size_t size, size_t step, digest *d, eas_ics_state *st, uint32_t *off)
{
    memset(d, 0, sizeof *d);
    d->h = 1469598103934665603ull;
    eas_ics_state_init(st);
    eas_ics_state_reader_init(&d->state, st);
    eas_ics_fx_reader r;
    eas_ics_fx_reader_init(&r, &handler, d);
    eas_err e = EAS_OK;
    for (size_t i = 0; i < size && e == EAS_OK; i += step) e = eas_ics_fx_feed(&r, data + i, size - i < step ? size - i : step);
    if (e == EAS_OK) e = eas_ics_fx_finish(&r);
    *off = eas_ics_fx_error_offset(&r);
    return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t step = (size_t)data[0] % 32 + 1;
    data++;
    size--;
    digest a, b;
    uint32_t oa = 0, ob = 0;
    eas_err ea = run(data, size, size ? size : 1, &a, &st_whole, &oa);
    eas_err eb = run(data, size, step, &b, &st_pieces, &ob);
    REQUIRE(ea == eb);
    if (ea != EAS_OK) {
        /* (The digests may differ here: a value the state handler refused was seen up to a piece.) */
        REQUIRE(oa == ob && oa <= size);
        return 0;
    }
    REQUIRE(a.h == b.h);
    for (unsigned p = 0; p < EAS_ICS_STATE_PROPS; p++) REQUIRE(eas_ics_set_equal(&st_whole.set[p], &st_pieces.set[p]));
    /* The state out and back in. */
    buf o = {out, 0, sizeof out};
    eas_sink sink = {buf_write, &o};
    if (eas_ics_state_write(&st_whole, sink, NULL) != EAS_OK) return 0;
    eas_ics_state_init(&st_back);
    eas_ics_state_reader sr;
    eas_ics_state_reader_init(&sr, &st_back);
    eas_ics_fx_reader r;
    eas_ics_fx_reader_init(&r, &eas_ics_state_fx_handler, &sr);
    REQUIRE(eas_ics_fx_feed(&r, out, o.n) == EAS_OK && eas_ics_fx_finish(&r) == EAS_OK);
    for (unsigned p = 0; p < EAS_ICS_STATE_PROPS; p++) REQUIRE(eas_ics_set_equal(&st_back.set[p], &st_whole.set[p]));
    return 0;
}
