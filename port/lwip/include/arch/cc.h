/* lwIP's compiler and platform glue for the bare-metal port: no printf, no abort. */
#ifndef EAS_LWIP_ARCH_CC_H
#define EAS_LWIP_ARCH_CC_H

#include <stdint.h>

#define LWIP_NO_CTYPE_H 1

#define BYTE_ORDER LITTLE_ENDIAN

/* Diagnostics are compiled out (LWIP_DEBUG is off); an assertion names its file and line on the console
 * and stops the board: port/lwip/lwip_net.c. */
void eas_lwip_assert(const char *msg, const char *file, int line);
#define LWIP_PLATFORM_DIAG(x) \
    do {                      \
    } while (0)
#define LWIP_PLATFORM_ASSERT(x) eas_lwip_assert((x), __FILE__, __LINE__)

#endif
