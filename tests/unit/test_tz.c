/* Civil dates, POSIX TZ strings, the ActiveSync TimeZone blob and local <-> UTC at every change of
 * Europe/Berlin, America/New_York and Australia/Sydney from 2024 to 2030. The expected instants come
 * from Python's zoneinfo (tzdata), not from this code. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "eas/civil.h"
#include "eas/err.h"
#include "eas/tz.h"

/* Exchange's blobs for the three zones (built from the Windows zone data, 172 bytes each). */
static const char BLOB_BERLIN[] =
    "xP///1cALgAgAEUAdQByAG8AcABlACAAUwB0AGEAbgBkAGEAcgBkACAAVABpAG0AZQAAAAAAAAAAAAAAAAAAAAAAAAAAAAoAAAAFAAMAAAAAAAA"
    "AAAAAAFcALgAgAEUAdQByAG8AcABlACAARABhAHkAbABpAGcAaAB0ACAAVABpAG0AZQAAAAAAAAAAAAAAAAAAAAAAAAAAAAMAAAAFAAIAAAAAAAAA"
    "xP///w==";
static const char BLOB_NEW_YORK[] =
    "LAEAAEUAYQBzAHQAZQByAG4AIABTAHQAYQBuAGQAYQByAGQAIABUAGkAbQBlAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAsAAAABAAIAAAAAAAA"
    "AAAAAAEUAYQBzAHQAZQByAG4AIABEAGEAeQBsAGkAZwBoAHQAIABUAGkAbQBlAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAMAAAACAAIAAAAAAAAA"
    "xP///w==";
static const char BLOB_SYDNEY[] =
    "qP3//0EAVQBTACAARQBhAHMAdABlAHIAbgAgAFMAdABhAG4AZABhAHIAZAAgAFQAaQBtAGUAAAAAAAAAAAAAAAAAAAAAAAQAAAABAAMAAAAAAAA"
    "AAAAAAEEAVQBTACAARQBhAHMAdABlAHIAbgAgAEQAYQB5AGwAaQBnAGgAdAAgAFQAaQBtAGUAAAAAAAAAAAAAAAAAAAAAAAoAAAABAAIAAAAAAAAA"
    "xP///w==";
/* The Berlin example the issue quotes: its names are 26 units, not 32, so it is 148 bytes long. */
static const char BLOB_SHORT[] =
    "xP///0MAZQBuAHQAcgBhAGwAIABFAHUAcgBvAHAAZQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAKAAAABQADAAAAAAAAAAAAAABDAGUAbgB0AH"
    "IAYQBsACAARQB1AHIAbwBwAGUAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAwAAAAUAAgAAAAAAAAAAAAAAxP///w==";

/* zoneinfo: every change 2024-2030 (UTC seconds), offsets before and after. */
typedef struct {
    const char *name, *posix, *blob;
    int32_t std, dst;
    int64_t changes[14]; /* alternate: first change of 2024, then ... */
    int first_is_start;  /* the first change listed starts daylight time */
} zone_case;

static const zone_case ZONES[] = {
    {"Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3", BLOB_BERLIN, 3600, 7200,
     {1711846800, 1729990800, 1743296400, 1761440400, 1774746000, 1792890000, 1806195600, 1824944400, 1837645200,
      1856394000, 1869094800, 1887843600, 1901149200, 1919293200},
     1},
    {"America/New_York", "EST5EDT,M3.2.0,M11.1.0", BLOB_NEW_YORK, -18000, -14400,
     {1710054000, 1730613600, 1741503600, 1762063200, 1772953200, 1793512800, 1805007600, 1825567200, 1836457200,
      1857016800, 1867906800, 1888466400, 1899356400, 1919916000},
     1},
    {"Australia/Sydney", "AEST-10AEDT,M10.1.0,M4.1.0/3", BLOB_SYDNEY, 36000, 39600,
     {1712419200, 1728144000, 1743868800, 1759593600, 1775318400, 1791043200, 1806768000, 1822492800, 1838217600,
      1853942400, 1869667200, 1885996800, 1901721600, 1917446400},
     0},
};

static int64_t at(int y, int mo, int d, int h, int mi, int s)
{
    return eas_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
}

