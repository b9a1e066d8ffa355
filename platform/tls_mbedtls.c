/* TLS client on mbedTLS 2.28 over any eas_transport. See tls.h for the contract. */
#include "tls.h"

#include <limits.h>
#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl_internal.h> /* handshake->resume: 2.28 has no public "was this resumed" call */
#include <mbedtls/version.h>
#include <mbedtls/x509.h>

#include "eas/bytes.h"
#include "tls_policy.h"

/* A TLS 1.2 client handshake takes about 20 state steps; a call that has stepped this often without
 * waiting for I/O is broken, not slow. */
#define EAS_TLS_MAX_STEPS 64

static const char eas_tls_pers[] = "easagent tls";

/* What is offered: platform/tls_policy.h, the same lists on the host and the firmware. */
static const int eas_tls_suites[] = {EAS_TLS_CIPHERSUITES, 0};
static const mbedtls_ecp_group_id eas_tls_curves[] = {EAS_TLS_CURVES, MBEDTLS_ECP_DP_NONE};
static const int eas_tls_sig_hashes[] = {MBEDTLS_MD_SHA512, MBEDTLS_MD_SHA384, MBEDTLS_MD_SHA256, MBEDTLS_MD_NONE};
/* Certificates of the chain: SHA-256 or better, RSA of 2048 bits or more, EC keys on P-256 or P-384. */
static const mbedtls_x509_crt_profile eas_tls_cert_profile = {
    MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA256) | MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA384) |
        MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA512),
    0xFFFFFFF, /* any public-key algorithm (RSA, EC) */
    MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP256R1) | MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP384R1),
    2048,
};

/* An IPv4 or IPv6 literal: it may not be sent as SNI (RFC 6066), and mbedTLS 2.28 checks only the DNS
 * names of a certificate, so a connection to an address needs the certificate's name (server_name). */
int eas_tls_is_ip_literal(const char *host)
{
    int dots = 0, digits = 0;
    if (!host || !*host) return 0;
    if (strchr(host, ':')) return 1; /* never in a DNS name */
    for (const char *p = host; *p; p++) {
        if (*p == '.') dots++;
        else if (*p >= '0' && *p <= '9') digits++;
        else return 0;
    }
    return digits > 0 && dots == 3;
}

static int eas_tls_drbg_entropy(void *ctx, unsigned char *buf, size_t len)
{
    eas_tls *t = ctx;
    eas_err e = t->entropy.fill(t->entropy.ctx, buf, len);
    if (e != EAS_OK) {
        t->entropy_err = e;
        return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
    }
    return 0;
}

/* mbedTLS I/O over the inner transport: "would block" becomes WANT_READ/WANT_WRITE so that mbedTLS
 * keeps its state and the same call can be repeated later. */
static int eas_tls_bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    eas_tls *t = ctx;
    size_t done = 0;
    if (len > INT_MAX) len = INT_MAX;
    eas_err e = t->inner.send(t->inner.ctx, buf, len, &done);
    if (e == EAS_OK && done > 0 && done <= len) return (int)done;
    if (e == EAS_ERR_WOULD_BLOCK) return MBEDTLS_ERR_SSL_WANT_WRITE;
    t->io_err = e == EAS_OK ? EAS_ERR_NET_IO : e;
    return MBEDTLS_ERR_NET_SEND_FAILED;
}

static int eas_tls_bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    eas_tls *t = ctx;
    size_t done = 0;
    if (len > INT_MAX) len = INT_MAX;
    eas_err e = t->inner.recv(t->inner.ctx, buf, len, &done);
    if (e == EAS_OK && done > 0 && done <= len) return (int)done;
    if (e == EAS_ERR_WOULD_BLOCK) return MBEDTLS_ERR_SSL_WANT_READ;
    if (e == EAS_ERR_NET_CLOSED) return 0; /* EOF: mbedTLS reports it as MBEDTLS_ERR_SSL_CONN_EOF */
    t->io_err = e == EAS_OK ? EAS_ERR_NET_IO : e;
    return MBEDTLS_ERR_NET_RECV_FAILED;
}

