/* Handlers every Cortex-M board's vector table uses (boards/common/startup.c). */
#ifndef EAS_STARTUP_H
#define EAS_STARTUP_H

extern uint32_t __stack_top[];
void Reset_Handler(void);
void Fault_Handler(void);
void Default_Handler(void);

#endif
