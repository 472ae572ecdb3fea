/**
 * @file bl_status.h
 * @brief The one status type every banklink call returns.
 *
 * Zero is success; every other value names one kind of failure. The client
 * (bl_client_t::last) keeps the details of the last failure: HTTP status,
 * the API's own error code and message, the transport's raw code.
 */
#ifndef BL_STATUS_H
#define BL_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

/** Warn when a returned status is ignored. */
#if defined(__GNUC__) || defined(__clang__)
#define BL_NODISCARD __attribute__((warn_unused_result))
#else
#define BL_NODISCARD
#endif

/**
 * @brief Result of every banklink call.
 *
 * Groups, in order: caller input (nothing was sent), network and TLS,
 * the response, the API's verdict.
 */
typedef enum bl_status {
    BL_OK = 0,                  /**< Success. */

    /* Refused before anything was sent. */
    BL_ERR_INVALID_ARG,         /**< A value was NULL, empty, too long, had CR/LF/NUL or a control byte, or was not UTF-8. Nothing was sent. */
    BL_ERR_REQUEST_TOO_LARGE,   /**< The request does not fit the work buffer; bl_error_info_t::needed_size says how much would. Nothing was sent. */
    BL_ERR_UNSUPPORTED,         /**< The configuration asks for something this build lacks (e.g. https without a TLS transport). Nothing was sent. */
    BL_ERR_NO_TOKEN,            /**< MoneyKit call without an access token and no client credentials to fetch one. Nothing was sent. */

    /* Network and TLS. */
    BL_ERR_RESOLVE,             /**< The host name did not resolve. */
    BL_ERR_CONNECT,             /**< TCP connect failed or was refused. */
    BL_ERR_SEND,                /**< The request could not be written completely; the server cannot have processed it. */
    BL_ERR_RECV,                /**< Reading the response failed, or the server closed before a complete response (idempotent call). */
    BL_ERR_TIMEOUT,             /**< The call's deadline passed. */
    BL_ERR_OUTCOME_UNKNOWN,     /**< A non-idempotent request was sent and no complete answer came back: the server may have acted on it. Reconcile; do not blindly repeat. */
    BL_ERR_TLS_HANDSHAKE,       /**< The TLS handshake failed (protocol version, cipher, alert). No request byte was sent. */
    BL_ERR_TLS_CERT,            /**< The server certificate failed verification (chain, validity, host name). No request byte was sent. */
    BL_ERR_TLS_PIN,             /**< The server key did not match the pinned SHA-256. No request byte was sent. */

    /* The response. */
    BL_ERR_HTTP_MALFORMED,      /**< The response is not valid HTTP/1.x (status line, headers, framing: a bare CR, a control byte, a bad field name or chunk line); bl_error_info_t::http_part says which kind of line. */
    BL_ERR_RESPONSE_TOO_LARGE,  /**< The response does not fit the work buffer; bl_error_info_t::needed_size gives the size that would, when the server declared it. */
    BL_ERR_JSON,                /**< The body is not valid JSON (an invalid escape, or a string that is not UTF-8). */
    BL_ERR_JSON_TOKENS,         /**< The body has more JSON tokens than the caller's token array holds. */
    BL_ERR_DECODE,              /**< The JSON is valid but a required field is missing or has the wrong type or range. */

    /* The API's verdict. */
    BL_ERR_API,                 /**< The API answered with an error status; see bl_error_info_t (http_status, api_code, api_message). */
    BL_ERR_RATE_LIMITED,        /**< 429 (or 503 with Retry-After) and no retry left within the deadline; bl_error_info_t::retry_after_ms says when to call again. */

    BL_STATUS_COUNT             /**< Number of statuses; not a status. */
} bl_status_t;

/**
 * @brief Name of a status, for logs.
 *
 * @param status Any value; unknown values give "BL_ERR_?".
 * @return A static string such as "BL_ERR_TIMEOUT". Never NULL. A build
 *         with BL_CONFIG_STATUS_NAMES 0 returns the number instead ("9";
 *         "?" when unknown).
 *
 * @code
 * bl_status_t st = bl_heron_update_link(&client, key, item, token, &link);
 * if (st != BL_OK) printf("failed: %s\n", bl_status_str(st));
 * @endcode
 */
const char *bl_status_str(bl_status_t status);

#ifdef __cplusplus
}
#endif

#endif /* BL_STATUS_H */