static void eas_tls_release(eas_tls *t)
{
    mbedtls_ssl_free(&t->ssl);
    mbedtls_ssl_config_free(&t->conf);
    mbedtls_x509_crt_free(&t->ca);
    mbedtls_ctr_drbg_free(&t->drbg);
    mbedtls_ssl_session_free(&t->session);
}

eas_err eas_tls_init(eas_tls *t, const eas_transport *tcp, const eas_entropy *entropy, const eas_tls_config *cfg)
{
    if (!t || !tcp || !entropy || !cfg) return EAS_ERR_ARG;
    if (!tcp->connect || !tcp->send || !tcp->recv || !tcp->close || !entropy->fill) return EAS_ERR_ARG;
    if (!cfg->ca || cfg->ca_len == 0) return EAS_ERR_ARG;
    if (cfg->server_name && (cfg->server_name[0] == '\0' || strlen(cfg->server_name) >= EAS_TLS_HOST_MAX))
        return EAS_ERR_ARG;
    if (cfg->server_name && eas_tls_is_ip_literal(cfg->server_name)) return EAS_ERR_TLS_IP_NAME;

    memset(t, 0, sizeof *t);
    t->inner = *tcp;
    t->entropy = *entropy;
    t->server_name = cfg->server_name;
    t->server_name_for = cfg->server_name_for;
    mbedtls_ssl_init(&t->ssl);
    mbedtls_ssl_config_init(&t->conf);
    mbedtls_x509_crt_init(&t->ca);
    mbedtls_ctr_drbg_init(&t->drbg);
    mbedtls_ssl_session_init(&t->session);

    eas_err err = EAS_ERR_TLS_CONFIG;
    int ret = mbedtls_ctr_drbg_seed(&t->drbg, eas_tls_drbg_entropy, t, (const unsigned char *)eas_tls_pers,
                                    sizeof eas_tls_pers - 1);
    if (ret != 0) {
        if (t->entropy_err != EAS_OK) err = t->entropy_err;
        goto fail;
    }
    /* A bundle may hold certificates mbedTLS cannot read (a positive return counts them): usable as long
     * as one parsed. */
    ret = mbedtls_x509_crt_parse(&t->ca, cfg->ca, cfg->ca_len);
    if (ret < 0 || t->ca.version == 0) goto fail;

    ret = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                      MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0) goto fail;
    mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
    mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
    mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_ciphersuites(&t->conf, eas_tls_suites);
    mbedtls_ssl_conf_curves(&t->conf, eas_tls_curves);
    mbedtls_ssl_conf_sig_hashes(&t->conf, eas_tls_sig_hashes);
    mbedtls_ssl_conf_cert_profile(&t->conf, &eas_tls_cert_profile);
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
    mbedtls_ssl_conf_session_tickets(&t->conf, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
#endif
#if defined(MBEDTLS_SSL_RENEGOTIATION)
    mbedtls_ssl_conf_renegotiation(&t->conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
#endif
    ret = mbedtls_ssl_setup(&t->ssl, &t->conf);
    if (ret != 0) goto fail;
    mbedtls_ssl_set_bio(&t->ssl, t, eas_tls_bio_send, eas_tls_bio_recv, NULL);
    t->state = EAS_TLS_IDLE;
    return EAS_OK;

fail:
    t->mbedtls_err = ret;
    eas_tls_release(t);
    return err;
}

void eas_tls_free(eas_tls *t)
{
    if (!t) return;
    eas_tls_close(t);
    eas_tls_release(t);
}

const char *eas_tls_library(void) { return MBEDTLS_VERSION_STRING_FULL; }

static unsigned tls_hints(void *ctx)
{
    return (eas_tls_has_pending(ctx) ? EAS_TRANSPORT_READABLE_NOW : 0u) |
           (eas_tls_want_write(ctx) ? EAS_TRANSPORT_WANTS_WRITE : 0u);
}

eas_transport eas_tls_transport(eas_tls *t)
{
    eas_transport tr = {t, eas_tls_connect, eas_tls_send, eas_tls_recv, eas_tls_close, tls_hints};
    return tr;
}

/* The name to send and check for a connection to host: server_name only for the host it stands for. */
static const char *tls_name_for(const eas_tls *t, const char *host)
{
    if (t->server_name && (!t->server_name_for || eas_ascii_ieq(host, strlen(host), t->server_name_for))) return t->server_name;
    return host;
}

static const char *eas_tls_name(const eas_tls *t) { return tls_name_for(t, t->host); }

/* Ends a connection that failed: the inner transport is closed and mbedTLS made ready for a new one. */
static void eas_tls_abort(eas_tls *t)
{
    t->inner.close(t->inner.ctx);
    mbedtls_ssl_session_reset(&t->ssl);
    t->state = EAS_TLS_IDLE;
    t->write_pending = 0;
}

/* Maps a fatal mbedTLS return and ends the connection. */
static eas_err eas_tls_fail(eas_tls *t, int ret, int handshaking)
{
    eas_err e;
    t->mbedtls_err = ret;
    if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        t->verify_flags = mbedtls_ssl_get_verify_result(&t->ssl);
        e = EAS_ERR_TLS_VERIFY;
    } else if ((ret == MBEDTLS_ERR_NET_SEND_FAILED || ret == MBEDTLS_ERR_NET_RECV_FAILED) && t->io_err != EAS_OK) {
        e = t->io_err;
    } else if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || ret == MBEDTLS_ERR_SSL_CONN_EOF) {
        e = handshaking ? EAS_ERR_TLS_HANDSHAKE : EAS_ERR_NET_CLOSED;
    } else {
        e = handshaking ? EAS_ERR_TLS_HANDSHAKE : EAS_ERR_TLS_IO;
    }
    eas_tls_abort(t);
    return e;
}

