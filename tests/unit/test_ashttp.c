/* MS-ASHTTP: query forms, the request head, Basic auth, version negotiation, status classification,
 * Retry-After and back-off. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "eas/ashttp.h"
#include "eas/base64.h"
#include "eas/err.h"

typedef struct {
    char buf[4096];
    size_t len;
} text_sink;

static eas_err text_write(void *ctx, const uint8_t *d, size_t n)
{
    text_sink *t = (text_sink *)ctx;
    if (t->len + n >= sizeof t->buf) return EAS_ERR_NOSPACE;
    memcpy(t->buf + t->len, d, n);
    t->len += n;
    t->buf[t->len] = '\0';
    return EAS_OK;
}

#define E_(lit) lit, (sizeof(lit) - 1)

static unsigned atoi_status(const char *msg)
{
    return (unsigned)((msg[9] - '0') * 100 + (msg[10] - '0') * 10 + (msg[11] - '0'));
}

static eas_sink sink_of(text_sink *t)
{
    eas_sink s;
    memset(t, 0, sizeof *t);
    s.write = text_write;
    s.ctx = t;
    return s;
}

static eas_ashttp_request base_request(eas_cmd cmd)
{
    eas_ashttp_request r;
    memset(&r, 0, sizeof r);
    r.cmd = cmd;
    r.version = EAS_PROTO_14_1;
    r.user = "alice@example.test";
    r.device_id = "EASAGENT0001";
    r.device_type = "SmartPhone";
    return r;
}

/* ------------------------------------------------------------------------------ queries ---- */

TEST(ashttp_plain_query_percent_encodes)
{
    char out[512];
    size_t n = 0;
    eas_ashttp_request r = base_request(EAS_CMD_FOLDERSYNC);
    CHECK_OK(eas_ashttp_target(&r, "/Microsoft-Server-ActiveSync", out, sizeof out, &n));
    CHECK_STR(out, "/Microsoft-Server-ActiveSync?Cmd=FolderSync&User=alice%40example.test&DeviceId=EASAGENT0001"
                   "&DeviceType=SmartPhone");
    CHECK_EQ(n, strlen(out));

    r.user = "EXAMPLE\\alice";
    r.device_type = "My Phone&x=1";
    r.cmd = EAS_CMD_SMARTREPLY;
    r.collection_id = "5";
    r.item_id = "5:12";
    r.long_id = "RgAAAA/+=";
    r.occurrence = "2024-06-04T10:00:00.000Z";
    r.attachment_name = NULL;
    r.options = EAS_ASHTTP_SAVE_IN_SENT;
    CHECK_OK(eas_ashttp_target(&r, "/eas?tenant=1", out, sizeof out, &n));
    CHECK_STR(out, "/eas?tenant=1&Cmd=SmartReply&User=EXAMPLE%5Calice&DeviceId=EASAGENT0001"
                   "&DeviceType=My%20Phone%26x%3D1&CollectionId=5&ItemId=5%3A12&LongId=RgAAAA%2F%2B%3D"
                   "&Occurrence=2024-06-04T10%3A00%3A00.000Z&SaveInSent=T");

    r = base_request(EAS_CMD_GETATTACHMENT);
    r.user = "J\xc3\xbcrgen";
    r.attachment_name = "a/b";
    CHECK_OK(eas_ashttp_target(&r, "/x", out, sizeof out, &n));
    CHECK_STR(out, "/x?Cmd=GetAttachment&User=J%C3%BCrgen&DeviceId=EASAGENT0001&DeviceType=SmartPhone"
                   "&AttachmentName=a%2Fb");
}

