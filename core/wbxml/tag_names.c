/* Names of the code pages and their tags, for XML conversion and traces. Kept apart from the reader
 * so that an image that never prints XML does not carry them. Lookups by (page, token) are O(1): the
 * tracer and the eas-wbxml tool name every element they print. */
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

/* The XML prefix of each namespace: its name in lower case, as MS-ASCMD's examples write them
 * (a unit test checks that each is the lower case of the name). */
static const char *const page_prefixes[EAS_PAGE_COUNT_] = {
    [EAS_PAGE_AirSync] = "airsync", [EAS_PAGE_Contacts] = "contacts", [EAS_PAGE_Email] = "email",
    [EAS_PAGE_AirNotify] = "airnotify", [EAS_PAGE_Calendar] = "calendar", [EAS_PAGE_Move] = "move",
    [EAS_PAGE_GetItemEstimate] = "getitemestimate", [EAS_PAGE_FolderHierarchy] = "folderhierarchy",
    [EAS_PAGE_MeetingResponse] = "meetingresponse", [EAS_PAGE_Tasks] = "tasks",
    [EAS_PAGE_ResolveRecipients] = "resolverecipients", [EAS_PAGE_ValidateCert] = "validatecert",
    [EAS_PAGE_Contacts2] = "contacts2", [EAS_PAGE_Ping] = "ping", [EAS_PAGE_Provision] = "provision",
    [EAS_PAGE_Search] = "search", [EAS_PAGE_GAL] = "gal", [EAS_PAGE_AirSyncBase] = "airsyncbase",
    [EAS_PAGE_Settings] = "settings", [EAS_PAGE_DocumentLibrary] = "documentlibrary",
    [EAS_PAGE_ItemOperations] = "itemoperations", [EAS_PAGE_ComposeMail] = "composemail",
    [EAS_PAGE_Email2] = "email2", [EAS_PAGE_Notes] = "notes", [EAS_PAGE_RightsManagement] = "rightsmanagement",
    [EAS_PAGE_Find] = "find",
};

/* Every tag's position in the .def, by enumeration order: IDX_<Ns>_<Name> counts from 0 across all
 * pages, and PAGE_START_<Ns> is the position of the page's first tag. */
enum {
#define EAS_PAGE_BEGIN(num, ns) PAGE_START_##ns, PAGE_START_FIX_##ns = PAGE_START_##ns - 1,
#define EAS_TAG(ns, name, tok) IDX_##ns##_##name,
#define EAS_PAGE_END(num, ns)
#include "eas/wbxml_codepages.def"
#undef EAS_PAGE_BEGIN
#undef EAS_TAG
#undef EAS_PAGE_END
    TAG_COUNT
};

static const struct {
    eas_tag id;
    const char *name;
} tags[TAG_COUNT] = {
#define EAS_PAGE_BEGIN(num, ns)
#define EAS_TAG(ns, name, tok) [IDX_##ns##_##name] = {EAS_##ns##_##name, #name},
#define EAS_PAGE_END(num, ns)
#include "eas/wbxml_codepages.def"
#undef EAS_PAGE_BEGIN
#undef EAS_TAG
#undef EAS_PAGE_END
};

/* (page, token) -> 1 + position in tags[], 0 when unknown. */
static const uint16_t position[EAS_PAGE_COUNT_][64] = {
#define EAS_PAGE_BEGIN(num, ns)
#define EAS_TAG(ns, name, tok) [EAS_PAGE_##ns][tok] = IDX_##ns##_##name + 1,
#define EAS_PAGE_END(num, ns)
#include "eas/wbxml_codepages.def"
#undef EAS_PAGE_BEGIN
#undef EAS_TAG
#undef EAS_PAGE_END
};

const char *eas_wbxml_page_namespace(uint8_t page)
{
    return page < EAS_PAGE_COUNT_ ? page_names[page] : NULL;
}

const char *eas_wbxml_page_prefix(uint8_t page)
{
    return page < EAS_PAGE_COUNT_ ? page_prefixes[page] : NULL;
}

const char *eas_wbxml_tag_name(eas_tag tag)
{
    uint8_t page = EAS_TAG_PAGE(tag), token = EAS_TAG_TOKEN(tag);
    if (page >= EAS_PAGE_COUNT_ || token > 63u) return NULL;
    uint16_t pos = position[page][token];
    return pos ? tags[pos - 1].name : NULL;
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
    for (unsigned token = 0x05; token < 64; token++) {
        uint16_t pos = position[page][token];
        if (pos && strlen(tags[pos - 1].name) == name_len && memcmp(tags[pos - 1].name, name, name_len) == 0) {
            *out = tags[pos - 1].id;
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
