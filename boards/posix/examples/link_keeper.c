/*
 * link_keeper.c — example firmware logic on banklink; see link_keeper.h.
 *
 * What a verdict means for the device is decided here, once, from what the
 * vendors document: Heron's link status and status_message, MoneyKit's
 * link state and error_code, the HTTP status and error body of a refusal,
 * and banklink's status for everything below HTTP.
 */
#include "link_keeper.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *text(const bl_str_t *s)
{
    return s->ptr != NULL ? s->ptr : "";
}

static uint32_t now_ms(const bl_client_t *c)
{
    return c->cfg.clock->now_ms(c->cfg.clock->ctx);
}

/* Record a verdict, why, and when to call again (wait_ms: LK_RETRY only). */
static lk_verdict_t finish(link_keeper_t *k, const bl_client_t *c, lk_verdict_t v, uint32_t wait_ms,
                           const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(k->reason, sizeof k->reason, fmt, ap);
    va_end(ap);
    if (v == LK_HEALTHY) {
        k->needs_user = false;
        k->backoff_ms = LK_BACKOFF_FIRST_MS;
    }
    if (v == LK_NEEDS_USER) {
        k->needs_user = true; /* nothing to retry until the user acted */
    }
    /* A fault retried soon would fail the same way and burn the rate limit. */
    k->next_due_ms = now_ms(c) + (v == LK_RETRY ? wait_ms : v == LK_FAULT ? LK_BACKOFF_MAX_MS : LK_CHECK_EVERY_MS);
    k->verdict = v;
    return v;
}

/* Try again later: when the server said (Retry-After, rate-limit reset),
 * else after our own back-off, which doubles so a device that is offline
 * for a day does not call every minute. */
static lk_verdict_t retry_later(link_keeper_t *k, const bl_client_t *c, const char *why)
{
    uint32_t wait = bl_client_wait_ms(c);
    if (wait == 0u) {
        wait = k->backoff_ms;
        k->backoff_ms = k->backoff_ms >= LK_BACKOFF_MAX_MS / 2u ? LK_BACKOFF_MAX_MS : k->backoff_ms * 2u;
    }
    return finish(k, c, LK_RETRY, wait, "%s", why);
}

/* A failed call that no vendor-specific rule took. */
static lk_verdict_t judge_failure(link_keeper_t *k, const bl_client_t *c, bl_status_t st)
{
    const bl_error_info_t *e = &c->last;
    switch (st) {
    case BL_ERR_RATE_LIMITED:
        return retry_later(k, c, "rate limited");
    case BL_ERR_API:
        if (e->http_status >= 500 || e->http_status == 408) {
            return retry_later(k, c, "server error");
        }
        /* 400, 401, 403: our request or our key; the user cannot help. */
        return finish(k, c, LK_FAULT, 0, "HTTP %d %s", e->http_status, text(&e->api_message));
    case BL_ERR_RESOLVE:
    case BL_ERR_CONNECT:
    case BL_ERR_SEND:
    case BL_ERR_RECV:
    case BL_ERR_TIMEOUT:
    case BL_ERR_TLS_HANDSHAKE:
        return retry_later(k, c, "network");
    default:
        return finish(k, c, LK_FAULT, 0, "%s", bl_status_str(st));
    }
}

/* ---------------------------------------------------------------- Heron */

static lk_verdict_t judge_heron_link(link_keeper_t *k, const bl_heron_link_t *link)
{
    const bl_client_t *c = k->cfg.heron;
    switch (link->status) {
    case BL_HERON_LINK_ERRORING:
        /* Plaid's code leads the message; only this one needs the user. */
        if (strncmp(text(&link->status_message), "[ITEM_LOGIN_REQUIRED]", 21) == 0) {
            return finish(k, c, LK_NEEDS_USER, 0, "bank login required");
        }
        return retry_later(k, c, "Heron reports the link erroring");
    case BL_HERON_LINK_DELETED_IN_PLAID:
    case BL_HERON_LINK_SYNC_DISABLED:
        return finish(k, c, LK_NEEDS_USER, 0, "link %s: connect the bank again", text(&link->status_raw));
    default:
        return finish(k, c, LK_HEALTHY, 0, "link %s", text(&link->status_raw));
    }
}

