/*
 * banklink's raw-API lwIP port on a NO_SYS 1 lwIP, the way a bare-metal
 * firmware runs it: no threads, the test's own "superloop step" as the poll
 * hook (tapif input + sys_check_timeouts()).
 *
 * Runs inside the network namespace test/lwip/run_lwip_test.sh creates:
 * lwIP 198.18.0.2/24 on the TAP device named by PRECONFIGURED_TAPIF, the
 * mock server (and the NXDOMAIN DNS responder) on 198.18.0.1. The checks
 * are test/lwip's shared ones (transport contract, banklink calls, TLS);
 * this file adds the hooks for the raw port and what only it has: the pbuf
 * queue released on close, and lwIP's pool statistics.
 *
 * Usage: bl_lwip_raw_test --server IP --http-port N [--tls-port N --ca FILE
 *        --tls-name NAME] [--blackhole IP] [--server-name NAME] [--dns IP]
 *        [--heron-links N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lwip/dns.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/memp.h"
#include "lwip/netif.h"
#include "lwip/stats.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "netif/tapif.h"

#include "bl_lwip_test.h"

/* The longest the poll hook blocks in select() when no frame comes: a
 * cyclic lwIP timer of this period caps sys_timeouts_sleeptime(), which
 * tapif_select() waits for. Short, so deadlines stay exact. */
#define BL_T_TICK_MS 2u

/* The firmware's network interface: a board file may keep this static. */
static struct netif bl_t_netif;

/* One pass of the superloop's network work. */
static void bl_t_poll(void *ctx)
{
    struct netif *nif = (struct netif *)ctx;
    (void)tapif_select(nif); /* waits up to the next timer, feeds one frame to lwIP */
    sys_check_timeouts();
}

static void bl_t_tick(void *arg)
{
    sys_timeout(BL_T_TICK_MS, bl_t_tick, arg);
}

void bl_t_conn_init(bl_transport_t *t, bl_t_conn_t *conn)
{
    bl_lwip_raw_transport_init(t, conn, bl_t_poll, &bl_t_netif);
}

void bl_t_clock_init(bl_clock_t *c, bl_t_conn_t *conn)
{
    bl_lwip_raw_clock_init(c, conn);
}

bool bl_t_conn_is_open(const bl_t_conn_t *conn)
{
    return conn->pcb != NULL;
}

bool bl_t_conn_nodelay(const bl_t_conn_t *conn)
{
    const struct tcp_pcb *pcb = (const struct tcp_pcb *)conn->pcb;
    return pcb != NULL && tcp_nagle_disabled(pcb);
}

static bool bl_t_stack_start(const bl_t_opts_t *o)
{
    ip4_addr_t ip;
    ip4_addr_t mask;
    ip4_addr_t gw;

    if (getenv("PRECONFIGURED_TAPIF") == NULL) {
        /* Without it tapif would create tap0 and run ifconfig itself. */
        fprintf(stderr, "PRECONFIGURED_TAPIF is not set\n");
        return false;
    }
    if (!ip4addr_aton("198.18.0.2", &ip) || !ip4addr_aton("255.255.255.0", &mask) || !ip4addr_aton(o->server, &gw)) {
        fprintf(stderr, "bad address\n");
        return false;
    }
    lwip_init();
    if (netif_add(&bl_t_netif, &ip, &mask, &gw, NULL, tapif_init, ethernet_input) == NULL) {
        return false;
    }
    netif_set_default(&bl_t_netif);
    netif_set_up(&bl_t_netif);
    if (o->dns != NULL) {
        ip_addr_t dns;
        if (!ipaddr_aton(o->dns, &dns)) {
            fprintf(stderr, "bad DNS address %s\n", o->dns);
            return false;
        }
        dns_setserver(0, &dns);
    }
    sys_timeout(BL_T_TICK_MS, bl_t_tick, NULL);
    return true;
}

/* Run the poll hook for @p ms (lets FINs, ACKs and TIME_WAIT timers run). */
static void bl_t_settle(uint32_t ms)
{
    uint32_t t0 = sys_now();
    while ((uint32_t)(sys_now() - t0) < ms) {
        bl_t_poll(&bl_t_netif);
    }
}

static uint16_t bl_t_pool_used(void)
{
    return lwip_stats.memp[MEMP_PBUF_POOL]->used;
}

/*
 * What only the raw port has: a response queued in pbufs and never read is
 * released by close(), and a closed connection's pcb no longer calls back.
 */
