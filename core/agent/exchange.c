/* One HTTP exchange (eas/exchange.h): connect, send, receive, and an outcome. No ActiveSync here. */
#include "eas/exchange.h"

#include <string.h>

#include "eas/bytes.h"
#include "eas/log.h"

enum { X_IDLE, X_CONNECT, X_SEND, X_RECV };

/* x->err keeps an eas_err in a byte. */
#define FITS_A_BYTE(name, code, text) _Static_assert((code) >= 0 && (code) < 256, #name " does not fit a byte");
EAS_ERR_LIST(FITS_A_BYTE)
#undef FITS_A_BYTE

enum { ON_NONE, ON_TLS, ON_PLAIN };

static uint64_t now_ms(const eas_exchange *x)
{
    return x->pal->clock.monotonic_ms ? x->pal->clock.monotonic_ms(x->pal->clock.ctx) : 0;
}

static eas_transport *stream_of(const eas_exchange *x, unsigned on) { return on == ON_TLS ? x->tls : x->plain; }

/* The stream of the request under way. */
static eas_transport *conn(const eas_exchange *x) { return stream_of(x, x->url->scheme == EAS_URL_HTTPS ? ON_TLS : ON_PLAIN); }

void eas_exchange_init(eas_exchange *x, eas_transport *tls, eas_transport *plain, const eas_pal *pal)
{
    memset(x, 0, sizeof *x);
    x->tls = tls;
    x->plain = plain;
    x->pal = pal;
}

void eas_exchange_close(eas_exchange *x)
{
    eas_transport *t = stream_of(x, x->connected);
    if (x->connected && t && t->close) t->close(t->ctx);
    x->connected = ON_NONE;
}

/* ------------------------------------------------------------------------------ the request */

static eas_err count_write(void *ctx, const uint8_t *data, size_t len)
{
    (void)data;
    *(uint64_t *)ctx += len;
    return EAS_OK;
}

eas_err eas_exchange_write_head(const eas_exchange_head *h, eas_sink out, uint64_t content_length)
{
    char scratch[EAS_HTTP_TARGET_MAX + 1];
    eas_http_writer w;
    size_t n = 0;
    eas_err e = eas_http_writer_begin(&w, out, h->method, h->target ? h->target : h->url->path);
    if (e == EAS_OK) e = eas_url_host_header(h->url, scratch, sizeof scratch, &n);
    if (e == EAS_OK) e = eas_http_writer_header_n(&w, "Host", scratch, n);
    if (e == EAS_OK && h->auth.stream) {
        e = eas_http_writer_header_stream(&w, "Authorization", h->auth.stream, h->auth.ctx);
    } else if (e == EAS_OK && h->auth.write) {
        e = h->auth.write(h->auth.ctx, scratch, sizeof scratch, &n);
        if (e == EAS_OK) e = eas_http_writer_header_n(&w, "Authorization", scratch, n);
    }
    memset(scratch, 0, sizeof scratch); /* the credentials were there */
    for (const char *const *p = h->headers; e == EAS_OK && p && p[0] && p[1]; p += 2)
        e = eas_http_writer_header(&w, p[0], p[1]);
    if (e == EAS_OK && h->content_type) {
        e = eas_http_writer_header(&w, "Content-Type", h->content_type);
        if (e == EAS_OK) e = eas_http_writer_content_length(&w, content_length);
    }
    if (e == EAS_OK) e = eas_http_writer_end_head(&w);
    return e;
}

/* The peer a connection goes to: host (ASCII case does not matter in DNS names) and port. */
static uint32_t peer_of(const eas_url *u)
{
    uint32_t h = 2166136261u;
    for (const char *c = u->host; *c; c++) {
        uint8_t b = (uint8_t)eas_ascii_lower(*c);
        h = eas_fnv1a_from(h, &b, 1);
    }
    return eas_fnv1a_from(h, &u->port, sizeof u->port);
}

