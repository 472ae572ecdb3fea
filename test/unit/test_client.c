/*
 * Client behaviour against a scripted server (the test kit): responses
 * split at every byte boundary, retries and back-off, outcome unknown,
 * keep-alive, secrets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "harness.h"

#define API_KEY "test-heron-key-SECRET"
#define ACCESS_TOKEN "access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6"
#define ITEM "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op"
#define PUT_PATH "/api/integration_links/" ITEM

static const char heron_body[] =
    "{\"integration_link\":{\"created\":\"2020-01-01T00:00:00Z\","
    "\"item_id\":\"M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op\",\"last_successful_sync\":\"2020-01-01T00:00:00Z\","
    "\"last_updated\":\"2020-01-01T00:00:00Z\",\"status\":\"active\",\"status_message\":\"[ITEM_LOGIN_REQUIRED] "
    "the login details of this item have changed\",\"type\":\"plaid_assets_report\",\"extra\":{\"a\":[1,2,{\"b\":null}]}}}";

static char heron_ok[1024];
static size_t heron_ok_len;

static void build_heron_ok(void)
{
    heron_ok_len = (size_t)snprintf(heron_ok, sizeof heron_ok,
                                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                                    strlen(heron_body), heron_body);
}

static void check_heron_link(const bl_heron_link_t *link)
{
    assert_int_equal(link->item_id.presence, BL_PRESENT);
    assert_string_equal(link->item_id.ptr, ITEM);
    assert_int_equal(link->status, BL_HERON_LINK_ACTIVE);
    assert_string_equal(link->status_raw.ptr, "active");
    assert_string_equal(link->type.ptr, "plaid_assets_report");
    assert_int_equal(link->created.presence, BL_PRESENT);
    assert_int_equal(link->created.unix_s, 1577836800);
    assert_int_equal(link->last_updated.unix_s, 1577836800);
}

static bl_status_t run_heron(harness_t *h, bl_heron_link_t *link)
{
    return bl_heron_update_link(&h->client, API_KEY, ITEM, ACCESS_TOKEN, link);
}

/* The request on the wire is exactly what Heron documents. */
static void heron_request_bytes(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, 4096, 0);
    TK(bl_tk_expect(&h.kit, "PUT", PUT_PATH));
    TK(bl_tk_answer_bytes(&h.kit, heron_ok, heron_ok_len));
    bl_heron_link_t link;
    assert_int_equal(run_heron(&h, &link), BL_OK);
    const char *body = "{\"end_user\":{\"access_token\":\"" ACCESS_TOKEN "\"}}";
    char expect[1024];
    int n = snprintf(expect, sizeof expect,
                     "PUT /api/integration_links/" ITEM " HTTP/1.1\r\nHost: api.example.test\r\n"
                     "User-Agent: banklink/" BL_VERSION_STRING "\r\nAccept: application/json\r\n"
                     "x-api-key: " API_KEY "\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     strlen(body), body);
    assert_int_equal(h.kit.capture_len, (size_t)n);
    assert_memory_equal(h.kit.capture, expect, (size_t)n);
    assert_int_equal(h.kit.sends, 1); /* one write per request */
    /* the same, through the kit's request checks */
    bl_tk_request_t req;
    harness_request(&h, 0, &req);
    assert_true(bl_tk_header_is(&req, "x-api-key", API_KEY));
    assert_true(bl_tk_header_is(&req, "Host", "api.example.test"));
    char tok[128];
    assert_non_null(bl_tk_json_string(&req, "end_user.access_token", tok, sizeof tok));
    assert_string_equal(tok, ACCESS_TOKEN);
    assert_int_equal(bl_tk_json_members(&req, ""), 1);
    harness_finished(&h);
    check_heron_link(&link);
}