TEST(ashttp_plain_query_errors)
{
    char out[512];
    eas_ashttp_request r = base_request(EAS_CMD_SYNC);
    size_t need = 0;
    CHECK_OK(eas_ashttp_target(&r, "/M", out, sizeof out, &need));
    CHECK_EQ(eas_ashttp_target(&r, "/M", out, need, NULL), EAS_ERR_NOSPACE); /* no room for the NUL */
    CHECK_OK(eas_ashttp_target(&r, "/M", out, need + 1, NULL));
    r.user = NULL;
    CHECK_EQ(eas_ashttp_target(&r, "/M", out, sizeof out, NULL), EAS_ERR_ARG);
    r = base_request(EAS_CMD_SYNC);
    r.device_id = "";
    CHECK_EQ(eas_ashttp_target(&r, "/M", out, sizeof out, NULL), EAS_ERR_ARG);
    r = base_request((eas_cmd)7);
    CHECK_EQ(eas_ashttp_target(&r, "/M", out, sizeof out, NULL), EAS_ERR_ARG);
    r = base_request(EAS_CMD_OPTIONS);
    CHECK_EQ(eas_ashttp_target(&r, "/M", out, sizeof out, NULL), EAS_ERR_ARG);
    r = base_request(EAS_CMD_SYNC);
    CHECK_EQ(eas_ashttp_target(&r, "M", out, sizeof out, NULL), EAS_ERR_ARG);
    static char longid[300];
    memset(longid, 'x', sizeof longid - 1);
    r.device_id = longid;
    CHECK_EQ(eas_ashttp_target(&r, "/M", out, sizeof out, NULL), EAS_ERR_ARG);
}

/* The example of MS-ASHTTP 2.2.1.1.1.1: version 14.0, Sync, locale 0x0409, device id "v140Device", no
 * policy key, device type "SmartPhone". */
TEST(ashttp_base64_query_spec_example)
{
    char out[256];
    eas_ashttp_request r;
    memset(&r, 0, sizeof r);
    r.cmd = EAS_CMD_SYNC;
    r.version = EAS_PROTO_14_0;
    r.base64_query = 1;
    r.device_id = "v140Device";
    r.device_type = "SmartPhone";
    CHECK_OK(eas_ashttp_target(&r, "/Microsoft-Server-ActiveSync", out, sizeof out, NULL));
    CHECK_STR(out, "/Microsoft-Server-ActiveSync?jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l");
}

TEST(ashttp_base64_query_all_fields)
{
    /* The byte layout of 2.2.1.1.1.1: version, command code, locale (little-endian), device id length
     * and bytes, policy key length (0 or 4) and key (little-endian), device type length and bytes, then
     * tag/length/value command parameters (1 CollectionId, 3 ItemId, 7 Options, 8 User). */
    static const uint8_t want[] = {
        141, 3, 0x07, 0x04, 16, 'A', 'B', 'C', 'D', 'E', 'F', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9',
        4, 0x78, 0x56, 0x34, 0x12, 10, 'S', 'm', 'a', 'r', 't', 'P', 'h', 'o', 'n', 'e',
        1, 1, '5', 3, 4, '5', ':', '1', '2', 7, 1, 0x01,
        8, 18, 'a', 'l', 'i', 'c', 'e', '@', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 't', 'e', 's', 't'};
    char out[256];
    uint8_t raw[128];
    size_t n = 0, rn = 0;
    eas_base64_decoder d;
    eas_ashttp_request r = base_request(EAS_CMD_SMARTREPLY);
    r.base64_query = 1;
    r.locale = 0x0407;
    r.device_id = "ABCDEF0123456789";
    r.policy_key = 0x12345678u;
    r.collection_id = "5";
    r.item_id = "5:12";
    r.options = EAS_ASHTTP_SAVE_IN_SENT;
    CHECK_OK(eas_ashttp_target(&r, "/Microsoft-Server-ActiveSync", out, sizeof out, &n));
    CHECK_STR(out, "/Microsoft-Server-ActiveSync?jQMHBBBBQkNERUYwMTIzNDU2Nzg5BHhWNBIKU21hcnRQaG9uZQEBNQMENToxMgcBAQgS"
                   "YWxpY2VAZXhhbXBsZS50ZXN0");
    const char *q = strchr(out, '?') + 1;
    eas_base64_decoder_init(&d);
    CHECK_OK(eas_base64_decode_update(&d, q, strlen(q), raw, sizeof raw, &rn));
    CHECK_OK(eas_base64_decode_final(&d));
    CHECK_EQ(rn, sizeof want);
    CHECK_MEM(raw, want, sizeof want);
}

