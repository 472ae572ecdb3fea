/*
 * The kit itself: each step kind, the fake clock, mismatches and the
 * report, the script text, and the request checks, driven through real
 * banklink calls (the kit's transport under an ordinary bl_client_t).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bl_testkit.h"

#define API_KEY "test-heron-key"
#define ITEM "item 1/ü"
#define TOKEN "access-sandbox-1"

static const char heron_ok[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 95\r\n\r\n"
    "{\"integration_link\":{\"item_id\":\"item 1/\\u00fc\",\"status\":\"active\",\"type\":\"plaid_assets_report\"}}";
static const char heron_401[] =
    "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 69\r\n\r\n"
    "{\"code\":401,\"description\":\"API key is invalid\",\"name\":\"Unauthorized\"}";
static const char r429[] = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 0\r\n\r\n";

/* Everything one test needs; static, the kit is ~30 KiB. */
typedef struct fixture {
    bl_testkit_t kit;
    uint8_t buf[4096];
    bl_json_token_t tokens[256];
    bl_client_t client;
} fixture_t;

static fixture_t f;

static void setup_client(uint32_t retries, uint32_t timeout_ms)
{
    bl_client_config_t cfg;
    memset(&f, 0, sizeof f);
    assert_int_equal(bl_tk_init(&f.kit), BL_OK);
    bl_tk_client_config(&f.kit, &cfg);
    cfg.buf = f.buf;
    cfg.buf_size = sizeof f.buf;
    cfg.tokens = f.tokens;
    cfg.token_count = 256;
    cfg.max_retries = retries;
    cfg.timeout_ms = timeout_ms;
    assert_int_equal(bl_client_init(&f.client, &cfg), BL_OK);
}

static bl_status_t update(void)
{
    bl_heron_link_t link;
    return bl_heron_update_link(&f.client, API_KEY, ITEM, TOKEN, &link);
}

static void init_checks_size(void **state)
{
    bl_testkit_t *kit = &f.kit;
    (void)state;
    assert_int_equal(bl_tk_init_sized(kit, sizeof *kit - 1u), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_tk_init_sized(NULL, sizeof *kit), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_tk_init(kit), BL_OK);
    assert_int_equal(bl_tk_now(kit), BL_TK_START_MS);
    assert_true(bl_tk_finished(kit)); /* an empty script is played */
    assert_string_equal(bl_tk_report(kit), "ok");
    /* clear: a new script and counters, the clock keeps going */
    assert_int_equal(bl_tk_stall(kit), BL_OK);
    bl_tk_advance(kit, 500);
    assert_false(bl_tk_finished(kit));
    bl_tk_clear(kit);
    assert_int_equal(kit->step_count, 0);
    assert_true(bl_tk_finished(kit));
    assert_int_equal(bl_tk_now(kit), BL_TK_START_MS + 500u);
    assert_ptr_equal(kit->transport.ctx, kit);
}

