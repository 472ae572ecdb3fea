/**
 * @file bl_mbedtls.h
 * @brief TLS for banklink: a bl_transport_t that runs mbedTLS over any
 * other bl_transport_t (POSIX sockets, lwIP, ...).
 *
 * Build with BL_PORT_MBEDTLS defined to 1 (CMake option BL_PORT_MBEDTLS does
 * it); without it the port's sources compile to nothing. Works with mbedTLS
 * 2.28 and 3.x.
 *
 * What connect() guarantees before it returns BL_OK:
 * - the handshake is TLS 1.2 or newer (set here, not left to the mbedTLS
 *   build, which may still enable 1.0/1.1);
 * - the server's chain verifies against the caller's trust anchors, its
 *   validity period covers the current time, and it names the host (SNI
 *   is sent with the same name);
 * - when a pin is set, the SHA-256 of the server certificate's
 *   SubjectPublicKeyInfo equals the pin.
 * A failed check ends connect() with BL_ERR_TLS_CERT, BL_ERR_TLS_PIN or
 * BL_ERR_TLS_HANDSHAKE before any application byte is written, so no API key
 * or token leaves the device. There is deliberately no switch that turns
 * verification off.
 *
 * @code
 * static bl_posix_socket_t sock;
 * static bl_transport_t tcp, tls_t;
 * static bl_mbedtls_t tls;
 * static uint8_t session[BL_MBEDTLS_SESSION_BUF_SIZE];
 * bl_posix_transport_init(&tcp, &sock);
 *
 * bl_mbedtls_config_t cfg;
 * bl_mbedtls_config_init(&cfg);
 * cfg.lower = &tcp;
 * cfg.clock = &clock;                       // from bl_posix_clock_init()
 * cfg.ca = ca_pem; cfg.ca_len = sizeof ca_pem;  // PEM: include the NUL
 * cfg.session_buf = session; cfg.session_buf_size = sizeof session;
 * if (bl_mbedtls_init(&tls, &tls_t, &cfg) != BL_OK) { ... }
 * // hand &tls_t to bl_client_config_t::transport
 * ...
 * bl_mbedtls_free(&tls);
 * @endcode
 */
#ifndef BL_MBEDTLS_H
#define BL_MBEDTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_status.h"
#include "bl_transport.h"

/* 2.x reads its configuration through every header; 3.x through
 * build_info.h, which version.h includes. */
#include "mbedtls/version.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
/*
 * The default RNG (entropy pool + CTR_DRBG inside bl_mbedtls_t) costs the
 * size of mbedtls_entropy_context: 38 KB with Debian's 2.28 (HAVEGE state
 * included), far less in a board configuration. A board that always passes
 * bl_mbedtls_config_t::rng can define BL_MBEDTLS_NO_DEFAULT_RNG to drop it.
 */
#if !defined(BL_MBEDTLS_NO_DEFAULT_RNG) && defined(MBEDTLS_ENTROPY_C) && defined(MBEDTLS_CTR_DRBG_C)
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
/** 1 when the port can seed its own DRBG from mbedTLS's entropy sources. */
#define BL_MBEDTLS_HAVE_DEFAULT_RNG 1
#else
#define BL_MBEDTLS_HAVE_DEFAULT_RNG 0
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Size of a SHA-256 public-key pin, in bytes. */
#define BL_MBEDTLS_PIN_SIZE 32u

/**
 * Suggested size of the session store (bl_mbedtls_config_t::session_buf).
 * A saved session holds the server certificate (when mbedTLS keeps it,
 * MBEDTLS_SSL_KEEP_PEER_CERTIFICATE), the session ticket and about 300
 * bytes of keys and header. 2048 bytes fit an RSA-2048 or ECDSA
 * certificate with a typical ticket; a session that does not fit is simply
 * not kept (bl_mbedtls_stats_t::session_too_large counts it).
 */
