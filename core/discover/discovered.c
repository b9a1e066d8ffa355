/* The discovered URL in the account's state: one record "SOURCE address\nurl" (SOURCE one byte). */
#include <string.h>

#include "eas/bytes.h"
#include "eas/discover.h"

#define RECORD_MAX (1u + EAS_DISCOVER_ADDRESS_MAX + EAS_URL_MAX)

eas_err eas_discovered_save(eas_store *st, const char *address, eas_discover_source source, const char *url)
{
    uint8_t rec[RECORD_MAX];
    size_t a, u;
    if (!st || !address || !url || (unsigned)source >= EAS_DISCOVER_SRC_COUNT) return EAS_ERR_ARG;
    a = strlen(address);
    u = strlen(url);
    if (a == 0 || u == 0 || a >= EAS_DISCOVER_ADDRESS_MAX || u >= EAS_URL_MAX || memchr(address, '\n', a))
        return EAS_ERR_ARG;
    if (1 + a + 1 + u > EAS_STORE_MAX_VALUE) return EAS_ERR_NOSPACE;
    rec[0] = (uint8_t)source;
    memcpy(rec + 1, address, a);
    rec[1 + a] = '\n';
    memcpy(rec + 2 + a, url, u);
    return eas_store_put(st, EAS_KEY_DISCOVERED, rec, 2 + a + u);
}

eas_err eas_discovered_load(eas_store *st, const char *address, char *url, size_t cap, eas_discover_source *source)
{
    uint8_t rec[RECORD_MAX];
    size_t len = 0, a;
    const uint8_t *nl;
    eas_err e;
    if (!st || !address || !url || cap == 0) return EAS_ERR_ARG;
    url[0] = '\0';
    e = eas_store_get(st, EAS_KEY_DISCOVERED, rec, sizeof rec, &len);
    if (e == EAS_ERR_NOSPACE) return EAS_ERR_STORE_CORRUPT;
    if (e != EAS_OK) return e;
    nl = len > 1 ? memchr(rec + 1, '\n', len - 1) : NULL;
    if (!nl || rec[0] >= EAS_DISCOVER_SRC_COUNT || (size_t)(rec + len - nl) < 2) return EAS_ERR_STORE_CORRUPT;
    a = (size_t)(nl - rec - 1);
    if (!eas_ascii_ieq((const char *)rec + 1, a, address)) return EAS_ERR_NOT_FOUND;
    if ((size_t)(rec + len - nl - 1) >= cap) return EAS_ERR_NOSPACE;
    memcpy(url, nl + 1, (size_t)(rec + len - nl - 1));
    url[rec + len - nl - 1] = '\0';
    if (source) *source = (eas_discover_source)rec[0];
    return EAS_OK;
}
