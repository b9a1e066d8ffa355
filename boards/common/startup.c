/* Cortex-M start: copy .data, clear .bss, paint the stack (for the high-water mark), run main. The
 * vector table is the board's (boards/NAME/startup.c) and names Reset_Handler from here. */
#include <stdint.h>

#include "board.h"
#include "startup.h"

extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];
extern uint32_t __stack_bottom[], __stack_top[];

int main(void);

void Reset_Handler(void)
{
    uint32_t *src = __data_load, *dst = __data_start;
    while (dst < __data_end) *dst++ = *src++;
    for (dst = __bss_start; dst < __bss_end; dst++) *dst = 0;
    /* Paint the stack up to a little below where this function's frame lives. */
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (dst = __stack_bottom; dst < sp - 16; dst++) *dst = 0xa5a5a5a5u;
    board_exit(main());
}

/* A fault is a bug: report where it happened and stop. */
void fault_report(uint32_t *frame, uint32_t exc_return);
void fault_report(uint32_t *frame, uint32_t exc_return)
{
    static const char hex[] = "0123456789abcdef";
    char line[] = "fault: pc 00000000 lr 00000000\n";
    (void)exc_return;
    for (int i = 0; i < 8; i++) {
        line[10 + i] = hex[(frame[6] >> (28 - 4 * i)) & 15u];
        line[22 + i] = hex[(frame[5] >> (28 - 4 * i)) & 15u];
    }
    board_console_write(line, sizeof line - 1);
    board_exit(98);
}

__attribute__((naked)) void Fault_Handler(void)
{
    __asm__ volatile("tst lr, #4\n"
                     "ite eq\n"
                     "mrseq r0, msp\n"
                     "mrsne r0, psp\n"
                     "mov r1, lr\n"
                     "b fault_report\n");
}

void Default_Handler(void)
{
    static const char msg[] = "fault: unexpected interrupt\n";
    board_console_write(msg, sizeof msg - 1);
    board_exit(97);
}