/* A user's whole test: one call, its request checked field by field. */
static void request_checks(void **state)
{
    bl_heron_link_t link;
    bl_tk_request_t req;
    char v[96];
    (void)state;
    setup_client(0, 5000);
    assert_int_equal(bl_tk_expect(&f.kit, "PUT", "/api/integration_links/{item_id}"), BL_OK);
    assert_int_equal(bl_tk_answer(&f.kit, heron_ok), BL_OK);
    assert_int_equal(bl_heron_update_link(&f.client, API_KEY, ITEM, TOKEN, &link), BL_OK);
    assert_string_equal(link.item_id.ptr, ITEM);
    assert_true(bl_tk_finished(&f.kit));
    assert_int_equal(bl_tk_request_count(&f.kit), 1);
    assert_true(bl_tk_get_request(&f.kit, 0, &req));
    assert_true(bl_tk_method_is(&req, "PUT"));
    assert_false(bl_tk_method_is(&req, "PU"));
    assert_true(bl_tk_path_is(&req, "/api/integration_links/item%201%2F%C3%BC"));
    assert_true(bl_tk_path_is(&req, "/api/integration_links/*"));
    assert_false(bl_tk_path_is(&req, "/api/integration_links"));
    assert_false(bl_tk_path_is(&req, "/api/integration_links/item 2"));
    assert_int_equal(bl_tk_segment_count(&req), 3);
    assert_string_equal(bl_tk_segment(&req, 2, v, sizeof v), ITEM);
    assert_null(bl_tk_segment(&req, 3, v, sizeof v));
    assert_null(bl_tk_segment(&req, 2, v, 4)); /* does not fit: NULL, not cut */
    assert_true(bl_tk_header_is(&req, "X-API-KEY", API_KEY));
    assert_string_equal(bl_tk_header(&req, "content-type", v, sizeof v), "application/json");
    assert_null(bl_tk_header(&req, "authorization", v, sizeof v));
    assert_string_equal(bl_tk_json_string(&req, "end_user.access_token", v, sizeof v), TOKEN);
    assert_null(bl_tk_json_string(&req, "end_user", v, sizeof v)); /* an object, not a string */
    assert_null(bl_tk_json_string(&req, "end_user.", v, sizeof v));
    assert_int_equal(bl_tk_json_presence(&req, "end_user.access_token"), BL_PRESENT);
    assert_int_equal(bl_tk_json_presence(&req, "end_user.name"), BL_ABSENT);
    assert_int_equal(bl_tk_json_members(&req, ""), 1);
    assert_int_equal(bl_tk_json_members(&req, "end_user"), 1);
    assert_null(bl_tk_query(&req, "x", v, sizeof v));
}

/* Split at every size from 1 byte up: the same decoded link each time. */
static void split_answers(void **state)
{
    uint16_t size;
    (void)state;
    for (size = 1; size < 40; size++) {
        const uint16_t pieces[] = {3, size};
        setup_client(0, 5000);
        assert_int_equal(bl_tk_expect(&f.kit, "PUT", NULL), BL_OK);
        assert_int_equal(bl_tk_answer(&f.kit, heron_ok), BL_OK);
        assert_int_equal(bl_tk_split(&f.kit, pieces, 2), BL_OK);
        assert_int_equal(update(), BL_OK);
        assert_true(bl_tk_finished(&f.kit));
    }
    assert_int_equal(bl_tk_split(&f.kit, (const uint16_t[]){0}, 1), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_tk_expect(&f.kit, "GET", NULL), BL_OK);
    assert_int_equal(bl_tk_split(&f.kit, (const uint16_t[]){1}, 1), BL_ERR_INVALID_ARG); /* not an answer */
}

/* A stall uses up the deadline on the fake clock at once; the retry wins. */
static void stall_then_retry(void **state)
{
    uint32_t t0;
    (void)state;
    setup_client(1, 4000);
    t0 = bl_tk_now(&f.kit);
    assert_int_equal(bl_tk_expect(&f.kit, "PUT", NULL), BL_OK);
    assert_int_equal(bl_tk_stall(&f.kit), BL_OK);
    assert_int_equal(update(), BL_ERR_TIMEOUT);
    assert_true(bl_tk_now(&f.kit) - t0 >= 4000u);
    assert_true(bl_tk_finished(&f.kit));

    /* The stall used the whole deadline: no time is left for a retry. */
    setup_client(2, 60000);
    assert_int_equal(bl_tk_expect(&f.kit, "PUT", NULL), BL_OK);
    assert_int_equal(bl_tk_stall(&f.kit), BL_OK);
    assert_int_equal(update(), BL_ERR_TIMEOUT);
    assert_int_equal(f.client.last.attempts, 1);

    /* A slow server inside the deadline: the clock moves, the call succeeds. */
    setup_client(0, 4000);
    t0 = bl_tk_now(&f.kit);
    assert_int_equal(bl_tk_expect(&f.kit, "PUT", NULL), BL_OK);
    assert_int_equal(bl_tk_wait(&f.kit, 3000), BL_OK);
    assert_int_equal(bl_tk_answer(&f.kit, heron_ok), BL_OK);
    assert_int_equal(update(), BL_OK);
    assert_int_equal(bl_tk_now(&f.kit) - t0, 3000);
    assert_true(bl_tk_finished(&f.kit));
}