#ifndef BL_MBEDTLS_SESSION_BUF_SIZE
#define BL_MBEDTLS_SESSION_BUF_SIZE 2048u
#endif

/** Longest host name the session store remembers (DNS limit). */
#define BL_MBEDTLS_HOST_MAX 253u

/** Default trust store of bl_mbedtls_add_ca_file() (Debian, Ubuntu, Alpine). */
#ifndef BL_MBEDTLS_DEFAULT_CA_FILE
#define BL_MBEDTLS_DEFAULT_CA_FILE "/etc/ssl/certs/ca-certificates.crt"
#endif

/**
 * TLS versions connect() may negotiate (bl_mbedtls_config_t::versions).
 * Nothing older than TLS 1.2 is ever offered.
 */
typedef enum bl_mbedtls_versions {
    /** Default: TLS 1.2 and 1.3, as far as the mbedTLS build has them
     *  (2.28: 1.2 only; 3.6's default configuration: both). */
    BL_MBEDTLS_TLS_1_2_AND_1_3 = 0,
    /** TLS 1.2 only (the one setting under which max_fragment_len is sent). */
    BL_MBEDTLS_TLS_1_2_ONLY = 1,
    /** TLS 1.3 only (needs MBEDTLS_SSL_PROTO_TLS1_3, i.e. mbedTLS 3.x). */
    BL_MBEDTLS_TLS_1_3_ONLY = 2
} bl_mbedtls_versions_t;

/**
 * How a TLS 1.3 resumption derives its keys (bl_mbedtls_config_t::tls13_kex);
 * RFC 8446 4.2.9. Without effect on TLS 1.2 and on full handshakes, which
 * always run ECDHE.
 */
typedef enum bl_mbedtls_tls13_kex {
    /** Default: psk_dhe_ke. The ticket replaces the certificate work, an
     *  ECDHE exchange still runs, so a stolen ticket key cannot decrypt
     *  recorded traffic (forward secrecy). */
    BL_MBEDTLS_TLS13_KEX_PSK_DHE = 0,
    /** Opt-in psk_ke: the ticket alone keys the connection; the ECDHE
     *  shared-secret computation is skipped where the server accepts psk_ke
     *  (OpenSSL: SSL_OP_ALLOW_NO_DHE_KEX), saving time and energy on a
     *  battery-powered device, at the price of forward secrecy for
     *  resumed connections (whoever obtains the server's ticket key can
     *  decrypt them). The ClientHello still carries a key share, so a server
     *  that refuses psk_ke makes a full handshake instead of failing. */
    BL_MBEDTLS_TLS13_KEX_PSK_ONLY = 1
} bl_mbedtls_tls13_kex_t;

/**
 * Random bytes for mbedTLS (same signature as mbedtls_ctr_drbg_random).
 * @return 0 on success, a negative mbedTLS error otherwise.
 */
typedef int (*bl_mbedtls_rng_fn)(void *ctx, unsigned char *out, size_t len);

