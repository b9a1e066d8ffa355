/* The identity platform's requests: endpoint paths and form bodies (RFC 8628 3.1 and 3.4, RFC 6749 6). */
#include "eas/oauth.h"

#if EAS_ENABLE_OAUTH

#include <string.h>

#include "oauth_int.h"

#define DEVICE_GRANT "urn:ietf:params:oauth:grant-type:device_code"

eas_err eas_oauth_sink_write(eas_sink sink, const uint8_t *p, size_t len, size_t *total)
{
    *total += len;
    return sink.write && len ? sink.write(sink.ctx, p, len) : EAS_OK;
}

static int unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

eas_err eas_oauth_form_write(eas_sink sink, const char *s, size_t len, size_t *total)
{
    static const char hex[] = "0123456789ABCDEF";
    uint8_t out[96];
    size_t n = 0;
    eas_err e = EAS_OK;
    for (size_t i = 0; i < len && e == EAS_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c)) {
            out[n++] = c;
        } else if (c == ' ') {
            out[n++] = '+';
        } else {
            out[n++] = '%';
            out[n++] = (uint8_t)hex[c >> 4];
            out[n++] = (uint8_t)hex[c & 15u];
        }
        if (n > sizeof out - 3u || i + 1 == len) {
            e = eas_oauth_sink_write(sink, out, n, total);
            n = 0;
        }
    }
    return e;
}

static eas_err lit(eas_sink sink, const char *s, size_t *total)
{
    return eas_oauth_sink_write(sink, (const uint8_t *)s, strlen(s), total);
}

static eas_err field(eas_sink sink, const char *name, const char *value, size_t *total)
{
    eas_err e = lit(sink, name, total);
    return e == EAS_OK ? eas_oauth_form_write(sink, value, strlen(value), total) : e;
}

static int config_ok(const eas_oauth_config *c)
{
    return c && c->client_id && c->client_id[0] && c->tenant && c->tenant[0] && c->scope && c->scope[0];
}

eas_err eas_oauth_target(const eas_oauth_config *c, eas_oauth_endpoint ep, char *out, size_t cap, size_t *len)
{
    const char *base = c && c->base_path ? c->base_path : "";
    const char *tail = ep == EAS_OAUTH_DEVICECODE ? "/oauth2/v2.0/devicecode" : "/oauth2/v2.0/token";
    size_t nb, nt, nl;
    if (!config_ok(c) || !out || strchr(c->tenant, '/')) return EAS_ERR_ARG;
    nb = strlen(base);
    while (nb > 0 && base[nb - 1] == '/') nb--;
    nt = strlen(c->tenant);
    nl = strlen(tail);
    if (nb + 1 + nt + nl + 1 > cap) return EAS_ERR_NOSPACE;
    memcpy(out, base, nb);
    out[nb] = '/';
    memcpy(out + nb + 1, c->tenant, nt);
    memcpy(out + nb + 1 + nt, tail, nl + 1);
    if (len) *len = nb + 1 + nt + nl;
    return EAS_OK;
}

eas_err eas_oauth_devicecode_body(const eas_oauth_config *c, eas_sink sink, size_t *len)
{
    size_t total = 0;
    eas_err e;
    if (!config_ok(c)) return EAS_ERR_ARG;
    if ((e = field(sink, "client_id=", c->client_id, &total)) == EAS_OK) e = field(sink, "&scope=", c->scope, &total);
    if (len) *len = total;
    return e;
}

eas_err eas_oauth_poll_body(const eas_oauth_config *c, const char *device_code, eas_sink sink, size_t *len)
{
    size_t total = 0;
    eas_err e;
    if (!config_ok(c) || !device_code || !device_code[0]) return EAS_ERR_ARG;
    if ((e = field(sink, "grant_type=", DEVICE_GRANT, &total)) == EAS_OK &&
        (e = field(sink, "&client_id=", c->client_id, &total)) == EAS_OK)
        e = field(sink, "&device_code=", device_code, &total);
    if (len) *len = total;
    return e;
}

eas_err eas_oauth_refresh_body(const eas_oauth_config *c, eas_store *st, const eas_oauth_tokens *t, eas_sink sink,
                               size_t *len)
{
    size_t total = 0, tok = 0;
    eas_err e;
    if (!config_ok(c) || !st || !t) return EAS_ERR_ARG;
    if (t->refresh_len == 0) return EAS_ERR_NOT_SIGNED_IN;
    if ((e = field(sink, "grant_type=", "refresh_token", &total)) == EAS_OK &&
        (e = field(sink, "&client_id=", c->client_id, &total)) == EAS_OK &&
        (e = field(sink, "&scope=", c->scope, &total)) == EAS_OK && (e = lit(sink, "&refresh_token=", &total)) == EAS_OK)
        e = eas_oauth_stream_token(st, EAS_OAUTH_WHICH_REFRESH, 1, sink, &tok);
    if (len) *len = total + tok;
    return e;
}

#endif
