/**
 * @file bl_mbedtls_util.c
 * @brief Words for TLS failures, pin decoding, and the mbedTLS arena.
 */
/* The fence comes first: a build without mbedTLS (PlatformIO and ESP-IDF
 * compile every file they see) must not even include its headers. */
#if defined(BL_PORT_MBEDTLS) && BL_PORT_MBEDTLS

#include "bl_mbedtls.h"

#include <string.h>

#include "bl_mbedtls_priv.h"

#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
#include "mbedtls/memory_buffer_alloc.h"
#endif

const char *bl_mbedtls_flags_reason(uint32_t flags, bool self_signed)
{
    /* Most fundamental first: a certificate nobody vouches for is the
     * problem even if it has also expired. */
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
        return self_signed ? "self-signed certificate" : "certificate not signed by a trusted CA";
    }
    if (flags & MBEDTLS_X509_BADCERT_EXPIRED) {
        return "certificate expired";
    }
    if (flags & MBEDTLS_X509_BADCERT_FUTURE) {
        return "certificate not yet valid";
    }
    if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
        return "host name mismatch";
    }
    if (flags & MBEDTLS_X509_BADCERT_REVOKED) {
        return "certificate revoked";
    }
    if (flags & (MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE |
                 MBEDTLS_X509_BADCERT_NS_CERT_TYPE)) {
        return "certificate not valid for a TLS server";
    }
    if (flags & (MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK | MBEDTLS_X509_BADCERT_BAD_KEY)) {
        return "certificate uses a weak hash or key";
    }
    if (flags & MBEDTLS_X509_BADCERT_MISSING) {
        return "server sent no certificate";
    }
    if (flags != 0u) {
        return "certificate rejected";
    }
    return "ok";
}

/* Words for the version refusal: what the client asked for. */
static const char *bl_mbedtls_version_reason(const bl_mbedtls_t *tls)
{
    if (tls->versions == (uint8_t)BL_MBEDTLS_TLS_1_3_ONLY) {
        return "server does not support TLS 1.3";
    }
    if (tls->versions == (uint8_t)BL_MBEDTLS_TLS_1_2_ONLY) {
        return "server does not support TLS 1.2 (the configuration pins it)";
    }
    return "server does not support TLS 1.2 or newer";
}

static const char *bl_mbedtls_handshake_reason(const bl_mbedtls_t *tls)
{
    int32_t raw = tls->last_raw;
    /* The server's own alert says more than mbedTLS's "fatal alert". */
    switch (tls->peer_alert) {
    case MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION:
        return bl_mbedtls_version_reason(tls);
    case MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE:
        return "server refused the handshake (no common cipher suite, group or signature algorithm)";
    case MBEDTLS_SSL_ALERT_MSG_INSUFFICIENT_SECURITY:
        return "server requires stronger security than offered";
    default:
        break;
    }
#if defined(BL_MBEDTLS_ERR_VERSION)
    if (raw == BL_MBEDTLS_ERR_VERSION) {
        return bl_mbedtls_version_reason(tls);
    }
#endif
#if defined(MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE)
    if (raw == MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE) {
        return "no cipher suite in common";
    }
#endif
#if defined(MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE)
    if (raw == MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE) {
        return "handshake failure (no common version or cipher suite)";
    }
#endif
    if (raw == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
        return "server ended the handshake with a fatal alert";
    }
    if (raw == MBEDTLS_ERR_SSL_CONN_EOF) {
        return "server closed the connection during the handshake";
    }
    if (raw == MBEDTLS_ERR_SSL_ALLOC_FAILED) {
        return "out of memory for TLS";
    }
    return "TLS handshake failed";
}

const char *bl_mbedtls_reason(const bl_mbedtls_t *tls)
{
    if (tls == NULL) {
        return "no TLS context";
    }
    switch (tls->last_status) {
    case BL_OK:
        return "ok";
    case BL_ERR_TLS_CERT:
        if (tls->verify_flags != 0u) {
            return bl_mbedtls_flags_reason(tls->verify_flags, tls->self_signed);
        }
        if (tls->last_raw == MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED) {
            return "no trust anchors loaded";
        }
        return "server certificate could not be parsed";
    case BL_ERR_TLS_PIN:
        return "public key does not match the pin";
    case BL_ERR_TLS_HANDSHAKE:
        return bl_mbedtls_handshake_reason(tls);
    case BL_ERR_TIMEOUT:
        return "timed out";
    case BL_ERR_RESOLVE:
        return "host name did not resolve";
    case BL_ERR_CONNECT:
        return "connection failed";
    case BL_ERR_INVALID_ARG:
        return "invalid TLS setting or trust anchors";
    case BL_ERR_UNSUPPORTED:
        return "not supported by this mbedTLS build";
    default:
        return "connection lost";
    }
}

/* 0..63 for a base64 character of either alphabet, -1 otherwise. */
static int bl_b64_value(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+' || c == '-') {
        return 62;
    }
    if (c == '/' || c == '_') {
        return 63;
    }
    return -1;
}

bl_status_t bl_mbedtls_pin_from_base64(const char *b64, uint8_t out[BL_MBEDTLS_PIN_SIZE])
{
    if (b64 == NULL || out == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    /* 32 bytes = 43 characters (the last carrying 4 bits) + one '='. */
    size_t len = strlen(b64);
    if (len == 44u && b64[43] == '=') {
        len = 43u;
    }
    if (len != 43u) {
        return BL_ERR_INVALID_ARG;
    }
    uint32_t acc = 0u;
    unsigned bits = 0u;
    size_t o = 0u;
    for (size_t i = 0; i < len; i++) {
        int v = bl_b64_value(b64[i]);
        if (v < 0) {
            return BL_ERR_INVALID_ARG;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6u;
        if (bits >= 8u) {
            bits -= 8u;
            out[o++] = (uint8_t)((acc >> bits) & 0xFFu);
        }
    }
    /* The 2 bits left over must be zero in a canonical encoding. */
    if ((acc & ((1u << bits) - 1u)) != 0u || o != BL_MBEDTLS_PIN_SIZE) {
        return BL_ERR_INVALID_ARG;
    }
    return BL_OK;
}

bl_status_t bl_mbedtls_arena_init(uint8_t *arena, size_t size)
{
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
    if (arena == NULL || size < 1024u) {
        return BL_ERR_INVALID_ARG;
    }
    mbedtls_memory_buffer_alloc_init(arena, size);
    return BL_OK;
#else
    (void)arena;
    (void)size;
    return BL_ERR_UNSUPPORTED;
#endif
}

bl_status_t bl_mbedtls_arena_peak(size_t *peak_bytes, size_t *peak_blocks)
{
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C) && defined(MBEDTLS_MEMORY_DEBUG)
    size_t bytes = 0u;
    size_t blocks = 0u;
    if (peak_bytes == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    mbedtls_memory_buffer_alloc_max_get(&bytes, &blocks);
    *peak_bytes = bytes;
    if (peak_blocks != NULL) {
        *peak_blocks = blocks;
    }
    return BL_OK;
#else
    (void)peak_bytes;
    (void)peak_blocks;
    return BL_ERR_UNSUPPORTED;
#endif
}

#else
typedef int bl_mbedtls_util_unused_t;
#endif /* BL_PORT_MBEDTLS */