/** Settings of a TLS transport. Fill with bl_mbedtls_config_init(). */
typedef struct bl_mbedtls_config {
    /** The transport TLS runs over (e.g. POSIX or lwIP). Required. */
    const bl_transport_t *lower;
    /**
     * Optional, recommended: with a clock the handshake as a whole keeps to
     * connect()'s timeout and recv() to its own; without one each lower
     * send/recv may wait the full timeout.
     */
    const bl_clock_t *clock;
    /**
     * Trust anchors: one or more PEM certificates (NUL-terminated, @ref
     * ca_len counting the NUL, as `sizeof` of a string literal does) or one
     * DER certificate. Optional here: bl_mbedtls_add_ca() and
     * bl_mbedtls_add_ca_file() add more. connect() refuses to run without
     * any (BL_ERR_TLS_CERT). Parsed into the context; need not outlive init.
     */
    const uint8_t *ca;
    size_t ca_len;              /**< Bytes at @ref ca. */
    /**
     * Optional: the name to send as SNI and to verify the certificate
     * against, instead of the host given to connect() (for connecting to an
     * address while verifying a name). Must outlive the context.
     */
    const char *verify_host;
    /**
     * Optional: SHA-256 of the server's SubjectPublicKeyInfo (DER),
     * BL_MBEDTLS_PIN_SIZE bytes, checked on top of chain verification.
     * Copied at init. bl_mbedtls_pin_from_base64() decodes the usual form.
     */
    const uint8_t *pin_sha256;
    /**
     * Optional: storage for the session to resume on the next connect() to
     * the same host and port (BL_MBEDTLS_SESSION_BUF_SIZE suggested). Owned
     * by the caller, used until bl_mbedtls_free(); its contents may be kept
     * across a reboot or deep sleep (see bl_mbedtls_session_adopt()).
     */
    uint8_t *session_buf;
    size_t session_buf_size;    /**< Bytes at @ref session_buf. */
    /**
     * Maximum Fragment Length to ask for (RFC 6066): 0 (do not ask), 512,
     * 1024, 2048 or 4096. A TLS 1.2 extension: sent only when the handshake
     * can only be TLS 1.2 (@ref versions is BL_MBEDTLS_TLS_1_2_ONLY, or the
     * mbedTLS build has no TLS 1.3), because mbedTLS 3.6 cannot complete a
     * TLS 1.3 handshake in which the server echoes it. Otherwise it is not
     * sent; under TLS 1.3 the record_size_limit extension (RFC 8449) takes
     * its place where mbedTLS is built with MBEDTLS_SSL_RECORD_SIZE_LIMIT.
     * Whether it saves RAM depends on the mbedTLS build (see README.md).
     */
    uint16_t max_fragment_len;
    /** TLS versions to offer; 0 (BL_MBEDTLS_TLS_1_2_AND_1_3) is the default. */
    bl_mbedtls_versions_t versions;
    /** TLS 1.3 resumption key exchange; 0 (psk_dhe_ke) is the default. */
    bl_mbedtls_tls13_kex_t tls13_kex;
    /**
     * Optional (mbedTLS 3.x only): the signature algorithms to accept from
     * the server, in order of preference, as IANA SignatureScheme values
     * (MBEDTLS_TLS1_3_SIG_*, which TLS 1.2 reads as hash << 8 | signature)
     * ending with MBEDTLS_TLS1_3_SIG_NONE (0). NULL keeps mbedTLS's default
     * list. Passed to mbedtls_ssl_conf_sig_algs(); must outlive the context.
     * With mbedTLS 2.28, whose API for this differs, a non-NULL list makes
     * init fail with BL_ERR_UNSUPPORTED. README.md says which lists to use
     * (and the RSA-PSS workaround for mbedTLS 3.6.6 under TLS 1.2).
     */
    const uint16_t *sig_algs;
    /**
     * Optional: the cipher suites to offer, mbedTLS ids ending with 0 (e.g.
     * `{MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 0}`); NULL offers
     * mbedTLS's defaults. Must outlive the context (mbedTLS keeps the
     * pointer).
     */
    const int *ciphersuites;
    /**
     * Optional random source (e.g. a hardware TRNG driver). NULL: the port
     * seeds a CTR_DRBG from mbedTLS's entropy sources (needs
     * MBEDTLS_ENTROPY_C and MBEDTLS_CTR_DRBG_C).
     */
    bl_mbedtls_rng_fn rng;
    void *rng_ctx;              /**< Passed to @ref rng. */
} bl_mbedtls_config_t;

