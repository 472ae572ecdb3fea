/*
 * lwIP compiler/platform glue for arm-none-eabi-gcc + newlib (Cortex-M).
 * Your RTOS's lwIP port usually ships one; this is what the example needs.
 */
#ifndef BL_BOARD_ARCH_CC_H
#define BL_BOARD_ARCH_CC_H

#include <stdint.h>
#include <sys/time.h> /* struct timeval for lwip_select() */

/* newlib has errno and struct timeval: lwIP must not define its own. */
#define LWIP_ERRNO_STDINCLUDE 1
#define LWIP_TIMEVAL_PRIVATE 0

/* Cortex-M is little-endian here; lwIP's byte swaps use __builtin_bswap. */
#define BYTE_ORDER LITTLE_ENDIAN
#define lwip_htons(x) ((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32((u32_t)(x)))

typedef uint32_t sys_prot_t;

/* Provided by the platform (a hardware RNG on most parts). */
uint32_t bl_board_lwip_rand(void);
#define LWIP_RAND() bl_board_lwip_rand()

#define LWIP_PLATFORM_DIAG(x) do { } while (0)
#define LWIP_PLATFORM_ASSERT(x) do { for (;;) { } } while (0)

#endif /* BL_BOARD_ARCH_CC_H */