/* Every split point of the response, and one byte at a time. */
static void heron_every_split(void **state)
{
    (void)state;
    static harness_t h;
    for (size_t cut = 1; cut < heron_ok_len; cut++) {
        harness_init(&h, 4096, 0);
        TK(bl_tk_expect(&h.kit, "PUT", PUT_PATH));
        TK(bl_tk_answer_bytes(&h.kit, heron_ok, cut));
        TK(bl_tk_answer_bytes(&h.kit, heron_ok + cut, heron_ok_len - cut));
        bl_heron_link_t link;
        assert_int_equal(run_heron(&h, &link), BL_OK);
        check_heron_link(&link);
        harness_finished(&h);
    }
    harness_init(&h, 4096, 0);
    TK(bl_tk_expect(&h.kit, "PUT", PUT_PATH));
    harness_answer(&h, heron_ok, heron_ok_len, 1);
    bl_heron_link_t link;
    assert_int_equal(run_heron(&h, &link), BL_OK);
    check_heron_link(&link);
    harness_finished(&h);
}

/* Chunked with extensions and trailers, after a 100 and a 103, fed in
 * pieces of every size from 1 to 17. */
static void heron_chunked_interim(void **state)
{
    (void)state;
    char resp[2048];
    size_t half = strlen(heron_body) / 2;
    int n = snprintf(resp, sizeof resp,
                     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
                     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "%zx;ext=1\r\n%.*s\r\n%zX\r\n%s\r\n0\r\nX-Trailer: yes\r\n\r\n",
                     half, (int)half, heron_body, strlen(heron_body) - half, heron_body + half);
    static harness_t h;
    for (size_t piece = 1; piece <= 17; piece++) {
        harness_init(&h, 4096, 0);
        TK(bl_tk_expect(&h.kit, "PUT", PUT_PATH));
        harness_answer(&h, resp, (size_t)n, piece);
        bl_heron_link_t link;
        assert_int_equal(run_heron(&h, &link), BL_OK);
        check_heron_link(&link);
        assert_true(h.client.connected); /* chunked framing keeps the connection */
        harness_finished(&h);
    }
}

/* A response and the start of another in one read: the extra bytes are not
 * body, and the connection is not trusted afterwards. */
static void response_with_trailing_bytes(void **state)
{
    (void)state;
    char both[2048];
    memcpy(both, heron_ok, heron_ok_len);
    memcpy(both + heron_ok_len, "HTTP/1.1 200 OK\r\n", 17);
    static harness_t h;
    harness_init(&h, 4096, 0);
    TK(bl_tk_expect(&h.kit, "PUT", PUT_PATH));
    TK(bl_tk_answer_bytes(&h.kit, both, heron_ok_len + 17));
    bl_heron_link_t link;
    assert_int_equal(run_heron(&h, &link), BL_OK);
    check_heron_link(&link);
    assert_false(h.client.connected);
    assert_int_equal(h.kit.closes, 1);
    harness_finished(&h);
}

static void secrets_wiped_and_redacted_buf(harness_t *h)
{
    assert_false(contains(h->buf, sizeof h->buf, API_KEY));
    assert_false(contains(h->buf, sizeof h->buf, ACCESS_TOKEN));
}

static void secrets_wiped(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, 4096, 0);
    TK(bl_tk_expect(&h.kit, "PUT", PUT_PATH));
    TK(bl_tk_answer_bytes(&h.kit, heron_ok, heron_ok_len));
    bl_heron_link_t link;
    assert_int_equal(run_heron(&h, &link), BL_OK);
    assert_true(sent_contains(&h, API_KEY));
    secrets_wiped_and_redacted_buf(&h);
    harness_finished(&h);

    /* and after a failure */
    harness_init(&h, 4096, 0);
    TK(bl_tk_expect(&h.kit, "PUT", PUT_PATH));
    TK(bl_tk_reset_conn(&h.kit));
    assert_int_equal(run_heron(&h, &link), BL_ERR_RECV);
    assert_int_equal(h.client.last.transport_code, BL_TK_RESET_CODE);
    secrets_wiped_and_redacted_buf(&h);
    harness_finished(&h);
}

