/* The TLS binding against real TLS servers: `openssl s_server -www` on 127.0.0.1, one per test, with the
 * test PKI minted by tests/support/tls_server.sh into build/host-asan/tls-test/ (EAS_TLS_TEST_DIR
 * overrides). The client goes through the real POSIX TCP transport, non-blocking, waiting with poll().
 * Every wait is bounded; every server is killed at the end of its test (and by the kernel, through
 * PR_SET_PDEATHSIG, should this process die first; `timeout 120` ends it in any case). */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include <mbedtls/ssl.h>
#include <mbedtls/x509.h>

#include "eas/err.h"
#include "eas_posix.h"
#include "tls.h"

#define TLS_WAIT_MS 10000

static const char *tls_dir(void)
{
    const char *d = getenv("EAS_TLS_TEST_DIR");
    return d ? d : "build/host-asan/tls-test";
}

static void tls_script(char *buf, size_t cap)
{
    const char *t = getenv("EAS_TEST_DIR");
    snprintf(buf, cap, "%s/support/tls_server.sh", t ? t : "tests");
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Mints the PKI once per process (the script itself skips work already done). */
static int tls_certs(void)
{
    static int done;
    if (done) return 1;
    char script[512], cmd[1400];
    tls_script(script, sizeof script);
    snprintf(cmd, sizeof cmd, "timeout 60 bash '%s' certs '%s'", script, tls_dir());
    int rc = system(cmd);
    if (rc != 0) return 0;
    done = 1;
    return 1;
}

/* Reads a file of the PKI into buf as a NUL-terminated PEM; returns the length with the NUL, or 0. */
static size_t tls_load(const char *name, uint8_t *buf, size_t cap)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", tls_dir(), name);
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t n = fread(buf, 1, cap - 1, f);
    int more = fgetc(f) != EOF;
    fclose(f);
    if (more || n == 0) return 0;
    buf[n] = '\0';
    return n + 1;
}

typedef struct {
    pid_t pid;
    uint16_t port;
    char log[600];
} tls_server;

static void tls_server_stop(tls_server *s)
{
    if (s->pid <= 0) return;
    kill(s->pid, SIGTERM);
    int status;
    int64_t end = now_ms() + 3000;
    while (waitpid(s->pid, &status, WNOHANG) == 0) {
        if (now_ms() > end) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &status, 0);
            break;
        }
        sleep_ms(10);
    }
    s->pid = 0;
    unlink(s->log);
}

/* Starts `tls_server.sh serve DIR kind LOG` and waits for its "ACCEPT 127.0.0.1:PORT" line. */
static int tls_server_start(tls_server *s, const char *kind)
{
    memset(s, 0, sizeof *s);
    if (!tls_certs()) return 0;
    char script[512];
    tls_script(script, sizeof script);
    snprintf(s->log, sizeof s->log, "%s/server-%s-%ld.log", tls_dir(), kind, (long)getpid());
    unlink(s->log);
    pid_t pid = fork();
    if (pid < 0) return 0;
    if (pid == 0) {
#if defined(__linux__)
        prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
        execlp("bash", "bash", script, "serve", tls_dir(), kind, s->log, (char *)NULL);
        _exit(127);
    }
    s->pid = pid;
    int64_t end = now_ms() + TLS_WAIT_MS;
    while (now_ms() < end) {
        char text[512] = {0};
        FILE *f = fopen(s->log, "r");
        if (f) {
            size_t n = fread(text, 1, sizeof text - 1, f);
            text[n] = '\0';
            fclose(f);
            const char *a = strstr(text, "ACCEPT 127.0.0.1:");
            if (a && strchr(a, '\n')) {
                s->port = (uint16_t)atoi(a + strlen("ACCEPT 127.0.0.1:"));
                if (s->port) return 1;
            }
        }
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            s->pid = 0;
            return 0;
        }
        sleep_ms(20);
    }
    tls_server_stop(s);
    return 0;
}

static int tls_entropy_fail_calls;
static eas_err failing_entropy(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)buf;
    (void)len;
    tls_entropy_fail_calls++;
    return EAS_ERR_IO;
}

