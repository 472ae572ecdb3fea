/*
 * Unit tests of link_keeper.c with cmocka and banklink's test kit: the kit
 * plays the vendors (recorded answers, the named fixtures) on a fake clock,
 * so a 429's Retry-After or an hour of back-off takes no time, and checks
 * what the keeper made banklink send. Same cases as test_link_keeper_gtest.cpp.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "banklink.h"
#include "bl_testkit.h"
#include "bl_testkit_fixtures.h"
#include "link_keeper.h"

static bl_testkit_t kit; /* ~24 KiB: static, as on a device */
static uint8_t work[4096];
static bl_json_token_t tokens[BL_MONEYKIT_LINK_TOKENS];
static bl_client_t client;
static bl_moneykit_auth_t auth;
static link_keeper_t keeper;
static int renewals;
static char answer_text[1024];

/* The device's backend hands out MoneyKit tokens: here, always "token-2". */
static bl_status_t renew(void *ctx, bl_moneykit_auth_t *a)
{
    (void)ctx;
    renewals++;
    return bl_moneykit_auth_set_token(a, "token-2");
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(bl_tk_init(&kit), BL_OK);
    bl_client_config_t cfg;
    bl_tk_client_config(&kit, &cfg); /* the kit is the network and the clock */
    cfg.buf = work;
    cfg.buf_size = sizeof work;
    cfg.tokens = tokens;
    cfg.token_count = sizeof tokens / sizeof tokens[0];
    assert_int_equal(bl_client_init(&client, &cfg), BL_OK);
    bl_moneykit_auth_init(&auth, NULL, NULL);
    assert_int_equal(bl_moneykit_auth_set_token(&auth, "token-1"), BL_OK);
    link_keeper_config_t kc = {0};
    kc.heron = &client;
    kc.heron_api_key = "key-1";
    kc.moneykit = &client;
    kc.auth = &auth;
    kc.renew = renew;
    kc.device_tag = "seq:3"; /* the tag of a link on the fixture list's second page */
    lk_init(&keeper, &kc);
    renewals = 0;
    return 0;
}

static void add(bl_tk_fixture_id_t id)
{
    assert_int_equal(bl_tk_fixture(&kit, id), BL_OK);
}

/* An answer no fixture has, written out: expect one request, answer JSON. */
static void add_answer(const char *method, const char *path, const char *status, const char *json)
{
    int n = snprintf(answer_text, sizeof answer_text,
                     "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %u\r\n\r\n%s", status,
                     (unsigned)strlen(json), json);
    assert_true(n > 0 && (size_t)n < sizeof answer_text);
    assert_int_equal(bl_tk_expect(&kit, method, path), BL_OK);
    assert_int_equal(bl_tk_answer(&kit, answer_text), BL_OK);
}

static bl_tk_request_t request(size_t index)
{
    bl_tk_request_t r;
    assert_true(bl_tk_get_request(&kit, index, &r));
    return r;
}

static void assert_played(void)
{
    if (!bl_tk_finished(&kit)) {
        fail_msg("script not played as written: %s", bl_tk_report(&kit));
    }
}

static void assert_verdict(lk_verdict_t got, lk_verdict_t want)
{
    if (got != want) {
        fail_msg("verdict %d, want %d (%s)", (int)got, (int)want, keeper.reason);
    }
}

/* ---------------------------------------------------------------- Heron */

static void heron_refresh_ok(void **state)
{
    (void)state;
    add(BL_TK_FIX_HERON_UPDATE_LINK_OK);
    assert_verdict(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_HEALTHY);
    assert_false(keeper.needs_user);
    assert_int_equal(keeper.next_due_ms, bl_tk_now(&kit) + LK_CHECK_EVERY_MS);
    assert_played();
    bl_tk_request_t r = request(0);
    char v[64];
    assert_true(bl_tk_method_is(&r, "PUT"));
    assert_true(bl_tk_path_is(&r, "/api/integration_links/item-1"));
    assert_true(bl_tk_header_is(&r, "x-api-key", "key-1"));
    assert_string_equal(bl_tk_json_string(&r, "end_user.access_token", v, sizeof v), "access-sandbox-2");
}

