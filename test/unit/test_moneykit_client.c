/*
 * MoneyKit calls against a scripted server (the test kit): token life
 * cycle, exchange, and the rule that an exchange is never replayed once it
 * went out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "harness.h"

#define CLIENT_ID "test-client-id"
#define CLIENT_SECRET "s3cr3t+/=&value"
#define ISSUED "issued-token-7f3a9c"
#define EXCHANGEABLE "c7318ff7-257c-490e-8242-03a815b223b7"
#define EXCHANGE_PATH "/link-session/exchange-token"
#define TOKEN_PATH "/auth/token"

static const char exchange_body[] =
    "{\"link_id\":\"mk_eqkWN34UEoa2NxyALG8pcV\",\"link\":{\"link_id\":\"mk_eqkWN34UEoa2NxyALG8pcV\","
    "\"institution_id\":\"chase\",\"institution_name\":\"Chase \\u00e9\\ud83d\\ude00\",\"provider\":\"mx\","
    "\"state\":\"connected\",\"error_code\":null,\"last_synced_at\":\"2023-02-16T09:14:11\","
    "\"tags\":[\"user_type:admin\",\"a\\\"b\",\"\"],\"products\":{\"accounts\":{\"refreshed_at\":\"2023-02-16T09:14:11\","
    "\"last_attempted_at\":\"2023-02-16T09:14:11\"},\"identity\":{\"refreshed_at\":\"2023-02-16T09:14:11+01:00\","
    "\"last_attempted_at\":\"2023-02-16T09:14:11.250Z\",\"settings\":{\"required\":true,\"prefetch\":false}},"
    "\"transactions\":null,\"future_product\":{\"x\":[1]}}}}";

static char ok201[2048];
static char token201[512];
static char expired401[512];

static void build(void)
{
    snprintf(ok201, sizeof ok201, "HTTP/1.1 201 Created\r\nContent-Length: %zu\r\n\r\n%s", strlen(exchange_body),
             exchange_body);
    const char *tb = "{\"access_token\":\"" ISSUED "\",\"token_type\":\"bearer\",\"expires_in\":3600}";
    snprintf(token201, sizeof token201, "HTTP/1.1 201 Created\r\nContent-Length: %zu\r\n\r\n%s", strlen(tb), tb);
    const char *eb = "{\"error_code\":\"api_error.auth.expired_access_token\",\"error_message\":\"expired\","
                     "\"documentation_url\":\"https://docs.example/errors\"}";
    snprintf(expired401, sizeof expired401, "HTTP/1.1 401 Unauthorized\r\nContent-Length: %zu\r\n\r\n%s", strlen(eb),
             eb);
}

static void check_exchange(const bl_moneykit_exchange_t *ex)
{
    assert_string_equal(ex->link_id.ptr, "mk_eqkWN34UEoa2NxyALG8pcV");
    const bl_moneykit_link_t *l = &ex->link;
    assert_string_equal(l->institution_id.ptr, "chase");
    assert_string_equal(l->institution_name.ptr, "Chase \xc3\xa9\xf0\x9f\x98\x80");
    assert_string_equal(l->provider.ptr, "mx");
    assert_int_equal(l->state, BL_MONEYKIT_LINK_CONNECTED);
    assert_int_equal(l->error_code.presence, BL_NULL);
    assert_int_equal(l->last_synced_at.unix_s, 1676538851);
    assert_int_equal(l->tags.count, 3);
    const char *t = l->tags.first;
    assert_string_equal(t, "user_type:admin");
    t = bl_str_list_next(t);
    assert_string_equal(t, "a\"b");
    t = bl_str_list_next(t);
    assert_string_equal(t, "");
    assert_int_equal(l->products.accounts.presence, BL_PRESENT);
    assert_int_equal(l->products.accounts.settings.presence, BL_ABSENT);
    assert_int_equal(l->products.identity.refreshed_at.unix_s, 1676538851 - 3600);
    assert_int_equal(l->products.identity.last_attempted_at.nanosecond, 250000000);
    assert_int_equal(l->products.identity.settings.required.value, true);
    assert_int_equal(l->products.identity.settings.prefetch.presence, BL_PRESENT);
    assert_int_equal(l->products.identity.settings.prefetch.value, false);
    assert_int_equal(l->products.transactions.presence, BL_NULL);
    assert_int_equal(l->products.investments.presence, BL_ABSENT);
}

static size_t count(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle), c = 0;
    for (size_t i = 0; i + k <= n; i++) {
        if (memcmp(hay + i, needle, k) == 0) {
            c++;
        }
    }
    return c;
}

/* Credentials only: token first, then the exchange with that token. */
static void token_then_exchange(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, 4096, 2);
    TK(bl_tk_expect(&h.kit, "POST", TOKEN_PATH));
    TK(bl_tk_answer(&h.kit, token201));
    TK(bl_tk_expect(&h.kit, "POST", EXCHANGE_PATH));
    TK(bl_tk_answer(&h.kit, ok201));
    bl_moneykit_auth_t auth;
    bl_moneykit_auth_init(&auth, CLIENT_ID, CLIENT_SECRET);
    bl_moneykit_exchange_t ex;
    assert_int_equal(bl_moneykit_exchange_token(&h.client, &auth, EXCHANGEABLE, &ex), BL_OK);
    check_exchange(&ex);
    assert_string_equal(bl_moneykit_auth_token(&auth), ISSUED);
    assert_int_equal(auth.expires_in_s, 3600);
    assert_true(sent_contains(&h, "grant_type=client_credentials&client_id=test-client-id&client_secret=s3cr3t%2B%2F%3D%26value"));
    assert_true(sent_contains(&h, "Authorization: Bearer " ISSUED "\r\n"));
    assert_true(sent_contains(&h, "moneykit-version: 2023-02-18\r\n"));
    assert_true(sent_contains(&h, "{\"exchangeable_token\":\"" EXCHANGEABLE "\"}"));
    /* the same, decoded by the kit's request checks */
    bl_tk_request_t req;
    char v[64];
    harness_request(&h, 0, &req);
    assert_non_null(bl_tk_form(&req, "client_secret", v, sizeof v));
    assert_string_equal(v, CLIENT_SECRET);
    assert_non_null(bl_tk_form(&req, "grant_type", v, sizeof v));
    assert_string_equal(v, "client_credentials");
    harness_request(&h, 1, &req);
    assert_true(bl_tk_header_is(&req, "Authorization", "Bearer " ISSUED));
    assert_true(bl_tk_header_is(&req, "moneykit-version", "2023-02-18"));
    assert_non_null(bl_tk_json_string(&req, "exchangeable_token", v, sizeof v));
    assert_string_equal(v, EXCHANGEABLE);
    assert_false(contains(h.buf, sizeof h.buf, ISSUED));
    assert_false(contains(h.buf, sizeof h.buf, "s3cr3t"));
    assert_false(contains(h.buf, sizeof h.buf, EXCHANGEABLE));
    assert_int_equal(h.kit.connects, 1);
    harness_finished(&h);
}