TEST(ashttp_base64_query_is_padded)
{
    char out[128];
    eas_ashttp_request r;
    memset(&r, 0, sizeof r);
    r.cmd = EAS_CMD_FOLDERSYNC;
    r.version = EAS_PROTO_16_1;
    r.base64_query = 1;
    r.device_id = "devi";
    r.device_type = "PC";
    /* 13 bytes: one byte over a whole quantum, so "==" (SOGo answers 501 without it) */
    CHECK_OK(eas_ashttp_target(&r, "/M", out, sizeof out, NULL));
    CHECK_STR(out, "/M?oQkJBARkZXZpAAJQQw==");
    r.version = EAS_PROTO_16_0;
    r.cmd = EAS_CMD_PING;
    r.user = "u";
    CHECK_OK(eas_ashttp_target(&r, "/M", out, sizeof out, NULL));
    CHECK_STR(out, "/M?oBIJBARkZXZpAAJQQwgBdQ==");
    /* not before 12.1, and not after an existing query */
    r.version = EAS_PROTO_12_0;
    CHECK_EQ(eas_ashttp_target(&r, "/M", out, sizeof out, NULL), EAS_ERR_ARG);
    r.version = EAS_PROTO_14_1;
    CHECK_EQ(eas_ashttp_target(&r, "/M?a=b", out, sizeof out, NULL), EAS_ERR_ARG);
    CHECK_EQ(eas_ashttp_target(&r, "/M", out, 10, NULL), EAS_ERR_NOSPACE);
}

/* -------------------------------------------------------------------------------- auth ---- */

TEST(ashttp_basic_auth)
{
    char out[128];
    size_t n = 0;
    eas_basic_credentials c = {"alice@example.test", 18, "secret", 6};
    CHECK_OK(eas_auth_basic(&c, out, sizeof out, &n));
    CHECK_STR(out, "Basic YWxpY2VAZXhhbXBsZS50ZXN0OnNlY3JldA==");
    CHECK_EQ(n, strlen(out));
    /* UTF-8 is sent as is (RFC 7617 charset="UTF-8") */
    eas_basic_credentials u = {"bob", 3, "p\xc3\xa4ssw\xc3\xb6rd", 10};
    CHECK_OK(eas_auth_basic(&u, out, sizeof out, &n));
    CHECK_STR(out, "Basic Ym9iOnDDpHNzd8O2cmQ=");
    /* exact capacity: "Basic " + 36 characters, no NUL needed */
    CHECK_EQ(eas_auth_basic(&c, out, 41, &n), EAS_ERR_NOSPACE);
    CHECK_OK(eas_auth_basic(&c, out, 42, &n));
    CHECK_EQ(n, 42);
    eas_basic_credentials colon = {"a:b", 3, "x", 1};
    CHECK_EQ(eas_auth_basic(&colon, out, sizeof out, &n), EAS_ERR_ARG);
    eas_basic_credentials ctl = {"a", 1, "x\ny", 3};
    CHECK_EQ(eas_auth_basic(&ctl, out, sizeof out, &n), EAS_ERR_ARG);
}

static eas_err bearer(void *ctx, char *out, size_t cap, size_t *len)
{
    const char *token = (const char *)ctx;
    int n = snprintf(out, cap, "Bearer %s", token);
    if (n < 0 || (size_t)n >= cap) return EAS_ERR_NOSPACE;
    *len = (size_t)n;
    return EAS_OK;
}

/* ----------------------------------------------------------------------------- the head ---- */

TEST(ashttp_write_head_plain)
{
    text_sink t;
    eas_http_writer w;
    eas_url url;
    char scratch[512];
    eas_basic_credentials c = {"alice@example.test", 18, "secret", 6};
    eas_auth auth = {eas_auth_basic, &c, NULL};
    eas_ashttp_request r = base_request(EAS_CMD_SYNC);
    r.policy_key = 3942919513u;
    r.user_agent = "easagent/0.1";
    r.accept_language = "en-US";
    r.content_length = 3;
    CHECK_OK(eas_url_parse("https://mail.example.test:8443/Microsoft-Server-ActiveSync", 58, &url));
    CHECK_OK(eas_ashttp_write_head(&w, sink_of(&t), &url, &r, &auth, scratch, sizeof scratch));
    CHECK_STR(t.buf, "POST /Microsoft-Server-ActiveSync?Cmd=Sync&User=alice%40example.test&DeviceId=EASAGENT0001"
                     "&DeviceType=SmartPhone HTTP/1.1\r\n"
                     "Host: mail.example.test:8443\r\n"
                     "Authorization: Basic YWxpY2VAZXhhbXBsZS50ZXN0OnNlY3JldA==\r\n"
                     "MS-ASProtocolVersion: 14.1\r\n"
                     "X-MS-PolicyKey: 3942919513\r\n"
                     "User-Agent: easagent/0.1\r\n"
                     "Accept-Language: en-US\r\n"
                     "Content-Type: application/vnd.ms-sync.wbxml\r\n"
                     "Content-Length: 3\r\n"
                     "\r\n");
    /* the secret does not stay behind in the scratch buffer */
    for (size_t i = 0; i < sizeof scratch; i++) CHECK_MSG(scratch[i] == 0, "scratch[%zu] not wiped", i);
    eas_sink body = eas_http_writer_body_sink(&w);
    CHECK_OK(body.write(body.ctx, (const uint8_t *)"\x03\x01j", 3));
    CHECK_OK(eas_http_writer_finish(&w));
}

