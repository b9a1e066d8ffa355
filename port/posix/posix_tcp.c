/* Non-blocking TCP over BSD sockets. See eas_posix.h. */
#include "eas/exchange.h"
#include "eas_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* BSDs: SO_NOSIGPIPE is set on the socket instead */
#endif

enum { TCP_CLOSED, TCP_CONNECTING, TCP_CONNECTED };

static unsigned tcp_hints(void *ctx) { return ((const eas_posix_tcp *)ctx)->want_write ? EAS_TRANSPORT_WANTS_WRITE : 0u; }

void eas_posix_tcp_init(eas_posix_tcp *t, eas_transport *out)
{
    memset(t, 0, sizeof *t);
    t->fd = -1;
    t->state = TCP_CLOSED;
    if (out) {
        out->ctx = t;
        out->connect = eas_posix_tcp_connect;
        out->send = eas_posix_tcp_send;
        out->recv = eas_posix_tcp_recv;
        out->close = eas_posix_tcp_close;
        out->hints = tcp_hints;
    }
}

int eas_posix_tcp_fd(const eas_posix_tcp *t) { return t->fd; }
int eas_posix_tcp_want_write(const eas_posix_tcp *t) { return t->want_write; }

static eas_err tcp_resolve(eas_posix_tcp *t, const char *host, uint16_t port)
{
    char service[8];
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    /* No AI_ADDRCONFIG: on a machine whose only interface is loopback it hides "localhost" itself.
     * Addresses of a family the machine lacks simply fail to connect and the next one is tried. */
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(service, sizeof service, "%u", (unsigned)port);
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0 || !res) return EAS_ERR_NET_RESOLVE;
    t->addr_count = 0;
    const struct addrinfo *ai = res;
    for (int i = 0; ai && i < 64 && t->addr_count < EAS_POSIX_TCP_MAX_ADDRS; i++, ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof t->addrs[0]) continue;
        memcpy(&t->addrs[t->addr_count], ai->ai_addr, ai->ai_addrlen);
        t->addr_lens[t->addr_count] = ai->ai_addrlen;
        t->addr_count++;
    }
    freeaddrinfo(res);
    t->addr_next = 0;
    return t->addr_count ? EAS_OK : EAS_ERR_NET_RESOLVE;
}

static void tcp_drop_fd(eas_posix_tcp *t)
{
    if (t->fd >= 0) close(t->fd);
    t->fd = -1;
}

/* Starts a connect to the next address not tried yet. EAS_OK: connected at once; WOULD_BLOCK: under
 * way; NET_CONNECT: no address left. */
static eas_err tcp_start_next(eas_posix_tcp *t)
{
    while (t->addr_next < t->addr_count) {
        const struct sockaddr_storage *sa = &t->addrs[t->addr_next];
        socklen_t salen = t->addr_lens[t->addr_next];
        t->addr_next++;
        int fd = socket(sa->ss_family, SOCK_STREAM, 0);
        if (fd < 0) continue;
        int flags = fcntl(fd, F_GETFL, 0);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
            close(fd);
            continue;
        }
        int one = 1;
        /* Requests are written in a few pieces; waiting for ACKs between them (Nagle) only adds latency. */
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#ifdef SO_NOSIGPIPE
        (void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
        t->fd = fd;
        int rc = connect(fd, (const struct sockaddr *)sa, salen);
        if (rc == 0) {
            t->state = TCP_CONNECTED;
            return EAS_OK;
        }
        /* An interrupted connect goes on in the background, exactly like one in progress. */
        if (errno == EINPROGRESS || errno == EINTR) {
            t->state = TCP_CONNECTING;
            t->want_write = 1;
            return EAS_ERR_WOULD_BLOCK;
        }
        tcp_drop_fd(t);
    }
    t->state = TCP_CLOSED;
    return EAS_ERR_NET_CONNECT;
}

eas_err eas_posix_tcp_connect(void *ctx, const char *host, uint16_t port)
{
    eas_posix_tcp *t = ctx;
    if (!t || !host || !host[0]) return EAS_ERR_ARG;
    if (t->state == TCP_CONNECTED) return EAS_OK;
    if (t->state == TCP_CLOSED) {
        eas_err e = tcp_resolve(t, host, port);
        if (e != EAS_OK) return e;
        return tcp_start_next(t);
    }
    /* Connecting: writable means the attempt is over, SO_ERROR says how it ended. */
    for (int attempt = 0; attempt < EAS_POSIX_TCP_MAX_ADDRS + 1; attempt++) {
        struct pollfd p = {.fd = t->fd, .events = POLLOUT};
        int rc = poll(&p, 1, 0);
        if (rc == 0) {
            t->want_write = 1;
            return EAS_ERR_WOULD_BLOCK;
        }
        if (rc < 0 && errno == EINTR) continue;
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (rc > 0 && getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0) {
            t->state = TCP_CONNECTED;
            return EAS_OK;
        }
        tcp_drop_fd(t);
        eas_err e = tcp_start_next(t);
        if (e != EAS_ERR_WOULD_BLOCK) return e;
    }
    t->want_write = 1;
    return EAS_ERR_WOULD_BLOCK;
}

