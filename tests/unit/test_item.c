/* Item records: values cut on a UTF-8 boundary stay a prefix of the text, however the text arrives. */
#include <string.h>

#include "check.h"
#include "eas/item.h"

TEST(item_value_cut_in_pieces_stays_a_prefix)
{
    /* 150 ASCII bytes, then a euro sign (3 bytes) straddling the body limit, then more text. */
    char text[400];
    memset(text, 'a', 150);
    memcpy(text + 150, "bcdefghi\xE2\x82\xAC xyz 0123456789", 24);
    size_t total = 174;
    for (size_t split = 1; split < total; split++) {
        uint8_t rec[EAS_ITEM_RECORD_MAX];
        eas_item_builder b;
        eas_item_begin(&b, rec, sizeof rec, EAS_CLASS_EMAIL);
        CHECK_OK(eas_item_set_id(&b, "1", 1));
        eas_item_start(&b, EAS_AirSyncBase_Body, 1);
        eas_item_start(&b, EAS_AirSyncBase_Data, 1);
        eas_item_text(&b, (const uint8_t *)text, split);
        eas_item_text(&b, (const uint8_t *)text + split, total - split);
        eas_item_end(&b, EAS_AirSyncBase_Data);
        eas_item_end(&b, EAS_AirSyncBase_Body);
        size_t len = eas_item_finish(&b);
        eas_item_cursor c;
        eas_item_field f;
        CHECK_OK(eas_item_open(&c, rec, len));
        int found = 0;
        while (eas_item_next(&c, &f))
            if (f.kind == 0 && f.tag == EAS_AirSyncBase_Data) {
                found = 1;
                CHECK_MSG(f.len <= EAS_ITEM_BODY_MAX && memcmp(f.value, text, f.len) == 0,
                          "split at %zu: stored %zu bytes that are not a prefix", split, f.len);
                CHECK_MSG(f.len == 158, "split at %zu: %zu bytes kept, want 158 (cut before the euro sign)", split, f.len);
            }
        CHECK(found);
        CHECK(eas_item_flags(rec, len) & EAS_ITEM_TRUNCATED);
    }
}

TEST(item_fields_not_kept_are_skipped_with_their_children)
{
    uint8_t rec[EAS_ITEM_RECORD_MAX];
    eas_item_builder b;
    eas_item_begin(&b, rec, sizeof rec, EAS_CLASS_CALENDAR);
    CHECK_OK(eas_item_set_id(&b, "ev", 2));
    eas_item_start(&b, EAS_Calendar_Subject, 1);
    eas_item_text(&b, (const uint8_t *)"Hello", 5);
    eas_item_end(&b, EAS_Calendar_Subject);
    eas_item_start(&b, EAS_Calendar_Categories, 1); /* not kept: skipped whole */
    eas_item_start(&b, EAS_Calendar_Category, 1);
    eas_item_text(&b, (const uint8_t *)"Work", 4);
    eas_item_end(&b, EAS_Calendar_Category);
    eas_item_end(&b, EAS_Calendar_Categories);
    eas_item_start(&b, EAS_Calendar_Recurrence, 1);
    eas_item_start(&b, EAS_Calendar_Type, 1);
    eas_item_text(&b, (const uint8_t *)"1", 1);
    eas_item_end(&b, EAS_Calendar_Type);
    eas_item_end(&b, EAS_Calendar_Recurrence);
    size_t len = eas_item_finish(&b);
    char v[16];
    CHECK(eas_item_get_str(rec, len, EAS_Calendar_Subject, v, sizeof v));
    CHECK_STR(v, "Hello");
    CHECK(!eas_item_get_str(rec, len, EAS_Calendar_Category, v, sizeof v));
    CHECK(!eas_item_get_str(rec, len, EAS_Calendar_Type, v, sizeof v)); /* inside a group: not top level */
    eas_item_cursor c;
    eas_item_field f;
    int groups = 0, type_in_group = 0;
    CHECK_OK(eas_item_open(&c, rec, len));
    while (eas_item_next(&c, &f)) {
        if (f.kind == 1) groups++;
        if (f.kind == 0 && f.tag == EAS_Calendar_Type && f.depth == 1) type_in_group = 1;
    }
    CHECK_EQ(groups, 1);
    CHECK(type_in_group);
}

TEST(item_record_never_overflows)
{
    uint8_t rec[64];
    eas_item_builder b;
    eas_item_begin(&b, rec, sizeof rec, EAS_CLASS_CALENDAR);
    CHECK_OK(eas_item_set_id(&b, "ev", 2));
    for (int i = 0; i < 20; i++) {
        eas_item_start(&b, EAS_Calendar_Exceptions, 1);
        eas_item_start(&b, EAS_Calendar_Subject, 1);
        eas_item_text(&b, (const uint8_t *)"0123456789", 10);
        eas_item_end(&b, EAS_Calendar_Subject);
    }
    for (int i = 0; i < 20; i++) eas_item_end(&b, EAS_Calendar_Exceptions);
    size_t len = eas_item_finish(&b);
    CHECK(len <= sizeof rec);
    CHECK(eas_item_flags(rec, len) & (EAS_ITEM_DROPPED | EAS_ITEM_TRUNCATED));
    eas_item_cursor c;
    eas_item_field f;
    int depth_ok = 1;
    CHECK_OK(eas_item_open(&c, rec, len));
    while (eas_item_next(&c, &f)) {}
    CHECK_EQ(c.depth, 0); /* every group that was opened was closed */
    (void)depth_ok;
}