/* Exchange Online's consumer mailboxes route by the DefaultAnchorMailbox cookie, on every request. */
TEST(ashttp_write_head_anchor_mailbox_cookie)
{
    text_sink t;
    eas_http_writer w;
    eas_url url;
    char scratch[512];
    eas_ashttp_request r = base_request(EAS_CMD_FOLDERSYNC);
    r.anchor_mailbox = "alice@outlook.test";
    CHECK_OK(eas_url_parse("https://eas.outlook.test/Microsoft-Server-ActiveSync", 51, &url));
    CHECK_OK(eas_ashttp_write_head(&w, sink_of(&t), &url, &r, NULL, scratch, sizeof scratch));
    CHECK(strstr(t.buf, "\r\nCookie: DefaultAnchorMailbox=alice@outlook.test\r\n") != NULL);
    r.cmd = EAS_CMD_OPTIONS;
    CHECK_OK(eas_ashttp_write_head(&w, sink_of(&t), &url, &r, NULL, scratch, sizeof scratch));
    CHECK(strstr(t.buf, "\r\nCookie: DefaultAnchorMailbox=alice@outlook.test\r\n") != NULL);
    /* One that does not fit the scratch is refused, not cut; a control byte is refused by the writer. */
    CHECK_EQ(eas_ashttp_write_head(&w, sink_of(&t), &url, &r, NULL, scratch, 30), EAS_ERR_NOSPACE);
    r.anchor_mailbox = "a\r\nX-Evil: 1@x";
    CHECK_EQ(eas_ashttp_write_head(&w, sink_of(&t), &url, &r, NULL, scratch, sizeof scratch), EAS_ERR_ARG);
    r.anchor_mailbox = NULL;
    CHECK_OK(eas_ashttp_write_head(&w, sink_of(&t), &url, &r, NULL, scratch, sizeof scratch));
    CHECK(strstr(t.buf, "Cookie") == NULL);
}

TEST(ashttp_write_head_base64_bearer_multipart)
{
    text_sink t;
    eas_http_writer w;
    eas_url url;
    char scratch[512];
    eas_auth auth = {bearer, (void *)"tok.en", NULL};
    eas_ashttp_request r;
    memset(&r, 0, sizeof r);
    r.cmd = EAS_CMD_ITEMOPERATIONS;
    r.version = EAS_PROTO_14_0;
    r.base64_query = 1;
    r.device_id = "v140Device";
    r.device_type = "SmartPhone";
    r.policy_key = 7; /* carried in the query, not in X-MS-PolicyKey */
    r.options = EAS_ASHTTP_ACCEPT_MULTIPART;
    r.content_length = 0;
    CHECK_OK(eas_url_parse("https://[::1]/Microsoft-Server-ActiveSync", 41, &url));
    CHECK_OK(eas_ashttp_write_head(&w, sink_of(&t), &url, &r, &auth, scratch, sizeof scratch));
    /* 140, 19, 09 04, 10 "v140Device", 4 07 00 00 00, 10 "SmartPhone", 7 1 02 */
    CHECK_STR(t.buf, "POST /Microsoft-Server-ActiveSync?jBMJBAp2MTQwRGV2aWNlBAcAAAAKU21hcnRQaG9uZQcBAg== HTTP/1.1\r\n"
                     "Host: [::1]\r\n"
                     "Authorization: Bearer tok.en\r\n"
                     "Content-Type: application/vnd.ms-sync.wbxml\r\n"
                     "Content-Length: 0\r\n"
                     "\r\n");
    CHECK_OK(eas_http_writer_finish(&w));

    /* the plain form puts AcceptMultiPart in a header */
    r.base64_query = 0;
    r.user = "u";
    r.policy_key = 0;
    CHECK_OK(eas_ashttp_write_head(&w, sink_of(&t), &url, &r, NULL, scratch, sizeof scratch));
    CHECK(strstr(t.buf, "\r\nMS-ASAcceptMultiPart: T\r\n") != NULL);
    CHECK(strstr(t.buf, "X-MS-PolicyKey") == NULL);
    CHECK(strstr(t.buf, "Authorization") == NULL);
}

