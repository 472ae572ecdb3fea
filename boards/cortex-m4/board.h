/*
 * What the example firmware needs from the board: a millisecond clock for
 * banklink (SysTick), a way to report, and a way to stop.
 */
#ifndef BL_BOARD_H
#define BL_BOARD_H

#include <stdbool.h>

#include "bl_transport.h"

/** Core clock the SysTick reload is computed from (QEMU mps2-an386: 25 MHz). */
#ifndef BL_BOARD_CPU_HZ
#define BL_BOARD_CPU_HZ 25000000u
#endif

/** Start SysTick at 1 kHz and fill @p c with a clock reading it. */
void bl_board_clock_init(bl_clock_t *c);

/** Print text (semihosting when BL_BOARD_SEMIHOSTING is 1, else dropped). */
void bl_board_print(const char *s);

/** Print a line. */
void bl_board_puts(const char *s);

/** Stop: under semihosting this ends the QEMU run with status 0 or 1. */
void bl_board_exit(bool ok);

#endif /* BL_BOARD_H */
