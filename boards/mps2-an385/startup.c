/* The vector table of mps2-an385: 16 system exceptions, 32 interrupts of the AN385 image (the LAN9118
 * Ethernet controller is interrupt 13). */
#include <stdint.h>

#include "startup.h"

void SysTick_Handler(void);
void Eth_Handler(void);

typedef void (*vector)(void);

__attribute__((section(".vectors"), used)) const vector mps2_vectors[16 + 32] = {
    (vector)(uintptr_t)__stack_top,
    Reset_Handler,
    Fault_Handler,   /* NMI */
    Fault_Handler,   /* HardFault */
    Fault_Handler,   /* MemManage */
    Fault_Handler,   /* BusFault */
    Fault_Handler,   /* UsageFault */
    0, 0, 0, 0,
    Default_Handler, /* SVCall */
    Default_Handler, /* DebugMonitor */
    0,
    Default_Handler, /* PendSV */
    SysTick_Handler,
    Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 0-3 */
    Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 4-7 */
    Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 8-11 */
    Default_Handler, Eth_Handler, Default_Handler, Default_Handler, /* 12-15 */
    Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 16-19 */
    Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 20-23 */
    Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 24-27 */
    Default_Handler, Default_Handler, Default_Handler, Default_Handler, /* 28-31 */
};