/** Counters of one TLS context, for diagnostics and benchmarks. */
typedef struct bl_mbedtls_stats {
    uint32_t handshakes_full;     /**< Completed handshakes with a certificate exchange. */
    uint32_t handshakes_resumed;  /**< Completed handshakes that resumed a stored session. */
    uint32_t handshakes_failed;   /**< connect() calls that failed after the lower connect. */
    uint32_t last_handshake_ms;   /**< Duration of the last handshake (0 without a clock). */
    uint32_t session_too_large;   /**< Sessions not kept because session_buf was too small. */
    size_t session_len;           /**< Bytes of session_buf in use (0: none stored). */
    size_t session_needed;        /**< Bytes the last session needed (to size session_buf). */
} bl_mbedtls_stats_t;

/**
 * @brief State of one TLS connection. Caller-owned; treat as opaque.
 *
 * It holds the mbedTLS contexts, so it is a few kilobytes; the record
 * buffers mbedTLS allocates itself (see README.md for measured figures).
 */
typedef struct bl_mbedtls {
    const bl_transport_t *lower;  /**< From the config. */
    const bl_clock_t *clock;      /**< From the config, may be NULL. */
    const char *verify_host;      /**< From the config, may be NULL. */
    uint8_t *session_buf;         /**< From the config, may be NULL. */
    size_t session_cap;           /**< Size of session_buf. */
    uint8_t pin[BL_MBEDTLS_PIN_SIZE]; /**< Pinned key hash. */
    bool has_pin;                 /**< pin is set. */
    bool ready;                   /**< init succeeded. */
    bool ssl_live;                /**< ssl holds a set-up context (connected or failed). */
    bool connected;               /**< Handshake done, not closed. */
    bool peer_closed;             /**< The peer closed; recv reports BL_IO_CLOSED. */
    bool offered;                 /**< A stored session was offered in this handshake. */
    bool resumed;                 /**< The last handshake resumed a session. */
    bool key_seen;                /**< key_sha256 holds the peer key of this handshake. */
    bool self_signed;             /**< The peer's leaf certificate is self-signed. */
    bool lower_timed_out;         /**< The last lower I/O timed out. */
    bool lower_failed;            /**< The last lower I/O failed (BL_IO_ERROR or closed). */
    uint8_t versions;             /**< bl_mbedtls_versions_t of the config (words of a version refusal). */
    uint8_t rx_head_len;          /**< Bytes of rx_head filled in this handshake. */
    uint8_t rx_head[7];           /**< First bytes the server sent: a plaintext alert record? */
    uint16_t version;             /**< Wire version of the last handshake (0x0303, 0x0304), 0: none. */
    int16_t peer_alert;           /**< Alert that ended the last handshake, -1: none. */
    uint32_t io_timeout_ms;       /**< Budget of each lower I/O without a clock. */
    uint32_t deadline_ms;         /**< Clock reading that ends the current operation. */
    uint32_t verify_calls;        /**< Verify-callback calls in this handshake. */
    uint32_t verify_flags;        /**< MBEDTLS_X509_BADCERT_* of the last handshake. */
    uint8_t key_sha256[BL_MBEDTLS_PIN_SIZE]; /**< SHA-256 of the peer's SubjectPublicKeyInfo. */
    bl_status_t last_status;      /**< Status of the last failure. */
    int32_t last_raw;             /**< mbedTLS code or lower raw code of the last failure. */
    bl_mbedtls_stats_t stats;     /**< Counters; read with bl_mbedtls_stats(). */
    mbedtls_ssl_config conf;      /**< Shared settings of every connection. */
    mbedtls_x509_crt ca;          /**< Trust anchors. */
    mbedtls_ssl_context ssl;      /**< The connection (set up in connect, freed in close). */
#if BL_MBEDTLS_HAVE_DEFAULT_RNG
    mbedtls_entropy_context entropy; /**< Default RNG: entropy pool. */
    mbedtls_ctr_drbg_context drbg;   /**< Default RNG: DRBG. */
#endif
} bl_mbedtls_t;

/**
 * Fill @p cfg with defaults: everything NULL/0 (no pin, no session store, no
 * MFL, TLS 1.2 and 1.3, psk_dhe_ke, mbedTLS's signature algorithms).
 */
