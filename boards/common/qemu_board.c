/* What every board emulated by QEMU provides the same way: the parts that exist only in the emulator
 * (entropy, wall clock and exit through semihosting) and the ones that do not depend on the part
 * (TLS arena, stack bounds, reset). A board on real hardware replaces this file with its own. */
#include "board.h"
#include "cortex_m.h"
#include "eas_board_config.h"
#include "semihost.h"

/* ---- EMULATION ONLY: entropy ----
 * Neither the MPS2 nor the LM3S6965 has a TRNG. Under QEMU the bytes come from the host's
 * /dev/urandom through semihosting, which is good key material but exists only in the emulator. A
 * real product needs a hardware TRNG (with its health tests) or a secure element here; there is
 * deliberately no fallback to anything weaker. */
static int urandom = -1;

static eas_err entropy_fill(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    if (urandom < 0) urandom = semihost_open_read("/dev/urandom");
    if (urandom < 0) return EAS_ERR_IO;
    return semihost_read(urandom, buf, len) == 0 ? EAS_OK : EAS_ERR_IO;
}

eas_entropy board_entropy(void)
{
    eas_entropy e = {NULL, entropy_fill};
    return e;
}

/* ---- EMULATION ONLY: real-time clock ----
 * The emulated boards have no battery-backed RTC and QEMU's user network has no reachable NTP
 * server, so they take the host's time through semihosting (SYS_TIME). On hardware this is an RTC
 * read, or -1 until SNTP answers. */
int64_t board_rtc_time(void) { return semihost_time(); }

static uint8_t tls_heap[BOARD_TLS_HEAP_SIZE] __attribute__((aligned(8)));

uint8_t *board_tls_heap(size_t *size)
{
    *size = sizeof tls_heap;
    return tls_heap;
}

extern uint32_t __stack_bottom[], __stack_top[];

void board_stack_bounds(uint8_t **bottom, uint8_t **top)
{
    *bottom = (uint8_t *)__stack_bottom;
    *top = (uint8_t *)__stack_top;
}

_Noreturn void board_reboot(void) { cm_system_reset(); }

/* EMULATION ONLY: the exit status goes to QEMU (SYS_EXIT_EXTENDED). */
_Noreturn void board_exit(int code) { semihost_exit(code); }
