/**
 * @file cli_tls.h
 * @brief https for the host tool: the mbedTLS port (port/mbedtls) over the
 * POSIX transport, trust anchors from a file, optional key pin. Compiled
 * only when the build has banklink_mbedtls (BL_TOOL_TLS=1).
 */
#ifndef BL_CLI_TLS_H
#define BL_CLI_TLS_H

#include <stdbool.h>
#include <stdint.h>

#include "bl_mbedtls.h"
#include "bl_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** TLS state of the tool: the port's context and the transport over it. */
typedef struct bl_cli_tls {
    bl_mbedtls_t ctx;          /**< mbedTLS port context. */
    bl_transport_t transport;  /**< TLS transport handed to the client. */
    bool initialised;          /**< ctx must be freed. */
    /** The last session, resumed when the client reconnects within the run
     *  (a server that closed an idle connection between pages). */
    uint8_t session[BL_MBEDTLS_SESSION_BUF_SIZE];
} bl_cli_tls_t;

/**
 * @brief Layer TLS over @p lower.
 *
 * @param tls      State, caller-owned.
 * @param lower    The TCP transport.
 * @param clock    Clock for the handshake deadline.
 * @param ca_file  Trust anchors (PEM or DER file); NULL: $SSL_CERT_FILE when
 *                 set, else the system bundle.
 * @param pin_b64  Base64 SHA-256 of the server's SubjectPublicKeyInfo, or NULL.
 * @param out      Receives the TLS transport.
 * @param why      Receives a static reason on failure.
 * @return BL_OK; BL_ERR_INVALID_ARG (bad pin, no usable trust anchor);
 *         BL_ERR_UNSUPPORTED (no random source). Call bl_cli_tls_free()
 *         in every case.
 */
bl_status_t bl_cli_tls_setup(bl_cli_tls_t *tls, const bl_transport_t *lower, const bl_clock_t *clock,
                             const char *ca_file, const char *pin_b64, const bl_transport_t **out,
                             const char **why);

/** Which TLS check the last connect failed, in words ("ok" if none). */
const char *bl_cli_tls_reason(const bl_cli_tls_t *tls);

/** Release the mbedTLS contexts. Safe after a failed setup. */
void bl_cli_tls_free(bl_cli_tls_t *tls);

#ifdef __cplusplus
}
#endif

#endif /* BL_CLI_TLS_H */
