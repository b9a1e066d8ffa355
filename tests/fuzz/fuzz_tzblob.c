/* libFuzzer harness for the time zone models: the TimeZone blob decoder (raw and base64) and the
 * POSIX TZ parser, then the conversions of whatever rule they accept.
 * fuzz-links:
 * The first byte picks the input's reading: 0 raw blob bytes (zero-padded to 172), 1 base64 text,
 * 2 POSIX TZ text. Invariants beyond "no crash, no overread, no UB" (ASan/UBSan):
 *  - a decoded blob encodes and decodes again to the same fields and names;
 *  - a rule taken from a blob goes back into a blob and out to an equal rule (when a blob can hold it);
 *  - a POSIX rule formats and parses back to an equal rule;
 *  - for instants drawn from the input: UTC -> local -> UTC gives the instant back with one of the two
 *    picks, never reports the local time as skipped, and the offset is the standard or daylight one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eas/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                                                     \
    do {                                                                                                               \
        if (!(c)) abort();                                                                                             \
    } while (0)

static void check_blob_round_trip(const eas_tz_blob *b)
{
    uint8_t raw[EAS_TZ_BLOB_SIZE];
    eas_tz_blob again;
    REQUIRE(eas_tz_blob_encode(b, raw, sizeof raw) == EAS_OK);
    REQUIRE(eas_tz_blob_decode(raw, sizeof raw, &again) == EAS_OK);
    REQUIRE(again.bias == b->bias && again.standard_bias == b->standard_bias && again.daylight_bias == b->daylight_bias);
    REQUIRE(memcmp(&again.standard_date, &b->standard_date, sizeof b->standard_date) == 0);
    REQUIRE(memcmp(&again.daylight_date, &b->daylight_date, sizeof b->daylight_date) == 0);
    /* Names: the same text when it fitted in 31 units (a 32-unit name without NUL is cut to 31). */
    if (strlen(b->standard_name) <= 31) REQUIRE(strcmp(again.standard_name, b->standard_name) == 0);
    if (strlen(b->daylight_name) <= 31) REQUIRE(strcmp(again.daylight_name, b->daylight_name) == 0);
    char text[EAS_TZ_BLOB_BASE64_LEN + 1];
    size_t n = 0;
    REQUIRE(eas_tz_blob_encode_base64(b, text, sizeof text, &n) == EAS_OK && n == EAS_TZ_BLOB_BASE64_LEN);
    REQUIRE(eas_tz_blob_decode_base64(text, n, &again) == EAS_OK);
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
    return v;
}

static void check_conversions(const eas_tz_rule *r, const uint8_t *data, size_t size)
{
    REQUIRE(eas_tz_rule_check(r) == EAS_OK);
    const int64_t span = EAS_TIME_MAX - EAS_TIME_MIN + 1;
    for (size_t i = 0; i + 8 <= size && i < 8 * 16; i += 8) {
        int64_t t = EAS_TIME_MIN + (int64_t)(rd64(data + i) % (uint64_t)span);
        /* Also hit the changes themselves: every other probe snaps to one. */
        if (i % 16 == 8 && eas_tz_rule_has_dst(r)) {
            eas_civil c;
            int64_t s, e;
            if (eas_civil_from_seconds(t, &c) == EAS_OK &&
                eas_tz_changes_in_year(r, c.year, &s, &e) == EAS_OK) {
                int64_t pick = (data[i] & 1) ? s : e;
                pick += (int64_t)(data[i] % 3) - 1;
                if (pick >= EAS_TIME_MIN && pick <= EAS_TIME_MAX) t = pick;
            }
        }
        int32_t off;
        int dst;
        REQUIRE(eas_tz_offset_at(r, t, &off, &dst) == EAS_OK);
        REQUIRE(off == (dst ? r->dst_offset : r->std_offset));
        int64_t local;
        REQUIRE(eas_tz_utc_to_local(r, t, &local) == EAS_OK && local == t + off);
        if (local < EAS_TIME_MIN || local > EAS_TIME_MAX) continue;
        int64_t a, b;
        unsigned how_a, how_b;
        REQUIRE(eas_tz_local_to_utc(r, local, EAS_TZ_PICK_EARLIER, &a, &how_a) == EAS_OK);
        REQUIRE(eas_tz_local_to_utc(r, local, EAS_TZ_PICK_LATER, &b, &how_b) == EAS_OK);
        REQUIRE(!(how_a & EAS_TZ_LOCAL_SKIPPED) && how_a == how_b);
        REQUIRE(a == t || b == t);
        REQUIRE(a <= b);
        if (!how_a) REQUIRE(a == b);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t mode = data[0] % 3;
    data++;
    size--;
    eas_tz_rule r;
    if (mode == 0 || mode == 1) {
        eas_tz_blob b;
        if (mode == 0) {
            uint8_t raw[EAS_TZ_BLOB_SIZE];
            memset(raw, 0, sizeof raw);
            memcpy(raw, data, size < sizeof raw ? size : sizeof raw);
            REQUIRE(eas_tz_blob_decode(raw, sizeof raw, &b) == EAS_OK);
        } else if (eas_tz_blob_decode_base64((const char *)data, size, &b) != EAS_OK) {
            return 0;
        }
        check_blob_round_trip(&b);
        eas_err e = eas_tz_blob_to_rule(&b, &r);
        if (e != EAS_OK) {
            REQUIRE(e == EAS_ERR_TZ_BLOB || e == EAS_ERR_UNSUPPORTED);
            return 0;
        }
        eas_tz_blob out;
        e = eas_tz_rule_to_blob(&r, b.standard_name, b.daylight_name, &out);
        if (e == EAS_OK) {
            eas_tz_rule back;
            REQUIRE(eas_tz_blob_to_rule(&out, &back) == EAS_OK && eas_tz_rule_equal(&r, &back));
        } else {
            REQUIRE(e == EAS_ERR_UNSUPPORTED);
        }
        size_t skip = size < EAS_TZ_BLOB_SIZE ? size : EAS_TZ_BLOB_SIZE;
        check_conversions(&r, data + (mode == 0 ? skip : 0), mode == 0 ? size - skip : size);
        return 0;
    }
    /* POSIX text up to the first NUL; the bytes after it draw instants. */
    size_t n = 0;
    while (n < size && data[n] != 0) n++;
    eas_err e = eas_tz_parse_posix((const char *)data, n, &r);
    if (e != EAS_OK) {
        REQUIRE(e == EAS_ERR_TZ_STRING || e == EAS_ERR_UNSUPPORTED);
        return 0;
    }
    char text[128];
    REQUIRE(eas_tz_format_posix(&r, text, sizeof text) == EAS_OK);
    eas_tz_rule back;
    REQUIRE(eas_tz_parse_posix(text, strlen(text), &back) == EAS_OK && eas_tz_rule_equal(&r, &back));
    check_conversions(&r, data + n, size - n);
    return 0;
}
