/* What a board gives the firmware application (boards/common/app.c) and the lwIP port: a console, a
 * millisecond clock, a way to sleep until the next interrupt, the Ethernet interface as an lwIP netif,
 * the state region as an eas_flash, an entropy source, an optional real-time clock, reset and exit.
 * One file per board implements it (boards/NAME/board.c); everything else is shared. */
#ifndef EAS_BOARD_H
#define EAS_BOARD_H

#include <stddef.h>
#include <stdint.h>

#include "lwip/err.h"
#include "pal.h"

struct netif;

/* Clocks, console, SysTick, interrupts. First thing main() calls. */
void board_init(void);
/* Writes n bytes to the console (polled: returns when the bytes are in the UART). */
void board_console_write(const char *s, size_t n);
/* Milliseconds since reset (SysTick), never going back. */
uint64_t board_ms(void);
/* Starts the SysTick millisecond clock behind board_ms (boards/common/systick_clock.c). */
void systick_clock_start(uint32_t core_hz);
/* Sleeps until the next interrupt (WFI): the SysTick at the latest, or a received frame. */
void board_wait_for_interrupt(void);

/* The netif init function given to netif_add(): sets up the Ethernet controller and fills the netif
 * (MAC address, MTU, output functions). */
err_t board_netif_init(struct netif *netif);
/* Hands every frame received since the last call to netif->input; the receive interrupt only notes
 * that frames wait (lwIP runs NO_SYS, outside interrupts). Returns the number of frames delivered. */
unsigned board_netif_poll(struct netif *netif);

/* The region the state store lives in, with the rules of NOR flash. */
const eas_flash *board_flash(void);
/* Key-material entropy, or failure: never weak bytes. */
eas_entropy board_entropy(void);
/* Seconds since 1970 from the board's real-time clock, or -1 when it has none (time must then come
 * from SNTP). */
int64_t board_rtc_time(void);
/* How often this board has started since power-on (1 on a cold start): survives board_reboot(). */
uint32_t board_boot_count(void);

/* The static arena mbedTLS allocates from. */
uint8_t *board_tls_heap(size_t *size);

/* Bottom and top of the main stack, for the high-water mark. */
void board_stack_bounds(uint8_t **bottom, uint8_t **top);

/* A system reset: RAM outside the loaded image (the state region) keeps its contents. */
_Noreturn void board_reboot(void);
/* Ends the program with an exit status (the emulator's; a real board resets). */
_Noreturn void board_exit(int code);

#endif
