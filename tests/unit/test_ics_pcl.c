/* XID, PCL (MS-OXCFXICS 2.2.2.2, 2.2.2.3) and the journal's conflict rules (3.1.5.6). */
#include <string.h>

#include "check.h"
#include "eas/ics_journal.h"
#include "eas/ics_pcl.h"

static eas_ics_guid guid_of(uint8_t fill)
{
    eas_ics_guid g;
    memset(g.b, fill, sizeof g.b);
    return g;
}

/* A PCL of two XIDs as the structure description lays it out: XidSize 0x16, GUID, 6-byte LocalId. */
static const uint8_t pcl_two[] = {
    0x16, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x2C, /* GUID 11.., LocalId 0x12C */
    0x16, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x07, /* GUID 22.., LocalId 7 */
};

TEST(ics_pcl_round_trip_and_split)
{
    eas_ics_pcl p;
    eas_ics_pcl_init(&p);
    CHECK_OK(eas_ics_pcl_decode(&p, pcl_two, sizeof pcl_two, NULL));
    CHECK_EQ(p.n, 2);
    CHECK_EQ(eas_ics_xid_local(&p.xid[0]), 0x12C);
    CHECK_EQ(eas_ics_xid_local(&p.xid[1]), 7);
    uint8_t out[64];
    size_t n = 0;
    CHECK_OK(eas_ics_pcl_encode(&p, out, sizeof out, &n));
    CHECK_EQ(n, sizeof pcl_two);
    CHECK_MEM(out, pcl_two, n);
    /* Out of order on input: kept sorted by GUID, the same bytes out. */
    uint8_t swapped[sizeof pcl_two];
    memcpy(swapped, pcl_two + 23, 23);
    memcpy(swapped + 23, pcl_two, 23);
    eas_ics_pcl q;
    eas_ics_pcl_init(&q);
    CHECK_OK(eas_ics_pcl_decode(&q, swapped, sizeof swapped, NULL));
    CHECK_OK(eas_ics_pcl_encode(&q, out, sizeof out, &n));
    CHECK_MEM(out, pcl_two, n);
    /* Cut anywhere inside: truncated at the end of the input; a bad size byte at its offset. */
    for (size_t cut = 1; cut < sizeof pcl_two; cut++) {
        eas_ics_pcl r;
        eas_ics_pcl_init(&r);
        uint32_t at = 0;
        eas_err e = eas_ics_pcl_decode(&r, pcl_two, cut, &at);
        if (cut == 23) {
            CHECK_OK(e);
            continue;
        }
        CHECK_EQ(e, EAS_ERR_ICS_TRUNCATED);
        CHECK_EQ(at, cut);
    }
    uint8_t bad[sizeof pcl_two];
    memcpy(bad, pcl_two, sizeof bad);
    bad[23] = 0x10; /* XidSize 16: no LocalId */
    uint32_t at = 0;
    eas_ics_pcl_init(&q);
    CHECK_EQ(eas_ics_pcl_decode(&q, bad, sizeof bad, &at), EAS_ERR_ICS_XID);
    CHECK_EQ(at, 23);
    CHECK_EQ(eas_ics_pcl_encode(&p, out, 30, &n), EAS_ERR_NOSPACE);
}

