/**
 * @file bl_heron.h
 * @brief Heron Data: Integration Links.
 *
 * Authentication is the `x-api-key` header; the key is wiped from the work
 * buffer once the request is sent and never logged.
 */
#ifndef BL_HERON_H
#define BL_HERON_H

#include "bl_client.h"
#include "bl_json.h"
#include "bl_status.h"
#include "bl_time.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Integration link status (open set: unknown text maps to _UNKNOWN). */
typedef enum bl_heron_link_status {
    BL_HERON_LINK_UNKNOWN = 0,      /**< Absent, null or not one of the values below (see status_raw). */
    BL_HERON_LINK_PENDING,          /**< "pending" */
    BL_HERON_LINK_ACTIVE,           /**< "active" */
    BL_HERON_LINK_SYNCING,          /**< "syncing" */
    BL_HERON_LINK_ERRORING,         /**< "erroring" */
    BL_HERON_LINK_SYNC_DISABLED,    /**< "sync_disabled" */
    BL_HERON_LINK_DELETED_IN_PLAID  /**< "deleted_in_plaid" */
} bl_heron_link_status_t;

/** An Integration Link as Heron returns it. Strings point into the work buffer. */
typedef struct bl_heron_link {
    bl_str_t item_id;                   /**< Bank connection id (Plaid's item_id). */
    bl_heron_link_status_t status;      /**< Decoded status. */
    bl_str_t status_raw;                /**< Status as sent. */
    bl_str_t status_message;            /**< Why it is erroring. */
    bl_str_t type;                      /**< e.g. "plaid_assets_report". */
    bl_timestamp_t created;             /**< Created in Heron. */
    bl_timestamp_t last_successful_sync;/**< Last successful sync. */
    bl_timestamp_t last_updated;        /**< Last update in Heron. */
    bl_str_t data_source_heron_id;      /**< Data source (answers of create-link). */
} bl_heron_link_t;

/** A link to create. Optional fields may be NULL. */
typedef struct bl_heron_new_link {
    const char *item_id;            /**< Bank connection id (required). */
    const char *end_user_id;        /**< Your id of the end user (required). */
    const char *access_token;       /**< Aggregator access token (required; secret). */
    const char *end_user_name;      /**< Human-readable end user name, or NULL. */
    const char *asset_report_token; /**< Existing Plaid asset report token, or NULL (secret). */
} bl_heron_new_link_t;

/**
 * Receives one link of a list. The strings are valid during the call only.
 * Return BL_OK to go on; any other status stops the walk and is returned.
 */
typedef bl_status_t (*bl_heron_link_fn)(void *ctx, const bl_heron_link_t *link);

/**
 * Tokens needed to decode an update-link answer: the link's own fields and
 * room for 16 fields banklink does not read. Raise it if Heron adds more.
 */
#define BL_HERON_LINK_TOKENS 64u

/**
 * Work-buffer size that holds the request for ids and tokens of up to 64
 * bytes and a link answer with a status_message of up to 1 KiB.
 */
#define BL_HERON_UPDATE_LINK_BUF_MIN 2048u

#if BL_CONFIG_HERON
/** Name of a link status ("active", …; "unknown" for _UNKNOWN). */
const char *bl_heron_link_status_str(bl_heron_link_status_t status);

/**
 * @brief Replace the access token of an Integration Link:
 * `PUT /api/integration_links/{item_id}` with
 * `{"end_user":{"access_token":…}}`.
 *
 * @param client       Client for Heron's host.
 * @param api_key      Heron API key (`x-api-key`); printable ASCII.
 * @param item_id      Link to update; percent-encoded into the path.
 * @param access_token New access token; valid UTF-8.
 * @param out          Decoded `integration_link`; strings are views into
 *                     the work buffer, valid until the next call.
 * @return BL_OK; BL_ERR_INVALID_ARG (nothing sent); network statuses;
 *         BL_ERR_API with Heron's `{code, description, name}` in
 *         client->last; BL_ERR_JSON / BL_ERR_JSON_TOKENS / BL_ERR_DECODE;
 *         BL_ERR_RESPONSE_TOO_LARGE. PUT is idempotent, so it is retried.
 *
 * @code
 * bl_heron_link_t link;
 * bl_status_t st = bl_heron_update_link(&client, api_key,
 *     "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op",
 *     "access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6", &link);
 * if (st == BL_OK && link.status == BL_HERON_LINK_ACTIVE) { ... }
 * @endcode
 */
BL_NODISCARD bl_status_t bl_heron_update_link(bl_client_t *client, const char *api_key, const char *item_id,
                                              const char *access_token, bl_heron_link_t *out);

#if BL_CONFIG_LIFECYCLE
/**
 * @brief Create an Integration Link: `POST /api/integrations/{heron_id}/links`
 * (answer 201 `{"link": {...}}`).
 *
 * Not idempotent: retried only when the server provably did not process it;
 * BL_ERR_OUTCOME_UNKNOWN when it went out and no answer came back (list the
 * end user's links to find out).
 * @return as bl_heron_update_link(), plus BL_ERR_OUTCOME_UNKNOWN.
 * @code
 * bl_heron_new_link_t req = {"M5eVJq…", "8d18511d-…", "access-sandbox-…", "Acme Corp", NULL};
 * bl_heron_link_t link;
 * bl_status_t st = bl_heron_create_link(&client, api_key, integration_heron_id, &req, &link);
 * @endcode
 */
