/* The Autodiscover candidate order, redirects and their bounds (eas/discover.h), the DNS SRV answer
 * reader, and the v2 JSON answer. */
#include <stdio.h>
#include <string.h>

#include "autodiscover_json.h"
#include "check.h"
#include "eas/discover.h"
#include "eas/err.h"

/* Runs the machine to its end with every candidate failing; writes "SOURCE METHOD URL" lines. */
static eas_err list_all(eas_discover *d, char *out, size_t cap)
{
    eas_discover_candidate c;
    eas_err e;
    size_t n = 0;
    out[0] = '\0';
    while ((e = eas_discover_next(d, &c)) == EAS_OK) {
        n += (size_t)snprintf(out + n, cap - n, "%s %d %s\n", eas_discover_source_name((eas_discover_source)c.source),
                              c.method, c.url);
        if (n >= cap) return EAS_ERR_NOSPACE;
        if (eas_discover_report(d, EAS_DISCOVER_FAILED, NULL) != EAS_OK) return EAS_ERR_STATE;
    }
    return e;
}

TEST(discover_candidate_order)
{
    static eas_discover d;
    static char out[4096];
    CHECK_OK(eas_discover_init(&d, "alice@Example.test", "https://127.0.0.1:8444/", 0));
    CHECK_EQ(list_all(&d, out, sizeof out), EAS_ERR_DISCOVER_NONE);
    CHECK_STR(out,
              "config-v2 0 https://127.0.0.1:8444/autodiscover/autodiscover.json?Email=alice%40Example.test&Protocol=ActiveSync\n"
              "config-v1 1 https://127.0.0.1:8444/autodiscover/autodiscover.xml\n"
              "outlook-v2 0 https://autodiscover-s.outlook.com/autodiscover/autodiscover.json?Email=alice%40Example.test&Protocol=ActiveSync\n"
              "autodiscover-v2 0 https://autodiscover.Example.test/autodiscover/autodiscover.json?Email=alice%40Example.test&Protocol=ActiveSync\n"
              "domain-v1 1 https://Example.test/autodiscover/autodiscover.xml\n"
              "autodiscover-v1 1 https://autodiscover.Example.test/autodiscover/autodiscover.xml\n"
              "http-redirect 2 http://autodiscover.Example.test/autodiscover/autodiscover.xml\n"
              "dns-srv 3 _autodiscover._tcp.Example.test\n");
    /* No base: the configured steps are skipped; flags take steps away. */
    CHECK_OK(eas_discover_init(&d, "bob@x.test", NULL, EAS_DISCOVER_NO_SRV | EAS_DISCOVER_NO_HTTP_GET));
    CHECK_EQ(list_all(&d, out, sizeof out), EAS_ERR_DISCOVER_NONE);
    CHECK_STR(out,
              "outlook-v2 0 https://autodiscover-s.outlook.com/autodiscover/autodiscover.json?Email=bob%40x.test&Protocol=ActiveSync\n"
              "autodiscover-v2 0 https://autodiscover.x.test/autodiscover/autodiscover.json?Email=bob%40x.test&Protocol=ActiveSync\n"
              "domain-v1 1 https://x.test/autodiscover/autodiscover.xml\n"
              "autodiscover-v1 1 https://autodiscover.x.test/autodiscover/autodiscover.xml\n");
    CHECK_OK(eas_discover_init(&d, "bob@x.test", "https://ad.x.test/base", EAS_DISCOVER_ONLY_CONFIGURED));
    CHECK_EQ(list_all(&d, out, sizeof out), EAS_ERR_DISCOVER_NONE);
    CHECK_STR(out, "config-v2 0 https://ad.x.test/base/autodiscover/autodiscover.json?Email=bob%40x.test&Protocol=ActiveSync\n"
                   "config-v1 1 https://ad.x.test/base/autodiscover/autodiscover.xml\n");
}

