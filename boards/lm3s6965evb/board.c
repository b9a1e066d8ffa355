/* lm3s6965evb under QEMU: PL011 UART0 console, the PLL at 50 MHz, SysTick millisecond clock, the
 * state region in SRAM the startup code leaves alone, and the emulator's host services for what the
 * board lacks here (entropy, a real-time clock, exit). The Ethernet MAC is in stellaris_enet.c. */
#include <string.h>

#include "board.h"
#include "cortex_m.h"
#include "eas_board_config.h"
#include "ram_flash.h"

#define SYSCTL_RIS CM_REG(0x400FE050u)
#define SYSCTL_RCC CM_REG(0x400FE060u)
#define SYSCTL_RCGC1 CM_REG(0x400FE104u)
#define SYSCTL_RCGC2 CM_REG(0x400FE108u)
#define RCC_BYPASS (1u << 11)
#define RCC_USESYSDIV (1u << 22)
#define RCC_SYSDIV(n) ((uint32_t)(n) << 23)
#define RCC_XTAL_8MHZ (0xEu << 6)
#define RIS_PLLLRIS (1u << 6)

#define UART0_BASE 0x4000C000u
#define UART_DR CM_REG(UART0_BASE + 0x000u)
#define UART_FR CM_REG(UART0_BASE + 0x018u)
#define UART_IBRD CM_REG(UART0_BASE + 0x024u)
#define UART_FBRD CM_REG(UART0_BASE + 0x028u)
#define UART_LCRH CM_REG(UART0_BASE + 0x02Cu)
#define UART_CR CM_REG(UART0_BASE + 0x030u)
#define UART_FR_TXFF (1u << 5)

#define SYSCLK_HZ 50000000u /* 200 MHz PLL / 4 */

void board_console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (uint32_t spin = 0; (UART_FR & UART_FR_TXFF) && spin < 1000000u; spin++) {
        }
        UART_DR = (uint8_t)s[i];
    }
}

void board_wait_for_interrupt(void) { cm_wfi(); }

void board_init(void)
{
    /* 8 MHz crystal, PLL powered (PWRDN clear), /4: 50 MHz. Bypassed until the PLL reports lock. */
    SYSCTL_RCC = RCC_SYSDIV(3) | RCC_USESYSDIV | RCC_XTAL_8MHZ | RCC_BYPASS;
    for (uint32_t spin = 0; !(SYSCTL_RIS & RIS_PLLLRIS) && spin < 100000u; spin++) {
    }
    SYSCTL_RCC = RCC_SYSDIV(3) | RCC_USESYSDIV | RCC_XTAL_8MHZ;
    SYSCTL_RCGC1 |= 1u;                          /* UART0 */
    SYSCTL_RCGC2 |= (1u << 28) | (1u << 30) | 1u; /* Ethernet MAC and PHY, GPIO A (UART pins) */
    UART_CR = 0;
    UART_IBRD = SYSCLK_HZ / (16u * 115200u);
    UART_FBRD = ((SYSCLK_HZ * 4u / 115200u) + 1u) / 2u % 64u;
    UART_LCRH = 0x60u;                           /* 8 bits, no parity, one stop bit */
    UART_CR = 0x301u;                            /* UART, transmitter and receiver on */
    systick_clock_start(SYSCLK_HZ);
    cm_irq_on();
}

/* ---- the state region: NOR rules over SRAM the startup code does not touch ----
 * In a product the store goes in the last pages of the LM3S6965's own flash (1 KiB erase pages,
 * word writes): no RAM at all. QEMU loads that flash as ROM, so the emulation keeps it in RAM. */
static uint8_t flash_ram[RAM_FLASH_FOOTPRINT(BOARD_FLASH_SECTOR_SIZE, BOARD_FLASH_SECTORS, BOARD_FLASH_PROG_SIZE)] __attribute__((section(".noinit.state"), aligned(8)));
static ram_flash flash;
static uint8_t flash_ready;

static void flash_attach(void)
{
    if (flash_ready) return;
    if (ram_flash_attach(&flash, flash_ram, sizeof flash_ram, BOARD_FLASH_SECTOR_SIZE, BOARD_FLASH_SECTORS,
                         BOARD_FLASH_PROG_SIZE) == EAS_OK)
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