static eas_err eas_tls_begin(eas_tls *t, const char *host, uint16_t port)
{
    size_t n = strlen(host);
    if (n == 0) return EAS_ERR_ARG;
    if (n >= sizeof t->host) return EAS_ERR_NOSPACE;
    if (eas_tls_is_ip_literal(tls_name_for(t, host))) return EAS_ERR_TLS_IP_NAME;
    memcpy(t->host, host, n + 1);
    t->port = port;
    t->resumed = 0;
    t->verify_flags = 0;
    t->mbedtls_err = 0;
    t->io_err = EAS_OK;
    t->write_pending = 0;
    int ret = mbedtls_ssl_session_reset(&t->ssl);
    if (ret == 0) ret = mbedtls_ssl_set_hostname(&t->ssl, eas_tls_name(t));
    if (ret != 0) {
        t->mbedtls_err = ret;
        return EAS_ERR_TLS_CONFIG;
    }
    /* Only offer the session to the server it came from; a refused session costs a full handshake,
     * nothing more, so a failure to set it is not an error. */
    if (t->have_session && t->session_port == port && strcmp(t->session_name, eas_tls_name(t)) == 0)
        (void)mbedtls_ssl_set_session(&t->ssl, &t->session);
    t->state = EAS_TLS_TCP;
    return EAS_OK;
}

static void eas_tls_keep_session(eas_tls *t)
{
    const char *name = eas_tls_name(t);
    size_t n = strlen(name);
    t->have_session = 0;
    if (n >= sizeof t->session_name) return;
    /* get_session frees what the destination held before copying into it. */
    if (mbedtls_ssl_get_session(&t->ssl, &t->session) != 0) return;
    memcpy(t->session_name, name, n + 1);
    t->session_port = t->port;
    t->have_session = 1;
}

