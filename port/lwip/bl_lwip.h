/**
 * @file bl_lwip.h
 * @brief banklink transport and clock over lwIP's socket API.
 *
 * Build with BL_PORT_LWIP defined to 1 (CMake option BL_PORT_LWIP does it);
 * without it bl_lwip.c compiles to nothing, so SDKs that compile every file
 * they see (ESP-IDF, PlatformIO) are not forced to have lwIP.
 *
 * This header includes no lwIP header: an application can hold the port's
 * state without lwIP's include paths. bl_lwip.c needs lwIP 2.0 or later
 * with NO_SYS 0, LWIP_SOCKET 1, LWIP_TCP 1 and either LWIP_SOCKET_POLL or
 * LWIP_SOCKET_SELECT; port/lwip/README.md lists what it needs from
 * lwipopts.h.
 *
 * The functions block the calling thread, so call banklink from an
 * application thread, never from lwIP's tcpip thread or a callback of the
 * raw API. TLS is port/mbedtls stacked on this transport.
 *
 * @code
 * bl_lwip_socket_t sock;
 * bl_transport_t tcp;
 * bl_clock_t clock;
 * bl_lwip_transport_init(&tcp, &sock);
 * bl_lwip_clock_init(&clock);
 * // cfg.transport = &tcp; cfg.clock = &clock;  (see bl_client.h)
 * @endcode
 */
#ifndef BL_LWIP_H
#define BL_LWIP_H

#include <stdbool.h>
#include <stdint.h>

#include "bl_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** State of one lwIP TCP connection. Owned by the caller; no heap. */
typedef struct bl_lwip_socket {
    int fd;          /**< lwIP socket descriptor, or -1 when closed. */
    int last_error;  /**< lwIP errno (or lwip_getaddrinfo() code) of the last failure, 0 if none. */
    bool peer_closed;/**< The peer's FIN was read; recv keeps answering BL_IO_CLOSED (lwIP itself says ENOTCONN after the first time). */
} bl_lwip_socket_t;

/**
 * @brief Fill @p t with the lwIP TCP transport over @p sock (and close
 * nothing: @p sock is set to "not connected").
 *
 * - connect(): a numeric IPv4/IPv6 address is parsed with ipaddr_aton();
 *   any other name goes through lwip_getaddrinfo() when LWIP_DNS is 1 and
 *   fails with BL_ERR_RESOLVE otherwise. lwIP's resolver has its own
 *   timeout (DNS_MAX_RETRIES x DNS_TMR_INTERVAL), which the call's deadline
 *   cannot shorten. The socket is made non-blocking, TCP_NODELAY is set (one
 *   request = one segment train, no Nagle/delayed-ACK stall), and the
 *   connect waits at most @c timeout_ms. Returns BL_OK, BL_ERR_RESOLVE,
 *   BL_ERR_CONNECT (refused, reset, no route, out of sockets) or
 *   BL_ERR_TIMEOUT.
 * - send()/recv(): wait with lwip_poll() (lwip_select() when lwIP has no
 *   poll) up to @c timeout_ms, then move what is ready. Return values as in
 *   bl_transport.h; a timeout of 0 never waits.
 * - raw_error(): bl_lwip_socket_t::last_error.
 *
 * @param t    Filled with the function table; t->ctx = @p sock.
 * @param sock Connection state; must outlive @p t.
 */
void bl_lwip_transport_init(bl_transport_t *t, bl_lwip_socket_t *sock);

/**
 * @brief Fill @p c with lwIP's clock: sys_now() (milliseconds, wraps at
 * 2^32, which the core tolerates) and sys_msleep().
 * @param c Filled; c->ctx is NULL.
 */
void bl_lwip_clock_init(bl_clock_t *c);

#ifdef __cplusplus
}
#endif

#endif /* BL_LWIP_H */