/* Retry-After: the client sleeps on the fake clock, exactly as long. */
static void retry_after_sleeps(void **state)
{
    (void)state;
    setup_client(1, 60000);
    assert_int_equal(bl_tk_expect(&f.kit, "PUT", NULL), BL_OK);
    assert_int_equal(bl_tk_answer(&f.kit, r429), BL_OK);
    assert_int_equal(bl_tk_expect(&f.kit, "PUT", NULL), BL_OK);
    assert_int_equal(bl_tk_answer(&f.kit, heron_ok), BL_OK);
    assert_int_equal(update(), BL_OK);
    assert_int_equal(f.kit.slept_ms, 7000);
    assert_int_equal(f.kit.sleeps, 1);
    assert_true(bl_tk_finished(&f.kit));

    setup_client(0, 60000); /* no retry left: the wait is reported */
    assert_int_equal(bl_tk_expect(&f.kit, "PUT", NULL), BL_OK);
    assert_int_equal(bl_tk_answer(&f.kit, r429), BL_OK);
    assert_int_equal(update(), BL_ERR_RATE_LIMITED);
    assert_int_equal(f.client.last.retry_after_ms, 7000);
    assert_int_equal(bl_client_wait_ms(&f.client), 7000);
    bl_tk_advance(&f.kit, 7000);
    assert_int_equal(bl_client_wait_ms(&f.client), 0);
}

/* refuse, reset, close: the statuses a user's code must handle. */
static void connection_failures(void **state)
{
    (void)state;
    setup_client(0, 5000);
    assert_int_equal(bl_tk_refuse(&f.kit, BL_ERR_RESOLVE), BL_OK);
    assert_int_equal(update(), BL_ERR_RESOLVE);
    assert_int_equal(f.kit.refused, 1);
    assert_int_equal(f.kit.bytes_sent, 0);
    assert_true(bl_tk_finished(&f.kit));
    assert_int_equal(bl_tk_refuse(&f.kit, BL_OK), BL_ERR_INVALID_ARG);

    setup_client(0, 5000);
    assert_int_equal(bl_tk_refuse(&f.kit, BL_ERR_TIMEOUT), BL_OK);
    assert_int_equal(update(), BL_ERR_TIMEOUT);
    assert_true(bl_tk_now(&f.kit) >= BL_TK_START_MS + 5000u);

    setup_client(0, 5000);
    assert_int_equal(bl_tk_expect(&f.kit, "PUT", NULL), BL_OK);
    assert_int_equal(bl_tk_reset_conn(&f.kit), BL_OK);
    assert_int_equal(update(), BL_ERR_RECV);
    assert_int_equal(f.client.last.transport_code, BL_TK_RESET_CODE);
    assert_true(bl_tk_finished(&f.kit));

    /* A request that went out and got no answer: outcome unknown for a
     * call that is not idempotent. */
    {
        static const char token_ok[] = "HTTP/1.1 201 Created\r\nContent-Length: 62\r\n\r\n"
                                       "{\"access_token\":\"tok\",\"token_type\":\"bearer\",\"expires_in\":3600}";
        bl_moneykit_auth_t auth;
        bl_moneykit_exchange_t ex;
        bl_status_t st;
        setup_client(2, 5000);
        bl_moneykit_auth_init(&auth, "id", "secret");
        assert_int_equal(bl_tk_expect(&f.kit, "POST", "/auth/token"), BL_OK);
        assert_int_equal(bl_tk_answer(&f.kit, token_ok), BL_OK);
        assert_int_equal(bl_tk_expect(&f.kit, "POST", "/link-session/exchange-token"), BL_OK);
        assert_int_equal(bl_tk_close(&f.kit), BL_OK);
        st = bl_moneykit_exchange_token(&f.client, &auth, "ex-1", &ex);
        if (st != BL_ERR_OUTCOME_UNKNOWN) {
            fail_msg("%s: %s", bl_status_str(st), bl_tk_report(&f.kit));
        }
        assert_int_equal(f.client.last.attempts, 1);
        assert_true(bl_tk_finished(&f.kit));
    }
}

