/* Autodiscover v1 (MS-ASCMD 2.2.1.1): the request body and the streaming response reader, whole, at
 * every split point, byte by byte, and on malformed input. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "eas/autodiscover.h"
#include "eas/err.h"

typedef struct {
    char buf[2048];
    size_t n;
    int fail_after; /* refuse the write after this many (-1: never) */
} membuf;

static eas_err mem_write(void *ctx, const uint8_t *data, size_t len)
{
    membuf *m = ctx;
    if (m->fail_after == 0) return EAS_ERR_SINK;
    if (m->fail_after > 0) m->fail_after--;
    if (len > sizeof m->buf - 1 - m->n) return EAS_ERR_NOSPACE;
    memcpy(m->buf + m->n, data, len);
    m->n += len;
    m->buf[m->n] = '\0';
    return EAS_OK;
}

TEST(pox_request_is_the_mobilesync_schema)
{
    static membuf m;
    eas_sink sink = {mem_write, &m};
    size_t len = 0, counted = 0;
    memset(&m, 0, sizeof m);
    m.fail_after = -1;
    CHECK_OK(eas_pox_write_request(sink, "chris@woodgrovebank.com", &len));
    CHECK_EQ(len, m.n);
    CHECK_STR(m.buf, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
                     "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/"
                     "requestschema/2006\"><Request><EMailAddress>chris@woodgrovebank.com</EMailAddress>"
                     "<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/mobilesync/"
                     "responseschema/2006</AcceptableResponseSchema></Request></Autodiscover>\r\n");
    CHECK_OK(eas_pox_write_request((eas_sink){NULL, NULL}, "chris@woodgrovebank.com", &counted));
    CHECK_EQ(counted, len);
}

TEST(pox_request_escapes_and_refuses)
{
    static membuf m;
    eas_sink sink = {mem_write, &m};
    size_t len = 0;
    char longer[EAS_DISCOVER_ADDRESS_MAX + 1];
    memset(&m, 0, sizeof m);
    m.fail_after = -1;
    CHECK_OK(eas_pox_write_request(sink, "a&b<c>@x.test", &len));
    CHECK(strstr(m.buf, "<EMailAddress>a&amp;b&lt;c&gt;@x.test</EMailAddress>") != NULL);
    CHECK_EQ(len, m.n);
    CHECK_EQ(eas_pox_write_request(sink, "", &len), EAS_ERR_ARG);
    CHECK_EQ(eas_pox_write_request(sink, "a\nb@x.test", &len), EAS_ERR_ARG);
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    CHECK_EQ(eas_pox_write_request(sink, longer, &len), EAS_ERR_ARG);
    /* A sink error comes back unchanged, whichever write it refuses. */
    for (int k = 0; k < 4; k++) {
        memset(&m, 0, sizeof m);
        m.fail_after = k;
        CHECK_EQ(eas_pox_write_request(sink, "a&b@x.test", &len), EAS_ERR_SINK);
    }
}

/* ---- the reader ---- */

