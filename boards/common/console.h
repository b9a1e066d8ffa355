/* Text on the board's console without printf (no stdio, no allocator in the image). */
#ifndef EAS_CONSOLE_H
#define EAS_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "pal.h"

void con_puts(const char *s);
void con_putu(uint64_t v);
void con_puti(int64_t v);
/* s, then spaces up to width characters (at least one space when s is as long or longer). */
void con_pad(const char *s, size_t width);
/* YYYY-MM-DDTHH:MM:SSZ */
void con_time(int64_t seconds);
/* The core's log: "easagent W: text" lines at or below max_level. */
eas_log con_log(eas_log_level *max_level);

#endif
