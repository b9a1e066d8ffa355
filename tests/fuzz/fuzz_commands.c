/* libFuzzer harness for the command decoders (FolderSync, Provision) behind the WBXML reader.
 * The first byte picks the decoder and the chunk size. Invariants: no crash or overread; every folder
 * handed over is NUL-terminated within its buffers; the decoder's results do not depend on chunking. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eas/foldersync.h"
#include "eas/provision.h"
#include "eas/wbxml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    uint32_t changes;
    uint32_t hash;
} seen;

static eas_err on_change(void *ctx, eas_folder_change change, const eas_folder *f)
{
    seen *s = ctx;
    if (memchr(f->server_id, 0, sizeof f->server_id) == NULL) abort();
    if (memchr(f->parent_id, 0, sizeof f->parent_id) == NULL) abort();
    if (memchr(f->display_name, 0, sizeof f->display_name) == NULL) abort();
    s->changes++;
    for (const char *p = f->server_id; *p; p++) s->hash = s->hash * 31u + (uint8_t)*p;
    s->hash = s->hash * 31u + (uint32_t)change + f->type;
    return EAS_OK;
}

static eas_err decode(const uint8_t *d, size_t n, size_t step, int which, seen *s, uint32_t *status, char *key)
{
    eas_wbxml_reader r;
    eas_foldersync_decoder fs;
    eas_provision_decoder pv;
    eas_err e = EAS_OK;
    if (which == 0) {
        eas_foldersync_decoder_init(&fs, on_change, s);
        eas_wbxml_reader_init(&r, &eas_foldersync_handler, &fs);
    } else {
        eas_provision_decoder_init(&pv);
        eas_wbxml_reader_init(&r, &eas_provision_handler, &pv);
    }
    for (size_t i = 0; i < n && e == EAS_OK; i += step) e = eas_wbxml_reader_feed(&r, d + i, n - i < step ? n - i : step);
    if (e == EAS_OK) e = eas_wbxml_reader_finish(&r);
    if (which == 0) {
        *status = fs.status;
        memcpy(key, fs.sync_key, sizeof fs.sync_key);
        if (e == EAS_OK) e = eas_foldersync_decoder_finish(&fs);
    } else {
        *status = pv.status * 1000u + pv.policy_status;
        memcpy(key, pv.policy_key, sizeof pv.policy_key);
        if (e == EAS_OK) e = eas_provision_decoder_finish(&pv);
    }
    return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int which = data[0] & 1;
    size_t step = (size_t)(data[0] >> 1) % 13 + 1;
    data++;
    size--;
    seen a = {0, 0}, b = {0, 0};
    uint32_t sa = 0, sb = 0;
    char ka[EAS_SYNC_KEY_MAX + 16], kb[EAS_SYNC_KEY_MAX + 16];
    eas_err ea = decode(data, size, size ? size : 1, which, &a, &sa, ka);
    eas_err eb = decode(data, size, step, which, &b, &sb, kb);
    if (ea != eb || a.changes != b.changes || a.hash != b.hash || sa != sb) abort();
    if (ea == EAS_OK && strcmp(ka, kb) != 0) abort();
    return 0;
}
