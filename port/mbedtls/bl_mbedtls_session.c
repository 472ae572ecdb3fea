/**
 * @file bl_mbedtls_session.c
 * @brief The session store: a TLS session kept in caller bytes for
 * resumption on the next connection to the same server.
 *
 * The store is a byte string, not an mbedtls_ssl_session, so that it lives
 * in memory the caller chose and sized (and can survive deep sleep in RTC
 * RAM), and so that nothing mbedTLS allocated stays held between calls.
 *
 * Layout (all ours except the tail):
 *   0  'b' 'l' 1          magic and format version
 *   3  port (big endian)  server port the session was made with
 *   5  host length n      1..BL_MBEDTLS_HOST_MAX
 *   6  host (n bytes)     host given to connect()
 *   6+n key hash (32)     SHA-256 of the SubjectPublicKeyInfo that was
 *                         verified (and pinned) when the session was made;
 *                         a resumed handshake carries no certificate, so
 *                         this is what the pin is checked against then
 *   38+n mbedtls_ssl_session_save() output
 */
/* The fence comes first: a build without mbedTLS (PlatformIO and ESP-IDF
 * compile every file they see) must not even include its headers. */
#if defined(BL_PORT_MBEDTLS) && BL_PORT_MBEDTLS

#include "bl_mbedtls.h"

#include <string.h>

#include "bl_mbedtls_priv.h"

#include "mbedtls/md.h"

#define BL_SESSION_FIXED 6u

static size_t bl_session_header_len(size_t host_len)
{
    return BL_SESSION_FIXED + host_len + BL_MBEDTLS_PIN_SIZE;
}

/* Length of the host in the header at the start of the store, or 0 when
 * there is no valid header. The header outlives a failed save (it holds no
 * secret), so a TLS 1.3 ticket that arrives later still knows its server. */
static size_t bl_session_header_host(const bl_mbedtls_t *tls)
{
    const uint8_t *b = tls->session_buf;
    if (b == NULL || tls->session_cap < BL_SESSION_FIXED || b[0] != 'b' || b[1] != 'l' || b[2] != 1u) {
        return 0u;
    }
    size_t n = b[5];
    if (n == 0u || n > BL_MBEDTLS_HOST_MAX || tls->session_cap < bl_session_header_len(n)) {
        return 0u;
    }
    return n;
}

/* Host length of a stored session that can be offered, or 0. */
static size_t bl_session_host_len(const bl_mbedtls_t *tls)
{
    size_t n = bl_session_header_host(tls);
    return (n != 0u && tls->stats.session_len > bl_session_header_len(n)) ? n : 0u;
}

/* Wipe the store from @p from on: it holds the master secret. */
static void bl_session_wipe(bl_mbedtls_t *tls, size_t from)
{
    volatile uint8_t *p = tls->session_buf;
    for (size_t i = from; i < tls->session_cap; i++) {
        p[i] = 0u;
    }
}

int bl_mbedtls_sha256(const uint8_t *in, size_t len, uint8_t out[BL_MBEDTLS_PIN_SIZE])
{
    /* The generic digest API is the same in 2.28 and 3.x (where it may run
     * on PSA), unlike mbedtls_sha256_ret() / mbedtls_sha256(). */
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    if (md == NULL) {
        return -1;
    }
    return mbedtls_md(md, in, len, out);
}

void bl_mbedtls_session_forget(bl_mbedtls_t *tls)
{
    if (tls == NULL) {
        return;
    }
    if (tls->session_buf != NULL) {
        bl_session_wipe(tls, 0u);
    }
    tls->stats.session_len = 0u;
}

bl_status_t bl_mbedtls_session_adopt(bl_mbedtls_t *tls, size_t len)
{
    if (tls == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    if (tls->session_buf == NULL || len > tls->session_cap) {
        return BL_ERR_INVALID_ARG;
    }
    tls->stats.session_len = len;
    if (bl_session_host_len(tls) == 0u) {
        bl_mbedtls_session_forget(tls);
        return BL_ERR_INVALID_ARG;
    }
    return BL_OK;
}

const uint8_t *bl_mbedtls_session_key(const bl_mbedtls_t *tls)
{
    size_t n = bl_session_host_len(tls);
    return (tls->offered && n != 0u) ? tls->session_buf + BL_SESSION_FIXED + n : NULL;
}

void bl_mbedtls_session_offer(bl_mbedtls_t *tls, const char *host, uint16_t port)
{
    tls->offered = false;
    size_t n = bl_session_host_len(tls);
    if (n == 0u) {
        return;
    }
    const uint8_t *b = tls->session_buf;
    uint16_t stored_port = (uint16_t)(((unsigned)b[3] << 8) | b[4]);
    if (stored_port != port || strlen(host) != n || memcmp(b + BL_SESSION_FIXED, host, n) != 0) {
        return; /* another server: keep it, a later call may go there */
    }
    size_t hdr = bl_session_header_len(n);
    mbedtls_ssl_session s;
    mbedtls_ssl_session_init(&s);
    int ret = mbedtls_ssl_session_load(&s, b + hdr, tls->stats.session_len - hdr);
    if (ret == 0) {
        ret = mbedtls_ssl_set_session(&tls->ssl, &s);
    }
    mbedtls_ssl_session_free(&s);
    if (ret == 0) {
        tls->offered = true;
    } else {
        /* Saved by another mbedTLS version or configuration. */
        bl_mbedtls_session_forget(tls);
    }
}

void bl_mbedtls_session_store(bl_mbedtls_t *tls, const char *host, uint16_t port)
{
    if (tls->session_buf == NULL || !tls->key_seen) {
        return;
    }
    uint8_t *b = tls->session_buf;
    size_t n = host != NULL ? strlen(host) : bl_session_header_host(tls);
    if (n == 0u || n > BL_MBEDTLS_HOST_MAX) {
        return;
    }
    size_t hdr = bl_session_header_len(n);
    if (tls->session_cap < hdr) {
        tls->stats.session_needed = hdr;
        tls->stats.session_too_large++;
        bl_mbedtls_session_forget(tls);
        return;
    }
    if (host != NULL) {
        b[0] = 'b';
        b[1] = 'l';
        b[2] = 1u;
        b[3] = (uint8_t)(port >> 8);
        b[4] = (uint8_t)(port & 0xFFu);
        b[5] = (uint8_t)n;
        memcpy(b + BL_SESSION_FIXED, host, n);
    }
    memcpy(b + BL_SESSION_FIXED + n, tls->key_sha256, BL_MBEDTLS_PIN_SIZE);

    mbedtls_ssl_session s;
    mbedtls_ssl_session_init(&s);
    int ret = mbedtls_ssl_get_session(&tls->ssl, &s);
    size_t olen = 0u;
    if (ret == 0) {
        ret = mbedtls_ssl_session_save(&s, b + hdr, tls->session_cap - hdr, &olen);
    }
    mbedtls_ssl_session_free(&s);
    if (ret == MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL) {
        tls->stats.session_needed = hdr + olen;
        tls->stats.session_too_large++;
    }
    if (ret != 0 || olen == 0u) {
        /* Nothing to resume (e.g. TLS 1.3 before its ticket): keep the
         * header, drop any older session body. */
        bl_session_wipe(tls, hdr);
        tls->stats.session_len = 0u;
        return;
    }
    tls->stats.session_needed = hdr + olen;
    tls->stats.session_len = hdr + olen;
}

#else
typedef int bl_mbedtls_session_unused_t;
#endif /* BL_PORT_MBEDTLS */
