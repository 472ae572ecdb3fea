/**
 * @file bl_moneykit.h
 * @brief MoneyKit: OAuth token and link sessions.
 *
 * Every call sends `moneykit-version: BL_MONEYKIT_API_VERSION` and
 * `Authorization: Bearer <token>`. The token lives in a bl_moneykit_auth_t
 * the caller owns (never in the work buffer); with client credentials it is
 * fetched when missing or about to expire, and once more when a call
 * answers 401 `api_error.auth.expired_access_token`.
 */
#ifndef BL_MONEYKIT_H
#define BL_MONEYKIT_H

#include "bl_client.h"
#include "bl_json.h"
#include "bl_json_stream.h"
#include "bl_status.h"
#include "bl_time.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Link state (open set). */
typedef enum bl_moneykit_link_state {
    BL_MONEYKIT_LINK_UNKNOWN = 0,                 /**< Not one of the values below (see state_raw). */
    BL_MONEYKIT_LINK_CONNECTING,                  /**< "connecting" */
    BL_MONEYKIT_LINK_AWAITING_TOKEN_EXCHANGE,     /**< "awaiting_token_exchange" */
    BL_MONEYKIT_LINK_CONNECTED,                   /**< "connected" */
    BL_MONEYKIT_LINK_DELETED,                     /**< "deleted" */
    BL_MONEYKIT_LINK_ERROR                        /**< "error" */
} bl_moneykit_link_state_t;

/** `settings` of a product. */
typedef struct bl_moneykit_product_settings {
    bl_presence_t presence;  /**< Absent, null or present. */
    bl_opt_bool_t required;  /**< `required` */
    bl_opt_bool_t prefetch;  /**< `prefetch` */
} bl_moneykit_product_settings_t;

/** State of one product of a link. */
typedef struct bl_moneykit_product {
    bl_presence_t presence;           /**< Absent, null or present. */
    bl_timestamp_t refreshed_at;      /**< Last refresh. */
    bl_timestamp_t last_attempted_at; /**< Last attempt. */
    bl_str_t error_code;              /**< Error code of the last attempt. */
    bl_str_t error_message;           /**< Its message. */
    bl_moneykit_product_settings_t settings; /**< Product settings. */
} bl_moneykit_product_t;

/** The products of a link. */
typedef struct bl_moneykit_products {
    bl_moneykit_product_t accounts;        /**< `accounts` */
    bl_moneykit_product_t account_numbers; /**< `account_numbers` */
    bl_moneykit_product_t identity;        /**< `identity` */
    bl_moneykit_product_t transactions;    /**< `transactions` */
    bl_moneykit_product_t investments;     /**< `investments` */
} bl_moneykit_products_t;

/** A MoneyKit link. Strings point into the work buffer. */
typedef struct bl_moneykit_link {
    bl_str_t link_id;                  /**< `link_id` (required) */
    bl_str_t institution_id;           /**< `institution_id` (required) */
    bl_str_t institution_name;         /**< `institution_name` (required) */
    bl_str_t provider;                 /**< `provider` (required, open set) */
    bl_moneykit_link_state_t state;    /**< Decoded `state` (required). */
    bl_str_t state_raw;                /**< `state` as sent. */
    bl_str_t error_code;               /**< `error_code` (open set) */
    bl_timestamp_t last_synced_at;     /**< `last_synced_at` (UTC when zone-less) */
    bl_str_list_t tags;                /**< Every entry of `tags`. */
    bl_moneykit_products_t products;   /**< `products` (required) */
} bl_moneykit_link_t;

/** Answer of exchange-token. */
typedef struct bl_moneykit_exchange {
    bl_str_t link_id;          /**< Top-level `link_id` (deprecated by MoneyKit; equals link.link_id). */
    bl_moneykit_link_t link;   /**< The new link. */
} bl_moneykit_exchange_t;