TEST(discover_refuses_bad_input)
{
    static eas_discover d;
    static const char *const bad[] = {"alice", "@x.test", "alice@", "a@b@c.test", "a b@x.test", "a@x..test",
                                      "a@-x.test", "a@x-.test", "a@x_y.test", "a@x.test.", "a\"@x.test"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(eas_discover_init(&d, bad[i], NULL, 0) == EAS_ERR_DISCOVER_ADDRESS, "%s", bad[i]);
    CHECK_EQ(eas_discover_init(&d, "a@x.test", "http://x.test", 0), EAS_ERR_PLAIN_HTTP_REFUSED);
    CHECK_OK(eas_discover_init(&d, "a@x.test", "http://x.test", EAS_DISCOVER_ALLOW_PLAIN_HTTP));
    CHECK_EQ(eas_discover_init(&d, "a@x.test", "https://x.test/?q", 0), EAS_ERR_HTTP_URL);
    CHECK_EQ(eas_discover_init(&d, "a@x.test", "ftp://x.test", 0), EAS_ERR_HTTP_URL);
    CHECK_EQ(eas_discover_init(&d, "a@x.test", "https://u@x.test", 0), EAS_ERR_HTTP_URL);
}

TEST(discover_found_ends_it)
{
    static eas_discover d;
    eas_discover_candidate c;
    eas_discover_source src;
    CHECK_OK(eas_discover_init(&d, "alice@x.test", "https://ad.test", EAS_DISCOVER_ONLY_CONFIGURED));
    CHECK(eas_discover_result(&d, &src) == NULL);
    CHECK_OK(eas_discover_next(&d, &c));
    CHECK_EQ(c.method, EAS_DISCOVER_GET_JSON);
    /* A result that is plain http or not a URL does not count. */
    CHECK_EQ(eas_discover_report(&d, EAS_DISCOVER_FOUND, "http://eas.test/Microsoft-Server-ActiveSync"),
             EAS_ERR_PLAIN_HTTP_REFUSED);
    CHECK_EQ(eas_discover_report(&d, EAS_DISCOVER_FOUND, "not a url"), EAS_ERR_HTTP_URL);
    CHECK_OK(eas_discover_next(&d, &c));
    CHECK_EQ(c.method, EAS_DISCOVER_POST_XML);
    CHECK_STR(c.address, "alice@x.test");
    CHECK_OK(eas_discover_report(&d, EAS_DISCOVER_FOUND, "https://eas.test:8443/Microsoft-Server-ActiveSync"));
    CHECK_STR(eas_discover_result(&d, &src), "https://eas.test:8443/Microsoft-Server-ActiveSync");
    CHECK_EQ(src, EAS_DISCOVER_SRC_CONFIG_V1);
    CHECK_EQ(eas_discover_next(&d, &c), EAS_ERR_STATE);
    CHECK_EQ(eas_discover_report(&d, EAS_DISCOVER_FAILED, NULL), EAS_ERR_STATE);
    /* With plain http allowed, an http result is taken. */
    CHECK_OK(eas_discover_init(&d, "alice@x.test", "http://ad.test", EAS_DISCOVER_ONLY_CONFIGURED | EAS_DISCOVER_ALLOW_PLAIN_HTTP));
    CHECK_OK(eas_discover_next(&d, &c));
    CHECK_OK(eas_discover_report(&d, EAS_DISCOVER_FOUND, "http://eas.test/Microsoft-Server-ActiveSync"));
    CHECK_STR(eas_discover_result(&d, NULL), "http://eas.test/Microsoft-Server-ActiveSync");
}

TEST(discover_new_address_starts_over)
{
    static eas_discover d;
    eas_discover_candidate c;
    eas_discover_source src;
    CHECK_OK(eas_discover_init(&d, "alice@old.test", "https://ad.test", 0));
    CHECK_OK(eas_discover_next(&d, &c)); /* config-v2 */
    CHECK_OK(eas_discover_report(&d, EAS_DISCOVER_FAILED, NULL));
    CHECK_OK(eas_discover_next(&d, &c)); /* config-v1 */
    CHECK_EQ(eas_discover_report(&d, EAS_DISCOVER_NEW_ADDRESS, "not-an-address"), EAS_ERR_DISCOVER_ADDRESS);
    CHECK_OK(eas_discover_report(&d, EAS_DISCOVER_NEW_ADDRESS, "alice@new.test"));
    CHECK_OK(eas_discover_next(&d, &c));
    CHECK_EQ(c.source, EAS_DISCOVER_SRC_CONFIG_V2);
    CHECK_EQ(c.redirected, 1);
    CHECK_STR(c.address, "alice@new.test");
    CHECK_STR(c.url, "https://ad.test/autodiscover/autodiscover.json?Email=alice%40new.test&Protocol=ActiveSync");
    CHECK_OK(eas_discover_report(&d, EAS_DISCOVER_FAILED, NULL));
    CHECK_OK(eas_discover_next(&d, &c));
    CHECK_EQ(c.source, EAS_DISCOVER_SRC_CONFIG_V1);
    CHECK_OK(eas_discover_report(&d, EAS_DISCOVER_FAILED, NULL));
    CHECK_OK(eas_discover_next(&d, &c));
    CHECK_STR(c.url, "https://autodiscover-s.outlook.com/autodiscover/autodiscover.json?Email=alice%40new.test&Protocol=ActiveSync");
    CHECK_OK(eas_discover_report(&d, EAS_DISCOVER_FOUND, "https://mail.new.test/Microsoft-Server-ActiveSync"));
    CHECK_STR(eas_discover_result(&d, &src), "https://mail.new.test/Microsoft-Server-ActiveSync");
    CHECK_EQ(src, EAS_DISCOVER_SRC_OUTLOOK_V2);
}

TEST(discover_address_loop_is_abandoned)
{
    static eas_discover d;
    eas_discover_candidate c;
    int n = 0;
    eas_err e;
    CHECK_OK(eas_discover_init(&d, "a@x.test", "https://ad.test", EAS_DISCOVER_ONLY_CONFIGURED));
    CHECK_OK(eas_discover_next(&d, &c));
    CHECK_OK(eas_discover_report(&d, EAS_DISCOVER_NEW_ADDRESS, "b@x.test"));
    CHECK_OK(eas_discover_next(&d, &c));
    /* Back to the first address (case does not make it another one). */
    CHECK_EQ(eas_discover_report(&d, EAS_DISCOVER_NEW_ADDRESS, "A@X.TEST"), EAS_ERR_DISCOVER_LOOP);
    /* The chain is abandoned; b's list goes on, and the end says a loop was seen. */
    while ((e = eas_discover_next(&d, &c)) == EAS_OK) {
        CHECK_STR(c.address, "b@x.test");
        CHECK_OK(eas_discover_report(&d, EAS_DISCOVER_FAILED, NULL));
        n++;
    }
    CHECK_EQ(n, 1);
    CHECK_EQ(e, EAS_ERR_DISCOVER_LOOP);
}

TEST(discover_redirect_bound)
{
    static eas_discover d;
    eas_discover_candidate c;
    char addr[64];
    unsigned i;
    CHECK_OK(eas_discover_init(&d, "a0@x.test", "https://ad.test", 0));
    for (i = 1; i <= EAS_DISCOVER_MAX_REDIRECTS; i++) {
        CHECK_OK(eas_discover_next(&d, &c));
        snprintf(addr, sizeof addr, "a%u@x.test", i);
        CHECK_OK(eas_discover_report(&d, EAS_DISCOVER_NEW_ADDRESS, addr));
    }
    CHECK_OK(eas_discover_next(&d, &c));
    CHECK_EQ(eas_discover_report(&d, EAS_DISCOVER_NEW_ADDRESS, "last@x.test"), EAS_ERR_DISCOVER_LOOP);
    CHECK_EQ(eas_discover_next(&d, &c), EAS_ERR_DISCOVER_LOOP);
    /* The same bound for URL redirects, each to a new place. */
    CHECK_OK(eas_discover_init(&d, "a@x.test", "https://ad.test", 0));
    CHECK_OK(eas_discover_next(&d, &c));
    for (i = 1; i <= EAS_DISCOVER_MAX_REDIRECTS; i++) {
        snprintf(addr, sizeof addr, "https://ad%u.test/autodiscover/autodiscover.xml", i);
        CHECK_OK(eas_discover_report(&d, EAS_DISCOVER_NEW_URL, addr));
        CHECK_OK(eas_discover_next(&d, &c));
        CHECK_STR(c.url, addr);
        CHECK_EQ(c.method, EAS_DISCOVER_POST_XML);
        CHECK_EQ(c.source, EAS_DISCOVER_SRC_CONFIG_V2);
    }
    CHECK_EQ(eas_discover_report(&d, EAS_DISCOVER_NEW_URL, "https://one-more.test/a"), EAS_ERR_DISCOVER_LOOP);
    CHECK_EQ(eas_discover_next(&d, &c), EAS_ERR_DISCOVER_LOOP);
}

TEST(discover_url_redirects)
{
    static eas_discover d;
    eas_discover_candidate c;
    CHECK_OK(eas_discover_init(&d, "a@x.test", "https://ad.test", EAS_DISCOVER_ONLY_CONFIGURED));
    CHECK_OK(eas_discover_next(&d, &c)); /* config-v2 */
    CHECK_OK(eas_discover_report(&d, EAS_DISCOVER_FAILED, NULL));
    CHECK_OK(eas_discover_next(&d, &c)); /* config-v1 */
    /* redirectUrl to plain http is refused; to another domain over TLS is followed. */
    CHECK_EQ(eas_discover_report(&d, EAS_DISCOVER_NEW_URL, "http://ad.test/x"), EAS_ERR_PLAIN_HTTP_REFUSED);
    CHECK_OK(eas_discover_report(&d, EAS_DISCOVER_NEW_URL, "https://ad.other.test/autodiscover/autodiscover.xml"));
    CHECK_OK(eas_discover_next(&d, &c));
    CHECK_STR(c.url, "https://ad.other.test/autodiscover/autodiscover.xml");
    CHECK_EQ(c.redirected, 1);
    /* Back to where the chain has been: a loop, abandoned; then nothing is left. */
    CHECK_EQ(eas_discover_report(&d, EAS_DISCOVER_NEW_URL, "https://ad.other.test/autodiscover/autodiscover.xml"),
             EAS_ERR_DISCOVER_LOOP);
    CHECK_EQ(eas_discover_next(&d, &c), EAS_ERR_DISCOVER_LOOP);
}

TEST(discover_unauthenticated_redirects_stay_in_the_domain)
{
    static eas_discover d;
    eas_discover_candidate c;
    CHECK_OK(eas_discover_init(&d, "a@x.test", NULL, 0));
    do {
        CHECK_OK(eas_discover_next(&d, &c));
        if (c.method != EAS_DISCOVER_GET_REDIRECT) CHECK_OK(eas_discover_report(&d, EAS_DISCOVER_FAILED, NULL));
    } while (c.method != EAS_DISCOVER_GET_REDIRECT);
    CHECK_EQ(eas_discover_report(&d, EAS_DISCOVER_NEW_URL, "https://evil.test/autodiscover/autodiscover.xml"),
             EAS_ERR_FORBIDDEN);
    CHECK_EQ(eas_discover_report(&d, EAS_DISCOVER_NEW_URL, "https://notx.test/autodiscover/autodiscover.xml"),
             EAS_ERR_FORBIDDEN);
    CHECK_EQ(eas_discover_report(&d, EAS_DISCOVER_NEW_URL, "https://[::1]/autodiscover/autodiscover.xml"),
             EAS_ERR_FORBIDDEN);
    CHECK_EQ(eas_discover_report(&d, EAS_DISCOVER_NEW_URL, "http://mail.x.test/autodiscover/autodiscover.xml"),
             EAS_ERR_PLAIN_HTTP_REFUSED);
    CHECK_OK(eas_discover_report(&d, EAS_DISCOVER_NEW_URL, "https://Mail.X.Test/autodiscover/autodiscover.xml"));
    CHECK_OK(eas_discover_next(&d, &c));
    CHECK_EQ(c.method, EAS_DISCOVER_POST_XML);
    CHECK_EQ(c.source, EAS_DISCOVER_SRC_HTTP_REDIRECT);
    CHECK_OK(eas_discover_report(&d, EAS_DISCOVER_FAILED, NULL));
    /* The SRV step: its target must be in the domain too. */
    CHECK_OK(eas_discover_next(&d, &c));
    CHECK_EQ(c.method, EAS_DISCOVER_SRV);
    CHECK_STR(c.url, "_autodiscover._tcp.x.test");
    CHECK_EQ(eas_discover_srv_target(&d, "mail.evil.test", 443), EAS_ERR_FORBIDDEN);
    CHECK_OK(eas_discover_srv_target(&d, "mail.x.test.", 8443));
    CHECK_OK(eas_discover_next(&d, &c));
    CHECK_STR(c.url, "https://mail.x.test:8443/autodiscover/autodiscover.xml");
    CHECK_EQ(c.source, EAS_DISCOVER_SRC_SRV);
    CHECK_EQ(eas_discover_srv_target(&d, "x.test", 443), EAS_ERR_STATE); /* not an SRV candidate now */
    CHECK_OK(eas_discover_report(&d, EAS_DISCOVER_FOUND, "https://mail.x.test/Microsoft-Server-ActiveSync"));
}

/* ---- DNS SRV answers ---- */

typedef struct {
    uint8_t b[1024];
    size_t n;
} dnsmsg;

static void put8(dnsmsg *m, unsigned v) { m->b[m->n++] = (uint8_t)v; }
static void put16(dnsmsg *m, unsigned v)
{
    put8(m, v >> 8);
    put8(m, v & 0xff);
}
static void put_name(dnsmsg *m, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t n = dot ? (size_t)(dot - name) : strlen(name);
        put8(m, (unsigned)n);
        memcpy(m->b + m->n, name, n);
        m->n += n;
        name += n + (dot ? 1 : 0);
    }
    put8(m, 0);
}

