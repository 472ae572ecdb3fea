/*
 * Unit tests of the recorder (port/testkit/bl_testkit_record.h): what it
 * writes for each thing a transport can do, the masking of secrets, its
 * limits (a full buffer, a request larger than it), and that the kit reads
 * what it wrote back (bl_tk_load) and replays it to a real client.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bl_testkit.h"
#include "bl_testkit_record.h"

/* ------------------------------------------------------------ the inner transport */

/* The recorder wraps the test kit: its steps script what the server does,
 * and its counters and capture show what reached the inner transport. */
static bl_testkit_t kit;

/* A step that did not fit or was refused is a broken test. */
static void ok(bl_status_t st)
{
    assert_int_equal(st, BL_OK);
}

/* The script text the recorder wrote. */
typedef struct sink {
    char text[16384];
    size_t len;
    size_t writes;
} sink_t;

static void sink_write(void *ctx, const char *data, size_t len)
{
    sink_t *s = (sink_t *)ctx;
    assert_true(s->len + len <= sizeof s->text);
    memcpy(s->text + s->len, data, len);
    s->len += len;
    s->writes++;
}

static const char header[] = "banklink-script 1\n"
                             "# recorded by banklink's recorder (port/testkit); secrets are masked with '*'\n";

/* The text after the header, NUL-terminated. */
static const char *steps_of(sink_t *s)
{
    assert_true(s->len >= sizeof header - 1u);
    assert_memory_equal(s->text, header, sizeof header - 1u);
    s->text[s->len] = '\0';
    return s->text + sizeof header - 1u;
}

static uint8_t rbuf[1024];

/* ------------------------------------------------------------ tests */

static void test_init_refuses(void **state)
{
    (void)state;
    sink_t s = {{0}, 0, 0};
    bl_tk_recorder_t r;
    ok(bl_tk_init(&kit));
    /* A copy of the kit's transport, so one function can be taken away. */
    bl_transport_t inner = kit.transport;
    assert_int_equal(bl_tk_recorder_init(NULL, &inner, rbuf, sizeof rbuf, sink_write, &s), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_tk_recorder_init(&r, NULL, rbuf, sizeof rbuf, sink_write, &s), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_tk_recorder_init(&r, &inner, NULL, sizeof rbuf, sink_write, &s), BL_ERR_INVALID_ARG);
    assert_int_equal(bl_tk_recorder_init(&r, &inner, rbuf, BL_TK_RECORD_MIN_BUF - 1u, sink_write, &s),
                     BL_ERR_INVALID_ARG);
    assert_int_equal(bl_tk_recorder_init(&r, &inner, rbuf, sizeof rbuf, NULL, &s), BL_ERR_INVALID_ARG);
    inner.close = NULL;
    assert_int_equal(bl_tk_recorder_init(&r, &inner, rbuf, sizeof rbuf, sink_write, &s), BL_ERR_INVALID_ARG);
    assert_int_equal(s.len, 0);
    inner.close = kit.transport.close;
    inner.raw_error = NULL;
    assert_int_equal(bl_tk_recorder_init(&r, &inner, rbuf, sizeof rbuf, sink_write, &s), BL_OK);
    assert_null(r.transport.raw_error);
    assert_string_equal(steps_of(&s), "");
}

static int32_t send_str(bl_tk_recorder_t *r, const char *s)
{
    return r->transport.send(r->transport.ctx, (const uint8_t *)s, strlen(s), 1000u);
}

static int32_t recv_some(bl_tk_recorder_t *r, size_t n, uint32_t timeout_ms)
{
    uint8_t tmp[512];
    return r->transport.recv(r->transport.ctx, tmp, n < sizeof tmp ? n : sizeof tmp, timeout_ms);
}

