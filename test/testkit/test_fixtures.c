/*
 * Every canned vendor answer (bl_testkit_fixtures.h) played to the real
 * banklink call it is for, checked the way a user's test would: the status,
 * the HTTP status, the API's error code and message, Retry-After, the
 * decoded fields, and that the kit played the fixture to its end. Plus the
 * lookup functions and fixtures chained for a retry and a token renewal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bl_testkit.h"
#include "bl_testkit_fixtures.h"

#define KEY "hk-test"
#define ITEM "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op"
#define TOKEN "access-sandbox-1"
#define LINK "mk_eqkWN34UEoa2NxyALG8pcV"

typedef struct fixture {
    bl_testkit_t kit;
    uint8_t buf[4096];
    bl_json_token_t tokens[256];
    bl_client_t client;
    bl_moneykit_auth_t auth;
    bl_moneykit_list_t list;
} fixture_t;

static fixture_t f;

/* A client on the kit with fixture @p a (and @p b unless it is COUNT). */
static void given(bl_tk_fixture_id_t a, bl_tk_fixture_id_t b, uint32_t retries)
{
    bl_client_config_t cfg;
    memset(&f, 0, sizeof f);
    assert_int_equal(bl_tk_init(&f.kit), BL_OK);
    assert_int_equal(bl_tk_fixture(&f.kit, a), BL_OK);
    if (b != BL_TK_FIXTURE_COUNT) {
        assert_int_equal(bl_tk_fixture(&f.kit, b), BL_OK);
    }
    bl_tk_client_config(&f.kit, &cfg);
    cfg.buf = f.buf;
    cfg.buf_size = sizeof f.buf;
    cfg.tokens = f.tokens;
    cfg.token_count = 256;
    cfg.max_retries = retries;
    cfg.timeout_ms = 60000;
    cfg.jitter_seed = 7;
    assert_int_equal(bl_client_init(&f.client, &cfg), BL_OK);
    bl_moneykit_auth_init(&f.auth, NULL, NULL);
    assert_int_equal(bl_moneykit_auth_set_token(&f.auth, "mk-bearer"), BL_OK);
}

static void one(bl_tk_fixture_id_t id)
{
    given(id, BL_TK_FIXTURE_COUNT, 0);
}

static void finished(void)
{
    bl_client_close(&f.client);
    if (!bl_tk_finished(&f.kit)) {
        fail_msg("kit: %s", bl_tk_report(&f.kit));
    }
}

static void str_is(bl_str_t s, const char *want)
{
    assert_int_equal(s.presence, BL_PRESENT);
    assert_string_equal(s.ptr, want);
}

static void str_has(bl_str_t s, const char *part)
{
    assert_int_equal(s.presence, BL_PRESENT);
    if (strstr(s.ptr, part) == NULL) {
        fail_msg("'%s' lacks '%s'", s.ptr, part);
    }
}

/* The error a failed call left: status, HTTP status, API code. */
static void api_error(bl_status_t st, bl_status_t want, int http, const char *code)
{
    assert_int_equal(st, want);
    assert_int_equal(f.client.last.http_status, http);
    if (code != NULL) {
        str_is(f.client.last.api_code, code);
    }
}

/* ------------------------------------------------------------ Heron */

static bl_status_t update(bl_heron_link_t *link)
{
    return bl_heron_update_link(&f.client, KEY, ITEM, TOKEN, link);
}

static void heron_update_link_ok(void **state)
{
    (void)state;
    bl_heron_link_t link;
    one(BL_TK_FIX_HERON_UPDATE_LINK_OK);
    assert_int_equal(update(&link), BL_OK);
    assert_int_equal(f.client.last.http_status, 200);
    str_is(link.item_id, ITEM);
    assert_int_equal(link.status, BL_HERON_LINK_ACTIVE);
    str_is(link.type, "plaid_assets_report");
    str_has(link.status_message, "[ITEM_LOGIN_REQUIRED]");
    assert_int_equal(link.created.unix_s, 1577836800); /* 2020-01-01T00:00:00Z */
    bl_tk_request_t req;
    assert_true(bl_tk_get_request(&f.kit, 0, &req));
    assert_true(bl_tk_header_is(&req, "x-api-key", KEY));
    finished();
}

