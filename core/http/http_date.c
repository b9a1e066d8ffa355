/* HTTP-date (RFC 9110 5.6.7). Recipients must accept all three historical forms; Retry-After may carry
 * one instead of a number of seconds. */
#include "eas/civil.h"
#include "eas/http.h"

typedef struct {
    const char *s;
    size_t n, i;
} cursor;

static int lit(cursor *c, const char *t)
{
    size_t k = 0;
    while (t[k] != '\0') {
        if (c->i + k >= c->n || c->s[c->i + k] != t[k]) return 0;
        k++;
    }
    c->i += k;
    return 1;
}

static int digits(cursor *c, unsigned count, unsigned *out)
{
    unsigned v = 0;
    if (c->i + count > c->n) return 0;
    for (unsigned k = 0; k < count; k++) {
        char ch = c->s[c->i + k];
        if (ch < '0' || ch > '9') return 0;
        v = v * 10u + (unsigned)(ch - '0');
    }
    c->i += count;
    *out = v;
    return 1;
}

static int month(cursor *c, unsigned *out)
{
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (c->i + 3 > c->n) return 0;
    for (unsigned m = 0; m < 12; m++) {
        if (c->s[c->i] == names[3 * m] && c->s[c->i + 1] == names[3 * m + 1] && c->s[c->i + 2] == names[3 * m + 2]) {
            c->i += 3;
            *out = m + 1;
            return 1;
        }
    }
    return 0;
}

/* Short ("Sun") or long ("Sunday") day name; which one is required depends on the form. */
static int day_name(cursor *c, int long_form)
{
    static const char *const longs[7] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
    for (unsigned d = 0; d < 7; d++) {
        size_t save = c->i;
        if (long_form) {
            if (lit(c, longs[d])) return 1;
        } else {
            char shortname[4] = {longs[d][0], longs[d][1], longs[d][2], '\0'};
            if (lit(c, shortname)) return 1;
        }
        c->i = save;
    }
    return 0;
}

static int time_of_day(cursor *c, unsigned *h, unsigned *m, unsigned *s)
{
    return digits(c, 2, h) && lit(c, ":") && digits(c, 2, m) && lit(c, ":") && digits(c, 2, s);
}

/* 1970 on (a date before the epoch is not a time a server means); a leap second is taken as the
 * nearest representable instant. The calendar arithmetic is civil.c's. */
static eas_err to_epoch(unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s, int64_t *out)
{
    if (y < 1970 || mo > 12 || d > 31 || h > 23 || mi > 59 || s > 60) return EAS_ERR_ARG;
    eas_civil c = {(int32_t)y, (uint8_t)mo, (uint8_t)d, (uint8_t)h, (uint8_t)mi, (uint8_t)(s == 60 ? 59 : s)};
    return eas_civil_to_seconds(&c, out) == EAS_OK ? EAS_OK : EAS_ERR_ARG;
}

eas_err eas_http_parse_date(const char *s, size_t len, int64_t *out)
{
    cursor c;
    unsigned y, mo, d, h, mi, sec;
    if (!s || !out) return EAS_ERR_ARG;
    c.s = s;
    c.n = len;

    /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
    c.i = 0;
    if (day_name(&c, 0) && lit(&c, ", ") && digits(&c, 2, &d) && lit(&c, " ") && month(&c, &mo) && lit(&c, " ") &&
        digits(&c, 4, &y) && lit(&c, " ") && time_of_day(&c, &h, &mi, &sec) && lit(&c, " GMT") && c.i == len)
        return to_epoch(y, mo, d, h, mi, sec, out);

    /* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT. Two-digit years: 70..99 are 19xx, the rest 20xx. */
    c.i = 0;
    if (day_name(&c, 1) && lit(&c, ", ") && digits(&c, 2, &d) && lit(&c, "-") && month(&c, &mo) && lit(&c, "-") &&
        digits(&c, 2, &y) && lit(&c, " ") && time_of_day(&c, &h, &mi, &sec) && lit(&c, " GMT") && c.i == len)
        return to_epoch(y + (y >= 70 ? 1900u : 2000u), mo, d, h, mi, sec, out);

    /* asctime: Sun Nov  6 08:49:37 1994 */
    c.i = 0;
    if (day_name(&c, 0) && lit(&c, " ") && month(&c, &mo) && lit(&c, " ")) {
        size_t save = c.i;
        if (!(lit(&c, " ") && digits(&c, 1, &d))) {
            c.i = save;
            if (!digits(&c, 2, &d)) return EAS_ERR_ARG;
        }
        if (lit(&c, " ") && time_of_day(&c, &h, &mi, &sec) && lit(&c, " ") && digits(&c, 4, &y) && c.i == len)
            return to_epoch(y, mo, d, h, mi, sec, out);
    }
    return EAS_ERR_ARG;
}