/** Access token and the credentials to renew it. Owned by the caller. */
typedef struct bl_moneykit_auth {
    const char *client_id;       /**< OAuth client id, or NULL. */
    const char *client_secret;   /**< OAuth client secret, or NULL. */
    /** `Bearer <token>`, NUL-terminated: the header value, ready to send.
     *  Read the token itself with bl_moneykit_auth_token(). */
    char authorization[7u + BL_MONEYKIT_TOKEN_MAX + 1u];
    /** `token_type` as issued (e.g. "bearer"): a view into the work buffer,
     *  set by bl_moneykit_fetch_token() and valid until the next call on the
     *  client; absent for a token set by bl_moneykit_auth_set_token() or
     *  fetched inside another call. */
    bl_str_t token_type;
    int64_t expires_in_s;        /**< Lifetime as issued (<= 0: already expired). */
    bool has_expiry;             /**< expires_in_s is known (false: never renewed early). */
    uint32_t obtained_ms;        /**< Clock reading when it was stored. */
    bool valid;                  /**< access_token holds a token. */
} bl_moneykit_auth_t;

/**
 * Receives one link of a list. The strings are valid during the call only.
 * Return BL_OK to go on; any other status stops the walk and is returned.
 */
typedef bl_status_t (*bl_moneykit_link_fn)(void *ctx, const bl_moneykit_link_t *link);

/** Storage for a pagination cursor of bl_moneykit_list_links(). */
#define BL_MONEYKIT_CURSOR_MAX 256u

/** Tokens for an exchange-token or get-link answer with up to 16 tags. */
#define BL_MONEYKIT_LINK_TOKENS 160u
/** Work buffer for an exchange-token call (request with a 1 KiB bearer token; answer up to ~2.5 KiB). */
#define BL_MONEYKIT_EXCHANGE_BUF_MIN 3072u
/** Tokens for a token answer. */
#define BL_MONEYKIT_TOKEN_TOKENS 16u
/** Work buffer for a token call (credentials and a 1 KiB token). */
#define BL_MONEYKIT_TOKEN_BUF_MIN 2048u

#if BL_CONFIG_MONEYKIT
/** Name of a link state ("connected", …; "unknown" for _UNKNOWN). */
const char *bl_moneykit_link_state_str(bl_moneykit_link_state_t state);

/**
 * @brief Prepare @p auth with client credentials (either may be NULL when
 * the caller will set a token with bl_moneykit_auth_set_token()).
 * The strings are referenced, not copied: keep them alive.
 */
void bl_moneykit_auth_init(bl_moneykit_auth_t *auth, const char *client_id, const char *client_secret);

/**
 * @brief Use a token obtained elsewhere (no expiry known).
 * @return BL_OK, or BL_ERR_INVALID_ARG if it is empty, longer than
 *         BL_MONEYKIT_TOKEN_MAX or has a byte that cannot go in a header.
 */
BL_NODISCARD bl_status_t bl_moneykit_auth_set_token(bl_moneykit_auth_t *auth, const char *token);

/** The access token held by @p auth ("" when none). */
const char *bl_moneykit_auth_token(const bl_moneykit_auth_t *auth);

/** Wipe the token from @p auth. */
void bl_moneykit_auth_clear(bl_moneykit_auth_t *auth);

/**
 * @brief `POST /auth/token` with `grant_type=client_credentials`; stores
 * the token in @p auth and wipes it from the work buffer.
 *
 * @return BL_OK; BL_ERR_NO_TOKEN without credentials; BL_ERR_INVALID_ARG;
 *         network statuses; BL_ERR_API with MoneyKit's error in
 *         client->last; BL_ERR_DECODE; BL_ERR_RESPONSE_TOO_LARGE when the
 *         token exceeds BL_MONEYKIT_TOKEN_MAX.
 * @code
 * bl_moneykit_auth_t auth;
 * bl_moneykit_auth_init(&auth, client_id, client_secret);
 * if (bl_moneykit_fetch_token(&client, &auth) == BL_OK) { ... }
 * @endcode
 */
BL_NODISCARD bl_status_t bl_moneykit_fetch_token(bl_client_t *client, bl_moneykit_auth_t *auth);

