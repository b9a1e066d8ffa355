/* Logging for the POSIX port: one line per call on stderr. */
#include "eas_posix.h"

#include <stdio.h>

static void posix_log_write(void *ctx, eas_log_level level, const char *line)
{
    const eas_posix_log *l = ctx;
    static const char tags[] = "?EWID";
    if (!line || (int)level > (int)l->level) return;
    char tag = (level >= EAS_LOG_ERROR && level <= EAS_LOG_DEBUG) ? tags[level] : '?';
    /* One fprintf so that lines of concurrent writers do not interleave inside a line. */
    fprintf(stderr, "easagent %c: %s\n", tag, line);
}

void eas_posix_log_init(eas_posix_log *l, eas_log_level level, eas_log *out)
{
    l->level = level;
    out->ctx = l;
    out->write = posix_log_write;
}
