#include "eas/base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

eas_err eas_base64_encode(const uint8_t *in, size_t len, char *out, size_t cap, size_t *out_len)
{
    size_t need = EAS_BASE64_ENCODED_LEN(len);
    if (cap < need) return EAS_ERR_NOSPACE;
    size_t o = 0, i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len) v |= (uint32_t)in[i + 1] << 8;
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = (i + 1 < len) ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    if (o < cap) out[o] = '\0';
    if (out_len) *out_len = o;
    return EAS_OK;
}

void eas_base64_decoder_init(eas_base64_decoder *d)
{
    d->acc = 0;
    d->nbits = 0;
    d->pad = 0;
}

/* The value of each ASCII character, X for none: a lookup instead of comparisons, and four
 * characters checked at once (128 bytes of ROM). */
#define X 0xFFu
static const uint8_t values[128] = {
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, 62, X, X, X, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X, X, X, X, X, X,
    X, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X, X, X, X, X,
    X, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X, X, X, X, X,
};
#undef X

static int value_of(char c)
{
    unsigned u = (unsigned char)c;
    return u < 128u && values[u] != 0xFFu ? values[u] : -1;
}

eas_err eas_base64_decode_update(eas_base64_decoder *d, const char *in, size_t len, uint8_t *out, size_t cap,
                                 size_t *out_len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        /* The common case, four characters of a quantum and no padding: three bytes at once. */
        if (d->nbits == 0 && !d->pad && i + 4u <= len && o + 3u <= cap) {
            const unsigned char *q = (const unsigned char *)in + i;
            if ((q[0] | q[1] | q[2] | q[3]) < 128u) {
                unsigned v0 = values[q[0]], v1 = values[q[1]], v2 = values[q[2]], v3 = values[q[3]];
                if ((v0 | v1 | v2 | v3) < 64u) {
                    uint32_t v = (uint32_t)v0 << 18 | (uint32_t)v1 << 12 | (uint32_t)v2 << 6 | v3;
                    out[o++] = (uint8_t)(v >> 16);
                    out[o++] = (uint8_t)(v >> 8);
                    out[o++] = (uint8_t)v;
                    i += 3u;
                    continue;
                }
            }
        }
        char c = in[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
        if (c == '=') {
            /* Padding is legal only after 2 or 3 characters of a quantum (12 or 18 bits held, of
             * which 4 or 2 are left over once the whole bytes are out). */
            if (d->nbits == 0 && !d->pad) return EAS_ERR_XML_BASE64;
            d->pad++;
            if (d->pad > 2) return EAS_ERR_XML_BASE64;
            continue;
        }
        int v = value_of(c);
        if (v < 0 || d->pad) return EAS_ERR_XML_BASE64;
        d->acc = (d->acc << 6) | (uint32_t)v;
        d->nbits += 6;
        if (d->nbits >= 8) {
            if (o >= cap) return EAS_ERR_NOSPACE;
            d->nbits -= 8;
            out[o++] = (uint8_t)(d->acc >> d->nbits);
            d->acc &= (1u << d->nbits) - 1u;
        }
    }
    *out_len = o;
    return EAS_OK;
}

eas_err eas_base64_decode_final(const eas_base64_decoder *d)
{
    /* After the last whole byte, 0 (complete), 2 (one '=' or two missing) or 4 bits may remain. */
    if (d->nbits >= 6) return EAS_ERR_XML_BASE64;
    if (d->acc != 0) return EAS_ERR_XML_BASE64; /* non-canonical trailing bits */
    return EAS_OK;
}
