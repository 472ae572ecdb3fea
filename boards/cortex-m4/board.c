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

uint32_t bl_board_ms(void)
{
    return bl_board_ticks;
}

#define SCB_ICSR (*(volatile uint32_t *)0xE000ED04u)
#define SCB_ICSR_PENDSTSET (1u << 26)

uint64_t bl_board_time_ns(void)
{
    /* Ticks, then the down-counter, then ticks again: a tick in between
     * means the counter reloaded, so read it once more. */
    uint32_t ms = bl_board_ticks;
    uint32_t cvr = SYST_CVR;
    uint32_t again = bl_board_ticks;
    if (again != ms) {
        ms = again;
        cvr = SYST_CVR;
    }
    uint32_t reload = SYST_RVR;
    /* With interrupts masked (around WFI) a reload may be pending and not
     * counted yet: the counter then reads high, just after the reload. */
    if ((SCB_ICSR & SCB_ICSR_PENDSTSET) != 0u && cvr > reload / 2u) {
        ms++;
    }
    uint32_t elapsed = reload - cvr; /* core cycles into this millisecond */
    return (uint64_t)ms * 1000000u + (uint64_t)elapsed * (1000000000u / BL_BOARD_CPU_HZ);
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

uint32_t bl_board_host_time(void)
{
    return bl_board_semihost(0x11u, 0); /* SYS_TIME: seconds since 1970 */
}

bool bl_board_cmdline(char *buf, uint32_t size)
{
    /* SYS_GET_CMDLINE: { buffer, size } in, size updated to the length. */
    uint32_t block[2];
    if (buf == 0 || size < 2u) {
        return false;
    }
    block[0] = (uint32_t)(uintptr_t)buf;
    block[1] = size;
    if (bl_board_semihost(0x15u, block) != 0u || block[1] >= size) {
        buf[0] = '\0';
        return false;
    }
    buf[block[1]] = '\0';
    return true;
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

uint32_t bl_board_host_time(void)
{
    return 0u;
}

bool bl_board_cmdline(char *buf, uint32_t size)
{
    if (buf != 0 && size > 0u) {
        buf[0] = '\0';
    }
    return false;
}

void bl_board_exit(bool ok)
{
    (void)ok;
    for (;;) {
        __asm__ volatile("wfi");
    }
}
#endif
