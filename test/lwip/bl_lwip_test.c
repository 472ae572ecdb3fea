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
 *        --tls-name NAME] [--closed-port N] [--blackhole IP]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"
#include "netif/tapif.h"

#include "bl_lwip_test.h"

bool bl_t_check(bl_t_count_t *c, bool ok, const char *what, const char *file, int line)
{
    if (ok) {
        c->passed++;
        printf("ok   %s\n", what);
    } else {
        c->failed++;
        printf("FAIL %s (%s:%d)\n", what, file, line);
    }
    fflush(stdout);
    return ok;
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

static bool bl_t_port_arg(const char *v, uint16_t *out)
{
    char *end = NULL;
    unsigned long n = strtoul(v, &end, 10);
    if (end == v || *end != '\0' || n == 0 || n > 65535ul) {
        return false;
    }
    *out = (uint16_t)n;
    return true;
}

static bool bl_t_parse(int argc, char **argv, bl_t_opts_t *o)
{
    int i;
    memset(o, 0, sizeof *o);
    o->server = "198.18.0.1";
    o->closed_port = 9;
    o->blackhole = "198.18.0.77";
    o->tls_name = "localhost";
    for (i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i];
        const char *v = argv[i + 1];
        bool ok = true;
        if (strcmp(k, "--server") == 0) {
            o->server = v;
        } else if (strcmp(k, "--http-port") == 0) {
            ok = bl_t_port_arg(v, &o->http_port);
        } else if (strcmp(k, "--tls-port") == 0) {
            ok = bl_t_port_arg(v, &o->tls_port);
        } else if (strcmp(k, "--ca") == 0) {
            o->ca_file = v;
        } else if (strcmp(k, "--tls-name") == 0) {
            o->tls_name = v;
        } else if (strcmp(k, "--closed-port") == 0) {
            ok = bl_t_port_arg(v, &o->closed_port);
        } else if (strcmp(k, "--blackhole") == 0) {
            o->blackhole = v;
        } else {
            ok = false;
        }
        if (!ok) {
            fprintf(stderr, "bad option %s %s\n", k, v);
            return false;
        }
    }
    if (i != argc || o->http_port == 0) {
        fprintf(stderr, "usage: %s --server IP --http-port N [--tls-port N --ca FILE --tls-name NAME]"
                        " [--closed-port N] [--blackhole IP]\n", argv[0]);
        return false;
    }
    return true;
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