/**
 * @brief Turn Connect's exchangeable token into a link:
 * `POST /link-session/exchange-token`.
 *
 * Not idempotent: retried only when the server provably did not process it
 * (connect or send failed, 429, 503, or 401 for an expired access token,
 * which is renewed first). When the request went out and no complete
 * answer came back, returns BL_ERR_OUTCOME_UNKNOWN: look the link up
 * instead of exchanging again (the token can be exchanged once). A complete
 * answer that cannot be decoded (BL_ERR_JSON, BL_ERR_DECODE,
 * BL_ERR_RESPONSE_TOO_LARGE) with client->last.http_status 2xx means the
 * exchange happened: the link exists, look it up too.
 *
 * @return BL_OK; BL_ERR_INVALID_ARG; BL_ERR_NO_TOKEN; network statuses;
 *         BL_ERR_OUTCOME_UNKNOWN; BL_ERR_API; BL_ERR_RATE_LIMITED;
 *         BL_ERR_JSON / BL_ERR_JSON_TOKENS / BL_ERR_DECODE;
 *         BL_ERR_RESPONSE_TOO_LARGE.
 * @code
 * bl_moneykit_exchange_t ex;
 * bl_status_t st = bl_moneykit_exchange_token(&client, &auth,
 *     "c7318ff7-257c-490e-8242-03a815b223b7", &ex);
 * if (st == BL_OK) printf("new link %s\n", ex.link.link_id.ptr);
 * else if (st == BL_ERR_OUTCOME_UNKNOWN) { ... reconcile ... }
 * @endcode
 */
BL_NODISCARD bl_status_t bl_moneykit_exchange_token(bl_client_t *client, bl_moneykit_auth_t *auth,
                                                    const char *exchangeable_token, bl_moneykit_exchange_t *out);

#if BL_CONFIG_LIFECYCLE
/**
 * @brief Fetch one link: `GET /links/{link_id}`. Idempotent, so retried.
 * @param out Decoded link; strings point into the work buffer.
 * @return BL_OK; BL_ERR_INVALID_ARG; BL_ERR_NO_TOKEN; network statuses;
 *         BL_ERR_API (404 for an unknown link); BL_ERR_JSON /
 *         BL_ERR_JSON_TOKENS / BL_ERR_DECODE; BL_ERR_RESPONSE_TOO_LARGE.
 * @code
 * bl_moneykit_link_t link;
 * if (bl_moneykit_get_link(&client, &auth, "mk_eqkWN34UEoa2NxyALG8pcV", &link) == BL_OK)
 *     printf("%s\n", bl_moneykit_link_state_str(link.state));
 * @endcode
 */
BL_NODISCARD bl_status_t bl_moneykit_get_link(bl_client_t *client, bl_moneykit_auth_t *auth, const char *link_id,
                                              bl_moneykit_link_t *out);

/**
 * @brief Disconnect a link: `DELETE /links/{link_id}`. Idempotent, so
 * retried.
 * @return BL_OK; BL_ERR_INVALID_ARG; BL_ERR_NO_TOKEN; network statuses;
 *         BL_ERR_API.
 */
BL_NODISCARD bl_status_t bl_moneykit_delete_link(bl_client_t *client, bl_moneykit_auth_t *auth, const char *link_id);
#endif /* BL_CONFIG_LIFECYCLE */
#endif /* BL_CONFIG_MONEYKIT */

/** State of a walk through the pages of `GET /links`. Owned by the caller. */
typedef struct bl_moneykit_list {
    uint32_t page_size;                       /**< Links per page; 0: the server's default. */
    bl_moneykit_link_fn fn;                   /**< Receives each link. */
    void *ctx;                                /**< Passed to @ref fn. */
    char cursor[BL_MONEYKIT_CURSOR_MAX];      /**< Page to fetch ("" = first); after a
                                                   successful call, the next page ("" = none). */
    char next_cursor[BL_MONEYKIT_CURSOR_MAX]; /**< Filled while the page streams in. */
    size_t count;                             /**< Links delivered by the last call. */
    bl_moneykit_link_t link;                  /**< The link handed to @ref fn: kept here,
                                                   not on the stack (it is ~470 B on a Cortex-M). */
    bl_json_stream_t stream;                  /**< Scanner state (private). */
    bl_client_t *client;                      /**< Client of the walk in progress (private). */
} bl_moneykit_list_t;

