/*
 * What the files of the network firmware share: the UART's receive state
 * (uart_sio.c), the TEST-ONLY entropy (net_entropy.c), the board glue for
 * lwIP and mbedTLS (net_board.c), the measurement helpers (net_measure.c)
 * and the application's steps (net_steps.c, run by net_main.c).
 */
#ifndef BL_NET_H
#define BL_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- uart_sio.c */

/** true when a received byte waits (in the ring or in the UART). */
bool bl_net_uart_rx_pending(void);

/** How often the receive ring was full and the UART was left holding a byte. */
uint32_t bl_net_uart_rx_stalls(void);

/** How often sio_send() found the TX buffer full and had to spin. */
uint32_t bl_net_uart_tx_waits(void);

/* ---------------------------------------------------------------- net_entropy.c */

/**
 * TEST ONLY: take the seed from the semihosting command line
 * ("... seed=<64 hex digits>"). A real board has no such thing: its
 * mbedtls_hardware_poll() reads the part's TRNG.
 * @return true when a 32-byte seed was found.
 */
bool bl_net_entropy_init(void);

/** Fill @p out with @p len bytes of the seed's expansion (SHA-256 counter mode). */
void bl_net_entropy_fill(uint8_t *out, size_t len);

/* ---------------------------------------------------------------- net_board.c */

/** Start the clocks: SysTick, the host's wall clock for mbedTLS (SYS_TIME). */
void bl_net_board_init(void);

/* ---------------------------------------------------------------- net_measure.c */

/** Paint the free stack (end of .bss up to just below the current SP). */
void bl_net_stack_paint(void);

/** Deepest stack use since bl_net_stack_paint(), in bytes. */
uint32_t bl_net_stack_peak(void);

/**
 * Sleep until an interrupt (a received byte or the 1 ms tick) unless a byte
 * already waits; only the time inside WFI is counted as idle.
 */
void bl_net_idle_wait(void);

/** A point in virtual time and the idle time up to it. */
typedef struct bl_net_mark {
    uint64_t t_ns;    /**< bl_board_time_ns() */
    uint64_t idle_ns; /**< Idle time counted by bl_net_idle_wait() so far. */
} bl_net_mark_t;

/** Take a mark now. */
bl_net_mark_t bl_net_mark(void);

/**
 * Instructions executed since @p from: with QEMU's -icount shift=0 one
 * instruction is one nanosecond of virtual time, so this is the virtual
 * time passed minus the time spent idle in WFI.
 */
uint64_t bl_net_insns_since(const bl_net_mark_t *from);

/** Virtual milliseconds since @p from, idle included. */
uint32_t bl_net_ms_since(const bl_net_mark_t *from);

/**
 * Run a loop of exactly @p iterations * 2 + 1 instructions and return what
 * the method measures for it (the method's check).
 */
uint64_t bl_net_calibrate(uint32_t iterations);

/** Print `check: NAME ok` or `check: NAME FAIL <status> <detail>`; returns @p ok. */
bool bl_net_check(const char *name, bool ok, const char *status, const char *detail);

/** Print `figure: NAME = VALUE UNIT`. */
void bl_net_figure(const char *name, uint64_t value, const char *unit);

/** Same with the name in two parts (prefix + suffix, e.g. a pool name). */
void bl_net_figure2(const char *prefix, const char *suffix, uint64_t value, const char *unit);

/** Print one line of free text (not starting with check:/figure:/result:). */
void bl_net_note(const char *a, const char *b);

/* ---------------------------------------------------------------- net_main.c */

/**
 * The superloop's network step, the raw port's poll hook: feed received
 * SLIP bytes to lwIP, run its timers, and sleep (idle) when nothing waits.
 * @param ctx The struct netif of the SLIP link.
 */
void bl_net_poll(void *ctx);

/* ---------------------------------------------------------------- net_steps.c */

/**
 * Run the steps of this image (16k or 4k, BL_NET_4K) over the link whose
 * netif is @p netif; true when all passed.
 */
bool bl_net_run_steps(void *netif);

#endif /* BL_NET_H */
