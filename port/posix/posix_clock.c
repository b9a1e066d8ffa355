/* Time for the POSIX port: CLOCK_MONOTONIC for intervals, time() for the calendar. */
#include "eas_posix.h"

#include <time.h>

static uint64_t posix_monotonic_ms(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 0;
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int64_t posix_wall_time(void *ctx)
{
    (void)ctx;
    time_t now = time(NULL);
    /* A host clock still at the epoch has not been set: say unknown, as a board without SNTP would. */
    if (now == (time_t)-1 || now < 86400) return -1;
    return (int64_t)now;
}

void eas_posix_clock_init(eas_clock *out)
{
    out->ctx = NULL;
    out->monotonic_ms = posix_monotonic_ms;
    out->wall_time = posix_wall_time;
}
