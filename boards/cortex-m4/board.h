/*
 * What the example firmware needs from the board: a millisecond clock for
 * banklink (SysTick), a way to report, and a way to stop.
 */
#ifndef BL_BOARD_H
#define BL_BOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "bl_transport.h"

/** Core clock the SysTick reload is computed from (QEMU mps2-an386: 25 MHz). */
#ifndef BL_BOARD_CPU_HZ
#define BL_BOARD_CPU_HZ 25000000u
#endif

/** Start SysTick at 1 kHz and fill @p c with a clock reading it. */
void bl_board_clock_init(bl_clock_t *c);

/** Milliseconds since bl_board_clock_init() (the SysTick count). */
uint32_t bl_board_ms(void);

/**
 * Nanoseconds since bl_board_clock_init(), at the SysTick's resolution of
 * one core cycle (40 ns at 25 MHz): the millisecond count plus the
 * down-counter. Safe with interrupts masked.
 */
uint64_t bl_board_time_ns(void);

/**
 * The host's wall clock in seconds since 1970 (semihosting SYS_TIME), or 0
 * without semihosting.
 */
uint32_t bl_board_host_time(void);

/**
 * The command line the debugger or QEMU passed (semihosting
 * SYS_GET_CMDLINE; QEMU: -semihosting-config arg=...), NUL-terminated.
 * @param buf  Receives it.
 * @param size Bytes at @p buf.
 * @return true when it was read and fitted; false otherwise (buf is "").
 */
bool bl_board_cmdline(char *buf, uint32_t size);

/** Print text (semihosting when BL_BOARD_SEMIHOSTING is 1, else dropped). */
void bl_board_print(const char *s);

/** Print a line. */
void bl_board_puts(const char *s);

/** Stop: under semihosting this ends the QEMU run with status 0 or 1. */
void bl_board_exit(bool ok);

#endif /* BL_BOARD_H */
