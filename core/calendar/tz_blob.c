/* The ActiveSync TimeZone blob: Windows TIME_ZONE_INFORMATION, 172 bytes little-endian.
 *   0 Bias (int32) | 4 StandardName (32 x UTF-16) | 68 StandardDate (SYSTEMTIME) | 84 StandardBias
 *  88 DaylightName | 152 DaylightDate | 168 DaylightBias */
#include <string.h>

#include "eas/base64.h"
#include "eas/bytes.h"
#include "eas/tz.h"

#define OFF_BIAS 0u
#define OFF_STD_NAME 4u
#define OFF_STD_DATE 68u
#define OFF_STD_BIAS 84u
#define OFF_DST_NAME 88u
#define OFF_DST_DATE 152u
#define OFF_DST_BIAS 168u
#define NAME_UNITS 32u

#define get16 eas_le16_get
#define put16 eas_le16_put
static int32_t get32(const uint8_t *p) { return (int32_t)eas_le32_get(p); }
static void put32(uint8_t *p, int32_t v) { eas_le32_put(p, (uint32_t)v); }

static void get_systemtime(const uint8_t *p, eas_systemtime *t)
{
    t->year = get16(p);
    t->month = get16(p + 2);
    t->day_of_week = get16(p + 4);
    t->day = get16(p + 6);
    t->hour = get16(p + 8);
    t->minute = get16(p + 10);
    t->second = get16(p + 12);
    t->milliseconds = get16(p + 14);
}

static void put_systemtime(uint8_t *p, const eas_systemtime *t)
{
    put16(p, t->year);
    put16(p + 2, t->month);
    put16(p + 4, t->day_of_week);
    put16(p + 6, t->day);
    put16(p + 8, t->hour);
    put16(p + 10, t->minute);
    put16(p + 12, t->second);
    put16(p + 14, t->milliseconds);
}

/* UTF-8 of one code point into out[0..cap); 0 when it does not fit. */
static size_t utf8_put(uint32_t cp, char *out, size_t cap)
{
    if (cp < 0x80) {
        if (cap < 1) return 0;
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        if (cap < 2) return 0;
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        if (cap < 3) return 0;
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cap < 4) return 0;
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* UTF-16LE name (32 units, ends at the first NUL) to NUL-terminated UTF-8; 1 when truncated. */
static int name_to_utf8(const uint8_t *p, char *out, size_t cap)
{
    size_t o = 0;
    int truncated = 0;
    for (unsigned i = 0; i < NAME_UNITS; i++) {
        uint32_t u = get16(p + 2 * i);
        if (u == 0) break;
        uint32_t cp = u;
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < NAME_UNITS) {
            uint32_t lo = get16(p + 2 * (i + 1));
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                i++;
            } else {
                cp = 0xFFFD;
            }
        } else if (u >= 0xD800 && u <= 0xDFFF) {
            cp = 0xFFFD;
        }
        size_t n = utf8_put(cp, out + o, cap - 1 - o);
        if (n == 0) {
            truncated = 1;
            break;
        }
        o += n;
    }
    out[o] = '\0';
    return truncated;
}

/* Next code point of NUL-terminated UTF-8 at s[*i]; malformed sequences give U+FFFD (one byte
 * consumed). 0 at the end. */