static void heron_update_link_errors(void **state)
{
    (void)state;
    static const struct {
        bl_tk_fixture_id_t id;
        int http;
        const char *code;
        const char *name;
        const char *message;
    } cases[] = {
        {BL_TK_FIX_HERON_UPDATE_LINK_400, 400, "400", "Bad Request", "forced error 400"},
        {BL_TK_FIX_HERON_UPDATE_LINK_401, 401, "401", "Unauthorized", "Invalid API key"},
        {BL_TK_FIX_HERON_UPDATE_LINK_404, 404, "404", "Not Found", "forced error 404"},
        {BL_TK_FIX_HERON_UPDATE_LINK_422, 422, "422", "Unprocessable Entity", "semantic errors"},
        {BL_TK_FIX_HERON_UPDATE_LINK_500, 500, "500", "Internal Server Error", "forced error 500"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bl_heron_link_t link;
        one(cases[i].id);
        api_error(update(&link), BL_ERR_API, cases[i].http, cases[i].code);
        str_is(f.client.last.api_name, cases[i].name);
        str_has(f.client.last.api_message, cases[i].message);
        assert_int_equal(f.client.last.retry_after_ms, -1);
        finished();
    }
}

static void heron_update_link_429(void **state)
{
    (void)state;
    bl_heron_link_t link;
    one(BL_TK_FIX_HERON_UPDATE_LINK_429);
    api_error(update(&link), BL_ERR_RATE_LIMITED, 429, "429");
    assert_int_equal(f.client.last.retry_after_ms, 30000);
    assert_int_equal(f.client.last.ratelimit_limit, 100);
    assert_int_equal(f.client.last.ratelimit_remaining, 0);
    assert_int_equal(f.client.last.ratelimit_reset_s, 1);
    finished();
}

/* Two fixtures chained: the 429, then the retry succeeds after the wait. */
static void heron_update_link_429_then_ok(void **state)
{
    (void)state;
    bl_heron_link_t link;
    given(BL_TK_FIX_HERON_UPDATE_LINK_429, BL_TK_FIX_HERON_UPDATE_LINK_OK, 1);
    assert_int_equal(update(&link), BL_OK);
    assert_int_equal(f.client.last.attempts, 2);
    assert_true(f.kit.slept_ms >= 30000u); /* Retry-After, on the fake clock */
    assert_int_equal(bl_tk_request_count(&f.kit), 2);
    finished();
}

static const bl_heron_new_link_t new_link = {ITEM, "end-user-1", TOKEN, "Ada", NULL};

static void heron_create_link(void **state)
{
    (void)state;
    bl_heron_link_t link;
    one(BL_TK_FIX_HERON_CREATE_LINK_OK);
    assert_int_equal(bl_heron_create_link(&f.client, KEY, "int_mock_assets", &new_link, &link), BL_OK);
    assert_int_equal(f.client.last.http_status, 201);
    str_is(link.item_id, ITEM);
    assert_int_equal(link.status, BL_HERON_LINK_PENDING);
    assert_int_equal(link.data_source_heron_id.presence, BL_PRESENT);
    assert_int_equal(link.created.presence, BL_PRESENT);
    assert_int_equal(link.last_successful_sync.presence, BL_NULL);
    finished();

    one(BL_TK_FIX_HERON_CREATE_LINK_409);
    api_error(bl_heron_create_link(&f.client, KEY, "int_mock_assets", &new_link, &link), BL_ERR_API, 409, "409");
    str_has(f.client.last.api_message, "already exists");
    finished();
}

static void heron_refresh_link(void **state)
{
    (void)state;
    bl_heron_link_t link;
    one(BL_TK_FIX_HERON_REFRESH_LINK_OK);
    assert_int_equal(bl_heron_refresh_link(&f.client, KEY, "int_mock_assets", ITEM, &link), BL_OK);
    str_is(link.item_id, ITEM);
    assert_int_equal(link.status, BL_HERON_LINK_SYNCING);
    finished();

    one(BL_TK_FIX_HERON_REFRESH_LINK_404);
    api_error(bl_heron_refresh_link(&f.client, KEY, "int_mock_assets", "item-unknown", &link), BL_ERR_API, 404,
              "404");
    str_has(f.client.last.api_message, "not found");
    finished();
}

static void heron_delete_links(void **state)
{
    (void)state;
    one(BL_TK_FIX_HERON_DELETE_LINKS_OK);
    assert_int_equal(bl_heron_delete_links(&f.client, KEY, "int_mock_assets", "end-user-1"), BL_OK);
    assert_int_equal(f.client.last.http_status, 204);
    bl_tk_request_t req;
    char v[32];
    assert_true(bl_tk_get_request(&f.kit, 0, &req));
    assert_string_equal(bl_tk_query(&req, "end_user_id_or_heron_id", v, sizeof v), "end-user-1");
    finished();
}

/* Heron list elements: item ids and statuses in order. */
typedef struct heron_seen {
    size_t n;
    char ids[8][24];
    bl_heron_link_status_t status[8];
} heron_seen_t;

static bl_status_t on_heron_link(void *ctx, const bl_heron_link_t *link)
{
    heron_seen_t *s = (heron_seen_t *)ctx;
    if (s->n < 8u) {
        (void)snprintf(s->ids[s->n], sizeof s->ids[0], "%s", link->item_id.ptr);
        s->status[s->n] = link->status;
    }
    s->n++;
    return BL_OK;
}

static void heron_list_links(void **state)
{
    (void)state;
    static const bl_tk_fixture_id_t ids[] = {BL_TK_FIX_HERON_LIST_LINKS_OK, BL_TK_FIX_HERON_LIST_LINKS_CHUNKED};
    static const size_t want[] = {3, 8};
    for (size_t i = 0; i < 2; i++) {
        heron_seen_t seen;
        size_t count = 0;
        memset(&seen, 0, sizeof seen);
        one(ids[i]);
        assert_int_equal(bl_heron_list_links(&f.client, KEY, "end-user-bulk", on_heron_link, &seen, &count), BL_OK);
        assert_int_equal(count, want[i]);
        assert_int_equal(seen.n, want[i]);
        assert_string_equal(seen.ids[0], "bulk-item-00000");
        assert_string_equal(seen.ids[2], "bulk-item-00002");
        assert_int_equal(seen.status[0], BL_HERON_LINK_PENDING);
        assert_int_equal(seen.status[1], BL_HERON_LINK_ACTIVE);
        if (want[i] == 8u) {
            assert_string_equal(seen.ids[7], "bulk-item-00007");
        }
        finished();
    }
}

/* ------------------------------------------------------------ MoneyKit */

static void moneykit_token(void **state)
{
    (void)state;
    one(BL_TK_FIX_MONEYKIT_TOKEN_OK);
    bl_moneykit_auth_init(&f.auth, "cid", "csecret");
    assert_int_equal(bl_moneykit_fetch_token(&f.client, &f.auth), BL_OK);
    assert_int_equal(f.client.last.http_status, 201);
    assert_true(f.auth.valid);
    assert_int_equal(f.auth.expires_in_s, 3600);
    assert_int_equal(strlen(bl_moneykit_auth_token(&f.auth)), 49); /* the recorded token, masked */
    str_is(f.auth.token_type, "bearer");
    bl_tk_request_t req;
    char v[32];
    assert_true(bl_tk_get_request(&f.kit, 0, &req));
    assert_string_equal(bl_tk_form(&req, "grant_type", v, sizeof v), "client_credentials");
    finished();

    one(BL_TK_FIX_MONEYKIT_TOKEN_401);
    bl_moneykit_auth_init(&f.auth, "cid", "wrong");
    api_error(bl_moneykit_fetch_token(&f.client, &f.auth), BL_ERR_API, 401, "api_error.auth.unauthorized");
    str_has(f.client.last.api_message, "Invalid client credentials");
    assert_false(f.auth.valid);
    finished();
}

static bl_status_t exchange(bl_moneykit_exchange_t *ex)
{
    return bl_moneykit_exchange_token(&f.client, &f.auth, "c7318ff7-257c-490e-8242-03a815b223b7", ex);
}

static void moneykit_exchange_ok(void **state)
{
    (void)state;
    bl_moneykit_exchange_t ex;
    one(BL_TK_FIX_MONEYKIT_EXCHANGE_OK);
    assert_int_equal(exchange(&ex), BL_OK);
    assert_int_equal(f.client.last.http_status, 201);
    str_is(ex.link_id, LINK);
    str_is(ex.link.link_id, LINK);
    str_is(ex.link.institution_id, "chase");
    str_is(ex.link.institution_name, "Chase");
    assert_int_equal(ex.link.state, BL_MONEYKIT_LINK_CONNECTED);
    assert_int_equal(ex.link.tags.count, 2);
    assert_string_equal(ex.link.tags.first, "user_type:admin");
    assert_int_equal(ex.link.products.identity.settings.required.value, true);
    bl_tk_request_t req;
    char v[64];
    assert_true(bl_tk_get_request(&f.kit, 0, &req));
    assert_string_equal(bl_tk_json_string(&req, "exchangeable_token", v, sizeof v),
                        "c7318ff7-257c-490e-8242-03a815b223b7");
    finished();
}

static void moneykit_exchange_errors(void **state)
{
    (void)state;
    bl_moneykit_exchange_t ex;
    one(BL_TK_FIX_MONEYKIT_EXCHANGE_EXPIRED_TOKEN);
    api_error(exchange(&ex), BL_ERR_API, 401, "api_error.auth.expired_access_token");
    finished();

    one(BL_TK_FIX_MONEYKIT_EXCHANGE_INVALID_TOKEN);
    api_error(exchange(&ex), BL_ERR_API, 400, "link_session_error.invalid_token_exchange");
    str_has(f.client.last.api_message, "already exchanged");
    str_has(f.client.last.api_doc_url, "link_session_error.invalid_token_exchange");
    finished();

    one(BL_TK_FIX_MONEYKIT_EXCHANGE_429);
    api_error(exchange(&ex), BL_ERR_RATE_LIMITED, 429, "api_error.rate_limit_exceeded");
    assert_int_equal(f.client.last.retry_after_ms, 30000);
    finished();

    one(BL_TK_FIX_MONEYKIT_EXCHANGE_503);
    api_error(exchange(&ex), BL_ERR_API, 503, "api_error.service_unavailable");
    assert_int_equal(f.client.last.retry_after_ms, -1);
    finished();
}

/* A dropped exchange is never repeated: outcome unknown, even with retries. */
static void moneykit_exchange_dropped(void **state)
{
    (void)state;
    bl_moneykit_exchange_t ex;
    given(BL_TK_FIX_MONEYKIT_EXCHANGE_DROPPED, BL_TK_FIXTURE_COUNT, 3);
    assert_int_equal(exchange(&ex), BL_ERR_OUTCOME_UNKNOWN);
    assert_int_equal(f.client.last.http_status, 0);
    assert_int_equal(bl_tk_request_count(&f.kit), 1);
    finished();
}

/* An expired token with credentials: renewed, and the call repeated. */
static void moneykit_expired_token_renewed(void **state)
{
    (void)state;
    bl_moneykit_exchange_t ex;
    given(BL_TK_FIX_MONEYKIT_EXCHANGE_EXPIRED_TOKEN, BL_TK_FIX_MONEYKIT_TOKEN_OK, 0);
    assert_int_equal(bl_tk_fixture(&f.kit, BL_TK_FIX_MONEYKIT_EXCHANGE_OK), BL_OK);
    bl_moneykit_auth_init(&f.auth, "cid", "csecret");
    assert_int_equal(bl_moneykit_auth_set_token(&f.auth, "mk-old"), BL_OK);
    assert_int_equal(exchange(&ex), BL_OK);
    str_is(ex.link.link_id, LINK);
    assert_int_equal(bl_tk_request_count(&f.kit), 3);
    finished();
}

static void moneykit_get_link(void **state)
{
    (void)state;
    bl_moneykit_link_t link;
    one(BL_TK_FIX_MONEYKIT_GET_LINK_OK);
    assert_int_equal(bl_moneykit_get_link(&f.client, &f.auth, LINK, &link), BL_OK);
    assert_int_equal(f.client.last.http_status, 200);
    str_is(link.link_id, LINK);
    str_is(link.provider, "mx");
    assert_int_equal(link.state, BL_MONEYKIT_LINK_CONNECTED);
    assert_int_equal(link.products.investments.presence, BL_PRESENT);
    str_is(link.products.investments.error_code, "provider_error");
    assert_int_equal(link.products.transactions.presence, BL_NULL);
    finished();

    one(BL_TK_FIX_MONEYKIT_GET_LINK_NOT_FOUND);
    api_error(bl_moneykit_get_link(&f.client, &f.auth, "mk_unknown", &link), BL_ERR_API, 404,
              "api_error.link.not_found");
    finished();

    one(BL_TK_FIX_MONEYKIT_GET_LINK_EXPIRED_TOKEN);
    api_error(bl_moneykit_get_link(&f.client, &f.auth, LINK, &link), BL_ERR_API, 401,
              "api_error.auth.expired_access_token");
    finished();
}

static void moneykit_delete_link(void **state)
{
    (void)state;
    one(BL_TK_FIX_MONEYKIT_DELETE_LINK_OK);
    assert_int_equal(bl_moneykit_delete_link(&f.client, &f.auth, LINK), BL_OK);
    assert_int_equal(f.client.last.http_status, 200);
    bl_tk_request_t req;
    assert_true(bl_tk_get_request(&f.kit, 0, &req));
    assert_true(bl_tk_method_is(&req, "DELETE"));
    assert_true(bl_tk_path_is(&req, "/links/" LINK));
    finished();
}

static bl_status_t on_mk_link(void *ctx, const bl_moneykit_link_t *link)
{
    char *ids = (char *)ctx;
    size_t used = strlen(ids);
    (void)snprintf(ids + used, 256u - used, "%s ", link->link_id.ptr);
    return BL_OK;
}

static void moneykit_list_pages(void **state)
{
    (void)state;
    static char ids[256];
    ids[0] = '\0';
    one(BL_TK_FIX_MONEYKIT_LIST_LINKS_PAGES);
    bl_moneykit_list_init(&f.list, 2, on_mk_link, ids);
    size_t pages = 0;
    bl_status_t st;
    do {
        st = bl_moneykit_list_links(&f.client, &f.auth, &f.list);
        pages++;
    } while (st == BL_OK && f.list.cursor[0] != '\0' && pages < 10u);
    assert_int_equal(st, BL_OK);
    assert_int_equal(pages, 3);
    assert_string_equal(ids, "mk_bulk00000 mk_bulk00001 mk_bulk00002 mk_bulk00003 mk_bulk00004 ");
    bl_tk_request_t req;
    char v[64];
    assert_true(bl_tk_get_request(&f.kit, 1, &req));
    assert_non_null(bl_tk_query(&req, "cursor", v, sizeof v));
    assert_string_equal(bl_tk_query(&req, "size", v, sizeof v), "2");
    finished();
}

/* ------------------------------------------------------------ the table */

static void names_and_scripts(void **state)
{
    (void)state;
    for (int i = 0; i < (int)BL_TK_FIXTURE_COUNT; i++) {
        bl_tk_fixture_id_t id = (bl_tk_fixture_id_t)i;
        const char *name = bl_tk_fixture_name(id);
        bl_tk_fixture_id_t back;
        size_t len = 0;
        assert_non_null(name);
        assert_true(bl_tk_fixture_by_name(name, &back));
        assert_int_equal(back, id);
        const char *text = bl_tk_fixture_script(id, &len);
        assert_non_null(text);
        assert_true(len > 0u);
        /* The script names itself and starts with a request. */
        assert_memory_equal(text, "# ", 2);
        assert_memory_equal(text + 2, name, strlen(name));
        assert_non_null(strstr(text, "\nbanklink-script 1\nrequest "));
        assert_null(strstr(text, "\nconnect"));
        /* Every fixture loads alone and fits twice (two chain). */
        static bl_testkit_t kit;
        assert_int_equal(bl_tk_init(&kit), BL_OK);
        assert_int_equal(bl_tk_fixture(&kit, id), BL_OK);
        assert_int_equal(bl_tk_fixture(&kit, id), BL_OK);
    }
    assert_string_equal(bl_tk_fixture_name(BL_TK_FIX_HERON_UPDATE_LINK_401), "HERON_UPDATE_LINK_401");
    assert_null(bl_tk_fixture_name(BL_TK_FIXTURE_COUNT));
    size_t len = 5;
    assert_null(bl_tk_fixture_script(BL_TK_FIXTURE_COUNT, &len));
    assert_int_equal(len, 0);
    assert_false(bl_tk_fixture_by_name("HERON_NOPE", NULL));
    assert_false(bl_tk_fixture_by_name(NULL, NULL));
    assert_int_equal(bl_tk_fixture(NULL, BL_TK_FIX_HERON_UPDATE_LINK_OK), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_tk_fixture(&f.kit, BL_TK_FIXTURE_COUNT), BL_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(heron_update_link_ok),
        cmocka_unit_test(heron_update_link_errors),
        cmocka_unit_test(heron_update_link_429),
        cmocka_unit_test(heron_update_link_429_then_ok),
        cmocka_unit_test(heron_create_link),
        cmocka_unit_test(heron_refresh_link),
        cmocka_unit_test(heron_delete_links),
        cmocka_unit_test(heron_list_links),
        cmocka_unit_test(moneykit_token),
        cmocka_unit_test(moneykit_exchange_ok),
        cmocka_unit_test(moneykit_exchange_errors),
        cmocka_unit_test(moneykit_exchange_dropped),
        cmocka_unit_test(moneykit_expired_token_renewed),
        cmocka_unit_test(moneykit_get_link),
        cmocka_unit_test(moneykit_delete_link),
        cmocka_unit_test(moneykit_list_pages),
        cmocka_unit_test(names_and_scripts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
