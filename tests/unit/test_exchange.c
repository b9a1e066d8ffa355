/* The HTTP exchange on its own (eas/exchange.h), for requests that are not ActiveSync commands: a JSON
 * POST to an identity provider and a GET of an Autodiscover document, over a scripted stream (a
 * stand-in for a server: the real ones are in tests/e2e). Also the resend on a kept connection that
 * the server had closed, and a held request cut. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "eas/exchange.h"

typedef struct {
    const char *answer[3]; /* the response to each request in turn */
    int next;
    size_t pos;
    int open, connects, close_before_answer;
    int silent; /* nothing to say: recv would block */
    char sent[2048];
    size_t sent_len;
} stream;

static eas_err st_connect(void *ctx, const char *host, uint16_t port)
{
    stream *s = ctx;
    (void)host, (void)port;
    s->open = 1;
    s->connects++;
    return EAS_OK;
}

static eas_err st_send(void *ctx, const uint8_t *buf, size_t len, size_t *done)
{
    stream *s = ctx;
    if (!s->open) return EAS_ERR_NET_IO;
    if (s->sent_len + len < sizeof s->sent) {
        memcpy(s->sent + s->sent_len, buf, len);
        s->sent_len += len;
        s->sent[s->sent_len] = '\0';
    }
    *done = len;
    s->pos = 0;
    return EAS_OK;
}

static eas_err st_recv(void *ctx, uint8_t *buf, size_t len, size_t *done)
{
    stream *s = ctx;
    if (s->close_before_answer) {
        s->close_before_answer--;
        return EAS_ERR_NET_CLOSED;
    }
    const char *a = s->next < 3 ? s->answer[s->next] : NULL;
    if (!a) return s->silent ? EAS_ERR_WOULD_BLOCK : EAS_ERR_NET_CLOSED;
    size_t n = strlen(a) - s->pos;
    if (n > len) n = len;
    if (n > 29) n = 29;
    memcpy(buf, a + s->pos, n);
    s->pos += n;
    if (s->pos == strlen(a)) s->next++;
    *done = n;
    return EAS_OK;
}

static void st_close(void *ctx) { ((stream *)ctx)->open = 0; }

static uint64_t clock_now;
static uint64_t fake_clock(void *ctx)
{
    (void)ctx;
    return clock_now;
}

static char got_body[512];
static size_t got_len;
static eas_err body_sink(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    if (got_len + len < sizeof got_body) {
        memcpy(got_body + got_len, data, len);
        got_len += len;
        got_body[got_len] = '\0';
    }
    return EAS_OK;
}

static eas_err bearer(void *ctx, char *out, size_t cap, size_t *len)
{
    (void)ctx;
    *len = (size_t)snprintf(out, cap, "Bearer t0ken");
    return EAS_OK;
}

static eas_err json_body(void *ctx, eas_sink out)
{
    static const char form[] = "{\"client_id\":\"easagent\",\"scope\":\"EAS.AccessAsUser.All\"}";
    (void)ctx;
    return out.write(out.ctx, (const uint8_t *)form, sizeof form - 1);
}

static eas_err plain_head(void *ctx, eas_sink out, uint64_t content_length)
{
    return eas_exchange_write_head(ctx, out, content_length);
}

static eas_exchange X;
static stream S;
static eas_pal P;
static eas_transport T;

static void rig(void)
{
    memset(&S, 0, sizeof S);
    memset(&P, 0, sizeof P);
    P.clock.monotonic_ms = fake_clock;
    T = (eas_transport){&S, st_connect, st_send, st_recv, st_close, NULL};
    eas_exchange_init(&X, &T, &T, &P);
    got_len = 0;
    got_body[0] = '\0';
}

static eas_exchange_outcome run(void)
{
    eas_exchange_outcome o = EAS_EXCHANGE_PENDING;
    for (int i = 0; i < 1000 && o == EAS_EXCHANGE_PENDING; i++) {
        eas_wait w;
        o = eas_exchange_step(&X, &w);
        clock_now += 10;
    }
    return o;
}