static void heron_split_answer(void **state)
{
    (void)state;
    static const uint16_t bytewise[] = {1};
    static const uint16_t ragged[] = {3, 1, 17, 2};
    add(BL_TK_FIX_HERON_UPDATE_LINK_OK);
    assert_int_equal(bl_tk_split(&kit, bytewise, 1), BL_OK);
    add(BL_TK_FIX_HERON_UPDATE_LINK_OK);
    assert_int_equal(bl_tk_split(&kit, ragged, 4), BL_OK);
    assert_verdict(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_HEALTHY);
    assert_string_equal(keeper.reason, "link active");
    assert_verdict(lk_refresh_heron(&keeper, "item-1", "access-sandbox-3"), LK_HEALTHY);
    assert_string_equal(keeper.reason, "link active");
    assert_played();
}

static void heron_needs_login_flags_device(void **state)
{
    static const bl_tk_fixture_id_t refused[] = {BL_TK_FIX_HERON_UPDATE_LINK_404, BL_TK_FIX_HERON_UPDATE_LINK_422};
    for (size_t i = 0; i < 2; i++) {
        (void)setup(state);
        add(refused[i]);
        assert_verdict(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_NEEDS_USER);
        assert_true(keeper.needs_user);
        assert_played(); /* asked once: no retry of an answer that needs the user */
    }
    /* A link Heron reports erroring with Plaid's ITEM_LOGIN_REQUIRED. */
    (void)setup(state);
    add_answer("PUT", "/api/integration_links/{item_id}", "200 OK",
               "{\"integration_link\":{\"item_id\":\"item-1\",\"status\":\"erroring\","
               "\"status_message\":\"[ITEM_LOGIN_REQUIRED] the login details of this item have changed\"}}");
    assert_verdict(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_NEEDS_USER);
    assert_true(keeper.needs_user);
    assert_string_equal(keeper.reason, "bank login required");
    assert_played();
    /* The user logged in again: the next refresh clears the flag. */
    add(BL_TK_FIX_HERON_UPDATE_LINK_OK);
    assert_verdict(lk_refresh_heron(&keeper, "item-1", "access-sandbox-3"), LK_HEALTHY);
    assert_false(keeper.needs_user);
    /* The bank connection was removed at Plaid. */
    add_answer("PUT", "/api/integration_links/{item_id}", "200 OK",
               "{\"integration_link\":{\"item_id\":\"item-1\",\"status\":\"deleted_in_plaid\"}}");
    assert_verdict(lk_refresh_heron(&keeper, "item-1", "access-sandbox-3"), LK_NEEDS_USER);
    assert_true(keeper.needs_user);
    assert_played();
}

static void heron_bad_key_is_no_user_matter(void **state)
{
    (void)state;
    add(BL_TK_FIX_HERON_UPDATE_LINK_401);
    assert_verdict(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_FAULT);
    assert_false(keeper.needs_user);
    assert_played();
}

static void heron_429_schedules_at_retry_after(void **state)
{
    (void)state;
    /* Retry-After: 30 is past the call's deadline: banklink hands the wait
     * to the keeper at once, which schedules the next attempt on it. */
    add(BL_TK_FIX_HERON_UPDATE_LINK_429);
    assert_verdict(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_RETRY);
    int64_t retry_after = client.last.retry_after_ms;
    assert_int_equal(retry_after, 30000);
    assert_int_equal(kit.slept_ms, 0);
    assert_int_equal(keeper.next_due_ms, bl_tk_now(&kit) + retry_after);
    assert_played();
    bl_tk_advance(&kit, (uint32_t)retry_after - 1u); /* no real waiting */
    assert_false(lk_due(&keeper, bl_tk_now(&kit)));
    bl_tk_advance(&kit, 1);
    assert_true(lk_due(&keeper, bl_tk_now(&kit)));
    add(BL_TK_FIX_HERON_UPDATE_LINK_OK);
    assert_verdict(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_HEALTHY);
    assert_played();
}