/* Refused input: nothing connects, nothing is sent. */
static void refused_input_sends_nothing(void **state)
{
    (void)state;
    static harness_t h;
    const char *bad[] = {"", "a\rb", "a\nb", "a\tb", "a\x01" "b", "a\x7f" "b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        for (int which = 0; which < 3; which++) {
            harness_init(&h, 4096, 2);
            bl_heron_link_t link;
            bl_status_t st = bl_heron_update_link(&h.client, which == 0 ? bad[i] : API_KEY,
                                                  which == 1 ? bad[i] : ITEM, which == 2 ? bad[i] : ACCESS_TOKEN, &link);
            assert_int_equal(st, BL_ERR_INVALID_ARG);
            assert_int_equal(h.kit.connects, 0);
            assert_int_equal(h.kit.bytes_sent, 0);
            harness_finished(&h); /* the empty script: nothing was tried */
        }
    }
    /* not UTF-8 */
    harness_init(&h, 4096, 2);
    bl_heron_link_t link;
    assert_int_equal(bl_heron_update_link(&h.client, API_KEY, ITEM, "tok\xff\xfe", &link), BL_ERR_INVALID_ARG);
    assert_int_equal(h.kit.bytes_sent, 0);
    harness_finished(&h);
}

static void path_segment_encoded(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, 4096, 0);
    TK(bl_tk_expect(&h.kit, "PUT", "/api/integration_links/{item_id}"));
    TK(bl_tk_answer_bytes(&h.kit, heron_ok, heron_ok_len));
    bl_heron_link_t link;
    static const char item[] = "a/b c?d%e\xc3\xa9~_.-";
    assert_int_equal(bl_heron_update_link(&h.client, API_KEY, item, ACCESS_TOKEN, &link), BL_OK);
    assert_true(sent_contains(&h, "PUT /api/integration_links/a%2Fb%20c%3Fd%25e%C3%A9~_.- HTTP/1.1\r\n"));
    /* one segment, which decodes back to the caller's value */
    bl_tk_request_t req;
    harness_request(&h, 0, &req);
    assert_int_equal(bl_tk_segment_count(&req), 3);
    char seg[64];
    assert_non_null(bl_tk_segment(&req, 2, seg, sizeof seg));
    assert_string_equal(seg, item);
    harness_finished(&h);
}

static void request_too_large(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, 256, 0);
    char big[400];
    memset(big, 'k', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    bl_heron_link_t link;
    assert_int_equal(bl_heron_update_link(&h.client, big, ITEM, ACCESS_TOKEN, &link), BL_ERR_REQUEST_TOO_LARGE);
    assert_true(h.client.last.needed_size > 400);
    assert_int_equal(h.kit.connects, 0);
    assert_int_equal(h.kit.bytes_sent, 0);
    assert_false(contains(h.buf, 256, "kkkkkkkk"));
    harness_finished(&h);
}

static void response_too_large(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, 512, 0);
    static char big[2048];
    char pad[700];
    memset(pad, 'x', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    char body[1200];
    int bn = snprintf(body, sizeof body, "{\"integration_link\":{\"status_message\":\"%s\"}}", pad);
    int n = snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", bn, body);
    TK(bl_tk_expect(&h.kit, "PUT", PUT_PATH));
    TK(bl_tk_answer_bytes(&h.kit, big, (size_t)n));
    bl_heron_link_t link;
    assert_int_equal(run_heron(&h, &link), BL_ERR_RESPONSE_TOO_LARGE);
    assert_int_equal(h.client.last.needed_size, (size_t)bn + 1);
    assert_false(h.client.connected);
    assert_int_equal(h.kit.skipped, 1); /* hung up on the rest of the answer */
    harness_finished(&h);
}