static void header(dnsmsg *m, unsigned rcode, unsigned an)
{
    m->n = 0;
    put16(m, 0x1234);
    put16(m, 0x8180 | rcode);
    put16(m, 1);
    put16(m, an);
    put16(m, 0);
    put16(m, 0);
    put_name(m, "_autodiscover._tcp.x.test");
    put16(m, 33);
    put16(m, 1);
}

static void srv(dnsmsg *m, unsigned prio, unsigned weight, unsigned port, const char *target, int compressed)
{
    size_t rdlen_at;
    put16(m, 0xc00c); /* owner: the question's name */
    put16(m, 33);
    put16(m, 1);
    put16(m, 0);
    put16(m, 300);
    rdlen_at = m->n;
    put16(m, 0);
    put16(m, prio);
    put16(m, weight);
    put16(m, port);
    if (compressed) {
        /* "mail" then a pointer to "x.test" inside the question (offset 12 + 1 + 12 + 1 + 4 = 30). */
        put8(m, 4);
        memcpy(m->b + m->n, "mail", 4);
        m->n += 4;
        put16(m, 0xc000 | 31);
    } else {
        put_name(m, target);
    }
    m->b[rdlen_at] = (uint8_t)((m->n - rdlen_at - 2) >> 8);
    m->b[rdlen_at + 1] = (uint8_t)((m->n - rdlen_at - 2) & 0xff);
}

