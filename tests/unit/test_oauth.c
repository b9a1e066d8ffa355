/* core/oauth: tokens in the store, request bodies, and the device-code / poll / refresh flow with the
 * identity platform's answers as Entra words them (tests/standin/identity.py serves the same live). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "eas/ashttp.h"
#include "eas/oauth.h"
#include "eas/url.h"
#include "eas/store.h"
#include "flash_emu.h"
#include "json_arena.h"

typedef struct collect {
    char buf[16384];
    size_t len;
} collect;

static eas_err collect_write(void *ctx, const uint8_t *p, size_t n)
{
    collect *c = ctx;
    if (n > sizeof c->buf - 1 - c->len) return EAS_ERR_NOSPACE;
    memcpy(c->buf + c->len, p, n);
    c->len += n;
    c->buf[c->len] = '\0';
    return EAS_OK;
}

static const eas_oauth_config cfg = {"9e5f94bc-e8a4-4e73-b8be-63364c29d753", "organizations",
                                     "https://outlook.office.com/EAS.AccessAsUser.All offline_access", ""};

static flash_emu emu;
static eas_store st;

static int fresh_store(void)
{
    flash_emu_free(&emu);
    if (flash_emu_init(&emu, 4096, 8, 16) != 0) return 0;
    return eas_store_format(&st, &emu.flash) == EAS_OK;
}

static size_t fill(char *out, size_t len, char seed)
{
    for (size_t i = 0; i < len; i++) out[i] = (char)('A' + (seed + i * 7) % 26);
    return len;
}

static char tok_a[4096], tok_r[4096];

TEST(oauth_tokens_4k_round_trip_streamed_from_the_store)
{
    eas_oauth_tokens t, l;
    static collect c;
    CHECK(fresh_store());
    fill(tok_a, 4096, 1);
    fill(tok_r, 1500, 2);
    CHECK_OK(eas_oauth_tokens_save(&st, tok_a, 4096, tok_r, 1500, 1000, 3599, &t));
    CHECK_EQ(t.access_len, 4096);
    CHECK_EQ(t.expires_at, 4599);
    CHECK_EQ(t.generation, 1);
    CHECK_OK(eas_store_mount(&st, &emu.flash));
    CHECK_OK(eas_oauth_tokens_load(&st, &l));
    CHECK_EQ(l.access_len, 4096);
    CHECK_EQ(l.refresh_len, 1500);
    CHECK_EQ(l.lifetime_s, 3599);
    c.len = 0;
    CHECK_OK(eas_oauth_write_bearer(&st, &l, (eas_sink){collect_write, &c}));
    CHECK_EQ(c.len, eas_oauth_bearer_len(&l));
    CHECK(!memcmp(c.buf, "Bearer ", 7) && !memcmp(c.buf + 7, tok_a, 4096));
}

/* A 4 KiB token goes into an ActiveSync request's head straight from the store: four times the longest
 * header value the writer takes whole (EAS_HTTP_TARGET_MAX), and a token with a CR in it never gets
 * the chance to end the line. */
