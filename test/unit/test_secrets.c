/*
 * Secret hygiene: after every call, success or failure, the whole work
 * buffer holds none of the API key, bearer token, client secret, access
 * tokens or exchangeable token (not even a 12-byte piece of one, in raw,
 * JSON-escaped or percent-encoded form), and the log hook never receives
 * one. bl_secure_zero writes every byte it is given and no other.
 *
 * The fault sweep in test_faults.c makes the same buffer and log scans
 * after each of its ~180,000 fault cases; this file covers the success and
 * failure paths by name (API errors, malformed and oversized answers,
 * refused input, renewals, outcome unknown).
 *
 * That the wipe cannot be optimised away is shown on the object code by
 * scripts/static_analysis.sh (bl_secure_zero at -O2, and inlined with LTO
 * into a caller whose buffer dies right after).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "harness.h"

#define API_KEY "hk_Q9x7Vt2LmP4rZ8sW1nB6"
#define PLAID "access-prod-7Yh3Kq9Wm2Xc5Vb8Nd1Zf4"
#define ASSET "assets-prod-Jr6Tp3Lx9Qw2Hs5Gk8"
#define BEARER "bearer_Uy4Oi7Pa1Sd3Fg6Hj9Kl2"
#define CLIENT_ID "mk_client_4711"
#define CLIENT_SECRET "csec_Zx8Cv5Bn2Mq7Wr4Et1Yu/+=&"
#define ISSUED "eyJ0eXAi.ISSUED_Ab3Cd6Ef9Gh2Ij5Kl8.c2ln"
#define EXCHANGEABLE "c7318ff7-257c-490e-8242-03a815b223b7"
#define ISSUED2 "eyJ0eXAi.RENEWED_Mn4Op7Qr1St5Uv9Wx.c2ln"

static const char *const secrets[] = {API_KEY, PLAID, ASSET, BEARER, "csec_Zx8Cv5Bn2Mq7Wr4Et1Yu", ISSUED, EXCHANGEABLE,
                                      ISSUED2};
#define N_SECRETS (sizeof secrets / sizeof secrets[0])
#define FRAGMENT 12u

/* ----------------------------------------------------------------- log */

static char log_buf[1 << 18];
static size_t log_len;
static int log_calls;

static void keep_log(void *ctx, bl_log_kind_t kind, const char *text, size_t len)
{
    (void)ctx;
    (void)kind;
    log_calls++;
    if (len > sizeof log_buf - log_len) {
        len = sizeof log_buf - log_len;
    }
    memcpy(log_buf + log_len, text, len);
    log_len += len;
}

/* A piece of a secret found in hay, or NULL. */
static const char *leak(const void *hay, size_t n, char *found, size_t cap)
{
    for (size_t i = 0; i < N_SECRETS; i++) {
        size_t sl = strlen(secrets[i]);
        for (size_t at = 0; at + FRAGMENT <= sl; at++) {
            char piece[FRAGMENT + 1u];
            memcpy(piece, secrets[i] + at, FRAGMENT);
            piece[FRAGMENT] = '\0';
            if (contains(hay, n, piece)) {
                snprintf(found, cap, "\"%s\" (piece of %s)", piece, secrets[i]);
                return found;
            }
        }
    }
    return NULL;
}

static void setup(harness_t *h, size_t buf_size)
{
    harness_init(h, buf_size, 2);
    h->client.cfg.log = keep_log;
    h->client.cfg.log_ctx = NULL;
    log_len = 0;
    log_calls = 0;
}

static int failures;

static void check_clean(const harness_t *h, const char *scenario, bl_status_t st)
{
    char found[128];
    if (leak(h->buf, sizeof h->buf, found, sizeof found) != NULL) {
        printf("FAIL %s (%s): work buffer holds %s\n", scenario, bl_status_str(st), found);
        failures++;
    }
    if (leak(log_buf, log_len, found, sizeof found) != NULL) {
        printf("FAIL %s (%s): log received %s\n", scenario, bl_status_str(st), found);
        failures++;
    }
}

/* ------------------------------------------------------------- answers */

static char scratch[8][4096];

static const char *answer(int slot, const char *head, const char *body)
{
    snprintf(scratch[slot], sizeof scratch[slot], "%s\r\nContent-Length: %zu\r\n\r\n%s", head, strlen(body), body);
    return scratch[slot];
}

