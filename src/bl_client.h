/**
 * @file bl_client.h
 * @brief One connection to one API host: send, receive, retry, keep-alive.
 *
 * The caller owns the client, its work buffer and its token array; banklink
 * allocates nothing. A client is used by one thread at a time.
 *
 * @code
 * static uint8_t work[4096];
 * static bl_json_token_t tokens[64];
 * bl_client_config_t cfg;
 * bl_client_config_init(&cfg);
 * cfg.transport = &my_transport;     // e.g. from bl_posix_transport_init()
 * cfg.clock = &my_clock;
 * cfg.host = "app.herondata.io";
 * cfg.port = 443;
 * cfg.buf = work;   cfg.buf_size = sizeof work;
 * cfg.tokens = tokens; cfg.token_count = 64;
 * bl_client_t client;
 * if (bl_client_init(&client, &cfg) != BL_OK) { ... }
 * @endcode
 */
#ifndef BL_CLIENT_H
#define BL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_config_defaults.h"
#include "bl_http.h"
#include "bl_json.h"
#include "bl_status.h"
#include "bl_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a log line is about. */
typedef enum bl_log_kind {
    BL_LOG_TX,   /**< Bytes of a request (secrets replaced by a marker). */
    BL_LOG_RX,   /**< A response header line or body. */
    BL_LOG_INFO  /**< What the client decided (connect, retry, back-off). */
} bl_log_kind_t;

/** Log hook. @p text is not NUL-terminated. Never receives a secret. */
typedef void (*bl_log_fn)(void *ctx, bl_log_kind_t kind, const char *text, size_t len);

/** Details of the last failure (and the rate-limit facts of the last call). */
typedef struct bl_error_info {
    bl_status_t status;      /**< Status of the last call. */
    int http_status;         /**< Final HTTP status, 0 if none arrived. */
    bl_http_part_t http_part; /**< For BL_ERR_HTTP_MALFORMED: the kind of line refused (status line, field, chunk line, trailer); BL_HTTP_PART_NONE otherwise. */
    bl_str_t api_code;       /**< MoneyKit `error_code`; Heron `code` (as text). */
    bl_str_t api_name;       /**< Heron `name`. */
    bl_str_t api_message;    /**< MoneyKit `error_message`; Heron `description`. */
    bl_str_t api_doc_url;    /**< MoneyKit `documentation_url`. */
    int32_t transport_code;  /**< Raw transport/TLS code of the last network failure, 0 if none. */
    size_t needed_size;      /**< Buffer size that would have fitted (BL_ERR_*_TOO_LARGE), 0 if unknown. */
    uint32_t attempts;       /**< Attempts made by the last call. */
    int64_t retry_after_ms;  /**< Server's Retry-After (ms), -1 if none. */
    int64_t ratelimit_limit;     /**< Heron x-ratelimit-limit, -1 if none. */
    int64_t ratelimit_remaining; /**< Heron x-ratelimit-remaining, -1 if none. */
    int64_t ratelimit_reset_s;   /**< Seconds until the limit resets, -1 if none. */
} bl_error_info_t;

/** Client settings. Fill with bl_client_config_init(), then set fields. */
typedef struct bl_client_config {
    const bl_transport_t *transport; /**< Required. */
    const bl_clock_t *clock;         /**< Required. */
    const char *host;                /**< Server host name or address (no brackets). Required. */
    uint16_t port;                   /**< Server port. Required. */
    const char *base_path;           /**< Path prefix such as "/sandbox"; default "". */
    uint8_t *buf;                    /**< Work buffer. Required. */
    size_t buf_size;                 /**< Its size; see each call's *_BUF_MIN. */
    bl_json_token_t *tokens;         /**< Token array. Required. */
    size_t token_count;              /**< Its length; see each call's *_TOKENS. */
    uint32_t timeout_ms;             /**< Deadline of each call, all attempts included. */
    uint32_t max_retries;            /**< Retries after the first attempt. */
    uint32_t jitter_seed;            /**< Seeds back-off jitter (e.g. from a hardware RNG). */
    bl_log_fn log;                   /**< Optional log hook. */
    void *log_ctx;                   /**< Its context. */
} bl_client_config_t;