void bl_mbedtls_config_init(bl_mbedtls_config_t *cfg);

/**
 * @brief Prepare @p tls and fill @p out with the TLS transport over it.
 *
 * Seeds the RNG, parses cfg->ca (if any), sets the TLS versions (never
 * below 1.2), MBEDTLS_SSL_VERIFY_REQUIRED, session tickets, the TLS 1.3
 * key-exchange modes and the signature algorithms. Does not connect.
 * Call bl_mbedtls_free() when done, also after a failed init.
 *
 * @param tls Context, caller-owned, must outlive @p out.
 * @param out Filled with connect/send/recv/close/raw_error over @p tls.
 * @param cfg Settings; copied except the buffers it points to.
 * @return BL_OK; BL_ERR_INVALID_ARG (NULL argument, no lower transport,
 *         unparseable CA bytes, PEM without its NUL, MFL value not one of
 *         the five, session_buf without size, versions or tls13_kex out of
 *         range, empty sig_algs list); BL_ERR_UNSUPPORTED (no RNG: cfg->rng
 *         is NULL and mbedTLS has no entropy + CTR_DRBG, or the RNG could
 *         not be seeded; a pinned version the build lacks; sig_algs with
 *         mbedTLS 2.x). The mbedTLS code is in
 *         bl_mbedtls_raw_error().
 */
BL_NODISCARD bl_status_t bl_mbedtls_init(bl_mbedtls_t *tls, bl_transport_t *out, const bl_mbedtls_config_t *cfg);

/** Close any connection and release everything mbedTLS allocated for @p tls. */
void bl_mbedtls_free(bl_mbedtls_t *tls);

/**
 * @brief Add trust anchors (PEM bundle with its terminating NUL counted in
 * @p len, or one DER certificate).
 * @return BL_OK when at least one certificate of @p ca was added (a bundle
 *         may contain some that mbedTLS cannot parse; they are skipped), or
 *         BL_ERR_INVALID_ARG.
 */
BL_NODISCARD bl_status_t bl_mbedtls_add_ca(bl_mbedtls_t *tls, const uint8_t *ca, size_t len);

/**
 * @brief POSIX only (BL_PORT_POSIX): add the trust anchors of a PEM or DER
 * file, such as the system bundle.
 * @param path File, or NULL for BL_MBEDTLS_DEFAULT_CA_FILE.
 * @return BL_OK when at least one certificate was added; BL_ERR_INVALID_ARG
 *         when the file cannot be read or holds no usable certificate
 *         (bl_mbedtls_raw_error() has the mbedTLS code).
 */
BL_NODISCARD bl_status_t bl_mbedtls_add_ca_file(bl_mbedtls_t *tls, const char *path);

/**
 * @brief Set or clear (@p sha256 NULL) the public-key pin.
 * @param sha256 BL_MBEDTLS_PIN_SIZE bytes: SHA-256 of the DER
 *        SubjectPublicKeyInfo, as printed by
 *        `openssl x509 -pubkey -noout | openssl pkey -pubin -outform der |
 *        openssl dgst -sha256 -binary | base64`.
 * A stored session made under another pin is dropped.
 */
void bl_mbedtls_set_pin(bl_mbedtls_t *tls, const uint8_t *sha256);

/**
 * @brief Decode a base64 SHA-256 pin (44 characters, standard alphabet, or
 * the 43-character unpadded / URL-safe forms).
 * @param b64 NUL-terminated text.
 * @param out BL_MBEDTLS_PIN_SIZE bytes.
 * @return BL_OK, or BL_ERR_INVALID_ARG when it is not base64 of 32 bytes.
 */
BL_NODISCARD bl_status_t bl_mbedtls_pin_from_base64(const char *b64, uint8_t out[BL_MBEDTLS_PIN_SIZE]);

/**
 * @brief Raw code of the last failure: an mbedTLS error (negative), or the
 * lower transport's raw_error() when the failure came from below. Same as
 * the transport's raw_error.
 */
