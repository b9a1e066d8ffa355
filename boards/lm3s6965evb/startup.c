/* The vector table of the LM3S6965: 16 system exceptions and its interrupts (the Ethernet controller
 * is interrupt 42). */
#include <stdint.h>

#include "startup.h"

void SysTick_Handler(void);
void Eth_Handler(void);

typedef void (*vector)(void);

#define D Default_Handler
__attribute__((section(".vectors"), used)) const vector lm3s_vectors[16 + 48] = {
    (vector)(uintptr_t)__stack_top,
    Reset_Handler,
    Fault_Handler, /* NMI */
    Fault_Handler, /* HardFault */
    Fault_Handler, /* MemManage */
    Fault_Handler, /* BusFault */
    Fault_Handler, /* UsageFault */
    0, 0, 0, 0,
    D,             /* SVCall */
    D,             /* DebugMonitor */
    0,
    D,             /* PendSV */
    SysTick_Handler,
    D, D, D, D, D, D, D, D, D, D, /* 0-9 */
    D, D, D, D, D, D, D, D, D, D, /* 10-19 */
    D, D, D, D, D, D, D, D, D, D, /* 20-29 */
    D, D, D, D, D, D, D, D, D, D, /* 30-39 */
    D, D, Eth_Handler, D, D, D, D, D, /* 40-47 */
};
