/* Shared by the files of core/oauth: streaming a stored token, form encoding. */
#ifndef EAS_OAUTH_INT_H
#define EAS_OAUTH_INT_H

#include "eas/oauth.h"

typedef enum { EAS_OAUTH_WHICH_ACCESS, EAS_OAUTH_WHICH_REFRESH } eas_oauth_which;

/* Writes len bytes to sink (nothing when sink.write is NULL) and adds len to *total. */
eas_err eas_oauth_sink_write(eas_sink sink, const uint8_t *p, size_t len, size_t *total);
/* The same, form-encoded (application/x-www-form-urlencoded: unreserved bytes as they are, space as
 * '+', the rest as %XX); *total counts the encoded bytes. */
eas_err eas_oauth_form_write(eas_sink sink, const char *s, size_t len, size_t *total);
/* A stored token, a chunk at a time, to sink (form-encoded or not); *len (may be NULL) gets the bytes
 * written. EAS_ERR_NOT_SIGNED_IN when there is none. */
eas_err eas_oauth_stream_token(eas_store *st, eas_oauth_which which, int form_encode, eas_sink sink, size_t *len);

/* A new access token, the stored refresh token kept (a refresh answer without a new one, RFC 6749 6). */
eas_err eas_oauth_tokens_save_access(eas_store *st, const char *access, size_t access_len, uint64_t now,
                                     uint32_t expires_in, eas_oauth_tokens *out);

#endif
