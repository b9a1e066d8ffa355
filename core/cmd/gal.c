#include "eas/gal.h"

#include <string.h>

#include "field.h"

static const eas_tag gal_tags[EAS_GAL_FIELD_COUNT] = {
    EAS_GAL_DisplayName, EAS_GAL_FirstName,  EAS_GAL_LastName, EAS_GAL_EmailAddress,
    EAS_GAL_Phone,       EAS_GAL_MobilePhone, EAS_GAL_HomePhone, EAS_GAL_Office,
    EAS_GAL_Company,     EAS_GAL_Title,      EAS_GAL_Alias,
};

eas_tag eas_gal_field_tag(eas_gal_field f) { return (unsigned)f < EAS_GAL_FIELD_COUNT ? gal_tags[f] : 0; }

static int field_of_tag(eas_tag tag)
{
    for (int i = 0; i < (int)EAS_GAL_FIELD_COUNT; i++)
        if (gal_tags[i] == tag) return i;
    return -1;
}

/* ------------------------------------------------------------------------------------ requests */

eas_err eas_gal_query_check(const eas_gal_query *q)
{
    if (!q || !q->text) return EAS_ERR_ARG;
    size_t n = strlen(q->text);
    if (n == 0 || n > EAS_GAL_QUERY_MAX) return EAS_ERR_ARG;
    for (size_t i = 0; i < n; i++)
        if ((uint8_t)q->text[i] < 0x20u || q->text[i] == 0x7F) return EAS_ERR_ARG;
    if (q->max > EAS_GAL_MAX_RESULTS) return EAS_ERR_ARG;
    if (q->first > UINT32_MAX - EAS_GAL_MAX_RESULTS) return EAS_ERR_ARG;
    return EAS_OK;
}

/* "first-last" in decimal. */
static eas_err write_range(eas_wbxml_writer *w, eas_tag tag, uint32_t first, uint32_t count)
{
    char buf[24];
    char *p = buf + sizeof buf;
    uint32_t v = first + count - 1u;
    *--p = '\0';
    do *--p = (char)('0' + v % 10u), v /= 10u;
    while (v);
    *--p = '-';
    v = first;
    do *--p = (char)('0' + v % 10u), v /= 10u;
    while (v);
    return eas_wbxml_text_element(w, tag, p);
}

static void write_picture(eas_wbxml_writer *w, const eas_gal_query *q, eas_tag picture, eas_tag max_size,
                          eas_tag max_pictures)
{
    if (!q->pictures) return;
    if (!q->picture_max_size && !q->max_pictures) {
        eas_wbxml_empty(w, picture);
        return;
    }
    eas_wbxml_start(w, picture);
    if (q->picture_max_size) eas_field_write_uint(w, max_size, q->picture_max_size);
    if (q->max_pictures) eas_field_write_uint(w, max_pictures, q->max_pictures);
    eas_wbxml_end(w);
}

eas_err eas_search_gal_request_write(eas_wbxml_writer *w, const eas_gal_query *q)
{
    if (eas_gal_query_check(q) != EAS_OK) return EAS_ERR_ARG;
    eas_wbxml_start(w, EAS_Search_Search);
    eas_wbxml_start(w, EAS_Search_Store);
    eas_wbxml_text_element(w, EAS_Search_Name, "GAL");
    eas_wbxml_text_element(w, EAS_Search_Query, q->text);
    if (q->max || q->pictures) {
        eas_wbxml_start(w, EAS_Search_Options);
        if (q->max) write_range(w, EAS_Search_Range, q->first, q->max);
        write_picture(w, q, EAS_Search_Picture, EAS_Search_MaxSize, EAS_Search_MaxPictures);
        eas_wbxml_end(w);
    }
    eas_wbxml_end(w);
    return eas_wbxml_end(w);
}

eas_err eas_find_gal_request_write(eas_wbxml_writer *w, const eas_gal_query *q, const char *search_id)
{
    if (eas_gal_query_check(q) != EAS_OK || !search_id || q->first != 0) return EAS_ERR_ARG;
    eas_wbxml_start(w, EAS_Find_Find);
    eas_wbxml_text_element(w, EAS_Find_SearchId, search_id);
    eas_wbxml_start(w, EAS_Find_ExecuteSearch);
    eas_wbxml_start(w, EAS_Find_GalSearchCriterion);
    eas_wbxml_text_element(w, EAS_Find_Query, q->text);
    eas_wbxml_start(w, EAS_Find_Options);
    /* Range is required in Find's Options. */
    write_range(w, EAS_Find_Range, 0, q->max ? q->max : EAS_GAL_MAX_RESULTS);
    write_picture(w, q, EAS_Find_Picture, EAS_Find_MaxSize, EAS_Find_MaxPictures);
    eas_wbxml_end(w);
    eas_wbxml_end(w);
    eas_wbxml_end(w);
    return eas_wbxml_end(w);
}

void eas_gal_search_id(const uint8_t random[16], char out[EAS_GAL_SEARCH_ID_SIZE])
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (unsigned i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
        uint8_t b = random[i];
        if (i == 6) b = (uint8_t)((b & 0x0Fu) | 0x40u); /* a version 4 (random) UUID */
        if (i == 8) b = (uint8_t)((b & 0x3Fu) | 0x80u);
        out[o++] = hex[b >> 4];
        out[o++] = hex[b & 0x0Fu];
    }
    out[o] = '\0';
}

/* ------------------------------------------------------------------------------------ decoder */

void eas_gal_decoder_init(eas_gal_decoder *d, eas_gal_entry_fn on_entry, void *ctx, eas_sink picture)
{
    memset(d, 0, sizeof *d);
    d->on_entry = on_entry;
    d->ctx = ctx;
    d->picture = picture;
    d->field = -1;
}

