/* The few Cortex-M3 system registers the boards use (ARMv7-M architecture reference manual, B3). */
#ifndef EAS_CORTEX_M_H
#define EAS_CORTEX_M_H

#include <stdint.h>

#define CM_REG(addr) (*(volatile uint32_t *)(addr))
#define SYST_CSR CM_REG(0xE000E010u)
#define SYST_RVR CM_REG(0xE000E014u)
#define SYST_CVR CM_REG(0xE000E018u)
#define NVIC_ISER0 CM_REG(0xE000E100u)
#define NVIC_ICER0 CM_REG(0xE000E180u)
#define SCB_AIRCR CM_REG(0xE000ED0Cu)
#define SCB_VTOR CM_REG(0xE000ED08u)

static inline void cm_enable_irq(unsigned n) { NVIC_ISER0 = 1u << n; }
static inline void cm_irq_on(void) { __asm__ volatile("cpsie i" ::: "memory"); }
static inline void cm_irq_off(void) { __asm__ volatile("cpsid i" ::: "memory"); }
static inline void cm_wfi(void) { __asm__ volatile("wfi"); }
static inline void cm_dsb(void) { __asm__ volatile("dsb" ::: "memory"); }

/* SYSRESETREQ: a system reset, as a watchdog or a reset button would give. */
_Noreturn static inline void cm_system_reset(void)
{
    cm_dsb();
    SCB_AIRCR = 0x05FA0004u;
    cm_dsb();
    for (;;) {
    }
}

#endif
