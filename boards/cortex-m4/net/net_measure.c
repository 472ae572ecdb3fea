/*
 * Measurement helpers of the network firmware: painted stack, instruction
 * counts from virtual time, and the `check:` / `figure:` lines the host
 * harness parses. No printf (newlib's allocates): numbers are formatted
 * here.
 *
 * Instructions: QEMU runs the image with -icount shift=0, so every guest
 * instruction advances the virtual clock by exactly 1 ns, and SysTick
 * counts that clock at 25 MHz. An operation's instruction count is the
 * virtual time it took minus the time the CPU slept in WFI waiting for the
 * network (idle time advances the virtual clock without instructions).
 * bl_net_calibrate() checks the method on a loop of known length.
 */
#include "net.h"

#include "board.h"

#define STACK_PAINT 0xA5A5A5A5u

extern uint32_t _ebss, _estack;

static uint64_t idle_ns;

void bl_net_stack_paint(void)
{
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    /* Leave 64 bytes under our own frame alone: the call that painted. */
    for (volatile uint32_t *p = &_ebss; p < sp - 16; p++) {
        *p = STACK_PAINT;
    }
}

uint32_t bl_net_stack_peak(void)
{
    const volatile uint32_t *p = &_ebss;
    while (p < &_estack && *p == STACK_PAINT) {
        p++;
    }
    return (uint32_t)((uintptr_t)&_estack - (uintptr_t)p);
}

void bl_net_idle_wait(void)
{
    /* Masked, so a byte arriving between the check and WFI still wakes it
     * (WFI wakes on a pending interrupt even with PRIMASK set); the
     * handler runs after cpsie, outside the idle time. */
    __asm__ volatile("cpsid i" ::: "memory");
    if (!bl_net_uart_rx_pending()) {
        uint64_t t0 = bl_board_time_ns();
        __asm__ volatile("dsb\n\twfi" ::: "memory");
        idle_ns += bl_board_time_ns() - t0;
    }
    __asm__ volatile("cpsie i" ::: "memory");
}

bl_net_mark_t bl_net_mark(void)
{
    bl_net_mark_t m;
    m.t_ns = bl_board_time_ns();
    m.idle_ns = idle_ns;
    return m;
}

uint64_t bl_net_insns_since(const bl_net_mark_t *from)
{
    bl_net_mark_t now = bl_net_mark();
    return (now.t_ns - from->t_ns) - (now.idle_ns - from->idle_ns);
}

uint32_t bl_net_ms_since(const bl_net_mark_t *from)
{
    return (uint32_t)((bl_board_time_ns() - from->t_ns) / 1000000u);
}

uint64_t bl_net_calibrate(uint32_t iterations)
{
    bl_net_mark_t m = bl_net_mark();
    /* mov + (subs + bne) per iteration: 1 + 2 * iterations instructions. */
    __asm__ volatile("mov r0, %0\n"
                     "1:\n\t"
                     "subs r0, r0, #1\n\t"
                     "bne 1b\n"
                     :
                     : "r"(iterations)
                     : "r0", "cc");
    return bl_net_insns_since(&m);
}

/* ---------------------------------------------------------------- lines */

typedef struct line {
    char buf[160];
    size_t len;
} line_t;

static void put(line_t *l, const char *s)
{
    while (*s != '\0' && l->len + 2u < sizeof l->buf) {
        l->buf[l->len++] = *s++;
    }
}

static void put_u64(line_t *l, uint64_t v)
{
    char digits[21];
    size_t n = 0u;
    /* Decimal by repeated subtraction of powers of ten: no 64-bit divide. */
    static const uint64_t pow10[] = {10000000000000000000u, 1000000000000000000u, 100000000000000000u,
                                     10000000000000000u,    1000000000000000u,    100000000000000u,
                                     10000000000000u,       1000000000000u,       100000000000u,
                                     10000000000u,          1000000000u,          100000000u,
                                     10000000u,             1000000u,             100000u,
                                     10000u,                1000u,                100u,
                                     10u,                   1u};
    bool started = false;
    for (size_t i = 0; i < sizeof pow10 / sizeof pow10[0]; i++) {
        char d = '0';
        while (v >= pow10[i]) {
            v -= pow10[i];
            d++;
        }
        if (d != '0' || started || i + 1u == sizeof pow10 / sizeof pow10[0]) {
            digits[n++] = d;
            started = true;
        }
    }
    digits[n] = '\0';
    put(l, digits);
}

static void emit(line_t *l)
{
    l->buf[l->len++] = '\n';
    l->buf[l->len] = '\0';
    bl_board_print(l->buf);
}

bool bl_net_check(const char *name, bool ok, const char *status, const char *detail)
{
    line_t l = {{0}, 0u};
    put(&l, "check: ");
    put(&l, name);
    if (ok) {
        put(&l, " ok");
    } else {
        put(&l, " FAIL ");
        put(&l, status != NULL ? status : "-");
        put(&l, " ");
        put(&l, detail != NULL ? detail : "-");
    }
    emit(&l);
    return ok;
}

void bl_net_figure2(const char *prefix, const char *suffix, uint64_t value, const char *unit)
{
    line_t l = {{0}, 0u};
    put(&l, "figure: ");
    put(&l, prefix);
    put(&l, suffix);
    put(&l, " = ");
    put_u64(&l, value);
    put(&l, " ");
    put(&l, unit);
    emit(&l);
}

void bl_net_figure(const char *name, uint64_t value, const char *unit)
{
    bl_net_figure2(name, "", value, unit);
}

void bl_net_note(const char *a, const char *b)
{
    line_t l = {{0}, 0u};
    put(&l, a);
    put(&l, b != NULL ? b : "");
    emit(&l);
}
