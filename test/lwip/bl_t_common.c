/*
 * The check counter and option parser shared by both real-lwIP test
 * binaries (socket port and raw-API port).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static bool bl_t_num_arg(const char *v, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    unsigned long n = strtoul(v, &end, 10);
    if (end == v || *end != '\0' || n > max) {
        return false;
    }
    *out = n;
    return true;
}

static bool bl_t_port_arg(const char *v, uint16_t *out)
{
    unsigned long n = 0;
    if (!bl_t_num_arg(v, 65535ul, &n) || n == 0) {
        return false;
    }
    *out = (uint16_t)n;
    return true;
}

bool bl_t_parse(int argc, char **argv, bl_t_opts_t *o)
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
        unsigned long n = 0;
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
        } else if (strcmp(k, "--server-name") == 0) {
            o->server_name = v;
        } else if (strcmp(k, "--dns") == 0) {
            o->dns = v;
        } else if (strcmp(k, "--heron-links") == 0) {
            ok = bl_t_num_arg(v, 100000ul, &n);
            o->heron_links = (unsigned)n;
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
                        " [--closed-port N] [--blackhole IP] [--server-name NAME] [--dns IP]"
                        " [--heron-links N]\n", argv[0]);
        return false;
    }
    return true;
}
