/**
 * @file bl_transport.h
 * @brief The interface between the portable core and the network.
 *
 * A transport is a table of function pointers and a context pointer. The
 * core calls nothing else to reach the network, and asks the clock for time.
 * A TLS transport implements this interface on top of another one (see
 * port/mbedtls), so the core cannot tell plain from TLS.
 *
 * ## Return values of send and recv (spelled out once, here)
 *
 * | value             | meaning                                          |
 * |-------------------|--------------------------------------------------|
 * | > 0               | that many bytes were moved                       |
 * | BL_IO_CLOSED (0)  | recv only: the peer closed the connection        |
 * | BL_IO_TIMEOUT     | nothing moved before timeout_ms passed           |
 * | BL_IO_ERROR       | the connection failed; raw_error() tells why     |
 *
 * A timeout of 0 means "do not wait": recv returns BL_IO_TIMEOUT at once when
 * no byte is ready. The core uses that to detect a keep-alive connection the
 * server closed while idle.
 */
#ifndef BL_TRANSPORT_H
#define BL_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "bl_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** recv: the peer closed the connection in an orderly way. */
#define BL_IO_CLOSED 0
/** send/recv: the timeout passed with nothing moved. */
#define BL_IO_TIMEOUT (-1)
/** send/recv: the connection failed. */
#define BL_IO_ERROR (-2)

/**
 * @brief A byte stream to one server.
 *
 * All functions receive @ref ctx as their first argument. They are called
 * from one thread at a time.
 */
typedef struct bl_transport {
    /**
     * Open the connection (and, for TLS, finish the handshake, verifying the
     * peer, before returning).
     * @param host Host name or numeric address, NUL-terminated, no brackets.
     * @return BL_OK, BL_ERR_RESOLVE, BL_ERR_CONNECT, BL_ERR_TIMEOUT,
     *         BL_ERR_TLS_HANDSHAKE, BL_ERR_TLS_CERT or BL_ERR_TLS_PIN.
     */
    bl_status_t (*connect)(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms);
    /** Write up to @p len bytes. See the table above for the return value. */
    int32_t (*send)(void *ctx, const uint8_t *data, size_t len, uint32_t timeout_ms);
    /** Read up to @p len bytes. See the table above for the return value. */
    int32_t (*recv)(void *ctx, uint8_t *data, size_t len, uint32_t timeout_ms);
    /** Close the connection. Safe to call when not connected. */
    void (*close)(void *ctx);
    /**
     * Optional (may be NULL): the raw code of the last failure (errno, an
     * lwIP err_t, an mbedTLS error), kept in bl_error_info_t::transport_code.
     */
    int32_t (*raw_error)(void *ctx);
    /** The transport's own state, passed to every function. */
    void *ctx;
} bl_transport_t;

/**
 * @brief Monotonic time, supplied by the port.
 *
 * Milliseconds from any origin; the core only subtracts two readings, so a
 * 32-bit counter that wraps (lwIP's sys_now()) is fine.
 */
typedef struct bl_clock {
    /** Current monotonic time in milliseconds. */
    uint32_t (*now_ms)(void *ctx);
    /** Block for @p ms milliseconds (back-off between retries). */
    void (*sleep_ms)(void *ctx, uint32_t ms);
    /** Passed to both functions. */
    void *ctx;
} bl_clock_t;

#ifdef __cplusplus
}
#endif

#endif /* BL_TRANSPORT_H */
