/*
 * The network firmware's start: clocks, TEST-ONLY entropy, lwIP (NO_SYS 1)
 * with slipif on UART0 as 198.18.0.2/32 behind 198.18.0.1, then the
 * application's steps (net_steps.c), the figures, `result:` and SYS_EXIT.
 *
 * With `mode=ping` on the semihosting command line it only answers on the
 * link for 20 seconds (bring-up: ping 198.18.0.2 from the host).
 */
#include <string.h>

#include "board.h"
#include "net.h"

#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "netif/slipif.h"

static struct netif slip_netif;

void bl_net_poll(void *ctx)
{
    struct netif *nif = (struct netif *)ctx;
    slipif_poll(nif);
    sys_check_timeouts();
    bl_net_idle_wait();
}

static bool net_up(void)
{
    ip4_addr_t addr;
    ip4_addr_t mask;
    ip4_addr_t gw;
    IP4_ADDR(&addr, 198, 18, 0, 2);
    IP4_ADDR(&mask, 255, 255, 255, 255);
    IP4_ADDR(&gw, 198, 18, 0, 1);
    lwip_init();
    /* state NULL = serial port 0 (slipif reads it as the sio number). */
    if (netif_add(&slip_netif, &addr, &mask, &gw, NULL, slipif_init, ip_input) == NULL) {
        return false;
    }
    netif_set_default(&slip_netif);
    netif_set_up(&slip_netif);
    netif_set_link_up(&slip_netif);
    return true;
}

static bool ping_mode(void)
{
    static char cmdline[256];
    return bl_board_cmdline(cmdline, sizeof cmdline) && strstr(cmdline, "mode=ping") != NULL;
}

int main(void)
{
    bl_net_stack_paint();
    bl_net_board_init();
    bool ok = bl_net_check("entropy_seed", bl_net_entropy_init(), "BL_ERR_UNSUPPORTED",
                           "no seed=<64 hex> on the semihosting command line (TEST-ONLY entropy)");
    ok = bl_net_check("lwip_up", net_up(), "BL_ERR_CONNECT", "netif_add/slipif_init failed") && ok;
    if (ok && ping_mode()) {
        uint32_t start = bl_board_ms();
        while ((uint32_t)(bl_board_ms() - start) < 20000u) {
            bl_net_poll(&slip_netif);
        }
        bl_board_print("result: pass\n");
        bl_board_exit(true);
    }
    if (ok) {
        ok = bl_net_run_steps(&slip_netif);
    }
    bl_net_figure(BL_NET_4K ? "stack_peak_4k" : "stack_peak", bl_net_stack_peak(), "B");
    bl_board_print(ok ? "result: pass\n" : "result: fail\n");
    bl_board_exit(ok);
    return 0;
}