TEST(dns_srv_picks_the_best_target)
{
    static dnsmsg m;
    char host[256];
    uint16_t port = 0;
    header(&m, 0, 4);
    srv(&m, 20, 100, 443, "backup.x.test", 0);
    srv(&m, 10, 5, 8443, "light.x.test", 0);
    srv(&m, 10, 60, 443, "", 0); /* "." : no service there */
    srv(&m, 10, 50, 9443, "heavy.x.test", 0);
    CHECK_OK(eas_dns_srv_best(m.b, m.n, host, sizeof host, &port));
    CHECK_STR(host, "heavy.x.test");
    CHECK_EQ(port, 9443);
    /* A compressed target. */
    header(&m, 0, 1);
    CHECK_EQ(m.b[31], 1); /* the "x" label of x.test */
    srv(&m, 0, 0, 443, NULL, 1);
    CHECK_OK(eas_dns_srv_best(m.b, m.n, host, sizeof host, &port));
    CHECK_STR(host, "mail.x.test");
    CHECK_EQ(port, 443);
    /* Too small a buffer. */
    CHECK_EQ(eas_dns_srv_best(m.b, m.n, host, 5, &port), EAS_ERR_NOSPACE);
}

TEST(dns_srv_absent_and_malformed)
{
    static dnsmsg m;
    char host[256];
    uint16_t port;
    header(&m, 3, 0); /* NXDOMAIN */
    CHECK_EQ(eas_dns_srv_best(m.b, m.n, host, sizeof host, &port), EAS_ERR_NOT_FOUND);
    header(&m, 0, 0);
    CHECK_EQ(eas_dns_srv_best(m.b, m.n, host, sizeof host, &port), EAS_ERR_NOT_FOUND);
    header(&m, 0, 1);
    srv(&m, 0, 0, 443, "", 0);
    CHECK_EQ(eas_dns_srv_best(m.b, m.n, host, sizeof host, &port), EAS_ERR_NOT_FOUND);
    /* Every truncation of a good answer fails cleanly. */
    header(&m, 0, 2);
    srv(&m, 1, 1, 443, "a.x.test", 0);
    srv(&m, 0, 0, 443, NULL, 1);
    for (size_t n = 0; n < m.n; n++) {
        eas_err e = eas_dns_srv_best(m.b, n, host, sizeof host, &port);
        CHECK_MSG(e == EAS_ERR_DNS_MALFORMED, "length %zu: %s", n, eas_err_name(e));
    }
    CHECK_OK(eas_dns_srv_best(m.b, m.n, host, sizeof host, &port));
    /* A pointer to itself (a loop) and a query instead of a response. */
    header(&m, 0, 1);
    srv(&m, 0, 0, 443, NULL, 1);
    m.b[m.n - 2] = (uint8_t)(0xc0 | ((m.n - 2) >> 8));
    m.b[m.n - 1] = (uint8_t)((m.n - 2) & 0xff);
    CHECK_EQ(eas_dns_srv_best(m.b, m.n, host, sizeof host, &port), EAS_ERR_DNS_MALFORMED);
    header(&m, 0, 1);
    srv(&m, 0, 0, 443, "a.x.test", 0);
    m.b[2] &= 0x7f;
    CHECK_EQ(eas_dns_srv_best(m.b, m.n, host, sizeof host, &port), EAS_ERR_DNS_MALFORMED);
    /* A label with a byte no host name has. */
    header(&m, 0, 1);
    srv(&m, 0, 0, 443, "a/b.x.test", 0);
    CHECK_EQ(eas_dns_srv_best(m.b, m.n, host, sizeof host, &port), EAS_ERR_DNS_MALFORMED);
}

