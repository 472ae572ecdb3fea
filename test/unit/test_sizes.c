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

#include "harness.h"

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

static char resp[8192];

static const char *http_response(const char *status, const char *body)
{
    int n = snprintf(resp, sizeof resp, "HTTP/1.1 %s\r\n" HEADERS "Content-Length: %zu\r\n\r\n%s", status, strlen(body),
                     body);
    assert_true(n > 0 && (size_t)n < sizeof resp);
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

#define HERON_LINK_OBJ                                                                                              \
    "{\"created\": \"2020-01-01T00:00:00Z\", \"item_id\": \"M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op\", "                \
    "\"last_successful_sync\": \"2020-01-01T00:00:00Z\", \"last_updated\": \"2020-01-01T00:00:00Z\", \"status\": "     \
    "\"active\", \"status_message\": null, \"type\": \"plaid_assets_report\", \"data_source_heron_id\": "             \
    "\"ds_0123456789abcdef\"}"

static const char heron_link_seed[] = "{\"link\": " HERON_LINK_OBJ "}";
static const char heron_list_seed[] = "{\"links\": [" HERON_LINK_OBJ ", " HERON_LINK_OBJ ", " HERON_LINK_OBJ "]}";

static const char *heron_key = "key_0123456789abcdef0123456789abcdef";
static const char *heron_id = "int_0123456789abcdef";
static const char *end_user = "8d18511d-9d6e-4731-b135-260950ddad0c";

static bl_status_t call_create(harness_t *h)
{
    bl_heron_new_link_t req = {"M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op", end_user,
                               "access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6", "Acme Corp", NULL};
    bl_heron_link_t link;
    return bl_heron_create_link(&h->client, heron_key, heron_id, &req, &link);
}

static bl_status_t call_refresh(harness_t *h)
{
    bl_heron_link_t link;
    return bl_heron_refresh_link(&h->client, heron_key, heron_id, "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op", &link);
}

static bl_status_t call_delete_links(harness_t *h)
{
    return bl_heron_delete_links(&h->client, heron_key, heron_id, end_user);
}

static bl_status_t count_link(void *ctx, const bl_heron_link_t *link)
{
    (void)ctx;
    (void)link;
    return BL_OK;
}

static bl_status_t call_heron_list(harness_t *h)
{
    return bl_heron_list_links(&h->client, heron_key, end_user, count_link, NULL, NULL);
}

static bl_moneykit_auth_t *jwt_auth(void)
{
    static bl_moneykit_auth_t auth;
    bl_moneykit_auth_init(&auth, NULL, NULL);
    bl_status_t st = bl_moneykit_auth_set_token(&auth, token_seed + 18);
    (void)st;
    return &auth;
}

static bl_status_t call_get_link(harness_t *h)
{
    bl_moneykit_link_t link;
    return bl_moneykit_get_link(&h->client, jwt_auth(), "mk_eqkWN34UEoa2NxyALG8pcV", &link);
}

static bl_status_t call_delete_link(harness_t *h)
{
    return bl_moneykit_delete_link(&h->client, jwt_auth(), "mk_eqkWN34UEoa2NxyALG8pcV");
}

static bl_status_t count_mk(void *ctx, const bl_moneykit_link_t *link)
{
    (void)ctx;
    (void)link;
    return BL_OK;
}

static bl_status_t call_mk_list(harness_t *h)
{
    static bl_moneykit_list_t list;
    bl_moneykit_list_init(&list, 50, count_mk, NULL);
    return bl_moneykit_list_links(&h->client, jwt_auth(), &list);
}

/* One request, any method and path, answered with @p response. */
static void script_one(harness_t *h, const char *response)
{
    TK(bl_tk_expect(&h->kit, NULL, NULL));
    TK(bl_tk_answer(&h->kit, response));
}

/* Smallest buffer (and token count) with which the call succeeds. */
static void measure(const char *name, call_fn fn, const char *response, size_t buf_min_macro, size_t tokens_macro)
{
    static harness_t h;
    size_t min_buf = 0;
    for (size_t size = 256; size <= sizeof h.buf; size++) {
        harness_init(&h, size, 0);
        script_one(&h, response);
        if (fn(&h) == BL_OK) {
            harness_finished(&h);
            min_buf = size;
            break;
        }
        harness_no_mismatch(&h);
    }
    size_t request = h.kit.capture_len;
    size_t min_tokens = 0;
    for (size_t t = 1; t <= 256; t++) {
        harness_init(&h, sizeof h.buf, 0);
        h.client.cfg.token_count = t;
        script_one(&h, response);
        if (fn(&h) == BL_OK) {
            harness_finished(&h);
            min_tokens = t;
            break;
        }
        harness_no_mismatch(&h);
    }
    printf("%-24s request %4zu B, response %4zu B, minimum work buffer %4zu B (documented %4zu), tokens %3zu "
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
    static char r1[4096], r2[4096], r3[4096], r4[4096], r5[4096], r6[4096], r7[8192];
    strcpy(r1, http_response("201 Created", heron_link_seed));
    strcpy(r2, http_response("200 OK", heron_link_seed));
    strcpy(r3, "HTTP/1.1 204 No Content\r\n" HEADERS "\r\n");
    strcpy(r4, http_response("200 OK", heron_list_seed));
    /* the MoneyKit link alone is the exchange answer's "link" member */
    const char *mk_link = strstr(mk_seed, "\"link\": {") + 8;
    char one[2048];
    int n1 = snprintf(one, sizeof one, "%.*s", (int)(strlen(mk_link) - 1u), mk_link);
    assert_true(n1 > 0 && (size_t)n1 < sizeof one);
    strcpy(r5, http_response("200 OK", one));
    strcpy(r6, "HTTP/1.1 200 OK\r\n" HEADERS "Content-Length: 0\r\n\r\n");
    static char page[8192];
    int n2 = snprintf(page, sizeof page, "{\"links\": [%s, %s, %s], \"next_cursor\": \"c2FtcGxlIGN1cnNvcg==\"}", one, one,
                      one);
    assert_true(n2 > 0 && (size_t)n2 < sizeof page);
    strcpy(r7, http_response("200 OK", page));
    measure("heron create-link", call_create, r1, BL_HERON_UPDATE_LINK_BUF_MIN, BL_HERON_LINK_TOKENS);
    measure("heron refresh-link", call_refresh, r2, BL_HERON_UPDATE_LINK_BUF_MIN, BL_HERON_LINK_TOKENS);
    measure("heron delete-links", call_delete_links, r3, BL_HERON_UPDATE_LINK_BUF_MIN, BL_HERON_LINK_TOKENS);
    measure("heron list-links (3)", call_heron_list, r4, BL_HERON_UPDATE_LINK_BUF_MIN, BL_HERON_LINK_TOKENS);
    measure("moneykit get-link", call_get_link, r5, BL_MONEYKIT_EXCHANGE_BUF_MIN, BL_MONEYKIT_LINK_TOKENS);
    measure("moneykit delete-link", call_delete_link, r6, BL_MONEYKIT_EXCHANGE_BUF_MIN, BL_MONEYKIT_LINK_TOKENS);
    measure("moneykit list-links (3)", call_mk_list, r7, BL_MONEYKIT_EXCHANGE_BUF_MIN, BL_MONEYKIT_LINK_TOKENS);
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
