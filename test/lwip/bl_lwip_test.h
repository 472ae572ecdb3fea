/*
 * Shared pieces of the real-lwIP test: a tiny check counter and the options
 * the namespace script passes. Not a public header.
 */
#ifndef BL_LWIP_TEST_H
#define BL_LWIP_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "banklink.h"
#include "bl_lwip.h"

/** What the script tells the test binary. */
typedef struct bl_t_opts {
    const char *server;      /* Linux side of the TAP device, e.g. 198.18.0.1 */
    uint16_t http_port;      /* mock server, plain HTTP */
    uint16_t tls_port;       /* mock server, TLS; 0 = not started */
    const char *ca_file;     /* PEM CA that signed the TLS server's certificate */
    const char *tls_name;    /* name in the server certificate */
    uint16_t closed_port;    /* nothing listens there: connect must be refused */
    const char *blackhole;   /* an address on the TAP subnet nobody answers for */
} bl_t_opts_t;

/** Pass/fail counter. */
typedef struct bl_t_count {
    unsigned passed;
    unsigned failed;
} bl_t_count_t;

/** Record one check and print it; returns @p ok. */
bool bl_t_check(bl_t_count_t *c, bool ok, const char *what, const char *file, int line);

#define BL_CHECK(c, cond) bl_t_check((c), (cond), #cond, __FILE__, __LINE__)

/** Transport-level checks: connect, timeouts, refused, raw HTTP (test_transport.c). */
void bl_t_transport(bl_t_count_t *c, const bl_t_opts_t *o);

/** End-to-end banklink calls over the lwIP transport, plain and TLS (test_api.c). */
void bl_t_api(bl_t_count_t *c, const bl_t_opts_t *o);

#endif /* BL_LWIP_TEST_H */
