/*
 * SysTick millisecond clock and semihosting output for the example
 * firmware. The tick counter is the board's, not banklink's: the library
 * itself holds no mutable state.
 */
#include "board.h"

#include <stdint.h>

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

static volatile uint32_t bl_board_ticks;

void SysTick_Handler(void);
void SysTick_Handler(void)
{
    bl_board_ticks++;
}

static uint32_t bl_board_now_ms(void *ctx)
{
    (void)ctx;
    return bl_board_ticks;
}

static void bl_board_sleep_ms(void *ctx, uint32_t ms)
{
    uint32_t start = bl_board_ticks;
    (void)ctx;
    while ((uint32_t)(bl_board_ticks - start) < ms) {
        __asm__ volatile("wfi");
    }
}

void bl_board_puts(const char *s)
{
    bl_board_print(s);
    bl_board_print("\n");
}

void bl_board_clock_init(bl_clock_t *c)
{
    SYST_RVR = BL_BOARD_CPU_HZ / 1000u - 1u;
    SYST_CVR = 0u;
    SYST_CSR = 7u; /* processor clock, interrupt, enable */
    c->now_ms = bl_board_now_ms;
    c->sleep_ms = bl_board_sleep_ms;
    c->ctx = 0;
}

#if defined(BL_BOARD_SEMIHOSTING) && BL_BOARD_SEMIHOSTING
/* ARM semihosting call: operation in r0, argument in r1, BKPT 0xAB. */
static uint32_t bl_board_semihost(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void bl_board_print(const char *s)
{
    (void)bl_board_semihost(0x04u, s); /* SYS_WRITE0 */
}

void bl_board_exit(bool ok)
{
    /* SYS_EXIT: ADP_Stopped_ApplicationExit (status 0) or RunTimeErrorUnknown. */
    (void)bl_board_semihost(0x18u, (const void *)(uintptr_t)(ok ? 0x20026u : 0x20023u));
    for (;;) {
    }
}
#else
void bl_board_print(const char *s)
{
    (void)s;
}

void bl_board_exit(bool ok)
{
    (void)ok;
    for (;;) {
        __asm__ volatile("wfi");
    }
}
#endif
