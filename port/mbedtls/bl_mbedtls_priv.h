/**
 * @file bl_mbedtls_priv.h
 * @brief Internal functions shared by the files of the mbedTLS port.
 * Not installed; not part of the API.
 */
#ifndef BL_MBEDTLS_PRIV_H
#define BL_MBEDTLS_PRIV_H

#include "bl_mbedtls.h"

/* Hide the differences between mbedTLS 2.28 and 3.x in one place. */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define BL_MBEDTLS_V3 1
#else
#define BL_MBEDTLS_V3 0
#endif

/* Error codes whose name changed in 3.0. */
#if defined(MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION)
#define BL_MBEDTLS_ERR_VERSION MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION
#elif defined(MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION)
#define BL_MBEDTLS_ERR_VERSION MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION
#endif

/*
 * What the BIO callbacks return when the lower transport failed. mbedTLS
 * passes any negative value up unchanged; these are the values of
 * MBEDTLS_ERR_NET_SEND_FAILED / _RECV_FAILED, whose header (net_sockets.h)
 * a board build without MBEDTLS_NET_C may not have. The port records the
 * lower transport's own code alongside, so the value is only a marker.
 */
#define BL_MBEDTLS_ERR_LOWER_SEND (-0x004E)
#define BL_MBEDTLS_ERR_LOWER_RECV (-0x004C)

/** SHA-256 of @p len bytes at @p in into @p out (32 bytes). 0 on success. */
int bl_mbedtls_sha256(const uint8_t *in, size_t len, uint8_t out[BL_MBEDTLS_PIN_SIZE]);

/**
 * Offer the stored session to tls->ssl when it was made with @p host and
 * @p port; sets tls->offered. Drops a stored session that cannot be loaded.
 */
void bl_mbedtls_session_offer(bl_mbedtls_t *tls, const char *host, uint16_t port);

/** Key hash stored with the offered session, or NULL. */
const uint8_t *bl_mbedtls_session_key(const bl_mbedtls_t *tls);

/** Store the session of the connection just made (after all checks passed). */
void bl_mbedtls_session_store(bl_mbedtls_t *tls, const char *host, uint16_t port);

/** Record a failure: status, raw code, and return the status. */
bl_status_t bl_mbedtls_fail(bl_mbedtls_t *tls, bl_status_t status, int32_t raw);

#endif /* BL_MBEDTLS_PRIV_H */