/* One client: POSIX TCP underneath, the TLS object on top. */
typedef struct {
    eas_posix_tcp tcp;
    eas_transport tcp_if;
    eas_entropy entropy;
    eas_tls tls;
    eas_transport tr;
    int would_blocks;
} tls_client;

static uint8_t pem_buf[16384];

static const char *name_for; /* eas_tls_config.server_name_for of the next client_init */

static eas_err client_init(tls_client *c, const char *ca_file, const char *server_name)
{
    memset(c, 0, sizeof *c);
    eas_posix_tcp_init(&c->tcp, &c->tcp_if);
    eas_posix_entropy_init(&c->entropy);
    size_t n = tls_load(ca_file, pem_buf, sizeof pem_buf);
    if (n == 0) return EAS_ERR_IO;
    eas_tls_config cfg = {pem_buf, n, server_name, name_for};
    eas_err e = eas_tls_init(&c->tls, &c->tcp_if, &c->entropy, &cfg);
    c->tr = eas_tls_transport(&c->tls);
    return e;
}

/* Waits on the socket in the direction the TLS layer asks for. */
static eas_err client_wait(tls_client *c, int64_t end)
{
    int fd = eas_posix_tcp_fd(&c->tcp);
    int64_t left = end - now_ms();
    if (left <= 0) return EAS_ERR_NET_TIMEOUT;
    int ww = eas_tls_want_write(&c->tls);
    return eas_posix_wait(fd, !ww, ww, (int)left);
}

static eas_err client_connect(tls_client *c, const char *host, uint16_t port)
{
    int64_t end = now_ms() + TLS_WAIT_MS;
    for (;;) {
        eas_err e = c->tr.connect(c->tr.ctx, host, port);
        if (e != EAS_ERR_WOULD_BLOCK) return e;
        c->would_blocks++;
        e = client_wait(c, end);
        if (e != EAS_OK) return e;
    }
}

static eas_err client_send_all(tls_client *c, const char *text)
{
    size_t len = strlen(text), off = 0;
    int64_t end = now_ms() + TLS_WAIT_MS;
    while (off < len) {
        size_t done = 0;
        eas_err e = c->tr.send(c->tr.ctx, (const uint8_t *)text + off, len - off, &done);
        if (e == EAS_OK) {
            off += done;
            continue;
        }
        if (e != EAS_ERR_WOULD_BLOCK) return e;
        e = client_wait(c, end);
        if (e != EAS_OK) return e;
    }
    return EAS_OK;
}

/* Reads until the server closes; returns what recv said at the end (EAS_ERR_NET_CLOSED is success). */
static eas_err client_read_all(tls_client *c, char *buf, size_t cap, size_t *got)
{
    int64_t end = now_ms() + TLS_WAIT_MS;
    *got = 0;
    for (;;) {
        if (*got + 1 >= cap) return EAS_ERR_NOSPACE;
        size_t done = 0;
        eas_err e = c->tr.recv(c->tr.ctx, (uint8_t *)buf + *got, cap - 1 - *got, &done);
        if (e == EAS_OK) {
            *got += done;
            buf[*got] = '\0';
            continue;
        }
        if (e != EAS_ERR_WOULD_BLOCK) return e;
        if (eas_tls_has_pending(&c->tls)) continue;
        e = client_wait(c, end);
        if (e != EAS_OK) return e;
    }
}

static char page[65536];

/* GET / over an open connection; the -www page says whether openssl saw a new or a reused session. */
static eas_err client_get(tls_client *c, size_t *got)
{
    eas_err e = client_send_all(c, "GET / HTTP/1.0\r\n\r\n");
    if (e != EAS_OK) return e;
    e = client_read_all(c, page, sizeof page, got);
    return e == EAS_ERR_NET_CLOSED ? EAS_OK : e;
}

