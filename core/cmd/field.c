#include "field.h"

int eas_field_uint(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    int n = 0;
    for (; s[n] != '\0'; n++) {
        if (s[n] < '0' || s[n] > '9' || n == 10) return 0;
        uint32_t d = (uint32_t)(s[n] - '0');
        if (v > (UINT32_MAX - d) / 10u) return 0;
        v = v * 10u + d;
    }
    if (n == 0) return 0;
    *out = v;
    return 1;
}
