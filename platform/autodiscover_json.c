/* Autodiscover v2's JSON answer. See autodiscover_json.h. */
#include "autodiscover_json.h"

#include <string.h>

#include "eas/bytes.h"
#include "json_arena.h"

static void copy_cut(char *out, size_t cap, const char *s)
{
    size_t n;
    if (!out || cap == 0) return;
    n = strlen(s);
    if (n >= cap) n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

eas_err eas_autodiscover_v2_parse(const char *text, size_t len, char *url, size_t url_cap, char *error_code,
                                  size_t code_cap)
{
    cJSON *root = NULL;
    const cJSON *protocol, *u, *code;
    eas_err e;
    if (!text || !url || url_cap == 0) return EAS_ERR_ARG;
    url[0] = '\0';
    if (error_code && code_cap) error_code[0] = '\0';
    e = eas_json_parse(text, len, &root, NULL);
    if (e == EAS_ERR_NOSPACE) return e;
    if (e != EAS_OK || !cJSON_IsObject(root)) {
        eas_json_arena_reset();
        return EAS_ERR_PROTOCOL;
    }
    protocol = cJSON_GetObjectItemCaseSensitive(root, "Protocol");
    u = cJSON_GetObjectItemCaseSensitive(root, "Url");
    code = cJSON_GetObjectItemCaseSensitive(root, "ErrorCode");
    if (cJSON_IsString(code) && code->valuestring) {
        copy_cut(error_code, code_cap, code->valuestring);
        e = EAS_ERR_NOT_FOUND;
    } else if (!cJSON_IsString(protocol) || !protocol->valuestring || !eas_ascii_ieq(protocol->valuestring, strlen(protocol->valuestring), "ActiveSync")) {
        e = cJSON_IsString(protocol) ? EAS_ERR_NOT_FOUND : EAS_ERR_PROTOCOL;
    } else if (!cJSON_IsString(u) || !u->valuestring || u->valuestring[0] == '\0') {
        e = EAS_ERR_PROTOCOL;
    } else if (strlen(u->valuestring) >= url_cap) {
        e = EAS_ERR_NOSPACE;
    } else {
        memcpy(url, u->valuestring, strlen(u->valuestring) + 1);
        e = EAS_OK;
    }
    eas_json_arena_reset();
    return e;
}
