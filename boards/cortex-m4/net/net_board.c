/*
 * Board glue of the network firmware for lwIP and mbedTLS: lwIP's clock
 * and assertion hook, mbedTLS's clocks (wall time from the host at boot
 * plus SysTick; certificate dates through newlib's gmtime_r, which, unlike
 * gmtime, never allocates), the stdio stand-ins mbedTLS's configuration
 * names, and a HardFault handler that reports.
 */
#define _POSIX_C_SOURCE 200809L /* gmtime_r in newlib's time.h */

#include <time.h>

#include "board.h"
#include "net.h"

#include "lwip/sys.h"
#include "mbedtls/platform.h"
#include "mbedtls/platform_time.h"
#include "mbedtls/platform_util.h"

#include "arch/cc.h"

static uint32_t boot_unix_s;

/* lwIP NO_SYS: the millisecond clock of its timers and of the raw port. */
u32_t sys_now(void)
{
    return bl_board_ms();
}

void bl_net_lwip_assert(const char *msg, const char *file, int line)
{
    (void)line;
    bl_net_note("lwIP assertion failed: ", msg);
    bl_net_note("  in ", file);
    bl_board_print("result: fail\n");
    bl_board_exit(false);
}

static mbedtls_time_t bl_net_time(mbedtls_time_t *t)
{
    mbedtls_time_t now = (mbedtls_time_t)boot_unix_s + (mbedtls_time_t)(bl_board_ms() / 1000u);
    if (t != NULL) {
        *t = now;
    }
    return now;
}

void bl_net_board_init(void)
{
    bl_clock_t unused;
    bl_board_clock_init(&unused);
    boot_unix_s = bl_board_host_time();
    (void)mbedtls_platform_set_time(bl_net_time);
}

/* MBEDTLS_PLATFORM_MS_TIME_ALT */
mbedtls_ms_time_t mbedtls_ms_time(void)
{
    return (mbedtls_ms_time_t)boot_unix_s * 1000 + (mbedtls_ms_time_t)bl_board_ms();
}

/* MBEDTLS_PLATFORM_GMTIME_R_ALT */
struct tm *mbedtls_platform_gmtime_r(const mbedtls_time_t *tt, struct tm *tm_buf)
{
    time_t t = (time_t)*tt;
    return gmtime_r(&t, tm_buf);
}

/* mbedTLS's output and exit (self-tests, MEMORY_DEBUG reports): the text
 * is dropped, the format is printed so a report is not silent. */
int bl_board_mbedtls_fprintf(FILE *stream, const char *fmt, ...)
{
    (void)stream;
    bl_net_note("mbedtls: ", fmt);
    return 0;
}

int bl_board_mbedtls_printf(const char *fmt, ...)
{
    bl_net_note("mbedtls: ", fmt);
    return 0;
}

/* Only text dumps (removed by MBEDTLS_X509_REMOVE_INFO) format numbers;
 * anything else gets an empty string. */
int bl_board_mbedtls_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    (void)fmt;
    if (buf != NULL && size > 0u) {
        buf[0] = '\0';
    }
    return 0;
}

void bl_board_mbedtls_exit(int status)
{
    (void)status;
    bl_board_print("result: fail\n");
    bl_board_exit(false);
}

void HardFault_Handler(void);
void HardFault_Handler(void)
{
    bl_board_print("HardFault\nresult: fail\n");
    bl_board_exit(false);
}
