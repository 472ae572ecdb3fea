/**
 * @file bl_posix.h
 * @brief banklink transport and clock over BSD sockets (Linux, macOS, BSD).
 *
 * Build with BL_PORT_POSIX defined to 1 (CMake option BL_PORT_POSIX does
 * it); without it bl_posix.c compiles to nothing.
 *
 * @code
 * bl_posix_socket_t sock;
 * bl_transport_t tcp;
 * bl_clock_t clock;
 * bl_posix_transport_init(&tcp, &sock);
 * bl_posix_clock_init(&clock);
 * @endcode
 */
#ifndef BL_POSIX_H
#define BL_POSIX_H

#include <stdint.h>

#include "bl_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** State of one POSIX TCP connection. */
typedef struct bl_posix_socket {
    int fd;          /**< Socket, or -1 when closed. */
    int last_errno;  /**< errno (or getaddrinfo code) of the last failure. */
} bl_posix_socket_t;

/**
 * @brief Fill @p t with the POSIX TCP transport over @p sock.
 *
 * connect() resolves with getaddrinfo (IPv4 and IPv6, every address tried in
 * turn within the timeout), connects non-blocking, and sets TCP_NODELAY.
 * send/recv wait with poll() and use MSG_NOSIGNAL so a closed peer cannot
 * raise SIGPIPE.
 */
void bl_posix_transport_init(bl_transport_t *t, bl_posix_socket_t *sock);

/** Fill @p c with CLOCK_MONOTONIC and nanosleep. */
void bl_posix_clock_init(bl_clock_t *c);

#ifdef __cplusplus
}
#endif

#endif /* BL_POSIX_H */
