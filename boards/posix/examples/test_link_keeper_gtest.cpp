// Unit tests of link_keeper.c with GoogleTest and banklink's test kit: the
// same cases as test_link_keeper_cmocka.c, for teams that test their C
// firmware from C++. The kit plays the vendors (the named fixtures) on a
// fake clock and checks what the keeper made banklink send.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "banklink.h"
#include "bl_testkit.h"
#include "bl_testkit_fixtures.h"
#include "link_keeper.h"

namespace {

const char kExchangeable[] = "c7318ff7-257c-490e-8242-03a815b223b7";
int renewals = 0;

// The device's backend hands out MoneyKit tokens: here, always "token-2".
bl_status_t Renew(void *, bl_moneykit_auth_t *a)
{
    renewals++;
    return bl_moneykit_auth_set_token(a, "token-2");
}

class LinkKeeper : public ::testing::Test {
protected:
    bl_testkit_t kit;
    uint8_t work[4096];
    bl_json_token_t tokens[BL_MONEYKIT_LINK_TOKENS];
    bl_client_t client;
    bl_moneykit_auth_t auth;
    link_keeper_t keeper;
    std::string answer_text; // a hand-written answer (kept alive while the kit plays it)

    void SetUp() override
    {
        ASSERT_EQ(bl_tk_init(&kit), BL_OK);
        bl_client_config_t cfg;
        bl_tk_client_config(&kit, &cfg); // the kit is the network and the clock
        cfg.buf = work;
        cfg.buf_size = sizeof work;
        cfg.tokens = tokens;
        cfg.token_count = sizeof tokens / sizeof tokens[0];
        ASSERT_EQ(bl_client_init(&client, &cfg), BL_OK);
        bl_moneykit_auth_init(&auth, nullptr, nullptr);
        ASSERT_EQ(bl_moneykit_auth_set_token(&auth, "token-1"), BL_OK);
        link_keeper_config_t kc{};
        kc.heron = &client;
        kc.heron_api_key = "key-1";
        kc.moneykit = &client;
        kc.auth = &auth;
        kc.renew = Renew;
        kc.device_tag = "seq:3"; // the tag of a link on the fixture list's second page
        lk_init(&keeper, &kc);
        renewals = 0;
    }

    void Add(bl_tk_fixture_id_t id) { ASSERT_EQ(bl_tk_fixture(&kit, id), BL_OK); }

    // An answer no fixture has, written out: expect one request, answer JSON.
    void AddAnswer(const char *method, const char *path, const char *status, const std::string &json)
    {
        answer_text = std::string("HTTP/1.1 ") + status + "\r\nContent-Type: application/json\r\nContent-Length: " +
                      std::to_string(json.size()) + "\r\n\r\n" + json;
        ASSERT_EQ(bl_tk_expect(&kit, method, path), BL_OK);
        ASSERT_EQ(bl_tk_answer(&kit, answer_text.c_str()), BL_OK);
    }

    bl_tk_request_t Request(size_t index)
    {
        bl_tk_request_t r{};
        EXPECT_TRUE(bl_tk_get_request(&kit, index, &r)) << "no request " << index;
        return r;
    }

    std::string Header(size_t index, const char *name)
    {
        bl_tk_request_t r = Request(index);
        char v[128];
        const char *got = bl_tk_header(&r, name, v, sizeof v);
        return got != nullptr ? got : "(absent)";
    }