TEST(oauth_bearer_streams_into_the_request_head)
{
    static collect c;
    char scratch[EAS_HTTP_TARGET_MAX + 1];
    eas_http_writer w;
    eas_url url;
    eas_oauth_bearer b = {&st, {0}};
    eas_auth auth = {NULL, &b, eas_oauth_bearer_stream};
    eas_ashttp_request r;
    CHECK(fresh_store());
    fill(tok_a, 4096, 9);
    CHECK_OK(eas_oauth_tokens_save(&st, tok_a, 4096, NULL, 0, 0, 60, &b.tokens));
    CHECK_OK(eas_url_parse("https://eas.test/Microsoft-Server-ActiveSync", 44, &url));
    memset(&r, 0, sizeof r);
    r.cmd = EAS_CMD_FOLDERSYNC;
    r.version = EAS_PROTO_16_1;
    r.user = "alice@example.com";
    r.device_id = "dev1";
    r.device_type = "easagent";
    r.content_length = 13;
    c.len = 0;
    CHECK_OK(eas_ashttp_write_head(&w, (eas_sink){collect_write, &c}, &url, &r, &auth, scratch, sizeof scratch));
    char *line = strstr(c.buf, "\r\nAuthorization: Bearer ");
    CHECK(line != NULL);
    line += strlen("\r\nAuthorization: Bearer ");
    CHECK(!memcmp(line, tok_a, 4096) && !memcmp(line + 4096, "\r\n", 2));
    CHECK(strstr(c.buf, "\r\nContent-Length: 13\r\n\r\n") != NULL);
    /* the same token through the whole-value path is too long for a header value there */
    CHECK_EQ(eas_http_writer_begin(&w, (eas_sink){NULL, NULL}, "POST", "/x"), EAS_OK);
    CHECK_EQ(eas_http_writer_header_n(&w, "Authorization", tok_a, 4096), EAS_ERR_ARG);
}

static eas_err bad_value(void *ctx, eas_sink out)
{
    (void)ctx;
    eas_err e = out.write(out.ctx, (const uint8_t *)"Bearer x", 8);
    return e == EAS_OK ? out.write(out.ctx, (const uint8_t *)"\r\nX-Evil: 1", 12) : e;
}

TEST(oauth_streamed_header_value_refuses_control_bytes)
{
    static collect c;
    eas_http_writer w;
    c.len = 0;
    CHECK_OK(eas_http_writer_begin(&w, (eas_sink){collect_write, &c}, "POST", "/x"));
    CHECK_EQ(eas_http_writer_header_stream(&w, "Authorization", bad_value, NULL), EAS_ERR_ARG);
    CHECK(strstr(c.buf, "X-Evil") == NULL);
    /* sticky: nothing more goes out after half a header line */
    CHECK_EQ(eas_http_writer_header(&w, "Host", "x"), EAS_ERR_ARG);
    CHECK_EQ(eas_http_writer_end_head(&w), EAS_ERR_ARG);
}

TEST(oauth_rotation_replaces_the_pair_and_drops_the_old_chunks)
{
    eas_oauth_tokens t;
    uint32_t k;
    size_t len;
    CHECK(fresh_store());
    fill(tok_a, 3000, 3);
    fill(tok_r, 1400, 4);
    CHECK_OK(eas_oauth_tokens_save(&st, tok_a, 3000, tok_r, 1400, 10, 60, NULL));
    fill(tok_a, 1600, 5);
    fill(tok_r, 1100, 6);
    CHECK_OK(eas_oauth_tokens_save(&st, tok_a, 1600, tok_r, 1100, 20, 60, &t));
    CHECK_EQ(t.generation, 2);
    /* 1600 bytes in 512-byte chunks: 4 chunks, none beyond */
    CHECK_EQ(eas_store_next(&st, EAS_KEY_OAUTH_ACCESS(0), EAS_KEY_OAUTH_ACCESS(255), &k, &len), EAS_OK);
    CHECK_EQ(eas_store_next(&st, EAS_KEY_OAUTH_ACCESS(4), EAS_KEY_OAUTH_ACCESS(255), &k, &len), EAS_ERR_NOT_FOUND);
    CHECK_EQ(eas_store_next(&st, EAS_KEY_OAUTH_REFRESH(3), EAS_KEY_OAUTH_REFRESH(255), &k, &len), EAS_ERR_NOT_FOUND);
    static collect c;
    c.len = 0;
    CHECK_OK(eas_oauth_write_bearer(&st, &t, (eas_sink){collect_write, &c}));
    CHECK(c.len == 1607 && !memcmp(c.buf + 7, tok_a, 1600));
    /* sign-out forgets everything */
    CHECK_OK(eas_oauth_tokens_forget(&st));
    CHECK_EQ(eas_oauth_tokens_load(&st, &t), EAS_ERR_NOT_SIGNED_IN);
    CHECK_EQ(eas_store_next(&st, EAS_KEY_OAUTH, EAS_KEY_OAUTH_LAST, &k, &len), EAS_ERR_NOT_FOUND);
    CHECK_EQ(eas_oauth_write_bearer(&st, &t, (eas_sink){collect_write, &c}), EAS_ERR_NOT_SIGNED_IN);
}

