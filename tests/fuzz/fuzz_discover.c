/* libFuzzer harness for Autodiscover (core/discover): the v1 response reader, the DNS SRV answer
 * reader and the candidate machine.
 * fuzz-links:
 * The first byte picks the target. Invariants beyond "no crash, no overread, no UB" (ASan/UBSan):
 *  - the v1 reader gives the same result, error and error offset whether fed whole, byte by byte or in
 *    pieces the input chooses; a URL/redirect value is NUL-terminated and shorter than EAS_URL_MAX;
 *  - an SRV target is a non-empty dotted host name that fits the buffer, with a non-zero port;
 *  - the candidate machine, driven by outcomes the input chooses, ends within a bounded number of
 *    candidates, and every candidate URL is at most EAS_URL_MAX - 1 bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eas/autodiscover.h"
#include "eas/discover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                                                                                                     \
    do {                                                                                                               \
        if (!(c)) abort();                                                                                             \
    } while (0)

typedef struct {
    eas_err err;
    eas_pox_kind kind;
    uint32_t offset, status;
    char value[EAS_URL_MAX];
} pox_outcome;

static void pox_run(const uint8_t *d, size_t n, const uint8_t *pieces, size_t npieces, pox_outcome *o)
{
    static eas_pox_reader r;
    size_t at = 0, k = 0;
    eas_pox_reader_init(&r);
    o->err = EAS_OK;
    o->kind = EAS_POX_NONE;
    while (at < n && o->err == EAS_OK) {
        size_t piece = n - at;
        if (pieces) piece = npieces ? (size_t)pieces[k++ % npieces] % 17 + 1 : 1;
        if (piece > n - at) piece = n - at;
        o->err = eas_pox_reader_feed(&r, d + at, piece);
        at += piece;
    }
    if (o->err == EAS_OK) o->err = eas_pox_reader_finish(&r, &o->kind);
    o->offset = o->err == EAS_OK ? 0 : eas_pox_reader_error_offset(&r);
    o->status = r.status;
    REQUIRE(o->err != EAS_OK || strlen(r.value) < EAS_URL_MAX);
    memcpy(o->value, r.value, sizeof o->value);
    o->value[sizeof o->value - 1] = '\0';
    if (o->err == EAS_OK && (o->kind == EAS_POX_URL || o->kind == EAS_POX_REDIRECT_ADDR || o->kind == EAS_POX_REDIRECT_URL))
        REQUIRE(o->value[0] != '\0');
}

static void same(const pox_outcome *a, const pox_outcome *b)
{
    REQUIRE(a->err == b->err);
    if (a->err != EAS_OK) {
        REQUIRE(a->offset == b->offset);
        return;
    }
    REQUIRE(a->kind == b->kind);
    if (a->kind == EAS_POX_ERROR) REQUIRE(a->status == b->status);
    if (a->kind != EAS_POX_NONE && a->kind != EAS_POX_ERROR) REQUIRE(strcmp(a->value, b->value) == 0);
}

static void fuzz_pox(const uint8_t *d, size_t n)
{
    static pox_outcome whole, bytes, pieces;
    size_t np = n > 8 ? 8 : n;
    pox_run(d, n, NULL, 0, &whole);
    pox_run(d, n, (const uint8_t *)"", 0, &bytes);
    pox_run(d, n, d, np, &pieces);
    same(&whole, &bytes);
    same(&whole, &pieces);
}

static void fuzz_srv(const uint8_t *d, size_t n)
{
    char host[256];
    uint16_t port = 0;
    eas_err e = eas_dns_srv_best(d, n, host, sizeof host, &port);
    if (e == EAS_OK) {
        size_t len = strlen(host);
        REQUIRE(len > 0 && len < sizeof host && port != 0);
        REQUIRE(host[0] != '.' && host[len - 1] != '.');
    } else {
        REQUIRE(e == EAS_ERR_NOT_FOUND || e == EAS_ERR_DNS_MALFORMED || e == EAS_ERR_NOSPACE);
    }
}

static void fuzz_machine(const uint8_t *d, size_t n)
{
    static eas_discover m;
    eas_discover_candidate c;
    char value[96];
    size_t at = 0;
    unsigned steps = 0;
    unsigned flags = n ? d[0] & 15 : 0;
    if (eas_discover_init(&m, "a@x.test", (flags & 1) ? "https://ad.x.test" : NULL, flags) != EAS_OK) return;
    while (eas_discover_next(&m, &c) == EAS_OK) {
        uint8_t b = at < n ? d[at++] : 0;
        REQUIRE(strlen(c.url) < EAS_URL_MAX);
        /* Each address runs at most the 8 steps and the redirects; 11 addresses at most. */
        REQUIRE(++steps <= (EAS_DISCOVER_SRC_COUNT + EAS_DISCOVER_MAX_REDIRECTS) * (EAS_DISCOVER_MAX_REDIRECTS + 1));
        switch (b % 6) {
        case 0: (void)eas_discover_report(&m, EAS_DISCOVER_FAILED, NULL); break;
        case 1:
            snprintf(value, sizeof value, "u%u@%s", (unsigned)(b / 6 % 4), (b & 64) ? "x.test" : "y.test");
            (void)eas_discover_report(&m, EAS_DISCOVER_NEW_ADDRESS, value);
            break;
        case 2:
            snprintf(value, sizeof value, "%s://h%u.%s/autodiscover/autodiscover.xml", (b & 128) ? "http" : "https",
                     (unsigned)(b / 6 % 5), (b & 64) ? "x.test" : "y.test");
            (void)eas_discover_report(&m, EAS_DISCOVER_NEW_URL, value);
            break;
        case 3:
            if (c.method == EAS_DISCOVER_SRV) (void)eas_discover_srv_target(&m, (b & 64) ? "s.x.test" : "s.y.test", 443);
            break;
        case 4:
            if ((b & 0x30) == 0x30) {
                REQUIRE(eas_discover_report(&m, EAS_DISCOVER_FOUND, "https://eas.x.test/Microsoft-Server-ActiveSync")
                        == EAS_OK);
                REQUIRE(eas_discover_result(&m, NULL) != NULL);
            }
            break;
        default: (void)eas_discover_report(&m, EAS_DISCOVER_FOUND, "not a url"); break;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    switch (data[0] % 3) {
    case 0: fuzz_pox(data + 1, size - 1); break;
    case 1: fuzz_srv(data + 1, size - 1); break;
    default: fuzz_machine(data + 1, size - 1); break;
    }
    return 0;
}