/* 503 with Retry-After: 2, then success: slept 2 s, two requests. */
static void put_retried_after_503(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, 4096, 2);
    static const char r503[] = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 2\r\nContent-Length: 0\r\n\r\n";
    TK(bl_tk_expect(&h.kit, "PUT", PUT_PATH));
    TK(bl_tk_answer(&h.kit, r503));
    TK(bl_tk_expect(&h.kit, "PUT", PUT_PATH));
    TK(bl_tk_answer_bytes(&h.kit, heron_ok, heron_ok_len));
    bl_heron_link_t link;
    assert_int_equal(run_heron(&h, &link), BL_OK);
    assert_int_equal(h.client.last.attempts, 2);
    assert_int_equal(h.kit.slept_ms, 2000);
    assert_int_equal(h.kit.connects, 1); /* kept alive across the retry */
    assert_int_equal(bl_tk_request_count(&h.kit), 2);
    harness_finished(&h);
    check_heron_link(&link);
}

/* Connection dropped after the request went out: PUT is retried. */
static void put_retried_after_lost_response(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, 4096, 2);
    TK(bl_tk_expect(&h.kit, "PUT", PUT_PATH));
    TK(bl_tk_close(&h.kit));
    TK(bl_tk_connect(&h.kit));
    TK(bl_tk_expect(&h.kit, "PUT", PUT_PATH));
    TK(bl_tk_answer_bytes(&h.kit, heron_ok, heron_ok_len));
    bl_heron_link_t link;
    assert_int_equal(run_heron(&h, &link), BL_OK);
    assert_int_equal(h.kit.connects, 2);
    assert_true(h.kit.slept_ms > 0); /* backed off */
    harness_finished(&h);
}

static void rate_limited_past_deadline(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, 4096, 3);
    static const char r429[] =
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 120\r\nx-ratelimit-limit: 100\r\n"
        "x-ratelimit-remaining: 0\r\nx-ratelimit-reset: 120\r\nContent-Length: 71\r\n\r\n"
        "{\"code\": 429, \"description\": \"Too many requests\", \"name\": \"Too Many\"}  ";
    TK(bl_tk_expect(&h.kit, "PUT", PUT_PATH));
    TK(bl_tk_answer(&h.kit, r429));
    bl_heron_link_t link;
    assert_int_equal(run_heron(&h, &link), BL_ERR_RATE_LIMITED);
    assert_int_equal(h.client.last.attempts, 1); /* 120 s does not fit a 15 s deadline */
    assert_int_equal(h.client.last.http_status, 429);
    assert_int_equal(h.client.last.retry_after_ms, 120000);
    assert_int_equal(h.client.last.ratelimit_limit, 100);
    assert_int_equal(h.client.last.ratelimit_remaining, 0);
    assert_int_equal(h.client.last.ratelimit_reset_s, 120);
    assert_string_equal(h.client.last.api_code.ptr, "429");
    assert_string_equal(h.client.last.api_message.ptr, "Too many requests");
    assert_int_equal(bl_client_wait_ms(&h.client), 120000);
    assert_int_equal(h.kit.slept_ms, 0);
    harness_finished(&h);
}

static void heron_api_error(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, 4096, 2);
    static const char r404[] =
        "HTTP/1.1 404 NOT FOUND\r\nContent-Length: 76\r\n\r\n"
        "{\"code\": 404, \"description\": \"Integration link not found\", \"name\": \"Not Found\"}";
    static char fixed[256];
    /* compute the real length instead of trusting the literal */
    const char *body = strstr(r404, "\r\n\r\n") + 4;
    int n = snprintf(fixed, sizeof fixed, "HTTP/1.1 404 NOT FOUND\r\nContent-Length: %zu\r\n\r\n%s", strlen(body), body);
    TK(bl_tk_expect(&h.kit, "PUT", PUT_PATH));
    TK(bl_tk_answer_bytes(&h.kit, fixed, (size_t)n));
    bl_heron_link_t link;
    assert_int_equal(run_heron(&h, &link), BL_ERR_API);
    assert_int_equal(h.client.last.http_status, 404);
    assert_string_equal(h.client.last.api_code.ptr, "404");
    assert_string_equal(h.client.last.api_name.ptr, "Not Found");
    assert_string_equal(h.client.last.api_message.ptr, "Integration link not found");
    assert_int_equal(h.client.last.attempts, 1);
    harness_finished(&h);
}