TEST(oauth_tokens_refused_without_change)
{
    eas_oauth_tokens t;
    CHECK(fresh_store());
    fill(tok_a, 100, 1);
    CHECK_OK(eas_oauth_tokens_save(&st, tok_a, 100, NULL, 0, 0, 60, NULL));
    static char big[EAS_OAUTH_TOKEN_MAX + 1];
    fill(big, sizeof big, 2);
    CHECK_EQ(eas_oauth_tokens_save(&st, big, sizeof big, NULL, 0, 0, 60, NULL), EAS_ERR_NOSPACE);
    CHECK_EQ(eas_oauth_tokens_save(&st, "a b", 3, NULL, 0, 0, 60, NULL), EAS_ERR_ARG);
    CHECK_EQ(eas_oauth_tokens_save(&st, "ab\r\n", 4, NULL, 0, 0, 60, NULL), EAS_ERR_ARG);
    CHECK_EQ(eas_oauth_tokens_save(&st, "", 0, NULL, 0, 0, 60, NULL), EAS_ERR_ARG);
    CHECK_OK(eas_oauth_tokens_load(&st, &t));
    CHECK_EQ(t.access_len, 100);
    CHECK_EQ(t.generation, 1);
    /* no refresh token: a refresh body cannot be made */
    static collect c;
    CHECK_EQ(eas_oauth_refresh_body(&cfg, &st, &t, (eas_sink){collect_write, &c}, NULL), EAS_ERR_NOT_SIGNED_IN);
}

TEST(oauth_access_fresh_within_the_margin)
{
    eas_oauth_tokens t = {0};
    t.lifetime_s = 3600;
    t.expires_at = 10000;
    CHECK(eas_oauth_access_fresh(&t, 9000));
    CHECK(eas_oauth_access_fresh(&t, 9699));
    CHECK(!eas_oauth_access_fresh(&t, 9700)); /* 300 s before */
    t.lifetime_s = 20;                        /* short-lived (the tests): a quarter of the lifetime */
    t.expires_at = 1020;
    CHECK(eas_oauth_access_fresh(&t, 1014));
    CHECK(!eas_oauth_access_fresh(&t, 1015));
}

