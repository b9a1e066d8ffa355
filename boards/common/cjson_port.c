/* cJSON in the image without the C library's allocator or strtod (boards.mk compiles Debian's cJSON.c
 * with -Dmalloc=fw_cjson_malloc -Dfree=fw_cjson_free -Drealloc=fw_cjson_realloc -Dstrtod=fw_cjson_strtod).
 * Its allocations all go to the static arena (platform/json_arena.c installs those hooks before every
 * parse), so the defaults below are never called and only keep newlib's malloc out of the image.
 * newlib's strtod would bring it back (its big-number arithmetic allocates): the identity platform's
 * numbers are small integers (expires_in, interval, error_codes), read here without one. */
#include "eas/config.h"

#if EAS_ENABLE_OAUTH

#include <stddef.h>

void *fw_cjson_malloc(size_t n);
void fw_cjson_free(void *p);
void *fw_cjson_realloc(void *p, size_t n);
double fw_cjson_strtod(const char *restrict s, char **restrict end);

void *fw_cjson_malloc(size_t n)
{
    (void)n;
    return NULL;
}

void fw_cjson_free(void *p) { (void)p; }

void *fw_cjson_realloc(void *p, size_t n)
{
    (void)p, (void)n;
    return NULL;
}

/* A JSON number (RFC 8259 6: -?digits[.digits][(e|E)[+-]digits]); *end after its last byte. Exact for
 * integers up to 2^53, close enough beyond: nothing here needs more. */
double fw_cjson_strtod(const char *restrict s, char **restrict end)
{
    const char *p = s;
    double v = 0, scale = 1;
    int neg = 0, exp = 0, eneg = 0;
    if (*p == '-') neg = 1, p++;
    if (*p < '0' || *p > '9') {
        *end = (char *)s;
        return 0;
    }
    while (*p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
    if (*p == '.' && p[1] >= '0' && p[1] <= '9')
        for (p++; *p >= '0' && *p <= '9'; p++) v += (*p - '0') * (scale /= 10);
    if ((*p == 'e' || *p == 'E') && ((p[1] >= '0' && p[1] <= '9') ||
                                     ((p[1] == '+' || p[1] == '-') && p[2] >= '0' && p[2] <= '9'))) {
        p++;
        if (*p == '+' || *p == '-') eneg = *p++ == '-';
        while (*p >= '0' && *p <= '9') {
            if (exp < 400) exp = exp * 10 + (*p - '0');
            p++;
        }
        for (; exp > 0; exp--) v = eneg ? v / 10 : v * 10;
    }
    *end = (char *)p;
    return neg ? -v : v;
}

#endif