static int is_status(eas_tag tag) { return tag == EAS_Search_Status || tag == EAS_Find_Status; }
static int is_result(eas_tag tag) { return tag == EAS_Search_Result || tag == EAS_Find_Result; }
static int is_range(eas_tag tag) { return tag == EAS_Search_Range || tag == EAS_Find_Range; }
static int is_total(eas_tag tag) { return tag == EAS_Search_Total || tag == EAS_Find_Total; }

static eas_err on_start(void *user, eas_tag tag, int has_content)
{
    eas_gal_decoder *d = user;
    d->depth++;
    if (d->depth == 1) {
        if (tag != EAS_Search_Search && tag != EAS_Find_Find) return EAS_ERR_PROTOCOL;
        d->find = tag == EAS_Find_Find;
        return EAS_OK;
    }
    if (is_result(tag)) {
        if (d->in_result) return EAS_ERR_PROTOCOL;
        d->in_result = 1;
        memset(&d->cur, 0, sizeof d->cur);
        return EAS_OK;
    }
    if (tag == EAS_GAL_Picture) {
        if (!d->in_result || d->in_picture) return EAS_ERR_PROTOCOL;
        d->in_picture = 1;
        return EAS_OK;
    }
    if (!has_content) return EAS_OK;
    if (d->in_result) {
        int f = field_of_tag(tag);
        if (f >= 0 && !d->in_picture) {
            d->field = (int8_t)f;
            eas_wbxml_textbuf_init(&d->tb, d->cur.field[f], sizeof d->cur.field[f]);
            return EAS_OK;
        }
        if (d->in_picture && tag == EAS_GAL_Status) {
            d->number = tag;
            eas_wbxml_textbuf_init(&d->tb, d->text, sizeof d->text);
        }
        return EAS_OK; /* other properties (airsync:Class, ServerId of Find) are not kept */
    }
    if (is_status(tag) || is_range(tag) || is_total(tag)) {
        d->number = tag;
        eas_wbxml_textbuf_init(&d->tb, d->text, sizeof d->text);
    }
    return EAS_OK;
}

/* "m-n", both decimal, m <= n. */
static int parse_range(const char *s, uint32_t *first, uint32_t *last)
{
    const char *dash = strchr(s, '-');
    char a[12];
    if (!dash || (size_t)(dash - s) >= sizeof a) return 0;
    memcpy(a, s, (size_t)(dash - s));
    a[dash - s] = '\0';
    if (!eas_field_uint(a, first) || !eas_field_uint(dash + 1, last)) return 0;
    return *first <= *last;
}

static eas_err number_done(eas_gal_decoder *d, eas_tag tag)
{
    uint32_t v;
    if (d->tb.truncated) return EAS_ERR_PROTOCOL;
    if (tag == EAS_GAL_Status) {
        if (!eas_field_uint(d->text, &v)) return EAS_ERR_PROTOCOL;
        d->cur.picture_status = (uint8_t)(v > 255u ? 255u : v);
        return EAS_OK;
    }
    if (is_range(tag)) {
        if (!parse_range(d->text, &d->range_first, &d->range_last)) return EAS_ERR_PROTOCOL;
        d->have_range = 1;
        return EAS_OK;
    }
    if (!eas_field_uint(d->text, &v)) return EAS_ERR_PROTOCOL;
    if (is_total(tag)) {
        d->total = v;
        d->have_total = 1;
    } else if (d->depth == 1) { /* the command's Status, right under the root (depth after the end) */
        d->status = v;
    } else {
        d->store_status = v;
    }
    return EAS_OK;
}

static eas_err on_end(void *user, eas_tag tag)
{
    eas_gal_decoder *d = user;
    d->depth--;
    if (d->field >= 0 && tag == gal_tags[d->field]) {
        if (d->tb.truncated) d->cur.truncated |= (uint16_t)(1u << d->field);
        d->field = -1;
        return EAS_OK;
    }
    if (d->number && tag == d->number) {
        d->number = 0;
        return number_done(d, tag);
    }
    if (tag == EAS_GAL_Picture) {
        d->in_picture = 0;
        return EAS_OK;
    }
    if (is_result(tag) && d->in_result) {
        d->in_result = 0;
        /* An empty Result (Exchange sends one when nothing matched) is no entry. */
        int any = d->cur.picture_status != 0;
        for (unsigned i = 0; i < EAS_GAL_FIELD_COUNT && !any; i++) any = d->cur.field[i][0] != '\0';
        if (!any) return EAS_OK;
        d->entries++;
        return d->on_entry ? d->on_entry(d->ctx, &d->cur) : EAS_OK;
    }
    return EAS_OK;
}

static eas_err on_text(void *user, const uint8_t *data, size_t len, int last)
{
    eas_gal_decoder *d = user;
    (void)last;
    if (d->in_picture && d->field < 0 && !d->number) {
        /* gal:Data: the photo, straight to the sink */
        d->cur.picture_bytes += (uint32_t)len;
        return d->picture.write && len ? d->picture.write(d->picture.ctx, data, len) : EAS_OK;
    }
    eas_field_collect(&d->tb, d->field >= 0 || d->number != 0, data, len);
    return EAS_OK;
}

static eas_err on_opaque(void *user, const uint8_t *data, size_t len, uint32_t total, int last)
{
    (void)total;
    return on_text(user, data, len, last);
}

const eas_wbxml_handler eas_gal_handler = {on_start, on_end, on_text, on_opaque};

eas_err eas_gal_decoder_finish(const eas_gal_decoder *d) { return d->status ? EAS_OK : EAS_ERR_PROTOCOL; }

uint32_t eas_gal_decoder_status(const eas_gal_decoder *d)
{
    return eas_field_deciding_status(d->status, d->store_status);
}