TEST(oauth_request_bodies_and_targets)
{
    static collect c;
    char target[128];
    size_t len = 0, counted = 0;
    CHECK_OK(eas_oauth_target(&cfg, EAS_OAUTH_DEVICECODE, target, sizeof target, &len));
    CHECK_STR(target, "/organizations/oauth2/v2.0/devicecode");
    eas_oauth_config sub = cfg;
    sub.base_path = "/idp/";
    CHECK_OK(eas_oauth_target(&sub, EAS_OAUTH_TOKEN, target, sizeof target, &len));
    CHECK_STR(target, "/idp/organizations/oauth2/v2.0/token");
    CHECK_EQ(len, strlen(target));
    CHECK_EQ(eas_oauth_target(&cfg, EAS_OAUTH_TOKEN, target, 20, &len), EAS_ERR_NOSPACE);
    c.len = 0;
    CHECK_OK(eas_oauth_devicecode_body(&cfg, (eas_sink){NULL, NULL}, &counted));
    CHECK_OK(eas_oauth_devicecode_body(&cfg, (eas_sink){collect_write, &c}, &len));
    CHECK_STR(c.buf, "client_id=9e5f94bc-e8a4-4e73-b8be-63364c29d753&scope=https%3A%2F%2Foutlook.office.com%2F"
                     "EAS.AccessAsUser.All+offline_access");
    CHECK_EQ(len, c.len);
    CHECK_EQ(counted, c.len);
    c.len = 0;
    CHECK_OK(eas_oauth_poll_body(&cfg, "DAQ+x/y=", (eas_sink){collect_write, &c}, &len));
    CHECK_STR(c.buf, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&client_id="
                     "9e5f94bc-e8a4-4e73-b8be-63364c29d753&device_code=DAQ%2Bx%2Fy%3D");
    /* the refresh token streams from the store, form-encoded; counting gives the same length */
    CHECK(fresh_store());
    eas_oauth_tokens t;
    CHECK_OK(eas_oauth_tokens_save(&st, "at", 2, "0.A+b/c=", 8, 0, 60, &t));
    c.len = 0;
    CHECK_OK(eas_oauth_refresh_body(&cfg, &st, &t, (eas_sink){NULL, NULL}, &counted));
    CHECK_OK(eas_oauth_refresh_body(&cfg, &st, &t, (eas_sink){collect_write, &c}, &len));
    CHECK_STR(c.buf, "grant_type=refresh_token&client_id=9e5f94bc-e8a4-4e73-b8be-63364c29d753&scope=https%3A%2F%2F"
                     "outlook.office.com%2FEAS.AccessAsUser.All+offline_access&refresh_token=0.A%2Bb%2Fc%3D");
    CHECK_EQ(len, c.len);
    CHECK_EQ(counted, c.len);
}

/* ---- the flow ---- */
typedef struct shown {
    int calls;
    char message[256], code[32], uri[64];
} shown;

static void show(void *ctx, const char *message, const char *code, const char *uri)
{
    shown *s = ctx;
    s->calls++;
    snprintf(s->message, sizeof s->message, "%s", message);
    snprintf(s->code, sizeof s->code, "%s", code);
    snprintf(s->uri, sizeof s->uri, "%s", uri);
}

static eas_oauth_flow flow;
static shown seen;

static eas_oauth_action answer(uint16_t status, const char *body, uint64_t now_ms)
{
    eas_sink s = eas_oauth_body_sink(&flow);
    if (s.write(s.ctx, (const uint8_t *)body, strlen(body)) != EAS_OK) return (eas_oauth_action)0;
    return eas_oauth_response(&flow, status, now_ms, 5000);
}

static const char devicecode_ok[] =
    "{\"user_code\":\"LV43PKR6X\",\"device_code\":\"DAQABIQEAAAcHU-2e4P\",\"verification_uri\":"
    "\"https://microsoft.com/devicelogin\",\"expires_in\":900,\"interval\":5,\"message\":\"To sign in, use a web "
    "browser to open the page https://microsoft.com/devicelogin and enter the code LV43PKR6X to authenticate.\"}";

static eas_oauth_action begin_login(void)
{
    memset(&seen, 0, sizeof seen);
    flow.show = show;
    flow.ctx = &seen;
    eas_oauth_login_begin(&flow, &cfg, &st);
    if (eas_oauth_next(&flow, NULL) != EAS_OAUTH_SEND_DEVICECODE) return (eas_oauth_action)0;
    return answer(200, devicecode_ok, 1000);
}

static char token_json[12000];

static const char *tokens_json(size_t access_len, size_t refresh_len, int expires)
{
    static char a[4096], r[4096];
    fill(a, access_len, 7);
    a[access_len] = 0;
    fill(r, refresh_len, 8);
    r[refresh_len] = 0;
    snprintf(token_json, sizeof token_json,
             "{\"token_type\":\"Bearer\",\"scope\":\"https://outlook.office.com/EAS.AccessAsUser.All\","
             "\"expires_in\":%d,\"ext_expires_in\":%d,\"access_token\":\"%s\"%s%s%s}",
             expires, expires, a, refresh_len ? ",\"refresh_token\":\"" : "", refresh_len ? r : "",
             refresh_len ? "\"" : "");
    return token_json;
}

