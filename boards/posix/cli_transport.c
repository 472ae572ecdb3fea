/**
 * @file cli_transport.c
 * @brief The one place the host tool chooses its transport: plain TCP for
 * http://, TLS over TCP for https://.
 *
 * TLS hook: when port/mbedtls (target banklink_mbedtls) exists and
 * boards/posix/cli_tls.c is written, boards/posix/CMakeLists.txt compiles it
 * and defines BL_TOOL_TLS=1. cli_tls.h must then declare the state type
 * bl_cli_tls_t and
 *
 *     bl_status_t bl_cli_tls_setup(bl_cli_tls_t *tls, const bl_transport_t *lower,
 *                                  const char *host, const bl_transport_t **out);
 *
 * which layers the mbedTLS transport (trust anchors from the system bundle,
 * host name verified) over @p lower and points @p out at it. Nothing else in
 * the tool changes.
 */
#include "cli.h"

bl_status_t bl_cli_transport_setup(bl_cli_transport_t *t, const bl_cli_url_t *url, const bl_transport_t **out)
{
    bl_posix_transport_init(&t->tcp, &t->sock);
    if (!url->tls) {
        *out = &t->tcp;
        return BL_OK;
    }
#if defined(BL_TOOL_TLS) && BL_TOOL_TLS
    return bl_cli_tls_setup(&t->tls, &t->tcp, url->host, out);
#else
    *out = NULL;
    return BL_ERR_UNSUPPORTED;
#endif
}
