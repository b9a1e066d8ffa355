/* libFuzzer harness for the directory decoders: GAL lookups (Search/Find), ResolveRecipients with
 * free/busy, ItemOperations Fetch under a byte budget, and the MergedFreeBusy run decoder on raw
 * digits. The first byte picks the decoder (low 2 bits) and the chunk size; the second the budget.
 * Invariants: no crash or overread; every string handed over is NUL-terminated in its buffer;
 * free/busy runs are contiguous, non-empty and inside the window; a fetched body never exceeds the
 * budget; the results do not depend on chunking. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eas/freebusy.h"
#include "eas/gal.h"
#include "eas/itemops.h"
#include "eas/resolve.h"
#include "eas/wbxml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WIN_START 1796119200LL
#define WIN_END (WIN_START + 5 * 3600 + 600)

typedef struct {
    uint32_t n;
    uint32_t hash;
    int64_t next_start; /* where the next free/busy run must begin */
} seen;

static void mix(seen *s, const char *p, size_t cap)
{
    if (memchr(p, 0, cap) == NULL) abort();
    for (; *p; p++) s->hash = s->hash * 31u + (uint8_t)*p;
}

static eas_err on_gal(void *ctx, const eas_gal_entry *e)
{
    seen *s = ctx;
    for (unsigned i = 0; i < EAS_GAL_FIELD_COUNT; i++) mix(s, e->field[i], sizeof e->field[i]);
    s->hash = s->hash * 31u + e->truncated + e->picture_status + e->picture_bytes;
    s->n++;
    return EAS_OK;
}

static eas_err check_run(seen *s, int64_t start, int64_t end, eas_fb_status st)
{
    if (start != s->next_start || end <= start || end > WIN_END || (unsigned)st > EAS_FB_NO_DATA) abort();
    s->next_start = end == WIN_END ? WIN_START : end; /* the next recipient's runs start again */
    s->hash = s->hash * 31u + (uint32_t)(end - start) + (uint32_t)st;
    return EAS_OK;
}

static eas_err on_fb(void *ctx, int64_t start, int64_t end, eas_fb_status st) { return check_run(ctx, start, end, st); }

static eas_err on_recipient(void *ctx, const eas_recipient *r)
{
    seen *s = ctx;
    mix(s, r->to, sizeof r->to);
    mix(s, r->display_name, sizeof r->display_name);
    mix(s, r->email, sizeof r->email);
    s->hash = s->hash * 31u + r->type + r->availability_status + r->response_status;
    s->n++;
    return EAS_OK;
}

static eas_err on_response(void *ctx, const char *to, uint32_t status, uint32_t n)
{
    seen *s = ctx;
    if (strlen(to) >= EAS_GAL_FIELD_MAX) abort();
    s->hash = s->hash * 31u + status + n;
    return EAS_OK;
}

static eas_err on_rr_run(void *ctx, const eas_recipient *r, int64_t start, int64_t end, eas_fb_status st)
{
    (void)r;
    return check_run(ctx, start, end, st);
}

static eas_err on_body(void *ctx, const uint8_t *p, size_t len)
{
    seen *s = ctx;
    for (size_t i = 0; i < len; i++) s->hash = s->hash * 31u + p[i];
    s->n += (uint32_t)len;
    return EAS_OK;
}

/* Returns the decoder's result; *summary gets its counters. */
static eas_err decode(const uint8_t *d, size_t n, size_t step, int which, uint32_t budget, seen *s, uint32_t *summary)
{
    eas_wbxml_reader r;
    eas_gal_decoder gal;
    eas_resolve_decoder rr;
    eas_fetch_decoder fd;
    eas_fb_decoder fb;
    eas_resolve_events ev = {s, on_recipient, on_response, on_rr_run};
    eas_err e = EAS_OK;
    s->next_start = WIN_START;
    if (which == 3) {
        if (eas_fb_decoder_init(&fb, WIN_START, WIN_END, on_fb, s) != EAS_OK) abort();
        for (size_t i = 0; i < n && e == EAS_OK; i += step)
            e = eas_fb_decoder_feed(&fb, (const char *)d + i, n - i < step ? n - i : step);
        if (e == EAS_OK) e = eas_fb_decoder_finish(&fb);
        if (e == EAS_OK && s->next_start != WIN_START) abort(); /* the runs cover the whole window */
        *summary = fb.ignored;
        return e;
    }
    if (which == 0) {
        eas_gal_decoder_init(&gal, on_gal, s, (eas_sink){on_body, s});
        eas_wbxml_reader_init(&r, &eas_gal_handler, &gal);
    } else if (which == 1) {
        eas_resolve_decoder_init(&rr, &ev, WIN_START, WIN_END);
        eas_wbxml_reader_init(&r, &eas_resolve_handler, &rr);
    } else {
        eas_fetch_decoder_init(&fd, (eas_sink){on_body, s}, budget);
        eas_wbxml_reader_init(&r, &eas_fetch_handler, &fd);
    }
    for (size_t i = 0; i < n && e == EAS_OK; i += step) e = eas_wbxml_reader_feed(&r, d + i, n - i < step ? n - i : step);
    if (e == EAS_OK) e = eas_wbxml_reader_finish(&r);
    if (which == 0) {
        *summary = eas_gal_decoder_status(&gal) * 7u + gal.total + gal.range_first + gal.range_last + gal.entries;
        if (e == EAS_OK) e = eas_gal_decoder_finish(&gal);
    } else if (which == 1) {
        *summary = rr.status * 7u + rr.responses + rr.recipients;
        if (e == EAS_OK) e = eas_resolve_decoder_finish(&rr);
    } else {
        if (budget && fd.written > budget) abort();
        if (fd.written != s->n) abort();
        *summary = eas_fetch_decoder_status(&fd) * 7u + fd.written + fd.estimated + (uint32_t)eas_fetch_decoder_truncated(&fd);
        if (e == EAS_OK) e = eas_fetch_decoder_finish(&fd);
    }
    return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    int which = data[0] & 3;
    size_t step = (size_t)(data[0] >> 2) % 13 + 1;
    uint32_t budget = data[1];
    data += 2;
    size -= 2;
    seen a = {0, 0, 0}, b = {0, 0, 0};
    uint32_t sa = 0, sb = 0;
    eas_err ea = decode(data, size, size ? size : 1, which, budget, &a, &sa);
    eas_err eb = decode(data, size, step, which, budget, &b, &sb);
    if (ea != eb || a.n != b.n || a.hash != b.hash || sa != sb) abort();
    return 0;
}
