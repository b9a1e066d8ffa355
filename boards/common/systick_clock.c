/* The millisecond clock every Cortex-M board here has: SysTick at 1 kHz, counted in 64 bits. */
#include "board.h"
#include "cortex_m.h"

static volatile uint32_t ticks_lo, ticks_hi;

void SysTick_Handler(void);
void SysTick_Handler(void)
{
    if (++ticks_lo == 0) ticks_hi++;
}

uint64_t board_ms(void)
{
    uint32_t hi, lo;
    do {
        hi = ticks_hi;
        lo = ticks_lo;
    } while (hi != ticks_hi);
    return ((uint64_t)hi << 32) | lo;
}

void systick_clock_start(uint32_t core_hz)
{
    SYST_RVR = core_hz / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 0x7u; /* processor clock, interrupt, enable */
}
