/* Which tokens each code page defines: one 64-bit mask per page, all the reader needs (no names). */
#include "eas/wbxml_tags.h"

static const uint64_t page_masks[EAS_PAGE_COUNT_] = {
#define EAS_PAGE_BEGIN(num, ns) [num] = 0
#define EAS_TAG(ns, name, tok) | (UINT64_C(1) << (tok))
#define EAS_PAGE_END(num, ns) ,
#include "eas/wbxml_codepages.def"
#undef EAS_PAGE_BEGIN
#undef EAS_TAG
#undef EAS_PAGE_END
};

int eas_wbxml_tag_known(uint8_t page, uint8_t token)
{
    if (page >= EAS_PAGE_COUNT_ || token > 63u) return 0;
    return (int)((page_masks[page] >> token) & 1u);
}

uint64_t eas_wbxml_page_mask(uint8_t page) { return page < EAS_PAGE_COUNT_ ? page_masks[page] : 0; }
