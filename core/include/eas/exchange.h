/* One HTTP exchange over the PAL's byte streams: connect (TLS or plain, by the URL's scheme), send a
 * request built whole in EAS_REQUEST_MAX bytes, receive the response in EAS_RX_CHUNK pieces through the
 * HTTP parser into the caller's callbacks, and say how it ended. It knows nothing of ActiveSync: the
 * agent's commands, a JSON POST to an identity provider or a GET of an Autodiscover document all go
 * through it, each described by an eas_exchange_request. Like coreMQTT's receive loop it only moves
 * bytes and reports an outcome; what a response means is its caller's business, and it never calls
 * back into the caller's state machine (the callbacks of the request only see bytes).
 *
 * What it does on its own: a request sent on a connection kept from the exchange before, which the
 * server had closed without a word (sogod closes after every response), is sent once more on a fresh
 * connection, when nothing of a response had arrived. */
#ifndef EAS_EXCHANGE_H
#define EAS_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "eas/ashttp.h"
#include "eas/config.h"
#include "eas/err.h"
#include "eas/http.h"
#include "eas/sink.h"
#include "eas/url.h"
#include "pal.h"

#if EAS_REQUEST_MAX > 65535
#error "EAS_REQUEST_MAX is at most 65535 (the exchange counts it in 16 bits)"
#endif

/* What a step waits for before the next one can progress (eas_wait.what). */
#define EAS_WAIT_READ 0x01u    /* the connection has data (or closed) */
#define EAS_WAIT_WRITE 0x02u   /* the connection can take data */
#define EAS_WAIT_CONNECT 0x04u /* a connection (TCP or TLS handshake) is in progress: READ or WRITE says which */
#define EAS_WAIT_TIME 0x08u    /* nothing to do before until_ms (a retry after 503) */
#define EAS_WAIT_NOW 0x10u     /* call step again at once: the transport holds bytes already (TLS records) */
typedef struct eas_wait {
    uint8_t what;
    uint64_t until_ms; /* monotonic: call step again by then at the latest (network timeout, retry) */
} eas_wait;

/* How an exchange ended, or that it has not. */
typedef enum {
    EAS_EXCHANGE_PENDING = 0, /* call eas_exchange_step again after *wait */
    EAS_EXCHANGE_DONE,        /* the whole response was read: eas_exchange_response() has its head */
    EAS_EXCHANGE_CUT,         /* a held request (EAS_EXCHANGE_HELD) ended without an answer before its
                                 deadline or by a close of a fresh connection: a path that cuts idle
                                 connections, not an error */
    EAS_EXCHANGE_LOST,        /* the connection broke before the response was whole (and the one resend
                                 did not apply): eas_exchange_error() says how */
    EAS_EXCHANGE_FAILED       /* no connection, a timeout, a request that did not fit, or a malformed
                                 response: eas_exchange_error() */
} eas_exchange_outcome;

#define EAS_EXCHANGE_HELD 0x01u /* the server holds the request (Ping): a timeout or an early close is CUT */

/* The request. Its head and body are written into the exchange's buffer when it starts, the body
 * (when there is one) twice: counted first for its Content-Length, then written. */
typedef struct eas_exchange_request {
    const eas_url *url; /* scheme (https: the TLS stream, http: the plain one), host and port */
    /* The request line and headers up to the blank line, for a body of content_length bytes. The
     * ActiveSync head is eas_ashttp_write_head; any other is eas_exchange_write_head. */
    eas_err (*head)(void *ctx, eas_sink out, uint64_t content_length);
    /* The body; NULL: none. */
    eas_err (*body)(void *ctx, eas_sink out);
    /* Called once, right before the first byte of the request goes out (not when the connection
     * could not be made): e.g. to mark on flash that a request is in flight. NULL: none. */
    eas_err (*sending)(void *ctx);
    void *ctx; /* of head, body and sending */
    eas_http_callbacks response; /* the response's headers, head and body as they arrive */
    unsigned parser_flags;       /* EAS_HTTP_REQ_HEAD */
    uint32_t timeout_ms;         /* from the start to the whole response (a Ping: its heartbeat plus a margin) */
    uint8_t flags;               /* EAS_EXCHANGE_HELD */
} eas_exchange_request;

/* A plain HTTP head for requests that are not ActiveSync commands: "METHOD target HTTP/1.1", Host
 * from the URL, Authorization written by auth straight into the request (never logged, the scratch
 * wiped), the extra headers, and Content-Type/Content-Length when there is a body. */
typedef struct eas_exchange_head {
    const char *method;        /* "GET", "POST" */
    const char *target;        /* NULL: the URL's path and query */
    const char *content_type;  /* with a body: "application/json", "application/x-www-form-urlencoded" */
    const char *const *headers; /* name, value, name, value, ..., NULL; may be NULL */
    eas_auth auth;             /* write NULL: no Authorization */
    const eas_url *url;
} eas_exchange_head;
/* An eas_exchange_request head function; ctx is an eas_exchange_head. */
eas_err eas_exchange_write_head(const eas_exchange_head *h, eas_sink out, uint64_t content_length);

typedef struct eas_exchange {
    eas_transport *tls;
    eas_transport *plain;
    const eas_pal *pal;      /* its clock and log */
    /* of the request under way (the rest of the descriptor is used up when it starts) */
    const eas_url *url;
    eas_err (*sending)(void *ctx); /* until called */
    void *ctx;
    uint64_t deadline_ms;
    uint32_t peer;           /* hash of the kept connection's host and port (its stream is in connected) */
    uint16_t req_len, req_sent, head_len;
    uint8_t err;             /* an eas_err (all fit a byte) */
    /* in bits: the agent that holds this struct is sized for a 64 KiB board */
    uint8_t state : 2;
    uint8_t connected : 2;   /* 1: on tls, 2: on plain */
    uint8_t reused : 1;      /* this exchange runs on a connection kept from the last one */
    uint8_t resent : 1;      /* sent once more on a fresh connection */
    uint8_t got_bytes : 1;   /* something of the response arrived */
    uint8_t held : 1;        /* EAS_EXCHANGE_HELD */
    eas_http_parser http;
    uint8_t buf[EAS_REQUEST_MAX];
    uint8_t rx[EAS_RX_CHUNK];
} eas_exchange;

/* tls carries https URLs, plain http ones (either may be NULL: such a URL then fails); pal gives the
 * clock and the log. */
void eas_exchange_init(eas_exchange *x, eas_transport *tls, eas_transport *plain, const eas_pal *pal);
/* Builds the request and starts the exchange on the connection kept from the last one to the same
 * scheme, host and port, or on a new one. What r points to (the URL, the callbacks' contexts) must live until the
 * outcome; r itself need not. */
eas_err eas_exchange_start(eas_exchange *x, const eas_exchange_request *r);
/* Moves the exchange on as far as it can now. */
eas_exchange_outcome eas_exchange_step(eas_exchange *x, eas_wait *wait);
/* The error behind LOST or FAILED. */
eas_err eas_exchange_error(const eas_exchange *x);
/* The response's status and headers (after DONE, until the next start). */
const eas_http_parser *eas_exchange_response(const eas_exchange *x);
/* The request as built: all of it, and how much of it is the head (for a trace). */
const uint8_t *eas_exchange_request_bytes(const eas_exchange *x, size_t *len, size_t *head_len);
/* Closes the connection (kept open after a response that allows it). */
void eas_exchange_close(eas_exchange *x);

#endif
