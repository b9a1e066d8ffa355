/* MergedFreeBusy (MS-ASCMD 2.2.3.107): one digit per 30-minute slot of the window asked for, read as
 * it streams in and handed on as runs of equal status with their times, so a 32 KB string needs no
 * buffer. The window's last slot may be shorter than 30 minutes (a window that is not a multiple of
 * 30 minutes ends inside it); slots the string does not cover are reported as no data, digits past the
 * window are ignored. */
#ifndef EAS_FREEBUSY_H
#define EAS_FREEBUSY_H

#include <stddef.h>
#include <stdint.h>

#include "eas/err.h"

typedef enum {
    EAS_FB_FREE = 0,
    EAS_FB_TENTATIVE = 1,
    EAS_FB_BUSY = 2,
    EAS_FB_OOF = 3,     /* out of office */
    EAS_FB_NO_DATA = 4
} eas_fb_status;

#define EAS_FB_SLOT_S 1800

/* "free", "tentative", "busy", "out-of-office", "no-data". */
const char *eas_fb_status_name(eas_fb_status s);

/* A run of slots with the same status: [start, end) in UTC seconds. */
typedef eas_err (*eas_fb_run_fn)(void *ctx, int64_t start, int64_t end, eas_fb_status s);

typedef struct eas_fb_decoder {
    eas_fb_run_fn on_run;
    void *ctx;
    int64_t start, end; /* the window */
    uint32_t slots;     /* slots of the window */
    uint32_t slot;      /* digits read (and kept) so far */
    uint32_t run_first; /* first slot of the open run */
    uint32_t ignored;   /* digits past the window */
    uint8_t run_status; /* of the open run */
} eas_fb_decoder;

/* EAS_ERR_ARG when end <= start. */
eas_err eas_fb_decoder_init(eas_fb_decoder *d, int64_t start, int64_t end, eas_fb_run_fn on_run, void *ctx);
/* Digits '0'-'4'; anything else is EAS_ERR_PROTOCOL. */
eas_err eas_fb_decoder_feed(eas_fb_decoder *d, const char *digits, size_t len);
/* The string ended: the open run is handed on, then the rest of the window as no data. */
eas_err eas_fb_decoder_finish(eas_fb_decoder *d);

#endif