TEST(civil_days_round_trip_and_known_dates)
{
    CHECK_EQ(eas_days_from_civil(1970, 1, 1), 0);
    CHECK_EQ(eas_days_from_civil(2000, 3, 1), 11017);
    CHECK_EQ(eas_days_from_civil(1969, 12, 31), -1);
    CHECK_EQ(eas_days_from_civil(1, 1, 1), -719162);
    CHECK_EQ(eas_weekday(0), 4);                                 /* Thursday */
    CHECK_EQ(eas_weekday(eas_days_from_civil(2024, 2, 29)), 4);  /* Thursday */
    CHECK_EQ(eas_weekday(eas_days_from_civil(1900, 1, 1)), 1);   /* Monday */
    CHECK_EQ(eas_days_in_month(2024, 2), 29);
    CHECK_EQ(eas_days_in_month(2100, 2), 28);
    CHECK_EQ(eas_days_in_month(2000, 2), 29);
    CHECK_EQ(eas_days_in_month(2025, 13), 0);
    /* Every day from year 1 to 9999 converts both ways and weekdays step by one. */
    int64_t first = eas_days_from_civil(1, 1, 1), last = eas_days_from_civil(9999, 12, 31);
    int32_t py = 1;
    unsigned pm = 1, pd = 0;
    for (int64_t d = first; d <= last; d++) {
        int32_t y;
        unsigned m, dd;
        eas_civil_from_days(d, &y, &m, &dd);
        CHECK_MSG(eas_days_from_civil(y, m, dd) == d, "day %lld", (long long)d);
        int next = (y == py && m == pm && dd == pd + 1) || (y == py && m == pm + 1 && dd == 1) ||
                   (y == py + 1 && m == 1 && dd == 1 && pm == 12 && pd == 31);
        CHECK_MSG(next || d == first, "day %lld is %d-%u-%u after %d-%u-%u", (long long)d, y, m, dd, py, pm, pd);
        CHECK(dd <= eas_days_in_month(y, m));
        py = y;
        pm = m;
        pd = dd;
    }
    CHECK_EQ(py, 9999);
}

TEST(civil_seconds_and_datetime_text)
{
    eas_civil c = {2026, 12, 1, 9, 0, 0};
    int64_t t;
    CHECK_OK(eas_civil_to_seconds(&c, &t));
    CHECK_EQ(t, 1796115600);
    eas_civil back;
    CHECK_OK(eas_civil_from_seconds(t, &back));
    CHECK(back.year == 2026 && back.month == 12 && back.day == 1 && back.hour == 9 && back.minute == 0 &&
          back.second == 0);
    eas_civil bad = {2025, 2, 29, 0, 0, 0};
    CHECK_EQ(eas_civil_to_seconds(&bad, &t), EAS_ERR_ARG);
    eas_civil far = {10000, 1, 1, 0, 0, 0};
    CHECK_EQ(eas_civil_to_seconds(&far, &t), EAS_ERR_TIME_RANGE);
    CHECK_EQ(eas_civil_from_seconds(EAS_TIME_MAX + 1, &back), EAS_ERR_TIME_RANGE);
    CHECK_OK(eas_civil_from_seconds(EAS_TIME_MIN, &back));
    CHECK(back.year == 1 && back.month == 1 && back.day == 1 && back.hour == 0);

    CHECK_OK(eas_datetime_parse("20261201T090000Z", 16, &t));
    CHECK_EQ(t, 1796115600);
    CHECK_OK(eas_datetime_parse("2026-12-01T09:00:00.000Z", 24, &t));
    CHECK_EQ(t, 1796115600);
    CHECK_OK(eas_datetime_parse("2026-12-01T09:00:00Z", 20, &t));
    CHECK_EQ(t, 1796115600);
    CHECK_OK(eas_datetime_parse("1969-12-31T23:59:59.5Z", 22, &t));
    CHECK_EQ(t, -1);
    static const char *bad_text[] = {"20261201T090000", "20261301T090000Z", "20260230T090000Z", "20261201T240000Z",
                                     "2026-12-01 09:00:00Z", "2026-12-01T09:00:00.Z", "00001201T090000Z",
                                     "2026120AT090000Z", "2026-12-01T09:00:00.000"};
    for (size_t i = 0; i < sizeof bad_text / sizeof bad_text[0]; i++)
        CHECK_MSG(eas_datetime_parse(bad_text[i], strlen(bad_text[i]), &t) == EAS_ERR_ARG, "%s", bad_text[i]);
    char out[EAS_DATETIME_DASHED_SIZE];
    CHECK_OK(eas_datetime_format_compact(1796115600, out, EAS_DATETIME_COMPACT_SIZE));
    CHECK_STR(out, "20261201T090000Z");
    CHECK_EQ(eas_datetime_format_compact(0, out, 16), EAS_ERR_NOSPACE);
    CHECK_OK(eas_datetime_format_dashed(-1, out, sizeof out));
    CHECK_STR(out, "1969-12-31T23:59:59.000Z");
}

