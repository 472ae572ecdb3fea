/*
 * Shared pieces of the real-lwIP tests: a tiny check counter, the options
 * the namespace script passes, and the few hooks through which the shared
 * checks (test_transport.c, test_api.c) reach the port under test. Two
 * binaries use them: bl_lwip_test (socket port, test/lwip) and
 * bl_lwip_raw_test (raw-API port with NO_SYS 1, test/lwip_raw, built with
 * BL_T_RAW=1). Not a public header.
 */
#ifndef BL_LWIP_TEST_H
#define BL_LWIP_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "banklink.h"
#if defined(BL_T_RAW) && BL_T_RAW
#include "bl_lwip_raw.h"
/** The port's connection state. */
typedef bl_lwip_raw_conn_t bl_t_conn_t;
#else
#include "bl_lwip.h"
typedef bl_lwip_socket_t bl_t_conn_t;
#endif

/** What the script tells the test binary. */
typedef struct bl_t_opts {
    const char *server;      /* Linux side of the TAP device, e.g. 198.18.0.1 */
    uint16_t http_port;      /* mock server, plain HTTP */
    uint16_t tls_port;       /* mock server, TLS; 0 = not started */
    const char *ca_file;     /* PEM CA that signed the TLS server's certificate */
    const char *tls_name;    /* name in the server certificate */
    uint16_t closed_port;    /* nothing listens there: connect must be refused */
    const char *blackhole;   /* an address on the TAP subnet nobody answers for */
    const char *server_name; /* a name lwIP resolves to server; NULL = no by-name checks */
    const char *dns;         /* DNS server for lwIP (raw test only); NULL = none */
    unsigned heron_links;    /* links the mock holds for the bulk end user; 0 = list not run */
} bl_t_opts_t;

/** Pass/fail counter. */
typedef struct bl_t_count {
    unsigned passed;
    unsigned failed;
} bl_t_count_t;

/** Record one check and print it; returns @p ok. */
bool bl_t_check(bl_t_count_t *c, bool ok, const char *what, const char *file, int line);

#define BL_CHECK(c, cond) bl_t_check((c), (cond), #cond, __FILE__, __LINE__)

/** Parse the script's options into @p o; false (usage printed) when wrong. */
bool bl_t_parse(int argc, char **argv, bl_t_opts_t *o);

/* ---- Provided by each binary for its port ---- */

/** The port's transport over @p conn (bl_lwip_transport_init() or the raw one). */
void bl_t_conn_init(bl_transport_t *t, bl_t_conn_t *conn);
/** The port's clock; @p conn is the connection whose poll hook it may use. */
void bl_t_clock_init(bl_clock_t *c, bl_t_conn_t *conn);
/** Whether @p conn holds an open connection (socket or pcb). */
bool bl_t_conn_is_open(const bl_t_conn_t *conn);
/** Whether lwIP has Nagle's algorithm off on @p conn's connection. */
bool bl_t_conn_nodelay(const bl_t_conn_t *conn);

/** Transport-level checks: connect, timeouts, refused, raw HTTP (test_transport.c). */
void bl_t_transport(bl_t_count_t *c, const bl_t_opts_t *o);

/** End-to-end banklink calls over the lwIP transport, plain and TLS (test_api.c). */
void bl_t_api(bl_t_count_t *c, const bl_t_opts_t *o);

#endif /* BL_LWIP_TEST_H */