static const char *chunked(int slot, const char *head, const char *body, size_t piece)
{
    size_t n = (size_t)snprintf(scratch[slot], sizeof scratch[slot], "%s\r\nTransfer-Encoding: chunked\r\n\r\n", head);
    size_t bl = strlen(body);
    for (size_t off = 0; off < bl; off += piece) {
        size_t c = bl - off < piece ? bl - off : piece;
        n += (size_t)snprintf(scratch[slot] + n, sizeof scratch[slot] - n, "%zx\r\n%.*s\r\n", c, (int)c, body + off);
    }
    snprintf(scratch[slot] + n, sizeof scratch[slot] - n, "0\r\n\r\n");
    return scratch[slot];
}

#define HERON_LINK "{\"item_id\":\"item-1\",\"status\":\"active\",\"created\":\"2020-01-01T00:00:00Z\"}"
#define MK_LINK                                                                                                        \
    "{\"link_id\":\"mk_1\",\"institution_id\":\"chase\",\"institution_name\":\"Chase\",\"provider\":\"mx\","          \
    "\"state\":\"connected\",\"products\":{}}"
#define TOKEN_BODY "{\"access_token\":\"" ISSUED "\",\"token_type\":\"bearer\",\"expires_in\":3600}"

/* Run `fn` against the answers (one connection, then it closes), then
 * scan. Each retry the client may make meets a server that reads the
 * request and closes at once. */
typedef bl_status_t (*call_fn)(harness_t *h);

static bl_status_t scenario(const char *name, size_t buf_size, call_fn fn, const char *const *answers, size_t n,
                            size_t piece)
{
    static harness_t h;
    setup(&h, buf_size);
    for (size_t i = 0; i < n; i++) {
        TK(bl_tk_expect(&h.kit, NULL, NULL));
        harness_answer(&h, answers[i], strlen(answers[i]), piece);
    }
    size_t answered = h.kit.step_count; /* every answer is read (or hung up on) by then */
    TK(bl_tk_close(&h.kit));
    for (uint32_t i = 0; i < h.client.cfg.max_retries; i++) {
        TK(bl_tk_expect(&h.kit, NULL, NULL));
        TK(bl_tk_close(&h.kit));
    }
    bl_status_t st = fn(&h);
    check_clean(&h, name, st);
    harness_no_mismatch(&h);
    if (h.kit.next < answered) {
        printf("FAIL %s: the script stopped at %s\n", name, bl_tk_report(&h.kit));
        failures++;
    }
    return st;
}

/* --------------------------------------------------------------- calls */

static bl_heron_link_t hl;
static bl_moneykit_auth_t auth;

static bl_status_t heron_update(harness_t *h)
{
    return bl_heron_update_link(&h->client, API_KEY, "item-1", PLAID, &hl);
}

static bl_status_t heron_create(harness_t *h)
{
    bl_heron_new_link_t nl = {"item-1", "user-1", PLAID, "Acme", ASSET};
    return bl_heron_create_link(&h->client, API_KEY, "itg_1", &nl, &hl);
}

static bl_status_t heron_refresh(harness_t *h)
{
    return bl_heron_refresh_link(&h->client, API_KEY, "itg_1", "item-1", &hl);
}

static bl_status_t heron_delete(harness_t *h)
{
    return bl_heron_delete_links(&h->client, API_KEY, "itg_1", "user-1");
}

static bl_status_t on_heron(void *ctx, const bl_heron_link_t *l)
{
    (void)ctx;
    (void)l;
    return BL_OK;
}

static bl_status_t heron_list(harness_t *h)
{
    size_t n;
    return bl_heron_list_links(&h->client, API_KEY, "user-1", on_heron, NULL, &n);
}

static bl_status_t mk_token(harness_t *h)
{
    bl_moneykit_auth_init(&auth, CLIENT_ID, CLIENT_SECRET);
    return bl_moneykit_fetch_token(&h->client, &auth);
}

static bl_status_t mk_exchange(harness_t *h)
{
    bl_moneykit_exchange_t ex;
    bl_moneykit_auth_init(&auth, NULL, NULL);
    bl_status_t st = bl_moneykit_auth_set_token(&auth, BEARER);
    assert_int_equal(st, BL_OK);
    return bl_moneykit_exchange_token(&h->client, &auth, EXCHANGEABLE, &ex);
}