#if BL_CONFIG_MONEYKIT && BL_CONFIG_LISTS
/** Start a walk at the first page. */
void bl_moneykit_list_init(bl_moneykit_list_t *list, uint32_t page_size, bl_moneykit_link_fn fn, void *ctx);

/**
 * @brief Walk one page of links: `GET /links?cursor=…&size=…`, answer
 * `{"links": [...], "next_cursor": "…"}`.
 *
 * The answer streams through the work buffer; @p list->fn gets one decoded
 * link at a time, so a page may be far longer than the buffer (only the
 * largest link must fit). On success list->cursor holds the next page's
 * cursor ("" on the last page); on failure it is unchanged, so the same
 * page can be asked for again (links already delivered would come again).
 *
 * @return as bl_moneykit_get_link(), BL_ERR_RESPONSE_TOO_LARGE when a link
 *         or the cursor does not fit, or the status fn returned.
 * @code
 * static bl_moneykit_list_t list;   // ~1 KiB: keep it off a small stack
 * bl_moneykit_list_init(&list, 50, on_link, NULL);
 * do {
 *     st = bl_moneykit_list_links(&client, &auth, &list);
 * } while (st == BL_OK && list.cursor[0] != '\0');
 * @endcode
 */
BL_NODISCARD bl_status_t bl_moneykit_list_links(bl_client_t *client, bl_moneykit_auth_t *auth,
                                                bl_moneykit_list_t *list);
#endif /* BL_CONFIG_MONEYKIT && BL_CONFIG_LISTS */

#if BL_CONFIG_MONEYKIT

/**
 * @brief Decode one link object (in place): a get-link answer or a list
 * element.
 * @return BL_OK, BL_ERR_JSON, BL_ERR_JSON_TOKENS or BL_ERR_DECODE.
 */
BL_NODISCARD bl_status_t bl_moneykit_decode_link(char *body, size_t len, bl_json_token_t *tokens,
                                                 size_t max_tokens, bl_moneykit_link_t *out);

/**
 * @brief Decode an exchange-token body (in place).
 * @return BL_OK, BL_ERR_JSON, BL_ERR_JSON_TOKENS or BL_ERR_DECODE.
 */
BL_NODISCARD bl_status_t bl_moneykit_decode_exchange(char *body, size_t len, bl_json_token_t *tokens,
                                                     size_t max_tokens, bl_moneykit_exchange_t *out);

/**
 * @brief Decode a token answer `{access_token, token_type, expires_in}` (in
 * place) into @p auth; the token's bytes are then wiped from @p body
 * (token_type stays there as a view).
 * @return BL_OK, BL_ERR_JSON, BL_ERR_JSON_TOKENS, BL_ERR_DECODE or
 *         BL_ERR_RESPONSE_TOO_LARGE (token longer than BL_MONEYKIT_TOKEN_MAX).
 */
BL_NODISCARD bl_status_t bl_moneykit_decode_token(char *body, size_t len, bl_json_token_t *tokens,
                                                  size_t max_tokens, bl_moneykit_auth_t *auth);

/**
 * @brief Decode MoneyKit's error body `{error_code, error_message,
 * documentation_url}` (in place) into @p info.
 * @return BL_OK, BL_ERR_JSON, BL_ERR_JSON_TOKENS or BL_ERR_DECODE.
 */
BL_NODISCARD bl_status_t bl_moneykit_decode_error(char *body, size_t len, bl_json_token_t *tokens,
                                                  size_t max_tokens, bl_error_info_t *info);

#endif /* BL_CONFIG_MONEYKIT */

#ifdef __cplusplus
}
#endif

#endif /* BL_MONEYKIT_H */
