/* POSIX TZ strings (POSIX.1-2017 8.3, with the "/time" range of -167..167 hours). */
#include <string.h>

#include "eas/tz.h"

typedef struct {
    const char *s;
    size_t len, pos;
} cursor;

static int at_end(const cursor *c) { return c->pos >= c->len; }
static char peek(const cursor *c) { return at_end(c) ? '\0' : c->s[c->pos]; }
static int is_digit(char ch) { return ch >= '0' && ch <= '9'; }
static int is_alpha(char ch) { return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z'); }

/* Up to max_digits decimal digits (at least one); the value is at most 10^max_digits - 1. */
static int number(cursor *c, unsigned max_digits, unsigned *out)
{
    unsigned v = 0, n = 0;
    while (n < max_digits && is_digit(peek(c))) {
        v = v * 10u + (unsigned)(c->s[c->pos] - '0');
        c->pos++;
        n++;
    }
    if (n == 0 || is_digit(peek(c))) return 0;
    *out = v;
    return 1;
}

static int name(cursor *c)
{
    size_t n = 0;
    if (peek(c) == '<') {
        c->pos++;
        while (!at_end(c) && peek(c) != '>') {
            char ch = peek(c);
            if (!is_alpha(ch) && !is_digit(ch) && ch != '+' && ch != '-') return 0;
            c->pos++;
            n++;
        }
        if (peek(c) != '>') return 0;
        c->pos++;
    } else {
        while (is_alpha(peek(c))) {
            c->pos++;
            n++;
        }
    }
    return n >= 3;
}

/* [+-]hh[:mm[:ss]] as seconds, hh at most max_hours. */
static int hms(cursor *c, unsigned max_hours, int32_t *out)
{
    int neg = 0;
    if (peek(c) == '+' || peek(c) == '-') {
        neg = peek(c) == '-';
        c->pos++;
    }
    unsigned h, m = 0, s = 0;
    if (!number(c, 3, &h) || h > max_hours) return 0;
    if (peek(c) == ':') {
        c->pos++;
        if (!number(c, 2, &m) || m > 59) return 0;
        if (peek(c) == ':') {
            c->pos++;
            if (!number(c, 2, &s) || s > 59) return 0;
        }
    }
    int32_t v = (int32_t)(h * 3600u + m * 60u + s);
    *out = neg ? -v : v;
    return 1;
}

static int rule_date(cursor *c, eas_tz_date *d)
{
    memset(d, 0, sizeof *d);
    unsigned v;
    if (peek(c) == 'M') {
        unsigned w, wd;
        c->pos++;
        if (!number(c, 2, &v) || v < 1 || v > 12 || peek(c) != '.') return 0;
        c->pos++;
        if (!number(c, 1, &w) || w < 1 || w > 5 || peek(c) != '.') return 0;
        c->pos++;
        if (!number(c, 1, &wd) || wd > 6) return 0;
        d->kind = EAS_TZ_DATE_MWD;
        d->month = (uint8_t)v;
        d->week = (uint8_t)w;
        d->weekday = (uint8_t)wd;
    } else if (peek(c) == 'J') {
        c->pos++;
        if (!number(c, 3, &v) || v < 1 || v > 365) return 0;
        d->kind = EAS_TZ_DATE_JULIAN1;
        d->day = (uint16_t)v;
    } else {
        if (!number(c, 3, &v) || v > 365) return 0;
        d->kind = EAS_TZ_DATE_JULIAN0;
        d->day = (uint16_t)v;
    }
    d->time = 2 * 3600;
    if (peek(c) == '/') {
        c->pos++;
        if (!hms(c, 167, &d->time)) return 0;
    }
    return 1;
}

eas_err eas_tz_parse_posix(const char *s, size_t len, eas_tz_rule *r)
{
    if (!s || !r) return EAS_ERR_ARG;
    cursor c = {s, len, 0};
    int32_t west;
    eas_tz_rule out;
    memset(&out, 0, sizeof out);
    if (!name(&c) || !hms(&c, 24, &west)) return EAS_ERR_TZ_STRING;
    out.std_offset = -west;
    out.dst_offset = out.std_offset;
    if (at_end(&c)) {
        *r = out;
        return EAS_OK;
    }
    if (!name(&c)) return EAS_ERR_TZ_STRING;
    out.dst_offset = out.std_offset + 3600;
    char ch = peek(&c);
    if (is_digit(ch) || ch == '+' || ch == '-') {
        if (!hms(&c, 24, &west)) return EAS_ERR_TZ_STRING;
        out.dst_offset = -west;
    }
    if (at_end(&c)) return EAS_ERR_UNSUPPORTED;
    if (peek(&c) != ',') return EAS_ERR_TZ_STRING;
    c.pos++;
    if (!rule_date(&c, &out.dst_start) || peek(&c) != ',') return EAS_ERR_TZ_STRING;
    c.pos++;
    if (!rule_date(&c, &out.dst_end) || !at_end(&c)) return EAS_ERR_TZ_STRING;
    if (eas_tz_rule_check(&out) != EAS_OK) return EAS_ERR_TZ_STRING;
    *r = out;
    return EAS_OK;
}

/* ---- formatting ---- */

typedef struct {
    char *out;
    size_t cap, len;
    int overflow;
} writer;

static void put(writer *w, char ch)
{
    if (w->len + 1 < w->cap) w->out[w->len++] = ch;
    else w->overflow = 1;
}

static void put_uint(writer *w, unsigned v, unsigned min_digits)
{
    char tmp[12];
    unsigned n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v && n < sizeof tmp);
    while (n < min_digits && n < sizeof tmp) tmp[n++] = '0';
    while (n) put(w, tmp[--n]);
}

