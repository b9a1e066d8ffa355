/* Server URLs: "https://host[:port]/path?query" and "http://...", parsed into bounded buffers.
 *
 * Only what an ActiveSync client needs is accepted: the http and https schemes, a DNS name, an IPv4
 * address or a bracketed IPv6 literal ("[::1]"), an optional port 1..65535, and a path with an
 * optional query. User information ("user@host") is refused so that a password never sits in a URL,
 * and fragments are refused because they mean nothing to a server. */
#ifndef EAS_URL_H
#define EAS_URL_H

#include <stddef.h>
#include <stdint.h>

#include "eas/config.h"
#include "eas/err.h"

typedef enum { EAS_URL_HTTP = 0, EAS_URL_HTTPS = 1 } eas_url_scheme;

typedef struct eas_url {
    char host[EAS_URL_HOST_MAX]; /* NUL-terminated; an IPv6 literal without its brackets */
    char path[EAS_URL_PATH_MAX]; /* NUL-terminated path and query, always starting with '/' */
    uint16_t port;               /* the explicit port, or 443 / 80 */
    uint8_t scheme;              /* eas_url_scheme */
    uint8_t ipv6;                /* host is an IPv6 literal (brackets needed in Host:) */
    uint8_t port_explicit;       /* the URL named a port */
} eas_url;

/* Parses text[0..len). EAS_ERR_HTTP_URL for anything malformed or refused (other schemes, userinfo,
 * fragment, bad port, bad characters); EAS_ERR_NOSPACE when the URL is longer than EAS_URL_MAX or its
 * host or path does not fit. *out is written only on success. */
eas_err eas_url_parse(const char *text, size_t len, eas_url *out);

/* The Host header value: "host", "host:port" when the port is not the scheme's default, and the
 * brackets back around an IPv6 literal. NUL-terminated; EAS_ERR_NOSPACE when cap is too small. */
eas_err eas_url_host_header(const eas_url *url, char *out, size_t cap, size_t *out_len);

/* Percent-encodes s[0..n) for a query value: every byte but RFC 3986's unreserved characters becomes
 * %XX, so a value can never add a parameter or end the request line. No NUL is written; EAS_ERR_NOSPACE
 * when the result needs more than cap bytes (out then holds a part of it). */
eas_err eas_url_pct_encode(const char *s, size_t n, char *out, size_t cap, size_t *out_len);

#endif