static eas_err posix(const char *s, eas_tz_rule *r) { return eas_tz_parse_posix(s, strlen(s), r); }

TEST(tz_posix_strings_parse)
{
    eas_tz_rule r;
    CHECK_OK(posix("CET-1CEST,M3.5.0,M10.5.0/3", &r));
    CHECK_EQ(r.std_offset, 3600);
    CHECK_EQ(r.dst_offset, 7200);
    CHECK(r.dst_start.kind == EAS_TZ_DATE_MWD && r.dst_start.month == 3 && r.dst_start.week == 5 &&
          r.dst_start.weekday == 0 && r.dst_start.time == 7200);
    CHECK(r.dst_end.month == 10 && r.dst_end.time == 3 * 3600);
    CHECK_OK(posix("EST5EDT,M3.2.0,M11.1.0", &r));
    CHECK_EQ(r.std_offset, -18000);
    CHECK_EQ(r.dst_offset, -14400);
    CHECK_OK(posix("UTC0", &r));
    CHECK(!eas_tz_rule_has_dst(&r) && r.std_offset == 0);
    CHECK_OK(posix("<+0330>-3:30", &r));
    CHECK(!eas_tz_rule_has_dst(&r) && r.std_offset == 12600);
    CHECK_OK(posix("<-03>3", &r));
    CHECK_EQ(r.std_offset, -10800);
    CHECK_OK(posix("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", &r)); /* Lord Howe: 30 minutes of DST */
    CHECK_EQ(r.dst_offset - r.std_offset, 1800);
    CHECK_OK(posix("<-04>4<-03>,M9.1.6/24,M4.1.6/24", &r)); /* Santiago: 24:00 */
    CHECK_EQ(r.dst_start.time, 86400);
    CHECK_OK(posix("<-02>2<-01>,M3.5.0/-1,M10.5.0/0", &r)); /* Nuuk: a negative time */
    CHECK_EQ(r.dst_start.time, -3600);
    CHECK_OK(posix("IST-1GMT0,M10.5.0,M3.5.0/1", &r)); /* Dublin: "daylight" is the smaller offset */
    CHECK_EQ(r.std_offset, 3600);
    CHECK_EQ(r.dst_offset, 0);
    CHECK_OK(posix("EST5EDT,0/0,J365/25", &r)); /* daylight time all year (POSIX.1-2017 example) */
    CHECK(r.dst_start.kind == EAS_TZ_DATE_JULIAN0 && r.dst_end.kind == EAS_TZ_DATE_JULIAN1 &&
          r.dst_end.day == 365 && r.dst_end.time == 25 * 3600);
    CHECK_OK(posix("AAA3BBB,J60/167,300/-167", &r));
    CHECK_EQ(r.dst_start.time, 167 * 3600);
    CHECK_EQ(r.dst_end.time, -167 * 3600);

    static const char *bad[] = {"", "CET", "CE-1", "CET-1CEST,M3.5.0", "CET-1CEST,M13.5.0,M10.5.0",
                                "CET-1CEST,M3.6.0,M10.5.0", "CET-1CEST,M3.5.7,M10.5.0", "CET-1CEST,M3.5.0,M10.5.0/168",
                                "CET-25", "CET-1CEST,J0,J365", "CET-1CEST,366,1", "<+01-1", "<+1>-1", "CET-1 ",
                                "CET-1CEST,M3.5.0,M10.5.0x", "CET-1:60", "CET-1CEST,M3.05.0,M10.5.0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(posix(bad[i], &r) == EAS_ERR_TZ_STRING, "%s: %s", bad[i], eas_err_name(posix(bad[i], &r)));
    /* A daylight name without rules: POSIX leaves the rules open; the device must give them. */
    CHECK_EQ(posix("CET-1CEST", &r), EAS_ERR_UNSUPPORTED);
    CHECK_EQ(eas_tz_parse_posix("UTC0\0", 5, &r), EAS_ERR_TZ_STRING);
}

TEST(tz_posix_format_round_trips)
{
    static const char *cases[] = {"CET-1CEST,M3.5.0,M10.5.0/3", "EST5EDT,M3.2.0,M11.1.0", "AEST-10AEDT,M10.1.0,M4.1.0/3",
                                  "UTC0", "<+0330>-3:30", "<-04>4<-03>,M9.1.6/24,M4.1.6/24",
                                  "IST-1GMT0,M10.5.0,M3.5.0/1", "AAA3BBB,J60/167:30:01,300/-167",
                                  "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", "XXX-0:00:30"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        eas_tz_rule a, b;
        char text[96];
        CHECK_OK(posix(cases[i], &a));
        CHECK_OK(eas_tz_format_posix(&a, text, sizeof text));
        CHECK_MSG(posix(text, &b) == EAS_OK, "%s -> %s", cases[i], text);
        CHECK_MSG(eas_tz_rule_equal(&a, &b), "%s -> %s", cases[i], text);
    }
    eas_tz_rule r;
    char text[96];
    CHECK_OK(posix("CET-1CEST,M3.5.0,M10.5.0/3", &r));
    CHECK_OK(eas_tz_format_posix(&r, text, sizeof text));
    CHECK_STR(text, "<+01>-1<+02>,M3.5.0,M10.5.0/3");
    CHECK_EQ(eas_tz_format_posix(&r, text, 10), EAS_ERR_NOSPACE);
    CHECK_EQ(strlen(text), 9);
}

TEST(tz_blob_decodes_real_blobs)
{
    eas_tz_blob b;
    CHECK_OK(eas_tz_blob_decode_base64(BLOB_BERLIN, strlen(BLOB_BERLIN), &b));
    CHECK_EQ(b.bias, -60);
    CHECK_EQ(b.standard_bias, 0);
    CHECK_EQ(b.daylight_bias, -60);
    CHECK_STR(b.standard_name, "W. Europe Standard Time");
    CHECK_STR(b.daylight_name, "W. Europe Daylight Time");
    CHECK(b.standard_date.month == 10 && b.standard_date.day == 5 && b.standard_date.day_of_week == 0 &&
          b.standard_date.hour == 3 && b.standard_date.year == 0);
    CHECK(b.daylight_date.month == 3 && b.daylight_date.day == 5 && b.daylight_date.hour == 2);
    eas_tz_rule r, want;
    CHECK_OK(eas_tz_blob_to_rule(&b, &r));
    CHECK_OK(posix("CET-1CEST,M3.5.0,M10.5.0/3", &want));
    CHECK(eas_tz_rule_equal(&r, &want));
    for (size_t i = 0; i < sizeof ZONES / sizeof ZONES[0]; i++) {
        CHECK_OK(eas_tz_blob_decode_base64(ZONES[i].blob, strlen(ZONES[i].blob), &b));
        CHECK_OK(eas_tz_blob_to_rule(&b, &r));
        CHECK_OK(posix(ZONES[i].posix, &want));
        CHECK_MSG(eas_tz_rule_equal(&r, &want), "%s", ZONES[i].name);
    }
    /* The 148-byte example is refused, not guessed at. */
    CHECK_EQ(eas_tz_blob_decode_base64(BLOB_SHORT, strlen(BLOB_SHORT), &b), EAS_ERR_TZ_BLOB);
    CHECK_EQ(eas_tz_blob_decode_base64("xP///w==", 8, &b), EAS_ERR_TZ_BLOB);
    CHECK_EQ(eas_tz_blob_decode_base64("xP//!w==", 8, &b), EAS_ERR_TZ_BLOB);
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

TEST(tz_blob_sogo_utc_garbage_means_no_dst)
{
    /* SOGo for a zone without DST: Bias 0, StandardDate with wMonth 0 and random bytes elsewhere,
     * and whatever in DaylightDate/DaylightBias. */
    uint8_t raw[EAS_TZ_BLOB_SIZE];
    for (size_t i = 0; i < sizeof raw; i++) raw[i] = (uint8_t)(i * 37u + 11u);
    memset(raw, 0, 4);                      /* Bias 0 */
    memset(raw + 4, 0, 64);                 /* StandardName "UTC" */
    put16(raw + 4, 'U');
    put16(raw + 6, 'T');
    put16(raw + 8, 'C');
    put16(raw + 68 + 2, 0);                 /* StandardDate.wMonth = 0; the rest stays garbage */
    put16(raw + 152 + 2, 3);                /* DaylightDate looks like a date */
    put16(raw + 152 + 6, 5);
    eas_tz_blob b;
    CHECK_OK(eas_tz_blob_decode(raw, sizeof raw, &b));
    CHECK_STR(b.standard_name, "UTC");
    CHECK(b.standard_date.year != 0 && b.standard_date.hour != 0); /* garbage kept as decoded */
    eas_tz_rule r;
    CHECK_OK(eas_tz_blob_to_rule(&b, &r));
    CHECK(!eas_tz_rule_has_dst(&r));
    CHECK_EQ(r.std_offset, 0);
    int64_t local;
    CHECK_OK(eas_tz_utc_to_local(&r, 1719835200, &local));
    CHECK_EQ(local, 1719835200);
    /* Same with a non-zero Bias (India, +05:30), garbage StandardBias ignored. */
    raw[0] = 0xBE; /* -330 = 0xFFFFFEB6 */
    raw[0] = 0xB6;
    raw[1] = 0xFE;
    raw[2] = 0xFF;
    raw[3] = 0xFF;
    raw[84] = 0x55;
    CHECK_OK(eas_tz_blob_decode(raw, sizeof raw, &b));
    CHECK_OK(eas_tz_blob_to_rule(&b, &r));
    CHECK_EQ(r.std_offset, 19800);
    CHECK(!eas_tz_rule_has_dst(&r));
    /* DaylightDate.wMonth == 0 alone is enough too. */
    put16(raw + 68 + 2, 10);
    put16(raw + 152 + 2, 0);
    CHECK_OK(eas_tz_blob_decode(raw, sizeof raw, &b));
    CHECK_OK(eas_tz_blob_to_rule(&b, &r));
    CHECK(!eas_tz_rule_has_dst(&r));
    CHECK_EQ(eas_tz_blob_decode(raw, sizeof raw - 1, &b), EAS_ERR_TZ_BLOB);
}

TEST(tz_blob_rejects_bad_dates_and_reports_absolute_ones)
{
    eas_tz_rule berlin;
    CHECK_OK(posix("CET-1CEST,M3.5.0,M10.5.0/3", &berlin));
    eas_tz_blob b, good;
    CHECK_OK(eas_tz_rule_to_blob(&berlin, "A", "B", &good));
    b = good;
    b.standard_date.day = 6; /* week 6 */
    eas_tz_rule r;
    CHECK_EQ(eas_tz_blob_to_rule(&b, &r), EAS_ERR_TZ_BLOB);
    b = good;
    b.daylight_date.month = 13;
    CHECK_EQ(eas_tz_blob_to_rule(&b, &r), EAS_ERR_TZ_BLOB);
    b = good;
    b.daylight_date.day_of_week = 7;
    CHECK_EQ(eas_tz_blob_to_rule(&b, &r), EAS_ERR_TZ_BLOB);
    b = good;
    b.standard_date.hour = 24;
    CHECK_EQ(eas_tz_blob_to_rule(&b, &r), EAS_ERR_TZ_BLOB);
    b = good;
    b.bias = 100000;
    CHECK_EQ(eas_tz_blob_to_rule(&b, &r), EAS_ERR_TZ_BLOB);
    /* One absolute date and one yearly one: refused clearly. */
    b = good;
    b.daylight_date.year = 2025;
    b.daylight_date.day = 30;
    CHECK_EQ(eas_tz_blob_to_rule(&b, &r), EAS_ERR_UNSUPPORTED);
    /* Both absolute: a one-time daylight period, 2025-03-30 02:00 to 2025-10-26 03:00 local. */
    b.standard_date.year = 2025;
    b.standard_date.day = 26;
    CHECK_OK(eas_tz_blob_to_rule(&b, &r));
    CHECK_EQ(r.dst_start.kind, EAS_TZ_DATE_ABSOLUTE);
    int32_t off;
    CHECK_OK(eas_tz_offset_at(&r, at(2025, 3, 30, 1, 0, 0) - 1, &off, NULL));
    CHECK_EQ(off, 3600);
    CHECK_OK(eas_tz_offset_at(&r, at(2025, 3, 30, 1, 0, 0), &off, NULL));
    CHECK_EQ(off, 7200);
    CHECK_OK(eas_tz_offset_at(&r, at(2025, 10, 26, 1, 0, 0), &off, NULL));
    CHECK_EQ(off, 3600);
    CHECK_OK(eas_tz_offset_at(&r, at(2026, 7, 1, 0, 0, 0), &off, NULL)); /* no DST the next summer */
    CHECK_EQ(off, 3600);
    CHECK_OK(eas_tz_offset_at(&r, at(2024, 7, 1, 0, 0, 0), &off, NULL));
    CHECK_EQ(off, 3600);
    char text[64];
    CHECK_EQ(eas_tz_format_posix(&r, text, sizeof text), EAS_ERR_UNSUPPORTED);
    /* It goes back into a blob with its dates and a correct weekday. */
    CHECK_OK(eas_tz_rule_to_blob(&r, NULL, NULL, &b));
    CHECK(b.daylight_date.year == 2025 && b.daylight_date.day == 30 && b.daylight_date.day_of_week == 0);
    /* Day 31 of a 30-day month. */
    b.standard_date.month = 9;
    b.standard_date.day = 31;
    CHECK_EQ(eas_tz_blob_to_rule(&b, &r), EAS_ERR_TZ_BLOB);
}

TEST(tz_blob_encode_round_trips)
{
    for (size_t i = 0; i < sizeof ZONES / sizeof ZONES[0]; i++) {
        eas_tz_blob b;
        CHECK_OK(eas_tz_blob_decode_base64(ZONES[i].blob, strlen(ZONES[i].blob), &b));
        char text[EAS_TZ_BLOB_BASE64_LEN + 1];
        size_t n;
        CHECK_OK(eas_tz_blob_encode_base64(&b, text, sizeof text, &n));
        CHECK_EQ(n, EAS_TZ_BLOB_BASE64_LEN);
        CHECK_STR(text, ZONES[i].blob); /* byte for byte */
        /* From the POSIX rule with the same names: the same blob too. */
        eas_tz_rule r;
        eas_tz_blob again;
        CHECK_OK(posix(ZONES[i].posix, &r));
        CHECK_OK(eas_tz_rule_to_blob(&r, b.standard_name, b.daylight_name, &again));
        CHECK_OK(eas_tz_blob_encode_base64(&again, text, sizeof text, &n));
        CHECK_STR(text, ZONES[i].blob);
        CHECK_EQ(eas_tz_blob_encode_base64(&again, text, EAS_TZ_BLOB_BASE64_LEN - 1, &n), EAS_ERR_NOSPACE);
    }
    /* Non-ASCII names survive, a name too long is cut at 31 units. */
    eas_tz_rule r;
    eas_tz_blob b, back;
    CHECK_OK(posix("<+01>-1", &r));
    CHECK_OK(eas_tz_rule_to_blob(&r, "Mitteleurop\xC3\xA4ische Zeit \xF0\x9F\x95\x90", "\xE6\x97\xA5\xE6\x9C\xAC", &b));
    uint8_t raw[EAS_TZ_BLOB_SIZE];
    CHECK_OK(eas_tz_blob_encode(&b, raw, sizeof raw));
    CHECK_OK(eas_tz_blob_decode(raw, sizeof raw, &back));
    CHECK_STR(back.standard_name, "Mitteleurop\xC3\xA4ische Zeit \xF0\x9F\x95\x90");
    CHECK_STR(back.daylight_name, "\xE6\x97\xA5\xE6\x9C\xAC");
    CHECK_OK(eas_tz_rule_to_blob(&r, "0123456789012345678901234567890123456789", "bad \xC3 utf8 \xED\xA0\x80", &b));
    CHECK_OK(eas_tz_blob_encode(&b, raw, sizeof raw));
    CHECK_OK(eas_tz_blob_decode(raw, sizeof raw, &back));
    CHECK_STR(back.standard_name, "0123456789012345678901234567890");
    CHECK_STR(back.daylight_name, "bad \xEF\xBF\xBD utf8 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    /* Unpaired surrogates decode to U+FFFD; an unterminated 32-unit name is kept whole. */
    memset(raw + 4, 0, 64);
    put16(raw + 4, 0xD800);
    put16(raw + 6, 'x');
    put16(raw + 8, 0xDC00);
    for (unsigned i = 0; i < 32; i++) put16(raw + 88 + 2 * i, 'a' + i % 26);
    CHECK_OK(eas_tz_blob_decode(raw, sizeof raw, &back));
    CHECK_STR(back.standard_name, "\xEF\xBF\xBDx\xEF\xBF\xBD");
    CHECK_EQ(strlen(back.daylight_name), 32);
    CHECK_EQ(back.names_truncated, 0);
    /* Rules a blob cannot hold. */
    CHECK_OK(posix("XXX-0:00:30", &r));
    CHECK_EQ(eas_tz_rule_to_blob(&r, NULL, NULL, &b), EAS_ERR_UNSUPPORTED);
    CHECK_OK(posix("EST5EDT,0/0,J365/25", &r));
    CHECK_EQ(eas_tz_rule_to_blob(&r, NULL, NULL, &b), EAS_ERR_UNSUPPORTED);
    CHECK_OK(posix("<-04>4<-03>,M9.1.6/24,M4.1.6/24", &r)); /* 24:00 becomes 23:59:59.999 */
    CHECK_OK(eas_tz_rule_to_blob(&r, NULL, NULL, &b));
    CHECK(b.daylight_date.hour == 23 && b.daylight_date.minute == 59 && b.daylight_date.milliseconds == 999);
    eas_tz_rule again;
    CHECK_OK(eas_tz_blob_to_rule(&b, &again));
    CHECK(eas_tz_rule_equal(&r, &again));
}

/* Checks conversions at and around one change: before -> after at UTC t. */
static void check_change(const eas_tz_rule *r, int64_t t, int32_t before, int32_t after, const char *what)
{
    int32_t off;
    int dst;
    int64_t local, utc;
    unsigned how;
    CHECK_OK(eas_tz_offset_at(r, t - 1, &off, &dst));
    CHECK_MSG(off == before, "%s %lld: offset before %d", what, (long long)t, off);
    CHECK_OK(eas_tz_offset_at(r, t, &off, NULL));
    CHECK_MSG(off == after, "%s %lld: offset after %d", what, (long long)t, off);
    CHECK_OK(eas_tz_utc_to_local(r, t - 1, &local));
    CHECK_EQ(local, t - 1 + before);
    CHECK_OK(eas_tz_utc_to_local(r, t, &local));
    CHECK_EQ(local, t + after);
    /* The last local second before the change and the first after it are unambiguous. */
    CHECK_OK(eas_tz_local_to_utc(r, t - 1 + (before < after ? before : after), EAS_TZ_PICK_STRICT, &utc, &how));
    CHECK_EQ(utc, t - 1 + (before < after ? 0 : after - before));
    CHECK_OK(eas_tz_local_to_utc(r, t + (before > after ? before : after), EAS_TZ_PICK_STRICT, &utc, &how));
    CHECK_EQ(utc, t + (before > after ? before - after : 0));
    if (after > before) {
        /* Spring forward: [t + before, t + after) does not exist; moved forward by the jump. */
        int64_t gap[3] = {t + before, t + before + 1800, t + after - 1};
        for (int i = 0; i < 3; i++) {
            CHECK_OK(eas_tz_local_to_utc(r, gap[i], EAS_TZ_PICK_EARLIER, &utc, &how));
            CHECK_MSG(utc == gap[i] - before && how == EAS_TZ_LOCAL_SKIPPED, "%s gap %d", what, i);
            CHECK_OK(eas_tz_local_to_utc(r, gap[i], EAS_TZ_PICK_LATER, &utc, &how));
            CHECK_EQ(utc, gap[i] - before);
            CHECK_EQ(eas_tz_local_to_utc(r, gap[i], EAS_TZ_PICK_STRICT, &utc, &how), EAS_ERR_TIME_SKIPPED);
        }
    } else {
        /* Fall back: [t + after, t + before) happens twice. */
        int64_t twice[3] = {t + after, t + after + 1800, t + before - 1};
        for (int i = 0; i < 3; i++) {
            CHECK_OK(eas_tz_local_to_utc(r, twice[i], EAS_TZ_PICK_EARLIER, &utc, &how));
            CHECK_MSG(utc == twice[i] - before && how == EAS_TZ_LOCAL_REPEATED, "%s repeat %d", what, i);
            CHECK_OK(eas_tz_local_to_utc(r, twice[i], EAS_TZ_PICK_LATER, &utc, &how));
            CHECK_EQ(utc, twice[i] - after);
            CHECK_EQ(eas_tz_local_to_utc(r, twice[i], EAS_TZ_PICK_STRICT, &utc, &how), EAS_ERR_TIME_REPEATED);
        }
    }
}

TEST(tz_conversions_at_every_change_2024_2030)
{
    for (size_t z = 0; z < sizeof ZONES / sizeof ZONES[0]; z++) {
        const zone_case *zc = &ZONES[z];
        eas_tz_rule rules[2];
        eas_tz_blob b;
        CHECK_OK(posix(zc->posix, &rules[0]));
        CHECK_OK(eas_tz_blob_decode_base64(zc->blob, strlen(zc->blob), &b));
        CHECK_OK(eas_tz_blob_to_rule(&b, &rules[1]));
        for (int m = 0; m < 2; m++) {
            for (int i = 0; i < 14; i++) {
                int starts = (i % 2 == 0) == (zc->first_is_start != 0);
                int32_t before = starts ? zc->std : zc->dst, after = starts ? zc->dst : zc->std;
                check_change(&rules[m], zc->changes[i], before, after, zc->name);
                if (check_failed_now()) return;
            }
            for (int y = 2024; y <= 2030; y++) {
                int64_t s, e;
                CHECK_OK(eas_tz_changes_in_year(&rules[m], y, &s, &e));
                int i = (y - 2024) * 2;
                CHECK_EQ(s, zc->first_is_start ? zc->changes[i] : zc->changes[i + 1]);
                CHECK_EQ(e, zc->first_is_start ? zc->changes[i + 1] : zc->changes[i]);
            }
            /* Every hour of 2024-2030 against the change list. */
            int64_t t0 = at(2024, 1, 1, 0, 0, 0), t1 = at(2031, 1, 1, 0, 0, 0);
            int idx = 0;
            for (int64_t t = t0; t < t1; t += 3600) {
                while (idx < 14 && zc->changes[idx] <= t) idx++;
                int dst = (idx % 2 == 1) == (zc->first_is_start != 0);
                int32_t off;
                CHECK_OK(eas_tz_offset_at(&rules[m], t, &off, NULL));
                CHECK_MSG(off == (dst ? zc->dst : zc->std), "%s at %lld", zc->name, (long long)t);
                int64_t local, back;
                CHECK_OK(eas_tz_utc_to_local(&rules[m], t, &local));
                CHECK_OK(eas_tz_local_to_utc(&rules[m], local, dst ? EAS_TZ_PICK_EARLIER : EAS_TZ_PICK_LATER, &back, NULL));
                CHECK_MSG(back == t, "%s round trip at %lld", zc->name, (long long)t);
            }
        }
    }
}

TEST(tz_southern_and_odd_rules)
{
    eas_tz_rule r;
    int32_t off;
    /* Sydney across new year: daylight time in January and December, standard in July. */
    CHECK_OK(posix("AEST-10AEDT,M10.1.0,M4.1.0/3", &r));
    CHECK_OK(eas_tz_offset_at(&r, at(2025, 1, 1, 0, 0, 0), &off, NULL));
    CHECK_EQ(off, 39600);
    CHECK_OK(eas_tz_offset_at(&r, at(2024, 12, 31, 13, 0, 0), &off, NULL));
    CHECK_EQ(off, 39600);
    CHECK_OK(eas_tz_offset_at(&r, at(2025, 7, 1, 0, 0, 0), &off, NULL));
    CHECK_EQ(off, 36000);
    /* Daylight time all year. */
    CHECK_OK(posix("EST5EDT,0/0,J365/25", &r));
    for (int y = 2023; y <= 2026; y++) {
        CHECK_OK(eas_tz_offset_at(&r, at(y, 1, 1, 5, 0, 0), &off, NULL));
        CHECK_EQ(off, -14400);
        CHECK_OK(eas_tz_offset_at(&r, at(y, 12, 31, 23, 0, 0), &off, NULL));
        CHECK_EQ(off, -14400);
    }
    /* Dublin: the summer offset is the standard one. */
    CHECK_OK(posix("IST-1GMT0,M10.5.0,M3.5.0/1", &r));
    CHECK_OK(eas_tz_offset_at(&r, at(2025, 7, 1, 0, 0, 0), &off, NULL));
    CHECK_EQ(off, 3600);
    CHECK_OK(eas_tz_offset_at(&r, at(2025, 1, 1, 0, 0, 0), &off, NULL));
    CHECK_EQ(off, 0);
    int64_t utc;
    unsigned how;
    /* 2025-03-30 01:30 Dublin does not exist (01:00 GMT -> 02:00 IST). */
    CHECK_OK(eas_tz_local_to_utc(&r, at(2025, 3, 30, 1, 30, 0), EAS_TZ_PICK_EARLIER, &utc, &how));
    CHECK_EQ(utc, at(2025, 3, 30, 1, 30, 0));
    CHECK_EQ(how, EAS_TZ_LOCAL_SKIPPED);
    /* Santiago: the change at 24:00 Saturday = Sunday 00:00; Sunday 00:30 does not exist. */
    CHECK_OK(posix("<-04>4<-03>,M9.1.6/24,M4.1.6/24", &r));
    CHECK_OK(eas_tz_local_to_utc(&r, at(2025, 9, 7, 0, 30, 0), EAS_TZ_PICK_EARLIER, &utc, &how));
    CHECK_EQ(utc, at(2025, 9, 7, 4, 30, 0));
    CHECK_EQ(how, EAS_TZ_LOCAL_SKIPPED);
    /* Fixed zones and the range. */
    eas_tz_rule_fixed(&r, -12600);
    int64_t local;
    CHECK_OK(eas_tz_utc_to_local(&r, 0, &local));
    CHECK_EQ(local, -12600);
    CHECK_EQ(eas_tz_utc_to_local(&r, EAS_TIME_MAX + 1, &local), EAS_ERR_TIME_RANGE);
    CHECK_EQ(eas_tz_local_to_utc(&r, EAS_TIME_MIN - 1, 0, &utc, NULL), EAS_ERR_TIME_RANGE);
    r.dst_start.kind = EAS_TZ_DATE_MWD; /* half a rule */
    CHECK_EQ(eas_tz_rule_check(&r), EAS_ERR_ARG);
    CHECK_EQ(eas_tz_utc_to_local(&r, 0, &local), EAS_ERR_ARG);
}