TEST(ics_pcl_compare_and_merge)
{
    eas_ics_guid g1 = guid_of(0x11), g2 = guid_of(0x22), g3 = guid_of(0x33);
    eas_ics_pcl a, b;
    eas_ics_pcl_init(&a);
    eas_ics_pcl_init(&b);
    eas_ics_xid x;
    x = eas_ics_xid_of_cn(&g1, 10);
    CHECK_OK(eas_ics_pcl_add(&a, &x));
    CHECK_OK(eas_ics_pcl_add(&b, &x));
    CHECK_EQ(eas_ics_pcl_compare(&a, &b), EAS_ICS_PCL_EQUAL);
    x = eas_ics_xid_of_cn(&g1, 12);
    CHECK_OK(eas_ics_pcl_add(&a, &x));
    CHECK_EQ(eas_ics_pcl_compare(&a, &b), EAS_ICS_PCL_A_INCLUDES_B);
    CHECK_EQ(eas_ics_pcl_compare(&b, &a), EAS_ICS_PCL_B_INCLUDES_A);
    x = eas_ics_xid_of_cn(&g2, 1);
    CHECK_OK(eas_ics_pcl_add(&b, &x));
    CHECK_EQ(eas_ics_pcl_compare(&a, &b), EAS_ICS_PCL_CONFLICT);
    /* A smaller LocalId for a known GUID changes nothing. */
    x = eas_ics_xid_of_cn(&g1, 3);
    CHECK_OK(eas_ics_pcl_add(&a, &x));
    CHECK_EQ(eas_ics_xid_local(&a.xid[0]), 12);
    /* Merge: per GUID the larger, sorted. */
    eas_ics_pcl m = b;
    x = eas_ics_xid_of_cn(&g3, 5);
    CHECK_OK(eas_ics_pcl_add(&a, &x));
    CHECK_OK(eas_ics_pcl_merge(&m, &a));
    CHECK_EQ(m.n, 3);
    CHECK_EQ(eas_ics_xid_local(&m.xid[0]), 12);
    CHECK_EQ(eas_ics_xid_local(&m.xid[1]), 1);
    CHECK_EQ(eas_ics_xid_local(&m.xid[2]), 5);
    CHECK(eas_ics_pcl_includes(&m, &a) && eas_ics_pcl_includes(&m, &b));
    /* LocalIds of different lengths compare by value. */
    eas_ics_xid short_x, long_x;
    static const uint8_t s_raw[17] = {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                      0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0D};
    CHECK_OK(eas_ics_xid_decode(s_raw, sizeof s_raw, &short_x));
    long_x = eas_ics_xid_of_cn(&g1, 13);
    eas_ics_pcl ps, pl;
    eas_ics_pcl_init(&ps);
    eas_ics_pcl_init(&pl);
    CHECK_OK(eas_ics_pcl_add(&ps, &short_x));
    CHECK_OK(eas_ics_pcl_add(&pl, &long_x));
    CHECK_EQ(eas_ics_pcl_compare(&ps, &pl), EAS_ICS_PCL_EQUAL);
    /* Full: all or nothing. */
    eas_ics_pcl full;
    eas_ics_pcl_init(&full);
    for (unsigned i = 0; i < EAS_ICS_PCL_MAX_XIDS; i++) {
        eas_ics_guid g = guid_of((uint8_t)(0x40 + i));
        x = eas_ics_xid_of_cn(&g, 1);
        CHECK_OK(eas_ics_pcl_add(&full, &x));
    }
    eas_ics_pcl before = full;
    x = eas_ics_xid_of_cn(&g1, 1);
    CHECK_EQ(eas_ics_pcl_add(&full, &x), EAS_ERR_ICS_PCL_FULL);
    CHECK_EQ(eas_ics_pcl_merge(&full, &m), EAS_ERR_ICS_PCL_FULL);
    CHECK(memcmp(&before, &full, sizeof full) == 0);
}

/* The server's replica and the device's. */
static const uint8_t SERVER = 0xA1, DEVICE = 0xD7;

static void server_version(eas_ics_version *v, uint64_t cn, const eas_ics_pcl *base)
{
    eas_ics_guid s = guid_of(SERVER);
    if (base) v->pcl = *base;
    else eas_ics_pcl_init(&v->pcl);
    v->last = eas_ics_xid_of_cn(&s, cn);
    eas_ics_pcl_add(&v->pcl, &v->last);
}

TEST(ics_journal_own_change_coming_back_is_no_conflict)
{
    eas_ics_guid dev = guid_of(DEVICE);
    eas_ics_journal j;
    eas_ics_journal_init(&j, &dev, 1);
    CHECK_OK(eas_ics_journal_reserve(&j));
    /* The item as first downloaded: server change 100. */
    eas_ics_version item;
    memset(&item, 0, sizeof item);
    server_version(&item, 100, NULL);
    CHECK(!eas_ics_journal_pending(&j, &item));
    /* A local change: device CN 1, pending. */
    uint64_t cn = 0;
    CHECK_OK(eas_ics_journal_local_change(&j, &item, &cn));
    CHECK_EQ(cn, 1);
    CHECK(eas_ics_journal_pending(&j, &item));
    /* The upload comes back as the server's change 105 whose PCL includes the device's change. */
    eas_ics_version echo;
    server_version(&echo, 105, &item.pcl);
    eas_ics_outcome o;
    CHECK_OK(eas_ics_journal_server_change(&j, &item, &echo.last, &echo.pcl, EAS_ICS_SERVER_WINS, &o));
    CHECK_EQ(o, EAS_ICS_TAKE_SERVER);
    CHECK(!eas_ics_outcome_is_conflict(o));
    CHECK(eas_ics_set_contains(&j.confirmed, &dev, 1));
    CHECK(!eas_ics_journal_pending(&j, &item));
    CHECK_EQ(eas_ics_pcl_compare(&item.pcl, &echo.pcl), EAS_ICS_PCL_EQUAL);
    /* The same version again (a resend): still no conflict. */
    CHECK_OK(eas_ics_journal_server_change(&j, &item, &echo.last, &echo.pcl, EAS_ICS_SERVER_WINS, &o));
    CHECK_EQ(o, EAS_ICS_TAKE_SERVER);
}