eas_err eas_posix_tcp_send(void *ctx, const uint8_t *buf, size_t len, size_t *done)
{
    eas_posix_tcp *t = ctx;
    if (!t || !buf || !done || len == 0) return EAS_ERR_ARG;
    *done = 0;
    if (t->state != TCP_CONNECTED) return EAS_ERR_STATE;
    for (int tries = 0; tries < 8; tries++) {
        ssize_t n = send(t->fd, buf, len, MSG_NOSIGNAL);
        if (n > 0) {
            *done = (size_t)n;
            return EAS_OK;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            t->want_write = 1;
            return EAS_ERR_WOULD_BLOCK;
        }
        if (n < 0 && errno == EPIPE) return EAS_ERR_NET_CLOSED;
        return EAS_ERR_NET_IO;
    }
    t->want_write = 1;
    return EAS_ERR_WOULD_BLOCK;
}

eas_err eas_posix_tcp_recv(void *ctx, uint8_t *buf, size_t len, size_t *done)
{
    eas_posix_tcp *t = ctx;
    if (!t || !buf || !done || len == 0) return EAS_ERR_ARG;
    *done = 0;
    if (t->state != TCP_CONNECTED) return EAS_ERR_STATE;
    for (int tries = 0; tries < 8; tries++) {
        ssize_t n = recv(t->fd, buf, len, 0);
        if (n > 0) {
            *done = (size_t)n;
            return EAS_OK;
        }
        if (n == 0) return EAS_ERR_NET_CLOSED;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            t->want_write = 0;
            return EAS_ERR_WOULD_BLOCK;
        }
        return EAS_ERR_NET_IO;
    }
    t->want_write = 0;
    return EAS_ERR_WOULD_BLOCK;
}

void eas_posix_tcp_close(void *ctx)
{
    eas_posix_tcp *t = ctx;
    if (!t) return;
    tcp_drop_fd(t);
    t->state = TCP_CLOSED;
    t->want_write = 0;
    t->addr_count = 0;
    t->addr_next = 0;
}

static int64_t wait_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

eas_err eas_posix_wait(int fd, int want_read, int want_write, int timeout_ms)
{
    if (fd < 0 || (!want_read && !want_write)) return EAS_ERR_ARG;
    struct pollfd p = {.fd = fd, .events = (short)((want_read ? POLLIN : 0) | (want_write ? POLLOUT : 0))};
    int64_t deadline = timeout_ms >= 0 ? wait_now_ms() + timeout_ms : 0;
    /* Signals may interrupt poll; each retry waits only for what is left, and there are few of them. */
    for (int tries = 0; tries < 1000; tries++) {
        int left = -1;
        if (timeout_ms >= 0) {
            int64_t d = deadline - wait_now_ms();
            left = d > 0 ? (int)d : 0;
        }
        int rc = poll(&p, 1, left);
        if (rc > 0) return EAS_OK;
        if (rc == 0) return EAS_ERR_NET_TIMEOUT;
        if (errno != EINTR) return EAS_ERR_NET_IO;
    }
    return EAS_ERR_NET_IO;
}

void eas_posix_wait_as(const eas_wait *w, const eas_clock *clock, const eas_posix_tcp *tcp)
{
    uint64_t now = clock->monotonic_ms(clock->ctx);
    int timeout = w->until_ms > now ? (int)((w->until_ms - now) < 60000 ? (w->until_ms - now) : 60000) : 0;
    int fd = eas_posix_tcp_fd(tcp);
    if (w->what & EAS_WAIT_NOW) return; /* TLS holds bytes already: no sleep on the socket */
    if ((w->what & EAS_WAIT_TIME) || fd < 0) {
        struct timespec ts = {timeout / 1000, (long)(timeout % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    } else {
        int want_write = (w->what & EAS_WAIT_WRITE) != 0;
        (void)eas_posix_wait(fd, !want_write, want_write, timeout);
    }
}
