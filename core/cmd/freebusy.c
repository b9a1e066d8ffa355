#include "eas/freebusy.h"

#include <string.h>

const char *eas_fb_status_name(eas_fb_status s)
{
    switch (s) {
    case EAS_FB_FREE: return "free";
    case EAS_FB_TENTATIVE: return "tentative";
    case EAS_FB_BUSY: return "busy";
    case EAS_FB_OOF: return "out-of-office";
    default: return "no-data";
    }
}

eas_err eas_fb_decoder_init(eas_fb_decoder *d, int64_t start, int64_t end, eas_fb_run_fn on_run, void *ctx)
{
    memset(d, 0, sizeof *d);
    /* At most a year of slots: a window longer than that is no display's question. */
    if (end <= start || end - start > 366LL * 86400) return EAS_ERR_ARG;
    d->on_run = on_run;
    d->ctx = ctx;
    d->start = start;
    d->end = end;
    d->slots = (uint32_t)((end - start + EAS_FB_SLOT_S - 1) / EAS_FB_SLOT_S);
    return EAS_OK;
}

static int64_t slot_time(const eas_fb_decoder *d, uint32_t slot)
{
    int64_t t = d->start + (int64_t)slot * EAS_FB_SLOT_S;
    return t < d->end ? t : d->end;
}

static eas_err close_run(eas_fb_decoder *d)
{
    if (d->slot == d->run_first) return EAS_OK;
    eas_err e = d->on_run ? d->on_run(d->ctx, slot_time(d, d->run_first), slot_time(d, d->slot),
                                      (eas_fb_status)d->run_status)
                          : EAS_OK;
    d->run_first = d->slot;
    return e;
}

eas_err eas_fb_decoder_feed(eas_fb_decoder *d, const char *digits, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = digits[i];
        if (c < '0' || c > '4') return EAS_ERR_PROTOCOL;
        if (d->slot >= d->slots) {
            d->ignored++;
            continue;
        }
        uint8_t s = (uint8_t)(c - '0');
        if (d->slot != d->run_first && s != d->run_status) {
            eas_err e = close_run(d);
            if (e != EAS_OK) return e;
        }
        d->run_status = s;
        d->slot++;
    }
    return EAS_OK;
}

eas_err eas_fb_decoder_finish(eas_fb_decoder *d)
{
    if (d->slot < d->slots && d->run_status != EAS_FB_NO_DATA) {
        eas_err e = close_run(d);
        if (e != EAS_OK) return e;
        d->run_status = EAS_FB_NO_DATA;
    }
    d->slot = d->slots;
    return close_run(d);
}
