/* Names of the code pages and their tags, for XML conversion and traces. Kept apart from the reader
 * so that an image that never prints XML does not carry them. */
#include <string.h>

#include "eas/wbxml_tags.h"

static const char *const page_names[EAS_PAGE_COUNT_] = {
#define EAS_PAGE_BEGIN(num, ns) [num] = #ns,
#define EAS_TAG(ns, name, tok)
#define EAS_PAGE_END(num, ns)
#include "eas/wbxml_codepages.def"
#undef EAS_PAGE_BEGIN
#undef EAS_TAG
#undef EAS_PAGE_END
};

/* Sorted by tag id: the .def lists pages and tokens in ascending order (checked by a unit test). */
static const struct {
    eas_tag id;
    const char *name;
} tags[] = {
#define EAS_PAGE_BEGIN(num, ns)
#define EAS_TAG(ns, name, tok) {EAS_##ns##_##name, #name},
#define EAS_PAGE_END(num, ns)
#include "eas/wbxml_codepages.def"
#undef EAS_PAGE_BEGIN
#undef EAS_TAG
#undef EAS_PAGE_END
};
#define TAG_COUNT (sizeof tags / sizeof tags[0])

const char *eas_wbxml_page_namespace(uint8_t page)
{
    return page < EAS_PAGE_COUNT_ ? page_names[page] : NULL;
}

/* Index of the first entry whose id is >= id. */
static size_t lower_bound(eas_tag id)
{
    size_t lo = 0, hi = TAG_COUNT;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tags[mid].id < id) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

const char *eas_wbxml_tag_name(eas_tag tag)
{
    size_t i = lower_bound(tag);
    return (i < TAG_COUNT && tags[i].id == tag) ? tags[i].name : NULL;
}

int eas_wbxml_page_lookup(const char *ns, size_t ns_len)
{
    for (unsigned p = 0; p < EAS_PAGE_COUNT_; p++) {
        const char *n = page_names[p];
        if (n && strlen(n) == ns_len && memcmp(n, ns, ns_len) == 0) return (int)p;
    }
    return -1;
}

int eas_wbxml_tag_lookup(const char *ns, size_t ns_len, const char *name, size_t name_len, eas_tag *out)
{
    int page = eas_wbxml_page_lookup(ns, ns_len);
    if (page < 0) return 0;
    for (size_t i = lower_bound(EAS_TAG_ID(page, 0)); i < TAG_COUNT && EAS_TAG_PAGE(tags[i].id) == page; i++) {
        if (strlen(tags[i].name) == name_len && memcmp(tags[i].name, name, name_len) == 0) {
            *out = tags[i].id;
            return 1;
        }
    }
    return 0;
}

/* For the unit test of the table's order. */
size_t eas_wbxml_tag_table_size(void);
eas_tag eas_wbxml_tag_table_id(size_t i);
size_t eas_wbxml_tag_table_size(void) { return TAG_COUNT; }
eas_tag eas_wbxml_tag_table_id(size_t i) { return i < TAG_COUNT ? tags[i].id : 0; }