TEST(ashttp_write_head_options)
{
    text_sink t;
    eas_http_writer w;
    eas_url url;
    char scratch[256];
    eas_basic_credentials c = {"alice@example.test", 18, "secret", 6};
    eas_auth auth = {eas_auth_basic, &c, NULL};
    eas_ashttp_request r;
    memset(&r, 0, sizeof r);
    r.cmd = EAS_CMD_OPTIONS;
    r.user_agent = "easagent/0.1";
    CHECK_OK(eas_url_parse("http://sogo.example.test/SOGo/Microsoft-Server-ActiveSync", 57, &url));
    CHECK_OK(eas_ashttp_write_head(&w, sink_of(&t), &url, &r, &auth, scratch, sizeof scratch));
    CHECK_STR(t.buf, "OPTIONS /SOGo/Microsoft-Server-ActiveSync HTTP/1.1\r\n"
                     "Host: sogo.example.test\r\n"
                     "Authorization: Basic YWxpY2VAZXhhbXBsZS50ZXN0OnNlY3JldA==\r\n"
                     "User-Agent: easagent/0.1\r\n"
                     "\r\n");
    CHECK_OK(eas_http_writer_finish(&w));
}

TEST(ashttp_write_head_errors_wipe_scratch)
{
    text_sink t;
    eas_http_writer w;
    eas_url url;
    char scratch[60];
    eas_basic_credentials c = {"alice@example.test", 18, "secret", 6};
    eas_auth auth = {eas_auth_basic, &c, NULL};
    eas_ashttp_request r = base_request(EAS_CMD_SYNC);
    CHECK_OK(eas_url_parse("https://h/M", 11, &url));
    /* the target does not fit the scratch buffer */
    CHECK_EQ(eas_ashttp_write_head(&w, sink_of(&t), &url, &r, &auth, scratch, sizeof scratch), EAS_ERR_NOSPACE);
    CHECK_EQ(t.len, 0);
    /* a user agent with a line break */
    char big[512];
    r.user_agent = "x\r\nX-Evil: 1";
    CHECK_EQ(eas_ashttp_write_head(&w, sink_of(&t), &url, &r, &auth, big, sizeof big), EAS_ERR_ARG);
    CHECK(strstr(t.buf, "X-Evil") == NULL);
    for (size_t i = 0; i < sizeof big; i++) CHECK_MSG(big[i] == 0, "scratch[%zu] not wiped", i);
    /* an unknown version */
    r = base_request(EAS_CMD_SYNC);
    r.version = 130;
    CHECK_EQ(eas_ashttp_write_head(&w, sink_of(&t), &url, &r, NULL, big, sizeof big), EAS_ERR_ARG);
}

/* --------------------------------------------------------------------------- versions ---- */

