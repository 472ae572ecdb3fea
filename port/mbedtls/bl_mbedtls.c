/**
 * @file bl_mbedtls.c
 * @brief TLS transport over any bl_transport_t: set-up, handshake with
 * verification and pinning, record I/O.
 *
 * Timeouts: mbedTLS's own recv_timeout callback treats 0 as "wait forever"
 * and its MBEDTLS_ERR_SSL_TIMEOUT ends a TLS context for good, whereas a
 * banklink recv with timeout 0 is a harmless poll (the core uses it to see
 * whether an idle keep-alive connection was closed). So the port installs
 * only the plain recv callback, gives each lower call the time left of the
 * current operation, and turns a lower timeout into WANT_READ/WANT_WRITE,
 * which leaves the context usable; the loops below then decide between
 * "try again" and BL_IO_TIMEOUT / BL_ERR_TIMEOUT.
 */
/* The fence comes first: a build without mbedTLS (PlatformIO and ESP-IDF
 * compile every file they see) must not even include its headers. */
#if defined(BL_PORT_MBEDTLS) && BL_PORT_MBEDTLS

#include "bl_mbedtls.h"

#include <limits.h>
#include <string.h>

#include "bl_mbedtls_priv.h"

#if BL_MBEDTLS_V3 && defined(MBEDTLS_PSA_CRYPTO_C)
#include "psa/crypto.h"
#endif

/* Upper bound of WANT_READ/WANT_WRITE rounds without a lower timeout (e.g.
 * a refused renegotiation) before an operation gives up; without a clock
 * this is what keeps a misbehaving peer from spinning us forever. */
#define BL_MBEDTLS_MAX_SPINS 64u

bl_status_t bl_mbedtls_fail(bl_mbedtls_t *tls, bl_status_t status, int32_t raw)
{
    tls->last_status = status;
    tls->last_raw = raw;
    return status;
}

/* ------------------------------------------------------------ time budget */

static void bl_tls_budget_start(bl_mbedtls_t *tls, uint32_t timeout_ms)
{
    tls->io_timeout_ms = timeout_ms;
    if (tls->clock != NULL) {
        tls->deadline_ms = tls->clock->now_ms(tls->clock->ctx) + timeout_ms;
    }
}

/* Milliseconds the next lower call may wait. */
static uint32_t bl_tls_budget_left(const bl_mbedtls_t *tls)
{
    if (tls->clock == NULL) {
        return tls->io_timeout_ms;
    }
    uint32_t now = tls->clock->now_ms(tls->clock->ctx);
    uint32_t left = tls->deadline_ms - now;
    /* The clock may wrap: a "remaining" time over half the range means the
     * deadline is behind us. */
    return left > (UINT32_MAX / 2u) ? 0u : left;
}

/* ------------------------------------------------------------ BIO */

static void bl_tls_lower_error(bl_mbedtls_t *tls)
{
    tls->lower_failed = true;
    tls->last_raw = tls->lower->raw_error != NULL ? tls->lower->raw_error(tls->lower->ctx) : 0;
}

static int bl_tls_bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    bl_mbedtls_t *tls = (bl_mbedtls_t *)ctx;
    int32_t n = tls->lower->send(tls->lower->ctx, buf, len > (size_t)INT_MAX ? (size_t)INT_MAX : len,
                                 bl_tls_budget_left(tls));
    if (n > 0) {
        return (int)n;
    }
    if (n == BL_IO_TIMEOUT) {
        tls->lower_timed_out = true;
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    bl_tls_lower_error(tls);
    return BL_MBEDTLS_ERR_LOWER_SEND;
}