/* Every kind of step, in the order a transport sees them. */
static void test_steps(void **state)
{
    (void)state;
    sink_t s = {{0}, 0, 0};
    bl_tk_recorder_t r;
    ok(bl_tk_init(&kit));
    ok(bl_tk_refuse(&kit, BL_ERR_CONNECT));
    ok(bl_tk_connect(&kit));
    ok(bl_tk_expect(&kit, "DELETE", "/a/b"));
    ok(bl_tk_answer(&kit, "HTTP/1.1 204 No Content\r\n"));
    /* Still on its way when the client probes: a probe does not wait. */
    ok(bl_tk_pace(&kit, 1u));
    ok(bl_tk_answer(&kit, "Content-Length: 0\r\n\r\n"));
    ok(bl_tk_stall(&kit));
    ok(bl_tk_close(&kit));
    ok(bl_tk_connect(&kit));
    ok(bl_tk_reset_conn(&kit));
    assert_int_equal(bl_tk_recorder_init(&r, &kit.transport, rbuf, sizeof rbuf, sink_write, &s), BL_OK);

    assert_int_equal(r.transport.connect(r.transport.ctx, "h.example", 8080, 100u), BL_ERR_CONNECT);
    r.transport.close(r.transport.ctx);
    assert_int_equal(r.transport.connect(r.transport.ctx, "h.example", 8080, 100u), BL_OK);
    /* A request in two sends is one step. */
    assert_int_equal(send_str(&r, "DELETE /a/b HTTP/1.1\r\n"), 22);
    assert_int_equal(send_str(&r, "Host: h\r\n\r\n"), 11);
    assert_int_equal(recv_some(&r, 100, 0u), BL_IO_TIMEOUT); /* a probe: not recorded */
    assert_int_equal(recv_some(&r, 100, 500u), 25);
    assert_int_equal(recv_some(&r, 100, 500u), 21);
    assert_int_equal(recv_some(&r, 100, 500u), BL_IO_TIMEOUT);
    assert_int_equal(recv_some(&r, 100, 500u), BL_IO_CLOSED);
    assert_int_equal(recv_some(&r, 100, 500u), BL_IO_CLOSED); /* written once */
    r.transport.close(r.transport.ctx);
    /* Both closes reach the kit; it counts only the one on an open
     * connection (the first followed a refused connect). */
    assert_int_equal(kit.refused, 1);
    assert_int_equal(kit.connects, 1);
    assert_int_equal(kit.closes, 1);
    assert_int_equal(r.transport.connect(r.transport.ctx, "h.example", 8080, 100u), BL_OK);
    assert_int_equal(recv_some(&r, 100, 500u), BL_IO_ERROR);
    assert_int_equal(r.transport.raw_error(r.transport.ctx), BL_TK_RESET_CODE);
    bl_tk_recorder_finish(&r);
    assert_string_equal(steps_of(&s), "refuse BL_ERR_CONNECT\n"
                                      "connect h.example 8080\n"
                                      "request DELETE /a/b 33\n"
                                      "DELETE /a/b HTTP/1.1\r\nHost: h\r\n\r\n\n"
                                      "answer 46\n"
                                      "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n\n"
                                      "stall\n"
                                      "close\n"
                                      "connect h.example 8080\n"
                                      "reset\n");
    assert_int_equal(r.steps, 8);
    assert_int_equal(r.requests, 1);
    assert_int_equal(kit.capture_len, 33);
    assert_memory_equal(kit.capture, "DELETE /a/b HTTP/1.1\r\nHost: h\r\n\r\n", 33);
    assert_true(bl_tk_finished(&kit));
}

/* The answer is written when the client sends again, and on close. */
static void test_answer_flush_points(void **state)
{
    (void)state;
    sink_t s = {{0}, 0, 0};
    bl_tk_recorder_t r;
    ok(bl_tk_init(&kit));
    ok(bl_tk_connect(&kit));
    ok(bl_tk_expect(&kit, "GET", "/x"));
    ok(bl_tk_answer(&kit, "AB"));
    ok(bl_tk_expect(&kit, "GET", "/y?q=1"));
    ok(bl_tk_answer(&kit, "CD"));
    assert_int_equal(bl_tk_recorder_init(&r, &kit.transport, rbuf, sizeof rbuf, sink_write, &s), BL_OK);
    assert_int_equal(r.transport.connect(r.transport.ctx, NULL, 1, 100u), BL_OK);
    (void)send_str(&r, "GET /x HTTP/1.1\r\n\r\n");
    assert_int_equal(recv_some(&r, 10, 100u), 2);
    (void)send_str(&r, "GET /y?q=1 HTTP/1.1\r\n\r\n");
    assert_int_equal(recv_some(&r, 10, 100u), 2);
    r.transport.close(r.transport.ctx);
    size_t after_close = s.len;
    bl_tk_recorder_finish(&r);
    assert_int_equal(s.len, after_close);
    assert_string_equal(steps_of(&s), "connect\n"
                                      "request GET /x 19\nGET /x HTTP/1.1\r\n\r\n\n"
                                      "answer 2\nAB\n"
                                      "request GET /y?q=1 23\nGET /y?q=1 HTTP/1.1\r\n\r\n\n"
                                      "answer 2\nCD\n");
    assert_true(bl_tk_finished(&kit));
}

/* A full buffer cuts an answer into several steps; a request that does
 * not fit keeps only its line. */