lk_verdict_t lk_refresh_heron(link_keeper_t *k, const char *item_id, const char *access_token)
{
    const bl_client_t *c = k->cfg.heron;
    bl_heron_link_t link;
    bl_status_t st = bl_heron_update_link(k->cfg.heron, k->cfg.heron_api_key, item_id, access_token, &link);
    if (st == BL_OK) {
        return judge_heron_link(k, &link);
    }
    if (st == BL_ERR_API && c->last.http_status == 404) {
        return finish(k, c, LK_NEEDS_USER, 0, "Heron does not know the link: connect the bank again");
    }
    if (st == BL_ERR_API && c->last.http_status == 422) {
        return finish(k, c, LK_NEEDS_USER, 0, "Heron refused the access token: %s", text(&c->last.api_message));
    }
    return judge_failure(k, c, st);
}

/* ---------------------------------------------------------------- MoneyKit */

/* After MoneyKit refused an expired token the first time, have the renew
 * hook put a new one in auth: true means "make the call again". A 401 for an
 * expired token was refused before any work, so even an exchange may be
 * repeated. */
static bool renew_once(link_keeper_t *k, bl_status_t *st, bool *done)
{
    const bl_client_t *c = k->cfg.moneykit;
    if (*done || *st != BL_ERR_API || c->last.http_status != 401 || k->cfg.renew == NULL ||
        !bl_str_eq(&c->last.api_code, "api_error.auth.expired_access_token")) {
        return false;
    }
    *done = true;
    bl_status_t r = k->cfg.renew(k->cfg.renew_ctx, k->cfg.auth);
    if (r != BL_OK) {
        *st = r;
        return false;
    }
    return true;
}

/* MoneyKit's documented error codes the user fixes by logging in again. */
static bool user_fixable(const bl_str_t *code)
{
    return bl_str_eq(code, "auth_expired") || bl_str_eq(code, "invalid_credentials") ||
           strncmp(text(code), "user_", 5) == 0;
}

static lk_verdict_t judge_mk_link(link_keeper_t *k, const bl_moneykit_link_t *link)
{
    const bl_client_t *c = k->cfg.moneykit;
    if (link->state == BL_MONEYKIT_LINK_DELETED || user_fixable(&link->error_code)) {
        return finish(k, c, LK_NEEDS_USER, 0, "link %s%s%s: log in to the bank again", text(&link->state_raw),
                      link->error_code.ptr != NULL ? ", " : "", text(&link->error_code));
    }
    if (link->state == BL_MONEYKIT_LINK_ERROR) {
        return retry_later(k, c, "provider error"); /* institution_error, provider_error, ... */
    }
    return finish(k, c, LK_HEALTHY, 0, "link %s", text(&link->state_raw));
}

typedef struct find {
    link_keeper_t *k;
    bool found;
} find_t;

static bl_status_t find_tagged(void *ctx, const bl_moneykit_link_t *link)
{
    find_t *f = (find_t *)ctx;
    const char *tag = link->tags.first;
    for (size_t i = 0; i < link->tags.count && !f->found; i++, tag = bl_str_list_next(tag)) {
        if (strcmp(tag, f->k->cfg.device_tag) == 0) {
            f->found = true;
            (void)snprintf(f->k->link_id, sizeof f->k->link_id, "%s", text(&link->link_id));
            (void)judge_mk_link(f->k, link); /* its strings live only during this call */
        }
    }
    return BL_OK;
}

/* The exchange may have happened: look for the device's link (tagged by
 * the Connect session) instead of exchanging again. */
