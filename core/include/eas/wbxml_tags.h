/* Tag identifiers of the ActiveSync code pages: EAS_<Namespace>_<Name>, e.g. EAS_AirSync_SyncKey,
 * EAS_Calendar_Timezone. A tag id is (page << 8) | token, the pair the WBXML stream carries. */
#ifndef EAS_WBXML_TAGS_H
#define EAS_WBXML_TAGS_H

#include <stddef.h>
#include <stdint.h>

typedef uint16_t eas_tag;

#define EAS_TAG_ID(page, token) ((eas_tag)(((unsigned)(page) << 8) | (unsigned)(token)))
#define EAS_TAG_PAGE(tag) ((uint8_t)((tag) >> 8))
#define EAS_TAG_TOKEN(tag) ((uint8_t)((tag) & 0xFFu))

enum eas_wbxml_page_number {
#define EAS_PAGE_BEGIN(num, ns) EAS_PAGE_##ns = num,
#define EAS_TAG(ns, name, tok)
#define EAS_PAGE_END(num, ns)
#include "eas/wbxml_codepages.def"
#undef EAS_PAGE_BEGIN
#undef EAS_TAG
#undef EAS_PAGE_END
    EAS_PAGE_COUNT_
};

enum eas_wbxml_tag_id {
#define EAS_PAGE_BEGIN(num, ns)
#define EAS_TAG(ns, name, tok) EAS_##ns##_##name = EAS_TAG_ID(EAS_PAGE_##ns, tok),
#define EAS_PAGE_END(num, ns)
#include "eas/wbxml_codepages.def"
#undef EAS_PAGE_BEGIN
#undef EAS_TAG
#undef EAS_PAGE_END
    EAS_TAG_NONE_ = 0
};

/* Number of code pages (0 .. EAS_WBXML_PAGE_COUNT - 1). */
#define EAS_WBXML_PAGE_COUNT ((unsigned)EAS_PAGE_COUNT_)

/* Whether token is defined on page (cheap: a bitmask per page, used by the reader on every tag). */
int eas_wbxml_tag_known(uint8_t page, uint8_t token);
/* The tokens defined on page, bit n for token n (0 for an unknown page). */
uint64_t eas_wbxml_page_mask(uint8_t page);

/* Names, for XML conversion and traces (these pull the name tables into an image; the reader does
 * not need them). NULL when unknown. */
const char *eas_wbxml_page_namespace(uint8_t page);          /* "AirSync", "Calendar", ... */
const char *eas_wbxml_page_prefix(uint8_t page);             /* "airsync", "calendar", ... */
const char *eas_wbxml_tag_name(eas_tag tag);                 /* "SyncKey", ... */
/* Looks a tag up by namespace name (without ':') and element name; returns 0 when not found. */
int eas_wbxml_tag_lookup(const char *ns, size_t ns_len, const char *name, size_t name_len, eas_tag *out);
/* The page number of a namespace name, or -1. */
int eas_wbxml_page_lookup(const char *ns, size_t ns_len);

#endif