TEST(ashttp_version_negotiation)
{
    uint32_t m = 0;
    uint8_t v = 0;
    /* Office 365 (joined from two headers) */
    CHECK_OK(eas_ashttp_parse_versions(E_("2.0,2.1,2.5,12.0,12.1,14.0,14.1,16.0,16.1"), &m));
    CHECK_OK(eas_ashttp_pick_version(m, 0, &v));
    CHECK_EQ(v, EAS_PROTO_16_1);
    /* SOGo */
    CHECK_OK(eas_ashttp_parse_versions(E_("2.5, 12.0, 12.1, 14.0, 14.1"), &m));
    CHECK_EQ(m, eas_proto_bit(25) | eas_proto_bit(120) | eas_proto_bit(121) | eas_proto_bit(140) | eas_proto_bit(141));
    CHECK_OK(eas_ashttp_pick_version(m, 0, &v));
    CHECK_EQ(v, EAS_PROTO_14_1);
    CHECK_OK(eas_ashttp_parse_versions(E_("12.1,16.0"), &m));
    CHECK_OK(eas_ashttp_pick_version(m, 0, &v));
    CHECK_EQ(v, EAS_PROTO_16_0);
    CHECK_OK(eas_ashttp_parse_versions(E_("14.0,,junk,17.0"), &m));
    CHECK_OK(eas_ashttp_pick_version(m, 0, &v));
    CHECK_EQ(v, EAS_PROTO_14_0);
    /* nothing in common */
    CHECK_OK(eas_ashttp_parse_versions(E_("2.5,12.0"), &m));
    CHECK_EQ(eas_ashttp_pick_version(m, 0, &v), EAS_ERR_VERSION);
    CHECK_OK(eas_ashttp_parse_versions(E_(""), &m));
    CHECK_EQ(m, 0);
    CHECK_EQ(eas_ashttp_pick_version(m, 0, &v), EAS_ERR_VERSION);
    /* a configured version overrides; it must be one the client speaks */
    CHECK_OK(eas_ashttp_pick_version(0, EAS_PROTO_12_1, &v));
    CHECK_EQ(v, EAS_PROTO_12_1);
    CHECK_OK(eas_ashttp_pick_version(eas_proto_bit(161), EAS_PROTO_14_0, &v));
    CHECK_EQ(v, EAS_PROTO_14_0);
    CHECK_EQ(eas_ashttp_pick_version(m, EAS_PROTO_12_0, &v), EAS_ERR_CONFIG);
    CHECK_EQ(eas_ashttp_pick_version(m, 99, &v), EAS_ERR_CONFIG);
    CHECK_STR(eas_proto_version_name(EAS_PROTO_16_1), "16.1");
    CHECK_STR(eas_proto_version_name(EAS_PROTO_2_5), "2.5");
    CHECK(eas_proto_version_name(130) == NULL);
}

TEST(ashttp_commands)
{
    uint32_t m = 0;
    CHECK_OK(eas_ashttp_parse_commands(E_("Sync,SendMail,SmartForward,SmartReply,GetAttachment,GetHierarchy,"
                                          "CreateCollection,DeleteCollection,MoveCollection,FolderSync,FolderCreate,"
                                          "FolderDelete,FolderUpdate,MoveItems,GetItemEstimate,MeetingResponse,"
                                          "Search,Settings,Ping,ItemOperations,Provision,ResolveRecipients,"
                                          "ValidateCert"),
                                       &m));
    CHECK(m & (1u << EAS_CMD_SYNC));
    CHECK(m & (1u << EAS_CMD_PING));
    CHECK(m & (1u << EAS_CMD_VALIDATECERT));
    CHECK(!(m & (1u << EAS_CMD_FIND)));
    CHECK_EQ(m, 0x7FFE1Fu);
    CHECK_OK(eas_ashttp_parse_commands(E_(" find , sync "), &m));
    CHECK_EQ(m, (1u << EAS_CMD_FIND) | (1u << EAS_CMD_SYNC));
    CHECK_STR(eas_cmd_name(EAS_CMD_ITEMOPERATIONS), "ItemOperations");
    CHECK(eas_cmd_name((eas_cmd)5) == NULL);
}

/* ---------------------------------------------------------------------- classification ---- */

static eas_http_parser cparser;

static void parse_head(const char *msg)
{
    eas_http_parser_init(&cparser, NULL, 0);
    CHECK_OK(eas_http_parser_feed(&cparser, (const uint8_t *)msg, strlen(msg), NULL));
    CHECK(eas_http_parser_head_complete(&cparser));
}

static eas_ashttp_outcome classify(const char *msg, int64_t now)
{
    eas_ashttp_outcome o;
    memset(&o, 0xA5, sizeof o);
    parse_head(msg);
    (void)eas_ashttp_classify(&cparser, now, &o);
    return o;
}