int32_t bl_mbedtls_raw_error(const bl_mbedtls_t *tls);

/**
 * @brief The MBEDTLS_X509_BADCERT_* flags of the last handshake
 * (mbedtls_ssl_get_verify_result), 0 when the certificate verified or none
 * was checked.
 */
uint32_t bl_mbedtls_verify_flags(const bl_mbedtls_t *tls);

/**
 * @brief Which check the last connect() failed, in words, for a log or an
 * error message: "certificate expired", "certificate not yet valid",
 * "host name mismatch", "self-signed certificate", "certificate not signed
 * by a trusted CA", "public key does not match the pin", "server does not
 * support TLS 1.2 or newer", ... or "ok".
 * @return A static string, never NULL.
 */
const char *bl_mbedtls_reason(const bl_mbedtls_t *tls);

/** Words for a set of MBEDTLS_X509_BADCERT_* flags (the most important one). */
const char *bl_mbedtls_flags_reason(uint32_t flags, bool self_signed);

/**
 * @brief TLS version of the last successful handshake, as on the wire:
 * 0x0303 for TLS 1.2, 0x0304 for TLS 1.3, 0 when none succeeded yet.
 */
uint16_t bl_mbedtls_version(const bl_mbedtls_t *tls);

/**
 * @brief The alert (RFC 8446 6: 40 handshake_failure, 70 protocol_version,
 * ...) with which the server refused the last handshake, when that alert was
 * the first thing it sent (a plaintext alert in answer to the ClientHello),
 * or -1 when there was none. bl_mbedtls_reason() puts it in words.
 */
int bl_mbedtls_peer_alert(const bl_mbedtls_t *tls);

/** true when the last successful handshake resumed a stored session. */
bool bl_mbedtls_resumed(const bl_mbedtls_t *tls);

/** The context's counters. Never NULL for a non-NULL @p tls. */
const bl_mbedtls_stats_t *bl_mbedtls_stats(const bl_mbedtls_t *tls);

/** Drop the stored session: the next connect() makes a full handshake. */
void bl_mbedtls_session_forget(bl_mbedtls_t *tls);

/**
 * @brief Offer a session kept from an earlier run: the first @p len bytes of
 * session_buf hold what bl_mbedtls_stats()->session_len bytes held then
 * (e.g. restored from RTC memory after deep sleep).
 * @return BL_OK, or BL_ERR_INVALID_ARG when the bytes are not a session
 *         stored by this port (the store is then emptied).
 */
BL_NODISCARD bl_status_t bl_mbedtls_session_adopt(bl_mbedtls_t *tls, size_t len);

/**
 * @brief Give mbedTLS a caller-owned heap (only where mbedTLS is built with
 * MBEDTLS_MEMORY_BUFFER_ALLOC_C; it is one heap for the whole process, so
 * call this once, before any other mbedTLS use).
 * @return BL_OK, BL_ERR_INVALID_ARG, or BL_ERR_UNSUPPORTED when the mbedTLS
 *         build lacks MBEDTLS_MEMORY_BUFFER_ALLOC_C (Debian's does).
 */
BL_NODISCARD bl_status_t bl_mbedtls_arena_init(uint8_t *arena, size_t size);

/**
 * @brief High-water mark of the arena given to bl_mbedtls_arena_init().
 * @param peak_bytes  Most bytes in use at once (headers included).
 * @param peak_blocks Most blocks in use at once (may be NULL).
 * @return BL_OK, or BL_ERR_UNSUPPORTED without MBEDTLS_MEMORY_BUFFER_ALLOC_C
 *         and MBEDTLS_MEMORY_DEBUG.
 */
BL_NODISCARD bl_status_t bl_mbedtls_arena_peak(size_t *peak_bytes, size_t *peak_blocks);

#ifdef __cplusplus
}
#endif

#endif /* BL_MBEDTLS_H */