/* ---- Autodiscover v2 ---- */

TEST(autodiscover_v2_json)
{
    char url[128], code[32];
    static const char ok[] = "{\"Protocol\":\"ActiveSync\",\"Url\":\"https://outlook.office365.com/Microsoft-Server-ActiveSync\"}";
    CHECK_OK(eas_autodiscover_v2_parse(ok, strlen(ok), url, sizeof url, code, sizeof code));
    CHECK_STR(url, "https://outlook.office365.com/Microsoft-Server-ActiveSync");
    CHECK_OK(eas_autodiscover_v2_parse("{\"Url\":\"https://e/\",\"Protocol\":\"activesync\"} \r\n", 47, url, sizeof url,
                                       NULL, 0));
    CHECK_STR(url, "https://e/");
    static const char err[] = "{\"ErrorCode\":\"InvalidUser\",\"ErrorMessage\":\"Invalid user 'x'\"}";
    CHECK_EQ(eas_autodiscover_v2_parse(err, strlen(err), url, sizeof url, code, sizeof code), EAS_ERR_NOT_FOUND);
    CHECK_STR(code, "InvalidUser");
    CHECK_STR(url, "");
    static const char other[] = "{\"Protocol\":\"Rest\",\"Url\":\"https://outlook.office.com/api\"}";
    CHECK_EQ(eas_autodiscover_v2_parse(other, strlen(other), url, sizeof url, code, sizeof code), EAS_ERR_NOT_FOUND);
    CHECK_EQ(eas_autodiscover_v2_parse("<html>", 6, url, sizeof url, NULL, 0), EAS_ERR_PROTOCOL);
    CHECK_EQ(eas_autodiscover_v2_parse("[1]", 3, url, sizeof url, NULL, 0), EAS_ERR_PROTOCOL);
    CHECK_EQ(eas_autodiscover_v2_parse("{\"Protocol\":\"ActiveSync\",\"Url\":\"\"}", 34, url, sizeof url, NULL, 0),
             EAS_ERR_PROTOCOL);
    CHECK_EQ(eas_autodiscover_v2_parse("{\"Protocol\":\"ActiveSync\",\"Url\":7}", 33, url, sizeof url, NULL, 0),
             EAS_ERR_PROTOCOL);
    CHECK_EQ(eas_autodiscover_v2_parse(ok, strlen(ok), url, 20, NULL, 0), EAS_ERR_NOSPACE);
    CHECK_EQ(eas_autodiscover_v2_parse(ok, strlen(ok) - 1, url, sizeof url, NULL, 0), EAS_ERR_PROTOCOL);
}

