/* Console text helpers over board_console_write. */
#include "console.h"

#include <string.h>
#include <time.h>

#include "board.h"
#include "mbedtls/platform_util.h"

void con_puts(const char *s) { board_console_write(s, strlen(s)); }

void con_putu(uint64_t v)
{
    char buf[21];
    size_t i = sizeof buf;
    do {
        buf[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v && i > 0);
    board_console_write(buf + i, sizeof buf - i);
}

void con_puti(int64_t v)
{
    if (v < 0) {
        con_puts("-");
        con_putu((uint64_t)0 - (uint64_t)v);
    } else {
        con_putu((uint64_t)v);
    }
}

void con_pad(const char *s, size_t width)
{
    size_t n = strlen(s);
    con_puts(s);
    do board_console_write(" ", 1);
    while (++n < width);
}

static void two(int v)
{
    char b[2] = {(char)('0' + v / 10 % 10), (char)('0' + v % 10)};
    board_console_write(b, 2);
}

void con_time(int64_t seconds)
{
    struct tm tm;
    mbedtls_time_t t = (mbedtls_time_t)seconds;
    if (seconds < 0 || !mbedtls_platform_gmtime_r(&t, &tm)) {
        con_puts("unknown");
        return;
    }
    con_putu((uint64_t)tm.tm_year + 1900u);
    con_puts("-");
    two(tm.tm_mon + 1);
    con_puts("-");
    two(tm.tm_mday);
    con_puts("T");
    two(tm.tm_hour);
    con_puts(":");
    two(tm.tm_min);
    con_puts(":");
    two(tm.tm_sec);
    con_puts("Z");
}

static void log_write(void *ctx, eas_log_level level, const char *line)
{
    const eas_log_level *max = ctx;
    static const char tag[] = "?EWID";
    if (max && level > *max) return;
    char head[] = "easagent ?: ";
    head[9] = tag[level <= EAS_LOG_DEBUG ? level : 0];
    board_console_write(head, sizeof head - 1);
    con_puts(line);
    con_puts("\n");
}

eas_log con_log(eas_log_level *max_level)
{
    eas_log l = {max_level, log_write};
    return l;
}
