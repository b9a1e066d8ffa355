/* Base64 (RFC 4648, standard alphabet, padded), streaming in both directions: the encoder and decoder
 * keep a few bytes of state so that input may arrive in pieces of any size. */
#ifndef EAS_BASE64_H
#define EAS_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "eas/err.h"

/* Output size of encoding n bytes, padding included (no NUL). */
#define EAS_BASE64_ENCODED_LEN(n) ((((size_t)(n) + 2u) / 3u) * 4u)

/* One-shot encode into out (cap bytes); writes a NUL after the text when there is room for it.
 * EAS_ERR_NOSPACE when cap < EAS_BASE64_ENCODED_LEN(len). */
eas_err eas_base64_encode(const uint8_t *in, size_t len, char *out, size_t cap, size_t *out_len);

/* Streaming decoder. Whitespace is skipped; anything else outside the alphabet, or data after the
 * padding, is EAS_ERR_XML_BASE64. */
typedef struct {
    uint32_t acc;
    uint8_t nbits;  /* bits held in acc */
    uint8_t pad;    /* '=' seen */
} eas_base64_decoder;

void eas_base64_decoder_init(eas_base64_decoder *d);
/* Decodes in[0..len) into out (cap bytes, at least len * 3 / 4 + 3); *out_len is set to the bytes produced. */
eas_err eas_base64_decode_update(eas_base64_decoder *d, const char *in, size_t len, uint8_t *out, size_t cap,
                                 size_t *out_len);
/* Checks that the input ended on a whole quantum (padded or not). */
eas_err eas_base64_decode_final(const eas_base64_decoder *d);

#endif
