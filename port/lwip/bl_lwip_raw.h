/**
 * @file bl_lwip_raw.h
 * @brief banklink transport and clock over lwIP's raw TCP API, for
 * `NO_SYS 1` builds: bare metal, a superloop, no RTOS.
 *
 * Build with BL_PORT_LWIP_RAW defined to 1; without it bl_lwip_raw.c
 * compiles to nothing (PlatformIO and ESP-IDF compile every file they see).
 * bl_lwip_raw.c needs lwIP 2.1 or later with LWIP_TCP 1 and LWIP_CALLBACK_API
 * 1 (the default); port/lwip/README.md lists what it needs from lwipopts.h.
 *
 * This header includes no lwIP header: an application can hold the port's
 * state without lwIP's include paths.
 *
 * ## How it blocks without an RTOS
 *
 * The core expects blocking calls with deadlines. With NO_SYS 1 nothing runs
 * lwIP behind the caller's back, so while this port waits (for the connect,
 * for send-buffer space, for data, for a DNS answer, in the clock's sleep)
 * it calls the application's poll hook again and again until the awaited
 * event or the deadline. The hook does what the superloop does between
 * calls: feed received frames to the netif (e.g. slipif_poll(), an
 * Ethernet driver's input) and run lwIP's timers (sys_check_timeouts()).
 * lwIP's callbacks (recv, sent, err, connected) then run inside the hook,
 * on the caller's stack, and only record what happened in
 * bl_lwip_raw_conn_t.
 *
 * Received pbufs are queued as lwIP hands them over and copied out only as
 * far as recv() asks; the window is reopened (tcp_recved()) for what was
 * copied, so a slow reader throttles the server instead of exhausting the
 * pbuf pool.
 *
 * @code
 * static void superloop_step(void *ctx)
 * {
 *     struct netif *nif = ctx;
 *     slipif_poll(nif);          // or your Ethernet driver's input
 *     sys_check_timeouts();
 * }
 *
 * static bl_lwip_raw_conn_t conn;
 * static bl_transport_t tcp;
 * static bl_clock_t clock;
 * bl_lwip_raw_transport_init(&tcp, &conn, superloop_step, &netif);
 * bl_lwip_raw_clock_init(&clock, &conn);
 * // cfg.transport = &tcp; cfg.clock = &clock;  (see bl_client.h)
 * // HTTPS: bl_mbedtls_init() with tls_cfg.lower = &tcp (port/mbedtls)
 * @endcode
 */
#ifndef BL_LWIP_RAW_H
#define BL_LWIP_RAW_H

#include <stdbool.h>
#include <stdint.h>

#include "bl_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The application's poll hook: one pass of the superloop's network work
 * (netif input and sys_check_timeouts()). Called repeatedly while the port
 * waits; it must not call banklink.
 */
typedef void (*bl_lwip_raw_poll_fn)(void *ctx);

/**
 * @brief State of one raw-API TCP connection. Owned by the caller, no heap;
 * treat the fields as private (they are declared here only so that the
 * caller can own the storage).
 */
typedef struct bl_lwip_raw_conn {
    void *pcb;                 /**< struct tcp_pcb *, NULL when closed. */
    void *rx_queue;            /**< struct pbuf * chain received and not yet read, or NULL. */
    bool connecting;           /**< tcp_connect() issued, not yet answered. */
    bool connected;            /**< The connected callback ran. */
    bool peer_closed;          /**< The peer's FIN arrived; recv answers BL_IO_CLOSED once rx_queue is empty. */
    bool failed;               /**< tcp_err ran (RST, abort, timeout): the pcb is gone. */
    bool dns_done;             /**< The DNS callback ran. */
    bool dns_found;            /**< ... and found an address (in dns_addr). */
    const char *dns_host;      /**< The name being resolved while waiting for DNS, else NULL (a late answer for another name is ignored). */
    int8_t last_err;           /**< lwIP err_t of the last failure (ERR_OK: none). */
    uint32_t dns_addr[6];      /**< Storage for the resolved ip_addr_t (checked at compile time). */
    bl_lwip_raw_poll_fn poll;  /**< The application's poll hook. */
    void *poll_ctx;            /**< Passed to poll. */
} bl_lwip_raw_conn_t;

/**
 * @brief Fill @p t with the raw-API TCP transport over @p conn (closing
 * nothing: @p conn is set to "not connected").
 *
 * - connect(): a numeric address is parsed with ipaddr_aton(); any other
 *   name goes through dns_gethostbyname() when LWIP_DNS is 1 (waiting for
 *   the answer within the deadline) and fails with BL_ERR_RESOLVE
 *   otherwise. Then tcp_new(), tcp_nagle_disable() (one request = one
 *   segment train), tcp_connect(), and the poll hook runs until the
 *   connected or err callback or the deadline. Returns BL_OK,
 *   BL_ERR_RESOLVE, BL_ERR_CONNECT (refused, reset, out of PCBs or memory)
 *   or BL_ERR_TIMEOUT.
 * - send(): tcp_write() as much as tcp_sndbuf() allows, tcp_output(), and
 *   while the buffer is full polls until space frees or the timeout.
 * - recv(): copies from the queued pbufs, polling until data, FIN, error or
 *   the timeout. Return values as in bl_transport.h; a timeout of 0 polls
 *   once and never waits.
 * - close(): tcp_close() (tcp_abort() if that fails), queued pbufs freed.
 * - raw_error(): the lwIP err_t of the last failure.
 *
 * @param t        Filled with the function table; t->ctx = @p conn.
 * @param conn     Connection state; must outlive @p t.
 * @param poll     The superloop's network step (required).
 * @param poll_ctx Passed to @p poll.
 */
void bl_lwip_raw_transport_init(bl_transport_t *t, bl_lwip_raw_conn_t *conn,
                                bl_lwip_raw_poll_fn poll, void *poll_ctx);

/**
 * @brief Fill @p c with lwIP's clock for NO_SYS builds: now_ms() is
 * sys_now() (which a NO_SYS application provides), sleep_ms() runs the poll
 * hook of @p conn until the time has passed, so lwIP's timers and input keep
 * running during banklink's back-off.
 * @param c    Filled; c->ctx = @p conn.
 * @param conn A connection set up with bl_lwip_raw_transport_init() (its
 *             poll hook is used); must outlive @p c.
 */
void bl_lwip_raw_clock_init(bl_clock_t *c, bl_lwip_raw_conn_t *conn);

#ifdef __cplusplus
}
#endif

#endif /* BL_LWIP_RAW_H */