/* Keep-alive: two calls, one connection; an idle-closed one is replaced,
 * whether the server closed it (the client's idle probe reads the close)
 * or it is simply gone (the next exchange is on a new connection). */
static void keep_alive_and_idle_close(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, 4096, 0);
    TK(bl_tk_expect(&h.kit, "PUT", PUT_PATH));
    TK(bl_tk_answer_bytes(&h.kit, heron_ok, heron_ok_len));
    TK(bl_tk_expect(&h.kit, "PUT", PUT_PATH));
    TK(bl_tk_answer_bytes(&h.kit, heron_ok, heron_ok_len));
    TK(bl_tk_close(&h.kit)); /* closed while idle */
    TK(bl_tk_expect(&h.kit, "PUT", PUT_PATH));
    TK(bl_tk_answer_bytes(&h.kit, heron_ok, heron_ok_len));
    TK(bl_tk_connect(&h.kit)); /* gone while idle */
    TK(bl_tk_expect(&h.kit, "PUT", PUT_PATH));
    TK(bl_tk_answer_bytes(&h.kit, heron_ok, heron_ok_len));
    bl_heron_link_t link;
    assert_int_equal(run_heron(&h, &link), BL_OK);
    assert_int_equal(run_heron(&h, &link), BL_OK);
    assert_int_equal(h.kit.connects, 1);
    assert_int_equal(run_heron(&h, &link), BL_OK);
    assert_int_equal(h.kit.connects, 2);
    assert_int_equal(run_heron(&h, &link), BL_OK);
    assert_int_equal(h.kit.connects, 3);
    assert_int_equal(h.kit.sends, 4); /* no request was lost on a dead connection */
    check_heron_link(&link);
    harness_finished(&h);
}

static void deadline_on_silent_server(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, 4096, 2);
    TK(bl_tk_expect(&h.kit, "PUT", PUT_PATH));
    TK(bl_tk_stall(&h.kit));
    bl_heron_link_t link;
    assert_int_equal(run_heron(&h, &link), BL_ERR_TIMEOUT);
    assert_true(bl_tk_now(&h.kit) - BL_TK_START_MS <= h.client.cfg.timeout_ms);
    assert_int_equal(h.client.last.attempts, 1); /* the deadline is spent: no retry */
    harness_finished(&h);
}

static void connect_failure_retried(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, 4096, 2);
    for (int i = 0; i < 3; i++) {
        TK(bl_tk_refuse(&h.kit, BL_ERR_CONNECT));
    }
    bl_heron_link_t link;
    assert_int_equal(run_heron(&h, &link), BL_ERR_CONNECT);
    assert_int_equal(h.client.last.attempts, 3);
    assert_int_equal(h.kit.refused, 3);
    assert_int_equal(h.kit.bytes_sent, 0);
    harness_finished(&h); /* exactly three connects were tried */
}

int main(void)
{
    build_heron_ok();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(heron_request_bytes),
        cmocka_unit_test(heron_every_split),
        cmocka_unit_test(heron_chunked_interim),
        cmocka_unit_test(response_with_trailing_bytes),
        cmocka_unit_test(secrets_wiped),
        cmocka_unit_test(refused_input_sends_nothing),
        cmocka_unit_test(path_segment_encoded),
        cmocka_unit_test(request_too_large),
        cmocka_unit_test(response_too_large),
        cmocka_unit_test(put_retried_after_503),
        cmocka_unit_test(put_retried_after_lost_response),
        cmocka_unit_test(rate_limited_past_deadline),
        cmocka_unit_test(heron_api_error),
        cmocka_unit_test(keep_alive_and_idle_close),
        cmocka_unit_test(deadline_on_silent_server),
        cmocka_unit_test(connect_failure_retried),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