eas_err eas_exchange_start(eas_exchange *x, const eas_exchange_request *r)
{
    eas_buf_sink bs = {x->buf, sizeof x->buf, 0};
    uint64_t body_len = 0;
    eas_err e;
    if (!r->url || !r->head) return EAS_ERR_ARG;
    x->state = X_IDLE;
    if (r->body && (e = r->body(r->ctx, (eas_sink){count_write, &body_len})) != EAS_OK) return e;
    if ((e = r->head(r->ctx, (eas_sink){eas_buf_sink_write, &bs}, body_len)) != EAS_OK) return e;
    x->head_len = (uint16_t)bs.len;
    if (r->body && (e = r->body(r->ctx, (eas_sink){eas_buf_sink_write, &bs})) != EAS_OK) return e;
    x->req_len = (uint16_t)bs.len;
    x->req_sent = 0;
    x->got_bytes = 0;
    x->resent = 0;
    x->err = EAS_OK;
    x->deadline_ms = now_ms(x) + r->timeout_ms;
    x->url = r->url;
    x->sending = r->sending;
    x->ctx = r->ctx;
    x->held = (r->flags & EAS_EXCHANGE_HELD) != 0;
    /* Nothing is fed to the parser before the whole request is out, a resend included. */
    eas_http_parser_init(&x->http, &r->response, r->parser_flags);
    /* A kept connection serves the next request to the same stream and peer only: a request for
     * another host (a redirect, a discovery candidate, the identity provider) on it would hand that
     * host's credentials to the one connected. */
    unsigned on = r->url->scheme == EAS_URL_HTTPS ? ON_TLS : ON_PLAIN;
    uint32_t peer = peer_of(r->url);
    if (x->connected && (x->connected != on || x->peer != peer)) eas_exchange_close(x);
    x->peer = peer;
    if (!stream_of(x, on)) return EAS_ERR_CONFIG;
    x->reused = x->connected != ON_NONE;
    x->state = x->connected ? X_SEND : X_CONNECT;
    return EAS_OK;
}

/* ------------------------------------------------------------------------------ the outcome */

static eas_exchange_outcome end(eas_exchange *x, eas_exchange_outcome o, eas_err e)
{
    if (o != EAS_EXCHANGE_DONE) eas_exchange_close(x);
    x->state = X_IDLE;
    x->err = (uint8_t)e;
    return o;
}

/* The connection failed under the request: a kept-alive connection that the server had already closed
 * is tried once more on a fresh one, if nothing of an answer came. */
static eas_exchange_outcome lost(eas_exchange *x, eas_err e)
{
    eas_exchange_close(x);
    if (x->reused && !x->got_bytes && !x->resent) {
        EAS_DEBUG(&x->pal->log, "the kept-alive connection was closed by the server: sent again on a new one");
        x->resent = 1;
        x->reused = 0;
        x->req_sent = 0;
        x->state = X_CONNECT;
        return EAS_EXCHANGE_PENDING;
    }
    return end(x, EAS_EXCHANGE_LOST, e);
}

static eas_exchange_outcome receive(eas_exchange *x, eas_wait *w)
{
    eas_transport *t = conn(x);
    size_t done = 0, used = 0;
    eas_err e = t->recv(t->ctx, x->rx, sizeof x->rx, &done);
    if (e == EAS_ERR_WOULD_BLOCK) {
        w->what = EAS_WAIT_READ;
        if (t->hints && (t->hints(t->ctx) & EAS_TRANSPORT_READABLE_NOW)) w->what |= EAS_WAIT_NOW;
        return EAS_EXCHANGE_PENDING;
    }
    if (e == EAS_ERR_NET_CLOSED) {
        eas_exchange_close(x);
        if (x->held && !x->got_bytes && !x->reused)
            return end(x, EAS_EXCHANGE_CUT, EAS_ERR_NET_CLOSED);
        if (!x->got_bytes) return lost(x, EAS_ERR_NET_CLOSED);
        /* A body that runs to the close ends here; any other is cut short. */
        e = eas_http_parser_eof(&x->http);
        return e == EAS_OK ? end(x, EAS_EXCHANGE_DONE, EAS_OK) : end(x, EAS_EXCHANGE_FAILED, e);
    }
    if (e != EAS_OK) return lost(x, e);
    x->got_bytes = 1;
    e = eas_http_parser_feed(&x->http, x->rx, done, &used);
    if (e != EAS_OK) return end(x, EAS_EXCHANGE_FAILED, e);
    if (!eas_http_parser_done(&x->http)) return EAS_EXCHANGE_PENDING;
    /* Bytes after the response, or a server that ends the connection: not reusable. */
    if (used < done || !eas_http_parser_keep_alive(&x->http)) eas_exchange_close(x);
    return end(x, EAS_EXCHANGE_DONE, EAS_OK);
}