static uint32_t utf8_next(const char *s, size_t *i)
{
    const uint8_t *p = (const uint8_t *)s + *i;
    uint32_t c = p[0];
    if (c == 0) return 0;
    unsigned need;
    uint32_t min;
    if (c < 0x80) {
        (*i)++;
        return c;
    } else if ((c & 0xE0) == 0xC0) {
        need = 1;
        min = 0x80;
        c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        need = 2;
        min = 0x800;
        c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        need = 3;
        min = 0x10000;
        c &= 0x07;
    } else {
        (*i)++;
        return 0xFFFD;
    }
    for (unsigned k = 1; k <= need; k++) {
        if ((p[k] & 0xC0) != 0x80) {
            (*i)++;
            return 0xFFFD;
        }
        c = (c << 6) | (p[k] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        (*i)++;
        return 0xFFFD;
    }
    *i += need + 1;
    return c;
}

/* UTF-8 to the 32-unit UTF-16LE field: at most 31 units, then NULs. */
static void name_from_utf8(const char *s, uint8_t *p)
{
    memset(p, 0, NAME_UNITS * 2);
    if (!s) return;
    size_t i = 0;
    unsigned u = 0;
    /* Each turn consumes at least one byte or ends; the unit count caps it at 31 code points. */
    while (u < NAME_UNITS - 1) {
        uint32_t cp = utf8_next(s, &i);
        if (cp == 0) break;
        if (cp >= 0x10000) {
            if (u + 2 > NAME_UNITS - 1) break;
            cp -= 0x10000;
            put16(p + 2 * u++, (uint16_t)(0xD800 + (cp >> 10)));
            put16(p + 2 * u++, (uint16_t)(0xDC00 + (cp & 0x3FF)));
        } else {
            put16(p + 2 * u++, (uint16_t)cp);
        }
    }
}

eas_err eas_tz_blob_decode(const uint8_t *raw, size_t len, eas_tz_blob *out)
{
    if (!raw || !out) return EAS_ERR_ARG;
    if (len != EAS_TZ_BLOB_SIZE) return EAS_ERR_TZ_BLOB;
    memset(out, 0, sizeof *out);
    out->bias = get32(raw + OFF_BIAS);
    out->standard_bias = get32(raw + OFF_STD_BIAS);
    out->daylight_bias = get32(raw + OFF_DST_BIAS);
    get_systemtime(raw + OFF_STD_DATE, &out->standard_date);
    get_systemtime(raw + OFF_DST_DATE, &out->daylight_date);
    int t1 = name_to_utf8(raw + OFF_STD_NAME, out->standard_name, sizeof out->standard_name);
    int t2 = name_to_utf8(raw + OFF_DST_NAME, out->daylight_name, sizeof out->daylight_name);
    out->names_truncated = (uint8_t)(t1 || t2);
    return EAS_OK;
}

eas_err eas_tz_blob_encode(const eas_tz_blob *in, uint8_t *raw, size_t cap)
{
    if (!in || !raw) return EAS_ERR_ARG;
    if (cap < EAS_TZ_BLOB_SIZE) return EAS_ERR_NOSPACE;
    put32(raw + OFF_BIAS, in->bias);
    name_from_utf8(in->standard_name, raw + OFF_STD_NAME);
    put_systemtime(raw + OFF_STD_DATE, &in->standard_date);
    put32(raw + OFF_STD_BIAS, in->standard_bias);
    name_from_utf8(in->daylight_name, raw + OFF_DST_NAME);
    put_systemtime(raw + OFF_DST_DATE, &in->daylight_date);
    put32(raw + OFF_DST_BIAS, in->daylight_bias);
    return EAS_OK;
}

eas_err eas_tz_blob_decode_base64(const char *text, size_t len, eas_tz_blob *out)
{
    if (!text || !out) return EAS_ERR_ARG;
    uint8_t raw[EAS_TZ_BLOB_SIZE + 3];
    size_t n = 0;
    eas_base64_decoder d;
    eas_base64_decoder_init(&d);
    eas_err e = eas_base64_decode_update(&d, text, len, raw, sizeof raw, &n);
    if (e != EAS_OK) return EAS_ERR_TZ_BLOB; /* bad character, or longer than a blob */
    if (eas_base64_decode_final(&d) != EAS_OK) return EAS_ERR_TZ_BLOB;
    return eas_tz_blob_decode(raw, n, out);
}

eas_err eas_tz_blob_encode_base64(const eas_tz_blob *in, char *out, size_t cap, size_t *out_len)
{
    uint8_t raw[EAS_TZ_BLOB_SIZE];
    eas_err e = eas_tz_blob_encode(in, raw, sizeof raw);
    if (e != EAS_OK) return e;
    if (!out) return EAS_ERR_ARG;
    return eas_base64_encode(raw, sizeof raw, out, cap, out_len);
}

/* A day-in-month (wYear == 0) or absolute SYSTEMTIME as a rule date. */
static eas_err date_from_systemtime(const eas_systemtime *t, eas_tz_date *d)
{
    memset(d, 0, sizeof *d);
    if (t->month < 1 || t->month > 12 || t->hour > 23 || t->minute > 59 || t->second > 59 ||
        t->milliseconds > 999)
        return EAS_ERR_TZ_BLOB;
    d->month = (uint8_t)t->month;
    d->time = (int32_t)(t->hour * 3600u + t->minute * 60u + t->second + (t->milliseconds >= 500 ? 1u : 0u));
    if (t->year == 0) {
        if (t->day < 1 || t->day > 5 || t->day_of_week > 6) return EAS_ERR_TZ_BLOB;
        d->kind = EAS_TZ_DATE_MWD;
        d->week = (uint8_t)t->day;
        d->weekday = (uint8_t)t->day_of_week;
    } else {
        if (t->year > EAS_YEAR_MAX || t->day < 1 || t->day > eas_days_in_month(t->year, t->month))
            return EAS_ERR_TZ_BLOB;
        d->kind = EAS_TZ_DATE_ABSOLUTE;
        d->year = (int16_t)t->year;
        d->day = t->day;
    }
    return EAS_OK;
}

eas_err eas_tz_blob_to_rule(const eas_tz_blob *b, eas_tz_rule *r)
{
    if (!b || !r) return EAS_ERR_ARG;
    int64_t std = -((int64_t)b->bias + b->standard_bias) * 60;
    int64_t dst = -((int64_t)b->bias + b->daylight_bias) * 60;
    int64_t fixed = -(int64_t)b->bias * 60;
    eas_tz_rule out;
    if (b->standard_date.month == 0 || b->daylight_date.month == 0) {
        if (fixed < -EAS_TZ_OFFSET_MAX || fixed > EAS_TZ_OFFSET_MAX) return EAS_ERR_TZ_BLOB;
        eas_tz_rule_fixed(r, (int32_t)fixed);
        return EAS_OK;
    }
    if (std < -EAS_TZ_OFFSET_MAX || std > EAS_TZ_OFFSET_MAX || dst < -EAS_TZ_OFFSET_MAX || dst > EAS_TZ_OFFSET_MAX)
        return EAS_ERR_TZ_BLOB;
    memset(&out, 0, sizeof out);
    out.std_offset = (int32_t)std;
    out.dst_offset = (int32_t)dst;
    eas_err e = date_from_systemtime(&b->daylight_date, &out.dst_start);
    if (e == EAS_OK) e = date_from_systemtime(&b->standard_date, &out.dst_end);
    if (e != EAS_OK) return e;
    if ((out.dst_start.kind == EAS_TZ_DATE_ABSOLUTE) != (out.dst_end.kind == EAS_TZ_DATE_ABSOLUTE))
        return EAS_ERR_UNSUPPORTED;
    if (eas_tz_rule_check(&out) == EAS_ERR_ARG) return EAS_ERR_TZ_BLOB;
    if (out.std_offset == out.dst_offset) {
        /* Dates without a change of offset: a zone without daylight time. */
        eas_tz_rule_fixed(r, out.std_offset);
        return EAS_OK;
    }
    *r = out;
    return EAS_OK;
}

static eas_err date_to_systemtime(const eas_tz_date *d, eas_systemtime *t)
{
    memset(t, 0, sizeof *t);
    if (d->kind != EAS_TZ_DATE_MWD && d->kind != EAS_TZ_DATE_ABSOLUTE) return EAS_ERR_UNSUPPORTED;
    if (d->time < 0 || d->time > EAS_SECS_PER_DAY) return EAS_ERR_UNSUPPORTED;
    if (d->time == EAS_SECS_PER_DAY) {
        t->hour = 23;
        t->minute = 59;
        t->second = 59;
        t->milliseconds = 999;
    } else {
        t->hour = (uint16_t)(d->time / 3600);
        t->minute = (uint16_t)(d->time / 60 % 60);
        t->second = (uint16_t)(d->time % 60);
    }
    t->month = d->month;
    if (d->kind == EAS_TZ_DATE_MWD) {
        t->day = d->week;
        t->day_of_week = d->weekday;
    } else {
        t->year = (uint16_t)d->year;
        t->day = d->day;
        t->day_of_week = (uint16_t)eas_weekday(eas_days_from_civil(d->year, d->month, d->day));
    }
    return EAS_OK;
}

static int copy_name(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    int truncated = 0;
    if (n >= cap) {
        /* Cut before a UTF-8 continuation byte never splits a character. */
        n = cap - 1;
        while (n > 0 && ((uint8_t)src[n] & 0xC0) == 0x80) n--;
        truncated = 1;
    }
    if (n) memcpy(dst, src, n);
    dst[n] = '\0';
    return truncated;
}

eas_err eas_tz_rule_to_blob(const eas_tz_rule *r, const char *std_name, const char *dst_name, eas_tz_blob *b)
{
    if (!b) return EAS_ERR_ARG;
    eas_err e = eas_tz_rule_check(r);
    if (e != EAS_OK) return e;
    int dst = eas_tz_rule_has_dst(r) && r->dst_offset != r->std_offset;
    if (r->std_offset % 60 != 0 || (dst && r->dst_offset % 60 != 0)) return EAS_ERR_UNSUPPORTED;
    eas_tz_blob out;
    memset(&out, 0, sizeof out);
    out.bias = -r->std_offset / 60;
    if (dst) {
        out.daylight_bias = -(r->dst_offset - r->std_offset) / 60;
        e = date_to_systemtime(&r->dst_start, &out.daylight_date);
        if (e == EAS_OK) e = date_to_systemtime(&r->dst_end, &out.standard_date);
        if (e != EAS_OK) return e;
    }
    int t1 = copy_name(out.standard_name, sizeof out.standard_name, std_name);
    int t2 = copy_name(out.daylight_name, sizeof out.daylight_name, dst_name);
    out.names_truncated = (uint8_t)(t1 || t2);
    *b = out;
    return EAS_OK;
}

/* ---- the compact form kept in item records ----
 * Bias, StandardDate, StandardBias, DaylightDate, DaylightBias: the blob without its two names, which
 * nothing here reads (the zone is told by its rules). */
int eas_tz_compact_place(unsigned blob_pos)
{
    if (blob_pos < OFF_STD_NAME) return (int)blob_pos;                                       /* 0..3 */
    if (blob_pos >= OFF_STD_DATE && blob_pos < OFF_DST_NAME) return (int)(blob_pos - 64u);    /* 4..23 */
    if (blob_pos >= OFF_DST_DATE && blob_pos < EAS_TZ_BLOB_SIZE) return (int)(blob_pos - 128u); /* 24..43 */
    return -1;
}

void eas_tz_compact_put(uint8_t *compact, unsigned blob_pos, const uint8_t *bytes, size_t n)
{
    /* The three runs the compact form keeps: [from, to) of the blob, at from - shift. */
    static const struct { uint8_t from, to, shift; } runs[] = {
        {0, OFF_STD_NAME, 0}, {OFF_STD_DATE, OFF_DST_NAME, 64}, {OFF_DST_DATE, EAS_TZ_BLOB_SIZE, 128}};
    size_t end = (size_t)blob_pos + n;
    for (unsigned r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        size_t lo = blob_pos > runs[r].from ? blob_pos : runs[r].from, hi = end < runs[r].to ? end : runs[r].to;
        if (lo < hi) memcpy(compact + lo - runs[r].shift, bytes + (lo - blob_pos), hi - lo);
    }
}

void eas_tz_compact_from_blob(const uint8_t *blob, uint8_t *compact)
{
    memcpy(compact, blob + OFF_BIAS, 4);
    memcpy(compact + 4, blob + OFF_STD_DATE, 20);
    memcpy(compact + 24, blob + OFF_DST_DATE, 20);
}

void eas_tz_compact_to_blob(const uint8_t *compact, uint8_t *blob)
{
    memset(blob, 0, EAS_TZ_BLOB_SIZE);
    memcpy(blob + OFF_BIAS, compact, 4);
    memcpy(blob + OFF_STD_DATE, compact + 4, 20);
    memcpy(blob + OFF_DST_DATE, compact + 24, 20);
}