static const char settings_doc[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
    "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">\r\n"
    "  <Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006\">\r\n"
    "    <Culture>en:us</Culture>\r\n"
    "    <User><DisplayName>Chris Gray</DisplayName><EMailAddress>chris@woodgrovebank.com</EMailAddress></User>\r\n"
    "    <Action>\r\n"
    "      <Settings>\r\n"
    "        <Server>\r\n"
    "          <Type>CertEnroll</Type>\r\n"
    "          <Url>https://cert.woodgrovebank.com/CertEnroll</Url>\r\n"
    "          <Name />\r\n"
    "          <ServerData>CertEnrollTemplate</ServerData>\r\n"
    "        </Server>\r\n"
    "        <Server>\r\n"
    "          <Type>MobileSync</Type>\r\n"
    "          <Url>\r\n            https://loandept.woodgrovebank.com/Microsoft-Server-ActiveSync\r\n          </Url>\r\n"
    "          <Name>https://loandept.woodgrovebank.com/Microsoft-Server-ActiveSync</Name>\r\n"
    "        </Server>\r\n"
    "      </Settings>\r\n"
    "    </Action>\r\n"
    "  </Response>\r\n"
    "</Autodiscover>\r\n";

static eas_err read_doc(const char *doc, size_t len, size_t split1, size_t split2, eas_pox_reader *r,
                        eas_pox_kind *kind)
{
    eas_err e;
    eas_pox_reader_init(r);
    if ((e = eas_pox_reader_feed(r, (const uint8_t *)doc, split1)) != EAS_OK) return e;
    if ((e = eas_pox_reader_feed(r, (const uint8_t *)doc + split1, split2 - split1)) != EAS_OK) return e;
    if ((e = eas_pox_reader_feed(r, (const uint8_t *)doc + split2, len - split2)) != EAS_OK) return e;
    return eas_pox_reader_finish(r, kind);
}

static eas_err read_whole(const char *doc, eas_pox_reader *r, eas_pox_kind *kind)
{
    return read_doc(doc, strlen(doc), 0, 0, r, kind);
}

TEST(pox_reader_takes_the_mobilesync_url_at_every_split)
{
    static eas_pox_reader r;
    eas_pox_kind kind = EAS_POX_NONE;
    size_t len = strlen(settings_doc);
    CHECK_OK(read_whole(settings_doc, &r, &kind));
    CHECK_EQ(kind, EAS_POX_URL);
    CHECK_STR(r.value, "https://loandept.woodgrovebank.com/Microsoft-Server-ActiveSync");
    for (size_t a = 0; a <= len; a++) {
        kind = EAS_POX_NONE;
        CHECK_OK(read_doc(settings_doc, len, a, a, &r, &kind));
        CHECK_MSG(kind == EAS_POX_URL && strcmp(r.value, "https://loandept.woodgrovebank.com/Microsoft-Server-ActiveSync") == 0,
                  "split at %zu: kind %d value %s", a, (int)kind, r.value);
    }
    /* Byte by byte. */
    eas_pox_reader_init(&r);
    for (size_t i = 0; i < len; i++) CHECK_OK(eas_pox_reader_feed(&r, (const uint8_t *)settings_doc + i, 1));
    CHECK_OK(eas_pox_reader_finish(&r, &kind));
    CHECK_EQ(kind, EAS_POX_URL);
    CHECK_STR(r.value, "https://loandept.woodgrovebank.com/Microsoft-Server-ActiveSync");
}

TEST(pox_reader_pairs_of_splits_on_a_redirect)
{
    static const char doc[] =
        "<?xml version=\"1.0\"?><Autodiscover xmlns=\"x\"><Response xmlns=\"y\"><Culture>en:us</Culture>"
        "<User><EMailAddress>chris@woodgrovebank.com</EMailAddress></User>"
        "<Action><Redirect>chris@loandept.woodgrovebank.com</Redirect></Action></Response></Autodiscover>";
    static eas_pox_reader r;
    size_t len = strlen(doc);
    for (size_t a = 0; a <= len; a += 3) {
        for (size_t b = a; b <= len; b++) {
            eas_pox_kind kind = EAS_POX_NONE;
            CHECK_OK(read_doc(doc, len, a, b, &r, &kind));
            CHECK_MSG(kind == EAS_POX_REDIRECT_ADDR && strcmp(r.value, "chris@loandept.woodgrovebank.com") == 0,
                      "splits %zu/%zu", a, b);
        }
    }
}

TEST(pox_reader_errors_and_outlook_redirects)
{
    static eas_pox_reader r;
    eas_pox_kind kind;
    /* MS-ASCMD 4.2.2: Action/Error with Status 2. */
    CHECK_OK(read_whole("<?xml version=\"1.0\" encoding=\"utf-8\"?><Autodiscover xmlns=\"a\"><Response xmlns=\"b\">"
                        "<Culture>en:us</Culture><User><EMailAddress>chris@woodgrovebank.com</EMailAddress></User>"
                        "<Action><Error><Status>2</Status><Message>The directory service could not be reached"
                        "</Message><DebugData>MailUser</DebugData></Error></Action></Response></Autodiscover>",
                        &r, &kind));
    CHECK_EQ(kind, EAS_POX_ERROR);
    CHECK_EQ(r.status, 2);
    CHECK_STR(r.value, "");
    /* The responseschema's own Error (600: invalid request). */
    CHECK_OK(read_whole("<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">"
                        "<Response><Error Time=\"16:56:32.6164027\" Id=\"1054084152\"><ErrorCode> 600 </ErrorCode>"
                        "<Message>Invalid Request</Message><DebugData /></Error></Response></Autodiscover>",
                        &r, &kind));
    CHECK_EQ(kind, EAS_POX_ERROR);
    CHECK_EQ(r.status, 600);
    /* Outlook schema: Account/Action redirectUrl, RedirectUrl before or after the Action. */
    CHECK_OK(read_whole("<Autodiscover><Response><Account><Action>redirectUrl</Action>"
                        "<RedirectUrl>https://autodiscover.other.test/autodiscover/autodiscover.xml</RedirectUrl>"
                        "</Account></Response></Autodiscover>", &r, &kind));
    CHECK_EQ(kind, EAS_POX_REDIRECT_URL);
    CHECK_STR(r.value, "https://autodiscover.other.test/autodiscover/autodiscover.xml");
    CHECK_OK(read_whole("<Autodiscover><Response><Account><RedirectAddr>b@other.test</RedirectAddr>"
                        "<Action>redirectAddr</Action></Account></Response></Autodiscover>", &r, &kind));
    CHECK_EQ(kind, EAS_POX_REDIRECT_ADDR);
    CHECK_STR(r.value, "b@other.test");
    /* RedirectUrl with an Action that is not redirectUrl: nothing to act on. */
    CHECK_OK(read_whole("<Autodiscover><Response><Account><Action>settings</Action>"
                        "<RedirectUrl>https://x.test/</RedirectUrl></Account></Response></Autodiscover>", &r, &kind));
    CHECK_EQ(kind, EAS_POX_NONE);
    CHECK_STR(r.value, "");
    /* A URL beats an earlier error; an error does not replace a URL. */
    CHECK_OK(read_whole("<Autodiscover><Response><Error><ErrorCode>601</ErrorCode></Error><Action><Settings><Server>"
                        "<Type>MobileSync</Type><Url>https://m.test/eas</Url></Server></Settings></Action>"
                        "<Action><Error><Status>2</Status></Error></Action></Response></Autodiscover>", &r, &kind));
    CHECK_EQ(kind, EAS_POX_URL);
    CHECK_STR(r.value, "https://m.test/eas");
}

TEST(pox_reader_markup_it_meets)
{
    static eas_pox_reader r;
    eas_pox_kind kind;
    /* Prefixed names, comments, CDATA, entities and character references, attributes with '>' inside. */
    CHECK_OK(read_whole("<?xml version='1.0'?>\n<!-- a comment -- with dashes --><a:Autodiscover xmlns:a=\"u\" "
                        "xmlns:m='v'><m:Response note=\"x > y\"><m:Action><!--x--><m:Settings><m:Server>"
                        "<m:Type>Mobile<![CDATA[Sync]]></m:Type><m:Name>https://n.test/x</m:Name>"
                        "<m:Url>https://m.test/a?b=1&amp;c=&#50;&#x33;&lt;&gt;&quot;&apos;/&#xE9;<![CDATA[]]]]></m:Url>"
                        "</m:Server></m:Settings></m:Action></m:Response></a:Autodiscover>\n<!-- after -->\n<?pi?>",
                        &r, &kind));
    CHECK_EQ(kind, EAS_POX_URL);
    CHECK_STR(r.value, "https://m.test/a?b=1&c=23<>\"'/\xc3\xa9]]");
    /* Name stands in for a missing Url. */
    CHECK_OK(read_whole("<Autodiscover><Response><Action><Settings><Server><Type>MobileSync</Type>"
                        "<Name>https://n.test/Microsoft-Server-ActiveSync</Name></Server></Settings></Action>"
                        "</Response></Autodiscover>", &r, &kind));
    CHECK_EQ(kind, EAS_POX_URL);
    CHECK_STR(r.value, "https://n.test/Microsoft-Server-ActiveSync");
    /* Url before Type (out of schema order) still counts; a CertEnroll server alone gives nothing. */
    CHECK_OK(read_whole("<Autodiscover><Response><Action><Settings><Server><Url>https://u.test/</Url>"
                        "<Type>MobileSync</Type></Server></Settings></Action></Response></Autodiscover>", &r, &kind));
    CHECK_EQ(kind, EAS_POX_URL);
    CHECK_STR(r.value, "https://u.test/");
    CHECK_OK(read_whole("<Autodiscover><Response><Action><Settings><Server><Type>CertEnroll</Type>"
                        "<Url>https://c.test/</Url></Server></Settings></Action></Response></Autodiscover>", &r, &kind));
    CHECK_EQ(kind, EAS_POX_NONE);
    CHECK_STR(r.value, "");
    /* Another root, or the right names in the wrong places, give nothing. */
    CHECK_OK(read_whole("<Other><Response><Action><Redirect>a@b.test</Redirect></Action></Response></Other>", &r, &kind));
    CHECK_EQ(kind, EAS_POX_NONE);
    CHECK_OK(read_whole("<Autodiscover><Response><Redirect>a@b.test</Redirect><Url>https://x/</Url></Response>"
                        "</Autodiscover>", &r, &kind));
    CHECK_EQ(kind, EAS_POX_NONE);
    /* Markup inside a value spoils it. */
    CHECK_OK(read_whole("<Autodiscover><Response><Action><Redirect>a@<b/>b.test</Redirect></Action></Response>"
                        "</Autodiscover>", &r, &kind));
    CHECK_EQ(kind, EAS_POX_NONE);
}

TEST(pox_reader_value_too_long_is_dropped)
{
    static char doc[EAS_URL_MAX + 256];
    static eas_pox_reader r;
    eas_pox_kind kind;
    int n = snprintf(doc, sizeof doc, "<Autodiscover><Response><Action><Settings><Server><Type>MobileSync</Type><Url>");
    for (unsigned i = 0; i < EAS_URL_MAX; i++) doc[n++] = 'a';
    snprintf(doc + n, sizeof doc - (size_t)n, "</Url></Server></Settings></Action></Response></Autodiscover>");
    CHECK_OK(read_whole(doc, &r, &kind));
    CHECK_EQ(kind, EAS_POX_NONE);
    /* One byte shorter fits. */
    n = snprintf(doc, sizeof doc, "<Autodiscover><Response><Action><Settings><Server><Type>MobileSync</Type><Url>");
    for (unsigned i = 0; i < EAS_URL_MAX - 1; i++) doc[n++] = 'a';
    snprintf(doc + n, sizeof doc - (size_t)n, "</Url></Server></Settings></Action></Response></Autodiscover>");
    CHECK_OK(read_whole(doc, &r, &kind));
    CHECK_EQ(kind, EAS_POX_URL);
    CHECK_EQ(strlen(r.value), EAS_URL_MAX - 1);
}

TEST(pox_reader_refuses_malformed_input_with_offsets)
{
    static const struct {
        const char *doc;
        eas_err err;
        unsigned offset;
    } cases[] = {
        {"<Autodiscover><Response></Autodiscover>", EAS_ERR_XML_MISMATCHED_END, 38},
        {"<Autodiscover></autodiscover>", EAS_ERR_XML_MISMATCHED_END, 28},
        {"<a:Autodiscover></b:Autodiscover>", EAS_ERR_XML_MISMATCHED_END, 32},
        {"<!DOCTYPE x [<!ENTITY e \"boom\">]><Autodiscover/>", EAS_ERR_UNSUPPORTED, 2},
        {"text<Autodiscover/>", EAS_ERR_XML_SYNTAX, 0},
        {"<Autodiscover/>text", EAS_ERR_XML_SYNTAX, 15},
        {"<Autodiscover/><Autodiscover/>", EAS_ERR_XML_SYNTAX, 29},
        {"<Autodiscover>&bogus;</Autodiscover>", EAS_ERR_XML_SYNTAX, 20},
        {"<Autodiscover>&#0;</Autodiscover>", EAS_ERR_XML_SYNTAX, 17},
        {"<Autodiscover>&#xD800;</Autodiscover>", EAS_ERR_XML_SYNTAX, 21},
        {"<Autodiscover>&#x110000;</Autodiscover>", EAS_ERR_XML_SYNTAX, 23},
        {"<Autodiscover>&amp</Autodiscover>", EAS_ERR_XML_SYNTAX, 18},
        {"<Autodiscover a=b/>", EAS_ERR_XML_SYNTAX, 16},
        {"<Autodiscover a=\"<\"/>", EAS_ERR_XML_SYNTAX, 17},
        {"<Autodiscover a/>", EAS_ERR_XML_SYNTAX, 15},
        {"< Autodiscover/>", EAS_ERR_XML_SYNTAX, 1},
        {"<Autodiscover></ Autodiscover>", EAS_ERR_XML_SYNTAX, 16},
        {"</Autodiscover>", EAS_ERR_XML_SYNTAX, 1},
        {"<Autodiscover/ >", EAS_ERR_XML_SYNTAX, 14},
        {"<![CDATA[x]]><Autodiscover/>", EAS_ERR_XML_SYNTAX, 2},
        {"<Autodiscover><![CDAT x]]></Autodiscover>", EAS_ERR_XML_SYNTAX, 21},
        {"<Autodiscover><!x></Autodiscover>", EAS_ERR_XML_SYNTAX, 16},
        {"<Autodiscover><!-x--></Autodiscover>", EAS_ERR_XML_SYNTAX, 17},
        /* A control byte (found by fuzz_discover: a value starting with one read as empty). */
        {"<Autodiscover>\x01</Autodiscover>", EAS_ERR_XML_SYNTAX, 14},
        {"<Autodiscover a=\"\x1f\"/>", EAS_ERR_XML_SYNTAX, 17},
    };
    static eas_pox_reader r;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        eas_pox_kind kind;
        eas_err e = read_whole(cases[i].doc, &r, &kind);
        CHECK_MSG(e == cases[i].err, "%s: %s", cases[i].doc, eas_err_name(e));
        CHECK_MSG(eas_pox_reader_error_offset(&r) == cases[i].offset, "%s: offset %u", cases[i].doc,
                  (unsigned)eas_pox_reader_error_offset(&r));
        /* Sticky: more input changes nothing. */
        CHECK_EQ(eas_pox_reader_feed(&r, (const uint8_t *)"<", 1), cases[i].err);
    }
}

