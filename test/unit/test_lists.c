/*
 * Lists longer than the work buffer: 1,000 links through a 2 KiB buffer,
 * over Content-Length and chunked bodies, in pieces of many sizes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "harness.h"

#define N_LINKS 1000
#define BIG (N_LINKS * 400 + 4096)

static char body[BIG];
static size_t body_len;
static char resp_cl[BIG + 512];
static size_t resp_cl_len;
static char resp_chunked[BIG * 2];
static size_t resp_chunked_len;

static void build_heron_list(void)
{
    size_t n = (size_t)snprintf(body, sizeof body, "{\"links\": [");
    for (int i = 0; i < N_LINKS; i++) {
        n += (size_t)snprintf(body + n, sizeof body - n,
                              "%s{\"item_id\": \"item-%04d\", \"status\": \"%s\", \"status_message\": \"msg \\\"%d\\\" "
                              "\\u00e9\", \"type\": \"plaid_integration\", \"created\": \"2020-01-01T00:00:00Z\", "
                              "\"last_successful_sync\": null, \"extra\": {\"nested\": [1, {\"x\": \"]}\"}]}}",
                              i ? ", " : "", i, (i % 3) ? "active" : "erroring", i);
    }
    n += (size_t)snprintf(body + n, sizeof body - n, "], \"unknown_after\": {\"a\": [1, 2]}}");
    body_len = n;
    resp_cl_len = (size_t)snprintf(resp_cl, sizeof resp_cl, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s",
                                   body_len, body);
    /* chunked, in chunks of 1,500 bytes: some larger than what fits beside the rest */
    size_t m = (size_t)snprintf(resp_chunked, sizeof resp_chunked, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (size_t off = 0; off < body_len; off += 1500) {
        size_t c = body_len - off < 1500 ? body_len - off : 1500;
        m += (size_t)snprintf(resp_chunked + m, sizeof resp_chunked - m, "%zx\r\n", c);
        memcpy(resp_chunked + m, body + off, c);
        m += c;
        memcpy(resp_chunked + m, "\r\n", 2);
        m += 2;
    }
    m += (size_t)snprintf(resp_chunked + m, sizeof resp_chunked - m, "0\r\n\r\n");
    resp_chunked_len = m;
}

typedef struct seen {
    int count;
    int erroring;
    bool order_ok;
    int stop_at;
} seen_t;

static bl_status_t on_heron(void *ctx, const bl_heron_link_t *link)
{
    seen_t *s = ctx;
    char want[32];
    snprintf(want, sizeof want, "item-%04d", s->count);
    if (strcmp(link->item_id.ptr, want) != 0 || link->last_successful_sync.presence != BL_NULL ||
        link->created.unix_s != 1577836800) {
        s->order_ok = false;
    }
    char msg[32];
    snprintf(msg, sizeof msg, "msg \"%d\" \xc3\xa9", s->count);
    if (strcmp(link->status_message.ptr, msg) != 0) {
        s->order_ok = false;
    }
    if (link->status == BL_HERON_LINK_ERRORING) {
        s->erroring++;
    }
    s->count++;
    return s->count == s->stop_at ? BL_ERR_API : BL_OK;
}

static bl_status_t count_only(void *ctx, const bl_heron_link_t *link)
{
    seen_t *s = ctx;
    (void)link;
    s->count++;
    return BL_OK;
}

static void walk(const char *resp, size_t len, size_t piece, size_t buf)
{
    static harness_t h;
    harness_init(&h, buf, 2);
    TK(bl_tk_expect(&h.kit, "GET", "/api/end_users/{end_user_id}/integration_links"));
    harness_answer(&h, resp, len, piece);
    seen_t s = {0, 0, true, -1};
    size_t count = 0;
    assert_int_equal(bl_heron_list_links(&h.client, "key", "end-user-1", on_heron, &s, &count), BL_OK);
    assert_int_equal(s.count, N_LINKS);
    assert_int_equal(count, N_LINKS);
    assert_true(s.order_ok);
    assert_int_equal(s.erroring, (N_LINKS + 2) / 3);
    assert_true(sent_contains(&h, "GET /api/end_users/end-user-1/integration_links HTTP/1.1"));
    harness_finished(&h);
}

