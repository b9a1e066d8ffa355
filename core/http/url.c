/* URL parsing for the server address (RFC 3986, the subset an ActiveSync client needs). */
#include <string.h>

#include "eas/bytes.h"
#include "eas/url.h"

static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }


/* A path or query byte: unreserved, sub-delims, ':', '@', '/', '?' (percent escapes checked apart). */
static int is_path_char(char c)
{
    if (is_alpha(c) || is_digit(c)) return 1;
    return c != '\0' && strchr("-._~!$&'()*+,;=:@/?", c) != NULL;
}

/* The inside of "[...]": eight 16-bit groups, "::" standing for one or more zero groups, and an
 * optional dotted IPv4 tail counting as two groups. Zone identifiers and IPvFuture are refused. */
static int valid_ipv6(const char *s, size_t n)
{
    size_t i = 0;
    unsigned groups = 0, gap = 0;
    if (n < 2) return 0;
    if (s[0] == ':') {
        if (s[1] != ':') return 0;
        gap = 1;
        i = 2;
        if (i == n) return 1; /* "::" */
    }
    while (i < n) {
        size_t start = i, hex = 0;
        while (i < n && is_hex(s[i]) && hex < 5) {
            i++;
            hex++;
        }
        if (i < n && s[i] == '.') {
            /* dotted IPv4 tail: must be the last thing */
            unsigned parts = 0;
            i = start;
            while (parts < 4) {
                unsigned v = 0, nd = 0;
                while (i < n && is_digit(s[i]) && nd < 4) {
                    v = v * 10u + (unsigned)(s[i] - '0');
                    i++;
                    nd++;
                }
                if (nd == 0 || nd > 3 || v > 255) return 0;
                parts++;
                if (parts < 4) {
                    if (i >= n || s[i] != '.') return 0;
                    i++;
                }
            }
            if (i != n) return 0;
            groups += 2;
            break;
        }
        if (hex == 0 || hex > 4) return 0;
        groups++;
        if (i == n) break;
        if (s[i] != ':') return 0;
        i++;
        if (i < n && s[i] == ':') {
            if (gap) return 0;
            gap = 1;
            i++;
            if (i == n) break;
        } else if (i == n) {
            return 0; /* trailing single ':' */
        }
    }
    return gap ? groups <= 7 : groups == 8;
}