static int bl_tls_bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    bl_mbedtls_t *tls = (bl_mbedtls_t *)ctx;
    int32_t n = tls->lower->recv(tls->lower->ctx, buf, len > (size_t)INT_MAX ? (size_t)INT_MAX : len,
                                 bl_tls_budget_left(tls));
    if (n > 0) {
        /* The first bytes of the connection: a refusal of the ClientHello
         * is a plaintext alert record (type 21, version, length 2, level,
         * description) that mbedTLS 3.x reports only as "fatal alert". */
        for (int32_t i = 0; i < n && tls->rx_head_len < sizeof tls->rx_head; i++) {
            tls->rx_head[tls->rx_head_len++] = buf[i];
        }
        return (int)n;
    }
    if (n == BL_IO_CLOSED) {
        return 0; /* mbedTLS reports MBEDTLS_ERR_SSL_CONN_EOF */
    }
    if (n == BL_IO_TIMEOUT) {
        tls->lower_timed_out = true;
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    bl_tls_lower_error(tls);
    return BL_MBEDTLS_ERR_LOWER_RECV;
}

/*
 * Called by mbedTLS for each certificate of the chain, root first. The
 * port only watches: it keeps the flags (so the caller can be told which
 * check failed) and the hash of the leaf key (for the pin); the verdict
 * stays with mbedTLS and MBEDTLS_SSL_VERIFY_REQUIRED.
 */
static int bl_tls_verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    bl_mbedtls_t *tls = (bl_mbedtls_t *)ctx;
    tls->verify_calls++;
    tls->verify_flags |= *flags;
    if (depth == 0) {
        tls->self_signed = crt->issuer_raw.len == crt->subject_raw.len &&
                           memcmp(crt->issuer_raw.p, crt->subject_raw.p, crt->subject_raw.len) == 0;
        /* pk_raw is the DER SubjectPublicKeyInfo as the server sent it:
         * exactly what `openssl pkey -pubin -outform der` hashes. */
        tls->key_seen = bl_mbedtls_sha256(crt->pk_raw.p, crt->pk_raw.len, tls->key_sha256) == 0;
    }
    return 0;
}

/* ------------------------------------------------------------ set-up */

void bl_mbedtls_config_init(bl_mbedtls_config_t *cfg)
{
    if (cfg != NULL) {
        memset(cfg, 0, sizeof *cfg);
    }
}

static int bl_tls_mfl_code(uint16_t len, unsigned char *code)
{
    switch (len) {
    case 0: *code = MBEDTLS_SSL_MAX_FRAG_LEN_NONE; return 0;
    case 512: *code = MBEDTLS_SSL_MAX_FRAG_LEN_512; return 0;
    case 1024: *code = MBEDTLS_SSL_MAX_FRAG_LEN_1024; return 0;
    case 2048: *code = MBEDTLS_SSL_MAX_FRAG_LEN_2048; return 0;
    case 4096: *code = MBEDTLS_SSL_MAX_FRAG_LEN_4096; return 0;
    default: return -1;
    }
}

/*
 * Version range. Debian's 2.28 still enables TLS 1.0 and 1.1: the floor is
 * always ours. Sets *only_12 when the handshake cannot be 1.3. Returns 0,
 * -1 for a value out of range, -2 for a version this build lacks.
 */