static char err_json[600];
static const char *error_json(const char *error, unsigned code)
{
    snprintf(err_json, sizeof err_json,
             "{\"error\":\"%s\",\"error_description\":\"AADSTS%u: words. Trace ID: 1\",\"error_codes\":[%u],"
             "\"timestamp\":\"2026-12-01 22:59:56Z\"}",
             error, code, code);
    return err_json;
}

TEST(oauth_device_code_poll_pending_slow_down_then_signed_in)
{
    uint64_t at = 0;
    CHECK(fresh_store());
    CHECK_EQ(begin_login(), EAS_OAUTH_SEND_POLL);
    CHECK_EQ(seen.calls, 1);
    CHECK_STR(seen.code, "LV43PKR6X");
    CHECK_STR(seen.uri, "https://microsoft.com/devicelogin");
    CHECK(strstr(seen.message, "enter the code LV43PKR6X") != NULL);
    CHECK_EQ(eas_oauth_next(&flow, &at), EAS_OAUTH_SEND_POLL);
    CHECK_EQ(at, 6000); /* interval 5 s */
    static collect c;
    c.len = 0;
    CHECK_OK(eas_oauth_poll_body(&cfg, flow.device_code, (eas_sink){collect_write, &c}, NULL));
    CHECK(strstr(c.buf, "&device_code=DAQABIQEAAAcHU-2e4P") != NULL);
    CHECK_EQ(answer(400, error_json("authorization_pending", 70016), 6000), EAS_OAUTH_SEND_POLL);
    CHECK_EQ(eas_oauth_next(&flow, &at), EAS_OAUTH_SEND_POLL);
    CHECK_EQ(at, 11000);
    CHECK_EQ(answer(400, error_json("slow_down", 70016), 11000), EAS_OAUTH_SEND_POLL);
    CHECK_EQ(eas_oauth_next(&flow, &at), EAS_OAUTH_SEND_POLL);
    CHECK_EQ(at, 21000); /* 5 + 5 s */
    CHECK_EQ(answer(400, error_json("authorization_pending", 70016), 21000), EAS_OAUTH_SEND_POLL);
    CHECK_EQ(eas_oauth_next(&flow, &at), EAS_OAUTH_SEND_POLL);
    CHECK_EQ(at, 31000); /* the interval stays grown */
    CHECK_EQ(answer(200, tokens_json(2300, 1200, 3599), 31000), EAS_OAUTH_DONE);
    CHECK_OK(eas_oauth_flow_error(&flow));
    eas_oauth_tokens t;
    CHECK_OK(eas_oauth_tokens_load(&st, &t));
    CHECK_EQ(t.access_len, 2300);
    CHECK_EQ(t.refresh_len, 1200);
    CHECK_EQ(t.expires_at, 5000 + 3599);
    /* the response and the parsed tree were wiped: no token bytes left in the flow or the arena */
    CHECK_EQ(flow.body_len, 0);
    CHECK_EQ(eas_json_arena_used(), 0);
    for (size_t i = 0; i < sizeof flow.body; i++) CHECK(flow.body[i] == 0);
}

