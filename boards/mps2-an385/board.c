/* mps2-an385 under QEMU: CMSDK UART0 console, SysTick millisecond clock, the state region in PSRAM,
 * and the emulator's host services for what the board lacks (entropy, a real-time clock, exit).
 * The Ethernet controller is in lan9118.c. */
#include <string.h>

#include "board.h"
#include "cortex_m.h"
#include "eas_board_config.h"
#include "ram_flash.h"

/* ---- CMSDK APB UART0 ---- */
#define UART0_BASE 0x40004000u
#define UART_DATA CM_REG(UART0_BASE + 0x00u)
#define UART_STATE CM_REG(UART0_BASE + 0x04u)
#define UART_CTRL CM_REG(UART0_BASE + 0x08u)
#define UART_BAUDDIV CM_REG(UART0_BASE + 0x10u)
#define UART_STATE_TXFULL 0x1u
#define UART_CTRL_TXEN 0x1u

#define SYSCLK_HZ 25000000u /* the AN385 image's CPU clock */

void board_console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        /* Bounded: a UART that never drains (TXEN off) must not hang the board forever. */
        for (uint32_t spin = 0; (UART_STATE & UART_STATE_TXFULL) && spin < 1000000u; spin++) {
        }
        UART_DATA = (uint8_t)s[i];
    }
}

void board_wait_for_interrupt(void) { cm_wfi(); }

void board_init(void)
{
    UART_BAUDDIV = SYSCLK_HZ / 115200u;
    UART_CTRL = UART_CTRL_TXEN; /* without TXEN nothing leaves the UART */
    systick_clock_start(SYSCLK_HZ);
    cm_irq_on();
}

/* ---- the state region: NOR rules over PSRAM kept across resets ---- */
extern uint8_t __noinit_start[], __noinit_end[];
static ram_flash flash;
static uint8_t flash_ready;

static void flash_attach(void)
{
    if (flash_ready) return;
    /* PSRAM lies outside the image: the linker script names it, nothing is placed there. */
    if (ram_flash_attach(&flash, __noinit_start, (size_t)(__noinit_end - __noinit_start), BOARD_FLASH_SECTOR_SIZE,
                         BOARD_FLASH_SECTORS, BOARD_FLASH_PROG_SIZE) == EAS_OK)
        flash_ready = 1;
}

const eas_flash *board_flash(void)
{
    flash_attach();
    return &flash.flash;
}

uint32_t board_boot_count(void)
{
    flash_attach();
    return flash.boots;
}

/* Entropy, wall clock, TLS arena, stack bounds, reset and exit: boards/common/qemu_board.c. */