TEST(pox_reader_truncated_at_every_length)
{
    static eas_pox_reader r;
    size_t len = strlen(settings_doc);
    /* Every proper prefix that ends before the root closes is truncated, never an answer. */
    size_t close_at = (size_t)(strstr(settings_doc, "</Autodiscover>") - settings_doc) + strlen("</Autodiscover>");
    for (size_t n = 0; n < close_at; n++) {
        eas_pox_kind kind = EAS_POX_NONE;
        eas_pox_reader_init(&r);
        CHECK_OK(eas_pox_reader_feed(&r, (const uint8_t *)settings_doc, n));
        CHECK_MSG(eas_pox_reader_finish(&r, &kind) == EAS_ERR_XML_TRUNCATED, "prefix %zu", n);
    }
    for (size_t n = close_at; n <= len; n++) {
        eas_pox_kind kind = EAS_POX_NONE;
        eas_pox_reader_init(&r);
        CHECK_OK(eas_pox_reader_feed(&r, (const uint8_t *)settings_doc, n));
        CHECK_OK(eas_pox_reader_finish(&r, &kind));
        CHECK_EQ(kind, EAS_POX_URL);
    }
}

TEST(pox_reader_depth_is_bounded)
{
    static char doc[4 * (EAS_POX_MAX_DEPTH + 2) + 64];
    static eas_pox_reader r;
    eas_pox_kind kind;
    size_t n = 0;
    n += (size_t)snprintf(doc, sizeof doc, "<Autodiscover>");
    for (unsigned i = 1; i < EAS_POX_MAX_DEPTH; i++) n += (size_t)snprintf(doc + n, sizeof doc - n, "<a>");
    for (unsigned i = 1; i < EAS_POX_MAX_DEPTH; i++) n += (size_t)snprintf(doc + n, sizeof doc - n, "</a>");
    snprintf(doc + n, sizeof doc - n, "</Autodiscover>");
    CHECK_OK(read_whole(doc, &r, &kind));
    n = (size_t)snprintf(doc, sizeof doc, "<Autodiscover>");
    for (unsigned i = 0; i < EAS_POX_MAX_DEPTH; i++) n += (size_t)snprintf(doc + n, sizeof doc - n, "<a>");
    CHECK_EQ(read_whole(doc, &r, &kind), EAS_ERR_XML_DEPTH);
    CHECK_EQ(eas_pox_reader_error_offset(&r), n - 1);
}