TEST(tls_valid_certificate_round_trip)
{
    tls_server s;
    CHECK_MSG(tls_server_start(&s, "good"), "cannot start openssl s_server (is openssl installed?)");
    tls_client c;
    eas_err e = client_init(&c, "ca.crt", NULL);
    if (e == EAS_OK) e = client_connect(&c, "localhost", s.port);
    size_t got = 0;
    eas_err g = e == EAS_OK ? client_get(&c, &got) : e;
    c.tr.close(c.tr.ctx);
    uint32_t handshakes = c.tls.handshakes;
    int resumed = eas_tls_resumed(&c.tls);
    int would_blocks = c.would_blocks;
    eas_tls_free(&c.tls);
    tls_server_stop(&s);
    CHECK_OK(e);
    CHECK_OK(g);
    CHECK(would_blocks > 0); /* the handshake really waited for the server instead of blocking */
    CHECK_EQ(handshakes, 1);
    CHECK(!resumed);
    CHECK(got > 100);
    CHECK_MSG(strncmp(page, "HTTP/1.0 200 ok\r\n", 17) == 0, "response: %.40s", page);
    CHECK(strstr(page, "New, TLSv1.2,") != NULL);
}

TEST(tls_second_connect_resumes_session)
{
    tls_server s;
    CHECK_MSG(tls_server_start(&s, "good"), "cannot start openssl s_server");
    tls_client c;
    eas_err e[3] = {EAS_ERR_STATE, EAS_ERR_STATE, EAS_ERR_STATE};
    int resumed[3] = {-1, -1, -1}, server_new[3] = {0}, server_reused[3] = {0};
    eas_err ie = client_init(&c, "ca.crt", NULL);
    for (int i = 0; i < 3 && ie == EAS_OK; i++) {
        if (i == 2) eas_tls_forget_session(&c.tls);
        size_t got = 0;
        page[0] = '\0';
        e[i] = client_connect(&c, "localhost", s.port);
        if (e[i] == EAS_OK) e[i] = client_get(&c, &got);
        resumed[i] = eas_tls_resumed(&c.tls);
        server_new[i] = strstr(page, "New, TLSv1.2,") != NULL;
        server_reused[i] = strstr(page, "Reused, TLSv1.2,") != NULL;
        c.tr.close(c.tr.ctx);
        if (e[i] != EAS_OK) break;
    }
    uint32_t handshakes = c.tls.handshakes, resumptions = c.tls.resumptions;
    eas_tls_free(&c.tls);
    tls_server_stop(&s);
    CHECK_OK(ie);
    CHECK_OK(e[0]);
    CHECK_OK(e[1]);
    CHECK_OK(e[2]);
    CHECK_EQ(resumed[0], 0);
    CHECK(server_new[0]);
    CHECK_EQ(resumed[1], 1); /* our flag ... */
    CHECK(server_reused[1]); /* ... agrees with the server */
    CHECK_EQ(resumed[2], 0); /* forgotten: full handshake again */
    CHECK(server_new[2]);
    CHECK_EQ(handshakes, 3);
    CHECK_EQ(resumptions, 1);
}

/* Connects to a server of the given kind and returns the connect result with the verify flags. */
static eas_err connect_kind(const char *kind, const char *ca, const char *host, const char *server_name,
                            uint32_t *flags, int *mbed_err)
{
    tls_server s;
    if (!tls_server_start(&s, kind)) return EAS_ERR_IO;
    tls_client c;
    eas_err e = client_init(&c, ca, server_name);
    if (e == EAS_OK) {
        e = client_connect(&c, host, s.port);
        *flags = eas_tls_verify_flags(&c.tls);
        *mbed_err = eas_tls_mbedtls_error(&c.tls);
        /* A failed connect leaves the object idle: sending is refused, closing is harmless. */
        size_t done = 1;
        if (e != EAS_OK && c.tr.send(c.tr.ctx, (const uint8_t *)"x", 1, &done) != EAS_ERR_STATE) e = EAS_ERR_ABORTED;
        c.tr.close(c.tr.ctx);
        eas_tls_free(&c.tls);
    }
    tls_server_stop(&s);
    return e;
}