static void heron_429_short_wait_honoured_by_banklink(void **state)
{
    (void)state;
    /* A wait that fits the deadline: banklink sleeps it (on the kit's clock)
     * and retries within the one call. */
    assert_int_equal(bl_tk_expect(&kit, "PUT", "/api/integration_links/{item_id}"), BL_OK);
    assert_int_equal(bl_tk_answer(&kit, "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 2\r\n"
                                        "Content-Length: 0\r\n\r\n"),
                     BL_OK);
    add(BL_TK_FIX_HERON_UPDATE_LINK_OK);
    uint32_t start = bl_tk_now(&kit);
    assert_verdict(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_HEALTHY);
    assert_int_equal(kit.slept_ms, 2000);
    assert_int_equal(bl_tk_now(&kit), start + 2000);
    assert_played();
}

static void heron_5xx_retried_with_backoff(void **state)
{
    (void)state;
    add(BL_TK_FIX_HERON_UPDATE_LINK_500);
    add(BL_TK_FIX_HERON_UPDATE_LINK_500);
    add(BL_TK_FIX_HERON_UPDATE_LINK_OK);
    assert_verdict(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_RETRY);
    assert_int_equal(keeper.next_due_ms, bl_tk_now(&kit) + LK_BACKOFF_FIRST_MS);
    bl_tk_advance(&kit, LK_BACKOFF_FIRST_MS);
    assert_verdict(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_RETRY);
    assert_int_equal(keeper.next_due_ms, bl_tk_now(&kit) + 2u * LK_BACKOFF_FIRST_MS);
    bl_tk_advance(&kit, 2u * LK_BACKOFF_FIRST_MS);
    assert_verdict(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_HEALTHY);
    assert_played();
}

/* ---------------------------------------------------------------- MoneyKit */

static void moneykit_expired_token_renewed_once(void **state)
{
    (void)state;
    add(BL_TK_FIX_MONEYKIT_EXCHANGE_EXPIRED_TOKEN);
    add(BL_TK_FIX_MONEYKIT_EXCHANGE_OK);
    assert_verdict(lk_connect_moneykit(&keeper, "c7318ff7-257c-490e-8242-03a815b223b7"), LK_HEALTHY);
    assert_int_equal(renewals, 1);
    assert_true(keeper.link_id[0] != '\0');
    assert_played();
    bl_tk_request_t first = request(0);
    bl_tk_request_t again = request(1);
    char v[64];
    assert_true(bl_tk_header_is(&first, "Authorization", "Bearer token-1"));
    assert_true(bl_tk_header_is(&again, "Authorization", "Bearer token-2"));
    assert_string_equal(bl_tk_json_string(&again, "exchangeable_token", v, sizeof v),
                        "c7318ff7-257c-490e-8242-03a815b223b7");
    /* Expired again right after renewing: once only, then report it. */
    (void)setup(state);
    add(BL_TK_FIX_MONEYKIT_EXCHANGE_EXPIRED_TOKEN);
    add(BL_TK_FIX_MONEYKIT_EXCHANGE_EXPIRED_TOKEN);
    assert_verdict(lk_connect_moneykit(&keeper, "c7318ff7-257c-490e-8242-03a815b223b7"), LK_FAULT);
    assert_int_equal(renewals, 1);
    assert_played();
}

static void moneykit_check_renews_expired_token(void **state)
{
    (void)state;
    (void)snprintf(keeper.link_id, sizeof keeper.link_id, "mk_eqkWN34UEoa2NxyALG8pcV");
    add(BL_TK_FIX_MONEYKIT_GET_LINK_EXPIRED_TOKEN);
    add(BL_TK_FIX_MONEYKIT_GET_LINK_OK);
    assert_verdict(lk_check_moneykit(&keeper), LK_HEALTHY);
    assert_int_equal(renewals, 1);
    assert_played();
    bl_tk_request_t again = request(1);
    assert_true(bl_tk_path_is(&again, "/links/mk_eqkWN34UEoa2NxyALG8pcV"));
    assert_true(bl_tk_header_is(&again, "Authorization", "Bearer token-2"));
}