TEST(exchange_posts_json_to_an_identity_provider)
{
    eas_url idp;
    const char *u = "https://login.example.test/common/oauth2/v2.0/devicecode";
    CHECK_OK(eas_url_parse(u, strlen(u), &idp));
    rig();
    S.answer[0] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 22\r\n\r\n{\"device_code\":\"D42\"}\n";
    static const char *const extra[] = {"Accept", "application/json", NULL};
    eas_exchange_head h = {"POST", NULL, "application/json", extra, {bearer, NULL, NULL}, &idp};
    eas_exchange_request r = {&idp, plain_head, json_body, NULL, &h, {{body_sink, NULL}, NULL, NULL, NULL}, 0, 5000, 0};
    CHECK_OK(eas_exchange_start(&X, &r));
    CHECK_EQ(run(), EAS_EXCHANGE_DONE);
    CHECK_EQ(eas_http_parser_status(eas_exchange_response(&X)), 200);
    CHECK_STR(got_body, "{\"device_code\":\"D42\"}\n");
    CHECK(strncmp(S.sent, "POST /common/oauth2/v2.0/devicecode HTTP/1.1\r\n", 46) == 0);
    CHECK(strstr(S.sent, "\r\nHost: login.example.test\r\n") != NULL);
    CHECK(strstr(S.sent, "\r\nAuthorization: Bearer t0ken\r\n") != NULL);
    CHECK(strstr(S.sent, "\r\nAccept: application/json\r\n") != NULL);
    CHECK(strstr(S.sent, "\r\nContent-Length: 55\r\n\r\n{\"client_id\":\"easagent\"") != NULL);
}

TEST(exchange_gets_a_document_and_resends_on_a_stale_connection)
{
    eas_url ad;
    const char *u = "https://autodiscover.example.test/autodiscover/autodiscover.json?Email=a@example.test";
    CHECK_OK(eas_url_parse(u, strlen(u), &ad));
    rig();
    S.answer[0] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"Pr\r\n3\r\nx\"}\r\n0\r\n\r\n";
    S.answer[1] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    eas_exchange_head h = {"GET", NULL, NULL, NULL, {NULL, NULL, NULL}, &ad};
    eas_exchange_request r = {&ad, plain_head, NULL, NULL, &h, {{body_sink, NULL}, NULL, NULL, NULL}, 0, 5000, 0};
    CHECK_OK(eas_exchange_start(&X, &r));
    CHECK_EQ(run(), EAS_EXCHANGE_DONE);
    CHECK_STR(got_body, "{\"Prx\"}");
    CHECK(strncmp(S.sent, "GET /autodiscover/autodiscover.json?Email=a@example.test HTTP/1.1\r\n", 67) == 0);
    CHECK(strstr(S.sent, "Content-Length") == NULL);
    CHECK_EQ(S.connects, 1);
    /* kept alive; the server closed it meanwhile without a word: sent again on a new connection, once */
    S.close_before_answer = 1;
    got_len = 0;
    CHECK_OK(eas_exchange_start(&X, &r));
    CHECK_EQ(run(), EAS_EXCHANGE_DONE);
    CHECK_STR(got_body, "ok");
    CHECK_EQ(S.connects, 2);
    /* a fresh connection closed before any answer is lost, not resent */
    eas_exchange_close(&X);
    S.close_before_answer = 1;
    CHECK_OK(eas_exchange_start(&X, &r));
    CHECK_EQ(run(), EAS_EXCHANGE_LOST);
    CHECK_EQ(eas_exchange_error(&X), EAS_ERR_NET_CLOSED);
}

TEST(exchange_keeps_a_connection_only_for_the_same_host_and_port)
{
    static const char *const urls[] = {"https://a.example.test/x", "https://A.Example.test/y",
                                       "https://b.example.test/x", "https://b.example.test:8443/x",
                                       "http://b.example.test:8443/x"};
    static const int connects[] = {1, 1, 2, 3, 4}; /* after each request in turn */
    rig();
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        eas_url u;
        CHECK_OK(eas_url_parse(urls[i], strlen(urls[i]), &u));
        S.answer[0] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        S.next = 0;
        eas_exchange_head h = {"GET", NULL, NULL, NULL, {NULL, NULL, NULL}, &u};
        eas_exchange_request r = {&u, plain_head, NULL, NULL, &h, {{body_sink, NULL}, NULL, NULL, NULL}, 0, 5000, 0};
        got_len = 0;
        CHECK_OK(eas_exchange_start(&X, &r));
        CHECK_EQ(run(), EAS_EXCHANGE_DONE);
        CHECK_MSG(S.connects == connects[i], "%s: %d connects, want %d", urls[i], S.connects, connects[i]);
    }
}

TEST(exchange_held_request_is_cut_not_failed)
{
    eas_url u;
    CHECK_OK(eas_url_parse("https://eas.test/x", 18, &u));
    rig();
    eas_exchange_head h = {"POST", NULL, "text/plain", NULL, {NULL, NULL, NULL}, &u};
    eas_exchange_request r = {&u, plain_head, json_body, NULL, &h, {{body_sink, NULL}, NULL, NULL, NULL}, 0, 5000,
                              EAS_EXCHANGE_HELD};
    /* no answer at all before the deadline (the stream would block): a cut */
    S.silent = 1;
    CHECK_OK(eas_exchange_start(&X, &r));
    CHECK_EQ(run(), EAS_EXCHANGE_CUT);
    CHECK(!S.open);
    /* the same without HELD: a failure, with the timeout */
    rig();
    S.silent = 1;
    r.flags = 0;
    CHECK_OK(eas_exchange_start(&X, &r));
    CHECK_EQ(run(), EAS_EXCHANGE_FAILED);
    CHECK_EQ(eas_exchange_error(&X), EAS_ERR_NET_TIMEOUT);
    /* a fresh connection closed before any answer: a cut when held */
    rig();
    r.flags = EAS_EXCHANGE_HELD;
    CHECK_OK(eas_exchange_start(&X, &r));
    CHECK_EQ(run(), EAS_EXCHANGE_CUT);
}