static void exchange_every_split(void **state)
{
    (void)state;
    static harness_t h;
    size_t len = strlen(ok201);
    for (size_t cut = 1; cut < len; cut++) {
        harness_init(&h, 4096, 0);
        TK(bl_tk_expect(&h.kit, "POST", EXCHANGE_PATH));
        TK(bl_tk_answer_bytes(&h.kit, ok201, cut));
        TK(bl_tk_answer_bytes(&h.kit, ok201 + cut, len - cut));
        bl_moneykit_auth_t auth;
        bl_moneykit_auth_init(&auth, NULL, NULL);
        assert_int_equal(bl_moneykit_auth_set_token(&auth, "static-token"), BL_OK);
        bl_moneykit_exchange_t ex;
        assert_int_equal(bl_moneykit_exchange_token(&h.client, &auth, EXCHANGEABLE, &ex), BL_OK);
        check_exchange(&ex);
        harness_finished(&h);
    }
}

/* Sent, then the connection died before any answer: outcome unknown, and
 * the exchange went out exactly once. Same when it died mid-response, when
 * the server stayed silent past the deadline, and on a reset. */
static void exchange_outcome_unknown(void **state)
{
    (void)state;
    static harness_t h;
    for (int i = 0; i < 4; i++) {
        harness_init(&h, 4096, 3);
        TK(bl_tk_expect(&h.kit, "POST", EXCHANGE_PATH));
        switch (i) {
        case 0: /* lost before the answer */
            TK(bl_tk_close(&h.kit));
            break;
        case 1: /* lost mid-answer */
            TK(bl_tk_answer_bytes(&h.kit, ok201, 100));
            TK(bl_tk_close(&h.kit));
            break;
        case 2: /* timed out */
            TK(bl_tk_stall(&h.kit));
            break;
        default: /* reset */
            TK(bl_tk_reset_conn(&h.kit));
            break;
        }
        bl_moneykit_auth_t auth;
        bl_moneykit_auth_init(&auth, NULL, NULL);
        assert_int_equal(bl_moneykit_auth_set_token(&auth, "static-token"), BL_OK);
        bl_moneykit_exchange_t ex;
        assert_int_equal(bl_moneykit_exchange_token(&h.client, &auth, EXCHANGEABLE, &ex), BL_ERR_OUTCOME_UNKNOWN);
        assert_int_equal(count((const char *)h.kit.capture, h.kit.capture_len, "POST /link-session/exchange-token"), 1);
        assert_int_equal(h.kit.connects, 1);
        harness_finished(&h); /* and nothing after it: a retry would be off script */
    }
}

