/* TLS on mbedTLS (2.28): an eas_transport that wraps another eas_transport (the port's TCP) and is
 * itself an eas_transport, so the core sees one byte stream and never learns which it got.
 *
 * Everything is non-blocking: connect() does the TCP connect and then the handshake, one piece per call,
 * answering EAS_ERR_WOULD_BLOCK until both are done; eas_tls_want_write() tells a poll() caller which
 * way the connection is stuck. The caller owns the eas_tls struct (static memory, never moved after
 * eas_tls_init: mbedTLS keeps pointers into it). Our code never allocates; the host's mbedTLS does
 * internally (record buffers, parsed certificates), an embedded build gives mbedTLS a static heap (see
 * docs/PORTING.md).
 *
 * Security is not configurable downwards: the server certificate is always verified
 * (MBEDTLS_SSL_VERIFY_REQUIRED) against the configured CA(s), the host name is always checked against
 * the certificate, and nothing older than TLS 1.2 is accepted. What is offered (ECDHE with AEAD suites,
 * X25519/P-256/P-384) is platform/tls_policy.h, the same on the host and the firmware. Certificate dates are checked with the
 * time mbedTLS gets from the platform (MBEDTLS_HAVE_TIME_DATE).
 *
 * After a full handshake the session (with the server's ticket, if it sent one) is kept and offered on
 * the next connect to the same server name and port; eas_tls_resumed() says whether the server took it. */
#ifndef EAS_TLS_H
#define EAS_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "eas/config.h"
#include "pal.h"

typedef struct eas_tls_config {
    /* Trusted CA certificate(s): a PEM bundle (one or more certificates; ca_len counts the terminating
     * NUL, as mbedTLS requires for PEM) or a single DER certificate. A bundle for public servers or the
     * one pinned CA of a private server. Parsed at eas_tls_init; the buffer need not outlive it. */
    const uint8_t *ca;
    size_t ca_len;
    /* Name sent as SNI and checked against the certificate. NULL: the host given to connect(). Must
     * outlive the eas_tls when set. Needed to connect to a literal address: an IP literal is never sent
     * as SNI nor checked (mbedTLS 2.28 matches DNS names only), connect() refuses it with
     * EAS_ERR_TLS_IP_NAME, and so does init for an IP literal here. */
    const char *server_name;
    /* The one connect host that server_name stands for (compared without case), so that a redirect,
     * a discovery or a sign-in host is checked against its own name and never against the configured
     * server's. NULL: every host (a port that only ever talks to one server). Must outlive the eas_tls. */
    const char *server_name_for;
} eas_tls_config;

enum { EAS_TLS_IDLE, EAS_TLS_TCP, EAS_TLS_HANDSHAKE, EAS_TLS_OPEN };

typedef struct eas_tls {
    eas_transport inner;
    eas_entropy entropy;
    const char *server_name;
    const char *server_name_for;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ssl_session session;    /* the last good session, offered again for resumption */
    char host[EAS_TLS_HOST_MAX];     /* what connect() was asked for, while connecting or connected */
    char session_name[EAS_TLS_HOST_MAX];
    uint16_t port;
    uint16_t session_port;
    uint8_t state;
    uint8_t have_session;
    uint8_t resumed;                /* the last handshake resumed the kept session */
    uint8_t want_write;
    eas_err io_err;                 /* what the inner transport said when mbedTLS saw an I/O failure */
    eas_err entropy_err;
    int mbedtls_err;                /* the last mbedTLS error code (negative), 0 when none */
    uint32_t verify_flags;          /* MBEDTLS_X509_BADCERT_* of the last failed verification */
    size_t write_pending;           /* bytes of a record mbedTLS has queued but not flushed */
    uint32_t handshakes;            /* completed handshakes ... */
    uint32_t resumptions;           /* ... and how many of them were resumptions */
} eas_tls;

/* Sets the object up over tcp (copied) with entropy (copied; seeds the CTR_DRBG now and on reseed).
 * EAS_ERR_ARG for a missing piece, EAS_ERR_TLS_CONFIG when no CA certificate parses or mbedTLS cannot be
 * set up, or the entropy source's own error. On failure the object needs no eas_tls_free. */
eas_err eas_tls_init(eas_tls *t, const eas_transport *tcp, const eas_entropy *entropy, const eas_tls_config *cfg);
/* Closes the connection if any and releases what mbedTLS holds; the object may be initialised again. */
void eas_tls_free(eas_tls *t);
/* The TLS library and its version, e.g. "mbed TLS 2.28.3". */
const char *eas_tls_library(void);
/* The eas_transport view of t (ctx = t). */
eas_transport eas_tls_transport(eas_tls *t);

/* The transport functions themselves (ctx is the eas_tls). connect fails with EAS_ERR_TLS_VERIFY (see
 * eas_tls_verify_flags), EAS_ERR_TLS_HANDSHAKE (see eas_tls_mbedtls_error), or the inner transport's
 * EAS_ERR_NET_*; a failed connect leaves the object idle, ready for another connect. After send answered
 * EAS_ERR_WOULD_BLOCK, the next send must start with the same bytes (mbedTLS has already sealed them into
 * a record); passing fewer than before fails with EAS_ERR_ARG. recv answers EAS_ERR_NET_CLOSED on the
 * peer's close_notify or on a TCP close. */
eas_err eas_tls_connect(void *ctx, const char *host, uint16_t port);
eas_err eas_tls_send(void *ctx, const uint8_t *buf, size_t len, size_t *done);
eas_err eas_tls_recv(void *ctx, uint8_t *buf, size_t len, size_t *done);
void eas_tls_close(void *ctx);

/* After EAS_ERR_WOULD_BLOCK: nonzero when the connection waits to become writable (TCP connect in
 * progress, a full socket buffer), zero when it waits for bytes from the server. */
int eas_tls_want_write(const eas_tls *t);
/* Nonzero when mbedTLS holds received bytes not yet returned by recv: call recv again before sleeping
 * on the socket, which may have nothing more to say. */
int eas_tls_has_pending(const eas_tls *t);
/* Nonzero when the last completed handshake resumed the previous session. */
int eas_tls_resumed(const eas_tls *t);
/* MBEDTLS_X509_BADCERT_* bits of the last EAS_ERR_TLS_VERIFY (EXPIRED, FUTURE, CN_MISMATCH,
 * NOT_TRUSTED, ...), 0 otherwise. */
uint32_t eas_tls_verify_flags(const eas_tls *t);
/* The mbedTLS error code behind the last failure (negative), 0 when none. */
int eas_tls_mbedtls_error(const eas_tls *t);
/* Writes a short English list of the reasons in verify flags, e.g. "expired, host name mismatch", into
 * buf (always NUL-terminated when cap > 0). EAS_ERR_NOSPACE when truncated. */
eas_err eas_tls_verify_describe(uint32_t flags, char *buf, size_t cap);
/* Nonzero when host is an IPv4 (dotted) or IPv6 literal. */
int eas_tls_is_ip_literal(const char *host);
/* Drops the kept session: the next connect does a full handshake. */
void eas_tls_forget_session(eas_tls *t);

#endif