static bl_status_t mk_exchange_creds(harness_t *h)
{
    bl_moneykit_exchange_t ex;
    bl_moneykit_auth_init(&auth, CLIENT_ID, CLIENT_SECRET);
    return bl_moneykit_exchange_token(&h->client, &auth, EXCHANGEABLE, &ex);
}

static bl_status_t mk_get(harness_t *h)
{
    bl_moneykit_link_t l;
    bl_moneykit_auth_init(&auth, CLIENT_ID, CLIENT_SECRET);
    bl_status_t st = bl_moneykit_auth_set_token(&auth, BEARER);
    assert_int_equal(st, BL_OK);
    return bl_moneykit_get_link(&h->client, &auth, "mk_1", &l);
}

static bl_status_t mk_delete(harness_t *h)
{
    bl_moneykit_auth_init(&auth, NULL, NULL);
    bl_status_t st = bl_moneykit_auth_set_token(&auth, BEARER);
    assert_int_equal(st, BL_OK);
    return bl_moneykit_delete_link(&h->client, &auth, "mk_1");
}

static bl_status_t on_mk(void *ctx, const bl_moneykit_link_t *l)
{
    (void)ctx;
    (void)l;
    return BL_OK;
}

static bl_moneykit_list_t mk_list;

static bl_status_t mk_list_call(harness_t *h)
{
    bl_moneykit_auth_init(&auth, NULL, NULL);
    bl_status_t st = bl_moneykit_auth_set_token(&auth, BEARER);
    assert_int_equal(st, BL_OK);
    bl_moneykit_list_init(&mk_list, 10, on_mk, NULL);
    return bl_moneykit_list_links(&h->client, &auth, &mk_list);
}

/* ---------------------------------------------------------------- tests */

#define RUN(name, size, fn, want, piece, ...)                                                                          \
    do {                                                                                                               \
        const char *const a_[] = {__VA_ARGS__};                                                                        \
        bl_status_t st_ = scenario(name, size, fn, a_, sizeof a_ / sizeof a_[0], piece);                               \
        if (st_ != (want)) {                                                                                           \
            printf("FAIL %s: got %s, want %s\n", name, bl_status_str(st_), bl_status_str(want));                      \
            failures++;                                                                                                \
        }                                                                                                              \
    } while (0)

