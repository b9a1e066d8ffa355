/* The identity platform's JSON answers (RFC 8628 3.2, RFC 6749 5.1 and 5.2, Entra's error_codes), read
 * with cJSON on the static arena (json_arena.h): core/oauth asks for the fields it needs and never sees
 * cJSON. The strings point into the arena: they are valid until eas_oauth_json_done, which zeroes it
 * (the answer held tokens). */
#ifndef EAS_OAUTH_JSON_H
#define EAS_OAUTH_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "eas/err.h"

typedef struct eas_oauth_answer {
    const char *error;            /* "error"; NULL when absent or not a string (so for every string below) */
    uint32_t aadsts;              /* the first of "error_codes" (Entra's AADSTS number); 0: none */
    const char *device_code;      /* the device-code answer */
    const char *user_code;
    const char *verification_uri; /* or the v1 endpoint's "verification_url" */
    const char *message;
    const char *access_token;     /* the token answer */
    const char *refresh_token;
    const char *token_type;
    long expires_in;              /* a non-negative integer, as a number or a string of digits; -1: absent */
    long interval;
    uint8_t malformed;            /* access_token or refresh_token given, but not as a string */
} eas_oauth_answer;

/* Parses len bytes of text (no NUL needed). EAS_ERR_PROTOCOL when it is not a JSON object,
 * EAS_ERR_NOSPACE when it does not fit the arena; the arena is wiped then too. */
eas_err eas_oauth_json_parse(const char *text, size_t len, eas_oauth_answer *out);
/* The answer's strings are no longer needed: the arena is zeroed. */
void eas_oauth_json_done(void);

#endif
