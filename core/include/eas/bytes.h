/* Small byte-level formats used all over the core, in one place: little-endian integers (the store's
 * records, the TimeZone blob), ASCII case-insensitive comparison (HTTP header and scheme names, which
 * are ASCII whatever the locale), and the FNV-1a hash (folder and item ids to store keys). All inline:
 * they compile to what was written out by hand before. */
#ifndef EAS_BYTES_H
#define EAS_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t eas_le16_get(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static inline uint32_t eas_le32_get(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void eas_le16_put(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void eas_le32_put(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline char eas_ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

/* s[0..n) equals the NUL-terminated t, ignoring ASCII case. */
static inline int eas_ascii_ieq(const char *s, size_t n, const char *t)
{
    size_t i = 0;
    for (; i < n; i++)
        if (t[i] == '\0' || eas_ascii_lower(s[i]) != eas_ascii_lower(t[i])) return 0;
    return t[i] == '\0';
}

/* s[0..n) starts with the NUL-terminated prefix, ignoring ASCII case. */
static inline int eas_ascii_iprefix(const char *s, size_t n, const char *prefix)
{
    for (size_t i = 0; prefix[i] != '\0'; i++)
        if (i >= n || eas_ascii_lower(s[i]) != eas_ascii_lower(prefix[i])) return 0;
    return 1;
}

/* 32-bit FNV-1a of data[0..len), going on from h (a hash so far: of a salt, of earlier data). */
static inline uint32_t eas_fnv1a_from(uint32_t h, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

/* 32-bit FNV-1a of data[0..len). */
static inline uint32_t eas_fnv1a(const void *data, size_t len) { return eas_fnv1a_from(2166136261u, data, len); }

/* A 32-bit hash of data[0..len) keyed by a secret salt, for ServerIds compared by hash in RAM. Not
 * FNV-1a from a salted basis: FNV's low bits never mix with its high ones, so two ids that collide
 * under FNV-1a collide again from about one random basis in a hundred (measured). A shift after each
 * multiply folds the high bits back in. */
static inline uint32_t eas_hash_keyed(uint32_t salt, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t h = salt ^ 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x9E3779B1u;
        h ^= h >> 16;
    }
    h ^= (uint32_t)len;
    h *= 0x85EBCA6Bu;
    return h ^ (h >> 13);
}

#endif