/* [-]h[:mm[:ss]] with only the parts needed. */
static void put_hms(writer *w, int32_t v)
{
    if (v < 0) {
        put(w, '-');
        v = -v;
    }
    unsigned u = (unsigned)v;
    put_uint(w, u / 3600u, 1);
    if (u % 3600u) {
        put(w, ':');
        put_uint(w, u / 60u % 60u, 2);
        if (u % 60u) {
            put(w, ':');
            put_uint(w, u % 60u, 2);
        }
    }
}

/* "<+0530>": the offset east of UTC as a quoted name. */
static void put_name(writer *w, int32_t east)
{
    put(w, '<');
    put(w, east < 0 ? '-' : '+');
    unsigned u = (unsigned)(east < 0 ? -east : east);
    put_uint(w, u / 3600u, 2);
    if (u % 3600u) put_uint(w, u / 60u % 60u, 2);
    if (u % 60u) put_uint(w, u % 60u, 2);
    put(w, '>');
}

static void put_date(writer *w, const eas_tz_date *d)
{
    if (d->kind == EAS_TZ_DATE_MWD) {
        put(w, 'M');
        put_uint(w, d->month, 1);
        put(w, '.');
        put_uint(w, d->week, 1);
        put(w, '.');
        put_uint(w, d->weekday, 1);
    } else {
        if (d->kind == EAS_TZ_DATE_JULIAN1) put(w, 'J');
        put_uint(w, d->day, 1);
    }
    if (d->time != 2 * 3600) {
        put(w, '/');
        put_hms(w, d->time);
    }
}

eas_err eas_tz_format_posix(const eas_tz_rule *r, char *out, size_t cap)
{
    if (!out || cap == 0) return EAS_ERR_NOSPACE;
    eas_err e = eas_tz_rule_check(r);
    if (e != EAS_OK) return e;
    if (r->dst_start.kind == EAS_TZ_DATE_ABSOLUTE) return EAS_ERR_UNSUPPORTED;
    writer w = {out, cap, 0, 0};
    put_name(&w, r->std_offset);
    put_hms(&w, -r->std_offset);
    if (eas_tz_rule_has_dst(r)) {
        put_name(&w, r->dst_offset);
        if (r->dst_offset != r->std_offset + 3600) put_hms(&w, -r->dst_offset);
        put(&w, ',');
        put_date(&w, &r->dst_start);
        put(&w, ',');
        put_date(&w, &r->dst_end);
    }
    out[w.len] = '\0';
    return w.overflow ? EAS_ERR_NOSPACE : EAS_OK;
}