TEST(ics_journal_stale_and_conflicts)
{
    eas_ics_guid dev = guid_of(DEVICE);
    eas_ics_journal j;
    eas_ics_journal_init(&j, &dev, 7);
    CHECK_OK(eas_ics_journal_reserve(&j));
    eas_ics_version item;
    memset(&item, 0, sizeof item);
    server_version(&item, 100, NULL);
    eas_ics_version v100 = item;
    CHECK_OK(eas_ics_journal_local_change(&j, &item, NULL));
    eas_ics_outcome o;
    /* The old server version again: the local one includes it. */
    eas_ics_version kept = item;
    CHECK_OK(eas_ics_journal_server_change(&j, &item, &v100.last, &v100.pcl, EAS_ICS_SERVER_WINS, &o));
    CHECK_EQ(o, EAS_ICS_IGNORE_STALE);
    CHECK(memcmp(&kept, &item, sizeof item) == 0);
    CHECK(eas_ics_journal_pending(&j, &item));
    /* The server changed the item too (101 over 100, without the device's change): a conflict. */
    eas_ics_version v101;
    server_version(&v101, 101, &v100.pcl);
    eas_ics_version a = item, b = item;
    CHECK_OK(eas_ics_journal_server_change(&j, &a, &v101.last, &v101.pcl, EAS_ICS_SERVER_WINS, &o));
    CHECK_EQ(o, EAS_ICS_CONFLICT_SERVER_KEPT);
    CHECK(eas_ics_outcome_is_conflict(o));
    CHECK(!eas_ics_journal_pending(&j, &a));
    CHECK(eas_ics_pcl_includes(&a.pcl, &v101.pcl) && eas_ics_pcl_includes(&a.pcl, &kept.pcl));
    /* The same version once more after the resolution: no second report. */
    CHECK_OK(eas_ics_journal_server_change(&j, &a, &v101.last, &v101.pcl, EAS_ICS_SERVER_WINS, &o));
    CHECK(!eas_ics_outcome_is_conflict(o));
    /* Client wins: a new local change (CN 8) over both, pending, whose PCL includes the server's. */
    CHECK_OK(eas_ics_journal_server_change(&j, &b, &v101.last, &v101.pcl, EAS_ICS_CLIENT_WINS, &o));
    CHECK_EQ(o, EAS_ICS_CONFLICT_LOCAL_KEPT);
    CHECK(eas_ics_journal_pending(&j, &b));
    CHECK_EQ(eas_ics_xid_local(&b.last), 8);
    CHECK(eas_ics_pcl_includes(&b.pcl, &v101.pcl));
    /* Its upload comes back: no conflict, and CN 8 confirmed (7 was superseded, never confirmed). */
    eas_ics_version echo;
    server_version(&echo, 110, &b.pcl);
    CHECK_OK(eas_ics_journal_server_change(&j, &b, &echo.last, &echo.pcl, EAS_ICS_CLIENT_WINS, &o));
    CHECK_EQ(o, EAS_ICS_TAKE_SERVER);
    CHECK(eas_ics_set_contains(&j.confirmed, &dev, 8));
    CHECK(!eas_ics_set_contains(&j.confirmed, &dev, 7));
}