eas_exchange_outcome eas_exchange_step(eas_exchange *x, eas_wait *w)
{
    eas_transport *t = x->state == X_IDLE ? NULL : conn(x);
    size_t done = 0;
    eas_err e;
    /* Each pass moves the exchange on or returns; the bound only guards a bug. */
    for (int guard = 0; guard < 64; guard++) {
        w->what = 0;
        w->until_ms = x->deadline_ms;
        if (x->state == X_IDLE) return end(x, EAS_EXCHANGE_FAILED, EAS_ERR_STATE);
        if (now_ms(x) > x->deadline_ms) {
            if (x->held && x->state == X_RECV)
                return end(x, EAS_EXCHANGE_CUT, EAS_ERR_NET_TIMEOUT);
            return end(x, EAS_EXCHANGE_FAILED, EAS_ERR_NET_TIMEOUT);
        }
        switch (x->state) {
        case X_CONNECT:
            e = t->connect(t->ctx, x->url->host, x->url->port);
            if (e == EAS_ERR_WOULD_BLOCK) {
                int wr = t->hints && (t->hints(t->ctx) & EAS_TRANSPORT_WANTS_WRITE);
                w->what = (uint8_t)(EAS_WAIT_CONNECT | (wr ? EAS_WAIT_WRITE : EAS_WAIT_READ));
                return EAS_EXCHANGE_PENDING;
            }
            if (e != EAS_OK) {
                t->close(t->ctx);
                return end(x, EAS_EXCHANGE_FAILED, e);
            }
            x->connected = (uint8_t)(x->url->scheme == EAS_URL_HTTPS ? ON_TLS : ON_PLAIN);
            x->state = X_SEND;
            continue;
        case X_SEND:
            if (x->sending) { /* once: a resend is the same request */
                eas_err (*sending)(void *) = x->sending;
                x->sending = NULL;
                if ((e = sending(x->ctx)) != EAS_OK) return end(x, EAS_EXCHANGE_FAILED, e);
            }
            e = t->send(t->ctx, x->buf + x->req_sent, x->req_len - x->req_sent, &done);
            if (e == EAS_ERR_WOULD_BLOCK) {
                w->what = EAS_WAIT_WRITE;
                return EAS_EXCHANGE_PENDING;
            }
            if (e != EAS_OK) {
                eas_exchange_outcome o = lost(x, e);
                if (o != EAS_EXCHANGE_PENDING) return o;
                continue;
            }
            x->req_sent = (uint16_t)(x->req_sent + done);
            if (x->req_sent == x->req_len) {
                x->got_bytes = 0;
                x->state = X_RECV;
            }
            continue;
        case X_RECV: {
            eas_exchange_outcome o = receive(x, w);
            if (o != EAS_EXCHANGE_PENDING || w->what) return o;
            continue;
        }
        default:
            return end(x, EAS_EXCHANGE_FAILED, EAS_ERR_STATE);
        }
    }
    w->what = EAS_WAIT_TIME | EAS_WAIT_NOW;
    w->until_ms = now_ms(x);
    return EAS_EXCHANGE_PENDING;
}

eas_err eas_exchange_error(const eas_exchange *x) { return (eas_err)x->err; }

const eas_http_parser *eas_exchange_response(const eas_exchange *x) { return &x->http; }

const uint8_t *eas_exchange_request_bytes(const eas_exchange *x, size_t *len, size_t *head_len)
{
    *len = x->req_len;
    *head_len = x->head_len;
    return x->buf;
}
