/*
 * Hostile input from the server: every answer below ends in a defined
 * status (written next to it), never a crash, an access outside the
 * caller's buffers (ASan/UBSan), or a hang past the call's deadline.
 *
 * Each table case runs twice: the answer in one read, then one byte per
 * read. A trickling server (one byte per recv, forever, each recv taking a
 * step of the fake clock) must be stopped by the deadline: BL_ERR_TIMEOUT
 * (BL_ERR_OUTCOME_UNKNOWN for an exchange), and the clock never passes the
 * deadline by more than one step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "harness.h"

#define API_KEY "hrn_key_0123456789"
#define TOKEN "access-sandbox-de3ce8ef"
#define ITEM "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op"
#define BEARER "mk_bearer_0a1b2c3d"

/* The calls a case is made with. */
enum { C_UPDATE, C_LIST, C_TOKEN, C_EXCHANGE, C_MK_LIST, C_DELETE };

static bl_status_t on_heron(void *ctx, const bl_heron_link_t *l)
{
    (void)l;
    (*(int *)ctx)++;
    return BL_OK;
}

static bl_status_t on_mk(void *ctx, const bl_moneykit_link_t *l)
{
    (void)l;
    (*(int *)ctx)++;
    return BL_OK;
}

static bl_moneykit_list_t mk_list;
static bl_heron_link_t last_link;
static bl_moneykit_auth_t last_auth;

static bl_status_t call(harness_t *h, int which)
{
    bl_client_t *c = &h->client;
    int n = 0;
    size_t count;
    bl_moneykit_auth_init(&last_auth, NULL, NULL);
    bl_status_t st = bl_moneykit_auth_set_token(&last_auth, BEARER);
    assert_int_equal(st, BL_OK);
    switch (which) {
    case C_UPDATE:
        return bl_heron_update_link(c, API_KEY, ITEM, TOKEN, &last_link);
    case C_LIST:
        return bl_heron_list_links(c, API_KEY, "end-user-1", on_heron, &n, &count);
    case C_TOKEN:
        bl_moneykit_auth_init(&last_auth, "client-id", "client-secret");
        return bl_moneykit_fetch_token(c, &last_auth);
    case C_EXCHANGE: {
        bl_moneykit_exchange_t ex;
        return bl_moneykit_exchange_token(c, &last_auth, "c7318ff7-257c-490e-8242-03a815b223b7", &ex);
    }
    case C_MK_LIST:
        bl_moneykit_list_init(&mk_list, 0, on_mk, &n);
        return bl_moneykit_list_links(c, &last_auth, &mk_list);
    default:
        return bl_heron_delete_links(c, API_KEY, "itg_1", "end-user-1");
    }
}

static const char *const call_names[] = {"update-link", "list-links", "token", "exchange", "mk-list", "delete"};

/* The request each call sends. */
static const char *const call_methods[] = {"PUT", "GET", "POST", "POST", "GET", "DELETE"};
static const char *const call_paths[] = {"/api/integration_links/{item_id}", "/api/end_users/{end_user}/integration_links",
                                         "/auth/token", "/link-session/exchange-token", "/links",
                                         "/api/integrations/{heron_id}/links"};

/* The server of call @p which: reads the request, answers @p len bytes of
 * @p resp in pieces of @p piece bytes (0 = as much as fits), closes; each
 * retry finds a server that reads the request and closes at once. */
static void script_answer(harness_t *h, int which, const char *resp, size_t len, size_t piece)
{
    TK(bl_tk_expect(&h->kit, call_methods[which], call_paths[which]));
    harness_answer(h, resp, len, piece);
    TK(bl_tk_close(&h->kit));
    for (uint32_t i = 0; i < h->client.cfg.max_retries; i++) {
        TK(bl_tk_expect(&h->kit, call_methods[which], call_paths[which]));
        TK(bl_tk_close(&h->kit));
    }
}

/* Run call @p which against @p resp (script_answer), then check what
 * holds for every hostile answer. */
static bl_status_t run(harness_t *h, int which, const char *resp, size_t len, size_t piece)
{
    harness_init(h, sizeof h->buf, 2);
    script_answer(h, which, resp, len, piece);
    uint32_t start = bl_tk_now(&h->kit);
    bl_status_t st = call(h, which);
    assert_true(bl_tk_now(&h->kit) - start <= h->client.cfg.timeout_ms);
    assert_int_equal(h->client.last.status, st);
    if (st == BL_ERR_RECV || st == BL_ERR_TIMEOUT || st == BL_ERR_HTTP_MALFORMED || st == BL_ERR_RESPONSE_TOO_LARGE ||
        st == BL_ERR_OUTCOME_UNKNOWN) {
        assert_false(h->client.connected); /* a broken or unread answer never leaves the connection for reuse */
    }
    /* Nothing off script, and one request per attempt. */
    harness_no_mismatch(h);
    assert_int_equal(h->kit.request_total, h->client.last.attempts);
    return st;
}

/* ----------------------------------------------------- building answers */

static char big[300000];

static size_t answer(char *out, size_t cap, const char *status_and_headers, const char *body)
{
    return (size_t)snprintf(out, cap, "%s\r\nContent-Length: %zu\r\n\r\n%s", status_and_headers, strlen(body), body);
}

#define LINK_OBJ "{\"item_id\":\"" ITEM "\",\"status\":\"active\",\"created\":\"2020-01-01T00:00:00Z\"}"
static const char update_ok_body[] = "{\"integration_link\":" LINK_OBJ "}";

typedef struct hcase {
    const char *name;
    int which;
    const char *resp;
    size_t len; /* 0: strlen(resp) */
    bl_status_t want;
} hcase_t;

/* A literal and its length (it may hold NUL bytes). */
#define LIT(s) s, sizeof(s) - 1u

static unsigned long n_cases;

static void run_table(const hcase_t *cases, size_t n)
{
    static harness_t h;
    for (size_t i = 0; i < n; i++) {
        for (int pass = 0; pass < 2; pass++) {
            size_t len = cases[i].len != 0u ? cases[i].len : strlen(cases[i].resp);
            bl_status_t st = run(&h, cases[i].which, cases[i].resp, len, pass == 0 ? 0u : 1u);
            n_cases++;
            if (st != cases[i].want) {
                fail_msg("%s (%s, %s): got %s, want %s", cases[i].name, call_names[cases[i].which],
                         pass == 0 ? "one read" : "1-byte reads", bl_status_str(st), bl_status_str(cases[i].want));
            }
        }
    }
}

/* ---------------------------------------------------- status and headers */