TEST(ashttp_classify_each_status)
{
    static const struct {
        const char *msg;
        eas_ashttp_action action;
        eas_err err;
    } cases[] = {
        {"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", EAS_ASHTTP_OK, EAS_OK},
        {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", EAS_ASHTTP_OK_EMPTY, EAS_OK},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", EAS_ASHTTP_OK, EAS_OK},
        {"HTTP/1.1 204 No Content\r\n\r\n", EAS_ASHTTP_OK_EMPTY, EAS_OK},
        {"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n", EAS_ASHTTP_FAIL, EAS_ERR_AUTH},
        {"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", EAS_ASHTTP_FAIL, EAS_ERR_FORBIDDEN},
        {"HTTP/1.1 449 Retry after sending a PROVISION command\r\nContent-Length: 0\r\n\r\n", EAS_ASHTTP_PROVISION,
         EAS_ERR_PROVISION},
        {"HTTP/1.1 451 Moved\r\nContent-Length: 0\r\n\r\n", EAS_ASHTTP_REDIRECT, EAS_ERR_HTTP_REDIRECT},
        {"HTTP/1.1 456 Blocked\r\nContent-Length: 0\r\n\r\n", EAS_ASHTTP_FAIL, EAS_ERR_ACCOUNT_BLOCKED},
        {"HTTP/1.1 457 Password expired\r\nContent-Length: 0\r\n\r\n", EAS_ASHTTP_FAIL, EAS_ERR_PASSWORD_EXPIRED},
        {"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n", EAS_ASHTTP_FAIL, EAS_ERR_SERVER},
        {"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", EAS_ASHTTP_RETRY_LATER, EAS_ERR_THROTTLED},
        {"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", EAS_ASHTTP_FAIL, EAS_ERR_HTTP_STATUS},
        {"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", EAS_ASHTTP_FAIL, EAS_ERR_HTTP_STATUS},
        {"HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\n\r\n", EAS_ASHTTP_FAIL, EAS_ERR_HTTP_STATUS},
        {"HTTP/1.1 507 Insufficient Storage\r\nContent-Length: 0\r\n\r\n", EAS_ASHTTP_FAIL, EAS_ERR_HTTP_STATUS},
        {"HTTP/1.1 302 Found\r\nLocation: /owa\r\nContent-Length: 0\r\n\r\n", EAS_ASHTTP_FAIL, EAS_ERR_HTTP_STATUS},
        {"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", EAS_ASHTTP_FAIL, EAS_ERR_HTTP_STATUS},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        eas_ashttp_outcome o = classify(cases[i].msg, -1);
        if (check_failed_now()) return;
        CHECK_MSG(o.action == cases[i].action && o.err == cases[i].err, "case %zu: action %d err %s", i, (int)o.action,
                  eas_err_name(o.err));
        CHECK_EQ(o.status, atoi_status(cases[i].msg));
        CHECK(o.location == NULL);
        CHECK(!o.retry_after_present);
    }
    /* before the head is complete there is nothing to classify */
    eas_ashttp_outcome o;
    eas_http_parser_init(&cparser, NULL, 0);
    CHECK_EQ(eas_ashttp_classify(&cparser, 0, &o), EAS_ERR_STATE);
}

TEST(ashttp_classify_redirect_location)
{
    eas_ashttp_outcome o =
        classify("HTTP/1.1 451 Redirect\r\nX-MS-Location: https://eas2.example.test/Microsoft-Server-ActiveSync\r\n"
                 "Content-Length: 0\r\n\r\n",
                 -1);
    CHECK_EQ(o.action, EAS_ASHTTP_REDIRECT);
    CHECK_STR(o.location, "https://eas2.example.test/Microsoft-Server-ActiveSync");
}

TEST(ashttp_classify_throttling)
{
    eas_ashttp_outcome o =
        classify("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 120\r\nX-MS-ASThrottle: CommandFrequency\r\n"
                 "Content-Length: 0\r\n\r\n",
                 -1);
    CHECK_EQ(o.action, EAS_ASHTTP_RETRY_LATER);
    CHECK_EQ(o.err, EAS_ERR_THROTTLED);
    CHECK(o.retry_after_present);
    CHECK_EQ(o.retry_after_s, 120);
    CHECK_STR(o.throttle_reason, "CommandFrequency");

    /* an HTTP-date, counted from the server's Date */
    o = classify("HTTP/1.1 503 Busy\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                 "Retry-After: Sun, 06 Nov 1994 08:51:07 GMT\r\nContent-Length: 0\r\n\r\n",
                 0);
    CHECK(o.retry_after_present);
    CHECK_EQ(o.retry_after_s, 90);
    /* ... or from now without a Date header */
    o = classify("HTTP/1.1 503 Busy\r\nRetry-After: Sun, 06 Nov 1994 08:51:07 GMT\r\nContent-Length: 0\r\n\r\n",
                 784111777 + 60);
    CHECK(o.retry_after_present);
    CHECK_EQ(o.retry_after_s, 30);
    /* a date in the past: retry now */
    o = classify("HTTP/1.1 503 Busy\r\nRetry-After: Sun, 06 Nov 1994 08:51:07 GMT\r\nContent-Length: 0\r\n\r\n",
                 784111777 + 1000);
    CHECK(o.retry_after_present);
    CHECK_EQ(o.retry_after_s, 0);
    /* a date but no clock at all: as if absent (the caller backs off) */
    o = classify("HTTP/1.1 503 Busy\r\nRetry-After: Sun, 06 Nov 1994 08:51:07 GMT\r\nContent-Length: 0\r\n\r\n", -1);
    CHECK(!o.retry_after_present);
    /* garbage */
    o = classify("HTTP/1.1 503 Busy\r\nRetry-After: soon\r\nContent-Length: 0\r\n\r\n", 0);
    CHECK(!o.retry_after_present);
    CHECK(o.throttle_reason == NULL);
    /* huge numbers saturate */
    o = classify("HTTP/1.1 503 Busy\r\nRetry-After: 99999999999999999999999\r\nContent-Length: 0\r\n\r\n", 0);
    CHECK(o.retry_after_present);
    CHECK_EQ(o.retry_after_s, UINT32_MAX);
}