BL_NODISCARD bl_status_t bl_heron_create_link(bl_client_t *client, const char *api_key, const char *heron_id,
                                              const bl_heron_new_link_t *link, bl_heron_link_t *out);

/**
 * @brief Ask Heron to refresh one link:
 * `POST /api/integrations/{heron_id}/links/{item_id}/refresh` (answer 200
 * `{"link": {...}}`). Retried like any POST: only when not processed.
 * @return as bl_heron_update_link(), plus BL_ERR_OUTCOME_UNKNOWN.
 */
BL_NODISCARD bl_status_t bl_heron_refresh_link(bl_client_t *client, const char *api_key, const char *heron_id,
                                               const char *item_id, bl_heron_link_t *out);

/**
 * @brief Delete an end user's links of one integration:
 * `DELETE /api/integrations/{heron_id}/links?end_user_id_or_heron_id=…`
 * (answer 204). Idempotent, so retried.
 * @return BL_OK, BL_ERR_INVALID_ARG, network statuses, BL_ERR_API.
 */
BL_NODISCARD bl_status_t bl_heron_delete_links(bl_client_t *client, const char *api_key, const char *heron_id,
                                               const char *end_user_id_or_heron_id);

#endif /* BL_CONFIG_LIFECYCLE */

#if BL_CONFIG_LISTS
/**
 * @brief Walk an end user's links:
 * `GET /api/end_users/{end_user_id_or_heron_id}/integration_links`.
 *
 * The answer `{"links": [...]}` streams through the work buffer and @p fn
 * gets one decoded link at a time, so the list may be far longer than the
 * buffer: only the largest single link must fit (BL_HERON_UPDATE_LINK_BUF_MIN
 * is plenty). If the call fails after some links were delivered it is not
 * retried (that would deliver them twice).
 *
 * @param count Receives the number of links delivered (may be NULL).
 * @return BL_OK; BL_ERR_INVALID_ARG; network statuses; BL_ERR_API;
 *         BL_ERR_JSON / BL_ERR_JSON_TOKENS / BL_ERR_DECODE;
 *         BL_ERR_RESPONSE_TOO_LARGE when one link does not fit; or the
 *         status @p fn returned to stop.
 * @code
 * static bl_status_t print_link(void *ctx, const bl_heron_link_t *l) {
 *     (void)ctx; puts(l->item_id.ptr); return BL_OK;
 * }
 * size_t n;
 * bl_status_t st = bl_heron_list_links(&client, api_key, "8d18511d-…", print_link, NULL, &n);
 * @endcode
 */
BL_NODISCARD bl_status_t bl_heron_list_links(bl_client_t *client, const char *api_key,
                                             const char *end_user_id_or_heron_id, bl_heron_link_fn fn, void *ctx,
                                             size_t *count);

/**
 * @brief Walk the links of one integration for one end user:
 * `GET /api/integrations/{heron_id}/links?end_user_id_or_heron_id=…`.
 * Streams like bl_heron_list_links().
 */
BL_NODISCARD bl_status_t bl_heron_list_integration_links(bl_client_t *client, const char *api_key,
                                                         const char *heron_id, const char *end_user_id_or_heron_id,
                                                         bl_heron_link_fn fn, void *ctx, size_t *count);

#endif /* BL_CONFIG_LISTS */

/**
 * @brief Decode one link object (in place), e.g. an element of a list.
 * @return BL_OK, BL_ERR_JSON, BL_ERR_JSON_TOKENS or BL_ERR_DECODE.
 */
BL_NODISCARD bl_status_t bl_heron_decode_link(char *body, size_t len, bl_json_token_t *tokens, size_t max_tokens,
                                              bl_heron_link_t *out);

/**
 * @brief Decode a `{"integration_link": {...}}` body (in place).
 * @return BL_OK, BL_ERR_JSON, BL_ERR_JSON_TOKENS or BL_ERR_DECODE.
 */
BL_NODISCARD bl_status_t bl_heron_decode_link_response(char *body, size_t len, bl_json_token_t *tokens,
                                                       size_t max_tokens, bl_heron_link_t *out);

/**
 * @brief Decode Heron's error body `{code, description, name}` (in place)
 * into @p info's api_code, api_message and api_name.
 * @return BL_OK, BL_ERR_JSON, BL_ERR_JSON_TOKENS or BL_ERR_DECODE.
 */
BL_NODISCARD bl_status_t bl_heron_decode_error(char *body, size_t len, bl_json_token_t *tokens,
                                               size_t max_tokens, bl_error_info_t *info);
#endif /* BL_CONFIG_HERON */

#ifdef __cplusplus
}
#endif

#endif /* BL_HERON_H */
