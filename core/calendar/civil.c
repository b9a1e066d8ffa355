#include "eas/civil.h"

/* Days from 0000-03-01 to 1970-01-01: counting years from March puts the leap day at the end of the
 * counted year, so a year's day-of-year needs no leap test. */
#define DAYS_0000_03_01_TO_EPOCH 719468
#define DAYS_PER_400_YEARS 146097

int64_t eas_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

int64_t eas_floor_mod(int64_t a, int64_t b)
{
    return a - eas_floor_div(a, b) * b;
}

int64_t eas_days_from_civil(int32_t year, unsigned month, unsigned day)
{
    int64_t y = (int64_t)year - (month <= 2 ? 1 : 0);
    int64_t era = eas_floor_div(y, 400);
    int64_t year_of_era = y - era * 400;                              /* 0..399 */
    int64_t month_from_march = (month + 9u) % 12u;                    /* March = 0 */
    int64_t day_of_year = (153 * month_from_march + 2) / 5 + (int64_t)day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * DAYS_PER_400_YEARS + day_of_era - DAYS_0000_03_01_TO_EPOCH;
}

void eas_civil_from_days(int64_t days, int32_t *year, unsigned *month, unsigned *day)
{
    int64_t z = days + DAYS_0000_03_01_TO_EPOCH;
    int64_t era = eas_floor_div(z, DAYS_PER_400_YEARS);
    int64_t doe = z - era * DAYS_PER_400_YEARS; /* 0..146096 */
    /* The year of the era: remove the leap days that precede doe before dividing by 365. */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    unsigned d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    unsigned m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    *year = (int32_t)y;
    *month = m;
    *day = d;
}

unsigned eas_weekday(int64_t days)
{
    return (unsigned)eas_floor_mod(days + 4, 7);
}

int eas_is_leap_year(int32_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned eas_days_in_month(int32_t year, unsigned month)
{
    static const uint8_t len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12) return 0;
    if (month == 2 && eas_is_leap_year(year)) return 29;
    return len[month - 1];
}

eas_err eas_civil_to_seconds(const eas_civil *c, int64_t *secs)
{
    if (!c || !secs) return EAS_ERR_ARG;
    if (c->year < EAS_YEAR_MIN || c->year > EAS_YEAR_MAX) return EAS_ERR_TIME_RANGE;
    if (c->month < 1 || c->month > 12 || c->day < 1 || c->day > eas_days_in_month(c->year, c->month) ||
        c->hour > 23 || c->minute > 59 || c->second > 59)
        return EAS_ERR_ARG;
    *secs = eas_days_from_civil(c->year, c->month, c->day) * EAS_SECS_PER_DAY + (int64_t)c->hour * 3600 +
            (int64_t)c->minute * 60 + c->second;
    return EAS_OK;
}

eas_err eas_civil_from_seconds(int64_t secs, eas_civil *c)
{
    if (!c) return EAS_ERR_ARG;
    if (secs < EAS_TIME_MIN || secs > EAS_TIME_MAX) return EAS_ERR_TIME_RANGE;
    int64_t days = eas_floor_div(secs, EAS_SECS_PER_DAY);
    int64_t sod = secs - days * EAS_SECS_PER_DAY;
    int32_t y;
    unsigned m, d;
    eas_civil_from_days(days, &y, &m, &d);
    c->year = y;
    c->month = (uint8_t)m;
    c->day = (uint8_t)d;
    c->hour = (uint8_t)(sod / 3600);
    c->minute = (uint8_t)(sod / 60 % 60);
    c->second = (uint8_t)(sod % 60);
    return EAS_OK;
}

static int read_digits(const char *s, unsigned n, unsigned *out)
{
    unsigned v = 0;
    for (unsigned i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        v = v * 10u + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 1;
}

eas_err eas_datetime_parse(const char *s, size_t len, int64_t *utc)
{
    if (!s || !utc) return EAS_ERR_ARG;
    unsigned y, mo, d, h, mi, sec;
    if (len == 16) {
        if (s[8] != 'T' || s[15] != 'Z') return EAS_ERR_ARG;
        if (!read_digits(s, 4, &y) || !read_digits(s + 4, 2, &mo) || !read_digits(s + 6, 2, &d) ||
            !read_digits(s + 9, 2, &h) || !read_digits(s + 11, 2, &mi) || !read_digits(s + 13, 2, &sec))
            return EAS_ERR_ARG;
    } else if (len >= 20) {
        if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[len - 1] != 'Z')
            return EAS_ERR_ARG;
        if (!read_digits(s, 4, &y) || !read_digits(s + 5, 2, &mo) || !read_digits(s + 8, 2, &d) ||
            !read_digits(s + 11, 2, &h) || !read_digits(s + 14, 2, &mi) || !read_digits(s + 17, 2, &sec))
            return EAS_ERR_ARG;
        if (len > 20) {
            /* ".fff": at least one digit; the fraction is below the resolution kept. */
            if (s[19] != '.' || len < 22 || len > 29) return EAS_ERR_ARG;
            unsigned ignored;
            for (size_t i = 20; i + 1 < len; i++)
                if (!read_digits(s + i, 1, &ignored)) return EAS_ERR_ARG;
        }
    } else {
        return EAS_ERR_ARG;
    }
    eas_civil c = {(int32_t)y, (uint8_t)mo, (uint8_t)d, (uint8_t)h, (uint8_t)mi, (uint8_t)sec};
    if (mo > 12 || d > 31 || h > 23 || mi > 59 || sec > 59) return EAS_ERR_ARG;
    eas_err e = eas_civil_to_seconds(&c, utc);
    return e == EAS_ERR_TIME_RANGE ? EAS_ERR_ARG : e;
}

static void put_digits(char *out, unsigned v, unsigned n)
{
    for (unsigned i = n; i > 0; i--) {
        out[i - 1] = (char)('0' + v % 10u);
        v /= 10u;
    }
}

eas_err eas_datetime_format_compact(int64_t utc, char *out, size_t cap)
{
    if (!out || cap < EAS_DATETIME_COMPACT_SIZE) return EAS_ERR_NOSPACE;
    eas_civil c;
    eas_err e = eas_civil_from_seconds(utc, &c);
    if (e != EAS_OK) return e;
    put_digits(out, (unsigned)c.year, 4);
    put_digits(out + 4, c.month, 2);
    put_digits(out + 6, c.day, 2);
    out[8] = 'T';
    put_digits(out + 9, c.hour, 2);
    put_digits(out + 11, c.minute, 2);
    put_digits(out + 13, c.second, 2);
    out[15] = 'Z';
    out[16] = '\0';
    return EAS_OK;
}

eas_err eas_datetime_format_dashed(int64_t utc, char *out, size_t cap)
{
    if (!out || cap < EAS_DATETIME_DASHED_SIZE) return EAS_ERR_NOSPACE;
    eas_civil c;
    eas_err e = eas_civil_from_seconds(utc, &c);
    if (e != EAS_OK) return e;
    put_digits(out, (unsigned)c.year, 4);
    out[4] = '-';
    put_digits(out + 5, c.month, 2);
    out[7] = '-';
    put_digits(out + 8, c.day, 2);
    out[10] = 'T';
    put_digits(out + 11, c.hour, 2);
    out[13] = ':';
    put_digits(out + 14, c.minute, 2);
    out[16] = ':';
    put_digits(out + 17, c.second, 2);
    out[19] = '.';
    out[20] = out[21] = out[22] = '0';
    out[23] = 'Z';
    out[24] = '\0';
    return EAS_OK;
}