static void bl_t_raw_queue(bl_t_count_t *c, const bl_t_opts_t *o)
{
    /* A short answer (an error page) that fits the window whole, FIN included. */
    static const char req[] = "GET /banklink-lwip-probe HTTP/1.1\r\nHost: 198.18.0.1\r\nConnection: close\r\n\r\n";
    bl_t_conn_t conn;
    bl_transport_t t;
    uint32_t t0;

    bl_t_conn_init(&t, &conn);
    if (!BL_CHECK(c, t.connect(t.ctx, o->server, o->http_port, 3000u) == BL_OK)) {
        return;
    }
    BL_CHECK(c, t.send(t.ctx, (const uint8_t *)req, sizeof req - 1u, 2000u) == (int32_t)(sizeof req - 1u));
    /* Poll until the answer (and the server's FIN) sit in the queue, unread. */
    t0 = sys_now();
    while (!conn.peer_closed && (uint32_t)(sys_now() - t0) < 3000u) {
        bl_t_poll(&bl_t_netif);
    }
    printf("     unread answer queued: %s, pool pbufs in use %u\n", conn.rx_queue != NULL ? "yes" : "no",
           (unsigned)bl_t_pool_used());
    BL_CHECK(c, conn.rx_queue != NULL && conn.peer_closed);
    BL_CHECK(c, bl_t_pool_used() > 0u);
    t.close(t.ctx);
    BL_CHECK(c, conn.rx_queue == NULL && conn.pcb == NULL);
    BL_CHECK(c, bl_t_pool_used() == 0u);
    /* Whatever lwIP still does with that pcb (RST, TIME_WAIT) must not reach conn. */
    bl_t_settle(200u);
    BL_CHECK(c, !conn.peer_closed && !conn.failed && conn.rx_queue == NULL);
}

/* lwIP's own accounting after every connection is closed. */
static void bl_t_stats(bl_t_count_t *c)
{
    const struct stats_mem *pool = lwip_stats.memp[MEMP_PBUF_POOL];
    const struct stats_mem *pcbs = lwip_stats.memp[MEMP_TCP_PCB];
    const struct stats_mem *segs = lwip_stats.memp[MEMP_TCP_SEG];

    bl_t_settle(300u);
    printf("     PBUF_POOL: %u of %u used at most, %u now, %u allocation failures\n", (unsigned)pool->max,
           (unsigned)pool->avail, (unsigned)pool->used, (unsigned)pool->err);
    printf("     TCP_PCB: %u of %u at most; TCP_SEG: %u of %u at most; heap: %lu of %lu bytes at most\n",
           (unsigned)pcbs->max, (unsigned)pcbs->avail, (unsigned)segs->max, (unsigned)segs->avail,
           (unsigned long)lwip_stats.mem.max, (unsigned long)lwip_stats.mem.avail);
    /* Every received pbuf went back to the pool, and the slow reader never
     * starved it: the window, reopened only as banklink read, held the
     * server back. */
    BL_CHECK(c, pool->used == 0u);
    BL_CHECK(c, pool->err == 0u);
    /* ... and the reader really was the slow side: at some point a whole
     * window of segments sat in the queue (the list walk's pauses). */
    BL_CHECK(c, pool->max >= (uint16_t)(TCP_WND / TCP_MSS));
    BL_CHECK(c, segs->err == 0u && lwip_stats.mem.err == 0u);
}

int main(int argc, char **argv)
{
    bl_t_opts_t opts;
    bl_t_count_t count = {0u, 0u};

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!bl_t_parse(argc, argv, &opts)) {
        return 2;
    }
    if (!bl_t_stack_start(&opts)) {
        fprintf(stderr, "could not start lwIP on the TAP device\n");
        return 2;
    }
    printf("lwIP %s (NO_SYS %d, raw API) up on %s as 198.18.0.2, server %s, TCP_WND %u, PBUF_POOL_SIZE %u\n",
           LWIP_VERSION_STRING, NO_SYS, getenv("PRECONFIGURED_TAPIF"), opts.server, (unsigned)TCP_WND,
           (unsigned)PBUF_POOL_SIZE);

    bl_t_transport(&count, &opts);
    bl_t_api(&count, &opts);
    printf("-- raw port: unread queue released on close\n");
    bl_t_raw_queue(&count, &opts);
    printf("-- raw port: lwIP pools after the run\n");
    bl_t_stats(&count);

    printf("%u passed, %u failed\n", count.passed, count.failed);
    fflush(stdout);
    /* tapif's descriptor is never closed by lwIP; leave as the socket test does. */
    _exit(count.failed == 0u && count.passed > 0u ? 0 : 1);
}