/* Refused before processing (503, 429 with Retry-After, failed connect):
 * retried. 502 and 504 could have been processed upstream: not retried. */
static void exchange_retry_rules(void **state)
{
    (void)state;
    static const char r503[] = "HTTP/1.1 503 Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n";
    static const char r502[] = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";
    static harness_t h;
    harness_init(&h, 4096, 2);
    TK(bl_tk_expect(&h.kit, "POST", EXCHANGE_PATH));
    TK(bl_tk_answer(&h.kit, r503));
    TK(bl_tk_expect(&h.kit, "POST", EXCHANGE_PATH));
    TK(bl_tk_answer(&h.kit, ok201));
    bl_moneykit_auth_t auth;
    bl_moneykit_auth_init(&auth, NULL, NULL);
    assert_int_equal(bl_moneykit_auth_set_token(&auth, "static-token"), BL_OK);
    bl_moneykit_exchange_t ex;
    assert_int_equal(bl_moneykit_exchange_token(&h.client, &auth, EXCHANGEABLE, &ex), BL_OK);
    assert_int_equal(count((const char *)h.kit.capture, h.kit.capture_len, "POST /link-session"), 2);
    assert_int_equal(h.kit.slept_ms, 1000);
    harness_finished(&h);

    harness_init(&h, 4096, 2);
    TK(bl_tk_expect(&h.kit, "POST", EXCHANGE_PATH));
    TK(bl_tk_answer(&h.kit, r502));
    assert_int_equal(bl_moneykit_exchange_token(&h.client, &auth, EXCHANGEABLE, &ex), BL_ERR_API);
    assert_int_equal(h.client.last.http_status, 502);
    assert_int_equal(count((const char *)h.kit.capture, h.kit.capture_len, "POST /link-session"), 1);
    harness_finished(&h);

    harness_init(&h, 4096, 2);
    TK(bl_tk_refuse(&h.kit, BL_ERR_CONNECT));
    TK(bl_tk_expect(&h.kit, "POST", EXCHANGE_PATH));
    TK(bl_tk_answer(&h.kit, ok201));
    assert_int_equal(bl_moneykit_exchange_token(&h.client, &auth, EXCHANGEABLE, &ex), BL_OK);
    assert_int_equal(h.client.last.attempts, 2);
    harness_finished(&h);
}