/** A client. Fields are read-only for the caller except through functions. */
typedef struct bl_client {
    bl_client_config_t cfg;  /**< Copy of the settings. */
    bl_error_info_t last;    /**< Details of the last call. */
    bl_http_reader_t reader; /**< Response reader of the call in progress (here, not on the stack). */
    uint32_t rng;            /**< Jitter state. */
    uint32_t limited_until_ms;/**< Clock reading before which the server asked us to wait. */
    bool rate_limited;       /**< limited_until_ms is meaningful. */
    bool connected;          /**< A connection is open and may be reused. */
} bl_client_t;

/** Fill @p cfg with defaults: timeout BL_DEFAULT_TIMEOUT_MS, BL_DEFAULT_MAX_RETRIES retries, base path "". */
void bl_client_config_init(bl_client_config_t *cfg);

/**
 * @brief Check @p cfg and prepare @p client. Does not connect.
 * @return BL_OK, or BL_ERR_INVALID_ARG when a required field is missing,
 *         the host has a control byte, or the buffer is under 256 bytes.
 */
BL_NODISCARD bl_status_t bl_client_init(bl_client_t *client, const bl_client_config_t *cfg);

/** Close the connection, if any. The client can be used again. */
void bl_client_close(bl_client_t *client);

/**
 * @brief Milliseconds until the server's rate limit lets us call again
 * (0 when it does now).
 */
uint32_t bl_client_wait_ms(const bl_client_t *client);

/** How a call may be retried. */
typedef enum bl_retry_policy {
    BL_RETRY_IDEMPOTENT,   /**< Retry on connection failure, timeout, 429, 502, 503, 504. */
    BL_RETRY_UNPROCESSED   /**< Retry only when the server provably did not process it: connect or send failed, 429, 503. */
} bl_retry_policy_t;

/**
 * Receives a 2xx body while it streams through the work buffer.
 * @param body     What has arrived and not been consumed yet.
 * @param len      Its length.
 * @param done     The body is complete.
 * @param consumed Set to the bytes (a prefix of body) it is finished with.
 * @return BL_OK to go on; any other status ends the call with it.
 */
typedef bl_status_t (*bl_body_sink_fn)(void *ctx, char *body, size_t len, bool done, size_t *consumed);

/** A call for the vendor modules: the request plus its rules. */
typedef struct bl_call {
    bl_http_request_t request;  /**< What to send. */
    bl_retry_policy_t retry;    /**< Retry rules. */
    bool secret_response;       /**< Do not log the response body. */
    bl_body_sink_fn sink;       /**< Stream a 2xx body to this instead of holding it whole (lists). */
    void *sink_ctx;             /**< Passed to @ref sink. */
} bl_call_t;

/** The raw result of bl_client_execute(). */
typedef struct bl_response {
    int status;   /**< HTTP status. */
    char *body;   /**< Body in the work buffer, NUL-terminated. */
    size_t len;   /**< Body length. */
} bl_response_t;

/**
 * @brief Send @p call and read the response, retrying as its policy allows
 * within the client's deadline. Used by the vendor modules; useful for
 * calls banklink does not wrap yet.
 *
 * Any complete response is BL_OK here, whatever its HTTP status (a 429
 * or 503 left after the retries too: the caller maps it, e.g. to
 * BL_ERR_RATE_LIMITED, with the wait in client->last). The request is wiped
 * from the work buffer once sent; for @ref bl_call_t::secret_response calls
 * everything past the body is wiped too (all of it on failure).
 *
 * @return BL_OK, BL_ERR_INVALID_ARG, BL_ERR_REQUEST_TOO_LARGE, a network or
 *         TLS status, BL_ERR_OUTCOME_UNKNOWN (BL_RETRY_UNPROCESSED calls),
 *         BL_ERR_HTTP_MALFORMED (client->last.http_part names the kind of
 *         line), BL_ERR_RESPONSE_TOO_LARGE, or the status a streaming sink
 *         returned.
 */
BL_NODISCARD bl_status_t bl_client_execute(bl_client_t *client, const bl_call_t *call, bl_response_t *resp);

/** Forget the details of the previous call (vendor modules, before refusing input). */
void bl_client_clear_last(bl_client_t *client);

/**
 * @brief Record a failure in client->last and return it (vendor modules).
 */
bl_status_t bl_client_fail(bl_client_t *client, bl_status_t status);

/**
 * @brief Overwrite @p n bytes at @p p with zeros in a way the compiler
 * cannot drop (a volatile pointer write loop).
 */
void bl_secure_zero(void *p, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* BL_CLIENT_H */
