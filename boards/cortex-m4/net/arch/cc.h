/*
 * lwIP platform glue of the network firmware: arm-none-eabi-gcc + newlib,
 * NO_SYS. An lwIP assertion prints its message over semihosting and ends
 * the run as a failure (a hang would only show as a harness timeout).
 */
#ifndef BL_NET_ARCH_CC_H
#define BL_NET_ARCH_CC_H

#include <stdint.h>
#include <sys/time.h>

#define LWIP_ERRNO_STDINCLUDE 1
#define LWIP_TIMEVAL_PRIVATE 0

#define BYTE_ORDER LITTLE_ENDIAN
#define lwip_htons(x) ((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32((u32_t)(x)))

/** Random numbers for lwIP (initial sequence numbers, ports): net_board.c. */
uint32_t bl_board_lwip_rand(void);
#define LWIP_RAND() bl_board_lwip_rand()

/** Report a failed lwIP assertion and stop (net_board.c). */
void bl_net_lwip_assert(const char *msg, const char *file, int line);

#define LWIP_PLATFORM_DIAG(x) do { } while (0)
#define LWIP_PLATFORM_ASSERT(x) bl_net_lwip_assert((x), __FILE__, __LINE__)

#endif /* BL_NET_ARCH_CC_H */
