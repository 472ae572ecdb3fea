/*
 * Measures the smallest work buffer and token array each call needs for
 * the seed exchanges (the documented responses, with realistic headers),
 * prints them, and checks the documented *_BUF_MIN / *_TOKENS macros cover
 * them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "scripted_transport.h"

#define HEADERS                                                                                                     \
    "Date: Sun, 22 Nov 2026 12:00:00 GMT\r\nServer: nginx\r\nContent-Type: application/json\r\n"                    \
    "Connection: keep-alive\r\n"

static const char heron_seed[] =
    "{\"integration_link\": {\"created\": \"2020-01-01T00:00:00Z\", \"item_id\": "
    "\"M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op\", \"last_successful_sync\": \"2020-01-01T00:00:00Z\", "
    "\"last_updated\": \"2020-01-01T00:00:00Z\", \"status\": \"active\", \"status_message\": \"[ITEM_LOGIN_REQUIRED] "
    "the login details of this item have changed (credentials, MFA, or required user action) and a user login is "
    "required to update this information. use Link's update mode to restore the item to a good state\", \"type\": "
    "\"plaid_assets_report\"}}";

static const char mk_seed[] =
    "{\"link_id\": \"mk_eqkWN34UEoa2NxyALG8pcV\", \"link\": {\"link_id\": \"mk_eqkWN34UEoa2NxyALG8pcV\", "
    "\"institution_id\": \"chase\", \"institution_name\": \"Chase\", \"provider\": \"mx\", \"state\": \"connected\", "
    "\"last_synced_at\": \"2023-02-16T09:14:11\", \"tags\": [\"user_type:admin\"], \"products\": {\"accounts\": "
    "{\"refreshed_at\": \"2023-02-16T09:14:11\", \"last_attempted_at\": \"2023-02-16T09:14:11\"}, \"identity\": "
    "{\"refreshed_at\": \"2023-02-16T09:14:11\", \"last_attempted_at\": \"2023-02-16T09:14:11\", \"settings\": "
    "{\"required\": true, \"prefetch\": false}}}}}";

static const char token_seed[] =
    "{\"access_token\": \"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ0ZXN0LWNsaWVudC1pZCIsImV4cCI6MTcwMDAwMDAwMH0."
    "c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU\", \"token_type\": \"bearer\", \"expires_in\": 3600}";

static char resp[4096];

static const char *http_response(const char *status, const char *body)
{
    snprintf(resp, sizeof resp, "HTTP/1.1 %s\r\n" HEADERS "Content-Length: %zu\r\n\r\n%s", status, strlen(body), body);
    return resp;
}

typedef bl_status_t (*call_fn)(harness_t *h);

static bl_status_t call_heron(harness_t *h)
{
    bl_heron_link_t link;
    return bl_heron_update_link(&h->client, "key_0123456789abcdef0123456789abcdef", "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op",
                                "access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6", &link);
}

static bl_status_t call_exchange(harness_t *h)
{
    bl_moneykit_auth_t auth;
    bl_moneykit_auth_init(&auth, NULL, NULL);
    /* a JWT-sized bearer token, as MoneyKit issues */
    bl_status_t st = bl_moneykit_auth_set_token(&auth, token_seed + 18);
    (void)st;
    bl_moneykit_exchange_t ex;
    return bl_moneykit_exchange_token(&h->client, &auth, "c7318ff7-257c-490e-8242-03a815b223b7", &ex);
}

static bl_status_t call_token(harness_t *h)
{
    bl_moneykit_auth_t auth;
    bl_moneykit_auth_init(&auth, "client_0123456789abcdef", "secret_0123456789abcdef0123456789abcdef");
    return bl_moneykit_fetch_token(&h->client, &auth);
}

/* Smallest buffer (and token count) with which the call succeeds. */
static void measure(const char *name, call_fn fn, const char *response, size_t buf_min_macro, size_t tokens_macro)
{
    static harness_t h;
    size_t min_buf = 0;
    for (size_t size = 256; size <= sizeof h.buf; size++) {
        harness_init(&h, size, 0);
        step_t steps[] = {{STEP_DATA, response, 0}, {STEP_END, NULL, 0}};
        h.script.conn_steps[0] = steps;
        h.script.conn_count = 1;
        if (fn(&h) == BL_OK) {
            min_buf = size;
            break;
        }
    }
    size_t request = h.script.sent_len;
    size_t min_tokens = 0;
    for (size_t t = 1; t <= 256; t++) {
        harness_init(&h, sizeof h.buf, 0);
        h.client.cfg.token_count = t;
        step_t steps[] = {{STEP_DATA, response, 0}, {STEP_END, NULL, 0}};
        h.script.conn_steps[0] = steps;
        h.script.conn_count = 1;
        if (fn(&h) == BL_OK) {
            min_tokens = t;
            break;
        }
    }
    printf("%-22s request %4zu B, response %4zu B, minimum work buffer %4zu B (documented %4zu), tokens %3zu "
           "(documented %3zu)\n",
           name, request, strlen(response), min_buf, buf_min_macro, min_tokens, tokens_macro);
    assert_true(min_buf > 0);
    assert_true(min_buf <= buf_min_macro);
    assert_true(min_tokens > 0);
    assert_true(min_tokens <= tokens_macro);
}

static void sizes(void **state)
{
    (void)state;
    static char heron_resp[4096], mk_resp[4096], token_resp[4096];
    strcpy(heron_resp, http_response("200 OK", heron_seed));
    strcpy(mk_resp, http_response("201 Created", mk_seed));
    strcpy(token_resp, http_response("201 Created", token_seed));
    measure("heron update-link", call_heron, heron_resp, BL_HERON_UPDATE_LINK_BUF_MIN, BL_HERON_LINK_TOKENS);
    measure("moneykit exchange", call_exchange, mk_resp, BL_MONEYKIT_EXCHANGE_BUF_MIN, BL_MONEYKIT_LINK_TOKENS);
    measure("moneykit token", call_token, token_resp, BL_MONEYKIT_TOKEN_BUF_MIN, BL_MONEYKIT_TOKEN_TOKENS);
    printf("sizeof(bl_client_t) %zu B, sizeof(bl_moneykit_auth_t) %zu B, sizeof(bl_json_token_t) %zu B\n",
           sizeof(bl_client_t), sizeof(bl_moneykit_auth_t), sizeof(bl_json_token_t));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
