/* The core's log lines (eas/log.h): numbers put in place, a line cut at its maximum, no writer no call. */
#include <string.h>

#include "check.h"
#include "eas/log.h"

static char got[256];
static eas_log_level got_level;
static int calls;

static void capture(void *ctx, eas_log_level level, const char *line)
{
    (void)ctx;
    calls++;
    got_level = level;
    strncpy(got, line, sizeof got - 1);
}

TEST(log_puts_the_numbers_in_place)
{
    eas_log log = {NULL, capture};
    calls = 0;
    EAS_WARN2(&log, "Sync status %u: asking again in %u s", 16, 4294967295u);
    CHECK_EQ(calls, 1);
    CHECK_EQ(got_level, EAS_LOG_WARN);
    CHECK_STR(got, "Sync status 16: asking again in 4294967295 s");
    EAS_INFO(&log, "no number, 100%");
    CHECK_STR(got, "no number, 100%");
    CHECK_EQ(got_level, EAS_LOG_INFO);
    /* a third %u has no number: it stays as written */
    EAS_DEBUG2(&log, "%u %u %u", 0, 7);
    CHECK_STR(got, "0 7 %u");
}

TEST(log_cuts_a_long_line_and_needs_a_writer)
{
    char text[300];
    eas_log log = {NULL, capture};
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    calls = 0;
    EAS_ERROR(&log, text);
    CHECK_EQ(strlen(got), EAS_LOG_LINE_MAX - 1);
    eas_log none = {NULL, NULL};
    EAS_WARN(&none, "nobody hears this");
    CHECK_EQ(calls, 1);
}