static void moneykit_429_schedules_at_retry_after(void **state)
{
    (void)state;
    add(BL_TK_FIX_MONEYKIT_EXCHANGE_429); /* Retry-After: 30 */
    assert_verdict(lk_connect_moneykit(&keeper, "c7318ff7-257c-490e-8242-03a815b223b7"), LK_RETRY);
    assert_int_equal(keeper.next_due_ms, bl_tk_now(&kit) + 30000u);
    assert_false(keeper.reconcile); /* a 429 was refused unprocessed: exchange again later */
    assert_played();
}

static void moneykit_503_retried(void **state)
{
    (void)state;
    add(BL_TK_FIX_MONEYKIT_EXCHANGE_503); /* refused unprocessed: banklink may send it again */
    add(BL_TK_FIX_MONEYKIT_EXCHANGE_OK);
    assert_verdict(lk_connect_moneykit(&keeper, "c7318ff7-257c-490e-8242-03a815b223b7"), LK_HEALTHY);
    assert_int_equal(bl_tk_request_count(&kit), 2);
    bl_tk_request_t again = request(1);
    assert_true(bl_tk_path_is(&again, "/link-session/exchange-token"));
    assert_played();
}

static void moneykit_outcome_unknown_reconciled(void **state)
{
    (void)state;
    add(BL_TK_FIX_MONEYKIT_EXCHANGE_DROPPED); /* sent, no answer: it may have happened */
    add(BL_TK_FIX_MONEYKIT_LIST_LINKS_PAGES); /* 5 links in 3 pages */
    assert_verdict(lk_connect_moneykit(&keeper, "c7318ff7-257c-490e-8242-03a815b223b7"), LK_HEALTHY);
    assert_string_equal(keeper.link_id, "mk_bulk00003"); /* tagged seq:3, on page 2 */
    assert_false(keeper.reconcile);
    assert_int_equal(bl_tk_request_count(&kit), 3);
    for (size_t i = 1; i < 3; i++) { /* listed, never exchanged again */
        bl_tk_request_t r = request(i);
        assert_true(bl_tk_method_is(&r, "GET"));
        assert_true(bl_tk_path_is(&r, "/links"));
    }
    /* Found on page 2: page 3 (its request and answer) was not asked for. */
    assert_false(kit.mismatch);
    assert_int_equal(kit.step_count - kit.next, 2);
}

static void moneykit_outcome_unknown_reconciled_next_time(void **state)
{
    (void)state;
    add(BL_TK_FIX_MONEYKIT_EXCHANGE_DROPPED);
    for (int i = 0; i < 3; i++) { /* then the network is gone (banklink tries 3 times) */
        assert_int_equal(bl_tk_refuse(&kit, BL_ERR_CONNECT), BL_OK);
    }
    assert_verdict(lk_connect_moneykit(&keeper, "c7318ff7-257c-490e-8242-03a815b223b7"), LK_RETRY);
    assert_true(keeper.reconcile); /* still unknown */
    assert_played();
    bl_tk_advance(&kit, keeper.next_due_ms - bl_tk_now(&kit));
    add(BL_TK_FIX_MONEYKIT_LIST_LINKS_PAGES);
    assert_verdict(lk_connect_moneykit(&keeper, "c7318ff7-257c-490e-8242-03a815b223b7"), LK_HEALTHY);
    assert_string_equal(keeper.link_id, "mk_bulk00003");
    for (size_t i = 1; i < bl_tk_request_count(&kit); i++) { /* the second call only listed */
        bl_tk_request_t r = request(i);
        assert_true(bl_tk_method_is(&r, "GET"));
    }
}

