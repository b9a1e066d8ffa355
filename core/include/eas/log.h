/* The core's log lines, as littlefs (LFS_WARN) and coreMQTT (LogWarn) do it: a macro per level that
 * compiles to nothing above EAS_LOG_LEVEL (eas/config.h), a fixed ROM string, and at most two numbers
 * (each "%u" of the text is replaced by the next one, in decimal): no printf on the MCU, and no way to
 * pass a string, so no secret (password, token, Authorization) can reach a log. The line goes to the
 * PAL's eas_log (pal.h); with no write function nothing happens.
 *
 *   EAS_WARN1(&a->pal->log, "HTTP 503: waiting %u s", wait_s);
 */
#ifndef EAS_LOG_H
#define EAS_LOG_H

#include <stdint.h>

#include "eas/config.h"
#include "pal.h"

/* The longest line the core writes, NUL included (a line is cut there). */
#define EAS_LOG_LINE_MAX 96u

void eas_log_emit(const eas_log *log, eas_log_level level, const char *text, uint32_t a, uint32_t b);

/* Arguments of a compiled-out line are not evaluated, but count as used. */
#define EAS_LOG_OFF_(log, a, b) ((void)sizeof(log), (void)sizeof(a), (void)sizeof(b))

#if EAS_LOG_LEVEL >= 1
#define EAS_LOG_E_(log, text, a, b) eas_log_emit((log), EAS_LOG_ERROR, text, (uint32_t)(a), (uint32_t)(b))
#else
#define EAS_LOG_E_(log, text, a, b) EAS_LOG_OFF_(log, a, b)
#endif
#if EAS_LOG_LEVEL >= 2
#define EAS_LOG_W_(log, text, a, b) eas_log_emit((log), EAS_LOG_WARN, text, (uint32_t)(a), (uint32_t)(b))
#else
#define EAS_LOG_W_(log, text, a, b) EAS_LOG_OFF_(log, a, b)
#endif
#if EAS_LOG_LEVEL >= 3
#define EAS_LOG_I_(log, text, a, b) eas_log_emit((log), EAS_LOG_INFO, text, (uint32_t)(a), (uint32_t)(b))
#else
#define EAS_LOG_I_(log, text, a, b) EAS_LOG_OFF_(log, a, b)
#endif
#if EAS_LOG_LEVEL >= 4
#define EAS_LOG_D_(log, text, a, b) eas_log_emit((log), EAS_LOG_DEBUG, text, (uint32_t)(a), (uint32_t)(b))
#else
#define EAS_LOG_D_(log, text, a, b) EAS_LOG_OFF_(log, a, b)
#endif

#define EAS_ERROR(log, text) EAS_LOG_E_(log, text, 0, 0)
#define EAS_ERROR1(log, text, a) EAS_LOG_E_(log, text, a, 0)
#define EAS_ERROR2(log, text, a, b) EAS_LOG_E_(log, text, a, b)
#define EAS_WARN(log, text) EAS_LOG_W_(log, text, 0, 0)
#define EAS_WARN1(log, text, a) EAS_LOG_W_(log, text, a, 0)
#define EAS_WARN2(log, text, a, b) EAS_LOG_W_(log, text, a, b)
#define EAS_INFO(log, text) EAS_LOG_I_(log, text, 0, 0)
#define EAS_INFO1(log, text, a) EAS_LOG_I_(log, text, a, 0)
#define EAS_INFO2(log, text, a, b) EAS_LOG_I_(log, text, a, b)
#define EAS_DEBUG(log, text) EAS_LOG_D_(log, text, 0, 0)
#define EAS_DEBUG1(log, text, a) EAS_LOG_D_(log, text, a, 0)
#define EAS_DEBUG2(log, text, a, b) EAS_LOG_D_(log, text, a, b)

#endif
