/**
 * @file link_keeper.h
 * @brief Example firmware logic on top of banklink: keep a device's bank
 * link healthy, and flag the device for its user when only the user can
 * fix the link.
 *
 * The keeper never blocks for long and never sleeps on its own: each call
 * makes one banklink call (which may retry briefly inside its deadline),
 * decides what the device should do, and says when to call again
 * (next_due_ms on the client's clock). The main loop calls lk_due() and
 * the keeper functions; the UI shows "reconnect your bank" while
 * needs_user is set.
 *
 * The caller owns the clients (so a test can hand the keeper clients on
 * banklink's test kit, see test_link_keeper_cmocka.c).
 *
 * @code
 * link_keeper_config_t kc = {0};
 * kc.heron = &heron_client;  kc.heron_api_key = key;
 * link_keeper_t keeper;
 * lk_init(&keeper, &kc);
 * for (;;) {
 *     if (lk_due(&keeper, clock_now())) {
 *         (void)lk_refresh_heron(&keeper, item_id, access_token);
 *         if (keeper.needs_user) ui_show_reconnect(keeper.reason);
 *     }
 *     sleep_until_next_event();
 * }
 * @endcode
 */
#ifndef LINK_KEEPER_H
#define LINK_KEEPER_H

#include <stdbool.h>
#include <stdint.h>

#include "banklink.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A healthy link is checked again after this long (1 hour). */
#define LK_CHECK_EVERY_MS 3600000u
/** First wait after a failure the server gave no wait for; doubles each time. */
#define LK_BACKOFF_FIRST_MS 60000u
/** Longest such wait (1 hour). */
#define LK_BACKOFF_MAX_MS 3600000u
/** Pages of MoneyKit links walked at most when looking for the device's link. */
#define LK_RECONCILE_PAGES 20u

/** What the device should do about its bank link after a keeper call. */
typedef enum lk_verdict {
    LK_HEALTHY,    /**< The link works: check it again at next_due_ms. */
    LK_RETRY,      /**< Temporary trouble (rate limit, 5xx, network): try again at next_due_ms. */
    LK_NEEDS_USER, /**< Only the user can fix it (log in again, reconnect the bank): needs_user is set. */
    LK_FAULT       /**< The device's own setup is wrong (API key refused, buffer too small): report it, do not bother the user. */
} lk_verdict_t;

/**
 * Puts a fresh MoneyKit access token into @p auth (for example one asked
 * from the device's backend, then bl_moneykit_auth_set_token()).
 * This device keeps no MoneyKit client secret; with client credentials in
 * the auth banklink renews an expired token by itself.
 */
typedef bl_status_t (*lk_renew_fn)(void *ctx, bl_moneykit_auth_t *auth);

/** The keeper's settings. Fields not used by the calls you make may be NULL. */
typedef struct link_keeper_config {
    bl_client_t *heron;        /**< Client for Heron's host (lk_refresh_heron). */
    const char *heron_api_key; /**< Heron API key. */
    bl_client_t *moneykit;     /**< Client for MoneyKit's host (lk_connect_moneykit, lk_check_moneykit). */
    bl_moneykit_auth_t *auth;  /**< MoneyKit access token. */
    lk_renew_fn renew;         /**< Renews an expired token once per call, or NULL. */
    void *renew_ctx;           /**< Passed to @ref renew. */
    const char *device_tag;    /**< Tag the Connect session gave the link ("device:<serial>"): finds it when an exchange's outcome is unknown. */
} link_keeper_config_t;

/** The keeper's state. Read the fields; change them through the functions. */
typedef struct link_keeper {
    link_keeper_config_t cfg; /**< Copy of the settings. */
    lk_verdict_t verdict;     /**< Verdict of the last call. */
    bool needs_user;          /**< The device asks its user to reconnect the bank. */
    char reason[96];          /**< Why (for the log or the screen). */
    uint32_t next_due_ms;     /**< Clock reading at which to call again. */
    uint32_t backoff_ms;      /**< Next wait when the server gives none. */
    bool reconcile;           /**< An exchange's outcome is unknown: find the link, do not exchange again. */
    char link_id[64];         /**< The device's MoneyKit link, "" until known. */
    bl_moneykit_list_t list;  /**< State of the walk that looks for it (~1.5 KiB: here, not on a small stack). */
} link_keeper_t;

/** Prepare @p k: due now, nothing flagged. @p cfg is copied. */
void lk_init(link_keeper_t *k, const link_keeper_config_t *cfg);

/** True when a keeper call is due at clock reading @p now_ms (wraps safely). */
bool lk_due(const link_keeper_t *k, uint32_t now_ms);

/**
 * @brief Give the Heron link @p item_id a new access token (update-link)
 * and judge the answer.
 * @return LK_HEALTHY; LK_NEEDS_USER when Heron does not know the link (404),
 *         refuses the token (422) or reports it erroring with
 *         ITEM_LOGIN_REQUIRED, deleted in Plaid or sync disabled;
 *         LK_RETRY on 429 (next_due_ms at the server's Retry-After), 5xx or
 *         a network failure; LK_FAULT for 400/401/403 (our key or request).
 */
lk_verdict_t lk_refresh_heron(link_keeper_t *k, const char *item_id, const char *access_token);

/**
 * @brief Turn Connect's exchangeable token into the device's MoneyKit link
 * (link_id is then set). An expired access token is renewed once. When the
 * exchange's outcome is unknown the keeper lists the links and adopts the
 * one tagged cfg.device_tag instead of exchanging again (the token can be
 * exchanged once); it keeps doing so on later calls until it knows.
 * @return as lk_refresh_heron(); LK_NEEDS_USER for a token MoneyKit refuses
 *         (400: spent or invalid; the user goes through Connect again) or a
 *         link whose state asks for the user.
 */
lk_verdict_t lk_connect_moneykit(link_keeper_t *k, const char *exchangeable_token);

/**
 * @brief Check the device's MoneyKit link (get-link) and judge its state.
 * @return as lk_connect_moneykit(); LK_NEEDS_USER when the link is gone (404,
 *         link_id is then cleared) or none is known.
 */
lk_verdict_t lk_check_moneykit(link_keeper_t *k);

#ifdef __cplusplus
}
#endif

#endif /* LINK_KEEPER_H */