static void heron_calls_clean(void **state)
{
    (void)state;
    failures = 0;
    const char *link_ok = answer(0, "HTTP/1.1 200 OK", "{\"integration_link\":" HERON_LINK "}");
    const char *created = answer(1, "HTTP/1.1 201 Created", "{\"link\":" HERON_LINK "}");
    const char *list = answer(2, "HTTP/1.1 200 OK", "{\"links\":[" HERON_LINK "," HERON_LINK "]}");
    const char *e401 = answer(3, "HTTP/1.1 401 UNAUTHORIZED",
                              "{\"code\":401,\"description\":\"The API key is not valid\",\"name\":\"Unauthorized\"}");
    const char *e429 = answer(4, "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 100", "{\"code\":429}");
    const char *e500 = answer(5, "HTTP/1.1 500 Internal Server Error", "<html>oops</html>");
    RUN("heron update-link", 4096, heron_update, BL_OK, 0, link_ok);
    RUN("heron update-link, 1-byte reads", 4096, heron_update, BL_OK, 1, link_ok);
    RUN("heron update-link, chunked", 4096, heron_update, BL_OK, 0,
        chunked(6, "HTTP/1.1 200 OK", "{\"integration_link\":" HERON_LINK "}", 7));
    RUN("heron create-link", 4096, heron_create, BL_OK, 0, created);
    RUN("heron refresh-link", 4096, heron_refresh, BL_OK, 0, created);
    RUN("heron delete-links", 4096, heron_delete, BL_OK, 0, "HTTP/1.1 204 No Content\r\n\r\n");
    RUN("heron list-links", 4096, heron_list, BL_OK, 3, list);
    RUN("heron update-link 401", 4096, heron_update, BL_ERR_API, 0, e401);
    RUN("heron create-link 401", 4096, heron_create, BL_ERR_API, 0, e401);
    RUN("heron update-link 429", 4096, heron_update, BL_ERR_RATE_LIMITED, 0, e429);
    RUN("heron update-link 500", 4096, heron_update, BL_ERR_API, 0, e500);
    RUN("heron update-link malformed", 4096, heron_update, BL_ERR_HTTP_MALFORMED, 0, "HTTP/1.1 2xx\r\n\r\n");
    RUN("heron update-link bad JSON", 4096, heron_update, BL_ERR_JSON, 0, answer(7, "HTTP/1.1 200 OK", "{\"a\":"));
    RUN("heron update-link no link", 4096, heron_update, BL_ERR_DECODE, 0, answer(7, "HTTP/1.1 200 OK", "{\"a\":1}"));
    static char pad[1200];
    memset(pad, 'x', sizeof pad - 1u);
    char big_body[1400];
    snprintf(big_body, sizeof big_body, "{\"integration_link\":{\"status_message\":\"%s\"}}", pad);
    RUN("heron update-link answer too large", 512, heron_update, BL_ERR_RESPONSE_TOO_LARGE, 0,
        answer(7, "HTTP/1.1 200 OK", big_body));
    RUN("heron update-link lost answer", 4096, heron_update, BL_ERR_RECV, 0, "HTTP/1.1 200 OK\r\nContent-Le");
    RUN("heron create-link lost answer", 4096, heron_create, BL_ERR_OUTCOME_UNKNOWN, 0, "HTTP/1.1 20");

    /* The request does not fit: the part that was written is wiped. */
    static char long_key[600];
    memset(long_key, 0, sizeof long_key);
    for (size_t i = 0; i + 1u < sizeof long_key; i += strlen(API_KEY)) {
        strncat(long_key, API_KEY, sizeof long_key - 1u - strlen(long_key));
    }
    static harness_t h;
    setup(&h, 256);
    assert_int_equal(bl_heron_update_link(&h.client, long_key, "item-1", PLAID, &hl), BL_ERR_REQUEST_TOO_LARGE);
    check_clean(&h, "heron update-link request too large", BL_ERR_REQUEST_TOO_LARGE);
    setup(&h, 256);
    bl_heron_new_link_t nl = {"item-1", "user-1", PLAID, "Acme", ASSET};
    bl_status_t st = bl_heron_create_link(&h.client, API_KEY, "itg_1", &nl, &hl);
    assert_int_equal(st, BL_ERR_REQUEST_TOO_LARGE);
    check_clean(&h, "heron create-link request too large", st);
    /* Send and connect failures: cut after 40 bytes; broken on every attempt. */
    setup(&h, 4096);
    h.client.cfg.max_retries = 0;
    TK(bl_tk_expect(&h.kit, "POST", "/api/integrations/itg_1/links"));
    TK(bl_tk_send_fails(&h.kit, 40, BL_IO_ERROR));
    assert_int_equal(heron_create(&h), BL_ERR_SEND);
    assert_int_equal(h.kit.bytes_sent, 40);
    check_clean(&h, "heron create-link send error", BL_ERR_SEND);
    setup(&h, 4096);
    for (int i = 0; i < 3; i++) {
        TK(bl_tk_connect(&h.kit));
        TK(bl_tk_reset_conn(&h.kit));
    }
    assert_int_equal(heron_create(&h), BL_ERR_SEND);
    harness_finished(&h);
    check_clean(&h, "heron create-link send error on every attempt", BL_ERR_SEND);
    setup(&h, 4096);
    for (int i = 0; i < 3; i++) {
        TK(bl_tk_refuse(&h.kit, BL_ERR_CONNECT));
    }
    assert_int_equal(heron_update(&h), BL_ERR_CONNECT);
    harness_finished(&h);
    check_clean(&h, "heron update-link connect refused", BL_ERR_CONNECT);
    assert_int_equal(failures, 0);
}

