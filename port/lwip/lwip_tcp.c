/* eas_transport over lwIP's raw TCP API (NO_SYS=1). Nothing blocks: connect() starts the name lookup
 * and the connection and reports their progress; lwIP's callbacks (run from eas_lwip_poll, never from
 * an interrupt) move the state and queue received pbufs, which recv() copies out. The TCP window is
 * reopened (tcp_recved) only for bytes the core has taken, so a slow reader throttles the server instead
 * of exhausting the pbuf pool. */
#include <string.h>

#include "eas_lwip.h"
#include "lwip/dns.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"

static void tcp_failed(eas_lwip_tcp *t, eas_err e)
{
    t->state = EAS_LWIP_TCP_FAILED;
    t->err = e;
    if (t->activity) (*t->activity)++;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    eas_lwip_tcp *t = arg;
    (void)pcb;
    if (!t) return ERR_OK;
    if (err != ERR_OK) {
        tcp_failed(t, EAS_ERR_NET_CONNECT);
        return ERR_OK;
    }
    t->state = EAS_LWIP_TCP_OPEN;
    if (t->activity) (*t->activity)++;
    return ERR_OK;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    eas_lwip_tcp *t = arg;
    if (!t) {
        /* Closed by us while data was in flight: nobody will read it. */
        if (p) {
            tcp_recved(pcb, p->tot_len);
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (!p) {
        t->fin = 1; /* an orderly close; what was queued is still read first */
    } else if (err != ERR_OK) {
        pbuf_free(p);
    } else if (t->rx) {
        pbuf_cat(t->rx, p);
    } else {
        t->rx = p;
    }
    if (t->activity) (*t->activity)++;
    return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    eas_lwip_tcp *t = arg;
    (void)pcb, (void)len;
    if (t && t->activity) (*t->activity)++;
    return ERR_OK;
}

/* lwIP has freed the pcb already (reset, abort, too many retransmissions). */
static void on_error(void *arg, err_t err)
{
    eas_lwip_tcp *t = arg;
    if (!t) return;
    t->pcb = NULL;
    if (t->state == EAS_LWIP_TCP_CONNECTING)
        tcp_failed(t, EAS_ERR_NET_CONNECT);
    else if (err == ERR_CLSD)
        t->fin = 1;
    else
        tcp_failed(t, EAS_ERR_NET_IO);
}

static eas_err start_connect(eas_lwip_tcp *t)
{
    struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (!pcb) return EAS_ERR_NET_CONNECT; /* MEMP_NUM_TCP_PCB in use */
    tcp_arg(pcb, t);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_error);
    /* Requests and TLS records are written whole: waiting for an ACK before the last piece only adds
     * a round trip. */
    tcp_nagle_disable(pcb);
    t->pcb = pcb;
    t->state = EAS_LWIP_TCP_CONNECTING;
    if (tcp_connect(pcb, &t->addr, t->port, on_connected) != ERR_OK) {
        tcp_abort(pcb);
        t->pcb = NULL;
        t->state = EAS_LWIP_TCP_IDLE;
        return EAS_ERR_NET_CONNECT;
    }
    return EAS_OK;
}

static void on_dns(const char *name, const ip_addr_t *addr, void *arg)
{
    eas_lwip_tcp *t = arg;
    /* An answer for a lookup that was abandoned (closed, or another host asked since) is ignored. */
    if (t->state != EAS_LWIP_TCP_RESOLVING || strcmp(name, t->host) != 0) return;
    if (!addr) {
        tcp_failed(t, EAS_ERR_NET_RESOLVE);
        return;
    }
    ip_addr_copy(t->addr, *addr);
    eas_err e = start_connect(t);
    if (e != EAS_OK) tcp_failed(t, e);
    else if (t->activity) (*t->activity)++;
}

eas_err eas_lwip_tcp_connect(void *ctx, const char *host, uint16_t port)
{
    eas_lwip_tcp *t = ctx;
    if (!t || !host || host[0] == '\0' || port == 0) return EAS_ERR_ARG;
    switch (t->state) {
    case EAS_LWIP_TCP_IDLE: {
        size_t n = strlen(host);
        if (n >= sizeof t->host) return EAS_ERR_NOSPACE;
        memcpy(t->host, host, n + 1);
        t->port = port;
        t->fin = 0;
        t->err = EAS_OK;
        if (ipaddr_aton(host, &t->addr)) return start_connect(t) == EAS_OK ? EAS_ERR_WOULD_BLOCK : EAS_ERR_NET_CONNECT;
        t->state = EAS_LWIP_TCP_RESOLVING;
        err_t r = dns_gethostbyname(t->host, &t->addr, on_dns, t);
        if (r == ERR_OK) { /* the static host table or the DNS cache */
            t->state = EAS_LWIP_TCP_IDLE;
            return start_connect(t) == EAS_OK ? EAS_ERR_WOULD_BLOCK : EAS_ERR_NET_CONNECT;
        }
        if (r == ERR_INPROGRESS) return EAS_ERR_WOULD_BLOCK;
        t->state = EAS_LWIP_TCP_IDLE;
        return EAS_ERR_NET_RESOLVE;
    }
    case EAS_LWIP_TCP_RESOLVING:
    case EAS_LWIP_TCP_CONNECTING:
        if (strcmp(host, t->host) != 0 || port != t->port) return EAS_ERR_STATE;
        return EAS_ERR_WOULD_BLOCK;
    case EAS_LWIP_TCP_OPEN: return EAS_OK;
    case EAS_LWIP_TCP_FAILED:
    default: {
        eas_err e = t->err != EAS_OK ? t->err : EAS_ERR_NET_CONNECT;
        eas_lwip_tcp_close(t);
        return e;
    }
    }
}

eas_err eas_lwip_tcp_send(void *ctx, const uint8_t *buf, size_t len, size_t *done)
{
    eas_lwip_tcp *t = ctx;
    if (!t || !buf || !done || len == 0) return EAS_ERR_ARG;
    *done = 0;
    if (t->state == EAS_LWIP_TCP_FAILED) return t->err;
    if (t->state != EAS_LWIP_TCP_OPEN || !t->pcb) return EAS_ERR_STATE;
    size_t n = tcp_sndbuf(t->pcb);
    if (n > len) n = len;
    if (n > 0xffffu) n = 0xffffu;
    if (n == 0 || tcp_sndqueuelen(t->pcb) >= TCP_SND_QUEUELEN) return EAS_ERR_WOULD_BLOCK;
    /* Copied into lwIP's heap: the caller's buffer is free again when this returns. When the heap is
     * short, a smaller piece may still fit; nothing fits is "wait for ACKs". */
    err_t r = ERR_MEM;
    for (int tries = 0; tries < 4 && n > 0; tries++, n /= 2) {
        r = tcp_write(t->pcb, buf, (u16_t)n, TCP_WRITE_FLAG_COPY);
        if (r != ERR_MEM) break;
    }
    if (r == ERR_MEM || n == 0) return EAS_ERR_WOULD_BLOCK;
    if (r != ERR_OK) return EAS_ERR_NET_IO;
    tcp_output(t->pcb);
    *done = n;
    return EAS_OK;
}

eas_err eas_lwip_tcp_recv(void *ctx, uint8_t *buf, size_t len, size_t *done)
{
    eas_lwip_tcp *t = ctx;
    if (!t || !buf || !done || len == 0) return EAS_ERR_ARG;
    *done = 0;
    if (t->rx) {
        size_t n = t->rx->tot_len;
        if (n > len) n = len;
        u16_t got = pbuf_copy_partial(t->rx, buf, (u16_t)n, 0);
        t->rx = pbuf_free_header(t->rx, got);
        if (t->pcb) tcp_recved(t->pcb, got);
        *done = got;
        return got ? EAS_OK : EAS_ERR_NET_IO;
    }
    if (t->fin) return EAS_ERR_NET_CLOSED;
    if (t->state == EAS_LWIP_TCP_FAILED) return t->err;
    if (t->state != EAS_LWIP_TCP_OPEN) return EAS_ERR_STATE;
    return EAS_ERR_WOULD_BLOCK;
}

void eas_lwip_tcp_close(void *ctx)
{
    eas_lwip_tcp *t = ctx;
    if (!t) return;
    if (t->pcb) {
        struct tcp_pcb *pcb = t->pcb;
        t->pcb = NULL;
        tcp_arg(pcb, NULL);
        tcp_sent(pcb, NULL);
        tcp_err(pcb, NULL);
        /* on_recv stays: with a NULL arg it drains what still arrives until lwIP finishes the close. */
        if (tcp_close(pcb) != ERR_OK) tcp_abort(pcb);
    }
    if (t->rx) {
        pbuf_free(t->rx);
        t->rx = NULL;
    }
    t->state = EAS_LWIP_TCP_IDLE;
    t->fin = 0;
    t->err = EAS_OK;
}
