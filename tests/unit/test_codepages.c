#include <string.h>

#include "check.h"
#include "eas/err.h"
#include "eas/wbxml_tags.h"

size_t eas_wbxml_tag_table_size(void);
eas_tag eas_wbxml_tag_table_id(size_t i);

TEST(codepages_sorted_and_in_range)
{
    size_t n = eas_wbxml_tag_table_size();
    CHECK(n > 0);
    for (size_t i = 0; i < n; i++) {
        eas_tag id = eas_wbxml_tag_table_id(i);
        CHECK_MSG(EAS_TAG_TOKEN(id) >= 0x05 && EAS_TAG_TOKEN(id) <= 0x3F, "token out of range at %zu", i);
        CHECK_MSG(EAS_TAG_PAGE(id) < EAS_WBXML_PAGE_COUNT, "page out of range at %zu", i);
        if (i > 0) CHECK_MSG(eas_wbxml_tag_table_id(i - 1) < id, "tags not strictly ascending at %zu (0x%04x)", i, id);
        CHECK(eas_wbxml_tag_known(EAS_TAG_PAGE(id), EAS_TAG_TOKEN(id)));
    }
}

TEST(codepages_every_page_has_a_namespace)
{
    for (unsigned p = 0; p < EAS_WBXML_PAGE_COUNT; p++) {
        const char *ns = eas_wbxml_page_namespace((uint8_t)p);
        CHECK_MSG(ns != NULL, "page %u has no namespace", p);
        CHECK_EQ(eas_wbxml_page_lookup(ns, strlen(ns)), (int)p);
        const char *prefix = eas_wbxml_page_prefix((uint8_t)p);
        CHECK(prefix != NULL && strlen(prefix) == strlen(ns));
        for (size_t i = 0; ns[i]; i++)
            CHECK_MSG(prefix[i] == (ns[i] >= 'A' && ns[i] <= 'Z' ? ns[i] - 'A' + 'a' : ns[i]), "prefix of %s", ns);
    }
    CHECK(eas_wbxml_page_namespace((uint8_t)EAS_WBXML_PAGE_COUNT) == NULL);
    CHECK_EQ(eas_wbxml_page_lookup("NoSuch", 6), -1);
}

TEST(codepages_names_round_trip)
{
    size_t n = eas_wbxml_tag_table_size();
    for (size_t i = 0; i < n; i++) {
        eas_tag id = eas_wbxml_tag_table_id(i), back = 0;
        const char *name = eas_wbxml_tag_name(id);
        const char *ns = eas_wbxml_page_namespace(EAS_TAG_PAGE(id));
        CHECK(name != NULL && ns != NULL);
        CHECK_MSG(eas_wbxml_tag_lookup(ns, strlen(ns), name, strlen(name), &back), "%s:%s not found", ns, name);
        CHECK_EQ(back, id);
    }
    CHECK(eas_wbxml_tag_name(EAS_TAG_ID(0, 0x04)) == NULL);
    CHECK(!eas_wbxml_tag_known(0, 0x04));
    CHECK(!eas_wbxml_tag_known(200, 0x05));
}

TEST(err_names_and_messages)
{
    CHECK_STR(eas_err_name(EAS_OK), "EAS_OK");
    CHECK_STR(eas_err_name(EAS_ERR_WBXML_TRUNCATED), "EAS_ERR_WBXML_TRUNCATED");
    CHECK_STR(eas_err_str((eas_err)9999), "unknown error");
    CHECK(strlen(eas_err_str(EAS_ERR_WBXML_DEPTH)) > 5);
}