    void ExpectPlayed() { EXPECT_TRUE(bl_tk_finished(&kit)) << bl_tk_report(&kit); }
    uint32_t Now() const { return bl_tk_now(&kit); }
};

// ---------------------------------------------------------------- Heron

TEST_F(LinkKeeper, HeronRefreshOk)
{
    Add(BL_TK_FIX_HERON_UPDATE_LINK_OK);
    EXPECT_EQ(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_HEALTHY) << keeper.reason;
    EXPECT_FALSE(keeper.needs_user);
    EXPECT_EQ(keeper.next_due_ms, Now() + LK_CHECK_EVERY_MS);
    ExpectPlayed();
    bl_tk_request_t r = Request(0);
    char v[64];
    EXPECT_TRUE(bl_tk_method_is(&r, "PUT"));
    EXPECT_TRUE(bl_tk_path_is(&r, "/api/integration_links/item-1"));
    EXPECT_EQ(Header(0, "x-api-key"), "key-1");
    const char *token = bl_tk_json_string(&r, "end_user.access_token", v, sizeof v);
    ASSERT_NE(token, nullptr);
    EXPECT_STREQ(token, "access-sandbox-2");
}

TEST_F(LinkKeeper, HeronSplitAnswer)
{
    static const uint16_t bytewise[] = {1};
    static const uint16_t ragged[] = {3, 1, 17, 2};
    Add(BL_TK_FIX_HERON_UPDATE_LINK_OK);
    ASSERT_EQ(bl_tk_split(&kit, bytewise, 1), BL_OK);
    Add(BL_TK_FIX_HERON_UPDATE_LINK_OK);
    ASSERT_EQ(bl_tk_split(&kit, ragged, 4), BL_OK);
    EXPECT_EQ(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_HEALTHY) << keeper.reason;
    EXPECT_STREQ(keeper.reason, "link active");
    EXPECT_EQ(lk_refresh_heron(&keeper, "item-1", "access-sandbox-3"), LK_HEALTHY) << keeper.reason;
    EXPECT_STREQ(keeper.reason, "link active");
    ExpectPlayed();
}

class HeronRefused : public LinkKeeper, public ::testing::WithParamInterface<bl_tk_fixture_id_t> {};

TEST_P(HeronRefused, NeedsLoginFlagsDevice)
{
    Add(GetParam());
    EXPECT_EQ(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_NEEDS_USER) << keeper.reason;
    EXPECT_TRUE(keeper.needs_user);
    ExpectPlayed(); // asked once: no retry of an answer that needs the user
}

INSTANTIATE_TEST_SUITE_P(NotFoundAndTokenRefused, HeronRefused,
                         ::testing::Values(BL_TK_FIX_HERON_UPDATE_LINK_404, BL_TK_FIX_HERON_UPDATE_LINK_422));

TEST_F(LinkKeeper, HeronLoginRequiredFlagsDeviceUntilRefreshed)
{
    AddAnswer("PUT", "/api/integration_links/{item_id}", "200 OK",
              R"({"integration_link":{"item_id":"item-1","status":"erroring",)"
              R"("status_message":"[ITEM_LOGIN_REQUIRED] the login details of this item have changed"}})");
    EXPECT_EQ(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_NEEDS_USER) << keeper.reason;
    EXPECT_TRUE(keeper.needs_user);
    EXPECT_STREQ(keeper.reason, "bank login required");
    ExpectPlayed();
    // The user logged in again: the next refresh clears the flag.
    Add(BL_TK_FIX_HERON_UPDATE_LINK_OK);
    EXPECT_EQ(lk_refresh_heron(&keeper, "item-1", "access-sandbox-3"), LK_HEALTHY) << keeper.reason;
    EXPECT_FALSE(keeper.needs_user);
}

TEST_F(LinkKeeper, HeronDeletedInPlaidFlagsDevice)
{
    AddAnswer("PUT", "/api/integration_links/{item_id}", "200 OK",
              R"({"integration_link":{"item_id":"item-1","status":"deleted_in_plaid"}})");
    EXPECT_EQ(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_NEEDS_USER) << keeper.reason;
    EXPECT_TRUE(keeper.needs_user);
    ExpectPlayed();
}

TEST_F(LinkKeeper, HeronBadKeyIsNoUserMatter)
{
    Add(BL_TK_FIX_HERON_UPDATE_LINK_401);
    EXPECT_EQ(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_FAULT) << keeper.reason;
    EXPECT_FALSE(keeper.needs_user);
    ExpectPlayed();
}

TEST_F(LinkKeeper, Heron429SchedulesAtRetryAfter)
{
    // Retry-After: 30 is past the call's deadline: banklink hands the wait
    // to the keeper at once, which schedules the next attempt on it.
    Add(BL_TK_FIX_HERON_UPDATE_LINK_429);
    EXPECT_EQ(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_RETRY) << keeper.reason;
    const int64_t retry_after = client.last.retry_after_ms;
    ASSERT_EQ(retry_after, 30000);
    EXPECT_EQ(kit.slept_ms, 0u);
    EXPECT_EQ(keeper.next_due_ms, Now() + retry_after);
    ExpectPlayed();
    bl_tk_advance(&kit, static_cast<uint32_t>(retry_after) - 1u); // no real waiting
    EXPECT_FALSE(lk_due(&keeper, Now()));
    bl_tk_advance(&kit, 1);
    EXPECT_TRUE(lk_due(&keeper, Now()));
    Add(BL_TK_FIX_HERON_UPDATE_LINK_OK);
    EXPECT_EQ(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_HEALTHY) << keeper.reason;
    ExpectPlayed();
}

TEST_F(LinkKeeper, Heron429ShortWaitHonouredByBanklink)
{
    // A wait that fits the deadline: banklink sleeps it (on the kit's clock)
    // and retries within the one call.
    ASSERT_EQ(bl_tk_expect(&kit, "PUT", "/api/integration_links/{item_id}"), BL_OK);
    ASSERT_EQ(bl_tk_answer(&kit, "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 2\r\nContent-Length: 0\r\n\r\n"),
              BL_OK);
    Add(BL_TK_FIX_HERON_UPDATE_LINK_OK);
    const uint32_t start = Now();
    EXPECT_EQ(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_HEALTHY) << keeper.reason;
    EXPECT_EQ(kit.slept_ms, 2000u);
    EXPECT_EQ(Now(), start + 2000u);
    ExpectPlayed();
}

TEST_F(LinkKeeper, Heron5xxRetriedWithBackoff)
{
    Add(BL_TK_FIX_HERON_UPDATE_LINK_500);
    Add(BL_TK_FIX_HERON_UPDATE_LINK_500);
    Add(BL_TK_FIX_HERON_UPDATE_LINK_OK);
    EXPECT_EQ(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_RETRY) << keeper.reason;
    EXPECT_EQ(keeper.next_due_ms, Now() + LK_BACKOFF_FIRST_MS);
    bl_tk_advance(&kit, LK_BACKOFF_FIRST_MS);
    EXPECT_EQ(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_RETRY) << keeper.reason;
    EXPECT_EQ(keeper.next_due_ms, Now() + 2u * LK_BACKOFF_FIRST_MS);
    bl_tk_advance(&kit, 2u * LK_BACKOFF_FIRST_MS);
    EXPECT_EQ(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_HEALTHY) << keeper.reason;
    ExpectPlayed();
}

// ---------------------------------------------------------------- MoneyKit

TEST_F(LinkKeeper, MoneyKitExpiredTokenRenewedOnce)
{
    Add(BL_TK_FIX_MONEYKIT_EXCHANGE_EXPIRED_TOKEN);
    Add(BL_TK_FIX_MONEYKIT_EXCHANGE_OK);
    EXPECT_EQ(lk_connect_moneykit(&keeper, kExchangeable), LK_HEALTHY) << keeper.reason;
    EXPECT_EQ(renewals, 1);
    EXPECT_STRNE(keeper.link_id, "");
    ExpectPlayed();
    EXPECT_EQ(Header(0, "Authorization"), "Bearer token-1");
    EXPECT_EQ(Header(1, "Authorization"), "Bearer token-2");
    bl_tk_request_t again = Request(1);
    char v[64];
    const char *sent = bl_tk_json_string(&again, "exchangeable_token", v, sizeof v);
    ASSERT_NE(sent, nullptr);
    EXPECT_STREQ(sent, kExchangeable);
}

TEST_F(LinkKeeper, MoneyKitExpiredTwiceRenewsOnlyOnce)
{
    Add(BL_TK_FIX_MONEYKIT_EXCHANGE_EXPIRED_TOKEN);
    Add(BL_TK_FIX_MONEYKIT_EXCHANGE_EXPIRED_TOKEN);
    EXPECT_EQ(lk_connect_moneykit(&keeper, kExchangeable), LK_FAULT) << keeper.reason;
    EXPECT_EQ(renewals, 1);
    ExpectPlayed();
}

TEST_F(LinkKeeper, MoneyKitCheckRenewsExpiredToken)
{
    std::snprintf(keeper.link_id, sizeof keeper.link_id, "mk_eqkWN34UEoa2NxyALG8pcV");
    Add(BL_TK_FIX_MONEYKIT_GET_LINK_EXPIRED_TOKEN);
    Add(BL_TK_FIX_MONEYKIT_GET_LINK_OK);
    EXPECT_EQ(lk_check_moneykit(&keeper), LK_HEALTHY) << keeper.reason;
    EXPECT_EQ(renewals, 1);
    ExpectPlayed();
    bl_tk_request_t again = Request(1);
    EXPECT_TRUE(bl_tk_path_is(&again, "/links/mk_eqkWN34UEoa2NxyALG8pcV"));
    EXPECT_EQ(Header(1, "Authorization"), "Bearer token-2");
}

TEST_F(LinkKeeper, MoneyKit429SchedulesAtRetryAfter)
{
    Add(BL_TK_FIX_MONEYKIT_EXCHANGE_429); // Retry-After: 30
    EXPECT_EQ(lk_connect_moneykit(&keeper, kExchangeable), LK_RETRY) << keeper.reason;
    EXPECT_EQ(keeper.next_due_ms, Now() + 30000u);
    EXPECT_FALSE(keeper.reconcile); // a 429 was refused unprocessed: exchange again later
    ExpectPlayed();
}

TEST_F(LinkKeeper, MoneyKit503Retried)
{
    Add(BL_TK_FIX_MONEYKIT_EXCHANGE_503); // refused unprocessed: banklink may send it again
    Add(BL_TK_FIX_MONEYKIT_EXCHANGE_OK);
    EXPECT_EQ(lk_connect_moneykit(&keeper, kExchangeable), LK_HEALTHY) << keeper.reason;
    EXPECT_EQ(bl_tk_request_count(&kit), 2u);
    bl_tk_request_t again = Request(1);
    EXPECT_TRUE(bl_tk_path_is(&again, "/link-session/exchange-token"));
    ExpectPlayed();
}

TEST_F(LinkKeeper, MoneyKitOutcomeUnknownReconciled)
{
    Add(BL_TK_FIX_MONEYKIT_EXCHANGE_DROPPED); // sent, no answer: it may have happened
    Add(BL_TK_FIX_MONEYKIT_LIST_LINKS_PAGES); // 5 links in 3 pages
    EXPECT_EQ(lk_connect_moneykit(&keeper, kExchangeable), LK_HEALTHY) << keeper.reason;
    EXPECT_STREQ(keeper.link_id, "mk_bulk00003"); // tagged seq:3, on page 2
    EXPECT_FALSE(keeper.reconcile);
    ASSERT_EQ(bl_tk_request_count(&kit), 3u);
    for (size_t i = 1; i < 3; i++) { // listed, never exchanged again
        bl_tk_request_t r = Request(i);
        EXPECT_TRUE(bl_tk_method_is(&r, "GET")) << "request " << i;
        EXPECT_TRUE(bl_tk_path_is(&r, "/links")) << "request " << i;
    }
    // Found on page 2: page 3 (its request and answer) was not asked for.
    EXPECT_FALSE(kit.mismatch) << bl_tk_report(&kit);
    EXPECT_EQ(kit.step_count - kit.next, 2u);
}

TEST_F(LinkKeeper, MoneyKitOutcomeUnknownReconciledNextTime)
{
    Add(BL_TK_FIX_MONEYKIT_EXCHANGE_DROPPED);
    for (int i = 0; i < 3; i++) { // then the network is gone (banklink tries 3 times)
        ASSERT_EQ(bl_tk_refuse(&kit, BL_ERR_CONNECT), BL_OK);
    }
    EXPECT_EQ(lk_connect_moneykit(&keeper, kExchangeable), LK_RETRY) << keeper.reason;
    EXPECT_TRUE(keeper.reconcile); // still unknown
    ExpectPlayed();
    bl_tk_advance(&kit, keeper.next_due_ms - Now());
    Add(BL_TK_FIX_MONEYKIT_LIST_LINKS_PAGES);
    EXPECT_EQ(lk_connect_moneykit(&keeper, kExchangeable), LK_HEALTHY) << keeper.reason;
    EXPECT_STREQ(keeper.link_id, "mk_bulk00003");
    for (size_t i = 1; i < bl_tk_request_count(&kit); i++) { // the second call only listed
        bl_tk_request_t r = Request(i);
        EXPECT_TRUE(bl_tk_method_is(&r, "GET")) << "request " << i;
    }
}

TEST_F(LinkKeeper, MoneyKitOutcomeUnknownNotThere)
{
    static const uint16_t ragged[] = {7, 1, 64};
    keeper.cfg.device_tag = "device:not-listed";
    Add(BL_TK_FIX_MONEYKIT_EXCHANGE_DROPPED);
    Add(BL_TK_FIX_MONEYKIT_LIST_LINKS_PAGES);
    ASSERT_EQ(bl_tk_split(&kit, ragged, 3), BL_OK); // the last page in pieces
    EXPECT_EQ(lk_connect_moneykit(&keeper, kExchangeable), LK_RETRY) << keeper.reason;
    EXPECT_FALSE(keeper.reconcile); // every page listed: the exchange did not happen
    EXPECT_EQ(bl_tk_request_count(&kit), 4u);
    ExpectPlayed();
    bl_tk_advance(&kit, keeper.next_due_ms - Now());
    Add(BL_TK_FIX_MONEYKIT_EXCHANGE_OK);
    EXPECT_EQ(lk_connect_moneykit(&keeper, kExchangeable), LK_HEALTHY) << keeper.reason;
    EXPECT_STREQ(keeper.link_id, "mk_eqkWN34UEoa2NxyALG8pcV");
    ExpectPlayed();
}

TEST_F(LinkKeeper, MoneyKitSpentTokenFlagsDevice)
{
    Add(BL_TK_FIX_MONEYKIT_EXCHANGE_INVALID_TOKEN); // spent or invalid: Connect again
    EXPECT_EQ(lk_connect_moneykit(&keeper, kExchangeable), LK_NEEDS_USER) << keeper.reason;
    EXPECT_TRUE(keeper.needs_user);
    ExpectPlayed();
}

TEST_F(LinkKeeper, MoneyKitLinkGoneFlagsDevice)
{
    std::snprintf(keeper.link_id, sizeof keeper.link_id, "mk_gone");
    Add(BL_TK_FIX_MONEYKIT_GET_LINK_NOT_FOUND);
    EXPECT_EQ(lk_check_moneykit(&keeper), LK_NEEDS_USER) << keeper.reason;
    EXPECT_STREQ(keeper.link_id, "");
    ExpectPlayed();
}

TEST_F(LinkKeeper, MoneyKitAuthExpiredLinkFlagsDevice)
{
    std::snprintf(keeper.link_id, sizeof keeper.link_id, "mk_1");
    AddAnswer("GET", "/links/mk_1", "200 OK",
              R"({"link_id":"mk_1","institution_id":"chase","institution_name":"Chase",)"
              R"("provider":"mx","state":"error","error_code":"auth_expired","products":{}})");
    EXPECT_EQ(lk_check_moneykit(&keeper), LK_NEEDS_USER) << keeper.reason;
    EXPECT_TRUE(keeper.needs_user);
    ExpectPlayed();
    EXPECT_EQ(Header(0, "moneykit-version"), "2023-02-18");
}

} // namespace
