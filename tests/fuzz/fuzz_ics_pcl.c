/* libFuzzer harness for the PCL decoder and its order, and the journal's store records (core/ics).
 * fuzz-links:
 * The input is two serialized PCLs, split at a point given by its first byte. Invariants beyond
 * "no crash, no overread, no UB" (ASan/UBSan):
 *  - a decoded PCL encodes and decodes to the same PCL, sorted by GUID with one XID per GUID;
 *  - compare is antisymmetric and agrees with includes; equal means equal encodings;
 *  - the merge includes both, and is equal to one of them exactly when that one includes the other;
 *  - the whole input read as an item version field and as a journal record: what decodes encodes to
 *    something that decodes to the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eas/ics_journal.h"
#include "eas/ics_pcl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                                                     \
    do {                                                                                                               \
        if (!(c)) abort();                                                                                             \
    } while (0)

static int decode(const uint8_t *p, size_t n, eas_ics_pcl *pcl)
{
    eas_ics_pcl_init(pcl);
    uint32_t at = 0;
    eas_err e = eas_ics_pcl_decode(pcl, p, n, &at);
    if (e != EAS_OK) {
        REQUIRE(e == EAS_ERR_ICS_XID || e == EAS_ERR_ICS_TRUNCATED || e == EAS_ERR_ICS_PCL_FULL);
        REQUIRE(at <= n);
        return 0;
    }
    for (unsigned i = 1; i < pcl->n; i++) REQUIRE(eas_ics_guid_cmp(&pcl->xid[i - 1].guid, &pcl->xid[i].guid) < 0);
    uint8_t buf[EAS_ICS_PCL_MAX_XIDS * (1 + EAS_ICS_XID_MAX)];
    size_t len = 0;
    REQUIRE(eas_ics_pcl_encode(pcl, buf, sizeof buf, &len) == EAS_OK);
    eas_ics_pcl again;
    eas_ics_pcl_init(&again);
    REQUIRE(eas_ics_pcl_decode(&again, buf, len, NULL) == EAS_OK);
    REQUIRE(eas_ics_pcl_compare(&again, pcl) == EAS_ICS_PCL_EQUAL);
    return 1;
}

static eas_ics_journal journal, journal_again;
static uint8_t record[1 << 16];

static void check_records(const uint8_t *data, size_t size)
{
    eas_ics_version v, again;
    if (eas_ics_version_decode(&v, data, size) == EAS_OK) {
        uint8_t buf[1 + 1 + EAS_ICS_XID_MAX + EAS_ICS_PCL_MAX_XIDS * (1 + EAS_ICS_XID_MAX)];
        size_t n = 0;
        REQUIRE(eas_ics_version_encode(&v, buf, sizeof buf, &n) == EAS_OK);
        REQUIRE(eas_ics_version_decode(&again, buf, n) == EAS_OK);
        REQUIRE(eas_ics_pcl_compare(&again.pcl, &v.pcl) == EAS_ICS_PCL_EQUAL);
        REQUIRE(eas_ics_guid_cmp(&again.last.guid, &v.last.guid) == 0);
        REQUIRE(eas_ics_xid_local(&again.last) == eas_ics_xid_local(&v.last));
    }
    if (eas_ics_journal_decode(&journal, data, size) == EAS_OK) {
        size_t n = 0;
        REQUIRE(eas_ics_journal_encode(&journal, record, sizeof record, &n) == EAS_OK);
        REQUIRE(eas_ics_journal_decode(&journal_again, record, n) == EAS_OK);
        REQUIRE(eas_ics_set_equal(&journal.confirmed, &journal_again.confirmed));
        REQUIRE(journal_again.next_cn == journal.reserved);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    check_records(data + 1, size - 1);
    size_t cut = size > 1 ? data[0] % size : 0;
    data++;
    size--;
    if (cut > size) cut = size;
    eas_ics_pcl a, b;
    if (!decode(data, cut, &a) || !decode(data + cut, size - cut, &b)) return 0;
    eas_ics_pcl_order ab = eas_ics_pcl_compare(&a, &b), ba = eas_ics_pcl_compare(&b, &a);
    int a_inc = eas_ics_pcl_includes(&a, &b), b_inc = eas_ics_pcl_includes(&b, &a);
    REQUIRE(ab == (a_inc && b_inc ? EAS_ICS_PCL_EQUAL : a_inc ? EAS_ICS_PCL_A_INCLUDES_B
                                                      : b_inc ? EAS_ICS_PCL_B_INCLUDES_A : EAS_ICS_PCL_CONFLICT));
    REQUIRE((ab == EAS_ICS_PCL_EQUAL) == (ba == EAS_ICS_PCL_EQUAL));
    REQUIRE((ab == EAS_ICS_PCL_A_INCLUDES_B) == (ba == EAS_ICS_PCL_B_INCLUDES_A));
    REQUIRE((ab == EAS_ICS_PCL_CONFLICT) == (ba == EAS_ICS_PCL_CONFLICT));
    eas_ics_pcl m = a;
    if (eas_ics_pcl_merge(&m, &b) != EAS_OK) return 0;
    REQUIRE(eas_ics_pcl_includes(&m, &a) && eas_ics_pcl_includes(&m, &b));
    REQUIRE((eas_ics_pcl_compare(&m, &a) == EAS_ICS_PCL_EQUAL) == (a_inc != 0));
    REQUIRE((eas_ics_pcl_compare(&m, &b) == EAS_ICS_PCL_EQUAL) == (b_inc != 0));
    return 0;
}
