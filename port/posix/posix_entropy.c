/* Entropy for the POSIX port: the kernel's CSPRNG (getrandom on Linux, /dev/urandom elsewhere). */
#include "eas_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/random.h>
#endif

/* Enough for any caller's request even when the kernel hands out a few bytes per call. */
#define ENTROPY_MAX_CALLS 1024

static eas_err posix_entropy_fill(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    if (!buf && len) return EAS_ERR_ARG;
    size_t got = 0;
#if defined(__linux__)
    for (int i = 0; got < len && i < ENTROPY_MAX_CALLS; i++) {
        ssize_t n = getrandom(buf + got, len - got, 0);
        if (n > 0) got += (size_t)n;
        else if (n < 0 && errno != EINTR) break;
    }
    if (got == len) return EAS_OK;
#endif
    /* Kernels without getrandom, or other systems. */
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return EAS_ERR_IO;
    for (int i = 0; got < len && i < ENTROPY_MAX_CALLS; i++) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n > 0) got += (size_t)n;
        else if (n == 0 || errno != EINTR) break;
    }
    close(fd);
    return got == len ? EAS_OK : EAS_ERR_IO;
}

void eas_posix_entropy_init(eas_entropy *out)
{
    out->ctx = NULL;
    out->fill = posix_entropy_fill;
}