eas_err eas_tls_connect(void *ctx, const char *host, uint16_t port)
{
    eas_tls *t = ctx;
    if (!t || !host) return EAS_ERR_ARG;
    if (t->state == EAS_TLS_OPEN) return EAS_OK;
    if (t->state == EAS_TLS_IDLE) {
        eas_err e = eas_tls_begin(t, host, port);
        if (e != EAS_OK) return e;
    } else if (strcmp(host, t->host) != 0 || port != t->port) {
        return EAS_ERR_STATE; /* finishing one connection while asked for another */
    }

    if (t->state == EAS_TLS_TCP) {
        eas_err e = t->inner.connect(t->inner.ctx, t->host, t->port);
        if (e == EAS_ERR_WOULD_BLOCK) {
            t->want_write = 1;
            return e;
        }
        if (e != EAS_OK) {
            eas_tls_abort(t);
            return e;
        }
        t->state = EAS_TLS_HANDSHAKE;
    }

    for (int step = 0; step < EAS_TLS_MAX_STEPS; step++) {
        if (t->ssl.state == MBEDTLS_SSL_HANDSHAKE_OVER) {
            t->state = EAS_TLS_OPEN;
            t->handshakes++;
            if (t->resumed) t->resumptions++;
            eas_tls_keep_session(t);
            return EAS_OK;
        }
        int ret = mbedtls_ssl_handshake_step(&t->ssl);
        /* resume is set when a session is offered and cleared by a ServerHello that refuses it, so it is
         * the answer once the ServerHello is behind us (and until the wrap-up frees the handshake). */
        if (t->ssl.handshake && t->ssl.state > MBEDTLS_SSL_SERVER_HELLO) t->resumed = t->ssl.handshake->resume != 0;
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
            t->want_write = ret == MBEDTLS_ERR_SSL_WANT_WRITE;
            return EAS_ERR_WOULD_BLOCK;
        }
        if (ret != 0) return eas_tls_fail(t, ret, 1);
    }
    t->mbedtls_err = 0;
    eas_tls_abort(t);
    return EAS_ERR_TLS_HANDSHAKE;
}

eas_err eas_tls_send(void *ctx, const uint8_t *buf, size_t len, size_t *done)
{
    eas_tls *t = ctx;
    if (!t || !buf || !done || len == 0) return EAS_ERR_ARG;
    *done = 0;
    if (t->state != EAS_TLS_OPEN) return EAS_ERR_STATE;
    size_t n = len;
    if (t->write_pending) {
        /* mbedTLS answers the retry with the length it is given, trusting that it is the record it
         * already sealed: give it exactly that. */
        if (len < t->write_pending) return EAS_ERR_ARG;
        n = t->write_pending;
    }
    int ret = mbedtls_ssl_write(&t->ssl, buf, n);
    if (ret > 0) {
        t->write_pending = 0;
        *done = (size_t)ret;
        return EAS_OK;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == MBEDTLS_ERR_SSL_WANT_READ) {
        if (!t->write_pending) {
            int max = mbedtls_ssl_get_max_out_record_payload(&t->ssl);
            t->write_pending = (max > 0 && n > (size_t)max) ? (size_t)max : n;
        }
        t->want_write = ret == MBEDTLS_ERR_SSL_WANT_WRITE;
        return EAS_ERR_WOULD_BLOCK;
    }
    return eas_tls_fail(t, ret, 0);
}

eas_err eas_tls_recv(void *ctx, uint8_t *buf, size_t len, size_t *done)
{
    eas_tls *t = ctx;
    if (!t || !buf || !done || len == 0) return EAS_ERR_ARG;
    *done = 0;
    if (t->state != EAS_TLS_OPEN) return EAS_ERR_STATE;
    int ret = mbedtls_ssl_read(&t->ssl, buf, len);
    if (ret > 0) {
        *done = (size_t)ret;
        return EAS_OK;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
        t->want_write = ret == MBEDTLS_ERR_SSL_WANT_WRITE;
        return EAS_ERR_WOULD_BLOCK;
    }
    /* The peer is done (close_notify or TCP EOF): the connection stays open for close(); nothing more
     * will come, and every further recv says so again. */
    if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || ret == MBEDTLS_ERR_SSL_CONN_EOF) {
        t->mbedtls_err = ret;
        return EAS_ERR_NET_CLOSED;
    }
    return eas_tls_fail(t, ret, 0);
}

