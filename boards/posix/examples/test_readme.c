#include "bl_testkit_fixtures.h" /* banklink's test kit: replay, fake clock, vendor answers */
#include "link_keeper.h"         /* the firmware logic under test */
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>
static bl_testkit_t kit; /* the vendor, the network and the clock */
static uint8_t work[4096];
static bl_json_token_t tokens[128];
static void heron_404_flags_device(void **state)
{
    bl_client_config_t cfg; bl_client_t client; bl_tk_request_t req;
    link_keeper_t keeper; link_keeper_config_t kc = {.heron = &client, .heron_api_key = "key-1"};
    (void)state;
    assert_int_equal(bl_tk_init(&kit), BL_OK);
    assert_int_equal(bl_tk_fixture(&kit, BL_TK_FIX_HERON_UPDATE_LINK_404), BL_OK);
    bl_tk_client_config(&kit, &cfg); /* a client aimed at the kit */
    cfg.buf = work; cfg.buf_size = sizeof work; cfg.tokens = tokens; cfg.token_count = 128;
    assert_int_equal(bl_client_init(&client, &cfg), BL_OK);
    lk_init(&keeper, &kc);
    assert_int_equal(lk_refresh_heron(&keeper, "item-1", "access-sandbox-2"), LK_NEEDS_USER);
    assert_true(keeper.needs_user); /* the device asks its user to reconnect the bank */
    assert_true(bl_tk_get_request(&kit, 0, &req) && bl_tk_header_is(&req, "x-api-key", "key-1"));
    assert_true(bl_tk_finished(&kit)); /* asked once, not retried */
}
int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(heron_404_flags_device)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