static void moneykit_calls_clean(void **state)
{
    (void)state;
    failures = 0;
    const char *exch = answer(0, "HTTP/1.1 201 Created", "{\"link_id\":\"mk_1\",\"link\":" MK_LINK "}");
    const char *tok = answer(1, "HTTP/1.1 201 Created", TOKEN_BODY);
    const char *expired = answer(2, "HTTP/1.1 401 Unauthorized",
                                 "{\"error_code\":\"api_error.auth.expired_access_token\",\"error_message\":\"expired\"}");
    const char *renewed = answer(3, "HTTP/1.1 201 Created",
                                 "{\"access_token\":\"" ISSUED2 "\",\"token_type\":\"bearer\",\"expires_in\":3600}");
    const char *get = answer(4, "HTTP/1.1 200 OK", MK_LINK);
    const char *list = answer(5, "HTTP/1.1 200 OK", "{\"links\":[" MK_LINK "],\"next_cursor\":\"abc\"}");
    const char *bad = answer(6, "HTTP/1.1 400 Bad Request",
                             "{\"error_code\":\"link_session_error.invalid_token_exchange\",\"error_message\":\"no\"}");
    RUN("moneykit exchange-token", 4096, mk_exchange, BL_OK, 0, exch);
    RUN("moneykit exchange-token, 1-byte reads", 4096, mk_exchange, BL_OK, 1, exch);
    RUN("moneykit exchange-token, token first", 4096, mk_exchange_creds, BL_OK, 0, tok, exch);
    RUN("moneykit exchange-token 400", 4096, mk_exchange, BL_ERR_API, 0, bad);
    RUN("moneykit exchange-token lost answer", 4096, mk_exchange, BL_ERR_OUTCOME_UNKNOWN, 0, "HTTP/1.1 201 Cre");
    RUN("moneykit exchange-token malformed", 4096, mk_exchange, BL_ERR_HTTP_MALFORMED, 0, "HTTP/9.9 201\r\n\r\n");
    RUN("moneykit get-link, expired token renewed", 4096, mk_get, BL_OK, 0, expired, renewed, get);
    RUN("moneykit delete-link", 4096, mk_delete, BL_OK, 0, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    RUN("moneykit list-links", 4096, mk_list_call, BL_OK, 5, list);
    RUN("moneykit token 401", 4096, mk_token, BL_ERR_API, 0,
        answer(7, "HTTP/1.1 401 Unauthorized", "{\"error_code\":\"api_error.auth.unauthorized\",\"error_message\":\"bad client\"}"));
    static harness_t h;
    setup(&h, 4096);
    h.client.cfg.max_retries = 0;
    TK(bl_tk_expect(&h.kit, "POST", "/auth/token"));
    TK(bl_tk_send_fails(&h.kit, 100, BL_IO_ERROR));
    assert_int_equal(mk_token(&h), BL_ERR_SEND);
    assert_int_equal(h.kit.bytes_sent, 100);
    check_clean(&h, "moneykit token send error", BL_ERR_SEND);
    setup(&h, 256);
    assert_int_equal(mk_exchange(&h), BL_ERR_REQUEST_TOO_LARGE);
    check_clean(&h, "moneykit exchange-token request too large", BL_ERR_REQUEST_TOO_LARGE);
    assert_int_equal(failures, 0);
}

/* The token answer itself: the issued token must not stay behind in the
 * work buffer, in any framing, on success or when the answer is cut short
 * or refused. */
static void token_answer_leaves_no_copy(void **state)
{
    (void)state;
    failures = 0;
    const char *tok = answer(0, "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nCache-Control: no-store", TOKEN_BODY);
    RUN("token, answer in one read", 4096, mk_token, BL_OK, 0, tok);
    RUN("token, 1-byte reads", 4096, mk_token, BL_OK, 1, tok);
    RUN("token, 64-byte reads", 4096, mk_token, BL_OK, 64, tok);
    RUN("token, chunked", 4096, mk_token, BL_OK, 0, chunked(1, "HTTP/1.1 201 Created", TOKEN_BODY, 16));
    RUN("token, escaped in JSON", 4096, mk_token, BL_OK, 0,
        answer(2, "HTTP/1.1 201 Created", "{\"access_token\":\"eyJ0eXAi.ISSUED_Ab3Cd6Ef9Gh2Ij5Kl8\\u002ec2ln\",\"token_type\":\"bearer\",\"expires_in\":3600}"));
    RUN("token, expires_in of the wrong type", 4096, mk_token, BL_ERR_DECODE, 0,
        answer(3, "HTTP/1.1 201 Created", "{\"access_token\":\"" ISSUED "\",\"token_type\":\"bearer\",\"expires_in\":\"3600\"}"));
    RUN("token, bad JSON after the token", 4096, mk_token, BL_ERR_JSON, 0,
        answer(4, "HTTP/1.1 201 Created", "{\"access_token\":\"" ISSUED "\",\"token_type\":\"bearer\",\"expires_in\":3600,}"));
    RUN("token, answer cut after the token", 4096, mk_token, BL_ERR_RECV, 0,
        "HTTP/1.1 201 Created\r\nContent-Length: 200\r\n\r\n{\"access_token\":\"" ISSUED "\",\"token_type\":");
    /* Cut after the token on every attempt (the retries meet the same server). */
    static harness_t h;
    static const char cut[] =
        "HTTP/1.1 201 Created\r\nContent-Length: 200\r\n\r\n{\"access_token\":\"" ISSUED "\",\"token_type\":";
    setup(&h, 4096);
    for (size_t i = 0; i < 3; i++) {
        TK(bl_tk_expect(&h.kit, "POST", "/auth/token"));
        TK(bl_tk_answer(&h.kit, cut));
        TK(bl_tk_close(&h.kit));
    }
    bl_status_t st = mk_token(&h);
    assert_int_equal(st, BL_ERR_RECV);
    harness_finished(&h);
    check_clean(&h, "token, answer cut after the token on every attempt", st);

    setup(&h, 4096);
    h.client.cfg.token_count = 4;
    TK(bl_tk_expect(&h.kit, "POST", "/auth/token"));
    TK(bl_tk_answer(&h.kit, tok));
    st = mk_token(&h);
    assert_int_equal(st, BL_ERR_JSON_TOKENS);
    harness_finished(&h);
    check_clean(&h, "token, more JSON tokens than the array", st);
    assert_int_equal(failures, 0);
}

/* bl_secure_zero zeroes exactly [p, p+n), at any alignment. */
static void secure_zero_writes(void **state)
{
    (void)state;
    unsigned char b[96];
    for (size_t off = 0; off < 9; off++) {
        for (size_t n = 0; n <= 64; n++) {
            memset(b, 0xEE, sizeof b);
            bl_secure_zero(b + 8 + off, n);
            for (size_t i = 0; i < sizeof b; i++) {
                bool inside = i >= 8 + off && i < 8 + off + n;
                assert_int_equal(b[i], inside ? 0x00 : 0xEE);
            }
        }
    }
    /* bl_moneykit_auth_clear wipes the whole token store. */
    bl_moneykit_auth_t a;
    bl_moneykit_auth_init(&a, NULL, NULL);
    assert_int_equal(bl_moneykit_auth_set_token(&a, BEARER), BL_OK);
    bl_moneykit_auth_clear(&a);
    for (size_t i = 0; i < sizeof a.authorization; i++) {
        assert_int_equal(a.authorization[i], 0);
    }
    assert_false(a.valid);
    assert_string_equal(bl_moneykit_auth_token(&a), "");
}

/* The log shows each secret as a marker, never the value. */
static void log_redacts(void **state)
{
    (void)state;
    failures = 0;
    const char *created = answer(0, "HTTP/1.1 201 Created", "{\"link\":" HERON_LINK "}");
    const char *const a1[] = {created};
    scenario("log: heron create-link", 4096, heron_create, a1, 1, 0);
    assert_true(contains(log_buf, log_len, "x-api-key: [REDACTED]\r\n"));
    assert_true(contains(log_buf, log_len, "\"access_token\":[REDACTED]"));
    assert_true(contains(log_buf, log_len, "\"asset_report_token\":[REDACTED]"));
    assert_true(contains(log_buf, log_len, "\"end_user_name\":\"Acme\""));
    const char *tok = answer(1, "HTTP/1.1 201 Created", TOKEN_BODY);
    const char *exch = answer(2, "HTTP/1.1 201 Created", "{\"link_id\":\"mk_1\",\"link\":" MK_LINK "}");
    const char *const a2[] = {tok, exch};
    scenario("log: moneykit exchange-token, token first", 4096, mk_exchange_creds, a2, 2, 0);
    assert_true(contains(log_buf, log_len, "client_secret=[REDACTED]"));
    assert_true(contains(log_buf, log_len, "Authorization: [REDACTED]\r\n"));
    assert_true(contains(log_buf, log_len, "{\"exchangeable_token\":[REDACTED]}"));
    assert_true(contains(log_buf, log_len, "withheld"));
    assert_true(log_calls > 0);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(heron_calls_clean),
        cmocka_unit_test(moneykit_calls_clean),
        cmocka_unit_test(token_answer_leaves_no_copy),
        cmocka_unit_test(secure_zero_writes),
        cmocka_unit_test(log_redacts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