TEST(tls_wrong_host_name_fails_verification)
{
    uint32_t flags = 0;
    int me = 0;
    eas_err e = connect_kind("wronghost", "ca.crt", "localhost", NULL, &flags, &me);
    CHECK_EQ(e, EAS_ERR_TLS_VERIFY);
    CHECK_EQ(flags, MBEDTLS_X509_BADCERT_CN_MISMATCH);
    char why[80];
    CHECK_OK(eas_tls_verify_describe(flags, why, sizeof why));
    CHECK_STR(why, "host name mismatch");
}

TEST(tls_untrusted_ca_fails_verification)
{
    uint32_t flags = 0;
    int me = 0;
    eas_err e = connect_kind("untrusted", "ca.crt", "localhost", NULL, &flags, &me);
    CHECK_EQ(e, EAS_ERR_TLS_VERIFY);
    CHECK_EQ(flags, MBEDTLS_X509_BADCERT_NOT_TRUSTED);
    CHECK_EQ(me, MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
}

TEST(tls_expired_certificate_fails_verification)
{
    uint32_t flags = 0;
    int me = 0;
    eas_err e = connect_kind("expired", "ca.crt", "localhost", NULL, &flags, &me);
    CHECK_EQ(e, EAS_ERR_TLS_VERIFY);
    CHECK_EQ(flags, MBEDTLS_X509_BADCERT_EXPIRED);
    char why[80];
    CHECK_OK(eas_tls_verify_describe(flags, why, sizeof why));
    CHECK_STR(why, "expired");
}

TEST(tls_tls11_only_server_refused)
{
    uint32_t flags = 0;
    int me = 0;
    eas_err e = connect_kind("tls11", "ca.crt", "localhost", NULL, &flags, &me);
    CHECK_EQ(e, EAS_ERR_TLS_HANDSHAKE);
    /* Its answer to our TLS 1.2-only suites: an alert, or a ServerHello of the wrong version. */
    CHECK_MSG(me == MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION || me == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, "mbedTLS %d", me);
    CHECK_EQ(flags, 0);
}

TEST(tls_offers_only_ecdhe_aead_on_strong_curves)
{
    uint32_t flags = 0;
    int me = 0;
    /* platform/tls_policy.h: a server that only has CBC suites, or only a 224-bit group, gets no
     * handshake; ChaCha20-Poly1305 alone, or X25519 alone, is enough. */
    CHECK_EQ(connect_kind("cbc", "ca.crt", "localhost", NULL, &flags, &me), EAS_ERR_TLS_HANDSHAKE);
    CHECK_EQ(connect_kind("p224", "ca.crt", "localhost", NULL, &flags, &me), EAS_ERR_TLS_HANDSHAKE);
    CHECK_OK(connect_kind("chacha", "ca.crt", "localhost", NULL, &flags, &me));
    CHECK_OK(connect_kind("x25519", "ca.crt", "localhost", NULL, &flags, &me));
}

TEST(tls_ip_literal_needs_a_server_name)
{
    uint32_t flags = 0;
    int me = 0;
    /* Never sent as SNI nor matched: refused before any byte goes out, with its own error. */
    CHECK_EQ(connect_kind("good", "ca.crt", "127.0.0.1", NULL, &flags, &me), EAS_ERR_TLS_IP_NAME);
    CHECK_EQ(connect_kind("good", "ca.crt", "::1", NULL, &flags, &me), EAS_ERR_TLS_IP_NAME);
    tls_client c;
    CHECK_EQ(client_init(&c, "ca.crt", "127.0.0.1"), EAS_ERR_TLS_IP_NAME);
    CHECK(eas_tls_is_ip_literal("10.0.2.2") && eas_tls_is_ip_literal("fe80::1") && !eas_tls_is_ip_literal("eas.test") &&
          !eas_tls_is_ip_literal("1.2.3") && !eas_tls_is_ip_literal("123"));
}

TEST(tls_server_name_overrides_connect_host)
{
    uint32_t flags = 0;
    int me = 0;
    /* A literal address to connect to, the certificate's name to check: passes. */
    CHECK_OK(connect_kind("good", "ca.crt", "127.0.0.1", "eas.test", &flags, &me));
    /* The wrong-host certificate is fine for the name it does carry. */
    CHECK_OK(connect_kind("wronghost", "ca.crt", "localhost", "eas.test", &flags, &me));
    /* And a name the certificate lacks fails even though the address is right. */
    CHECK_EQ(connect_kind("good", "ca.crt", "127.0.0.1", "other.test", &flags, &me), EAS_ERR_TLS_VERIFY);
    CHECK_EQ(flags, MBEDTLS_X509_BADCERT_CN_MISMATCH);
}

TEST(tls_server_name_only_for_its_host)
{
    uint32_t flags = 0;
    int me = 0;
    /* Given for the configured server's address, the name is used there (any case of the host) ... */
    name_for = "127.0.0.1";
    CHECK_OK(connect_kind("good", "ca.crt", "127.0.0.1", "eas.test", &flags, &me));
    name_for = "LocalHost";
    CHECK_OK(connect_kind("wronghost", "ca.crt", "localhost", "eas.test", &flags, &me));
    /* ... and nowhere else: a redirect or discovery host is checked against its own name, so the
     * wrong-host certificate (it carries eas.test, not localhost) fails there. */
    name_for = "127.0.0.1";
    CHECK_EQ(connect_kind("wronghost", "ca.crt", "localhost", "eas.test", &flags, &me), EAS_ERR_TLS_VERIFY);
    CHECK_EQ(flags, MBEDTLS_X509_BADCERT_CN_MISMATCH);
    /* An address that is not the one the name stands for has no name to send: refused as any literal. */
    name_for = "eas.test";
    CHECK_EQ(connect_kind("good", "ca.crt", "127.0.0.1", "eas.test", &flags, &me), EAS_ERR_TLS_IP_NAME);
    name_for = NULL;
}

TEST(tls_ca_bundle_with_several_certificates)
{
    CHECK(tls_certs());
    /* rogue-ca first, then the real one: a bundle, as a system store would be. */
    static uint8_t a[8192], b[8192], bundle[16384];
    size_t na = tls_load("rogue-ca.crt", a, sizeof a), nb = tls_load("ca.crt", b, sizeof b);
    CHECK(na > 1 && nb > 1);
    memcpy(bundle, a, na - 1);
    memcpy(bundle + na - 1, b, nb);
    tls_server s;
    CHECK(tls_server_start(&s, "good"));
    tls_client c;
    memset(&c, 0, sizeof c);
    eas_posix_tcp_init(&c.tcp, &c.tcp_if);
    eas_posix_entropy_init(&c.entropy);
    eas_tls_config cfg = {bundle, na - 1 + nb, NULL, NULL};
    eas_err e = eas_tls_init(&c.tls, &c.tcp_if, &c.entropy, &cfg);
    c.tr = eas_tls_transport(&c.tls);
    eas_err ce = e == EAS_OK ? client_connect(&c, "localhost", s.port) : e;
    if (e == EAS_OK) eas_tls_free(&c.tls);
    tls_server_stop(&s);
    CHECK_OK(e);
    CHECK_OK(ce);
}

TEST(tls_config_errors)
{
    eas_posix_tcp tcp;
    eas_transport tcp_if;
    eas_entropy ent;
    eas_posix_tcp_init(&tcp, &tcp_if);
    eas_posix_entropy_init(&ent);
    static eas_tls t;
    static const uint8_t junk[] = "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
    eas_tls_config cfg = {junk, sizeof junk, NULL, NULL};
    CHECK_EQ(eas_tls_init(&t, &tcp_if, &ent, &cfg), EAS_ERR_TLS_CONFIG);
    cfg.ca = NULL;
    CHECK_EQ(eas_tls_init(&t, &tcp_if, &ent, &cfg), EAS_ERR_ARG);
    CHECK_EQ(eas_tls_init(&t, &tcp_if, &ent, NULL), EAS_ERR_ARG);
    eas_transport broken = tcp_if;
    broken.recv = NULL;
    cfg.ca = junk;
    CHECK_EQ(eas_tls_init(&t, &broken, &ent, &cfg), EAS_ERR_ARG);

    /* The DRBG is seeded from the PAL's entropy at once: a failing source fails init with its error. */
    CHECK(tls_certs());
    size_t n = tls_load("ca.crt", pem_buf, sizeof pem_buf);
    CHECK(n > 0);
    eas_entropy bad = {NULL, failing_entropy};
    eas_tls_config good = {pem_buf, n, NULL, NULL};
    tls_entropy_fail_calls = 0;
    CHECK_EQ(eas_tls_init(&t, &tcp_if, &bad, &good), EAS_ERR_IO);
    CHECK(tls_entropy_fail_calls > 0);

    /* A PEM without its NUL counted is not PEM to mbedTLS (and not DER either). */
    good.ca_len = n - 1;
    CHECK_EQ(eas_tls_init(&t, &tcp_if, &ent, &good), EAS_ERR_TLS_CONFIG);

    /* A valid setup: nothing works before connect, close is harmless. */
    good.ca_len = n;
    CHECK_OK(eas_tls_init(&t, &tcp_if, &ent, &good));
    uint8_t buf[4];
    size_t done = 9;
    CHECK_EQ(eas_tls_send(&t, buf, sizeof buf, &done), EAS_ERR_STATE);
    CHECK_EQ(done, 0);
    CHECK_EQ(eas_tls_recv(&t, buf, sizeof buf, &done), EAS_ERR_STATE);
    eas_tls_close(&t);
    eas_tls_close(&t);
    CHECK_EQ(eas_tls_connect(&t, "", 443), EAS_ERR_ARG);
    char longname[EAS_TLS_HOST_MAX + 8];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    CHECK_EQ(eas_tls_connect(&t, longname, 443), EAS_ERR_NOSPACE);
    eas_tls_free(&t);
}

TEST(tls_connect_refused_is_a_network_error)
{
    /* A port nobody listens on: the TCP error comes through the TLS layer unchanged. */
    CHECK(tls_certs());
    tls_client c;
    CHECK_OK(client_init(&c, "ca.crt", NULL));
    tls_server s;
    int started = tls_server_start(&s, "good");
    uint16_t port = s.port;
    tls_server_stop(&s); /* now nothing listens there */
    eas_err e = started ? client_connect(&c, "localhost", port) : EAS_ERR_IO;
    int state = c.tls.state;
    eas_tls_free(&c.tls);
    CHECK(started);
    CHECK_EQ(e, EAS_ERR_NET_CONNECT);
    CHECK_EQ(state, EAS_TLS_IDLE);
}

TEST(tls_verify_describe_lists_reasons)
{
    char buf[128];
    CHECK_OK(eas_tls_verify_describe(0, buf, sizeof buf));
    CHECK_STR(buf, "");
    CHECK_OK(eas_tls_verify_describe(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_NOT_TRUSTED, buf,
                                     sizeof buf));
    CHECK_STR(buf, "expired, not trusted (unknown CA)");
    CHECK_OK(eas_tls_verify_describe(MBEDTLS_X509_BADCERT_FUTURE, buf, sizeof buf));
    CHECK_STR(buf, "not yet valid");
    CHECK_OK(eas_tls_verify_describe(0x80000000u, buf, sizeof buf));
    CHECK_STR(buf, "unknown reason");
    char small[10];
    CHECK_EQ(eas_tls_verify_describe(MBEDTLS_X509_BADCERT_CN_MISMATCH, small, sizeof small), EAS_ERR_NOSPACE);
    CHECK(strlen(small) < sizeof small);
    CHECK_EQ(eas_tls_verify_describe(1, NULL, 4), EAS_ERR_ARG);
}

/* A shim between TLS and the real TCP transport that can hold writes back (as a full socket buffer
 * would) and cut every read and write to a few bytes (as a slow link would), to drive mbedTLS through
 * its WANT_WRITE and WANT_READ paths on purpose. */
typedef struct {
    eas_transport inner;
    int gate_closed;
    size_t trickle;
    int send_calls;
    int recv_calls;
} tls_shim;

static eas_err shim_connect(void *ctx, const char *host, uint16_t port)
{
    tls_shim *s = ctx;
    return s->inner.connect(s->inner.ctx, host, port);
}
static eas_err shim_send(void *ctx, const uint8_t *buf, size_t len, size_t *done)
{
    tls_shim *s = ctx;
    *done = 0;
    if (s->gate_closed) return EAS_ERR_WOULD_BLOCK;
    s->send_calls++;
    return s->inner.send(s->inner.ctx, buf, len < s->trickle ? len : s->trickle, done);
}
static eas_err shim_recv(void *ctx, uint8_t *buf, size_t len, size_t *done)
{
    tls_shim *s = ctx;
    s->recv_calls++;
    return s->inner.recv(s->inner.ctx, buf, len < s->trickle ? len : s->trickle, done);
}
static void shim_close(void *ctx)
{
    tls_shim *s = ctx;
    s->inner.close(s->inner.ctx);
}

static void tls_trickle_body(tls_server *s)
{
    static tls_client c;
    static tls_shim shim;
    memset(&c, 0, sizeof c);
    memset(&shim, 0, sizeof shim);
    eas_posix_tcp_init(&c.tcp, &shim.inner);
    shim.trickle = 7;
    eas_transport shim_if = {&shim, shim_connect, shim_send, shim_recv, shim_close, NULL};
    eas_posix_entropy_init(&c.entropy);
    size_t n = tls_load("ca.crt", pem_buf, sizeof pem_buf);
    CHECK(n > 0);
    eas_tls_config cfg = {pem_buf, n, NULL, NULL};
    CHECK_OK(eas_tls_init(&c.tls, &shim_if, &c.entropy, &cfg));
    c.tr = eas_tls_transport(&c.tls);
    eas_err e = client_connect(&c, "localhost", s->port);
    if (e != EAS_OK) eas_tls_free(&c.tls);
    CHECK_OK(e);
    CHECK(shim.recv_calls > 100); /* the handshake arrived 7 bytes at a time */

    static const char req[] = "GET / HTTP/1.0\r\n\r\n";
    size_t done = 99;
    shim.gate_closed = 1;
    e = c.tr.send(c.tr.ctx, (const uint8_t *)req, strlen(req), &done);
    int ww = eas_tls_want_write(&c.tls);
    size_t pending = c.tls.write_pending;
    /* Retrying with fewer bytes than mbedTLS sealed would lose the difference: refused. */
    eas_err shorter = c.tr.send(c.tr.ctx, (const uint8_t *)req, strlen(req) - 1, &done);
    shim.gate_closed = 0;
    int sends_before = shim.send_calls;
    int retries = 0;
    eas_err r = EAS_ERR_WOULD_BLOCK;
    for (; r == EAS_ERR_WOULD_BLOCK && retries < 100; retries++)
        r = c.tr.send(c.tr.ctx, (const uint8_t *)req, strlen(req), &done);
    int flushes = shim.send_calls - sends_before;
    size_t got = 0;
    eas_err rd = r == EAS_OK ? client_read_all(&c, page, sizeof page, &got) : r;
    c.tr.close(c.tr.ctx);
    eas_tls_free(&c.tls);
    CHECK_EQ(e, EAS_ERR_WOULD_BLOCK);
    CHECK(ww);
    CHECK_EQ(pending, strlen(req));
    CHECK_EQ(shorter, EAS_ERR_ARG);
    CHECK_OK(r);
    CHECK_EQ(done, strlen(req)); /* the whole request went, once */
    CHECK(flushes >= 6);         /* ... as a record of 40+ bytes in 7-byte pieces */
    CHECK_EQ(rd, EAS_ERR_NET_CLOSED);
    CHECK_MSG(strncmp(page, "HTTP/1.0 200 ok\r\n", 17) == 0, "response: %.40s", page);
}

TEST(tls_partial_io_and_blocked_writes)
{
    tls_server s;
    CHECK_MSG(tls_server_start(&s, "good"), "cannot start openssl s_server");
    tls_trickle_body(&s);
    tls_server_stop(&s);
}