static void thousand_links_in_2k(void **state)
{
    (void)state;
    const size_t pieces[] = {0, 1, 7, 100, 1024, 1500, 3000};
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        walk(resp_cl, resp_cl_len, pieces[i], 2048);
        walk(resp_chunked, resp_chunked_len, pieces[i], 2048);
    }
    printf("walked %d links (%zu-byte body) through a 2048-byte work buffer\n", N_LINKS, body_len);
}

/* The callback can stop the walk; its status comes back. */
static void callback_stops(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, 2048, 2);
    TK(bl_tk_expect(&h.kit, "GET", "/api/end_users/u/integration_links"));
    TK(bl_tk_answer_bytes(&h.kit, resp_cl, resp_cl_len));
    seen_t s = {0, 0, true, 10};
    size_t count = 0;
    assert_int_equal(bl_heron_list_links(&h.client, "key", "u", on_heron, &s, &count), BL_ERR_API);
    assert_int_equal(s.count, 10);
    assert_int_equal(count, 10);
    assert_false(h.client.connected); /* the rest of the body is unread */
    assert_int_equal(h.kit.skipped, 1);
    harness_finished(&h);
}

/* One link larger than the window: a clear status, nothing delivered twice. */
static void element_too_large(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, 512, 2);
    static char big[4096];
    char pad[1200];
    memset(pad, 'p', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    char b[2048];
    int bn = snprintf(b, sizeof b, "{\"links\": [{\"item_id\": \"a\"}, {\"item_id\": \"%s\"}]}", pad);
    int n = snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", bn, b);
    TK(bl_tk_expect(&h.kit, "GET", "/api/end_users/u/integration_links"));
    TK(bl_tk_answer_bytes(&h.kit, big, (size_t)n));
    seen_t s = {0, 0, true, -1};
    size_t count = 0;
    assert_int_equal(bl_heron_list_links(&h.client, "key", "u", count_only, &s, &count), BL_ERR_RESPONSE_TOO_LARGE);
    assert_int_equal(count, 1);
    assert_int_equal(h.client.last.attempts, 1);
    harness_finished(&h); /* one request: a retry would be off script */
}

/* The connection drops mid-list: an error, and no second request (the
 * links already delivered would be delivered again). */
static void dropped_mid_list_not_retried(void **state)
{
    (void)state;
    static harness_t h;
    harness_init(&h, 2048, 2);
    TK(bl_tk_expect(&h.kit, "GET", "/api/end_users/u/integration_links"));
    TK(bl_tk_answer_bytes(&h.kit, resp_cl, resp_cl_len / 2));
    TK(bl_tk_close(&h.kit));
    seen_t s = {0, 0, true, -1};
    size_t count = 0;
    assert_int_equal(bl_heron_list_links(&h.client, "key", "u", count_only, &s, &count), BL_ERR_RECV);
    assert_true(count > 0 && count < N_LINKS);
    assert_int_equal(h.kit.connects, 1);
    assert_int_equal(bl_tk_request_count(&h.kit), 1);
    harness_finished(&h);
}

static void malformed_lists(void **state)
{
    (void)state;
    const char *bad[] = {
        "{\"links\": [{\"item_id\": \"a\"}, 5]}",        /* element not an object */
        "{\"links\": [{\"item_id\": \"a\"}]",            /* ends early */
        "[{\"item_id\": \"a\"}]",                        /* not an object */
        "{\"links\": [{\"item_id\": \"a\"]}]}",          /* mismatched */
        "{\"links\": [{\"item_id\": \"a\"}]} x",         /* trailing garbage */
        "{\"links\": [{\"item_id\": 5}]}",               /* wrong type */
    };
    const bl_status_t want[] = {BL_ERR_DECODE, BL_ERR_JSON, BL_ERR_DECODE, BL_ERR_JSON, BL_ERR_JSON, BL_ERR_DECODE};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        static char r[512];
        int n = snprintf(r, sizeof r, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(bad[i]), bad[i]);
        static harness_t h;
        harness_init(&h, 2048, 0);
        TK(bl_tk_expect(&h.kit, "GET", "/api/end_users/u/integration_links"));
        TK(bl_tk_answer_bytes(&h.kit, r, (size_t)n));
        seen_t s = {0, 0, true, -1};
        assert_int_equal(bl_heron_list_links(&h.client, "key", "u", count_only, &s, NULL), want[i]);
        harness_no_mismatch(&h);
        assert_int_equal(h.client.last.attempts, 1);
    }
}