TEST(oauth_every_refusal_of_the_sign_in_has_its_error)
{
    static const struct {
        uint16_t status;
        const char *error;
        unsigned code;
        eas_err want;
    } cases[] = {
        {400, "expired_token", 70019, EAS_ERR_SIGNIN_EXPIRED},
        {400, "access_denied", 70020, EAS_ERR_SIGNIN_DENIED},
        {400, "authorization_declined", 70020, EAS_ERR_SIGNIN_DENIED},
        {401, "invalid_client", 7000218, EAS_ERR_SIGNIN_CLIENT},
        {400, "unauthorized_client", 700016, EAS_ERR_SIGNIN_CLIENT},
        {400, "invalid_scope", 70011, EAS_ERR_SIGNIN_SCOPE},
        {400, "invalid_grant", 65001, EAS_ERR_SIGNIN_CONSENT},
        {400, "invalid_grant", 53003, EAS_ERR_SIGNIN_BLOCKED},
        {400, "invalid_grant", 53000, EAS_ERR_SIGNIN_BLOCKED},
        {400, "interaction_required", 53004, EAS_ERR_SIGNIN_BLOCKED},
        {400, "invalid_grant", 70000, EAS_ERR_SIGNIN_EXPIRED},
        {400, "invalid_request", 900144, EAS_ERR_SIGNIN_REFUSED},
        {503, "temporarily_unavailable", 90033, EAS_ERR_SERVER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(fresh_store());
        CHECK_EQ(begin_login(), EAS_OAUTH_SEND_POLL);
        eas_oauth_action a = answer(cases[i].status, error_json(cases[i].error, cases[i].code), 6000);
        CHECK_MSG(a == EAS_OAUTH_FAILED && eas_oauth_flow_error(&flow) == cases[i].want,
                  "%s (AADSTS%u): action %d, %s", cases[i].error, cases[i].code, (int)a,
                  eas_err_name(eas_oauth_flow_error(&flow)));
        CHECK_EQ(flow.aadsts, cases[i].code);
        CHECK_EQ(eas_err_kind_of(cases[i].want), cases[i].want == EAS_ERR_SERVER ? EAS_KIND_PROTOCOL : EAS_KIND_ACCOUNT);
    }
    /* the device-code request itself refused (unknown app, a scope mixed with .default) */
    CHECK(fresh_store());
    eas_oauth_login_begin(&flow, &cfg, &st);
    CHECK_EQ(answer(400, error_json("invalid_scope", 70011), 0), EAS_OAUTH_FAILED);
    CHECK_EQ(eas_oauth_flow_error(&flow), EAS_ERR_SIGNIN_SCOPE);
    eas_oauth_login_begin(&flow, &cfg, &st);
    CHECK_EQ(answer(200, "{\"user_code\":\"X\"}", 0), EAS_OAUTH_FAILED);
    CHECK_EQ(eas_oauth_flow_error(&flow), EAS_ERR_PROTOCOL);
    eas_oauth_login_begin(&flow, &cfg, &st);
    CHECK_EQ(answer(200, "<html>not json</html>", 0), EAS_OAUTH_FAILED);
    CHECK_EQ(eas_oauth_flow_error(&flow), EAS_ERR_PROTOCOL);
    /* nobody entered the code in time: the flow stops by itself, without hammering the service */
    CHECK(fresh_store());
    CHECK_EQ(begin_login(), EAS_OAUTH_SEND_POLL);
    CHECK_EQ(answer(400, error_json("authorization_pending", 70016), 897000), EAS_OAUTH_FAILED);
    CHECK_EQ(eas_oauth_flow_error(&flow), EAS_ERR_SIGNIN_EXPIRED);
}

TEST(oauth_refresh_rotates_keeps_or_forgets)
{
    eas_oauth_tokens t;
    CHECK(fresh_store());
    eas_oauth_refresh_begin(&flow, &cfg, &st);
    CHECK_EQ(eas_oauth_next(&flow, NULL), EAS_OAUTH_FAILED);
    CHECK_EQ(eas_oauth_flow_error(&flow), EAS_ERR_NOT_SIGNED_IN);
    CHECK_OK(eas_oauth_tokens_save(&st, "old-access", 10, "old-refresh", 11, 0, 60, NULL));
    /* a rotation: the new refresh token replaces the old one */
    eas_oauth_refresh_begin(&flow, &cfg, &st);
    CHECK_EQ(eas_oauth_next(&flow, NULL), EAS_OAUTH_SEND_REFRESH);
    CHECK_EQ(answer(200, tokens_json(1800, 1100, 30), 0), EAS_OAUTH_DONE);
    CHECK_OK(eas_oauth_tokens_load(&st, &t));
    CHECK(t.access_len == 1800 && t.refresh_len == 1100 && t.generation == 2 && t.lifetime_s == 30);
    /* an answer without a refresh token keeps the stored one (RFC 6749 6) */
    eas_oauth_refresh_begin(&flow, &cfg, &st);
    CHECK_EQ(answer(200, tokens_json(1700, 0, 30), 0), EAS_OAUTH_DONE);
    CHECK_OK(eas_oauth_tokens_load(&st, &t));
    CHECK(t.access_len == 1700 && t.refresh_len == 1100 && t.generation == 3);
    static collect c;
    c.len = 0;
    CHECK_OK(eas_oauth_refresh_body(&cfg, &st, &t, (eas_sink){collect_write, &c}, NULL));
    char want[1200];
    fill(want, 1100, 8);
    CHECK(c.len > 1100 && !memcmp(c.buf + c.len - 1100, want, 1100));
    /* the service is down: the tokens stay */
    eas_oauth_refresh_begin(&flow, &cfg, &st);
    CHECK_EQ(answer(503, error_json("temporarily_unavailable", 90033), 0), EAS_OAUTH_FAILED);
    CHECK_EQ(eas_oauth_flow_error(&flow), EAS_ERR_SERVER);
    CHECK_OK(eas_oauth_tokens_load(&st, &t));
    eas_oauth_refresh_begin(&flow, &cfg, &st);
    eas_oauth_lost(&flow, EAS_ERR_NET_CONNECT);
    CHECK_EQ(eas_oauth_flow_error(&flow), EAS_ERR_NET_CONNECT);
    CHECK_OK(eas_oauth_tokens_load(&st, &t));
    /* revoked (or a reused, already rotated token): sign in again, and the pair is gone */
    eas_oauth_refresh_begin(&flow, &cfg, &st);
    CHECK_EQ(answer(400, error_json("invalid_grant", 50173), 0), EAS_OAUTH_FAILED);
    CHECK_EQ(eas_oauth_flow_error(&flow), EAS_ERR_SIGNIN_REVOKED);
    CHECK_EQ(eas_oauth_tokens_load(&st, &t), EAS_ERR_NOT_SIGNED_IN);
}

TEST(oauth_response_too_large_or_token_too_long)
{
    CHECK(fresh_store());
    eas_oauth_login_begin(&flow, &cfg, &st);
    eas_sink s = eas_oauth_body_sink(&flow);
    static uint8_t big[EAS_OAUTH_BODY_MAX + 1];
    memset(big, ' ', sizeof big);
    CHECK_EQ(s.write(s.ctx, big, sizeof big), EAS_ERR_NOSPACE);
    CHECK_OK(eas_oauth_tokens_save(&st, "keep", 4, "keep-r", 6, 0, 60, NULL));
    eas_oauth_refresh_begin(&flow, &cfg, &st);
    /* an access token over EAS_OAUTH_TOKEN_MAX: refused, the stored pair stays as it was */
    static char json[12000];
    static char longtok[EAS_OAUTH_TOKEN_MAX + 2];
    fill(longtok, EAS_OAUTH_TOKEN_MAX + 1, 3);
    snprintf(json, sizeof json, "{\"token_type\":\"Bearer\",\"expires_in\":60,\"access_token\":\"%s\"}", longtok);
    CHECK_EQ(answer(200, json, 0), EAS_OAUTH_FAILED);
    CHECK_EQ(eas_oauth_flow_error(&flow), EAS_ERR_NOSPACE);
    eas_oauth_tokens t;
    CHECK_OK(eas_oauth_tokens_load(&st, &t));
    CHECK_EQ(t.access_len, 4);
    flash_emu_free(&emu);
}