/* A send that fails before the request is out is safe to retry. */
static void send_failures(void **state)
{
    bl_tk_request_t req;
    (void)state;
    setup_client(1, 5000);
    bl_tk_set_send_max(&f.kit, 7); /* every request goes out in 7-byte writes */
    assert_int_equal(bl_tk_expect(&f.kit, "PUT", NULL), BL_OK);
    assert_int_equal(bl_tk_send_fails(&f.kit, 20, BL_IO_ERROR), BL_OK);
    assert_int_equal(bl_tk_expect(&f.kit, "PUT", NULL), BL_OK); /* the retry */
    assert_int_equal(bl_tk_answer(&f.kit, heron_ok), BL_OK);
    assert_int_equal(update(), BL_OK);
    assert_int_equal(f.client.last.attempts, 2);
    assert_int_equal(bl_tk_request_count(&f.kit), 1); /* the cut one is not kept */
    assert_true(f.kit.bytes_sent > 20u + f.kit.requests[0].len - 1u);
    assert_true(f.kit.sends > f.kit.requests[0].len / 7u);
    assert_true(bl_tk_get_request(&f.kit, 0, &req));
    assert_true(bl_tk_method_is(&req, "PUT"));
    assert_true(bl_tk_finished(&f.kit));
    assert_int_equal(bl_tk_send_fails(&f.kit, 1, 5), BL_ERR_INVALID_ARG);

    /* Cut on every attempt: the last error is the caller's, with its code. */
    setup_client(2, 5000);
    {
        int i;
        for (i = 0; i < 3; i++) {
            assert_int_equal(bl_tk_expect(&f.kit, "PUT", NULL), BL_OK);
            assert_int_equal(bl_tk_send_fails(&f.kit, 10, BL_IO_ERROR), BL_OK);
        }
    }
    assert_int_equal(update(), BL_ERR_SEND);
    assert_int_equal(f.client.last.attempts, 3);
    assert_int_equal(f.client.last.transport_code, BL_TK_RESET_CODE);
    assert_int_equal(f.kit.bytes_sent, 30);
    assert_true(bl_tk_finished(&f.kit));

    /* A server that reads slowly: one byte per send, 2 ms each. */
    setup_client(0, 60000);
    bl_tk_set_send_max(&f.kit, 1);
    bl_tk_set_send_pace(&f.kit, 2);
    assert_int_equal(bl_tk_expect(&f.kit, "PUT", NULL), BL_OK);
    assert_int_equal(bl_tk_answer(&f.kit, heron_ok), BL_OK);
    assert_int_equal(update(), BL_OK);
    assert_int_equal(bl_tk_now(&f.kit) - BL_TK_START_MS, 2u * f.kit.requests[0].len);
}

/* A trickling server: one byte per recv, each 10 ms later, against a 1 s
 * deadline: the call times out on the fake clock, within one piece. */