/* MoneyKit pages: cursor captured into the same buffer the request used. */
static bl_status_t on_mk(void *ctx, const bl_moneykit_link_t *link)
{
    int *n = ctx;
    (*n)++;
    return link->state == BL_MONEYKIT_LINK_CONNECTED ? BL_OK : BL_ERR_DECODE;
}

static void moneykit_pages(void **state)
{
    (void)state;
    static char page1[4096], page2[4096];
    const char *link = "{\"link_id\": \"mk_1\", \"institution_id\": \"chase\", \"institution_name\": \"Chase\", "
                       "\"provider\": \"mx\", \"state\": \"connected\", \"products\": {}}";
    char b1[2048], b2[2048];
    int n1 = snprintf(b1, sizeof b1, "{\"next_cursor\": \"c2FtcGxl\\u0020Y3Vyc29y\", \"links\": [%s, %s, %s]}", link, link, link);
    int n2 = snprintf(b2, sizeof b2, "{\"links\": [%s], \"next_cursor\": null}", link);
    int l1 = snprintf(page1, sizeof page1, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", n1, b1);
    int l2 = snprintf(page2, sizeof page2, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", n2, b2);
    static harness_t h;
    harness_init(&h, 1024, 0);
    TK(bl_tk_expect(&h.kit, "GET", "/links?size=3"));
    harness_answer(&h, page1, (size_t)l1, 13);
    TK(bl_tk_expect(&h.kit, "GET", "/links?cursor={cursor}&size=3"));
    harness_answer(&h, page2, (size_t)l2, 13);
    bl_moneykit_auth_t auth;
    bl_moneykit_auth_init(&auth, NULL, NULL);
    assert_int_equal(bl_moneykit_auth_set_token(&auth, "tok"), BL_OK);
    static bl_moneykit_list_t list;
    int seen = 0;
    bl_moneykit_list_init(&list, 3, on_mk, &seen);
    assert_int_equal(bl_moneykit_list_links(&h.client, &auth, &list), BL_OK);
    assert_int_equal(list.count, 3);
    assert_string_equal(list.cursor, "c2FtcGxl Y3Vyc29y");
    assert_true(sent_contains(&h, "GET /links?size=3 HTTP/1.1"));
    assert_int_equal(bl_moneykit_list_links(&h.client, &auth, &list), BL_OK);
    assert_true(sent_contains(&h, "GET /links?cursor=c2FtcGxl%20Y3Vyc29y&size=3 HTTP/1.1"));
    /* the cursor the server gave, decoded back from the second request */
    bl_tk_request_t req;
    char cursor[64];
    harness_request(&h, 1, &req);
    assert_non_null(bl_tk_query(&req, "cursor", cursor, sizeof cursor));
    assert_string_equal(cursor, "c2FtcGxl Y3Vyc29y");
    assert_int_equal(list.count, 1);
    assert_string_equal(list.cursor, "");
    assert_int_equal(seen, 4);
    assert_int_equal(h.kit.connects, 1); /* the second page reused the connection */
    harness_finished(&h);
}

int main(void)
{
    build_heron_list();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(thousand_links_in_2k),
        cmocka_unit_test(callback_stops),
        cmocka_unit_test(element_too_large),
        cmocka_unit_test(dropped_mid_list_not_retried),
        cmocka_unit_test(malformed_lists),
        cmocka_unit_test(moneykit_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