static lk_verdict_t reconcile(link_keeper_t *k)
{
    const bl_client_t *c = k->cfg.moneykit;
    find_t f = {k, false};
    bl_status_t st = BL_OK;
    bl_moneykit_list_init(&k->list, 0, find_tagged, &f);
    for (unsigned page = 0; page < LK_RECONCILE_PAGES && st == BL_OK && !f.found; page++) {
        bool once = false;
        do {
            st = bl_moneykit_list_links(k->cfg.moneykit, k->cfg.auth, &k->list);
        } while (renew_once(k, &st, &once));
        if (k->list.cursor[0] == '\0') {
            break; /* the last page */
        }
    }
    if (f.found || (st == BL_OK && k->list.cursor[0] == '\0')) {
        k->reconcile = false; /* found, or every link listed and none is ours */
    }
    if (f.found) {
        return k->verdict;
    }
    if (st != BL_OK) {
        return judge_failure(k, c, st); /* still unknown: look again next time */
    }
    return retry_later(k, c, k->reconcile ? "device's link not in the first pages"
                                          : "the exchange did not happen: it will be made again");
}

lk_verdict_t lk_connect_moneykit(link_keeper_t *k, const char *exchangeable_token)
{
    const bl_client_t *c = k->cfg.moneykit;
    if (k->reconcile) {
        return reconcile(k);
    }
    bl_moneykit_exchange_t ex;
    bl_status_t st;
    bool once = false;
    do {
        st = bl_moneykit_exchange_token(k->cfg.moneykit, k->cfg.auth, exchangeable_token, &ex);
    } while (renew_once(k, &st, &once));
    if (st == BL_OK) {
        (void)snprintf(k->link_id, sizeof k->link_id, "%s", text(&ex.link.link_id));
        return judge_mk_link(k, &ex.link);
    }
    int http = c->last.http_status;
    if (st == BL_ERR_OUTCOME_UNKNOWN || (http >= 200 && http <= 299)) {
        k->reconcile = true; /* a 2xx we could not decode: it happened */
        return reconcile(k);
    }
    if (st == BL_ERR_API && http == 400) {
        return finish(k, c, LK_NEEDS_USER, 0, "MoneyKit refused the token (%s): open Connect again",
                      text(&c->last.api_code));
    }
    return judge_failure(k, c, st);
}

lk_verdict_t lk_check_moneykit(link_keeper_t *k)
{
    const bl_client_t *c = k->cfg.moneykit;
    if (k->reconcile) {
        return reconcile(k);
    }
    if (k->link_id[0] == '\0') {
        return finish(k, c, LK_NEEDS_USER, 0, "no MoneyKit link: connect the bank");
    }
    bl_moneykit_link_t link;
    bl_status_t st;
    bool once = false;
    do {
        st = bl_moneykit_get_link(k->cfg.moneykit, k->cfg.auth, k->link_id, &link);
    } while (renew_once(k, &st, &once));
    if (st == BL_OK) {
        return judge_mk_link(k, &link);
    }
    if (st == BL_ERR_API && c->last.http_status == 404) {
        k->link_id[0] = '\0';
        return finish(k, c, LK_NEEDS_USER, 0, "MoneyKit link gone: connect the bank again");
    }
    return judge_failure(k, c, st);
}

/* ---------------------------------------------------------------- state */

void lk_init(link_keeper_t *k, const link_keeper_config_t *cfg)
{
    memset(k, 0, sizeof *k);
    k->cfg = *cfg;
    k->backoff_ms = LK_BACKOFF_FIRST_MS;
    const bl_client_t *c = cfg->heron != NULL ? cfg->heron : cfg->moneykit;
    k->next_due_ms = c != NULL ? now_ms(c) : 0u;
}

bool lk_due(const link_keeper_t *k, uint32_t now)
{
    return (int32_t)(now - k->next_due_ms) >= 0;
}
