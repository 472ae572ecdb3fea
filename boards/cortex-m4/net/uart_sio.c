/*
 * CMSDK APB UART0 of mps2-an386 as lwIP's serial device (sio_*) for
 * slipif.
 *
 * The UART holds one received byte. The RX interrupt (IRQ 0) moves each
 * byte into a ring as it arrives, so the line keeps flowing while the CPU
 * does crypto; slipif_poll() then drains the ring through sio_tryread().
 * When the ring is full the interrupt switches itself off and leaves the
 * byte in the UART: under QEMU the rest waits in the chardev (nothing is
 * dropped), on hardware flow control would be needed. sio_tryread()
 * switches it back on once there is room.
 *
 * Registers (CMSDK APB UART, base 0x40004000): DATA +0x00, STATE +0x04
 * (bit 0 TX full, bit 1 RX full), CTRL +0x08 (bit 0 TX enable, bit 1 RX
 * enable, bit 3 RX interrupt enable), INTSTATUS/INTCLEAR +0x0C (bit 1 RX),
 * BAUDDIV +0x10 (at least 16).
 */
#include <stdbool.h>
#include <stdint.h>

#include "lwip/opt.h"
#include "lwip/sio.h"

#include "net.h"

#define UART0_BASE 0x40004000u
#define UART_DATA (*(volatile uint32_t *)(UART0_BASE + 0x00u))
#define UART_STATE (*(volatile uint32_t *)(UART0_BASE + 0x04u))
#define UART_CTRL (*(volatile uint32_t *)(UART0_BASE + 0x08u))
#define UART_INTCLEAR (*(volatile uint32_t *)(UART0_BASE + 0x0Cu))
#define UART_BAUDDIV (*(volatile uint32_t *)(UART0_BASE + 0x10u))

#define UART_STATE_TXFULL 0x1u
#define UART_STATE_RXFULL 0x2u
#define UART_CTRL_TXEN 0x1u
#define UART_CTRL_RXEN 0x2u
#define UART_CTRL_RXIRQ 0x8u
#define UART_INT_RX 0x2u

#define NVIC_ISER0 (*(volatile uint32_t *)0xE000E100u)
#define UART0_RX_IRQ 0u

/* Ring of received bytes: written by the ISR, read by sio_tryread(). The
 * indices are free-running; each side writes only its own. */
#define RX_RING_SIZE 2048u
static volatile uint8_t rx_ring[RX_RING_SIZE];
static volatile uint32_t rx_head; /* ISR */
static volatile uint32_t rx_tail; /* main loop */
static uint32_t rx_stalls;        /* times the ring was full */
static uint32_t tx_waits;         /* status reads that found the TX buffer full */
static int uart_handle;           /* sio_open's non-NULL handle */

/* Move bytes from the UART into the ring while both have some; with the
 * ring full, switch the interrupt off and leave the byte in the UART. Runs
 * in the ISR or with interrupts masked. */
static void rx_drain(void)
{
    while ((UART_STATE & UART_STATE_RXFULL) != 0u) {
        uint32_t head = rx_head;
        if (head - rx_tail >= RX_RING_SIZE) {
            UART_CTRL = UART_CTRL & ~UART_CTRL_RXIRQ;
            rx_stalls++;
            return;
        }
        rx_ring[head % RX_RING_SIZE] = (uint8_t)UART_DATA;
        rx_head = head + 1u;
    }
}

void UART0RX_Handler(void);
void UART0RX_Handler(void)
{
    /* Clear first: a byte arriving while we drain raises it again. */
    UART_INTCLEAR = UART_INT_RX;
    rx_drain();
}

bool bl_net_uart_rx_pending(void)
{
    return rx_head != rx_tail || (UART_STATE & UART_STATE_RXFULL) != 0u;
}

uint32_t bl_net_uart_rx_stalls(void)
{
    return rx_stalls;
}

uint32_t bl_net_uart_tx_waits(void)
{
    return tx_waits;
}

sio_fd_t sio_open(u8_t devnum)
{
    if (devnum != 0u) {
        return NULL;
    }
    UART_BAUDDIV = 16u; /* the model's minimum; it does not pace bytes */
    UART_INTCLEAR = UART_INT_RX;
    UART_CTRL = UART_CTRL_TXEN | UART_CTRL_RXEN | UART_CTRL_RXIRQ;
    NVIC_ISER0 = 1u << UART0_RX_IRQ;
    return &uart_handle;
}

void sio_send(u8_t c, sio_fd_t fd)
{
    (void)fd;
    while ((UART_STATE & UART_STATE_TXFULL) != 0u) {
        tx_waits++;
    }
    UART_DATA = c;
}

u32_t sio_tryread(sio_fd_t fd, u8_t *data, u32_t len)
{
    u32_t n = 0u;
    (void)fd;
    if (rx_tail == rx_head || (UART_CTRL & UART_CTRL_RXIRQ) == 0u) {
        /* The model raises RX only for a byte that arrives while the
         * interrupt is enabled: after a stall, enable it and then take
         * whatever already waits in the UART ourselves. */
        __asm__ volatile("cpsid i" ::: "memory");
        UART_CTRL = UART_CTRL | UART_CTRL_RXIRQ;
        rx_drain();
        __asm__ volatile("cpsie i" ::: "memory");
    }
    while (n < len && rx_tail != rx_head) {
        data[n++] = rx_ring[rx_tail % RX_RING_SIZE];
        rx_tail = rx_tail + 1u;
    }
    return n;
}

u32_t sio_read(sio_fd_t fd, u8_t *data, u32_t len)
{
    return sio_tryread(fd, data, len);
}
