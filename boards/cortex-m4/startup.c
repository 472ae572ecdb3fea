/*
 * Minimal Cortex-M4 start-up: vector table, .data copy, .bss clear, FPU on,
 * then main(). Any fault parks the CPU in a loop a debugger can see.
 */
#include <stdint.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;

int main(void);
void Reset_Handler(void);
void Default_Handler(void);
void SysTick_Handler(void);

/* Options of an image that needs more than the core exceptions (the network
 * firmware in net/): a handler for UART0's RX interrupt (mps2-an386: IRQ 0)
 * and a fault handler that reports instead of parking silently. Both are
 * the application's. Without them the table is the 16 core entries. */
#if defined(BL_BOARD_UART_RX_IRQ) && BL_BOARD_UART_RX_IRQ
void UART0RX_Handler(void);
#define BL_BOARD_VECTORS 17
#else
#define BL_BOARD_VECTORS 16
#endif
#if defined(BL_BOARD_FAULT_REPORT) && BL_BOARD_FAULT_REPORT
void HardFault_Handler(void);
#define BL_BOARD_HARDFAULT HardFault_Handler
#else
#define BL_BOARD_HARDFAULT Default_Handler
#endif

void Default_Handler(void)
{
    for (;;) {
    }
}

void Reset_Handler(void)
{
    const uint32_t *src = &_sidata;
    uint32_t *dst;

    for (dst = &_sdata; dst < &_edata;) {
        *dst++ = *src++;
    }
    for (dst = &_sbss; dst < &_ebss;) {
        *dst++ = 0u;
    }
    /* CPACR: full access to CP10/CP11, as -mfloat-abi=hard code needs. */
    *(volatile uint32_t *)0xE000ED88u |= (0xFu << 20);
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    (void)main();
    Default_Handler();
}

/* Cortex-M4 core exceptions; peripheral interrupts are the application's. */
__attribute__((section(".isr_vector"), used)) static void (*const vectors[BL_BOARD_VECTORS])(void) = {
    (void (*)(void))(uintptr_t)&_estack, /* initial stack pointer */
    Reset_Handler,
    Default_Handler, /* NMI */
    BL_BOARD_HARDFAULT, /* HardFault */
    Default_Handler, /* MemManage */
    Default_Handler, /* BusFault */
    Default_Handler, /* UsageFault */
    0, 0, 0, 0,
    Default_Handler, /* SVCall */
    Default_Handler, /* DebugMonitor */
    0,
    Default_Handler, /* PendSV */
    SysTick_Handler,
#if defined(BL_BOARD_UART_RX_IRQ) && BL_BOARD_UART_RX_IRQ
    UART0RX_Handler, /* IRQ 0: UART0 RX */
#endif
};