static int bl_tls_conf_versions(bl_mbedtls_t *tls, bl_mbedtls_versions_t versions, bool *only_12)
{
    if (versions != BL_MBEDTLS_TLS_1_2_AND_1_3 && versions != BL_MBEDTLS_TLS_1_2_ONLY &&
        versions != BL_MBEDTLS_TLS_1_3_ONLY) {
        return -1;
    }
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
#if !defined(MBEDTLS_SSL_PROTO_TLS1_3)
    if (versions == BL_MBEDTLS_TLS_1_3_ONLY) {
        return -2;
    }
#endif
#if !defined(MBEDTLS_SSL_PROTO_TLS1_2)
    if (versions == BL_MBEDTLS_TLS_1_2_ONLY) {
        return -2;
    }
#endif
    mbedtls_ssl_conf_min_tls_version(&tls->conf, versions == BL_MBEDTLS_TLS_1_3_ONLY ? MBEDTLS_SSL_VERSION_TLS1_3
                                                                                    : MBEDTLS_SSL_VERSION_TLS1_2);
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
    mbedtls_ssl_conf_max_tls_version(&tls->conf, versions == BL_MBEDTLS_TLS_1_2_ONLY ? MBEDTLS_SSL_VERSION_TLS1_2
                                                                                    : MBEDTLS_SSL_VERSION_TLS1_3);
    *only_12 = versions == BL_MBEDTLS_TLS_1_2_ONLY;
#else
    mbedtls_ssl_conf_max_tls_version(&tls->conf, MBEDTLS_SSL_VERSION_TLS1_2);
    *only_12 = true;
#endif
#else
    /* 2.x (and 3.0/3.1, whose 1.3 is a prototype): 1.2 only. */
    if (versions == BL_MBEDTLS_TLS_1_3_ONLY) {
        return -2;
    }
    mbedtls_ssl_conf_min_version(&tls->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(&tls->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    *only_12 = true;
#endif
    tls->versions = (uint8_t)versions;
    return 0;
}

static bl_status_t bl_tls_configure(bl_mbedtls_t *tls, const bl_mbedtls_config_t *cfg)
{
    int ret = mbedtls_ssl_config_defaults(&tls->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0) {
        return bl_mbedtls_fail(tls, BL_ERR_INVALID_ARG, ret);
    }
    bool only_12 = false;
    ret = bl_tls_conf_versions(tls, cfg->versions, &only_12);
    if (ret != 0) {
        return bl_mbedtls_fail(tls, ret < -1 ? BL_ERR_UNSUPPORTED : BL_ERR_INVALID_ARG, 0);
    }
    mbedtls_ssl_conf_authmode(&tls->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&tls->conf, &tls->ca, NULL);
    mbedtls_ssl_conf_verify(&tls->conf, bl_tls_verify_cb, tls);
#if defined(MBEDTLS_SSL_SESSION_TICKETS) && defined(MBEDTLS_SSL_CLI_C)
    mbedtls_ssl_conf_session_tickets(&tls->conf, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
#endif
#if defined(MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED) && defined(MBEDTLS_SSL_PROTO_TLS1_3) && \
    defined(MBEDTLS_SSL_SESSION_TICKETS) && defined(MBEDTLS_SSL_CLI_C)
    /* 3.6.1+: without this, TLS 1.3 tickets are dropped and never resumed
     * (the function exists only in builds with TLS 1.3 and tickets). */
    mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(&tls->conf,
                                                             MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
#endif
    if (cfg->ciphersuites != NULL) {
        if (cfg->ciphersuites[0] == 0) {
            return bl_mbedtls_fail(tls, BL_ERR_INVALID_ARG, 0);
        }
        mbedtls_ssl_conf_ciphersuites(&tls->conf, cfg->ciphersuites);
    }
    unsigned char mfl = MBEDTLS_SSL_MAX_FRAG_LEN_NONE;
    if (bl_tls_mfl_code(cfg->max_fragment_len, &mfl) != 0) {
        return bl_mbedtls_fail(tls, BL_ERR_INVALID_ARG, 0);
    }
#if defined(MBEDTLS_SSL_MAX_FRAGMENT_LENGTH)
    /* 3.6 writes MFL into a ClientHello that also offers 1.3 and then
     * rejects the server's echo in EncryptedExtensions: ask only where the
     * answer can only be 1.2. */
    if (mfl != MBEDTLS_SSL_MAX_FRAG_LEN_NONE && only_12) {
        ret = mbedtls_ssl_conf_max_frag_len(&tls->conf, mfl);
        if (ret != 0) {
            return bl_mbedtls_fail(tls, BL_ERR_INVALID_ARG, ret);
        }
    }
#else
    if (mfl != MBEDTLS_SSL_MAX_FRAG_LEN_NONE) {
        return bl_mbedtls_fail(tls, BL_ERR_UNSUPPORTED, 0);
    }
#endif
    if (cfg->tls13_kex != BL_MBEDTLS_TLS13_KEX_PSK_DHE && cfg->tls13_kex != BL_MBEDTLS_TLS13_KEX_PSK_ONLY) {
        return bl_mbedtls_fail(tls, BL_ERR_INVALID_ARG, 0);
    }
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
    /* mbedTLS's default is every mode, which offers psk_ke to any server
     * that prefers it; forward secrecy stays the default here, psk_ke
     * replaces psk_dhe_ke only on request. EPHEMERAL keeps the full
     * handshake (and the fallback when a ticket is refused). */
    mbedtls_ssl_conf_tls13_key_exchange_modes(
        &tls->conf, MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL |
                        (cfg->tls13_kex == BL_MBEDTLS_TLS13_KEX_PSK_ONLY ? MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK
                                                                         : MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL));
#endif
    if (cfg->sig_algs != NULL) {
        if (cfg->sig_algs[0] == 0u) {
            return bl_mbedtls_fail(tls, BL_ERR_INVALID_ARG, 0);
        }
#if BL_MBEDTLS_V3 && defined(MBEDTLS_SSL_HANDSHAKE_WITH_CERT_ENABLED)
        mbedtls_ssl_conf_sig_algs(&tls->conf, cfg->sig_algs);
#else
        return bl_mbedtls_fail(tls, BL_ERR_UNSUPPORTED, 0);
#endif
    }

    if (cfg->rng != NULL) {
        mbedtls_ssl_conf_rng(&tls->conf, cfg->rng, cfg->rng_ctx);
        return BL_OK;
    }
#if BL_MBEDTLS_HAVE_DEFAULT_RNG
    static const unsigned char pers[] = "banklink";
    ret = mbedtls_ctr_drbg_seed(&tls->drbg, mbedtls_entropy_func, &tls->entropy, pers, sizeof pers - 1u);
    if (ret != 0) {
        return bl_mbedtls_fail(tls, BL_ERR_UNSUPPORTED, ret);
    }
    mbedtls_ssl_conf_rng(&tls->conf, mbedtls_ctr_drbg_random, &tls->drbg);
    return BL_OK;
#else
    return bl_mbedtls_fail(tls, BL_ERR_UNSUPPORTED, 0);
#endif
}

static bl_status_t bl_tls_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms);
static int32_t bl_tls_send(void *ctx, const uint8_t *data, size_t len, uint32_t timeout_ms);
static int32_t bl_tls_recv(void *ctx, uint8_t *data, size_t len, uint32_t timeout_ms);
static void bl_tls_close(void *ctx);
static int32_t bl_tls_raw_error(void *ctx);

bl_status_t bl_mbedtls_init(bl_mbedtls_t *tls, bl_transport_t *out, const bl_mbedtls_config_t *cfg)
{
    if (tls == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    memset(tls, 0, sizeof *tls);
    tls->peer_alert = -1;
    /* Every context is initialised first so bl_mbedtls_free() is safe
     * whatever fails below. */
    mbedtls_ssl_config_init(&tls->conf);
    mbedtls_x509_crt_init(&tls->ca);
    mbedtls_ssl_init(&tls->ssl);
#if BL_MBEDTLS_HAVE_DEFAULT_RNG
    mbedtls_entropy_init(&tls->entropy);
    mbedtls_ctr_drbg_init(&tls->drbg);
#endif
    if (out == NULL || cfg == NULL || cfg->lower == NULL || cfg->lower->connect == NULL ||
        cfg->lower->send == NULL || cfg->lower->recv == NULL || cfg->lower->close == NULL ||
        (cfg->session_buf == NULL) != (cfg->session_buf_size == 0u) ||
        (cfg->clock != NULL && cfg->clock->now_ms == NULL)) {
        return bl_mbedtls_fail(tls, BL_ERR_INVALID_ARG, 0);
    }
#if BL_MBEDTLS_V3 && defined(MBEDTLS_PSA_CRYPTO_C)
    /* 3.x runs TLS 1.3 and (with MBEDTLS_USE_PSA_CRYPTO) much of 1.2 on
     * PSA, which must be initialised once; repeated calls are harmless. */
    if (psa_crypto_init() != PSA_SUCCESS) {
        return bl_mbedtls_fail(tls, BL_ERR_UNSUPPORTED, 0);
    }
#endif
    tls->lower = cfg->lower;
    tls->clock = cfg->clock;
    tls->verify_host = cfg->verify_host;
    tls->session_buf = cfg->session_buf;
    tls->session_cap = cfg->session_buf_size;
    bl_mbedtls_set_pin(tls, cfg->pin_sha256);

    bl_status_t st = bl_tls_configure(tls, cfg);
    if (st != BL_OK) {
        return st;
    }
    if (cfg->ca != NULL || cfg->ca_len != 0u) {
        st = bl_mbedtls_add_ca(tls, cfg->ca, cfg->ca_len);
        if (st != BL_OK) {
            return st;
        }
    }
    out->connect = bl_tls_connect;
    out->send = bl_tls_send;
    out->recv = bl_tls_recv;
    out->close = bl_tls_close;
    out->raw_error = bl_tls_raw_error;
    out->ctx = tls;
    tls->ready = true;
    tls->last_status = BL_OK;
    tls->last_raw = 0;
    return BL_OK;
}

void bl_mbedtls_free(bl_mbedtls_t *tls)
{
    if (tls == NULL) {
        return;
    }
    if (tls->ready) {
        bl_tls_close(tls);
    }
    mbedtls_ssl_free(&tls->ssl);
    mbedtls_ssl_config_free(&tls->conf);
    mbedtls_x509_crt_free(&tls->ca);
#if BL_MBEDTLS_HAVE_DEFAULT_RNG
    mbedtls_ctr_drbg_free(&tls->drbg);
    mbedtls_entropy_free(&tls->entropy);
#endif
    tls->ready = false;
}

bl_status_t bl_mbedtls_add_ca(bl_mbedtls_t *tls, const uint8_t *ca, size_t len)
{
    if (tls == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    if (ca == NULL || len == 0u) {
        return bl_mbedtls_fail(tls, BL_ERR_INVALID_ARG, 0);
    }
    /* mbedTLS reads PEM with string functions and so needs the NUL; say
     * so rather than let it fail with a DER parse error. */
    if (len > 10u && memcmp(ca, "-----BEGIN", 10) == 0 && ca[len - 1u] != '\0') {
        return bl_mbedtls_fail(tls, BL_ERR_INVALID_ARG, MBEDTLS_ERR_X509_BAD_INPUT_DATA);
    }
    int ret = mbedtls_x509_crt_parse(&tls->ca, ca, len);
    /* > 0: that many certificates of a bundle were skipped; fine as long
     * as the chain holds at least one. */
    if (ret < 0 || tls->ca.raw.len == 0u) {
        return bl_mbedtls_fail(tls, BL_ERR_INVALID_ARG, ret);
    }
    return BL_OK;
}

void bl_mbedtls_set_pin(bl_mbedtls_t *tls, const uint8_t *sha256)
{
    if (tls == NULL) {
        return;
    }
    bool had = tls->has_pin;
    bool same = had && sha256 != NULL && memcmp(tls->pin, sha256, BL_MBEDTLS_PIN_SIZE) == 0;
    tls->has_pin = sha256 != NULL;
    if (sha256 != NULL) {
        memcpy(tls->pin, sha256, BL_MBEDTLS_PIN_SIZE);
    } else {
        memset(tls->pin, 0, sizeof tls->pin);
    }
    if (!same && tls->has_pin) {
        bl_mbedtls_session_forget(tls);
    }
}

/* ------------------------------------------------------------ handshake */

/* Status of a failed handshake; also sets last_raw and verify_flags. */
static bl_status_t bl_tls_handshake_status(bl_mbedtls_t *tls, int ret)
{
    uint32_t flags = mbedtls_ssl_get_verify_result(&tls->ssl);
    if (flags == UINT32_MAX) {
        flags = 0u;
    }
    tls->verify_flags |= flags;
    if (tls->lower_failed) {
        return bl_mbedtls_fail(tls, BL_ERR_CONNECT, tls->last_raw);
    }
    if (tls->lower_timed_out) {
        return bl_mbedtls_fail(tls, BL_ERR_TIMEOUT, MBEDTLS_ERR_SSL_TIMEOUT);
    }
    if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && tls->rx_head_len == sizeof tls->rx_head &&
        tls->rx_head[0] == MBEDTLS_SSL_MSG_ALERT && tls->rx_head[3] == 0u && tls->rx_head[4] == 2u) {
        tls->peer_alert = (int16_t)tls->rx_head[6];
    }
    /* X.509 errors (chain, parse of the server's certificate) live in
     * -0x2000..-0x2FFF, possibly plus a lower-level module's code. */
    int32_t high = (int32_t)((-ret) & 0xFF80);
    if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || ret == MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED ||
        tls->verify_flags != 0u || (high >= 0x2000 && high < 0x3000)) {
        return bl_mbedtls_fail(tls, BL_ERR_TLS_CERT, ret);
    }
    return bl_mbedtls_fail(tls, BL_ERR_TLS_HANDSHAKE, ret);
}

static bl_status_t bl_tls_handshake(bl_mbedtls_t *tls)
{
    for (uint32_t spins = 0u;; spins++) {
        tls->lower_timed_out = false;
        tls->lower_failed = false;
        int ret = mbedtls_ssl_handshake(&tls->ssl);
        if (ret == 0) {
            return BL_OK;
        }
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
            /* A lower timeout had the whole time left (or, without a
             * clock, the whole per-call budget): the deadline is gone. */
            if (!tls->lower_timed_out && spins < BL_MBEDTLS_MAX_SPINS && bl_tls_budget_left(tls) > 0u) {
                continue;
            }
            tls->lower_timed_out = true;
        }
        return bl_tls_handshake_status(tls, ret);
    }
}

/* Constant time, so a wrong pin does not leak how much of it matched. */
static bool bl_tls_pin_equal(const uint8_t *a, const uint8_t *b)
{
    uint8_t diff = 0u;
    for (size_t i = 0; i < BL_MBEDTLS_PIN_SIZE; i++) {
        diff = (uint8_t)(diff | (a[i] ^ b[i]));
    }
    return diff == 0u;
}

/* End a connection attempt: alert (if any) already sent by mbedTLS. */
static void bl_tls_abort(bl_mbedtls_t *tls)
{
    tls->lower->close(tls->lower->ctx);
    mbedtls_ssl_free(&tls->ssl);
    tls->ssl_live = false;
    tls->connected = false;
    tls->stats.handshakes_failed++;
}

static bl_status_t bl_tls_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    bl_mbedtls_t *tls = (bl_mbedtls_t *)ctx;
    bl_tls_close(tls);
    tls->verify_flags = 0u;
    tls->verify_calls = 0u;
    tls->key_seen = false;
    tls->self_signed = false;
    tls->offered = false;
    tls->resumed = false;
    tls->peer_closed = false;
    tls->lower_failed = false;
    tls->lower_timed_out = false;
    tls->rx_head_len = 0u;
    tls->peer_alert = -1;
    tls->version = 0u;
    if (!tls->ready || host == NULL || host[0] == '\0') {
        return bl_mbedtls_fail(tls, BL_ERR_RESOLVE, 0);
    }
    if (tls->ca.raw.len == 0u) {
        /* Nothing to verify against: refuse before touching the network. */
        return bl_mbedtls_fail(tls, BL_ERR_TLS_CERT, MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED);
    }
    uint32_t start = tls->clock != NULL ? tls->clock->now_ms(tls->clock->ctx) : 0u;
    bl_tls_budget_start(tls, timeout_ms);

    bl_status_t st = tls->lower->connect(tls->lower->ctx, host, port, timeout_ms);
    if (st != BL_OK) {
        return bl_mbedtls_fail(tls, st,
                               tls->lower->raw_error != NULL ? tls->lower->raw_error(tls->lower->ctx) : 0);
    }
    mbedtls_ssl_init(&tls->ssl);
    tls->ssl_live = true;
    int ret = mbedtls_ssl_setup(&tls->ssl, &tls->conf);
    if (ret == 0) {
        /* SNI and the name the certificate must carry: one setting. */
        ret = mbedtls_ssl_set_hostname(&tls->ssl, tls->verify_host != NULL ? tls->verify_host : host);
    }
    if (ret != 0) {
        bl_tls_abort(tls);
        return bl_mbedtls_fail(tls, BL_ERR_TLS_HANDSHAKE, ret);
    }
    bl_mbedtls_session_offer(tls, host, port);
    mbedtls_ssl_set_bio(&tls->ssl, tls, bl_tls_bio_send, bl_tls_bio_recv, NULL);

    st = bl_tls_handshake(tls);
    if (st != BL_OK) {
        /* A refused stored session is not worth offering again. */
        bl_mbedtls_session_forget(tls);
        bl_tls_abort(tls);
        return st;
    }
    /* VERIFY_REQUIRED already failed the handshake on any flag; checking
     * again costs nothing and keeps a refused certificate refused should
     * the authmode ever be changed. */
    uint32_t flags = mbedtls_ssl_get_verify_result(&tls->ssl);
    if (flags != 0u) {
        tls->verify_flags |= flags;
        (void)mbedtls_ssl_send_alert_message(&tls->ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL,
                                             MBEDTLS_SSL_ALERT_MSG_BAD_CERT);
        bl_mbedtls_session_forget(tls);
        bl_tls_abort(tls);
        return bl_mbedtls_fail(tls, BL_ERR_TLS_CERT, MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
    }
    /* No Certificate message, so no verify callback: the server took the
     * session we offered. */
    tls->resumed = tls->offered && tls->verify_calls == 0u;
    if (tls->resumed && !tls->key_seen) {
        const uint8_t *key = bl_mbedtls_session_key(tls);
        if (key != NULL) {
            memcpy(tls->key_sha256, key, BL_MBEDTLS_PIN_SIZE);
            tls->key_seen = true;
        }
    }
    if (tls->has_pin && (!tls->key_seen || !bl_tls_pin_equal(tls->key_sha256, tls->pin))) {
        (void)mbedtls_ssl_send_alert_message(&tls->ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL,
                                             MBEDTLS_SSL_ALERT_MSG_BAD_CERT);
        bl_mbedtls_session_forget(tls);
        bl_tls_abort(tls);
        return bl_mbedtls_fail(tls, BL_ERR_TLS_PIN, 0);
    }
    tls->connected = true;
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
    tls->version = mbedtls_ssl_get_version_number(&tls->ssl) == MBEDTLS_SSL_VERSION_TLS1_3 ? 0x0304u : 0x0303u;
#else
    /* 2.28 has no TLS 1.3 (nor 3.0/3.1 beyond a prototype), and 1.2 is the
     * minimum this port sets, so a completed handshake is 1.2. */
    tls->version = 0x0303u;
#endif
    if (tls->resumed) {
        tls->stats.handshakes_resumed++;
    } else {
        tls->stats.handshakes_full++;
    }
    tls->stats.last_handshake_ms = tls->clock != NULL ? tls->clock->now_ms(tls->clock->ctx) - start : 0u;
    bl_mbedtls_session_store(tls, host, port);
    tls->last_status = BL_OK;
    tls->last_raw = 0;
    return BL_OK;
}

/* ------------------------------------------------------------ records */

static int32_t bl_tls_io_error(bl_mbedtls_t *tls, int ret)
{
    if (tls->lower_failed) {
        (void)bl_mbedtls_fail(tls, BL_ERR_RECV, tls->last_raw);
    } else {
        (void)bl_mbedtls_fail(tls, BL_ERR_RECV, ret);
    }
    return BL_IO_ERROR;
}

static int32_t bl_tls_send(void *ctx, const uint8_t *data, size_t len, uint32_t timeout_ms)
{
    bl_mbedtls_t *tls = (bl_mbedtls_t *)ctx;
    if (!tls->connected || data == NULL || len == 0u) {
        return bl_tls_io_error(tls, MBEDTLS_ERR_SSL_BAD_INPUT_DATA);
    }
    if (len > (size_t)INT32_MAX) {
        len = (size_t)INT32_MAX;
    }
    bl_tls_budget_start(tls, timeout_ms);
    for (uint32_t spins = 0u;; spins++) {
        tls->lower_timed_out = false;
        tls->lower_failed = false;
        int ret = mbedtls_ssl_write(&tls->ssl, data, len);
        if (ret > 0) {
            return (int32_t)ret;
        }
        if (ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == MBEDTLS_ERR_SSL_WANT_READ) {
            if (tls->lower_timed_out || spins >= BL_MBEDTLS_MAX_SPINS || bl_tls_budget_left(tls) == 0u) {
                return BL_IO_TIMEOUT;
            }
            continue;
        }
        tls->connected = false;
        return bl_tls_io_error(tls, ret);
    }
}

static int32_t bl_tls_recv(void *ctx, uint8_t *data, size_t len, uint32_t timeout_ms)
{
    bl_mbedtls_t *tls = (bl_mbedtls_t *)ctx;
    if (tls->peer_closed) {
        return BL_IO_CLOSED;
    }
    if (!tls->connected || data == NULL || len == 0u) {
        return bl_tls_io_error(tls, MBEDTLS_ERR_SSL_BAD_INPUT_DATA);
    }
    if (len > (size_t)INT32_MAX) {
        len = (size_t)INT32_MAX;
    }
    bl_tls_budget_start(tls, timeout_ms);
    for (uint32_t spins = 0u;; spins++) {
        tls->lower_timed_out = false;
        tls->lower_failed = false;
        int ret = mbedtls_ssl_read(&tls->ssl, data, len);
        if (ret > 0) {
            return (int32_t)ret;
        }
        if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || ret == MBEDTLS_ERR_SSL_CONN_EOF) {
            tls->peer_closed = true;
            return BL_IO_CLOSED;
        }
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
            if (tls->lower_timed_out || spins >= BL_MBEDTLS_MAX_SPINS || bl_tls_budget_left(tls) == 0u) {
                return BL_IO_TIMEOUT;
            }
            continue;
        }
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
        if (ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
            /* TLS 1.3 sends tickets after the handshake: keep the newest. */
            bl_mbedtls_session_store(tls, NULL, 0u);
            continue;
        }
#endif
        tls->connected = false;
        return bl_tls_io_error(tls, ret);
    }
}