static void long_status_and_headers(void **state)
{
    (void)state;
    static harness_t h;
    char pad[6000];
    memset(pad, 'A', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    size_t n;
    /* Longer than the 4 KiB work buffer: nothing can hold the line. */
    n = (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 %s\r\nContent-Length: 2\r\n\r\n{}", pad);
    assert_int_equal(run(&h, C_UPDATE, big, n, 0), BL_ERR_RESPONSE_TOO_LARGE);
    assert_int_equal(run(&h, C_EXCHANGE, big, n, 7), BL_ERR_RESPONSE_TOO_LARGE);
    n = (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nX-Big: %s\r\nContent-Length: 2\r\n\r\n{}", pad);
    assert_int_equal(run(&h, C_UPDATE, big, n, 0), BL_ERR_RESPONSE_TOO_LARGE);
    assert_int_equal(run(&h, C_LIST, big, n, 1), BL_ERR_RESPONSE_TOO_LARGE);
    assert_int_equal(h.client.last.attempts, 1); /* the server answered: no retry */
    /* A trailer line longer than the buffer. */
    n = (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%zx\r\n%s\r\n0\r\nX-T: %s\r\n\r\n",
                         strlen(update_ok_body), update_ok_body, pad);
    assert_int_equal(run(&h, C_UPDATE, big, n, 0), BL_ERR_RESPONSE_TOO_LARGE);
    /* A chunk extension longer than the buffer. */
    n = (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%zx;%s\r\n%s\r\n0\r\n\r\n",
                         strlen(update_ok_body), pad, update_ok_body);
    assert_int_equal(run(&h, C_UPDATE, big, n, 0), BL_ERR_RESPONSE_TOO_LARGE);
    n_cases += 7;
}

/* Thousands of headers are parsed and dropped one line at a time. */
static void thousands_of_headers(void **state)
{
    (void)state;
    static harness_t h;
    size_t n = (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\n");
    for (int i = 0; i < 10000; i++) {
        n += (size_t)snprintf(big + n, sizeof big - n, "X-Header-%05d: value %d\r\n", i, i);
    }
    n += (size_t)snprintf(big + n, sizeof big - n, "Content-Length: %zu\r\n\r\n%s", strlen(update_ok_body),
                          update_ok_body);
    assert_int_equal(run(&h, C_UPDATE, big, n, 0), BL_OK);
    assert_string_equal(last_link.item_id.ptr, ITEM);
    assert_int_equal(run(&h, C_UPDATE, big, n, 1), BL_OK);
    assert_string_equal(last_link.item_id.ptr, ITEM);
    /* ... and thousands of interim responses before the real one. */
    n = 0;
    for (int i = 0; i < 5000; i++) {
        n += (size_t)snprintf(big + n, sizeof big - n, "HTTP/1.1 100 Continue\r\nX-I: %d\r\n\r\n", i);
    }
    n += answer(big + n, sizeof big - n, "HTTP/1.1 200 OK", update_ok_body);
    assert_int_equal(run(&h, C_UPDATE, big, n, 0), BL_OK);
    n_cases += 3;
}

static void status_lines_and_framing(void **state)
{
    (void)state;
    static const hcase_t cases[] = {
        {"HTTP/2", C_UPDATE, LIT("HTTP/2 200 OK\r\nContent-Length: 2\r\n\r\n{}"), BL_ERR_HTTP_MALFORMED},
        {"4-digit status", C_UPDATE, LIT("HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\n{}"), BL_ERR_HTTP_MALFORMED},
        {"status 099", C_UPDATE, LIT("HTTP/1.1 099 X\r\n\r\n"), BL_ERR_HTTP_MALFORMED},
        {"status 600", C_UPDATE, LIT("HTTP/1.1 600 X\r\nContent-Length: 0\r\n\r\n"), BL_ERR_HTTP_MALFORMED},
        {"101 switching", C_UPDATE, LIT("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"), BL_ERR_HTTP_MALFORMED},
        {"not HTTP", C_UPDATE, LIT("ICY 200 OK\r\n\r\n"), BL_ERR_HTTP_MALFORMED},
        {"TLS alert bytes", C_UPDATE, LIT("\x15\x03\x03\x00\x02\x02\x46\n"), BL_ERR_HTTP_MALFORMED},
        {"TLS alert to exchange", C_EXCHANGE, LIT("\x15\x03\x03\x00\x02\x02\x46\n"), BL_ERR_HTTP_MALFORMED},
        {"header without colon", C_UPDATE, LIT("HTTP/1.1 200 OK\r\nNoColon\r\nContent-Length: 2\r\n\r\n{}"), BL_ERR_HTTP_MALFORMED},
        {"NUL in header name", C_UPDATE, LIT("HTTP/1.1 200 OK\r\nX\0Y: 1\r\nContent-Length: 2\r\n\r\n{}"), BL_ERR_HTTP_MALFORMED},
        {"obsolete folding", C_UPDATE, LIT("HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\nContent-Length: 2\r\n\r\n{}"), BL_ERR_HTTP_MALFORMED},
        {"space before colon", C_UPDATE, LIT("HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\n{}"), BL_ERR_HTTP_MALFORMED},
        {"TE gzip", C_UPDATE, LIT("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"), BL_ERR_HTTP_MALFORMED},
        {"TE twice", C_UPDATE, LIT("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), BL_ERR_HTTP_MALFORMED},
        {"chunk data overruns its size", C_UPDATE, LIT("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}}\r\n0\r\n\r\n"), BL_ERR_HTTP_MALFORMED},
        {"Content-Length short of the body, then close", C_UPDATE, LIT("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{}"), BL_ERR_RECV},
        {"Content-Length short, exchange", C_EXCHANGE, LIT("HTTP/1.1 201 Created\r\nContent-Length: 500\r\n\r\n{}"), BL_ERR_OUTCOME_UNKNOWN},
        {"204 with a body", C_DELETE, LIT("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello"), BL_OK},
        {"empty answer", C_UPDATE, LIT(""), BL_ERR_RECV},
        {"only CRLFs", C_UPDATE, LIT("\r\n\r\n\r\n"), BL_ERR_RECV},
    };
    run_table(cases, sizeof cases / sizeof cases[0]);
}

/* ------------------------------------------------------- chunk sizes */

static void chunk_sizes(void **state)
{
    (void)state;
    static const struct {
        const char *size;
        bl_status_t update; /* whole-body call, 4 KiB buffer */
        bl_status_t list;   /* streamed call: any size is allowed; the data then runs out */
    } cases[] = {
        {"FFFFFFFFFFFFFFF", BL_ERR_RESPONSE_TOO_LARGE, BL_ERR_RECV},     /* 2^60 - 1 */
        {"FFFFFFFFFFFFFFFF", BL_ERR_HTTP_MALFORMED, BL_ERR_HTTP_MALFORMED}, /* 2^64 - 1 */
        {"10000000000000000", BL_ERR_HTTP_MALFORMED, BL_ERR_HTTP_MALFORMED}, /* 2^64: overflows */
        {"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", BL_ERR_HTTP_MALFORMED, BL_ERR_HTTP_MALFORMED},
        {"100000000", BL_ERR_RESPONSE_TOO_LARGE, BL_ERR_RECV},   /* 2^32: overflows a 32-bit size_t */
        {"FFFFFFFF", BL_ERR_RESPONSE_TOO_LARGE, BL_ERR_RECV},
        {"-1", BL_ERR_HTTP_MALFORMED, BL_ERR_HTTP_MALFORMED},
        {"-0", BL_ERR_HTTP_MALFORMED, BL_ERR_HTTP_MALFORMED},
        {"+5", BL_ERR_HTTP_MALFORMED, BL_ERR_HTTP_MALFORMED},
        {"0x10", BL_ERR_HTTP_MALFORMED, BL_ERR_HTTP_MALFORMED},
        {"", BL_ERR_HTTP_MALFORMED, BL_ERR_HTTP_MALFORMED},
        {" 5", BL_ERR_HTTP_MALFORMED, BL_ERR_HTTP_MALFORMED},
        {"5g", BL_ERR_HTTP_MALFORMED, BL_ERR_HTTP_MALFORMED},
    };
    static harness_t h;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = (size_t)snprintf(big, sizeof big,
                                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%s\r\n{\"links\":[   ", cases[i].size);
        for (int pass = 0; pass < 2; pass++) {
            bl_status_t st = run(&h, C_UPDATE, big, n, pass ? 1u : 0u);
            if (st != cases[i].update) {
                fail_msg("chunk size \"%s\" (update): got %s, want %s", cases[i].size, bl_status_str(st),
                         bl_status_str(cases[i].update));
            }
            st = run(&h, C_LIST, big, n, pass ? 1u : 0u);
            if (st != cases[i].list) {
                fail_msg("chunk size \"%s\" (list): got %s, want %s", cases[i].size, bl_status_str(st),
                         bl_status_str(cases[i].list));
            }
            n_cases += 2;
        }
    }
    /* Leading zeros do not count towards the digit limit. */
    size_t n = (size_t)snprintf(big, sizeof big,
                                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0000000000000000000000000%zx\r\n%s\r\n0\r\n\r\n",
                                strlen(update_ok_body), update_ok_body);
    assert_int_equal(run(&h, C_UPDATE, big, n, 0), BL_OK);
    n_cases++;
}

/* ---------------------------------------------------- Content-Length */

static void content_length(void **state)
{
    (void)state;
    static const struct {
        const char *cl;
        bl_status_t want;
        unsigned long long value; /* 0: not a number */
    } cases[] = {
        {"99999999999999999999", BL_ERR_HTTP_MALFORMED, 0},  /* 20 digits */
        {"18446744073709551616", BL_ERR_HTTP_MALFORMED, 0},  /* 2^64 */
        {"9223372036854775808", BL_ERR_HTTP_MALFORMED, 0},   /* 2^63: past int64 */
        {"999999999999999999", BL_ERR_RESPONSE_TOO_LARGE, 999999999999999999ull},
        {"4294967296", BL_ERR_RESPONSE_TOO_LARGE, 4294967296ull},  /* 2^32 */
        {"4294967295", BL_ERR_RESPONSE_TOO_LARGE, 4294967295ull},
        {"4096", BL_ERR_RESPONSE_TOO_LARGE, 4096ull},
        {"-1", BL_ERR_HTTP_MALFORMED, 0},
        {"1 2", BL_ERR_HTTP_MALFORMED, 0},
        {"0x10", BL_ERR_HTTP_MALFORMED, 0},
        {"", BL_ERR_HTTP_MALFORMED, 0},
        {"+2", BL_ERR_HTTP_MALFORMED, 0},
        {"2, 3", BL_ERR_HTTP_MALFORMED, 0},
    };
    static harness_t h;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nContent-Length: %s\r\n\r\n{}", cases[i].cl);
        bl_status_t st = run(&h, C_UPDATE, big, n, 0);
        n_cases++;
        if (st != cases[i].want) {
            fail_msg("Content-Length \"%s\": got %s, want %s", cases[i].cl, bl_status_str(st), bl_status_str(cases[i].want));
        }
        if (cases[i].value != 0u) {
            /* The size that would fit is the length plus the NUL, or, when that
             * cannot be told in a size_t, "unknown" (0) or SIZE_MAX: never a
             * wrapped small number. */
            size_t need = h.client.last.needed_size;
            unsigned long long want = cases[i].value + 1u;
            bool ok = want <= (unsigned long long)SIZE_MAX ? need == (size_t)want : (need == 0u || need == SIZE_MAX);
            if (!ok) {
                fail_msg("Content-Length %s: needed_size %zu (size_t is %zu bytes)", cases[i].cl, need, sizeof(size_t));
            }
        }
    }
    /* Two different lengths: framing is ambiguous. The same one twice is fine. */
    size_t n = (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{} ");
    assert_int_equal(run(&h, C_UPDATE, big, n, 0), BL_ERR_HTTP_MALFORMED);
    n = (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nContent-Length: %zu\r\n\r\n%s",
                         strlen(update_ok_body), strlen(update_ok_body), update_ok_body);
    assert_int_equal(run(&h, C_UPDATE, big, n, 0), BL_OK);
    /* A streamed list with an absurd length: it streams until the data stops. */
    n = (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nContent-Length: 999999999999999999\r\n\r\n{\"links\":[]}");
    assert_int_equal(run(&h, C_LIST, big, n, 0), BL_ERR_RECV);
    /* Exactly the buffer minus the NUL fits; one more does not. */
    size_t cap = sizeof h.buf - 1u;
    char *body = malloc(cap + 2u);
    assert_non_null(body);
    memset(body, ' ', cap + 1u);
    memcpy(body, update_ok_body, strlen(update_ok_body));
    body[cap] = '\0';
    n = answer(big, sizeof big, "HTTP/1.1 200 OK", body);
    assert_int_equal(run(&h, C_UPDATE, big, n, 0), BL_OK);
    body[cap] = ' ';
    body[cap + 1u] = '\0';
    n = answer(big, sizeof big, "HTTP/1.1 200 OK", body);
    assert_int_equal(run(&h, C_UPDATE, big, n, 0), BL_ERR_RESPONSE_TOO_LARGE);
    assert_int_equal(h.client.last.needed_size, cap + 2u);
    free(body);
    n_cases += 5;
}

/* ------------------------------------------------------------- bodies */

static void build_update(char *out, size_t cap, const char *item_json)
{
    char body[512];
    snprintf(body, sizeof body, "{\"integration_link\":{\"item_id\":%s,\"status\":\"active\"}}", item_json);
    answer(out, cap, "HTTP/1.1 200 OK", body);
}

static void bodies_with_nul_and_bad_strings(void **state)
{
    (void)state;
    static harness_t h;
    static char resp[4096];
    static const struct {
        const char *item; /* the raw JSON text of item_id */
        size_t len;       /* 0: strlen */
        bl_status_t want;
    } cases[] = {
        {"\"ab\0cd\"", 7, BL_ERR_JSON},       /* NUL inside a string */
        {"\"a\\u12\"", 0, BL_ERR_JSON},       /* truncated \u */
        {"\"a\\u12G4\"", 0, BL_ERR_JSON},     /* bad hex */
        {"\"a\\x41\"", 0, BL_ERR_JSON},       /* no such escape */
        {"\"a\\'\"", 0, BL_ERR_JSON},
        {"\"a\\u\"", 0, BL_ERR_JSON},
        {"\"\\uD800\"", 0, BL_ERR_JSON},      /* high surrogate alone */
        {"\"\\uDC00\"", 0, BL_ERR_JSON},      /* low surrogate alone */
        {"\"\\uDE00\\uD83D\"", 0, BL_ERR_JSON}, /* reversed pair */
        {"\"\\uD83D\\u0041\"", 0, BL_ERR_JSON}, /* high + not low */
        {"\"\\uD83Dx\"", 0, BL_ERR_JSON},
        {"\"\\uD83D\\\"", 0, BL_ERR_JSON},
        {"\"\\u0000\"", 0, BL_ERR_JSON},      /* a C string cannot hold it */
        {"\"a\x01" "b\"", 0, BL_ERR_JSON},    /* raw control byte */
        {"\"a\x1f\"", 0, BL_ERR_JSON},
        {"\"\\uD83D\\uDE00\"", 0, BL_OK},     /* a real pair */
        {"\"\\u00e9\\/\\b\\f\\n\\r\\t\\\"\\\\\"", 0, BL_OK},
        {"12", 0, BL_ERR_DECODE},             /* wrong type */
        {"\"a\" \"b\"", 0, BL_ERR_JSON},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[256];
        size_t il = cases[i].len ? cases[i].len : strlen(cases[i].item);
        size_t bl = (size_t)snprintf(body, sizeof body, "{\"integration_link\":{\"item_id\":");
        memcpy(body + bl, cases[i].item, il);
        bl += il;
        bl += (size_t)snprintf(body + bl, sizeof body - bl, ",\"status\":\"active\"}}");
        size_t n = (size_t)snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", bl);
        memcpy(resp + n, body, bl);
        n += bl;
        for (int pass = 0; pass < 2; pass++) {
            bl_status_t st = run(&h, C_UPDATE, resp, n, pass ? 1u : 0u);
            n_cases++;
            if (st != cases[i].want) {
                fail_msg("item_id %zu: got %s, want %s", i, bl_status_str(st), bl_status_str(cases[i].want));
            }
        }
    }
    /* A NUL after the object, inside the declared length. */
    static const char tail[] = "HTTP/1.1 200 OK\r\nContent-Length: 47\r\n\r\n{\"integration_link\":{\"item_id\":\"x\"}}\0\0\0\0\0\0\0\0\0\0\0";
    assert_int_equal(run(&h, C_UPDATE, tail, sizeof tail - 1u, 0), BL_ERR_JSON);
    /* A NUL inside a streamed element, and in a token answer. */
    static const char list_nul[] = "HTTP/1.1 200 OK\r\nContent-Length: 33\r\n\r\n{\"links\":[{\"item_id\":\"a\0b\"}]}    ";
    assert_int_equal(run(&h, C_LIST, list_nul, sizeof list_nul - 1u, 0), BL_ERR_JSON);
    static const char tok_nul[] =
        "HTTP/1.1 200 OK\r\nContent-Length: 61\r\n\r\n{\"access_token\":\"ab\0cd\",\"token_type\":\"bearer\",\"expires_in\":1}";
    assert_int_equal(run(&h, C_TOKEN, tok_nul, sizeof tok_nul - 1u, 0), BL_ERR_JSON);
    assert_false(last_auth.valid);
    /* A NUL in a header value, even of a header banklink ignores, is
     * refused (RFC 9110 5.5); the details name the header field line. */
    static char hdr_nul[512];
    size_t n = (size_t)snprintf(hdr_nul, sizeof hdr_nul, "HTTP/1.1 200 OK\r\nX-A: a");
    hdr_nul[n++] = '\0';
    n += answer(hdr_nul + n, sizeof hdr_nul - n, "b", update_ok_body);
    assert_int_equal(run(&h, C_UPDATE, hdr_nul, n, 0), BL_ERR_HTTP_MALFORMED);
    assert_int_equal(h.client.last.http_part, BL_HTTP_PART_FIELD);
    n_cases += 4;
}

/* Raw bytes that are not UTF-8 inside a JSON string: RFC 8259 text must be
 * UTF-8, and the reader refuses what the writer would refuse to send. */
static void raw_invalid_utf8(void **state)
{
    (void)state;
    static harness_t h;
    static char resp[1024];
    static const char *const values[] = {
        "\"item\xff\xfe\"", "\"\xed\xa0\x80\"", "\"caf\xe9\"", "\"\xc0\xaf\"", "\"\xf4\x90\x80\x80\"",
        "\"x\xe2\x82\"", "\"\x80\"",
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        build_update(resp, sizeof resp, values[i]);
        assert_int_equal(run(&h, C_UPDATE, resp, strlen(resp), 0), BL_ERR_JSON);
        assert_int_equal(h.client.last.http_part, BL_HTTP_PART_NONE);
    }
    build_update(resp, sizeof resp, "\"\xf0\x9f\x98\x80\xc3\xa9\"");
    assert_int_equal(run(&h, C_UPDATE, resp, strlen(resp), 0), BL_OK);
    n_cases += 8;
}

/* The strictness rules of RFC 9112 and RFC 9110, through the client: each
 * refusal is BL_ERR_HTTP_MALFORMED with the kind of line in the details. */
static void strict_framing(void **state)
{
    (void)state;
    static harness_t h;
    static const struct {
        const char *name;
        const char *resp;
        bl_http_part_t part;
    } cases[] = {
        {"bare CR hides a Content-Length", "HTTP/1.1 200 OK\r\nX-A: a\rContent-Length: 2\r\n\r\n{}", BL_HTTP_PART_FIELD},
        {"bare CR in the status line", "HTTP/1.1 200 OK\rX\r\nContent-Length: 2\r\n\r\n{}", BL_HTTP_PART_STATUS_LINE},
        {"control byte in the reason", "HTTP/1.1 200 O\x01K\r\nContent-Length: 2\r\n\r\n{}", BL_HTTP_PART_STATUS_LINE},
        {"name outside tchar", "HTTP/1.1 200 OK\r\nFo@: 1\r\nContent-Length: 2\r\n\r\n{}", BL_HTTP_PART_FIELD},
        {"DEL in a value", "HTTP/1.1 200 OK\r\nX-A: \x7F\r\nContent-Length: 2\r\n\r\n{}", BL_HTTP_PART_FIELD},
        {"chunk size then junk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 junk\r\n{}\r\n0\r\n\r\n",
         BL_HTTP_PART_CHUNK_LINE},
        {"empty chunk extension", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;\r\n{}\r\n0\r\n\r\n",
         BL_HTTP_PART_CHUNK_LINE},
        {"unbalanced quote", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a=\"b\r\n{}\r\n0\r\n\r\n",
         BL_HTTP_PART_CHUNK_LINE},
        {"bare CR after chunk data", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\r\n0\r\n\r\n",
         BL_HTTP_PART_CHUNK_END},
        {"bare CR in a trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX: a\rb\r\n\r\n",
         BL_HTTP_PART_TRAILER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t piece = 0; piece < 2; piece++) {
            bl_status_t st = run(&h, C_UPDATE, cases[i].resp, strlen(cases[i].resp), piece);
            if (st != BL_ERR_HTTP_MALFORMED || h.client.last.http_part != cases[i].part) {
                fail_msg("%s: got %s part %d, want part %d", cases[i].name, bl_status_str(st),
                         (int)h.client.last.http_part, (int)cases[i].part);
            }
            n_cases++;
        }
    }
    /* Kept: bare LF line ends; an ordinary answer leaves no part behind. */
    static char resp[512];
    size_t n = (size_t)snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\nContent-Length: %zu\n\n%s", strlen(update_ok_body),
                                update_ok_body);
    assert_int_equal(run(&h, C_UPDATE, resp, n, 1), BL_OK);
    assert_int_equal(h.client.last.http_part, BL_HTTP_PART_NONE);
    n_cases++;
}

static void deep_nesting_and_token_budget(void **state)
{
    (void)state;
    static harness_t h;
    static char body[4096];
    /* Deeper than the token budget (256 tokens). */
    size_t n = (size_t)snprintf(body, sizeof body, "{\"integration_link\":" LINK_OBJ ",\"x\":");
    for (int i = 0; i < 1000; i++) {
        body[n++] = '[';
    }
    for (int i = 0; i < 1000; i++) {
        body[n++] = ']';
    }
    body[n++] = '}';
    body[n] = '\0';
    static char resp[8192];
    size_t rn = answer(resp, sizeof resp, "HTTP/1.1 200 OK", body);
    assert_int_equal(run(&h, C_UPDATE, resp, rn, 0), BL_ERR_JSON_TOKENS);
    /* The same with enough tokens: valid, the unknown member is skipped. */
    static bl_json_token_t many[4096];
    harness_init(&h, sizeof h.buf, 0);
    h.client.cfg.tokens = many;
    h.client.cfg.token_count = 4096;
    script_answer(&h, C_UPDATE, resp, rn, 0);
    assert_int_equal(call(&h, C_UPDATE), BL_OK);
    harness_no_mismatch(&h);
    assert_string_equal(last_link.item_id.ptr, ITEM);
    /* Deep nesting inside a streamed list element and around it. */
    n = (size_t)snprintf(body, sizeof body, "{\"links\":[{\"x\":");
    for (int i = 0; i < 200; i++) {
        body[n++] = '[';
    }
    for (int i = 0; i < 200; i++) {
        body[n++] = ']';
    }
    n += (size_t)snprintf(body + n, sizeof body - n, "}]}");
    rn = answer(resp, sizeof resp, "HTTP/1.1 200 OK", body);
    assert_int_equal(run(&h, C_LIST, resp, rn, 0), BL_ERR_JSON);
    /* More tokens than the array: 300 members. */
    n = (size_t)snprintf(body, sizeof body, "{\"integration_link\":{\"item_id\":\"x\"");
    for (int i = 0; i < 300; i++) {
        n += (size_t)snprintf(body + n, sizeof body - n, ",\"k%d\":%d", i, i);
    }
    n += (size_t)snprintf(body + n, sizeof body - n, "}}");
    rn = answer(resp, sizeof resp, "HTTP/1.1 200 OK", body);
    assert_int_equal(run(&h, C_UPDATE, resp, rn, 0), BL_ERR_JSON_TOKENS);
    /* A token answer with more tokens than BL_MONEYKIT_TOKEN_TOKENS, given exactly that many. */
    harness_init(&h, sizeof h.buf, 0);
    h.client.cfg.token_count = BL_MONEYKIT_TOKEN_TOKENS;
    n = (size_t)snprintf(body, sizeof body, "{\"access_token\":\"tok\",\"token_type\":\"bearer\",\"expires_in\":60");
    for (int i = 0; i < 20; i++) {
        n += (size_t)snprintf(body + n, sizeof body - n, ",\"k%d\":%d", i, i);
    }
    n += (size_t)snprintf(body + n, sizeof body - n, "}");
    rn = answer(resp, sizeof resp, "HTTP/1.1 200 OK", body);
    script_answer(&h, C_TOKEN, resp, rn, 0);
    assert_int_equal(call(&h, C_TOKEN), BL_ERR_JSON_TOKENS);
    harness_no_mismatch(&h);
    n_cases += 5;
}

/* ------------------------------------------------------ numbers, dates */

static void numbers_out_of_range(void **state)
{
    (void)state;
    static const struct {
        const char *expires_in;
        bl_status_t want;
        int64_t value;
    } cases[] = {
        {"3600", BL_OK, 3600},
        {"2147483647", BL_OK, 2147483647},
        {"0", BL_OK, 0},
        {"-1", BL_OK, -1},
        {"-2147483648", BL_OK, INT32_MIN},
        {"2147483648", BL_ERR_DECODE, 0},
        {"-2147483649", BL_ERR_DECODE, 0},
        {"9223372036854775807", BL_ERR_DECODE, 0},
        {"9223372036854775808", BL_ERR_DECODE, 0},
        {"-9223372036854775809", BL_ERR_DECODE, 0},
        {"99999999999999999999999999999", BL_ERR_DECODE, 0},
        {"1e3", BL_ERR_DECODE, 0},
        {"3600.0", BL_ERR_DECODE, 0},
        {"-0", BL_OK, 0},
        {"\"3600\"", BL_ERR_DECODE, 0},
        {"true", BL_ERR_DECODE, 0},
        {"null", BL_ERR_DECODE, 0},
        {"[]", BL_ERR_DECODE, 0},
        {"01", BL_ERR_JSON, 0},
        {"1.", BL_ERR_JSON, 0},
        {"--1", BL_ERR_JSON, 0},
        {"NaN", BL_ERR_JSON, 0},
        {"Infinity", BL_ERR_JSON, 0},
    };
    static harness_t h;
    static char resp[1024];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[256];
        snprintf(body, sizeof body, "{\"access_token\":\"tok-1\",\"token_type\":\"bearer\",\"expires_in\":%s}",
                 cases[i].expires_in);
        size_t n = answer(resp, sizeof resp, "HTTP/1.1 201 Created", body);
        bl_status_t st = run(&h, C_TOKEN, resp, n, 0);
        n_cases++;
        if (st != cases[i].want) {
            fail_msg("expires_in %s: got %s, want %s", cases[i].expires_in, bl_status_str(st),
                     bl_status_str(cases[i].want));
        }
        if (st == BL_OK) {
            assert_int_equal(last_auth.expires_in_s, cases[i].value);
        } else {
            assert_false(last_auth.valid);
        }
    }
    /* Timestamps out of range for their fields. */
    static const char *const dates[] = {"2020-13-01T00:00:00Z", "2021-02-29T00:00:00Z", "2020-01-01T24:00:01Z",
                                        "2020-01-01T00:60:00Z", "99999-01-01T00:00:00Z", "2020-01-01T00:00:00+99:00",
                                        "", "2020", "2020-01-01T00:00:00.Z", "2020-01-01T00:00:00Z junk"};
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        char body[256];
        snprintf(body, sizeof body, "{\"integration_link\":{\"item_id\":\"x\",\"created\":\"%s\"}}", dates[i]);
        size_t n = answer(resp, sizeof resp, "HTTP/1.1 200 OK", body);
        bl_status_t st = run(&h, C_UPDATE, resp, n, 0);
        n_cases++;
        if (st != BL_ERR_DECODE) {
            fail_msg("created \"%s\": got %s, want BL_ERR_DECODE", dates[i], bl_status_str(st));
        }
    }
    /* RFC 3339 allows any number of fraction digits: kept to the nanosecond. */
    size_t n = answer(resp, sizeof resp, "HTTP/1.1 200 OK",
                      "{\"integration_link\":{\"item_id\":\"x\",\"created\":\"2020-01-01T00:00:00.99999999999999999999Z\"}}");
    assert_int_equal(run(&h, C_UPDATE, resp, n, 0), BL_OK);
    assert_int_equal(last_link.created.unix_s, 1577836800);
    assert_int_equal(last_link.created.nanosecond, 999999999);
}

static bl_status_t run_seq(harness_t *h, int which, const char *const *answers, size_t n, uint32_t retries);

/* Wait figures a server gives: absurd ones must not overflow (UBSan) and
 * end in a defined status with a saturated figure. */
static void absurd_waits(void **state)
{
    (void)state;
    static harness_t h;
    static char resp[1024];
    static const char *const heads[] = {
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 999999999999999999",
        "HTTP/1.1 429 Too Many Requests\r\nx-ratelimit-reset: 999999999999999999",
        "HTTP/1.1 429 Too Many Requests\r\nDate: Sat, 22 Nov 2025 14:51:00 GMT\r\nx-ratelimit-reset: 999999999999999999",
        "HTTP/1.1 429 Too Many Requests\r\nDate: Sat, 22 Nov 2025 14:51:00 GMT\r\nRetry-After: Fri, 31 Dec 9999 23:59:59 GMT",
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: -5",
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: soon",
    };
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        answer(resp, sizeof resp, heads[i], "{\"code\":429,\"description\":\"slow down\",\"name\":\"Too Many Requests\"}");
        /* The same answer to every attempt: a wait that cannot be read is
         * no wait (retried after a back-off), a huge one is not waited for. */
        const char *const again[] = {resp, resp, resp};
        bl_status_t st = run_seq(&h, C_UPDATE, again, 3, 2);
        if (st != BL_ERR_RATE_LIMITED) {
            fail_msg("%s: got %s", heads[i], bl_status_str(st));
        }
        assert_true(h.client.last.retry_after_ms >= -1);
        assert_true(h.client.last.ratelimit_reset_s >= -1);
        if (i < 4u) {
            /* Told to wait for ages: the caller is told so too. */
            assert_true(bl_client_wait_ms(&h.client) > BL_RETRY_AFTER_MAX_MS);
            assert_int_equal(h.client.last.attempts, 1);
        } else {
            harness_finished(&h); /* backed off and tried all three */
        }
    }
}

/* bl_status.h: BL_ERR_RATE_LIMITED is "429 (or 503 with Retry-After) and no
 * retry left within the deadline". */
static void service_unavailable_with_retry_after(void **state)
{
    (void)state;
    static harness_t h;
    static char resp[512];
    size_t n = answer(resp, sizeof resp, "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 120", "");
    bl_status_t st = run(&h, C_UPDATE, resp, n, 0);
    n_cases++;
    assert_int_equal(h.client.last.retry_after_ms, 120000);
    if (st != BL_ERR_RATE_LIMITED) {
        fail_msg("503 + Retry-After: 120 (too long to wait): got %s, bl_status.h documents BL_ERR_RATE_LIMITED",
                 bl_status_str(st));
    }
}

/* ------------------------------------------------------ streamed lists */

static void hostile_lists(void **state)
{
    (void)state;
    static char cur[600];
    memset(cur, 'c', 300);
    cur[300] = '\0';
    static char long_cursor[1024];
    snprintf(long_cursor, sizeof long_cursor, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n{\"links\":[],\"next_cursor\":\"%s\"}",
             strlen("{\"links\":[],\"next_cursor\":\"\"}") + 300u, cur);
    static char long_key[1024];
    memset(cur, 'k', 500);
    cur[500] = '\0';
    snprintf(long_key, sizeof long_key, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n{\"%s\":1,\"links\":[]}",
             strlen("{\"\":1,\"links\":[]}") + 500u, cur);
    const hcase_t cases[] = {
        {"element not an object", C_LIST, LIT("HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n{\"links\":[1,2]}"), BL_ERR_DECODE},
        {"element is an array", C_LIST, LIT("HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n{\"links\":[[{}]]}"), BL_ERR_DECODE},
        {"top level array", C_LIST, LIT("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]"), BL_ERR_DECODE},
        {"unbalanced", C_LIST, LIT("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n{\"links\":[}]"), BL_ERR_JSON},
        {"truncated", C_LIST, LIT("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"links\":[{"), BL_ERR_JSON},
        {"garbage after", C_LIST, LIT("HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n{\"links\":[]} xx"), BL_ERR_JSON},
        {"element with a bad escape", C_LIST, LIT("HTTP/1.1 200 OK\r\nContent-Length: 28\r\n\r\n{\"links\":[{\"item_id\":\"\\q\"}]}"), BL_ERR_JSON},
        {"cursor longer than its storage", C_MK_LIST, long_cursor, 0, BL_ERR_RESPONSE_TOO_LARGE},
        {"cursor with a bad escape", C_MK_LIST, LIT("HTTP/1.1 200 OK\r\nContent-Length: 31\r\n\r\n{\"links\":[],\"next_cursor\":\"\\x\"}"), BL_ERR_JSON},
        {"cursor with \\u0000", C_MK_LIST, LIT("HTTP/1.1 200 OK\r\nContent-Length: 35\r\n\r\n{\"links\":[],\"next_cursor\":\"\\u0000\"}"), BL_ERR_JSON},
        {"key longer than the scanner keeps", C_LIST, long_key, 0, BL_OK},
        {"list not closed before close", C_MK_LIST, LIT("HTTP/1.1 200 OK\r\n\r\n{\"links\":["), BL_ERR_JSON},
    };
    run_table(cases, sizeof cases / sizeof cases[0]);
    assert_string_equal(mk_list.cursor, "");
}

/* ------------------------------------------------------- trickling server */

/* One byte per recv, each recv taking `step` ms of the fake clock (or
 * timing out when that is longer than the time it was given): the kit's
 * paced answer, split into single bytes. "Forever" is an answer longer than
 * the deadline can drain at one byte per millisecond. A slow reader is the
 * kit's send pacing with one byte per send. */
#define TRICKLE_LEN 8192u

static void trickle_case(int which, const char *head, const char *loop, uint32_t step, uint32_t send_step,
                         bl_status_t want)
{
    static harness_t h;
    static char bytes[TRICKLE_LEN];
    static const uint16_t one[] = {1};
    size_t n = strlen(head);
    size_t k = strlen(loop);
    memcpy(bytes, head, n);
    while (n < TRICKLE_LEN) {
        size_t take = TRICKLE_LEN - n < k ? TRICKLE_LEN - n : k;
        memcpy(bytes + n, loop, take);
        n += take;
    }
    harness_init(&h, sizeof h.buf, 2);
    h.client.cfg.timeout_ms = 5000;
    bl_tk_advance(&h.kit, 122456); /* any origin: the client only subtracts */
    TK(bl_tk_expect(&h.kit, NULL, NULL));
    TK(bl_tk_answer_bytes(&h.kit, bytes, TRICKLE_LEN));
    TK(bl_tk_split(&h.kit, one, 1));
    TK(bl_tk_pace(&h.kit, step));
    if (send_step != 0u) {
        bl_tk_set_send_max(&h.kit, 1);
        bl_tk_set_send_pace(&h.kit, send_step);
    }
    uint32_t start = bl_tk_now(&h.kit);
    bl_status_t st = call(&h, which);
    uint32_t spent = bl_tk_now(&h.kit) - start;
    n_cases++;
    /* The deadline stops it long before the answer runs out. */
    assert_true(h.kit.answer_off < TRICKLE_LEN - 1u);
    if (st != want || spent > h.client.cfg.timeout_ms + (step > send_step ? step : send_step)) {
        fail_msg("trickle (%s, step %u ms): got %s after %u ms (%zu bytes), want %s within %u ms + one step",
                 call_names[which], step, bl_status_str(st), spent, h.kit.answer_off, bl_status_str(want),
                 h.client.cfg.timeout_ms);
    }
}

static void trickling_server(void **state)
{
    (void)state;
    static const uint32_t steps[] = {1, 7, 250, 4999, 5000, 6000};
    char ok[512];
    answer(ok, sizeof ok, "HTTP/1.1 200 OK", update_ok_body);
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        uint32_t s = steps[i];
        trickle_case(C_UPDATE, "HTTP/1.1 200 OK\r\n", "X-Trickle: a\r\n", s, 0, BL_ERR_TIMEOUT);
        trickle_case(C_UPDATE, "", "HTTP/1.1 100 Continue\r\n\r\n", s, 0, BL_ERR_TIMEOUT);
        trickle_case(C_LIST, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n{\"links\":[\r\n", "1\r\n \r\n",
                     s, 0, BL_ERR_TIMEOUT);
        trickle_case(C_MK_LIST, "HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n{\"links\":[", " ", s, 0,
                     BL_ERR_TIMEOUT);
        trickle_case(C_EXCHANGE, "HTTP/1.1 201 Created\r\n", "X-Trickle: a\r\n", s, 0, BL_ERR_OUTCOME_UNKNOWN);
        trickle_case(C_TOKEN, "HTTP/1.1 201 Created\r\n", "X-Trickle: a\r\n", s, 0, BL_ERR_TIMEOUT);
        if (s >= 250u) {
            /* a slow reader: one request byte per send; the request cannot
             * leave within the deadline (the answer would never come) */
            trickle_case(C_EXCHANGE, "", "x", 6000, s, BL_ERR_TIMEOUT);
            trickle_case(C_UPDATE, "", "x", 6000, s, BL_ERR_TIMEOUT);
        }
    }
    /* A slow reader that does take the whole request, then a silent server. */
    trickle_case(C_EXCHANGE, "", "x", 6000, 1, BL_ERR_OUTCOME_UNKNOWN);
    trickle_case(C_UPDATE, "", "x", 6000, 1, BL_ERR_TIMEOUT);
    /* A whole answer, but slower than the deadline allows. */
    trickle_case(C_UPDATE, ok, "X", 100, 0, BL_ERR_TIMEOUT);
}


/* ------------------------------------------- statuses a server chooses */

/* Several answers on one connection (keep-alive), one request each, in
 * order; a request past the last answer is off script. */
static bl_status_t run_seq(harness_t *h, int which, const char *const *answers, size_t n, uint32_t retries)
{
    harness_init(h, sizeof h->buf, retries);
    for (size_t i = 0; i < n; i++) {
        TK(bl_tk_expect(&h->kit, call_methods[which], call_paths[which]));
        TK(bl_tk_answer(&h->kit, answers[i]));
    }
    n_cases++;
    bl_status_t st = call(h, which);
    harness_no_mismatch(h);
    assert_int_equal(h->kit.request_total, h->client.last.attempts);
    return st;
}

static char seq_buf[8][1024];

static const char *ans(int slot, const char *head, const char *body)
{
    answer(seq_buf[slot], sizeof seq_buf[slot], head, body);
    return seq_buf[slot];
}

static void server_statuses(void **state)
{
    (void)state;
    static harness_t h;
    const char *ok = ans(0, "HTTP/1.1 200 OK", update_ok_body);
    /* 502 and 504 are retried for an idempotent call, after a back-off. */
    const char *const a502[] = {ans(1, "HTTP/1.1 502 Bad Gateway", "<html/>"), ok};
    assert_int_equal(run_seq(&h, C_UPDATE, a502, 2, 2), BL_OK);
    assert_int_equal(h.client.last.attempts, 2);
    assert_true(h.kit.slept_ms > 0u);
    harness_finished(&h);
    const char *const a504[] = {ans(1, "HTTP/1.1 504 Gateway Timeout", ""), ok};
    assert_int_equal(run_seq(&h, C_UPDATE, a504, 2, 2), BL_OK);
    harness_finished(&h);
    /* ... but not for an exchange: it may have been processed. */
    const char *const x504[] = {ans(1, "HTTP/1.1 504 Gateway Timeout", "")};
    assert_int_equal(run_seq(&h, C_EXCHANGE, x504, 1, 2), BL_ERR_API);
    assert_int_equal(h.client.last.attempts, 1);
    harness_finished(&h);
    /* Retry-After: 0 retries at once, without sleeping. */
    const char *const now503[] = {ans(1, "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0", ""), ok};
    assert_int_equal(run_seq(&h, C_UPDATE, now503, 2, 2), BL_OK);
    assert_int_equal(h.kit.slept_ms, 0);
    harness_finished(&h);
    /* An epoch x-ratelimit-reset before the server's Date: nothing to wait. */
    const char *const past[] = {ans(1, "HTTP/1.1 429 Too Many Requests\r\nDate: Sat, 22 Nov 2025 14:51:00 GMT\r\n"
                                       "x-ratelimit-reset: 1700000000", "{\"code\":429}"), ok};
    assert_int_equal(run_seq(&h, C_UPDATE, past, 2, 2), BL_OK);
    harness_finished(&h);
    /* A Retry-After date without a Date header cannot be turned into a wait. */
    const char *const nodate[] = {ans(1, "HTTP/1.1 429 Too Many Requests\r\nRetry-After: Fri, 31 Dec 2100 23:59:59 GMT",
                                      "{\"code\":429}")};
    assert_int_equal(run_seq(&h, C_UPDATE, nodate, 1, 0), BL_ERR_RATE_LIMITED);
    assert_int_equal(h.client.last.retry_after_ms, -1);
    harness_finished(&h);
    /* MoneyKit's 429 is rate limited too. */
    const char *const mk429[] = {ans(1, "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 600",
                                     "{\"error_code\":\"api_error.rate_limit_exceeded\",\"error_message\":\"slow\"}")};
    assert_int_equal(run_seq(&h, C_EXCHANGE, mk429, 1, 2), BL_ERR_RATE_LIMITED);
    assert_string_equal(h.client.last.api_code.ptr, "api_error.rate_limit_exceeded");
    harness_finished(&h);
    /* Heron's error code as text, or null. */
    const char *const code_text[] = {ans(1, "HTTP/1.1 400 BAD REQUEST", "{\"code\":\"E42\",\"description\":\"bad\",\"name\":\"Bad\"}")};
    assert_int_equal(run_seq(&h, C_UPDATE, code_text, 1, 0), BL_ERR_API);
    assert_string_equal(h.client.last.api_code.ptr, "E42");
    harness_finished(&h);
    const char *const code_null[] = {ans(1, "HTTP/1.1 400 BAD REQUEST", "{\"code\":null,\"description\":\"bad\"}")};
    assert_int_equal(run_seq(&h, C_UPDATE, code_null, 1, 0), BL_ERR_API);
    assert_int_equal(h.client.last.api_code.presence, BL_NULL);
    harness_finished(&h);
}

static void moneykit_auth_answers(void **state)
{
    (void)state;
    static harness_t h;
    const char *expired = ans(0, "HTTP/1.1 401 Unauthorized",
                              "{\"error_code\":\"api_error.auth.expired_access_token\",\"error_message\":\"expired\"}");
    const char *other401 = ans(1, "HTTP/1.1 401 Unauthorized",
                               "{\"error_code\":\"api_error.auth.unauthorized\",\"error_message\":\"no\"}");
    const char *tok = ans(2, "HTTP/1.1 201 Created", "{\"access_token\":\"t2\",\"token_type\":\"bearer\",\"expires_in\":3600}");
    const char *stale = ans(3, "HTTP/1.1 201 Created", "{\"access_token\":\"t1\",\"token_type\":\"bearer\",\"expires_in\":-1}");
    const char *exch = ans(4, "HTTP/1.1 201 Created",
                           "{\"link_id\":\"mk_1\",\"link\":{\"link_id\":\"mk_1\",\"institution_id\":\"i\",\"institution_name\":\"I\","
                           "\"provider\":\"mx\",\"state\":\"connected\",\"products\":{\"identity\":{\"settings\":null}}}}");
    /* Set token, 401 expired, no credentials to renew it: the API error stands. */
    const char *const a1[] = {expired};
    assert_int_equal(run_seq(&h, C_EXCHANGE, a1, 1, 2), BL_ERR_API);
    harness_finished(&h);
    /* Another 401 is not a reason to renew. */
    harness_init(&h, sizeof h.buf, 2);
    TK(bl_tk_expect(&h.kit, "POST", "/link-session/exchange-token"));
    TK(bl_tk_answer(&h.kit, other401));
    bl_moneykit_auth_t a;
    bl_moneykit_auth_init(&a, "id", "secret");
    assert_int_equal(bl_moneykit_auth_set_token(&a, "t0"), BL_OK);
    bl_moneykit_exchange_t ex;
    assert_int_equal(bl_moneykit_exchange_token(&h.client, &a, "x", &ex), BL_ERR_API);
    assert_int_equal(h.client.last.attempts, 1);
    harness_finished(&h);
    /* Expired twice in a row: renewed once, then the error stands. */
    harness_init(&h, sizeof h.buf, 2);
    TK(bl_tk_expect(&h.kit, "POST", "/link-session/exchange-token"));
    TK(bl_tk_answer(&h.kit, expired));
    TK(bl_tk_expect(&h.kit, "POST", "/auth/token"));
    TK(bl_tk_answer(&h.kit, tok));
    TK(bl_tk_expect(&h.kit, "POST", "/link-session/exchange-token"));
    TK(bl_tk_answer(&h.kit, expired));
    bl_moneykit_auth_init(&a, "id", "secret");
    assert_int_equal(bl_moneykit_auth_set_token(&a, "t0"), BL_OK);
    assert_int_equal(bl_moneykit_exchange_token(&h.client, &a, "x", &ex), BL_ERR_API);
    harness_finished(&h);
    /* A token issued already stale (expires_in -1) is fetched again before use. */
    harness_init(&h, sizeof h.buf, 2);
    TK(bl_tk_expect(&h.kit, "POST", "/auth/token"));
    TK(bl_tk_answer(&h.kit, stale));
    bl_moneykit_auth_init(&a, "id", "secret");
    assert_int_equal(bl_moneykit_fetch_token(&h.client, &a), BL_OK);
    assert_int_equal(a.expires_in_s, -1);
    harness_finished(&h);
    harness_init(&h, sizeof h.buf, 2);
    TK(bl_tk_expect(&h.kit, "POST", "/auth/token"));
    TK(bl_tk_answer(&h.kit, tok));
    TK(bl_tk_expect(&h.kit, "POST", "/link-session/exchange-token"));
    TK(bl_tk_answer(&h.kit, exch));
    assert_int_equal(bl_moneykit_exchange_token(&h.client, &a, "x", &ex), BL_OK);
    assert_string_equal(bl_moneykit_auth_token(&a), "t2");
    assert_int_equal(ex.link.products.identity.settings.presence, BL_NULL);
    harness_finished(&h);
    /* Stale, and no credentials to renew it: it is sent as it is. */
    harness_init(&h, sizeof h.buf, 2);
    TK(bl_tk_expect(&h.kit, "POST", "/auth/token"));
    TK(bl_tk_answer(&h.kit, stale));
    bl_moneykit_auth_init(&a, "id", "secret");
    assert_int_equal(bl_moneykit_fetch_token(&h.client, &a), BL_OK);
    harness_finished(&h);
    a.client_id = NULL;
    a.client_secret = NULL;
    harness_init(&h, sizeof h.buf, 2);
    TK(bl_tk_expect(&h.kit, "POST", "/link-session/exchange-token"));
    TK(bl_tk_answer(&h.kit, exch));
    assert_int_equal(bl_moneykit_exchange_token(&h.client, &a, "x", &ex), BL_OK);
    assert_true(sent_contains(&h, "Authorization: Bearer t1\r\n"));
    bl_tk_request_t req;
    harness_request(&h, 0, &req);
    assert_true(bl_tk_header_is(&req, "Authorization", "Bearer t1"));
    harness_finished(&h);
    n_cases += 6;
}

static void odd_but_valid_headers(void **state)
{
    (void)state;
    static harness_t h;
    char resp[1024];
    /* A close hidden in a list with tabs and empty members. */
    size_t n = (size_t)snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nConnection: ,\t keep-alive ,,\tclose\t\r\nX-V:\t v \t\r\n"
                                "Content-Length: %zu\r\n\r\n%s", strlen(update_ok_body), update_ok_body);
    assert_int_equal(run(&h, C_UPDATE, resp, n, 0), BL_OK);
    assert_false(h.client.connected);
    n = (size_t)snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nConnection: upgrade,\tkeep-alive\r\n"
                         "Content-Length: %zu\r\n\r\n%s", strlen(update_ok_body), update_ok_body);
    assert_int_equal(run(&h, C_UPDATE, resp, n, 0), BL_OK);
    assert_true(h.client.connected);
    bl_client_close(&h.client); /* the caller hangs up a kept connection */
    assert_false(h.client.connected);
    assert_int_equal(h.kit.closes, 1);
    /* A chunk size followed by a tab and an extension. */
    n = (size_t)snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%zx\t;a=b\r\n%s\r\n0\r\n\r\n",
                         strlen(update_ok_body), update_ok_body);
    assert_int_equal(run(&h, C_UPDATE, resp, n, 0), BL_OK);
    /* A header line that starts with a tab is obsolete folding. */
    static const char folded[] = "HTTP/1.1 200 OK\r\n\tX: y\r\nContent-Length: 2\r\n\r\n{}";
    assert_int_equal(run(&h, C_UPDATE, folded, sizeof folded - 1u, 0), BL_ERR_HTTP_MALFORMED);
    n_cases += 4;
}

static void odd_json_shapes(void **state)
{
    (void)state;
    static const hcase_t cases[] = {
        {"list of strings", C_LIST, LIT("HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n{\"links\":[\"a\"]}"), BL_ERR_DECODE},
        {"a bare string", C_LIST, LIT("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n\"abc\""), BL_ERR_DECODE},
        {"a closing brace first", C_LIST, LIT("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n}{"), BL_ERR_JSON},
        {"tabs and CRs between", C_LIST, LIT("HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n{\t\"links\"\r:\t[]\r}\t"), BL_OK},
        {"links is an object", C_LIST, LIT("HTTP/1.1 200 OK\r\nContent-Length: 19\r\n\r\n{\"links\":{\"a\":[1]}}"), BL_OK},
        {"MoneyKit element without its fields", C_MK_LIST, LIT("HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n{\"links\":[{}]}"), BL_ERR_DECODE},
        {"tag not a string", C_MK_LIST, LIT("HTTP/1.1 200 OK\r\nContent-Length: 127\r\n\r\n{\"links\":[{\"link_id\":\"l\",\"institution_id\":\"i\",\"institution_name\":\"I\",\"provider\":\"p\",\"state\":\"error\",\"products\":{},\"tags\":[1]}]}"), BL_ERR_DECODE},
        {"exchange link_id not a string", C_EXCHANGE, LIT("HTTP/1.1 201 Created\r\nContent-Length: 23\r\n\r\n{\"link_id\":1,\"link\":{}}"), BL_ERR_DECODE},
        {"exchange without link", C_EXCHANGE, LIT("HTTP/1.1 201 Created\r\nContent-Length: 15\r\n\r\n{\"link_id\":\"l\"}"), BL_ERR_DECODE},
        {"link not an object", C_UPDATE, LIT("HTTP/1.1 200 OK\r\nContent-Length: 24\r\n\r\n{\"integration_link\":[1]}"), BL_ERR_DECODE},
        {"a top-level array", C_UPDATE, LIT("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]"), BL_ERR_DECODE},
    };
    run_table(cases, sizeof cases / sizeof cases[0]);
}

static void summary(void **state)
{
    (void)state;
    printf("hostile server answers: %lu cases\n", n_cases);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(long_status_and_headers),
        cmocka_unit_test(thousands_of_headers),
        cmocka_unit_test(status_lines_and_framing),
        cmocka_unit_test(chunk_sizes),
        cmocka_unit_test(content_length),
        cmocka_unit_test(bodies_with_nul_and_bad_strings),
        cmocka_unit_test(raw_invalid_utf8),
        cmocka_unit_test(strict_framing),
        cmocka_unit_test(deep_nesting_and_token_budget),
        cmocka_unit_test(numbers_out_of_range),
        cmocka_unit_test(service_unavailable_with_retry_after),
        cmocka_unit_test(hostile_lists),
        cmocka_unit_test(trickling_server),
        cmocka_unit_test(server_statuses),
        cmocka_unit_test(moneykit_auth_answers),
        cmocka_unit_test(odd_but_valid_headers),
        cmocka_unit_test(odd_json_shapes),
        cmocka_unit_test(summary),
        /* Last: under UBSan an overflow here ends the whole program. */
        cmocka_unit_test(absurd_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