static void trickle(void **state)
{
    static const uint16_t one[] = {1};
    (void)state;
    setup_client(0, 1000);
    assert_int_equal(bl_tk_expect(&f.kit, "PUT", NULL), BL_OK);
    assert_int_equal(bl_tk_answer(&f.kit, heron_ok), BL_OK);
    assert_int_equal(bl_tk_split(&f.kit, one, 1), BL_OK);
    assert_int_equal(bl_tk_pace(&f.kit, 10), BL_OK);
    assert_int_equal(update(), BL_ERR_TIMEOUT);
    assert_true(bl_tk_now(&f.kit) - BL_TK_START_MS <= 1000u + 10u);
    assert_true(bl_tk_now(&f.kit) - BL_TK_START_MS >= 1000u);

    setup_client(0, 5000); /* the same answer fits a longer deadline: 167 bytes x 10 ms */
    assert_int_equal(bl_tk_expect(&f.kit, "PUT", NULL), BL_OK);
    assert_int_equal(bl_tk_answer(&f.kit, heron_ok), BL_OK);
    assert_int_equal(bl_tk_split(&f.kit, one, 1), BL_OK);
    assert_int_equal(bl_tk_pace(&f.kit, 10), BL_OK);
    assert_int_equal(update(), BL_OK);
    assert_int_equal(bl_tk_now(&f.kit) - BL_TK_START_MS, 10u * (sizeof heron_ok - 1u));
    assert_int_equal(bl_tk_stall(&f.kit), BL_OK);
    assert_int_equal(bl_tk_pace(&f.kit, 1), BL_ERR_INVALID_ARG); /* not an answer */
}

/* Two calls on one kept-alive connection; `connect` forces a new one and
 * the client finds the old one closed. */
static void keep_alive_and_connect(void **state)
{
    (void)state;
    setup_client(1, 5000);
    assert_int_equal(bl_tk_expect(&f.kit, "PUT", NULL), BL_OK);
    assert_int_equal(bl_tk_answer(&f.kit, heron_ok), BL_OK);
    assert_int_equal(bl_tk_expect(&f.kit, "PUT", NULL), BL_OK);
    assert_int_equal(bl_tk_answer(&f.kit, heron_ok), BL_OK);
    assert_int_equal(bl_tk_connect(&f.kit), BL_OK);
    assert_int_equal(bl_tk_expect(&f.kit, "PUT", NULL), BL_OK);
    assert_int_equal(bl_tk_answer(&f.kit, heron_ok), BL_OK);
    assert_int_equal(update(), BL_OK);
    assert_int_equal(update(), BL_OK);
    assert_int_equal(f.kit.connects, 1);
    assert_int_equal(update(), BL_OK);
    assert_int_equal(f.kit.connects, 2);
    assert_int_equal(f.client.last.attempts, 1); /* found closed while idle: not a retry */
    assert_true(bl_tk_finished(&f.kit));
}

/* What the script did not foresee fails the call and names the step. */
static void mismatches_are_reported(void **state)
{
    (void)state;
    setup_client(0, 5000);
    assert_int_equal(bl_tk_expect(&f.kit, "GET", "/links/{id}"), BL_OK);
    assert_int_equal(bl_tk_answer(&f.kit, heron_ok), BL_OK);
    assert_int_not_equal(update(), BL_OK);
    assert_false(bl_tk_finished(&f.kit));
    assert_string_equal(bl_tk_report(&f.kit),
                        "step 1 (request): the client sent PUT /api/integration_links/item%201%2F%C3%BC; "
                        "the script expects GET /links/{id}");

    setup_client(0, 5000);
    assert_int_equal(update(), BL_ERR_CONNECT);
    assert_string_equal(bl_tk_report(&f.kit), "step 1 (past the end): the client connects; the script has no step left");

    setup_client(0, 5000);
    assert_int_equal(bl_tk_expect(&f.kit, "PUT", NULL), BL_OK);
    assert_int_equal(bl_tk_answer(&f.kit, heron_401), BL_OK);
    assert_int_equal(bl_tk_expect(&f.kit, "PUT", NULL), BL_OK);
    assert_int_equal(update(), BL_ERR_API); /* the code under test stopped after one call */
    assert_int_equal(f.client.last.http_status, 401);
    assert_false(bl_tk_finished(&f.kit));
    assert_string_equal(bl_tk_report(&f.kit), "step 3 (request) was not played: 1 of 3 steps left");

    setup_client(0, 5000);
    {
        size_t i;
        for (i = 0; i < BL_TK_MAX_STEPS; i++) {
            assert_int_equal(bl_tk_stall(&f.kit), BL_OK);
        }
        assert_int_equal(bl_tk_stall(&f.kit), BL_ERR_INVALID_ARG);
        assert_false(bl_tk_finished(&f.kit));
        assert_string_equal(bl_tk_report(&f.kit), "the script does not fit BL_TK_MAX_STEPS");
    }
}

