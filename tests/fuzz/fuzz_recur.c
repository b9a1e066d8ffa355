/* libFuzzer harness for the recurrence iterator: events, recurrences, exceptions and windows built from
 * the input, every field raw (so validation is fuzzed too), at most MAX_OCC occurrences per run.
 * fuzz-links:
 * Invariants beyond "no crash, no overread, no UB, bounded time" (ASan/UBSan, libFuzzer's timeout):
 *  - every occurrence overlaps the window, in (start, end) order, end >= start;
 *  - a regular occurrence is never on the date of an exception, and no more than Occurrences come;
 *  - a changed occurrence names a non-deleted exception;
 *  - a window that starts earlier gives the same occurrences from the original window's start on
 *    (the arithmetic skip-ahead loses and invents nothing);
 *  - the merge of the event with itself gives each occurrence twice, in order, half from each. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eas/recur.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                                                     \
    do {                                                                                                               \
        if (!(c)) abort();                                                                                             \
    } while (0)

#define MAX_OCC 3000
#define MAX_EX 8

static const char *const ZONES[] = {
    "UTC0", "CET-1CEST,M3.5.0,M10.5.0/3", "EST5EDT,M3.2.0,M11.1.0", "AEST-10AEDT,M10.1.0,M4.1.0/3",
    "<-04>4<-03>,M9.1.6/24,M4.1.6/24", "IST-1GMT0,M10.5.0,M3.5.0/1", "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
    "EST5EDT,0/0,J365/25", "AAA-12BBB+11:59,J60/167,300/-167", "<+0530>-5:30", "<-11>11<+13>-13,M12.5.5/24,M3.1.0",
};

typedef struct {
    const uint8_t *p;
    size_t n;
} input;

static uint64_t take(input *in, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++) {
        v <<= 8;
        if (in->n) {
            v |= *in->p++;
            in->n--;
        }
    }
    return v;
}

/* A time: mostly within 1990-2060, sometimes anywhere in (or just beyond) the supported range. */
static int64_t take_time(input *in)
{
    uint8_t how = (uint8_t)take(in, 1);
    uint64_t v = take(in, 5);
    if (how < 200) return 631152000 + (int64_t)(v % (70ull * 366 * 86400));
    if (how < 240) return EAS_TIME_MIN + (int64_t)(v % (uint64_t)(EAS_TIME_MAX - EAS_TIME_MIN + 1));
    return how & 1 ? EAS_TIME_MAX - (int64_t)(v % 400000) : EAS_TIME_MIN + (int64_t)(v % 400000) - 10;
}

static eas_occurrence got[MAX_OCC], again[MAX_OCC];

