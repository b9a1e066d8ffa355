/* libFuzzer harness for the IDSET decoder and encoder (core/ics).
 * fuzz-links:
 * The first byte picks the form (bit 0: REPLGUID) and the piece size (the rest). Invariants beyond
 * "no crash, no overread, no UB" (ASan/UBSan):
 *  - the result (error, its offset, the set) is the same fed whole or in pieces;
 *  - a set that decodes encodes, and its encoding decodes to the same set and encodes to the same bytes;
 *  - union with an empty set and with itself gives the set back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eas/ics_idset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                                                     \
    do {                                                                                                               \
        if (!(c)) abort();                                                                                             \
    } while (0)

static eas_ics_set whole, pieces, again;
static uint8_t enc[1 << 16], enc2[1 << 16];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    eas_ics_form form = (data[0] & 1) ? EAS_ICS_REPLGUID : EAS_ICS_REPLID;
    size_t step = (size_t)(data[0] >> 1) % 16 + 1;
    data++;
    size--;
    eas_ics_set_init(&whole, form);
    eas_ics_set_init(&pieces, form);
    uint32_t off_whole = 0;
    eas_err e1 = eas_ics_idset_decode(&whole, data, size, &off_whole);
    eas_ics_idset_decoder d;
    eas_ics_idset_decoder_init(&d, form, &eas_ics_idset_into_set, &pieces);
    eas_err e2 = EAS_OK;
    for (size_t i = 0; i < size && e2 == EAS_OK; i += step)
        e2 = eas_ics_idset_feed(&d, data + i, size - i < step ? size - i : step);
    if (e2 == EAS_OK) e2 = eas_ics_idset_finish(&d);
    REQUIRE(e1 == e2);
    if (e1 != EAS_OK) {
        REQUIRE(off_whole == eas_ics_idset_error_offset(&d));
        REQUIRE(e1 == EAS_ERR_ICS_GLOBSET || e1 == EAS_ERR_ICS_TRUNCATED || e1 == EAS_ERR_ICS_SET_FULL);
        return 0;
    }
    REQUIRE(eas_ics_set_equal(&whole, &pieces));
    size_t n = 0, n2 = 0;
    REQUIRE(eas_ics_idset_encode_buf(&whole, enc, sizeof enc, &n) == EAS_OK);
    eas_ics_set_init(&again, form);
    REQUIRE(eas_ics_idset_decode(&again, enc, n, NULL) == EAS_OK);
    REQUIRE(eas_ics_set_equal(&again, &whole));
    REQUIRE(eas_ics_idset_encode_buf(&again, enc2, sizeof enc2, &n2) == EAS_OK);
    REQUIRE(n == n2 && memcmp(enc, enc2, n) == 0);
    /* Union with itself and with the empty set changes nothing. */
    eas_ics_set_init(&again, form);
    REQUIRE(eas_ics_set_union(&again, &whole) == EAS_OK);
    REQUIRE(eas_ics_set_equal(&again, &whole));
    REQUIRE(eas_ics_set_union(&again, &whole) == EAS_OK);
    REQUIRE(eas_ics_set_equal(&again, &whole));
    return 0;
}