/* The script text: every step kind, byte blocks holding CR, LF and NUL. */
static void script_text(void **state)
{
    static const char script[] = "# recorded by hand\n"
                                 "banklink-script 1\n"
                                 "\n"
                                 "refuse BL_ERR_CONNECT\n"
                                 "connect app.herondata.io 443\n"
                                 "request PUT /api/integration_links/{item_id}\n"
                                 "wait 250\n"
                                 "answer 29 split 1,2 pace 5\n"
                                 "HTTP/1.1 429 Too Many\r\n"
                                 "Retry\n"
                                 "\n"
                                 "stall\r\n"
                                 "close\n"
                                 "reset\n";
    size_t line = 99;
    bl_tk_step_t *st = f.kit.steps;
    (void)state;
    assert_int_equal(bl_tk_init(&f.kit), BL_OK);
    assert_int_equal(bl_tk_load(&f.kit, script, sizeof script - 1u, &line), BL_OK);
    assert_int_equal(f.kit.step_count, 8);
    assert_int_equal(st[0].kind, BL_TK_STEP_REFUSE);
    assert_int_equal(st[0].status, BL_ERR_CONNECT);
    assert_int_equal(st[1].kind, BL_TK_STEP_CONNECT);
    assert_int_equal(st[2].kind, BL_TK_STEP_REQUEST);
    assert_int_equal(st[2].method.len, 3);
    assert_int_equal(st[3].ms, 250);
    assert_int_equal(st[4].kind, BL_TK_STEP_ANSWER);
    assert_int_equal(st[4].len, 29);
    assert_memory_equal(st[4].data, "HTTP/1.1 429 Too Many\r\nRetry\n", 29);
    assert_int_equal(st[4].piece_count, 2);
    assert_int_equal(st[4].pieces[1], 2);
    assert_int_equal(st[4].pace_ms, 5);
    assert_int_equal(st[5].kind, BL_TK_STEP_STALL);
    assert_int_equal(st[6].kind, BL_TK_STEP_CLOSE);
    assert_int_equal(st[7].kind, BL_TK_STEP_RESET);
}

static void script_errors(void **state)
{
    static const struct {
        const char *text;
        size_t line;
    } bad[] = {
        {"", 1},
        {"banklink-script 2\n", 1},
        {"banklink-script 1\nanswer\n", 2},
        {"banklink-script 1\nanswer 5\nabc\n", 2},       /* block runs past the end */
        {"banklink-script 1\nanswer 3\nabcX", 2},        /* no newline after the block */
        {"banklink-script 1\nanswer 3 split 0\nabc\n", 2},
        {"banklink-script 1\nanswer 3 split 1,,2\nabc\n", 2},
        {"banklink-script 1\nanswer 3\na\nc\nbogus\n", 5},   /* line counted through the block */
        {"banklink-script 1\nrefuse BL_OK\n", 2},
        {"banklink-script 1\nrefuse NO_SUCH\n", 2},
        {"banklink-script 1\nrequest GET\n", 2},
        {"banklink-script 1\nconnect host\n", 2},
        {"banklink-script 1\nwait 99999999999\n", 2},
        {"banklink-script 1\nclose now\n", 2},
        {"banklink-script 1\nrequest GET / 12x\n", 2},
        {"banklink-script 1\nanswer 1 pace 0\nx\n", 2},
        {"banklink-script 1\nanswer 1 split 1 pace\nx\n", 2},
        {"banklink-script 1\nanswer 1 pace 5 split 1\nx\n", 2},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t line = 0;
        assert_int_equal(bl_tk_init(&f.kit), BL_OK);
        assert_int_equal(bl_tk_stall(&f.kit), BL_OK);
        if (bl_tk_load(&f.kit, bad[i].text, strlen(bad[i].text), &line) != BL_ERR_DECODE || line != bad[i].line) {
            fail_msg("script %zu: line %zu, want BL_ERR_DECODE at %zu", i, line, bad[i].line);
        }
        assert_int_equal(f.kit.step_count, 1); /* nothing appended */
    }
}

