/* Server URL parsing and the Host header built from it. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "eas/err.h"
#include "eas/url.h"

static eas_err parse(const char *s, eas_url *u) { return eas_url_parse(s, strlen(s), u); }

TEST(url_parses_good_urls)
{
    static const struct {
        const char *text, *host, *path;
        unsigned port, scheme, ipv6, explicit_port;
    } cases[] = {
        {"https://mail.example.test/Microsoft-Server-ActiveSync", "mail.example.test", "/Microsoft-Server-ActiveSync",
         443, EAS_URL_HTTPS, 0, 0},
        {"http://mail.example.test", "mail.example.test", "/", 80, EAS_URL_HTTP, 0, 0},
        {"HTTPS://Mail.Example.Test:8443/SOGo/Microsoft-Server-ActiveSync?x=1&y=%2F", "Mail.Example.Test",
         "/SOGo/Microsoft-Server-ActiveSync?x=1&y=%2F", 8443, EAS_URL_HTTPS, 0, 1},
        {"https://[::1]:8443/eas", "::1", "/eas", 8443, EAS_URL_HTTPS, 1, 1},
        {"https://[2001:db8::7]/", "2001:db8::7", "/", 443, EAS_URL_HTTPS, 1, 0},
        {"http://[::ffff:192.0.2.1]", "::ffff:192.0.2.1", "/", 80, EAS_URL_HTTP, 1, 0},
        {"http://[1:2:3:4:5:6:7:8]:80/", "1:2:3:4:5:6:7:8", "/", 80, EAS_URL_HTTP, 1, 1},
        {"http://192.0.2.10:65535?q", "192.0.2.10", "/?q", 65535, EAS_URL_HTTP, 0, 1},
        {"https://h:1", "h", "/", 1, EAS_URL_HTTPS, 0, 1},
        {"https://a_b-c.example/p;x=y/@:~!$'()*+,", "a_b-c.example", "/p;x=y/@:~!$'()*+,", 443, EAS_URL_HTTPS, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        eas_url u;
        eas_err err = parse(cases[i].text, &u);
        CHECK_MSG(err == EAS_OK, "%s: %s", cases[i].text, eas_err_name(err));
        CHECK_STR(u.host, cases[i].host);
        CHECK_STR(u.path, cases[i].path);
        CHECK_EQ(u.port, cases[i].port);
        CHECK_EQ(u.scheme, cases[i].scheme);
        CHECK_EQ(u.ipv6, cases[i].ipv6);
        CHECK_EQ(u.port_explicit, cases[i].explicit_port);
    }
}

TEST(url_rejects_bad_urls)
{
    static const char *const bad[] = {
        "ftp://host/",
        "https:/host/",
        "//host/",
        "https://",
        "https:///path",
        "https://user@host/",
        "https://user:pass@host/",
        "https://host/path#frag",
        "https://host#frag",
        "https://host:/",
        "https://host:0/",
        "https://host:65536/",
        "https://host:123456/",
        "https://host:-1/",
        "https://host:80a/",
        "https://host:8080:90/",
        "https://ho st/",
        "https://host/pa th",
        "https://host/p\r\nHost: evil",
        "https://host/%zz",
        "https://host/%4",
        "https://host/caf\xc3\xa9",
        "https://h%41st/",
        "https://.host/",
        "https://[::1/",
        "https://[::1]x/",
        "https://[::1]:/",
        "https://[]/",
        "https://[1:2:3:4:5:6:7:8:9]/",
        "https://[1:2:3:4:5:6:7]/",
        "https://[1::2::3]/",
        "https://[12345::]/",
        "https://[:1]/",
        "https://[1:]/",
        "https://[::1%25eth0]/",
        "https://[v1.fe]/",
        "https://[::256.0.0.1]/",
        "https://[::1.2.3]/",
        "https://[1.2.3.4]/",
        " https://host/",
        "https://host/ ",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        eas_url u;
        memset(&u, 0x5a, sizeof u);
        eas_err err = parse(bad[i], &u);
        CHECK_MSG(err == EAS_ERR_HTTP_URL, "\"%s\": %s", bad[i], eas_err_name(err));
        CHECK_EQ(u.host[0], 0x5a); /* untouched */
    }
}

TEST(url_capacity_limits)
{
    static char text[EAS_URL_MAX + 64];
    eas_url u;
    /* a host one byte too long for its buffer */
    size_t n = (size_t)snprintf(text, sizeof text, "https://");
    memset(text + n, 'h', EAS_URL_HOST_MAX);
    n += EAS_URL_HOST_MAX;
    CHECK_EQ(eas_url_parse(text, n, &u), EAS_ERR_NOSPACE);
    CHECK_OK(eas_url_parse(text, n - 1, &u)); /* exactly fits with its NUL */
    CHECK_EQ(strlen(u.host), EAS_URL_HOST_MAX - 1);
    /* a path too long for its buffer */
    n = (size_t)snprintf(text, sizeof text, "https://h");
    text[n++] = '/';
    memset(text + n, 'p', EAS_URL_PATH_MAX - 1);
    n += EAS_URL_PATH_MAX - 1;
    CHECK_EQ(eas_url_parse(text, n, &u), EAS_ERR_NOSPACE);
    CHECK_OK(eas_url_parse(text, n - 1, &u));
    /* a query without a path gains a '/', which must fit too */
    n = (size_t)snprintf(text, sizeof text, "https://h?");
    memset(text + n, 'q', EAS_URL_PATH_MAX - 2);
    n += EAS_URL_PATH_MAX - 2;
    CHECK_EQ(eas_url_parse(text, n, &u), EAS_ERR_NOSPACE);
    CHECK_OK(eas_url_parse(text, n - 1, &u));
    CHECK_EQ(u.path[0], '/');
    /* the URL as a whole */
    memset(text, 'a', sizeof text);
    CHECK_EQ(eas_url_parse(text, EAS_URL_MAX + 1, &u), EAS_ERR_NOSPACE);
    CHECK_EQ(eas_url_parse(NULL, 0, &u), EAS_ERR_ARG);
}

TEST(url_host_header)
{
    static const struct {
        const char *url, *host;
    } cases[] = {
        {"https://mail.example.test/x", "mail.example.test"},
        {"https://mail.example.test:443/x", "mail.example.test"},
        {"https://mail.example.test:8443/x", "mail.example.test:8443"},
        {"http://mail.example.test:80/x", "mail.example.test"},
        {"http://mail.example.test:443/x", "mail.example.test:443"},
        {"https://[::1]/", "[::1]"},
        {"https://[::1]:10443/", "[::1]:10443"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        eas_url u;
        char out[64];
        size_t n = 0;
        CHECK_OK(parse(cases[i].url, &u));
        CHECK_OK(eas_url_host_header(&u, out, sizeof out, &n));
        CHECK_STR(out, cases[i].host);
        CHECK_EQ(n, strlen(cases[i].host));
    }
    {
        eas_url u;
        char out[12];
        CHECK_OK(parse("https://[::1]:10443/", &u));
        CHECK_EQ(eas_url_host_header(&u, out, 11, NULL), EAS_ERR_NOSPACE); /* no room for the NUL */
        CHECK_OK(eas_url_host_header(&u, out, 12, NULL));
        CHECK_STR(out, "[::1]:10443");
    }
}