void eas_tls_close(void *ctx)
{
    eas_tls *t = ctx;
    if (!t || t->state == EAS_TLS_IDLE) return;
    /* One non-blocking attempt at close_notify: a server that misses it loses nothing we need. */
    if (t->state == EAS_TLS_OPEN) (void)mbedtls_ssl_close_notify(&t->ssl);
    eas_tls_abort(t);
}

int eas_tls_want_write(const eas_tls *t) { return t->want_write; }

int eas_tls_has_pending(const eas_tls *t)
{
    if (t->state != EAS_TLS_OPEN) return 0;
    return mbedtls_ssl_get_bytes_avail(&t->ssl) > 0 || mbedtls_ssl_check_pending(&t->ssl) != 0;
}

int eas_tls_resumed(const eas_tls *t) { return t->resumed; }
uint32_t eas_tls_verify_flags(const eas_tls *t) { return t->verify_flags; }
int eas_tls_mbedtls_error(const eas_tls *t) { return t->mbedtls_err; }

void eas_tls_forget_session(eas_tls *t)
{
    mbedtls_ssl_session_free(&t->session);
    mbedtls_ssl_session_init(&t->session);
    t->have_session = 0;
}

eas_err eas_tls_verify_describe(uint32_t flags, char *buf, size_t cap)
{
    static const struct {
        uint32_t bit;
        const char *text;
    } reasons[] = {
        {MBEDTLS_X509_BADCERT_EXPIRED, "expired"},
        {MBEDTLS_X509_BADCERT_FUTURE, "not yet valid"},
        {MBEDTLS_X509_BADCERT_CN_MISMATCH, "host name mismatch"},
        {MBEDTLS_X509_BADCERT_NOT_TRUSTED, "not trusted (unknown CA)"},
        {MBEDTLS_X509_BADCERT_REVOKED, "revoked"},
        {MBEDTLS_X509_BADCERT_MISSING, "no certificate"},
        {MBEDTLS_X509_BADCERT_KEY_USAGE, "key usage not allowed"},
        {MBEDTLS_X509_BADCERT_EXT_KEY_USAGE, "not a server certificate"},
        {MBEDTLS_X509_BADCERT_NS_CERT_TYPE, "certificate type not allowed"},
        {MBEDTLS_X509_BADCERT_BAD_MD, "weak signature hash"},
        {MBEDTLS_X509_BADCERT_BAD_PK, "unacceptable key type"},
        {MBEDTLS_X509_BADCERT_BAD_KEY, "weak key"},
        {MBEDTLS_X509_BADCRL_NOT_TRUSTED | MBEDTLS_X509_BADCRL_EXPIRED | MBEDTLS_X509_BADCRL_FUTURE |
             MBEDTLS_X509_BADCRL_BAD_MD | MBEDTLS_X509_BADCRL_BAD_PK | MBEDTLS_X509_BADCRL_BAD_KEY,
         "CRL problem"},
        {MBEDTLS_X509_BADCERT_OTHER | MBEDTLS_X509_BADCERT_SKIP_VERIFY, "other"},
    };
    if (!buf || cap == 0) return EAS_ERR_ARG;
    size_t pos = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
        if (!(flags & reasons[i].bit)) continue;
        const char *sep = pos ? ", " : "";
        size_t need = strlen(sep) + strlen(reasons[i].text);
        if (pos + need >= cap) return EAS_ERR_NOSPACE;
        memcpy(buf + pos, sep, strlen(sep));
        memcpy(buf + pos + strlen(sep), reasons[i].text, strlen(reasons[i].text) + 1);
        pos += need;
    }
    if (pos == 0 && flags != 0) {
        static const char unknown[] = "unknown reason";
        if (sizeof unknown > cap) return EAS_ERR_NOSPACE;
        memcpy(buf, unknown, sizeof unknown);
    }
    return EAS_OK;
}