/* ---- the result in the state ---- */

#include "eas/agent.h"
#include "flash_emu.h"

TEST(discovered_url_kept_per_address)
{
    static flash_emu e;
    static eas_store st;
    char url[EAS_URL_MAX];
    eas_discover_source src = EAS_DISCOVER_SRC_COUNT;
    CHECK(flash_emu_init(&e, 4096, 4, 16) == 0);
    CHECK_OK(eas_store_format(&st, &e.flash));
    CHECK_EQ(eas_discovered_load(&st, "a@x.test", url, sizeof url, &src), EAS_ERR_NOT_FOUND);
    CHECK_OK(eas_discovered_save(&st, "a@x.test", EAS_DISCOVER_SRC_CONFIG_V1, "https://eas.test:8443/Microsoft-Server-ActiveSync"));
    CHECK_OK(eas_discovered_load(&st, "A@X.test", url, sizeof url, &src));
    CHECK_STR(url, "https://eas.test:8443/Microsoft-Server-ActiveSync");
    CHECK_EQ(src, EAS_DISCOVER_SRC_CONFIG_V1);
    CHECK_EQ(eas_discovered_load(&st, "b@x.test", url, sizeof url, &src), EAS_ERR_NOT_FOUND);
    CHECK_EQ(eas_discovered_load(&st, "a@x.test", url, 10, &src), EAS_ERR_NOSPACE);
    /* It survives a remount (it is on flash), and a new result replaces it. */
    CHECK_OK(eas_store_mount(&st, &e.flash));
    CHECK_OK(eas_discovered_load(&st, "a@x.test", url, sizeof url, &src));
    CHECK_OK(eas_discovered_save(&st, "b@y.test", EAS_DISCOVER_SRC_OUTLOOK_V2, "https://outlook.office365.com/Microsoft-Server-ActiveSync"));
    CHECK_EQ(eas_discovered_load(&st, "a@x.test", url, sizeof url, &src), EAS_ERR_NOT_FOUND);
    CHECK_OK(eas_discovered_load(&st, "b@y.test", url, sizeof url, &src));
    CHECK_EQ(src, EAS_DISCOVER_SRC_OUTLOOK_V2);
    /* Bad arguments and a record that does not parse. */
    CHECK_EQ(eas_discovered_save(&st, "a\n@x.test", EAS_DISCOVER_SRC_OUTLOOK_V2, "https://x/"), EAS_ERR_ARG);
    CHECK_EQ(eas_discovered_save(&st, "a@x.test", EAS_DISCOVER_SRC_COUNT, "https://x/"), EAS_ERR_ARG);
    CHECK_OK(eas_store_put(&st, EAS_KEY_DISCOVERED, "\x01no newline", 11));
    CHECK_EQ(eas_discovered_load(&st, "a@x.test", url, sizeof url, &src), EAS_ERR_STORE_CORRUPT);
    CHECK_OK(eas_store_put(&st, EAS_KEY_DISCOVERED, "\x63" "a@x.test\nhttps://x/", 19));
    CHECK_EQ(eas_discovered_load(&st, "a@x.test", url, sizeof url, &src), EAS_ERR_STORE_CORRUPT);
    flash_emu_free(&e);
}