TEST(ics_journal_reservations_survive_a_cut)
{
    eas_ics_guid dev = guid_of(DEVICE);
    eas_ics_journal j;
    eas_ics_journal_init(&j, &dev, 1);
    eas_ics_version item;
    memset(&item, 0, sizeof item);
    server_version(&item, 100, NULL);
    /* Nothing reserved yet: no number is given. */
    CHECK(eas_ics_journal_needs_reserve(&j));
    eas_ics_version before = item;
    CHECK_EQ(eas_ics_journal_local_change(&j, &item, NULL), EAS_ERR_STATE);
    CHECK(memcmp(&before, &item, sizeof item) == 0);
    /* One reservation gives EAS_ICS_CN_RESERVE numbers. */
    CHECK_OK(eas_ics_journal_reserve(&j));
    uint8_t rec[128];
    size_t rec_len = 0;
    CHECK_OK(eas_ics_journal_encode(&j, rec, sizeof rec, &rec_len)); /* committed before use */
    uint64_t cn = 0, last_given = 0;
    for (unsigned i = 0; i < EAS_ICS_CN_RESERVE; i++) {
        CHECK_OK(eas_ics_journal_local_change(&j, &item, &cn));
        CHECK_EQ(cn, i + 1);
        last_given = cn;
        CHECK_OK(eas_ics_set_add(&j.confirmed, &dev, cn));
    }
    CHECK(eas_ics_journal_needs_reserve(&j));
    CHECK_EQ(eas_ics_journal_local_change(&j, &item, NULL), EAS_ERR_STATE);
    /* A power cut after the numbers were given but before any later record: the journal read back
     * resumes after the reservation, so no number given is given again. */
    eas_ics_journal back;
    CHECK_OK(eas_ics_journal_decode(&back, rec, rec_len));
    CHECK(eas_ics_guid_cmp(&back.replica, &dev) == 0);
    CHECK(back.next_cn > last_given);
    CHECK(eas_ics_journal_needs_reserve(&back));
    CHECK_OK(eas_ics_journal_reserve(&back));
    CHECK_OK(eas_ics_journal_local_change(&back, &item, &cn));
    CHECK(cn > last_given);
    /* The confirmed CNSET travels in the record: 1..64 is one range, a few bytes. */
    CHECK_OK(eas_ics_journal_encode(&j, rec, sizeof rec, &rec_len));
    CHECK_OK(eas_ics_journal_decode(&back, rec, rec_len));
    CHECK(eas_ics_set_equal(&back.confirmed, &j.confirmed));
    CHECK_EQ(rec_len, 23 + 16 + 11); /* header, GUID, Push 5, Range 01 40, Pop, End */
    /* A damaged record is refused. */
    rec[0] = 9;
    CHECK_EQ(eas_ics_journal_decode(&back, rec, rec_len), EAS_ERR_ICS_STATE);
    CHECK_EQ(eas_ics_journal_decode(&back, rec, 10), EAS_ERR_ICS_STATE);
}

TEST(ics_version_field_round_trip_and_size)
{
    eas_ics_guid dev = guid_of(DEVICE);
    eas_ics_journal j;
    eas_ics_journal_init(&j, &dev, 1);
    CHECK_OK(eas_ics_journal_reserve(&j));
    eas_ics_version item, back;
    memset(&item, 0, sizeof item);
    server_version(&item, 100, NULL);
    CHECK_OK(eas_ics_journal_local_change(&j, &item, NULL));
    /* The server's and the device's XIDs: 1 + 2 x 23 bytes (50 with the item field's header). */
    uint8_t buf[EAS_ICS_PCL_MAX_XIDS * 25 + 32];
    size_t n = 0;
    CHECK_OK(eas_ics_version_encode(&item, buf, sizeof buf, &n));
    CHECK_EQ(n, 1 + 2 * 23);
    CHECK_OK(eas_ics_version_decode(&back, buf, n));
    CHECK_EQ(eas_ics_pcl_compare(&back.pcl, &item.pcl), EAS_ICS_PCL_EQUAL);
    CHECK(eas_ics_guid_cmp(&back.last.guid, &dev) == 0 && eas_ics_xid_local(&back.last) == 1);
    /* A last change the PCL does not hold as is: written out after the index byte. */
    eas_ics_guid srv = guid_of(SERVER);
    item.last = eas_ics_xid_of_cn(&srv, 99);
    CHECK_OK(eas_ics_version_encode(&item, buf, sizeof buf, &n));
    CHECK_EQ(buf[0], 0xFF);
    CHECK_EQ(n, 1 + 23 + 2 * 23);
    CHECK_OK(eas_ics_version_decode(&back, buf, n));
    CHECK(eas_ics_guid_cmp(&back.last.guid, &srv) == 0 && eas_ics_xid_local(&back.last) == 99);
    /* Bad input: an index past the PCL, a cut field. */
    CHECK_OK(eas_ics_version_encode(&item, buf, sizeof buf, &n));
    buf[0] = 5;
    CHECK_EQ(eas_ics_version_decode(&back, buf, n), EAS_ERR_ICS_XID);
    buf[0] = 0xFF;
    CHECK_EQ(eas_ics_version_decode(&back, buf, 10), EAS_ERR_ICS_TRUNCATED);
    CHECK_EQ(eas_ics_version_encode(&item, buf, 20, &n), EAS_ERR_NOSPACE);
}