static size_t collect(eas_recur_iter *it, eas_occurrence *out)
{
    size_t n = 0;
    while (n < MAX_OCC && eas_recur_iter_next(it, &out[n]) == EAS_OK) n++;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input in = {data, size};
    eas_cal_event ev;
    memset(&ev, 0, sizeof ev);
    const char *z = ZONES[take(&in, 1) % (sizeof ZONES / sizeof ZONES[0])];
    REQUIRE(eas_tz_parse_posix(z, strlen(z), &ev.zone) == EAS_OK);
    uint8_t flags = (uint8_t)take(&in, 1);
    ev.all_day = flags & 1;
    ev.dates_utc = (flags >> 1) & 1;
    ev.recurring = (flags >> 2) & 1 ? 0 : 1;
    ev.start = take_time(&in);
    ev.end = ev.start + (int64_t)(take(&in, 3) % (40 * 86400)) - ((flags >> 3) & 1 ? 3600 : 0);
    ev.recur.type = (uint8_t)(take(&in, 1) % 9);
    ev.recur.interval = (uint16_t)(take(&in, 1) % 40);
    ev.recur.day_of_week = (uint8_t)take(&in, 1);
    ev.recur.day_of_month = (uint8_t)(take(&in, 1) % 34);
    ev.recur.week_of_month = (uint8_t)(take(&in, 1) % 7);
    ev.recur.month_of_year = (uint8_t)(take(&in, 1) % 14);
    ev.recur.first_day_of_week = (uint8_t)(take(&in, 1) % 8);
    ev.recur.calendar_type = (uint8_t)(take(&in, 1) % 24);
    ev.recur.flags = (uint8_t)take(&in, 1);
    uint8_t term = (uint8_t)take(&in, 1);
    if (term & 1) ev.recur.occurrences = (uint32_t)(take(&in, 2) % 5000);
    if (term & 2) {
        ev.recur.has_until = 1;
        ev.recur.until = take_time(&in);
    }
    eas_cal_exception ex[MAX_EX];
    size_t nex = (size_t)(take(&in, 1) % (MAX_EX + 1));
    for (size_t i = 0; i < nex; i++) {
        uint8_t f = (uint8_t)take(&in, 1);
        ex[i].original_start = (f & 8) ? ev.start + (int64_t)(take(&in, 2) % 400) * 86400 : take_time(&in);
        ex[i].deleted = f & 1;
        ex[i].has_start = (f >> 1) & 1;
        ex[i].has_end = (f >> 2) & 1;
        ex[i].start = ex[i].original_start + (int64_t)(take(&in, 3) % (20 * 86400)) - 10 * 86400;
        ex[i].end = ex[i].start + (int64_t)(take(&in, 2)) - 3600;
    }
    int64_t from = take_time(&in);
    int64_t to = from + (int64_t)(take(&in, 4) % (3ull * 366 * 86400));
    if (take(&in, 1) == 0xFF) from = ev.start - 86400; /* often the interesting window */

    eas_recur_iter it;
    eas_err e = eas_recur_iter_init(&it, &ev, ex, nex, from, to);
    if (e != EAS_OK) {
        REQUIRE(e == EAS_ERR_RECUR || e == EAS_ERR_UNSUPPORTED || e == EAS_ERR_TIME_RANGE || e == EAS_ERR_ARG);
        return 0;
    }
    size_t n = collect(&it, got);
    uint32_t regular = 0;
    for (size_t i = 0; i < n; i++) {
        const eas_occurrence *o = &got[i];
        REQUIRE(o->end >= o->start);
        REQUIRE(o->start < to && (o->end > from || (o->end == o->start && o->start >= from)));
        if (i) REQUIRE(!eas_occurrence_before(o, &got[i - 1]));
        if (o->exception >= 0) {
            REQUIRE((size_t)o->exception < nex && !ex[o->exception].deleted && ev.recurring);
            REQUIRE(o->original_start == ex[o->exception].original_start);
        } else {
            regular++;
            REQUIRE(o->original_start == o->start);
            for (size_t x = 0; ev.recurring && x < nex; x++) {
                int64_t local = ex[x].original_start;
                if (!(ev.all_day && ev.dates_utc) && eas_tz_utc_to_local(&ev.zone, local, &local) != EAS_OK) continue;
                REQUIRE(eas_floor_div(local, 86400) != o->day);
            }
        }
    }
    if (ev.recur.occurrences && ev.recurring) REQUIRE(regular <= ev.recur.occurrences);
    if (!ev.recurring) REQUIRE(n <= 1);

    /* An earlier window start: same tail. Only when both runs are complete. */
    if (n < MAX_OCC && from < to && from > EAS_TIME_MIN + 90 * 86400) {
        int64_t earlier = from - (int64_t)(1 + (flags >> 4) % 16) * 7 * 86400;
        REQUIRE(eas_recur_iter_init(&it, &ev, ex, nex, earlier, to) == EAS_OK);
        size_t m = collect(&it, again);
        if (m < MAX_OCC) {
            size_t k = 0;
            for (size_t i = 0; i < m; i++) {
                const eas_occurrence *o = &again[i];
                if (!(o->end > from || (o->end == o->start && o->start >= from))) continue;
                REQUIRE(k < n && got[k].start == o->start && got[k].end == o->end &&
                        got[k].exception == o->exception);
                k++;
            }
            REQUIRE(k == n);
        }
    }

    /* Merge of the event with itself: every occurrence twice. */
    if (n < MAX_OCC / 2) {
        eas_recur_iter a, b;
        REQUIRE(eas_recur_iter_init(&a, &ev, ex, nex, from, to) == EAS_OK);
        REQUIRE(eas_recur_iter_init(&b, &ev, ex, nex, from, to) == EAS_OK);
        eas_cal_merge m;
        eas_cal_merge_init(&m);
        REQUIRE(eas_cal_merge_add(&m, &a) == EAS_OK && eas_cal_merge_add(&m, &b) == EAS_OK);
        eas_occurrence o;
        unsigned src;
        size_t per[2] = {0, 0};
        for (size_t i = 0; i < 2 * n; i++) {
            REQUIRE(eas_cal_merge_next(&m, &o, &src) == EAS_OK && src < 2);
            REQUIRE(o.start == got[i / 2].start && o.end == got[i / 2].end);
            per[src]++;
        }
        REQUIRE(per[0] == n && per[1] == n);
        REQUIRE(eas_cal_merge_next(&m, &o, &src) == EAS_ERR_NOT_FOUND);
    }
    return 0;
}