/* A send that failed part-way cannot have been processed: retried. */
static void exchange_partial_send_retried(void **state)
{
    (void)state;
    static harness_t h;
    bl_moneykit_auth_t auth;
    bl_moneykit_auth_init(&auth, NULL, NULL);
    assert_int_equal(bl_moneykit_auth_set_token(&auth, "static-token"), BL_OK);
    bl_moneykit_exchange_t ex;
    /* Cut after 40 bytes (written 16 at a time), then sent whole on a new
     * connection and answered. */
    harness_init(&h, 4096, 2);
    bl_tk_set_send_max(&h.kit, 16);
    TK(bl_tk_expect(&h.kit, "POST", EXCHANGE_PATH));
    TK(bl_tk_send_fails(&h.kit, 40, BL_IO_ERROR));
    TK(bl_tk_expect(&h.kit, "POST", EXCHANGE_PATH));
    TK(bl_tk_answer(&h.kit, ok201));
    assert_int_equal(bl_moneykit_exchange_token(&h.client, &auth, EXCHANGEABLE, &ex), BL_OK);
    assert_int_equal(h.client.last.attempts, 2);
    assert_int_equal(h.kit.connects, 2);
    assert_int_equal(bl_tk_request_count(&h.kit), 1);
    assert_int_equal(h.kit.bytes_sent, 40 + h.kit.capture_len);
    harness_finished(&h);
    /* Cut part-way on every attempt: each is retried (the server cannot
     * have acted on half a request), then the send error stands with the
     * transport's own code. */
    harness_init(&h, 4096, 2);
    bl_tk_set_send_max(&h.kit, 16);
    for (int i = 0; i < 3; i++) {
        TK(bl_tk_expect(&h.kit, "POST", EXCHANGE_PATH));
        TK(bl_tk_send_fails(&h.kit, 40, BL_IO_ERROR));
    }
    assert_int_equal(bl_moneykit_exchange_token(&h.client, &auth, EXCHANGEABLE, &ex), BL_ERR_SEND);
    assert_int_equal(h.client.last.attempts, 3);
    assert_int_equal(h.client.last.transport_code, BL_TK_RESET_CODE);
    assert_int_equal(h.kit.bytes_sent, 3 * 40);
    harness_finished(&h);
    /* The connection breaks before a byte leaves, every time: the same. */
    harness_init(&h, 4096, 2);
    for (int i = 0; i < 3; i++) {
        TK(bl_tk_connect(&h.kit));
        TK(bl_tk_reset_conn(&h.kit));
    }
    assert_int_equal(bl_moneykit_exchange_token(&h.client, &auth, EXCHANGEABLE, &ex), BL_ERR_SEND);
    assert_int_equal(h.client.last.attempts, 3);
    assert_int_equal(h.client.last.transport_code, BL_TK_RESET_CODE);
    assert_int_equal(h.kit.bytes_sent, 0);
    harness_finished(&h);
}

/* 401 expired token: renewed once and the exchange repeated. */
static void expired_token_renewed(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, 4096, 0);
    TK(bl_tk_expect(&h.kit, "POST", EXCHANGE_PATH));
    TK(bl_tk_answer(&h.kit, expired401));
    TK(bl_tk_expect(&h.kit, "POST", TOKEN_PATH));
    TK(bl_tk_answer(&h.kit, token201));
    TK(bl_tk_expect(&h.kit, "POST", EXCHANGE_PATH));
    TK(bl_tk_answer(&h.kit, ok201));
    bl_moneykit_auth_t auth;
    bl_moneykit_auth_init(&auth, CLIENT_ID, CLIENT_SECRET);
    assert_int_equal(bl_moneykit_auth_set_token(&auth, "old-token"), BL_OK);
    bl_moneykit_exchange_t ex;
    assert_int_equal(bl_moneykit_exchange_token(&h.client, &auth, EXCHANGEABLE, &ex), BL_OK);
    check_exchange(&ex);
    assert_true(sent_contains(&h, "Bearer old-token"));
    assert_true(sent_contains(&h, "Bearer " ISSUED));
    bl_tk_request_t req;
    harness_request(&h, 0, &req);
    assert_true(bl_tk_header_is(&req, "Authorization", "Bearer old-token"));
    harness_request(&h, 2, &req);
    assert_true(bl_tk_header_is(&req, "Authorization", "Bearer " ISSUED));
    harness_finished(&h);
}

/* Without credentials the 401 is the caller's to handle. */
static void expired_token_without_credentials(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, 4096, 0);
    TK(bl_tk_expect(&h.kit, "POST", EXCHANGE_PATH));
    TK(bl_tk_answer(&h.kit, expired401));
    bl_moneykit_auth_t auth;
    bl_moneykit_auth_init(&auth, NULL, NULL);
    assert_int_equal(bl_moneykit_auth_set_token(&auth, "old-token"), BL_OK);
    bl_moneykit_exchange_t ex;
    assert_int_equal(bl_moneykit_exchange_token(&h.client, &auth, EXCHANGEABLE, &ex), BL_ERR_API);
    assert_int_equal(h.client.last.http_status, 401);
    assert_string_equal(h.client.last.api_code.ptr, "api_error.auth.expired_access_token");
    assert_string_equal(h.client.last.api_doc_url.ptr, "https://docs.example/errors");
    harness_finished(&h); /* no token request */
}

