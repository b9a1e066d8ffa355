/* The line of a log macro (eas/log.h): the text with its "%u" replaced by the numbers, on the stack. */
#include "eas/log.h"

void eas_log_emit(const eas_log *log, eas_log_level level, const char *text, uint32_t a, uint32_t b)
{
    char line[EAS_LOG_LINE_MAX];
    const uint32_t nums[2] = {a, b};
    unsigned used = 0;
    size_t n = 0;
    if (!log || !log->write || !text) return;
    for (size_t i = 0; text[i] != '\0' && n < sizeof line - 1; i++) {
        if (text[i] == '%' && text[i + 1] == 'u' && used < 2) {
            char digits[10];
            unsigned k = 0;
            uint32_t v = nums[used++];
            do {
                digits[k++] = (char)('0' + v % 10u);
                v /= 10u;
            } while (v && k < sizeof digits);
            while (k > 0 && n < sizeof line - 1) line[n++] = digits[--k];
            i++;
            continue;
        }
        line[n++] = text[i];
    }
    line[n] = '\0';
    log->write(log->ctx, level, line);
}
