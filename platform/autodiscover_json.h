/* The Autodiscover v2 answer (GET .../autodiscover/autodiscover.json?Email=ADDR&Protocol=ActiveSync):
 * {"Protocol": "ActiveSync", "Url": "https://.../Microsoft-Server-ActiveSync"}, read with cJSON on the
 * static arena (json_arena.h), so the body must be whole in the caller's buffer (such answers are a
 * few hundred bytes). An error answer carries {"ErrorCode": "...", "ErrorMessage": "..."}. */
#ifndef EAS_AUTODISCOVER_JSON_H
#define EAS_AUTODISCOVER_JSON_H

#include <stddef.h>

#include "eas/err.h"

/* The Url into url (NUL-terminated) when Protocol is ActiveSync (ASCII case ignored) and Url a
 * non-empty string. EAS_ERR_NOT_FOUND for an error answer or one for another protocol (then
 * error_code, if given, holds its ErrorCode, cut to code_cap), EAS_ERR_PROTOCOL for text that is not
 * such a JSON object, EAS_ERR_NOSPACE when the Url does not fit url_cap or the arena. */
eas_err eas_autodiscover_v2_parse(const char *text, size_t len, char *url, size_t url_cap, char *error_code,
                                  size_t code_cap);

#endif
