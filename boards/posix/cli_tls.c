/**
 * @file cli_tls.c
 * @brief https for the host tool over the mbedTLS port. Verification
 * cannot be turned off: the only choices are which anchors to trust and
 * whether to pin the server key on top.
 */
#include <stdlib.h>

#include "cli.h"

#if defined(BL_TOOL_TLS) && BL_TOOL_TLS

#include <mbedtls/ssl.h>

static bl_status_t bl_cli_tls_fail(const char **why, const char *reason, bl_status_t status)
{
    *why = reason;
    return status;
}

bl_status_t bl_cli_tls_setup(bl_cli_tls_t *tls, const bl_transport_t *lower, const bl_clock_t *clock,
                             const char *ca_file, const char *pin_b64, const bl_transport_t **out,
                             const char **why)
{
    *out = NULL;
    bl_mbedtls_config_t cfg;
    bl_mbedtls_config_init(&cfg);
    cfg.lower = lower;
    cfg.clock = clock;
    cfg.session_buf = tls->session;
    cfg.session_buf_size = sizeof tls->session;
    tls->initialised = true; /* the port wants bl_mbedtls_free() even after a failed init */
    bl_status_t st = bl_mbedtls_init(&tls->ctx, &tls->transport, &cfg);
    if (st != BL_OK) {
        return bl_cli_tls_fail(why, "the TLS layer could not start (no random source?)", st);
    }
    if (pin_b64 != NULL) {
        uint8_t pin[BL_MBEDTLS_PIN_SIZE];
        if (bl_mbedtls_pin_from_base64(pin_b64, pin) != BL_OK) {
            return bl_cli_tls_fail(why, "--pin-sha256 must be the base64 of a SHA-256 (44 characters)",
                                   BL_ERR_INVALID_ARG);
        }
        bl_mbedtls_set_pin(&tls->ctx, pin);
    }
    const char *file = ca_file;
    const char *origin = "--ca-file";
    if (file == NULL) {
        const char *env = getenv("SSL_CERT_FILE");
        if (env != NULL && env[0] != '\0') {
            file = env;
            origin = "SSL_CERT_FILE";
        } else {
            origin = "the system bundle " BL_MBEDTLS_DEFAULT_CA_FILE;
        }
    }
    if (bl_mbedtls_add_ca_file(&tls->ctx, file) != BL_OK) {
        if (origin[0] == '-') {
            return bl_cli_tls_fail(why, "no usable certificate in the --ca-file", BL_ERR_INVALID_ARG);
        }
        if (origin[0] == 'S') {
            return bl_cli_tls_fail(why, "no usable certificate in the file SSL_CERT_FILE names", BL_ERR_INVALID_ARG);
        }
        return bl_cli_tls_fail(why, "no usable certificate in the system bundle " BL_MBEDTLS_DEFAULT_CA_FILE
                                    " (give --ca-file)", BL_ERR_INVALID_ARG);
    }
    *out = &tls->transport;
    return BL_OK;
}

const char *bl_cli_tls_reason(const bl_cli_tls_t *tls)
{
    /* The first bytes back were no TLS record at all: most often an
     * https:// URL aimed at a plain-HTTP port, whose answer (an HTTP error
     * page) mbedTLS only reports as an invalid record. */
    if (tls->ctx.last_status == BL_ERR_TLS_HANDSHAKE && tls->ctx.last_raw == MBEDTLS_ERR_SSL_INVALID_RECORD) {
        return "the server did not answer in TLS (a plain-HTTP port? use http:// for it)";
    }
    return bl_mbedtls_reason(&tls->ctx);
}

void bl_cli_tls_free(bl_cli_tls_t *tls)
{
    if (tls->initialised) {
        bl_mbedtls_free(&tls->ctx);
        tls->initialised = false;
    }
    /* The session holds the master secret. */
    bl_secure_zero(tls->session, sizeof tls->session);
}

#else

/* ISO C forbids an empty translation unit. */
typedef int bl_cli_tls_disabled_t;

#endif
