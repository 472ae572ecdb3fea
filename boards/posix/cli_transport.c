/**
 * @file cli_transport.c
 * @brief The one place the host tool chooses its transport: plain TCP for
 * http://, TLS over TCP for https://.
 *
 * TLS comes from port/mbedtls through cli_tls.c, compiled (with
 * BL_TOOL_TLS=1) when the build has the target banklink_mbedtls; see
 * boards/posix/CMakeLists.txt. Without it, https is refused before anything
 * is sent.
 */
#include <string.h>

#include "cli.h"

bool bl_cli_have_tls(void)
{
#if defined(BL_TOOL_TLS) && BL_TOOL_TLS
    return true;
#else
    return false;
#endif
}

bl_status_t bl_cli_transport_setup(bl_cli_transport_t *t, const bl_cli_url_t *url, const bl_clock_t *clock,
                                   const bl_cli_opts_t *opts, const bl_transport_t **out, const char **why)
{
    memset(t, 0, sizeof *t);
    bl_posix_transport_init(&t->tcp, &t->sock);
    *out = NULL;
    *why = NULL;
    if (!url->tls) {
        *out = &t->tcp;
        return BL_OK;
    }
#if defined(BL_TOOL_TLS) && BL_TOOL_TLS
    t->tls_used = true;
    return bl_cli_tls_setup(&t->tls, &t->tcp, clock, opts->ca_file, opts->pin_sha256, out, why);
#else
    (void)clock;
    (void)opts;
    *why = "https needs the TLS transport, not built in; use an http:// --base-url";
    return BL_ERR_UNSUPPORTED;
#endif
}

const char *bl_cli_transport_reason(const bl_cli_transport_t *t, bl_status_t status)
{
#if defined(BL_TOOL_TLS) && BL_TOOL_TLS
    if (t->tls_used &&
        (status == BL_ERR_TLS_HANDSHAKE || status == BL_ERR_TLS_CERT || status == BL_ERR_TLS_PIN)) {
        return bl_cli_tls_reason(&t->tls);
    }
#else
    (void)t;
    (void)status;
#endif
    return NULL;
}

void bl_cli_transport_free(bl_cli_transport_t *t)
{
#if defined(BL_TOOL_TLS) && BL_TOOL_TLS
    if (t->tls_used) {
        bl_cli_tls_free(&t->tls);
    }
#else
    (void)t;
#endif
}
