/**
 * @file bl_mbedtls_posix.c
 * @brief Trust anchors from a file (POSIX hosts only).
 *
 * A device has no CA directory and passes certificate bytes; a host has a
 * system bundle. This file needs both ports, so it is fenced by both
 * options and compiles to nothing in a board build.
 */
/* The fence comes first: a build without mbedTLS (PlatformIO and ESP-IDF
 * compile every file they see) must not even include its headers. */
#if defined(BL_PORT_MBEDTLS) && BL_PORT_MBEDTLS && defined(BL_PORT_POSIX) && BL_PORT_POSIX

#include "bl_mbedtls.h"

#include "bl_mbedtls_priv.h"

bl_status_t bl_mbedtls_add_ca_file(bl_mbedtls_t *tls, const char *path)
{
    if (tls == NULL) {
        return BL_ERR_INVALID_ARG;
    }
#if defined(MBEDTLS_FS_IO)
    /* mbedTLS reads the file into a buffer of its own, adds the NUL PEM
     * needs, parses every certificate and wipes the buffer. */
    int ret = mbedtls_x509_crt_parse_file(&tls->ca, path != NULL ? path : BL_MBEDTLS_DEFAULT_CA_FILE);
    /* > 0: certificates of the bundle mbedTLS could not parse; skipped. */
    if (ret < 0 || tls->ca.raw.len == 0u) {
        return bl_mbedtls_fail(tls, BL_ERR_INVALID_ARG, ret);
    }
    return BL_OK;
#else
    (void)path;
    return bl_mbedtls_fail(tls, BL_ERR_UNSUPPORTED, 0);
#endif
}

#else
typedef int bl_mbedtls_posix_unused_t;
#endif /* BL_PORT_MBEDTLS && BL_PORT_POSIX */
