/* The best target of a DNS SRV answer (RFC 1035 message format, RFC 2782 selection), for the
 * Autodiscover record _autodiscover._tcp.DOMAIN. The port does the query (res_query on POSIX); the
 * message is read here so every port reads it the same bounded way. */
#include <string.h>

#include "eas/discover.h"

#define DNS_TYPE_SRV 33u
#define DNS_CLASS_IN 1u
#define MAX_POINTERS 64u

static uint16_t be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }

/* Steps over the name at *pos (labels, ending in a zero byte or a compression pointer). */
static eas_err skip_name(const uint8_t *msg, size_t len, size_t *pos)
{
    size_t p = *pos;
    for (unsigned labels = 0; labels < 128; labels++) {
        uint8_t n;
        if (p >= len) return EAS_ERR_DNS_MALFORMED;
        n = msg[p];
        if (n == 0) {
            *pos = p + 1;
            return EAS_OK;
        }
        if ((n & 0xc0) == 0xc0) {
            if (p + 2 > len) return EAS_ERR_DNS_MALFORMED;
            *pos = p + 2;
            return EAS_OK;
        }
        if (n & 0xc0) return EAS_ERR_DNS_MALFORMED; /* the 0x40 and 0x80 label types are not in use */
        p += 1u + n;
    }
    return EAS_ERR_DNS_MALFORMED;
}

/* The name at pos as dotted text (no final dot; "" for the root). */
static eas_err read_name(const uint8_t *msg, size_t len, size_t pos, char *out, size_t cap)
{
    size_t k = 0, total = 0;
    unsigned jumps = 0;
    for (;;) {
        uint8_t n;
        if (pos >= len) return EAS_ERR_DNS_MALFORMED;
        n = msg[pos];
        if (n == 0) break;
        if ((n & 0xc0) == 0xc0) {
            size_t to;
            if (pos + 2 > len || ++jumps > MAX_POINTERS) return EAS_ERR_DNS_MALFORMED;
            to = (size_t)(be16(msg + pos) & 0x3fff);
            if (to >= pos) return EAS_ERR_DNS_MALFORMED; /* only backwards: no loop can form */
            pos = to;
            continue;
        }
        if (n & 0xc0) return EAS_ERR_DNS_MALFORMED;
        if (pos + 1u + n > len) return EAS_ERR_DNS_MALFORMED;
        total += 1u + n;
        if (total > 255) return EAS_ERR_DNS_MALFORMED;
        for (size_t i = 0; i < n; i++) {
            uint8_t c = msg[pos + 1 + i];
            /* A host name: letters, digits, hyphen (and the underscore some zones carry). */
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
                return EAS_ERR_DNS_MALFORMED;
        }
        if (k + (k ? 1u : 0u) + n + 1u > cap) return EAS_ERR_NOSPACE;
        if (k) out[k++] = '.';
        memcpy(out + k, msg + pos + 1, n);
        k += n;
        pos += 1u + n;
    }
    if (cap == 0) return EAS_ERR_NOSPACE;
    out[k] = '\0';
    return EAS_OK;
}

eas_err eas_dns_srv_best(const uint8_t *msg, size_t len, char *host, size_t cap, uint16_t *port)
{
    size_t pos = 12, best_target = 0;
    unsigned qd, an;
    int have = 0;
    uint16_t best_prio = 0, best_weight = 0, best_port = 0;
    eas_err e;
    if (!msg || !host || !port || cap == 0) return EAS_ERR_ARG;
    if (len < 12) return EAS_ERR_DNS_MALFORMED;
    if (!(msg[2] & 0x80)) return EAS_ERR_DNS_MALFORMED; /* not a response */
    if ((msg[3] & 0x0f) != 0) return EAS_ERR_NOT_FOUND;  /* NXDOMAIN, SERVFAIL, ... */
    qd = be16(msg + 4);
    an = be16(msg + 6);
    for (unsigned i = 0; i < qd; i++) {
        if ((e = skip_name(msg, len, &pos)) != EAS_OK) return e;
        if (pos + 4 > len) return EAS_ERR_DNS_MALFORMED;
        pos += 4;
    }
    for (unsigned i = 0; i < an; i++) {
        uint16_t type, klass, rdlen;
        if ((e = skip_name(msg, len, &pos)) != EAS_OK) return e;
        if (pos + 10 > len) return EAS_ERR_DNS_MALFORMED;
        type = be16(msg + pos);
        klass = be16(msg + pos + 2);
        rdlen = be16(msg + pos + 8);
        pos += 10;
        if (pos + rdlen > len) return EAS_ERR_DNS_MALFORMED;
        if (type == DNS_TYPE_SRV && klass == DNS_CLASS_IN) {
            uint16_t prio, weight, p;
            size_t end = pos + 6;
            if (rdlen < 7) return EAS_ERR_DNS_MALFORMED;
            prio = be16(msg + pos);
            weight = be16(msg + pos + 2);
            p = be16(msg + pos + 4);
            if ((e = skip_name(msg, pos + rdlen, &end)) != EAS_OK || end != pos + rdlen) return EAS_ERR_DNS_MALFORMED;
            /* "." (the root) means: no such service here. */
            if (msg[pos + 6] != 0 && p != 0 &&
                (!have || prio < best_prio || (prio == best_prio && weight > best_weight))) {
                have = 1;
                best_prio = prio;
                best_weight = weight;
                best_port = p;
                best_target = pos + 6;
            }
        }
        pos += rdlen;
    }
    if (!have) return EAS_ERR_NOT_FOUND;
    if ((e = read_name(msg, len, best_target, host, cap)) != EAS_OK) return e;
    if (host[0] == '\0') return EAS_ERR_NOT_FOUND;
    *port = best_port;
    return EAS_OK;
}