/* A token about to expire is renewed before the call. */
static void token_renewed_before_expiry(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, 4096, 0);
    for (int i = 0; i < 2; i++) {
        TK(bl_tk_expect(&h.kit, "POST", TOKEN_PATH));
        TK(bl_tk_answer(&h.kit, token201));
        TK(bl_tk_expect(&h.kit, "POST", EXCHANGE_PATH));
        TK(bl_tk_answer(&h.kit, ok201));
    }
    bl_moneykit_auth_t auth;
    bl_moneykit_auth_init(&auth, CLIENT_ID, CLIENT_SECRET);
    bl_moneykit_exchange_t ex;
    assert_int_equal(bl_moneykit_exchange_token(&h.client, &auth, EXCHANGEABLE, &ex), BL_OK);
    bl_tk_advance(&h.kit, (3600 - 30) * 1000u); /* inside the renewal margin */
    assert_int_equal(bl_moneykit_exchange_token(&h.client, &auth, EXCHANGEABLE, &ex), BL_OK);
    assert_int_equal(count((const char *)h.kit.capture, h.kit.capture_len, "POST /auth/token"), 2);
    harness_finished(&h);
}

static void no_token_no_credentials(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, 4096, 0);
    bl_moneykit_auth_t auth;
    bl_moneykit_auth_init(&auth, NULL, NULL);
    bl_moneykit_exchange_t ex;
    assert_int_equal(bl_moneykit_exchange_token(&h.client, &auth, EXCHANGEABLE, &ex), BL_ERR_NO_TOKEN);
    assert_int_equal(h.kit.connects, 0);
    assert_int_equal(bl_moneykit_auth_set_token(&auth, "bad\r\ntoken"), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_moneykit_exchange_token(&h.client, &auth, "tok\nen", &ex), BL_ERR_INVALID_ARG);
    bl_moneykit_auth_init(&auth, "id\r", "secret");
    assert_int_equal(bl_moneykit_fetch_token(&h.client, &auth), BL_ERR_INVALID_ARG);
    assert_int_equal(h.kit.bytes_sent, 0);
    harness_finished(&h);
}

/* -v never sees a secret: a log hook that keeps everything it is given. */
typedef struct {
    char text[16384];
    size_t len;
} logbuf_t;

static void keep_log(void *ctx, bl_log_kind_t kind, const char *text, size_t len)
{
    logbuf_t *l = ctx;
    (void)kind;
    if (l->len + len < sizeof l->text) {
        memcpy(l->text + l->len, text, len);
        l->len += len;
    }
}

static void log_redacts_secrets(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, 4096, 0);
    static logbuf_t log;
    memset(&log, 0, sizeof log);
    h.client.cfg.log = keep_log;
    h.client.cfg.log_ctx = &log;
    TK(bl_tk_expect(&h.kit, "POST", TOKEN_PATH));
    TK(bl_tk_answer(&h.kit, token201));
    TK(bl_tk_expect(&h.kit, "POST", EXCHANGE_PATH));
    TK(bl_tk_answer(&h.kit, ok201));
    bl_moneykit_auth_t auth;
    bl_moneykit_auth_init(&auth, CLIENT_ID, CLIENT_SECRET);
    bl_moneykit_exchange_t ex;
    assert_int_equal(bl_moneykit_exchange_token(&h.client, &auth, EXCHANGEABLE, &ex), BL_OK);
    assert_true(contains(log.text, log.len, "POST /link-session/exchange-token"));
    assert_true(contains(log.text, log.len, "[REDACTED]"));
    assert_true(contains(log.text, log.len, "HTTP/1.1 201 Created"));
    assert_false(contains(log.text, log.len, ISSUED));
    assert_false(contains(log.text, log.len, "s3cr3t"));
    assert_false(contains(log.text, log.len, EXCHANGEABLE));
    harness_finished(&h);
}

int main(void)
{
    build();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token_then_exchange),
        cmocka_unit_test(exchange_every_split),
        cmocka_unit_test(exchange_outcome_unknown),
        cmocka_unit_test(exchange_retry_rules),
        cmocka_unit_test(exchange_partial_send_retried),
        cmocka_unit_test(expired_token_renewed),
        cmocka_unit_test(expired_token_without_credentials),
        cmocka_unit_test(token_renewed_before_expiry),
        cmocka_unit_test(no_token_no_credentials),
        cmocka_unit_test(log_redacts_secrets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
