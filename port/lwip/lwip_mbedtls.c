/* mbedTLS's platform on a microcontroller: allocations from a static arena (memory_buffer_alloc) with
 * a usage count, the time from the PAL clock, and gmtime_r without libc's time zone machinery. The
 * configuration is platform/mbedtls_config_target.h. */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "arch/cc.h"
#include "eas_lwip.h"
#include "mbedtls/memory_buffer_alloc.h"
#include "mbedtls/platform.h"
#include "mbedtls/platform_time.h"
#include "mbedtls/platform_util.h"

/* The defaults mbedTLS starts with (MBEDTLS_PLATFORM_STD_CALLOC/FREE): no libc allocator behind them,
 * so nothing allocates before the arena is installed and malloc is never linked. */
void *eas_mbedtls_no_calloc(size_t n, size_t size)
{
    (void)n, (void)size;
    return NULL;
}

void eas_mbedtls_no_free(void *p) { (void)p; }

time_t eas_mbedtls_no_time(time_t *t)
{
    if (t) *t = 0;
    return 0;
}

/* mbedtls_exit(): only the arena allocator calls it, on a corrupted heap. */
void eas_mbedtls_exit(int status)
{
    (void)status;
    eas_lwip_assert("mbedTLS heap corrupted", __FILE__, __LINE__);
}

static const eas_clock *tls_clock;
static uint8_t *arena;
static size_t arena_size;

/* The arena's high-water mark without MBEDTLS_MEMORY_DEBUG (which would bring stdio): free space is
 * painted, and calloc zeroes every block it hands out, so the highest unpainted byte is the furthest the
 * allocator ever reached. The first block header sits at the arena's start; a few dozen bytes past it
 * are left alone. */
#define ARENA_PAINT 0xa5u
#define ARENA_HEADER_ROOM 64u

static mbedtls_time_t eas_mbedtls_time(mbedtls_time_t *out)
{
    int64_t now = tls_clock ? tls_clock->wall_time(tls_clock->ctx) : -1;
    /* Unknown time is 1970: every certificate is then "not yet valid" and the handshake fails, which
     * is the safe failure. The application waits for a time before connecting. */
    mbedtls_time_t t = (mbedtls_time_t)(now < 0 ? 0 : now);
    if (out) *out = t;
    return t;
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian), after H. Hinnant's days_from_civil
 * inverse; valid for every date mbedTLS compares certificates with. */
struct tm *mbedtls_platform_gmtime_r(const mbedtls_time_t *tt, struct tm *tm_buf)
{
    if (!tt || !tm_buf) return NULL;
    int64_t t = (int64_t)*tt;
    int64_t days = t / 86400, rem = t % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2) y++;
    memset(tm_buf, 0, sizeof *tm_buf);
    tm_buf->tm_year = (int)(y - 1900);
    tm_buf->tm_mon = (int)(m - 1);
    tm_buf->tm_mday = (int)d;
    tm_buf->tm_hour = (int)(rem / 3600);
    tm_buf->tm_min = (int)(rem / 60 % 60);
    tm_buf->tm_sec = (int)(rem % 60);
    tm_buf->tm_wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
    return tm_buf;
}

eas_err eas_mbedtls_platform_init(uint8_t *heap, size_t size, const eas_clock *clock)
{
    if (!heap || size < 1024 || !clock || !clock->wall_time) return EAS_ERR_ARG;
    mbedtls_memory_buffer_alloc_init(heap, size);
    memset(heap + ARENA_HEADER_ROOM, ARENA_PAINT, size - ARENA_HEADER_ROOM);
    arena = heap;
    arena_size = size;
    tls_clock = clock;
    if (mbedtls_platform_set_time(eas_mbedtls_time) != 0) return EAS_ERR_TLS_CONFIG;
    return EAS_OK;
}

size_t eas_mbedtls_heap_peak(void)
{
    size_t n = arena_size;
    while (n > ARENA_HEADER_ROOM && arena[n - 1] == ARENA_PAINT) n--;
    return arena ? n : 0;
}