static bl_status_t count_link(void *ctx, const bl_moneykit_link_t *link)
{
    (void)link;
    (*(size_t *)ctx)++;
    return BL_OK;
}

/* Query parameters and form fields, decoded; query patterns. */
static void query_and_form(void **state)
{
    static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 29\r\n\r\n{\"links\":[],\"next_cursor\":\"\"}";
    static const char token_ok[] = "HTTP/1.1 201 Created\r\nContent-Length: 62\r\n\r\n"
                                   "{\"access_token\":\"tok\",\"token_type\":\"bearer\",\"expires_in\":3600}";
    bl_moneykit_auth_t auth;
    bl_moneykit_list_t list;
    size_t links = 0;
    bl_tk_request_t req;
    char v[64];
    (void)state;
    setup_client(0, 5000);
    bl_moneykit_auth_init(&auth, "id+1", "s3cr3t&=/");
    assert_int_equal(bl_tk_expect(&f.kit, "POST", "/auth/token"), BL_OK);
    assert_int_equal(bl_tk_answer(&f.kit, token_ok), BL_OK);
    assert_int_equal(bl_tk_expect(&f.kit, "GET", "/links?size=5"), BL_OK);
    assert_int_equal(bl_tk_answer(&f.kit, answer), BL_OK);
    bl_moneykit_list_init(&list, 5, count_link, &links);
    assert_int_equal(bl_moneykit_list_links(&f.client, &auth, &list), BL_OK);
    assert_true(bl_tk_finished(&f.kit));
    assert_true(bl_tk_get_request(&f.kit, 0, &req));
    assert_string_equal(bl_tk_form(&req, "grant_type", v, sizeof v), "client_credentials");
    assert_string_equal(bl_tk_form(&req, "client_secret", v, sizeof v), "s3cr3t&=/");
    assert_null(bl_tk_form(&req, "nope", v, sizeof v));
    assert_true(bl_tk_get_request(&f.kit, 1, &req));
    assert_string_equal(bl_tk_query(&req, "size", v, sizeof v), "5");
    assert_true(bl_tk_path_is(&req, "/links?size={n}"));
    assert_true(bl_tk_path_is(&req, "/links"));
    assert_false(bl_tk_path_is(&req, "/links?size=6"));
    assert_false(bl_tk_path_is(&req, "/links?size=5&cursor=x"));
    assert_true(bl_tk_header_is(&req, "authorization", "Bearer tok"));
    assert_false(bl_tk_get_request(&f.kit, 2, &req));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_checks_size),
        cmocka_unit_test(request_checks),
        cmocka_unit_test(split_answers),
        cmocka_unit_test(stall_then_retry),
        cmocka_unit_test(retry_after_sleeps),
        cmocka_unit_test(connection_failures),
        cmocka_unit_test(send_failures),
        cmocka_unit_test(trickle),
        cmocka_unit_test(keep_alive_and_connect),
        cmocka_unit_test(mismatches_are_reported),
        cmocka_unit_test(script_text),
        cmocka_unit_test(script_errors),
        cmocka_unit_test(query_and_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
