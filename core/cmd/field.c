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

eas_err eas_field_write_uint(eas_wbxml_writer *w, eas_tag tag, uint32_t v)
{
    char buf[11];
    size_t n = sizeof buf - 1;
    buf[n] = '\0';
    do {
        buf[--n] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v && n > 0);
    return eas_wbxml_text_element(w, tag, buf + n);
}