static void bl_tls_close(void *ctx)
{
    bl_mbedtls_t *tls = (bl_mbedtls_t *)ctx;
    if (!tls->ssl_live) {
        return;
    }
    if (tls->connected && !tls->peer_closed) {
        /* Best effort, no waiting: the connection is going either way. */
        bl_tls_budget_start(tls, 0u);
        (void)mbedtls_ssl_close_notify(&tls->ssl);
    }
    tls->lower->close(tls->lower->ctx);
    mbedtls_ssl_free(&tls->ssl);
    tls->ssl_live = false;
    tls->connected = false;
}

static int32_t bl_tls_raw_error(void *ctx)
{
    return ((const bl_mbedtls_t *)ctx)->last_raw;
}

/* ------------------------------------------------------------ queries */

int32_t bl_mbedtls_raw_error(const bl_mbedtls_t *tls)
{
    return tls != NULL ? tls->last_raw : 0;
}

uint32_t bl_mbedtls_verify_flags(const bl_mbedtls_t *tls)
{
    return tls != NULL ? tls->verify_flags : 0u;
}

uint16_t bl_mbedtls_version(const bl_mbedtls_t *tls)
{
    return tls != NULL ? tls->version : 0u;
}

int bl_mbedtls_peer_alert(const bl_mbedtls_t *tls)
{
    return tls != NULL ? tls->peer_alert : -1;
}

bool bl_mbedtls_resumed(const bl_mbedtls_t *tls)
{
    return tls != NULL && tls->resumed;
}

const bl_mbedtls_stats_t *bl_mbedtls_stats(const bl_mbedtls_t *tls)
{
    return tls != NULL ? &tls->stats : NULL;
}

#else
/* ISO C forbids an empty translation unit. */
typedef int bl_mbedtls_unused_t;
#endif /* BL_PORT_MBEDTLS */