static void moneykit_outcome_unknown_not_there(void **state)
{
    (void)state;
    static const uint16_t ragged[] = {7, 1, 64};
    keeper.cfg.device_tag = "device:not-listed";
    add(BL_TK_FIX_MONEYKIT_EXCHANGE_DROPPED);
    add(BL_TK_FIX_MONEYKIT_LIST_LINKS_PAGES);
    assert_int_equal(bl_tk_split(&kit, ragged, 3), BL_OK); /* the last page in pieces */
    assert_verdict(lk_connect_moneykit(&keeper, "c7318ff7-257c-490e-8242-03a815b223b7"), LK_RETRY);
    assert_false(keeper.reconcile); /* every page listed: the exchange did not happen */
    assert_int_equal(bl_tk_request_count(&kit), 4);
    assert_played();
    bl_tk_advance(&kit, keeper.next_due_ms - bl_tk_now(&kit));
    add(BL_TK_FIX_MONEYKIT_EXCHANGE_OK);
    assert_verdict(lk_connect_moneykit(&keeper, "c7318ff7-257c-490e-8242-03a815b223b7"), LK_HEALTHY);
    assert_string_equal(keeper.link_id, "mk_eqkWN34UEoa2NxyALG8pcV");
    assert_played();
}

static void moneykit_needs_login_flags_device(void **state)
{
    add(BL_TK_FIX_MONEYKIT_EXCHANGE_INVALID_TOKEN); /* spent or invalid: Connect again */
    assert_verdict(lk_connect_moneykit(&keeper, "c7318ff7-257c-490e-8242-03a815b223b7"), LK_NEEDS_USER);
    assert_true(keeper.needs_user);
    assert_played();

    (void)setup(state);
    (void)snprintf(keeper.link_id, sizeof keeper.link_id, "mk_gone");
    add(BL_TK_FIX_MONEYKIT_GET_LINK_NOT_FOUND);
    assert_verdict(lk_check_moneykit(&keeper), LK_NEEDS_USER);
    assert_string_equal(keeper.link_id, "");
    assert_played();

    (void)setup(state);
    (void)snprintf(keeper.link_id, sizeof keeper.link_id, "mk_1");
    add_answer("GET", "/links/mk_1", "200 OK",
               "{\"link_id\":\"mk_1\",\"institution_id\":\"chase\",\"institution_name\":\"Chase\","
               "\"provider\":\"mx\",\"state\":\"error\",\"error_code\":\"auth_expired\",\"products\":{}}");
    assert_verdict(lk_check_moneykit(&keeper), LK_NEEDS_USER);
    assert_true(keeper.needs_user);
    assert_played();
    bl_tk_request_t r = request(0);
    assert_true(bl_tk_header_is(&r, "moneykit-version", "2023-02-18"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(heron_refresh_ok, setup),
        cmocka_unit_test_setup(heron_split_answer, setup),
        cmocka_unit_test_setup(heron_needs_login_flags_device, setup),
        cmocka_unit_test_setup(heron_bad_key_is_no_user_matter, setup),
        cmocka_unit_test_setup(heron_429_schedules_at_retry_after, setup),
        cmocka_unit_test_setup(heron_429_short_wait_honoured_by_banklink, setup),
        cmocka_unit_test_setup(heron_5xx_retried_with_backoff, setup),
        cmocka_unit_test_setup(moneykit_expired_token_renewed_once, setup),
        cmocka_unit_test_setup(moneykit_check_renews_expired_token, setup),
        cmocka_unit_test_setup(moneykit_429_schedules_at_retry_after, setup),
        cmocka_unit_test_setup(moneykit_503_retried, setup),
        cmocka_unit_test_setup(moneykit_outcome_unknown_reconciled, setup),
        cmocka_unit_test_setup(moneykit_outcome_unknown_reconciled_next_time, setup),
        cmocka_unit_test_setup(moneykit_outcome_unknown_not_there, setup),
        cmocka_unit_test_setup(moneykit_needs_login_flags_device, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
