/* The identity platform's JSON answers. See oauth_json.h. */
#include "oauth_json.h"

#include <string.h>

#include "json_arena.h"

static const char *str_of(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A non-negative integer, given as a number or (Azure AD v1) as a string of digits; -1 when absent. */
static long num_of(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (cJSON_IsNumber(v)) return v->valuedouble >= 0 && v->valuedouble < 1e9 ? (long)v->valuedouble : -1;
    if (cJSON_IsString(v) && v->valuestring[0]) {
        long n = 0;
        for (const char *c = v->valuestring; *c; c++) {
            if (*c < '0' || *c > '9' || n > 100000000L) return -1;
            n = n * 10 + (*c - '0');
        }
        return n;
    }
    return -1;
}

static int given_not_string(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return v && !cJSON_IsString(v);
}

eas_err eas_oauth_json_parse(const char *text, size_t len, eas_oauth_answer *out)
{
    cJSON *root = NULL;
    const cJSON *codes, *first;
    eas_err e;
    if (!out) return EAS_ERR_ARG;
    memset(out, 0, sizeof *out);
    out->expires_in = out->interval = -1;
    e = text ? eas_json_parse(text, len, &root, NULL) : EAS_ERR_ARG;
    if (e == EAS_OK && !cJSON_IsObject(root)) e = EAS_ERR_PROTOCOL;
    if (e != EAS_OK) {
        eas_json_arena_wipe();
        return e == EAS_ERR_NOSPACE ? e : EAS_ERR_PROTOCOL;
    }
    out->error = str_of(root, "error");
    codes = cJSON_GetObjectItemCaseSensitive(root, "error_codes");
    first = cJSON_IsArray(codes) ? codes->child : NULL;
    if (cJSON_IsNumber(first) && first->valuedouble > 0 && first->valuedouble < 1e9)
        out->aadsts = (uint32_t)first->valuedouble;
    out->device_code = str_of(root, "device_code");
    out->user_code = str_of(root, "user_code");
    out->verification_uri = str_of(root, "verification_uri");
    if (!out->verification_uri) out->verification_uri = str_of(root, "verification_url");
    out->message = str_of(root, "message");
    out->access_token = str_of(root, "access_token");
    out->refresh_token = str_of(root, "refresh_token");
    out->token_type = str_of(root, "token_type");
    out->expires_in = num_of(root, "expires_in");
    out->interval = num_of(root, "interval");
    out->malformed = (uint8_t)(given_not_string(root, "access_token") || given_not_string(root, "refresh_token"));
    return EAS_OK;
}

void eas_oauth_json_done(void) { eas_json_arena_wipe(); }
