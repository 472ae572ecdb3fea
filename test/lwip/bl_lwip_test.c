/*
 * banklink on the real lwIP stack.
 *
 * Runs inside the network namespace run_lwip_test.sh creates: starts lwIP
 * (tcpip thread + tapif on the TAP device named by PRECONFIGURED_TAPIF,
 * lwIP's address 198.18.0.2/24), then drives banklink's lwIP port against
 * the mock server on the Linux side of the TAP device. Every byte the test
 * moves goes through lwIP's TCP, IP, ARP and Ethernet code.
 *
 * Usage: bl_lwip_test --server IP --http-port N [--tls-port N --ca FILE
 *        --tls-name NAME] [--closed-port N] [--blackhole IP] [--heron-links N]
 * (bl_t_common.c parses them). The checks are shared with the raw-API
 * port's test (test/lwip_raw); this file is the socket port's side.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/sockets.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"
#include "netif/tapif.h"

#include "bl_lwip_test.h"

void bl_t_conn_init(bl_transport_t *t, bl_t_conn_t *conn)
{
    bl_lwip_transport_init(t, conn);
}

void bl_t_clock_init(bl_clock_t *c, bl_t_conn_t *conn)
{
    (void)conn;
    bl_lwip_clock_init(c);
}

bool bl_t_conn_is_open(const bl_t_conn_t *conn)
{
    return conn->fd >= 0;
}

bool bl_t_conn_nodelay(const bl_t_conn_t *conn)
{
    int nodelay = 0;
    socklen_t len = (socklen_t)sizeof nodelay;
    return lwip_getsockopt(conn->fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len) == 0 && nodelay != 0;
}

/* What the tcpip thread needs to bring the interface up. */
typedef struct bl_t_stack {
    sys_sem_t ready;
    struct netif netif;
    ip4_addr_t ip;
    ip4_addr_t mask;
    ip4_addr_t gw;
    bool added;
} bl_t_stack_t;

/* Runs in lwIP's tcpip thread, so it may touch the core without locking. */
static void bl_t_stack_init_done(void *arg)
{
    bl_t_stack_t *s = (bl_t_stack_t *)arg;
    s->added = netif_add(&s->netif, &s->ip, &s->mask, &s->gw, NULL, tapif_init, tcpip_input) != NULL;
    if (s->added) {
        netif_set_default(&s->netif);
        netif_set_up(&s->netif);
    }
    sys_sem_signal(&s->ready);
}

static bool bl_t_stack_start(bl_t_stack_t *s, const char *gw)
{
    memset(s, 0, sizeof *s);
    if (getenv("PRECONFIGURED_TAPIF") == NULL) {
        /* Without it tapif would create tap0 and run ifconfig itself. */
        fprintf(stderr, "PRECONFIGURED_TAPIF is not set\n");
        return false;
    }
    if (!ip4addr_aton("198.18.0.2", &s->ip) || !ip4addr_aton("255.255.255.0", &s->mask)
        || !ip4addr_aton(gw, &s->gw)) {
        fprintf(stderr, "bad address\n");
        return false;
    }
    if (sys_sem_new(&s->ready, 0) != ERR_OK) {
        return false;
    }
    tcpip_init(bl_t_stack_init_done, s);
    sys_sem_wait(&s->ready);
    sys_sem_free(&s->ready);
    return s->added;
}

int main(int argc, char **argv)
{
    bl_t_opts_t opts;
    bl_t_count_t count = {0u, 0u};
    bl_t_stack_t stack;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!bl_t_parse(argc, argv, &opts)) {
        return 2;
    }
    if (!bl_t_stack_start(&stack, opts.server)) {
        fprintf(stderr, "could not start lwIP on the TAP device\n");
        return 2;
    }
    printf("lwIP %s up on %s as 198.18.0.2, server %s\n", LWIP_VERSION_STRING,
           getenv("PRECONFIGURED_TAPIF"), opts.server);

    bl_t_transport(&count, &opts);
    bl_t_api(&count, &opts);

    printf("%u passed, %u failed\n", count.passed, count.failed);
    fflush(stdout);
    /* lwIP's threads cannot be stopped, and tapif's calls exit(1) when its
     * descriptor goes away under it during exit(): leave without atexit. */
    _exit(count.failed == 0u && count.passed > 0u ? 0 : 1);
}