static void test_buffer_limits(void **state)
{
    (void)state;
    sink_t s = {{0}, 0, 0};
    bl_tk_recorder_t r;
    ok(bl_tk_init(&kit));
    ok(bl_tk_connect(&kit));
    ok(bl_tk_expect(&kit, "POST", "/long"));
    ok(bl_tk_answer(&kit, "0123456789012345678901234567890123456789"
                          "0123456789012345678901234567890123456789"));
    assert_int_equal(bl_tk_recorder_init(&r, &kit.transport, rbuf, 64, sink_write, &s), BL_OK);
    assert_int_equal(r.transport.connect(r.transport.ctx, "h", 1, 100u), BL_OK);
    (void)send_str(&r, "POST /long HTTP/1.1\r\nContent-Length: 60\r\n\r\n"
                       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    assert_int_equal(recv_some(&r, 100, 100u), 80);
    bl_tk_recorder_finish(&r);
    assert_string_equal(steps_of(&s), "connect h 1\n"
                                      "request POST /long\n"
                                      "answer 64\n"
                                      "0123456789012345678901234567890123456789012345678901234567890123\n"
                                      "answer 16\n"
                                      "4567890123456789\n");
    assert_int_equal(r.truncated, 1);
    assert_int_equal(r.split_answers, 1);
    assert_true(bl_tk_finished(&kit));
}

/* A failing send is a `reset`, and the partial request is dropped. */
static void test_send_failure(void **state)
{
    (void)state;
    sink_t s = {{0}, 0, 0};
    bl_tk_recorder_t r;
    ok(bl_tk_init(&kit));
    ok(bl_tk_connect(&kit));
    ok(bl_tk_expect(&kit, NULL, NULL));
    /* The send after the first 5 bytes fails. */
    ok(bl_tk_send_fails(&kit, 5u, BL_IO_ERROR));
    assert_int_equal(bl_tk_recorder_init(&r, &kit.transport, rbuf, sizeof rbuf, sink_write, &s), BL_OK);
    assert_int_equal(r.transport.connect(r.transport.ctx, "h", 1, 100u), BL_OK);
    bl_tk_set_send_max(&kit, 5u);
    assert_int_equal(send_str(&r, "GET / HTTP/1.1\r\n\r\n"), 5);
    assert_int_equal(send_str(&r, "HTTP/1.1\r\n\r\n"), BL_IO_ERROR);
    r.transport.close(r.transport.ctx);
    bl_tk_recorder_finish(&r);
    assert_string_equal(steps_of(&s), "connect h 1\nreset\n");
    for (size_t i = 0; i < 5u; i++) {
        assert_int_equal(rbuf[i], 0); /* nothing of it is left behind */
    }
    assert_true(bl_tk_finished(&kit));
}

/* Record @req (sent) and @answer (received) and return the script. */
static const char *record_one(sink_t *s, const char *req, const char *answer, size_t buf_size)
{
    bl_tk_recorder_t r;
    ok(bl_tk_init(&kit));
    ok(bl_tk_connect(&kit));
    ok(bl_tk_expect(&kit, NULL, NULL));
    ok(bl_tk_answer(&kit, answer));
    ok(bl_tk_close(&kit));
    s->len = 0;
    assert_int_equal(bl_tk_recorder_init(&r, &kit.transport, rbuf, buf_size, sink_write, s), BL_OK);
    assert_int_equal(r.transport.connect(r.transport.ctx, "h", 1, 100u), BL_OK);
    assert_int_equal(send_str(&r, req), (int32_t)strlen(req));
    while (recv_some(&r, 7, 100u) > 0) {
    }
    bl_tk_recorder_finish(&r);
    /* What the client got is untouched: only the record is masked. */
    assert_int_equal(kit.capture_len, strlen(req));
    assert_memory_equal(kit.capture, req, strlen(req));
    assert_true(bl_tk_finished(&kit));
    return steps_of(s);
}

static void test_mask_request_headers(void **state)
{
    (void)state;
    static sink_t s;
    const char *out = record_one(&s,
                                 "GET /links HTTP/1.1\r\n"
                                 "Authorization: Bearer mk_at_secret\r\n"
                                 "PROXY-AUTHORIZATION:Basic\tdXNlcjpwdw==  \r\n"
                                 "x-api-key:   hk-123\r\n"
                                 "Cookie: a=b; c=d\r\n"
                                 "Authorization: tokenonly\r\n"
                                 "X-Other: keep\r\n\r\n",
                                 "HTTP/1.1 200 OK\r\nSet-Cookie: sid=abc\r\nContent-Length: 0\r\n\r\n", sizeof rbuf);
    assert_non_null(strstr(out, "Authorization: Bearer ************\r\n"));
    assert_non_null(strstr(out, "PROXY-AUTHORIZATION:Basic\t**************\r\n"));
    assert_non_null(strstr(out, "x-api-key:   ******\r\n"));
    assert_non_null(strstr(out, "Cookie: ********\r\n"));
    assert_non_null(strstr(out, "Authorization: *********\r\n"));
    assert_non_null(strstr(out, "X-Other: keep\r\n"));
    assert_non_null(strstr(out, "Set-Cookie: *******\r\n"));
    assert_null(strstr(out, "secret"));
    assert_null(strstr(out, "hk-123"));
}

static void test_mask_request_bodies(void **state)
{
    (void)state;
    static sink_t s;
    const char *out = record_one(&s,
                                 "POST /auth/token HTTP/1.1\r\n"
                                 "Content-Type: application/x-www-form-urlencoded\r\n"
                                 "Content-Length: 73\r\n\r\n"
                                 "grant_type=client_credentials&client_id=cid&client_secret=c%26sec&scope=x",
                                 "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", sizeof rbuf);
    assert_non_null(strstr(out, "&client_id=cid&client_secret=*******&scope=x\n"));
    out = record_one(&s,
                     "PUT /api/integration_links/i HTTP/1.1\r\n"
                     "Content-Type: application/json\r\n"
                     "Content-Length: 173\r\n\r\n"
                     "{\"end_user\":{\"access_token\" : \"access-\\\"q\\u00e9\"},\"client_secret\":\"cs\","
                     "\"note\":\"access_token\",\"exchangeable_token\":\"ex\",\"refresh_token\":null,"
                     "\"x\":\"\\\"refresh_token\\\":\\\"keep\\\"\"}",
                     "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", sizeof rbuf);
    assert_non_null(strstr(out, "{\"end_user\":{\"access_token\" : \"****************\"},\"client_secret\":\"**\","
                                "\"note\":\"access_token\",\"exchangeable_token\":\"**\",\"refresh_token\":null,"
                                "\"x\":\"\\\"refresh_token\\\":\\\"keep\\\"\"}\n"));
    /* A form field of that name in a JSON body is text, not a field. */
    out = record_one(&s,
                     "POST /x HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 23\r\n\r\n"
                     "{\"a\":\"client_secret=1\"}",
                     "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", sizeof rbuf);
    assert_non_null(strstr(out, "{\"a\":\"client_secret=1\"}\n"));
}

static void test_mask_answers(void **state)
{
    (void)state;
    static sink_t s;
    const char *out = record_one(&s, "POST /auth/token HTTP/1.1\r\n\r\n",
                                 "HTTP/1.1 201 Created\r\nContent-Length: 64\r\n\r\n"
                                 "{\"access_token\":\"mk_at_XYZ\",\"refresh_token\":\"r1\",\"expires_in\":3600}",
                                 sizeof rbuf);
    assert_non_null(strstr(out, "{\"access_token\":\"*********\",\"refresh_token\":\"**\",\"expires_in\":3600}\n"));
    /* Chunk framing inside the value stays; the token's bytes on both sides go. */
    out = record_one(&s, "POST /auth/token HTTP/1.1\r\n\r\n",
                     "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "18\r\n{\"access_token\":\"mk_at_X\r\n"
                     "a;ext=1\r\nYZ\",\"n\":1}\r\n0\r\n\r\n",
                     sizeof rbuf);
    assert_non_null(strstr(out, "18\r\n{\"access_token\":\"*******\r\na;ext=1\r\n**\",\"n\":1}\r\n0\r\n\r\n\n"));
    assert_null(strstr(out, "XYZ"));
}

/* A server that reads whatever it is sent. */
static int32_t swallow_send(void *ctx, const uint8_t *data, size_t len, uint32_t timeout_ms)
{
    (void)ctx;
    (void)data;
    (void)timeout_ms;
    return (int32_t)len;
}

/* Odd input still gives a script the kit reads: a request line that is
 * not HTTP, a host that would break the line, a value cut by a bare CR. */
static void test_odd_input(void **state)
{
    (void)state;
    static sink_t s;
    bl_tk_recorder_t r;
    ok(bl_tk_init(&kit));
    ok(bl_tk_connect(&kit));
    ok(bl_tk_answer(&kit, "HTTP/1.1 200 OK\r\n\r\n{\"access_token\":\"ab\rcd\\"));
    ok(bl_tk_close(&kit));
    /* The kit fails a request that is not HTTP/1.1, so here the server
     * takes any bytes (swallow_send) and the kit plays the rest. */
    bl_transport_t inner = kit.transport;
    inner.send = swallow_send;
    s.len = 0;
    assert_int_equal(bl_tk_recorder_init(&r, &inner, rbuf, sizeof rbuf, sink_write, &s), BL_OK);
    assert_int_equal(r.transport.connect(r.transport.ctx, "bad host", 80, 100u), BL_OK);
    assert_int_equal(send_str(&r, "garbage\r\n\r\n"), 11);
    while (recv_some(&r, 100, 100u) > 0) {
    }
    bl_tk_recorder_finish(&r);
    assert_string_equal(steps_of(&s), "connect\n"
                                      "request * * 11\ngarbage\r\n\r\n\n"
                                      "answer 42\nHTTP/1.1 200 OK\r\n\r\n{\"access_token\":\"**\rcd\\\n"
                                      "close\n");
    assert_true(bl_tk_finished(&kit));
    static bl_testkit_t replay;
    assert_int_equal(bl_tk_init(&replay), BL_OK);
    assert_int_equal(bl_tk_load(&replay, s.text, s.len, NULL), BL_OK);
    assert_int_equal(replay.step_count, 4);
}

/* What the recorder wrote, the kit reads back and plays to a client. */
static void test_replays_through_kit(void **state)
{
    (void)state;
    static sink_t s;
    static const char answer[] = "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
                                 "Content-Length: 66\r\n\r\n"
                                 "{\"code\":404,\"description\":\"Integration link not found\",\"name\":\"N\"}";
    bl_tk_recorder_t r;
    static uint8_t work[2048];
    static bl_json_token_t tokens[64];
    ok(bl_tk_init(&kit));
    ok(bl_tk_expect(&kit, "PUT", "/api/integration_links/item-1"));
    ok(bl_tk_answer(&kit, answer));
    s.len = 0;
    assert_int_equal(bl_tk_recorder_init(&r, &kit.transport, rbuf, sizeof rbuf, sink_write, &s), BL_OK);

    bl_client_config_t cfg;
    bl_client_config_init(&cfg);
    cfg.transport = &r.transport;
    cfg.clock = &kit.clock;
    cfg.host = "h";
    cfg.port = 80;
    cfg.buf = work;
    cfg.buf_size = sizeof work;
    cfg.tokens = tokens;
    cfg.token_count = 64;
    cfg.max_retries = 0;
    bl_client_t client;
    assert_int_equal(bl_client_init(&client, &cfg), BL_OK);
    bl_heron_link_t link;
    assert_int_equal(bl_heron_update_link(&client, "key-1", "item-1", "tok-1", &link), BL_ERR_API);
    bl_client_close(&client);
    bl_tk_recorder_finish(&r);
    assert_true(bl_tk_finished(&kit));
    const char *script = steps_of(&s);
    assert_null(strstr(script, "key-1"));
    assert_null(strstr(script, "tok-1"));
    assert_non_null(strstr(script, "request PUT /api/integration_links/item-1 "));

    static bl_testkit_t replay;
    assert_int_equal(bl_tk_init(&replay), BL_OK);
    size_t line = 0;
    assert_int_equal(bl_tk_load(&replay, s.text, s.len, &line), BL_OK);
    cfg.transport = &replay.transport;
    cfg.clock = &replay.clock;
    assert_int_equal(bl_client_init(&client, &cfg), BL_OK);
    assert_int_equal(bl_heron_update_link(&client, "key-2", "item-1", "tok-2", &link), BL_ERR_API);
    assert_int_equal(client.last.http_status, 404);
    assert_true(client.last.api_message.len > 0u);
    assert_memory_equal(client.last.api_message.ptr, "Integration link not found", 26);
    bl_client_close(&client);
    assert_true(bl_tk_finished(&replay));
    bl_tk_request_t req;
    assert_true(bl_tk_get_request(&replay, 0, &req));
    assert_true(bl_tk_method_is(&req, "PUT"));
    assert_true(bl_tk_header_is(&req, "x-api-key", "key-2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_refuses),
        cmocka_unit_test(test_steps),
        cmocka_unit_test(test_answer_flush_points),
        cmocka_unit_test(test_buffer_limits),
        cmocka_unit_test(test_send_failure),
        cmocka_unit_test(test_mask_request_headers),
        cmocka_unit_test(test_mask_request_bodies),
        cmocka_unit_test(test_mask_answers),
        cmocka_unit_test(test_odd_input),
        cmocka_unit_test(test_replays_through_kit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
