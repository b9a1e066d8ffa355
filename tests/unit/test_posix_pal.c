/* The rest of the POSIX PAL: clock, entropy, log, and eas_posix_pal_init filling an eas_pal. */
#include "check.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eas/err.h"
#include "eas_posix.h"

TEST(posix_clock_monotonic_and_wall)
{
    eas_clock c;
    eas_posix_clock_init(&c);
    uint64_t a = c.monotonic_ms(c.ctx);
    struct timespec ts = {0, 30 * 1000000L};
    nanosleep(&ts, NULL);
    uint64_t b = c.monotonic_ms(c.ctx);
    CHECK(b >= a + 25);
    CHECK(b < a + 5000);
    int64_t w = c.wall_time(c.ctx);
    int64_t now = (int64_t)time(NULL);
    CHECK(w > 1600000000); /* after 2020: the host clock is set */
    CHECK(w >= now - 2 && w <= now + 2);
}

TEST(posix_entropy_fills_unpredictably)
{
    eas_entropy e;
    eas_posix_entropy_init(&e);
    uint8_t a[64], b[64];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    CHECK_OK(e.fill(e.ctx, a, sizeof a));
    CHECK_OK(e.fill(e.ctx, b, sizeof b));
    CHECK(memcmp(a, b, sizeof a) != 0);
    int zeros = 0;
    for (size_t i = 0; i < sizeof a; i++) zeros += a[i] == 0;
    CHECK(zeros < 16);
    static uint8_t big[100000]; /* larger than one getrandom call may return */
    CHECK_OK(e.fill(e.ctx, big, sizeof big));
    CHECK_OK(e.fill(e.ctx, a, 0));
}

/* Runs fn with stderr sent to a temporary file and returns what was written there. */
static size_t capture_stderr(void (*fn)(void *), void *arg, char *out, size_t cap)
{
    char path[] = "/tmp/eas-log-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    fn(arg);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    ssize_t n = pread(fd, out, cap - 1, 0);
    close(fd);
    unlink(path);
    out[n > 0 ? n : 0] = '\0';
    return n > 0 ? (size_t)n : 0;
}

static void log_some(void *arg)
{
    const eas_log *l = arg;
    l->write(l->ctx, EAS_LOG_ERROR, "disk on fire");
    l->write(l->ctx, EAS_LOG_WARN, "smoke");
    l->write(l->ctx, EAS_LOG_INFO, "hidden info");
    l->write(l->ctx, EAS_LOG_DEBUG, "hidden debug");
}

TEST(posix_log_filters_by_level)
{
    eas_posix_log pl;
    eas_log l;
    eas_posix_log_init(&pl, EAS_LOG_WARN, &l);
    char text[512];
    capture_stderr(log_some, &l, text, sizeof text);
    CHECK_STR(text, "easagent E: disk on fire\neasagent W: smoke\n");
    eas_posix_log_init(&pl, EAS_LOG_DEBUG, &l);
    capture_stderr(log_some, &l, text, sizeof text);
    CHECK(strstr(text, "easagent D: hidden debug\n") != NULL);
    CHECK(strstr(text, "easagent I: hidden info\n") != NULL);
}

TEST(posix_pal_init_fills_every_interface)
{
    char dir[] = "/tmp/eas-pal-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char image[64], map[80];
    snprintf(image, sizeof image, "%s/f.img", dir);
    snprintf(map, sizeof map, "%s/f.img.prog", dir);
    static eas_posix_pal p;
    eas_pal pal;
    eas_posix_pal_config cfg = {image, 4096, 8, 4, EAS_LOG_INFO, 0};
    eas_err e = eas_posix_pal_init(&pal, &p, &cfg);
    int complete = pal.tcp.connect && pal.tcp.send && pal.tcp.recv && pal.tcp.close && pal.tcp.ctx == &p.tcp &&
                   pal.clock.monotonic_ms && pal.clock.wall_time && pal.entropy.fill && pal.flash.read &&
                   pal.flash.prog && pal.flash.erase && pal.flash.sector_size == 4096 &&
                   pal.flash.sector_count == 8 && pal.flash.prog_size == 4 && pal.log.write;
    uint8_t w[4] = {1, 2, 3, 4}, r[4] = {0};
    eas_err pe = e == EAS_OK ? pal.flash.prog(pal.flash.ctx, 4096, w, 4) : e;
    eas_err re = e == EAS_OK ? pal.flash.read(pal.flash.ctx, 4096, r, 4) : e;
    eas_posix_pal_deinit(&p);

    /* Without a flash path and log level those interfaces stay empty. */
    eas_posix_pal_config bare = {NULL, 0, 0, 0, 0, 0};
    eas_err e2 = eas_posix_pal_init(&pal, &p, &bare);
    int bare_ok = !pal.flash.read && !pal.log.write && pal.tcp.connect && pal.entropy.fill;
    eas_posix_pal_deinit(&p);
    /* A bad geometry is reported. */
    eas_posix_pal_config bad = {image, 4096, 8, 3, 0, 0};
    eas_err e3 = eas_posix_pal_init(&pal, &p, &bad);

    unlink(image);
    unlink(map);
    rmdir(dir);
    CHECK_OK(e);
    CHECK(complete);
    CHECK_OK(pe);
    CHECK_OK(re);
    CHECK_MEM(r, w, 4);
    CHECK_OK(e2);
    CHECK(bare_ok);
    CHECK_EQ(e3, EAS_ERR_ARG);
}