eas_err eas_url_parse(const char *text, size_t len, eas_url *out)
{
    size_t i, auth_start, auth_end, host_start, host_end, plen;
    unsigned port = 0;
    int ipv6 = 0, explicit_port = 0;
    uint8_t scheme;
    if (!text || !out) return EAS_ERR_ARG;
    if (len > EAS_URL_MAX) return EAS_ERR_NOSPACE;
    if (eas_ascii_iprefix(text, len, "https://")) {
        scheme = EAS_URL_HTTPS;
        i = 8;
    } else if (eas_ascii_iprefix(text, len, "http://")) {
        scheme = EAS_URL_HTTP;
        i = 7;
    } else {
        return EAS_ERR_HTTP_URL;
    }
    auth_start = i;
    while (i < len && text[i] != '/' && text[i] != '?' && text[i] != '#') i++;
    auth_end = i;
    if (auth_end == auth_start) return EAS_ERR_HTTP_URL;

    i = auth_start;
    if (text[i] == '[') {
        size_t close = i + 1;
        while (close < auth_end && text[close] != ']') close++;
        if (close >= auth_end) return EAS_ERR_HTTP_URL;
        host_start = i + 1;
        host_end = close;
        if (!valid_ipv6(text + host_start, host_end - host_start)) return EAS_ERR_HTTP_URL;
        ipv6 = 1;
        i = close + 1;
    } else {
        host_start = i;
        while (i < auth_end && text[i] != ':') {
            char c = text[i];
            /* '@' (userinfo), '%' (escapes) and anything outside a DNS name or IPv4 address */
            if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_')) return EAS_ERR_HTTP_URL;
            i++;
        }
        host_end = i;
        if (host_end == host_start || text[host_start] == '.' || text[host_start] == '-') return EAS_ERR_HTTP_URL;
    }
    if (i < auth_end) {
        size_t nd = 0;
        if (text[i] != ':') return EAS_ERR_HTTP_URL;
        i++;
        while (i < auth_end) {
            if (!is_digit(text[i]) || nd >= 5) return EAS_ERR_HTTP_URL;
            port = port * 10u + (unsigned)(text[i] - '0');
            nd++;
            i++;
        }
        if (nd == 0 || port == 0 || port > 65535u) return EAS_ERR_HTTP_URL;
        explicit_port = 1;
    }

    /* path and query */
    for (size_t k = auth_end; k < len; k++) {
        char c = text[k];
        if (c == '%') {
            if (k + 2 >= len || !is_hex(text[k + 1]) || !is_hex(text[k + 2])) return EAS_ERR_HTTP_URL;
            k += 2;
        } else if (!is_path_char(c)) {
            return EAS_ERR_HTTP_URL; /* '#' (fragment), spaces, controls, non-ASCII */
        }
    }
    plen = len - auth_end;
    if (host_end - host_start + 1 > sizeof out->host) return EAS_ERR_NOSPACE;
    if ((plen == 0 || text[auth_end] == '?') && plen + 2 > sizeof out->path) return EAS_ERR_NOSPACE;
    if (plen + 1 > sizeof out->path) return EAS_ERR_NOSPACE;

    memcpy(out->host, text + host_start, host_end - host_start);
    out->host[host_end - host_start] = '\0';
    if (plen == 0 || text[auth_end] == '?') {
        out->path[0] = '/';
        memcpy(out->path + 1, text + auth_end, plen);
        out->path[plen + 1] = '\0';
    } else {
        memcpy(out->path, text + auth_end, plen);
        out->path[plen] = '\0';
    }
    out->scheme = scheme;
    out->ipv6 = (uint8_t)ipv6;
    out->port_explicit = (uint8_t)explicit_port;
    out->port = (uint16_t)(explicit_port ? port : (scheme == EAS_URL_HTTPS ? 443u : 80u));
    return EAS_OK;
}

eas_err eas_url_host_header(const eas_url *url, char *out, size_t cap, size_t *out_len)
{
    size_t hl, n = 0;
    char digits[6];
    size_t nd = 0;
    unsigned default_port;
    if (!url || !out) return EAS_ERR_ARG;
    hl = 0;
    while (hl < sizeof url->host && url->host[hl] != '\0') hl++;
    if (hl == sizeof url->host) return EAS_ERR_ARG;
    default_port = url->scheme == EAS_URL_HTTPS ? 443u : 80u;
    if (url->port != default_port) {
        unsigned p = url->port;
        do {
            digits[sizeof digits - 1 - nd] = (char)('0' + p % 10u);
            p /= 10u;
            nd++;
        } while (p && nd < sizeof digits);
    }
    if (hl + (url->ipv6 ? 2u : 0u) + (nd ? nd + 1u : 0u) + 1u > cap) return EAS_ERR_NOSPACE;
    if (url->ipv6) out[n++] = '[';
    memcpy(out + n, url->host, hl);
    n += hl;
    if (url->ipv6) out[n++] = ']';
    if (nd) {
        out[n++] = ':';
        memcpy(out + n, digits + sizeof digits - nd, nd);
        n += nd;
    }
    out[n] = '\0';
    if (out_len) *out_len = n;
    return EAS_OK;
}

eas_err eas_url_pct_encode(const char *s, size_t n, char *out, size_t cap, size_t *out_len)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t k = 0;
    if ((!out && cap) || (!s && n)) return EAS_ERR_ARG;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        int plain = is_alpha((char)c) || is_digit((char)c) || c == '-' || c == '.' || c == '_' || c == '~';
        if (k + (plain ? 1u : 3u) > cap) return EAS_ERR_NOSPACE;
        if (plain) {
            out[k++] = (char)c;
        } else {
            out[k++] = '%';
            out[k++] = hex[c >> 4];
            out[k++] = hex[c & 15];
        }
    }
    if (out_len) *out_len = k;
    return EAS_OK;
}