/* ---------------------------------------------------------------------- dates, back-off ---- */

TEST(ashttp_http_dates)
{
    int64_t t = 0;
    CHECK_OK(eas_http_parse_date(E_("Sun, 06 Nov 1994 08:49:37 GMT"), &t));
    CHECK_EQ(t, 784111777);
    CHECK_OK(eas_http_parse_date(E_("Sunday, 06-Nov-94 08:49:37 GMT"), &t));
    CHECK_EQ(t, 784111777);
    CHECK_OK(eas_http_parse_date(E_("Sun Nov  6 08:49:37 1994"), &t));
    CHECK_EQ(t, 784111777);
    CHECK_OK(eas_http_parse_date(E_("Thu, 01 Jan 1970 00:00:00 GMT"), &t));
    CHECK_EQ(t, 0);
    CHECK_OK(eas_http_parse_date(E_("Thu, 29 Feb 2024 23:59:59 GMT"), &t));
    CHECK_EQ(t, 1709251199);
    CHECK_OK(eas_http_parse_date(E_("Wed, 01 Mar 2000 00:00:00 GMT"), &t));
    CHECK_EQ(t, 951868800);
    CHECK_OK(eas_http_parse_date(E_("Tue, 04 Jun 2024 10:00:00 GMT"), &t));
    CHECK_EQ(t, 1717495200);
    CHECK_OK(eas_http_parse_date(E_("Monday, 01-Jan-24 00:00:00 GMT"), &t));
    CHECK_EQ(t, 1704067200);
    CHECK_OK(eas_http_parse_date(E_("Mon Jan 15 12:00:00 2024"), &t));
    CHECK_EQ(t, 1705320000);
    static const char *const bad[] = {
        "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT ",
        "Sun, 31 Apr 2024 00:00:00 GMT", "Sun, 29 Feb 2023 00:00:00 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1969 08:49:37 GMT",
        "Sun Nov 6 08:49:37 1994",       "120",                           "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_MSG(eas_http_parse_date(bad[i], strlen(bad[i]), &t) == EAS_ERR_ARG, "accepted \"%s\"", bad[i]);
}

TEST(ashttp_backoff)
{
    /* without jitter (random 0) the delay is half the ceiling; with the most, the whole ceiling */
    CHECK_EQ(eas_backoff_next(0, 30, 3600, 0), 15);
    CHECK_EQ(eas_backoff_next(0, 30, 3600, 15), 30);
    CHECK_EQ(eas_backoff_next(1, 30, 3600, 30), 60);
    CHECK_EQ(eas_backoff_next(3, 30, 3600, 0), 120);
    CHECK_EQ(eas_backoff_next(6, 30, 3600, 0), 960);
    CHECK_EQ(eas_backoff_next(7, 30, 3600, 0), 1800);  /* 3840 capped at 3600 */
    CHECK_EQ(eas_backoff_next(1000000, 30, 3600, 0), 1800);
    CHECK_EQ(eas_backoff_next(UINT32_MAX, 1, UINT32_MAX, 2147483648u), UINT32_MAX);
    CHECK_EQ(eas_backoff_next(5, 0, 3600, 7), 0);
    CHECK_EQ(eas_backoff_next(0, 5000, 3600, 0), 1800); /* base above max */
    for (uint32_t a = 0; a < 40; a++) {
        for (uint32_t rnd = 0; rnd < 5000; rnd += 37) {
            uint32_t d = eas_backoff_next(a, 30, 3600, rnd * 2654435761u);
            CHECK(d >= 15 && d <= 3600);
        }
    }
}
