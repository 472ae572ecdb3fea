/**
 * @file bl_config_defaults.h
 * @brief Every banklink tunable, each behind `#ifndef`.
 *
 * Override any of them in your own `bl_config.h` (compile with
 * `-DBL_USE_CONFIG_H` and put it on the include path) or in a file named by
 * `-DBL_CONFIG_FILE="my_config.h"`, or with `-D` on the command line.
 * The user's file is read first, so whatever it defines wins.
 */
#ifndef BL_CONFIG_DEFAULTS_H
#define BL_CONFIG_DEFAULTS_H

#if defined(BL_CONFIG_FILE)
#include BL_CONFIG_FILE
#elif defined(BL_USE_CONFIG_H)
#include "bl_config.h"
#endif

/** Library version, reported in the `User-Agent` header. */
#define BL_VERSION_MAJOR 0
#define BL_VERSION_MINOR 1
#define BL_VERSION_PATCH 0
#define BL_VERSION_STRING "0.1.0"

/** `User-Agent` header value sent with every request. */
#ifndef BL_USER_AGENT
#define BL_USER_AGENT "banklink/" BL_VERSION_STRING
#endif

/** Whole-call deadline (all attempts and back-off) when the caller sets 0. */
#ifndef BL_DEFAULT_TIMEOUT_MS
#define BL_DEFAULT_TIMEOUT_MS 15000u
#endif

/** Retries after the first attempt, for calls that may be retried. */
#ifndef BL_DEFAULT_MAX_RETRIES
#define BL_DEFAULT_MAX_RETRIES 2u
#endif

/** First back-off delay; doubles each retry up to BL_BACKOFF_MAX_MS. */
#ifndef BL_BACKOFF_BASE_MS
#define BL_BACKOFF_BASE_MS 200u
#endif

/** Cap of the exponential back-off (before jitter). */
#ifndef BL_BACKOFF_MAX_MS
#define BL_BACKOFF_MAX_MS 8000u
#endif

/**
 * Longest server-requested wait (`Retry-After`, `x-ratelimit-reset`) the
 * client will sleep through on its own; longer waits end the call with
 * BL_ERR_RATE_LIMITED and leave the figure in the client for the caller.
 */
#ifndef BL_RETRY_AFTER_MAX_MS
#define BL_RETRY_AFTER_MAX_MS 30000u
#endif

/** Value of MoneyKit's `moneykit-version` header. */
#ifndef BL_MONEYKIT_API_VERSION
#define BL_MONEYKIT_API_VERSION "2023-02-18"
#endif

/**
 * Capacity of the MoneyKit access-token store in bl_moneykit_auth_t
 * (bytes, without the terminating NUL). A longer token is refused with
 * BL_ERR_RESPONSE_TOO_LARGE rather than cut.
 */
#ifndef BL_MONEYKIT_TOKEN_MAX
#define BL_MONEYKIT_TOKEN_MAX 1024u
#endif

/** A MoneyKit token is renewed this many seconds before it expires. */
#ifndef BL_MONEYKIT_TOKEN_MARGIN_S
#define BL_MONEYKIT_TOKEN_MARGIN_S 60u
#endif

/**
 * Longest caller-supplied value (key, token, id) accepted. Anything longer
 * is refused with BL_ERR_INVALID_ARG before a byte is written.
 */
#ifndef BL_MAX_VALUE_LEN
#define BL_MAX_VALUE_LEN 2048u
#endif

/** Secret spans a single request may carry (for redaction and wiping). */
#ifndef BL_MAX_SECRETS
#define BL_MAX_SECRETS 4u
#endif

/*
 * Feature switches. Each is 1 (built) by default; set one to 0 to leave its
 * code out of the image. A call that is left out is not declared either, so
 * using it fails at compile time, not at run time. The size each one saves
 * is in the README's size table (`bash scripts/size_profiles.sh`).
 */

/** Heron Data calls (bl_heron.c). */
#ifndef BL_CONFIG_HERON
#define BL_CONFIG_HERON 1
#endif

/** MoneyKit calls (bl_moneykit.c). */
#ifndef BL_CONFIG_MONEYKIT
#define BL_CONFIG_MONEYKIT 1
#endif

/**
 * Link lifecycle beyond the two core calls: Heron create, refresh and
 * delete; MoneyKit get and delete. Heron update-link, MoneyKit token and
 * exchange are always built.
 */
#ifndef BL_CONFIG_LIFECYCLE
#define BL_CONFIG_LIFECYCLE 1
#endif

/** Streamed lists (both vendors' list calls, bl_json_stream, body sinks). */
#ifndef BL_CONFIG_LISTS
#define BL_CONFIG_LISTS 1
#endif

/**
 * The client's log hook. At 0 the hook in bl_client_config_t is still
 * there (so code that sets it compiles) but is never called.
 */
#ifndef BL_CONFIG_LOG
#define BL_CONFIG_LOG 1
#endif

/**
 * bl_status_str() returns names such as "BL_ERR_TIMEOUT". At 0 it returns
 * the status number as text ("9"), which saves the name table.
 */
#ifndef BL_CONFIG_STATUS_NAMES
#define BL_CONFIG_STATUS_NAMES 1
#endif

/**
 * HTTP dates: `Retry-After` given as a date (and the `Date` header it is
 * measured against). At 0 only `Retry-After` in seconds is honoured; a
 * date there is ignored and the client backs off on its own schedule.
 */
#ifndef BL_CONFIG_HTTP_DATE
#define BL_CONFIG_HTTP_DATE 1
#endif

#endif /* BL_CONFIG_DEFAULTS_H */
