/* The POSIX TCP transport against a loopback listener owned by the test, and the poll() helper. */
#include "check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "eas/err.h"
#include "eas_posix.h"

#define WAIT_MS 5000

static int64_t tcp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A listening socket on 127.0.0.1 and a port the kernel chose. */
static int listener(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

static eas_err connect_wait(eas_posix_tcp *t, const eas_transport *tr, const char *host, uint16_t port, int *blocks)
{
    int64_t end = tcp_now_ms() + WAIT_MS;
    for (;;) {
        eas_err e = tr->connect(tr->ctx, host, port);
        if (e != EAS_ERR_WOULD_BLOCK) return e;
        if (blocks) (*blocks)++;
        if (!eas_posix_tcp_want_write(t)) return EAS_ERR_STATE; /* a connect waits for writability */
        int64_t left = end - tcp_now_ms();
        if (left <= 0) return EAS_ERR_NET_TIMEOUT;
        e = eas_posix_wait(eas_posix_tcp_fd(t), 0, 1, (int)left);
        if (e != EAS_OK) return e;
    }
}

static eas_err recv_wait(eas_posix_tcp *t, const eas_transport *tr, uint8_t *buf, size_t len, size_t *done)
{
    int64_t end = tcp_now_ms() + WAIT_MS;
    for (;;) {
        eas_err e = tr->recv(tr->ctx, buf, len, done);
        if (e != EAS_ERR_WOULD_BLOCK) return e;
        int64_t left = end - tcp_now_ms();
        if (left <= 0) return EAS_ERR_NET_TIMEOUT;
        e = eas_posix_wait(eas_posix_tcp_fd(t), 1, 0, (int)left);
        if (e != EAS_OK) return e;
    }
}

static void tcp_round_trip_body(int lfd, uint16_t port, const char *host)
{
    eas_posix_tcp t;
    eas_transport tr;
    eas_posix_tcp_init(&t, &tr);
    CHECK_EQ(eas_posix_tcp_fd(&t), -1);
    uint8_t buf[64];
    size_t done = 7;
    CHECK_EQ(tr.send(tr.ctx, (const uint8_t *)"x", 1, &done), EAS_ERR_STATE);
    CHECK_EQ(done, 0);
    CHECK_EQ(tr.recv(tr.ctx, buf, sizeof buf, &done), EAS_ERR_STATE);

    CHECK_OK(connect_wait(&t, &tr, host, port, NULL));
    CHECK(eas_posix_tcp_fd(&t) >= 0);
    CHECK_OK(tr.connect(tr.ctx, host, port)); /* connected stays connected */
    int peer = accept(lfd, NULL, NULL);
    CHECK(peer >= 0);

    /* Nothing sent yet: would block, waiting for readability. */
    CHECK_EQ(tr.recv(tr.ctx, buf, sizeof buf, &done), EAS_ERR_WOULD_BLOCK);
    CHECK(!eas_posix_tcp_want_write(&t));
    CHECK_EQ(eas_posix_wait(eas_posix_tcp_fd(&t), 1, 0, 30), EAS_ERR_NET_TIMEOUT);

    CHECK_OK(tr.send(tr.ctx, (const uint8_t *)"ping", 4, &done));
    CHECK_EQ(done, 4);
    char got[8] = {0};
    CHECK_EQ(recv(peer, got, sizeof got, 0), 4);
    CHECK_STR(got, "ping");
    CHECK_EQ(send(peer, "pong!", 5, 0), 5);
    CHECK_OK(recv_wait(&t, &tr, buf, sizeof buf, &done));
    CHECK_EQ(done, 5);
    CHECK_MEM(buf, "pong!", 5);

    /* The peer's close is an orderly end of stream. */
    close(peer);
    CHECK_EQ(recv_wait(&t, &tr, buf, sizeof buf, &done), EAS_ERR_NET_CLOSED);
    tr.close(tr.ctx);
    tr.close(tr.ctx);
    CHECK_EQ(eas_posix_tcp_fd(&t), -1);
    CHECK_EQ(tr.send(tr.ctx, (const uint8_t *)"x", 1, &done), EAS_ERR_STATE);
}

TEST(posix_tcp_round_trip_with_literal_address)
{
    uint16_t port = 0;
    int lfd = listener(&port);
    CHECK(lfd >= 0);
    tcp_round_trip_body(lfd, port, "127.0.0.1");
    close(lfd);
}

TEST(posix_tcp_round_trip_with_localhost_name)
{
    /* "localhost" may resolve to ::1 first, where nobody listens: the next address must be tried. */
    uint16_t port = 0;
    int lfd = listener(&port);
    CHECK(lfd >= 0);
    tcp_round_trip_body(lfd, port, "localhost");
    close(lfd);
}

TEST(posix_tcp_refused_and_bad_arguments)
{
    uint16_t port = 0;
    int lfd = listener(&port);
    CHECK(lfd >= 0);
    close(lfd); /* the port is free now: connecting is refused */
    eas_posix_tcp t;
    eas_transport tr;
    eas_posix_tcp_init(&t, &tr);
    CHECK_EQ(connect_wait(&t, &tr, "127.0.0.1", port, NULL), EAS_ERR_NET_CONNECT);
    CHECK_EQ(eas_posix_tcp_fd(&t), -1);
    CHECK_EQ(tr.connect(tr.ctx, "", port), EAS_ERR_ARG);
    CHECK_EQ(tr.connect(tr.ctx, NULL, port), EAS_ERR_ARG);
    uint8_t b = 0;
    size_t done;
    CHECK_EQ(tr.send(tr.ctx, &b, 0, &done), EAS_ERR_ARG);
    CHECK_EQ(eas_posix_wait(-1, 1, 0, 10), EAS_ERR_ARG);
    CHECK_EQ(eas_posix_wait(0, 0, 0, 10), EAS_ERR_ARG);
}

static void tcp_full_buffer_body(int lfd, uint16_t port)
{
    eas_posix_tcp t;
    eas_transport tr;
    eas_posix_tcp_init(&t, &tr);
    CHECK_OK(connect_wait(&t, &tr, "127.0.0.1", port, NULL));
    int peer = accept(lfd, NULL, NULL);
    CHECK(peer >= 0);
    /* The peer never reads: the socket buffers fill and send must say so instead of blocking. */
    static uint8_t chunk[65536];
    memset(chunk, 'z', sizeof chunk);
    size_t total = 0, done = 0;
    eas_err e = EAS_OK;
    for (int i = 0; i < 4096 && e == EAS_OK; i++) {
        e = tr.send(tr.ctx, chunk, sizeof chunk, &done);
        if (e == EAS_OK) total += done;
    }
    CHECK_EQ(e, EAS_ERR_WOULD_BLOCK);
    CHECK(eas_posix_tcp_want_write(&t));
    CHECK(total > 0);
    CHECK_EQ(eas_posix_wait(eas_posix_tcp_fd(&t), 0, 1, 20), EAS_ERR_NET_TIMEOUT);
    /* Once the peer drains some, writing resumes. */
    size_t drained = 0;
    for (int i = 0; i < 4096 && drained < total; i++) {
        ssize_t n = recv(peer, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        drained += (size_t)n;
    }
    CHECK_EQ(drained, total);
    CHECK_OK(eas_posix_wait(eas_posix_tcp_fd(&t), 0, 1, WAIT_MS));
    CHECK_OK(tr.send(tr.ctx, chunk, 10, &done));
    CHECK_EQ(done, 10);
    /* Writing to a peer that has gone: an error, never SIGPIPE killing the process. */
    close(peer);
    eas_err last = EAS_OK;
    for (int i = 0; i < 100 && (last == EAS_OK || last == EAS_ERR_WOULD_BLOCK); i++) {
        last = tr.send(tr.ctx, chunk, 1000, &done);
        if (last == EAS_ERR_WOULD_BLOCK) eas_posix_wait(eas_posix_tcp_fd(&t), 0, 1, 100);
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    CHECK(last == EAS_ERR_NET_CLOSED || last == EAS_ERR_NET_IO);
    tr.close(tr.ctx);
}

TEST(posix_tcp_full_send_buffer_would_block)
{
    uint16_t port = 0;
    int lfd = listener(&port);
    CHECK(lfd >= 0);
    tcp_full_buffer_body(lfd, port);
    close(lfd);
}

TEST(posix_wait_times_out_in_time)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    int64_t t0 = tcp_now_ms();
    eas_err e = eas_posix_wait(fds[0], 1, 0, 80);
    int64_t took = tcp_now_ms() - t0;
    CHECK(write(fds[1], "a", 1) == 1);
    eas_err e2 = eas_posix_wait(fds[0], 1, 0, 1000);
    close(fds[0]);
    close(fds[1]);
    CHECK_EQ(e, EAS_ERR_NET_TIMEOUT);
    CHECK(took >= 70 && took < 2000);
    CHECK_OK(e2);
}
