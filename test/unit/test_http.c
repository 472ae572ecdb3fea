/*
 * Unit tests for bl_http.h: the request writer (exact bytes, percent
 * encoding, refused values, buffer sizes, secret ranges) and the incremental
 * response reader.
 *
 * Every response is fed in every piece size from 1 byte up to its length and
 * split in two at every byte boundary; each way must give exactly the same
 * outcome (status, meta, body, extra bytes) as feeding it whole. Every buffer
 * handed to the code under test is a heap block of exactly the size passed,
 * so ASan catches any access outside it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bl_http.h"

/* ================================================================ writer */

#define UA "User-Agent: banklink/" BL_VERSION_STRING "\r\n"
#define ACCEPT "Accept: application/json\r\n"

typedef struct body_ctx {
    const char *text;   /* written as is */
    const char *secret; /* then this, marked secret (may be NULL) */
    const char *tail;   /* then this */
    bl_status_t result;
    int *calls;         /* incremented per call; odd calls write one byte more when vary */
    bool vary;
} body_ctx_t;

static bl_status_t body_writer(bl_buf_t *b, const void *ctx, bl_secrets_t *secrets)
{
    const body_ctx_t *c = (const body_ctx_t *)ctx;
    bl_buf_puts(b, c->text);
    if (c->secret != NULL) {
        size_t start = b->len;
        bl_buf_puts(b, c->secret);
        bl_secrets_mark(secrets, start, b->len);
    }
    if (c->tail != NULL) {
        bl_buf_puts(b, c->tail);
    }
    if (c->calls != NULL) {
        (*c->calls)++;
        if (c->vary && (*c->calls % 2) == 0) {
            bl_buf_put(b, "x", 1);
        }
    }
    return c->result;
}

/* Fine on the first (measuring) call, BL_ERR_INVALID_ARG on the second. */
static bl_status_t late_refusal_writer(bl_buf_t *b, const void *ctx, bl_secrets_t *secrets)
{
    const body_ctx_t *c = (const body_ctx_t *)ctx;
    bl_status_t st = body_writer(b, ctx, secrets);
    return (st == BL_OK && *c->calls == 2) ? BL_ERR_INVALID_ARG : st;
}

static bl_http_request_t base_request(bl_method_t m)
{
    bl_http_request_t req;
    memset(&req, 0, sizeof req);
    req.method = m;
    req.base_path = "";
    return req;
}

/* Write into an exactly-sized buffer of @p cap bytes. */
static bl_status_t write_cap(const char *host, uint16_t port, const bl_http_request_t *req, size_t cap, char **data,
                             bl_buf_t *out, bl_secrets_t *secrets)
{
    *data = malloc(cap == 0u ? 1u : cap);
    assert_non_null(*data);
    bl_buf_init(out, *data, cap);
    memset(secrets, 0xA5, sizeof *secrets);
    return bl_http_write_request(out, host, port, req, secrets);
}

/*
 * The request serialises to exactly @p want; in every smaller buffer it is
 * BL_ERR_REQUEST_TOO_LARGE with out->len equal to the size that fits.
 * Returns the secrets of the successful write.
 */
static bl_secrets_t expect_request(const char *host, uint16_t port, const bl_http_request_t *req, const char *want,
                                   size_t want_len)
{
    bl_secrets_t secrets;
    for (size_t cap = 0; cap < want_len; cap++) {
        char *data;
        bl_buf_t out;
        bl_status_t st = write_cap(host, port, req, cap, &data, &out, &secrets);
        if (st != BL_ERR_REQUEST_TOO_LARGE || out.len != want_len) {
            fail_msg("cap %zu: %s, len %zu (want BL_ERR_REQUEST_TOO_LARGE, %zu)", cap, bl_status_str(st), out.len,
                     want_len);
        }
        free(data);
    }
    for (size_t cap = want_len; cap < want_len + 3u; cap++) {
        char *data;
        bl_buf_t out;
        bl_status_t st = write_cap(host, port, req, cap, &data, &out, &secrets);
        if (st != BL_OK || out.len != want_len || memcmp(data, want, want_len) != 0) {
            fail_msg("cap %zu: %s; wrote\n%.*s\nwant\n%s", cap, bl_status_str(st), (int)out.len, data, want);
        }
        free(data);
    }
    return secrets;
}

static void expect_request_str(const char *host, uint16_t port, const bl_http_request_t *req, const char *want)
{
    (void)expect_request(host, port, req, want, strlen(want));
}

static void test_write_get_minimal(void **state)
{
    (void)state;
    bl_http_request_t req = base_request(BL_GET);
    expect_request_str("api.example.test", 80, &req,
                       "GET / HTTP/1.1\r\nHost: api.example.test\r\n" UA ACCEPT "\r\n");
    expect_request_str("api.example.test", 443, &req,
                       "GET / HTTP/1.1\r\nHost: api.example.test\r\n" UA ACCEPT "\r\n");
    expect_request_str("127.0.0.1", 8080, &req, "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n" UA ACCEPT "\r\n");
    expect_request_str("h", 65535, &req, "GET / HTTP/1.1\r\nHost: h:65535\r\n" UA ACCEPT "\r\n");
    expect_request_str("h", 1, &req, "GET / HTTP/1.1\r\nHost: h:1\r\n" UA ACCEPT "\r\n");
    expect_request_str("::1", 8080, &req, "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n" UA ACCEPT "\r\n");
    expect_request_str("::1", 443, &req, "GET / HTTP/1.1\r\nHost: [::1]\r\n" UA ACCEPT "\r\n");
    expect_request_str("2001:db8::42", 80, &req, "GET / HTTP/1.1\r\nHost: [2001:db8::42]\r\n" UA ACCEPT "\r\n");
    req.method = BL_DELETE;
    req.base_path = "/v1";
    expect_request_str("h", 80, &req, "DELETE /v1 HTTP/1.1\r\nHost: h\r\n" UA ACCEPT "\r\n");
    /* PUT and POST without a body still say how long it is. */
    req.method = BL_PUT;
    expect_request_str("h", 80, &req, "PUT /v1 HTTP/1.1\r\nHost: h\r\n" UA ACCEPT "Content-Length: 0\r\n\r\n");
    req.method = BL_POST;
    req.base_path = "";
    expect_request_str("h", 80, &req, "POST / HTTP/1.1\r\nHost: h\r\n" UA ACCEPT "Content-Length: 0\r\n\r\n");
}

static void test_write_full_request(void **state)
{
    (void)state;
    const char *const segs[] = {"api", "integration_links", "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op"};
    const bl_header_t headers[] = {{"x-api-key", "key-SECRET", true}, {"moneykit-version", "2023-02-18", false}};
    const bl_query_t query[] = {{"a", "1"}, {"b c", "x&y=z/?#"}, {"e", ""}};
    body_ctx_t body = {"{\"end_user\":{\"access_token\":\"", "tok-SECRET", "\"}}", BL_OK, NULL, false};
    bl_http_request_t req = base_request(BL_PUT);
    req.base_path = "/prefix/v2";
    req.segments = segs;
    req.segment_count = 3;
    req.query = query;
    req.query_count = 3;
    req.headers = headers;
    req.header_count = 2;
    req.content_type = "application/json";
    req.body = body_writer;
    req.body_ctx = &body;
    const char *want_body = "{\"end_user\":{\"access_token\":\"tok-SECRET\"}}";
    char want[1024];
    int n = snprintf(want, sizeof want,
                     "PUT /prefix/v2/api/integration_links/M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op"
                     "?a=1&b%%20c=x%%26y%%3Dz%%2F%%3F%%23&e= HTTP/1.1\r\n"
                     "Host: app.herondata.io\r\n" UA ACCEPT "x-api-key: key-SECRET\r\nmoneykit-version: 2023-02-18\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     strlen(want_body), want_body);
    bl_secrets_t sec = expect_request("app.herondata.io", 443, &req, want, (size_t)n);
    /* Secret ranges point exactly at the two secrets, header then body. */
    assert_int_equal(sec.count, 2);
    const char *key = strstr(want, "key-SECRET");
    const char *tok = strstr(want, "tok-SECRET");
    assert_int_equal(sec.start[0], (size_t)(key - want));
    assert_int_equal(sec.end[0], (size_t)(key - want) + 10u);
    assert_int_equal(sec.start[1], (size_t)(tok - want));
    assert_int_equal(sec.end[1], (size_t)(tok - want) + 10u);

    /* Without secrets there are no ranges. */
    const bl_header_t plain[] = {{"x-a", "b", false}};
    req.headers = plain;
    req.header_count = 1;
    body.secret = NULL;
    body.tail = NULL;
    body.text = "k=v";
    req.content_type = "application/x-www-form-urlencoded";
    req.query = NULL;
    req.query_count = 0;
    req.method = BL_POST;
    const char *form = "POST /prefix/v2/api/integration_links/M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op HTTP/1.1\r\n"
                       "Host: h\r\n" UA ACCEPT "x-a: b\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                       "Content-Length: 3\r\n\r\nk=v";
    sec = expect_request("h", 80, &req, form, strlen(form));
    assert_int_equal(sec.count, 0);

    /* An empty body is still a body: Content-Type and Content-Length: 0. */
    body.text = "";
    req.segments = NULL;
    req.segment_count = 0;
    req.base_path = "";
    req.headers = NULL;
    req.header_count = 0;
    expect_request_str("h", 80, &req,
                       "POST / HTTP/1.1\r\nHost: h\r\n" UA ACCEPT
                       "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\n\r\n");
}

/* Each of 256 byte values, encoded alone and between unreserved letters. */
static void test_percent_encoding_table(void **state)
{
    (void)state;
    static const char hex[] = "0123456789ABCDEF";
    for (int c = 0; c < 256; c++) {
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                          c == '.' || c == '_' || c == '~';
        char want[8];
        size_t wn = 0;
        want[wn++] = 'a';
        if (unreserved) {
            want[wn++] = (char)c; /* "a.z": a dot among other bytes stays */
        } else {
            want[wn++] = '%';
            want[wn++] = hex[c >> 4];
            want[wn++] = hex[c & 15];
        }
        want[wn++] = 'z';
        char in[3] = {'a', (char)c, 'z'};
        char *data = malloc(wn);
        assert_non_null(data);
        bl_buf_t b;
        bl_buf_init(&b, data, wn);
        bl_http_put_encoded(&b, in, sizeof in);
        assert_true(bl_buf_ok(&b));
        if (b.len != wn || memcmp(data, want, wn) != 0) {
            fail_msg("byte 0x%02X encoded as %.*s", (unsigned)c, (int)b.len, data);
        }
        free(data);

        /* As a path segment of a request (NUL cannot be in a C string). */
        if (c == 0) {
            continue;
        }
        char seg[2] = {(char)c, '\0'};
        const char *const segs[] = {seg};
        bl_http_request_t req = base_request(BL_GET);
        req.segments = segs;
        req.segment_count = 1;
        char line[160];
        if (c == '.') {
            /* a lone "." would be a dot-segment: encoded (see test_dot_segments_encoded) */
            snprintf(line, sizeof line, "GET /%%2E HTTP/1.1\r\nHost: h\r\n" UA ACCEPT "\r\n");
        } else {
            snprintf(line, sizeof line, "GET /%.*s HTTP/1.1\r\nHost: h\r\n" UA ACCEPT "\r\n", (int)(wn - 2u), want + 1);
        }
        expect_request_str("h", 80, &req, line);
    }
    /* A mix, and bytes of UTF-8. */
    char out[128];
    bl_buf_t b;
    bl_buf_init(&b, out, sizeof out);
    const char *mixed = "a b/c?d#e%f&g=h+i~j.k_l-m\xC3\xA9\r\n";
    bl_http_put_encoded(&b, mixed, strlen(mixed));
    const char *want = "a%20b%2Fc%3Fd%23e%25f%26g%3Dh%2Bi~j.k_l-m%C3%A9%0D%0A";
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(out, want, b.len);
    /* Empty input appends nothing. */
    bl_buf_init(&b, out, sizeof out);
    bl_http_put_encoded(&b, "", 0);
    assert_int_equal(b.len, 0);
    /* Measuring with no buffer gives the encoded length. */
    bl_buf_init(&b, NULL, 0);
    bl_http_put_encoded(&b, mixed, strlen(mixed));
    assert_int_equal(b.len, strlen(want));
}

static void test_value_ok(void **state)
{
    (void)state;
    for (int c = 1; c < 256; c++) {
        char v[4] = {'a', (char)c, 'b', '\0'};
        /* header values: printable ASCII only */
        bool want = c >= 0x20 && c < 0x7F;
        if (bl_http_value_ok(v) != want) {
            fail_msg("byte 0x%02X: got %d", (unsigned)c, !want);
        }
        char one[2] = {(char)c, '\0'};
        assert_int_equal(bl_http_value_ok(one), want);
        /* encoded text: no control byte; bytes >= 0x80 only as valid UTF-8 */
        assert_int_equal(bl_http_text_ok(v), c >= 0x20 && c < 0x7F);
    }
    assert_true(bl_http_text_ok("\xc3\xa9t\xc3\xa9"));
    assert_true(bl_http_text_ok("\xf0\x9f\x98\x80"));
    assert_false(bl_http_text_ok("a\xf4\x90\x80\x80" "b"));
    assert_false(bl_http_text_ok("a\xc3"));
    assert_false(bl_http_text_ok(""));
    assert_false(bl_http_text_ok(NULL));
    assert_false(bl_http_value_ok(NULL));
    assert_false(bl_http_value_ok(""));
    assert_true(bl_http_value_ok(" "));
    char *big = malloc(BL_MAX_VALUE_LEN + 2u);
    assert_non_null(big);
    memset(big, 'k', BL_MAX_VALUE_LEN + 1u);
    big[BL_MAX_VALUE_LEN] = '\0';
    assert_true(bl_http_value_ok(big));
    big[BL_MAX_VALUE_LEN] = 'k';
    big[BL_MAX_VALUE_LEN + 1u] = '\0';
    assert_false(bl_http_value_ok(big));
    free(big);
}

static bl_status_t write_big(const char *host, const bl_http_request_t *req)
{
    char *data;
    bl_buf_t out;
    bl_secrets_t sec;
    bl_status_t st = write_cap(host, 80, req, 16384, &data, &out, &sec);
    free(data);
    return st;
}

static void test_write_refused(void **state)
{
    (void)state;
    char *longv = malloc(BL_MAX_VALUE_LEN + 2u);
    assert_non_null(longv);
    memset(longv, 'v', BL_MAX_VALUE_LEN + 1u);
    longv[BL_MAX_VALUE_LEN + 1u] = '\0'; /* one too long */
    char *maxv = malloc(BL_MAX_VALUE_LEN + 1u);
    assert_non_null(maxv);
    memset(maxv, 'v', BL_MAX_VALUE_LEN);
    maxv[BL_MAX_VALUE_LEN] = '\0'; /* exactly the limit */

    /* Header values. */
    const char *bad_values[] = {"", "a\rb", "a\nb", "\r\n", "a\r\nX-Injected: 1", "a\x01", "\x1F", "a\tb", "a\x7F",
                                longv, NULL};
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
        const bl_header_t h[] = {{"x-api-key", bad_values[i], true}};
        bl_http_request_t req = base_request(BL_GET);
        req.headers = h;
        req.header_count = 1;
        assert_int_equal(write_big("h", &req), BL_ERR_INVALID_ARG);
    }
    /* Header names. */
    const char *bad_names[] = {"", "X Y", "X:Y", "X:", ":", " X", "X\r", "X\n", "X\t", "X(Y)", "X/Y", "X@Y",
                               ("\xC3\x9C" "ber"), "X\"", "X,Y", "X;Y", "X=Y", "X\x7F", NULL};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        const bl_header_t h[] = {{bad_names[i], "v", false}};
        bl_http_request_t req = base_request(BL_GET);
        req.headers = h;
        req.header_count = 1;
        if (write_big("h", &req) != BL_ERR_INVALID_ARG) {
            fail_msg("header name %zu accepted", i);
        }
    }
    /* The longest value is fine. */
    {
        const bl_header_t h[] = {{"x-long", maxv, false}};
        bl_http_request_t req = base_request(BL_GET);
        req.headers = h;
        req.header_count = 1;
        assert_int_equal(write_big("h", &req), BL_OK);
    }
    /* Host. */
    bl_http_request_t req = base_request(BL_GET);
    const char *bad_hosts[] = {"", "h\r", "h\n", "h\x01", "h\x7F", longv, NULL};
    for (size_t i = 0; i < sizeof bad_hosts / sizeof bad_hosts[0]; i++) {
        assert_int_equal(write_big(bad_hosts[i], &req), BL_ERR_INVALID_ARG);
    }
    /* Segments: empty, NULL, too long refused; the longest and odd bytes fine. */
    const char *bad_segs[] = {"", NULL, longv};
    for (size_t i = 0; i < 3; i++) {
        const char *segs[] = {"ok", bad_segs[i]};
        req.segments = segs;
        req.segment_count = 2;
        assert_int_equal(write_big("h", &req), BL_ERR_INVALID_ARG);
    }
    {
        const char *segs[] = {maxv, "a\r\nb c"};
        req.segments = segs;
        req.segment_count = 2;
        assert_int_equal(write_big("h", &req), BL_OK);
    }
    req.segments = NULL;
    req.segment_count = 0;
    /* Query: empty or NULL name, NULL or too long value. */
    const bl_query_t bad_q[] = {{"", "v"}, {NULL, "v"}, {"n", NULL}, {"n", longv}, {longv, "v"}};
    for (size_t i = 0; i < sizeof bad_q / sizeof bad_q[0]; i++) {
        req.query = &bad_q[i];
        req.query_count = 1;
        assert_int_equal(write_big("h", &req), BL_ERR_INVALID_ARG);
    }
    req.query = NULL;
    req.query_count = 0;
    /* Base path: NULL, control bytes, space, query or fragment markers. */
    const char *bad_base[] = {NULL, "/v 1", "/v?1", "/v#1", "/v\r", "/v\n", "/v\x7F", "/v\x80", "/v\t"};
    for (size_t i = 0; i < sizeof bad_base / sizeof bad_base[0]; i++) {
        req.base_path = bad_base[i];
        assert_int_equal(write_big("h", &req), BL_ERR_INVALID_ARG);
    }
    req.base_path = "";
    /* Method. */
    req.method = (bl_method_t)99;
    assert_int_equal(write_big("h", &req), BL_ERR_INVALID_ARG);
    req.method = BL_POST;
    /* Content type with a body. */
    body_ctx_t body = {"{}", NULL, NULL, BL_OK, NULL, false};
    req.body = body_writer;
    req.body_ctx = &body;
    const char *bad_ct[] = {NULL, "", "application/json\r\nX: y", "a\x01"};
    for (size_t i = 0; i < sizeof bad_ct / sizeof bad_ct[0]; i++) {
        req.content_type = bad_ct[i];
        assert_int_equal(write_big("h", &req), BL_ERR_INVALID_ARG);
    }
    req.content_type = "application/json";
    assert_int_equal(write_big("h", &req), BL_OK);
    /* A body writer that refuses its value. */
    body.result = BL_ERR_INVALID_ARG;
    assert_int_equal(write_big("h", &req), BL_ERR_INVALID_ARG);
    /* A body writer that writes a different length the second time. */
    int calls = 0;
    body_ctx_t vary = {"{}", NULL, NULL, BL_OK, &calls, true};
    req.body_ctx = &vary;
    assert_int_equal(write_big("h", &req), BL_ERR_INVALID_ARG);
    assert_int_equal(calls, 2);
    /* A body writer that measures fine, then refuses when writing for real. */
    calls = 0;
    body_ctx_t late = {"{}", NULL, NULL, BL_OK, &calls, false};
    req.body = late_refusal_writer;
    req.body_ctx = &late;
    assert_int_equal(write_big("h", &req), BL_ERR_INVALID_ARG);
    assert_int_equal(calls, 2);
    free(longv);
    free(maxv);
}

/* More secrets than BL_MAX_SECRETS can record would leave one neither
 * wiped nor redacted: the request is refused (header and body secrets). */
static void test_secrets_overflow_refused(void **state)
{
    (void)state;
    bl_header_t h[BL_MAX_SECRETS + 1u];
    char names[BL_MAX_SECRETS + 1u][8];
    for (size_t i = 0; i <= BL_MAX_SECRETS; i++) {
        snprintf(names[i], sizeof names[i], "x-s%zu", i);
        h[i].name = names[i];
        h[i].value = "secret-value";
        h[i].secret = true;
    }
    bl_http_request_t req = base_request(BL_GET);
    req.headers = h;
    char *data;
    bl_buf_t out;
    bl_secrets_t sec;
    /* Exactly BL_MAX_SECRETS: every range recorded. */
    req.header_count = BL_MAX_SECRETS;
    assert_int_equal(write_cap("h", 80, &req, 4096, &data, &out, &sec), BL_OK);
    assert_int_equal(sec.count, BL_MAX_SECRETS);
    for (size_t i = 0; i < BL_MAX_SECRETS; i++) {
        assert_int_equal(sec.end[i] - sec.start[i], strlen("secret-value"));
        assert_memory_equal(data + sec.start[i], "secret-value", sec.end[i] - sec.start[i]);
    }
    free(data);
    /* One more, in a header... */
    req.header_count = BL_MAX_SECRETS + 1u;
    assert_int_equal(write_cap("h", 80, &req, 4096, &data, &out, &sec), BL_ERR_INVALID_ARG);
    free(data);
    /* ...or in the body. */
    body_ctx_t body = {"{\"t\":\"", "body-secret", "\"}", BL_OK, NULL, false};
    req.method = BL_POST;
    req.header_count = BL_MAX_SECRETS;
    req.content_type = "application/json";
    req.body = body_writer;
    req.body_ctx = &body;
    assert_int_equal(write_cap("h", 80, &req, 4096, &data, &out, &sec), BL_ERR_INVALID_ARG);
    free(data);
    /* Marking an empty range records nothing. */
    sec.count = 0;
    bl_secrets_mark(&sec, 5, 5);
    bl_secrets_mark(&sec, 6, 5);
    assert_int_equal(sec.count, 0);
    bl_secrets_mark(NULL, 0, 1);
}

/* Path segments "." and "..": as dot-segments servers and proxies would
 * resolve them (RFC 3986 5.2.4): item_id ".." would turn
 * PUT /api/integration_links/.. into PUT /api/. They go out encoded. */
static void test_dot_segments_encoded(void **state)
{
    (void)state;
    static const struct {
        const char *seg;
        const char *wire;
    } cases[] = {
        {".", "%2E"}, {"..", "%2E%2E"}, {"...", "..."}, {".a", ".a"}, {"a.", "a."}, {"..a", "..a"}, {"./", ".%2F"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *const segs[] = {"api", "integration_links", cases[i].seg};
        bl_http_request_t req = base_request(BL_GET);
        req.segments = segs;
        req.segment_count = 3;
        char want[160];
        snprintf(want, sizeof want, "GET /api/integration_links/%s HTTP/1.1\r\nHost: h\r\n" UA ACCEPT "\r\n",
                 cases[i].wire);
        expect_request_str("h", 80, &req, want);
        /* and the encoder on its own */
        char out[16];
        bl_buf_t b;
        bl_buf_init(&b, out, sizeof out);
        bl_http_put_encoded(&b, cases[i].seg, strlen(cases[i].seg));
        assert_int_equal(b.len, strlen(cases[i].wire));
        assert_memory_equal(out, cases[i].wire, b.len);
    }
    /* In a query the dots are harmless but encoded the same way. */
    const bl_query_t q[] = {{"..", "."}};
    bl_http_request_t req = base_request(BL_GET);
    req.query = q;
    req.query_count = 1;
    expect_request_str("h", 80, &req, "GET /?%2E%2E=%2E HTTP/1.1\r\nHost: h\r\n" UA ACCEPT "\r\n");
}

/* ================================================================ reader */

#define BODY_MAX 8192

typedef struct result {
    bl_status_t st; /* first failure: feed/eof status, or TOO_LARGE when space ran out */
    bool done;
    bool started;
    bl_http_meta_t meta;
    char body[BODY_MAX];
    size_t body_len;
    bool body_nul;
    size_t extra;
    size_t unfed;
    bl_http_part_t part; /* bl_http_reader_malformed() at the end */
} result_t;

/*
 * Feed @p resp to a reader over an exactly-sized buffer of @p cap bytes, as
 * a transport would: each read gives at most @p piece bytes (0: no limit),
 * never crosses @p cut (0: none) and never exceeds the space offered. Bytes
 * after the end of the message are fed too. Then, if @p eof, the peer closes.
 */
static void run_reader(const char *resp, size_t len, size_t cap, size_t piece, size_t cut, bool eof, result_t *res)
{
    memset(res, 0, sizeof *res);
    char *buf = malloc(cap == 0u ? 1u : cap);
    assert_non_null(buf);
    bl_http_reader_t r;
    bl_http_reader_init(&r, buf, cap);
    assert_false(bl_http_reader_started(&r));
    assert_false(bl_http_reader_done(&r));
    size_t off = 0;
    res->st = BL_OK;
    while (off < len) {
        size_t avail = 12345;
        char *space = bl_http_reader_space(&r, &avail);
        if (avail == 0u) {
            if (!bl_http_reader_done(&r)) {
                res->st = BL_ERR_RESPONSE_TOO_LARGE;
            }
            break;
        }
        assert_true(space >= buf && avail < cap && (size_t)(space - buf) + avail < cap);
        size_t n = len - off;
        if (piece != 0u && n > piece) {
            n = piece;
        }
        if (cut != 0u && off < cut && n > cut - off) {
            n = cut - off;
        }
        if (n > avail) {
            n = avail;
        }
        memcpy(space, resp + off, n);
        off += n;
        bl_status_t st = bl_http_reader_feed(&r, n);
        if (st != BL_OK) {
            res->st = st;
            break;
        }
    }
    res->unfed = len - off;
    if (res->st == BL_OK && eof) {
        res->st = bl_http_reader_eof(&r);
    }
    res->done = bl_http_reader_done(&r);
    res->started = bl_http_reader_started(&r);
    res->meta = r.meta;
    res->extra = r.extra;
    res->part = bl_http_reader_malformed(&r);
    assert_true(res->st == BL_ERR_HTTP_MALFORMED ? res->part != BL_HTTP_PART_NONE : res->part == BL_HTTP_PART_NONE);
    if (res->st == BL_OK && res->done) {
        size_t blen = 0;
        char *body = bl_http_reader_body(&r, &blen);
        assert_ptr_equal(body, buf);
        assert_true(blen < cap);
        assert_true(blen <= BODY_MAX);
        memcpy(res->body, body, blen);
        res->body_len = blen;
        res->body_nul = body[blen] == '\0';
    }
    free(buf);
}

static void assert_same(const result_t *a, const result_t *b, size_t piece, size_t cut)
{
    const char *why = NULL;
    if (a->st != b->st) {
        why = "status";
    } else if (a->done != b->done) {
        why = "done";
    } else if (a->meta.status != b->meta.status) {
        why = "meta.status";
    } else if (a->meta.content_length != b->meta.content_length) {
        why = "content_length";
    } else if (a->meta.retry_after_s != b->meta.retry_after_s) {
        why = "retry_after_s";
    } else if (a->meta.date_unix != b->meta.date_unix) {
        why = "date_unix";
    } else if (a->meta.ratelimit_limit != b->meta.ratelimit_limit ||
               a->meta.ratelimit_remaining != b->meta.ratelimit_remaining ||
               a->meta.ratelimit_reset != b->meta.ratelimit_reset) {
        why = "ratelimit";
    } else if (a->meta.chunked != b->meta.chunked) {
        why = "chunked";
    } else if (a->meta.keep_alive != b->meta.keep_alive) {
        why = "keep_alive";
    } else if (a->body_len != b->body_len || memcmp(a->body, b->body, a->body_len) != 0) {
        why = "body";
    } else if (a->extra != b->extra) {
        why = "extra";
    } else if (a->extra == 0u && a->body_nul != b->body_nul) {
        why = "body NUL";
    } else if (a->part != b->part) {
        why = "malformed part";
    }
    if (why != NULL) {
        fail_msg("piece %zu cut %zu: %s differs (%s vs %s)", piece, cut, why, bl_status_str(a->st),
                 bl_status_str(b->st));
    }
}

/*
 * Feed @p resp whole into @p ref, then in every piece size and split at
 * every byte boundary; every way must end the same.
 */
static void run_every_way(const char *resp, size_t len, size_t cap, bool eof, result_t *ref)
{
    run_reader(resp, len, cap, 0, 0, eof, ref);
    result_t *other = malloc(sizeof *other);
    assert_non_null(other);
    for (size_t piece = 1; piece <= len; piece++) {
        run_reader(resp, len, cap, piece, 0, eof, other);
        assert_same(ref, other, piece, 0);
    }
    for (size_t cut = 1; cut < len; cut++) {
        run_reader(resp, len, cap, 0, cut, eof, other);
        assert_same(ref, other, 0, cut);
    }
    free(other);
}

static result_t *new_result(void)
{
    result_t *r = malloc(sizeof *r);
    assert_non_null(r);
    return r;
}

/* Run @p resp (a C string) every way with a 1 KiB buffer; expect success. */
static result_t *ok_every_way(const char *resp, bool eof)
{
    result_t *r = new_result();
    run_every_way(resp, strlen(resp), 1024, eof, r);
    if (r->st != BL_OK || !r->done) {
        fail_msg("%s (done %d) for:\n%s", bl_status_str(r->st), r->done, resp);
    }
    return r;
}

static void expect_body(const result_t *r, const char *body, size_t len)
{
    if (r->body_len != len || memcmp(r->body, body, len) != 0) {
        fail_msg("body is %zu bytes '%.*s', want %zu '%.*s'", r->body_len, (int)r->body_len, r->body, len, (int)len,
                 body);
    }
}

static void expect_fail_every_way(const char *resp, size_t len, size_t cap, bool eof, bl_status_t want)
{
    result_t *r = new_result();
    run_every_way(resp, len, cap, eof, r);
    if (r->st != want) {
        fail_msg("got %s, want %s, for:\n%.*s", bl_status_str(r->st), bl_status_str(want), (int)len, resp);
    }
    free(r);
}

static void expect_fail(const char *resp, bl_status_t want)
{
    expect_fail_every_way(resp, strlen(resp), 1024, true, want);
}

/* Refused as malformed (every way), naming @p part as the line refused. */
static void expect_malformed_len(const char *resp, size_t len, bl_http_part_t part)
{
    result_t *r = new_result();
    run_every_way(resp, len, 1024, true, r);
    if (r->st != BL_ERR_HTTP_MALFORMED || r->part != part) {
        fail_msg("got %s part %d, want BL_ERR_HTTP_MALFORMED part %d, for:\n%.*s", bl_status_str(r->st), (int)r->part,
                 (int)part, (int)len, resp);
    }
    free(r);
}

static void expect_malformed(const char *resp, bl_http_part_t part)
{
    expect_malformed_len(resp, strlen(resp), part);
}

/* ---------------------------------------------------------- status line */

static void test_read_content_length(void **state)
{
    (void)state;
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"a\":\"hello\"}";
    result_t *r = ok_every_way(resp, false);
    assert_int_equal(r->meta.status, 200);
    assert_int_equal(r->meta.content_length, 13);
    assert_false(r->meta.chunked);
    assert_true(r->meta.keep_alive);
    assert_true(r->started);
    expect_body(r, "{\"a\":\"hello\"}", 13);
    assert_true(r->body_nul);
    assert_int_equal(r->extra, 0);
    assert_int_equal(r->meta.retry_after_s, -1);
    assert_int_equal(r->meta.date_unix, -1);
    assert_int_equal(r->meta.ratelimit_limit, -1);
    assert_int_equal(r->meta.ratelimit_remaining, -1);
    assert_int_equal(r->meta.ratelimit_reset, -1);
    free(r);
    /* eof after a complete response changes nothing */
    r = ok_every_way(resp, true);
    assert_true(r->meta.keep_alive);
    free(r);
    /* Content-Length: 0 */
    r = ok_every_way("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", false);
    assert_int_equal(r->meta.status, 201);
    assert_int_equal(r->body_len, 0);
    assert_true(r->body_nul);
    free(r);
}

static void test_read_status_variants(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        int status;
        bool keep_alive;
    } ok[] = {
        {"HTTP/1.1 200 OK", 200, true},
        {"HTTP/1.1 200", 200, true},
        {"HTTP/1.1 200 ", 200, true},
        {"HTTP/1.1 404 Not Found At All", 404, true},
        {"HTTP/1.1 599 x", 599, true},
        {"HTTP/1.1 429 Too Many Requests", 429, true},
        {("HTTP/1.1 200 \xC3\x9C" "berall"), 200, true},
        {"HTTP/1.0 200 OK", 200, false},
        {"HTTP/1.0 503", 503, false},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char resp[256];
        snprintf(resp, sizeof resp, "%s\r\nContent-Length: 2\r\n\r\nhi", ok[i].line);
        result_t *r = ok_every_way(resp, false);
        assert_int_equal(r->meta.status, ok[i].status);
        assert_int_equal(r->meta.keep_alive, ok[i].keep_alive);
        expect_body(r, "hi", 2);
        free(r);
    }
    /* HTTP/1.0 that asks to keep the connection. */
    result_t *r = ok_every_way("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi", false);
    assert_true(r->meta.keep_alive);
    free(r);
    /* A stray empty line before the status line is tolerated. */
    r = ok_every_way("\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", false);
    assert_int_equal(r->meta.status, 200);
    free(r);

    static const char *const bad[] = {
        "HTTP/1.1 20 OK",    "HTTP/1.1 2000 OK",   "HTTP/1.1 20x OK",  "HTTP/2 200 OK",       "HTTP/2.0 200 OK",
        "HTTP/1.2 200 OK",   "http/1.1 200 OK",    "HTTP/1.1  200 OK", "HTTP/1.1 -20 OK",     "ICY 200 OK",
        "HTTP/1.1 099 Low",  "HTTP/1.1 000 Zero",  "HTTP/1.1 600 Hi",  "HTTP/1.1 999 Hi",     "HTTP/1.1 200OK",
        "HTTP/1.1\t200 OK",  "<html>",             "HTTP/1.1",         "HTTP/1.1 ",           "HTTP/1.1 101 Switching Protocols",
        "HTTP/1.1 101",      " HTTP/1.1 200 OK",   "HTTP/1.x 200 OK",  "HTTP/1.1 +20 OK",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char resp[256];
        snprintf(resp, sizeof resp, "%s\r\nContent-Length: 2\r\n\r\nhi", bad[i]);
        expect_fail(resp, BL_ERR_HTTP_MALFORMED);
    }
}

static void test_read_headers(void **state)
{
    (void)state;
    /* Case-insensitive names; white space around values; unknown headers. */
    result_t *r = ok_every_way("HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh:   5 \t\r\nX-Unknown: a: b: c\r\n"
                               "X-Empty:\r\nSet-Cookie: a=b; Path=/\r\nCONNECTION: Keep-Alive\r\n\r\nhello",
                               false);
    assert_int_equal(r->meta.content_length, 5);
    expect_body(r, "hello", 5);
    assert_true(r->meta.keep_alive);
    free(r);
    r = ok_every_way("HTTP/1.1 200 OK\r\nTRANSFER-ENCODING: CHUNKED\r\n\r\n5\r\nhello\r\n0\r\n\r\n", false);
    assert_true(r->meta.chunked);
    expect_body(r, "hello", 5);
    free(r);
    r = ok_every_way("HTTP/1.1 200 OK\r\nconnection: CLOSE\r\nContent-Length: 0\r\n\r\n", false);
    assert_false(r->meta.keep_alive);
    free(r);
    r = ok_every_way("HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n\r\n", false);
    assert_false(r->meta.keep_alive);
    free(r);
    r = ok_every_way("HTTP/1.1 200 OK\r\nConnection: upgrade , close \r\nContent-Length: 0\r\n\r\n", false);
    assert_false(r->meta.keep_alive);
    free(r);
    r = ok_every_way("HTTP/1.1 200 OK\r\nConnection: closed\r\nContent-Length: 0\r\n\r\n", false);
    assert_true(r->meta.keep_alive); /* "closed" is not the token "close" */
    free(r);

    /* Obsolete line folding, names without colon or with white space. */
    static const char *const bad[] = {
        "HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-A: 1\r\n\tfolded\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\n Content-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nNoColon\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: value\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX\tY: 1\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX\x7FY: 1\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX\xC3\x9C: 1\r\nContent-Length: 0\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_fail(bad[i], BL_ERR_HTTP_MALFORMED);
    }
    /* A NUL byte in a header name. */
    static const char nul_name[] = "HTTP/1.1 200 OK\r\nX\0Y: 1\r\nContent-Length: 0\r\n\r\n";
    expect_fail_every_way(nul_name, sizeof nul_name - 1u, 1024, true, BL_ERR_HTTP_MALFORMED);
}

static void test_read_content_length_edges(void **state)
{
    (void)state;
    result_t *r = ok_every_way("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", false);
    expect_body(r, "abc", 3);
    free(r);
    r = ok_every_way("HTTP/1.1 200 OK\r\nContent-Length: 0003\r\n\r\nabc", false);
    assert_int_equal(r->meta.content_length, 3);
    free(r);
    static const char *const bad_values[] = {
        "3\r\nContent-Length: 4", "3\r\nContent-Length: 2", "-1", "+3", "3a", "0x3", "3.0", "", " ", "3 3",
        "99999999999999999999999", "18446744073709551616", "9223372036854775808", "1000000000000000000",
        "3\r\ncontent-length: 30",
    };
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
        char resp[256];
        snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Length: %s\r\n\r\nabc", bad_values[i]);
        expect_fail(resp, BL_ERR_HTTP_MALFORMED);
    }
    /* Declared larger than the buffer: refused as soon as the headers end,
     * and the declared size stays available for the caller. */
    static const char *const big[] = {"999999999999999999", "1024", "100000"};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        char resp[256];
        snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Length: %s\r\n\r\nabc", big[i]);
        result_t *res = new_result();
        run_every_way(resp, strlen(resp), 1024, true, res);
        assert_int_equal(res->st, BL_ERR_RESPONSE_TOO_LARGE);
        assert_int_equal(res->meta.content_length, strtoll(big[i], NULL, 10));
        free(res);
    }
    /* Exactly the largest body that fits: cap - 1 (one byte for the NUL). */
    for (size_t cap = 40; cap < 48; cap++) {
        char resp[256];
        char body[64];
        memset(body, 'b', sizeof body);
        size_t blen = cap - 1u;
        int n = snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%.*s", blen, (int)blen, body);
        result_t *res = new_result();
        run_every_way(resp, (size_t)n, cap, false, res);
        assert_int_equal(res->st, BL_OK);
        expect_body(res, body, blen);
        assert_true(res->body_nul);
        n = snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%.*s", cap, (int)cap, body);
        run_every_way(resp, (size_t)n, cap, false, res);
        assert_int_equal(res->st, BL_ERR_RESPONSE_TOO_LARGE);
        free(res);
    }
}

/* ---------------------------------------------------------------- chunked */

static void test_read_chunked(void **state)
{
    (void)state;
    static const struct {
        const char *resp;
        const char *body;
    } ok[] = {
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1;flag\r\nhello\r\n0;last\r\n\r\n", "hello"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 ;ext=\"q\"\r\nhello\r\n0\r\n\r\n", "hello"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n",
         "0123456789abcdefghij"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0005\r\nhello\r\n00000000000000000000001\r\n!\r\n000\r\n\r\n",
         "hello!"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n1\r\nc\r\n0\r\nX-T: 1\r\nX-U: 2\r\n\r\n",
         "abc"},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", ""},
        /* data that looks like framing */
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n0\r\n\r\n5\r\nx\r\n3\r\n\r\n\r\r\n0\r\n\r\n",
         "0\r\n\r\n5\r\nx\r\n\r"},
        /* Transfer-Encoding value case and white space */
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding:   Chunked  \r\n\r\n2\r\nok\r\n0\r\n\r\n", "ok"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        result_t *r = ok_every_way(ok[i].resp, false);
        assert_true(r->meta.chunked);
        assert_int_equal(r->meta.content_length, -1);
        assert_true(r->meta.keep_alive);
        expect_body(r, ok[i].body, strlen(ok[i].body));
        assert_true(r->body_nul);
        assert_int_equal(r->extra, 0);
        free(r);
    }
    /* Chunked wins over Content-Length, but such a connection is not reused. */
    result_t *r = ok_every_way("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "2\r\nok\r\n0\r\n\r\n",
                               false);
    expect_body(r, "ok", 2);
    assert_false(r->meta.keep_alive);
    assert_int_equal(r->meta.content_length, -1);
    free(r);

    static const char *const malformed[] = {
        "-5\r\nhello\r\n0\r\n\r\n",
        "\r\nhello\r\n0\r\n\r\n",
        "5x\r\nhello\r\n0\r\n\r\n",
        "x5\r\nhello\r\n0\r\n\r\n",
        "0x5\r\nhello\r\n0\r\n\r\n",
        "+5\r\nhello\r\n0\r\n\r\n",
        ";5\r\nhello\r\n0\r\n\r\n",
        "5\r\nhelloX\r\n0\r\n\r\n",
        "5\r\nhello0\r\n\r\n",
        "5\r\nhello\r\n\r\n0\r\n\r\n",
        "FFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n",
        "10000000000000000\r\nhello\r\n0\r\n\r\n",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n",
        "1FFFFFFFFFFFFFFFFF\r\nx\r\n0\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        char resp[256];
        snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%s", malformed[i]);
        expect_fail(resp, BL_ERR_HTTP_MALFORMED);
    }
    static const char *const too_large[] = {
        "400\r\nhello\r\n0\r\n\r\n",             /* 1024 > 1023 */
        "FFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n", /* 15 digits: huge but not overflowing */
        "00000000000000000000FFFFFFFF\r\nx\r\n",  /* leading zeros do not hide the size */
        "200\r\n", /* then a second chunk that makes the total too big */
    };
    for (size_t i = 0; i < sizeof too_large / sizeof too_large[0]; i++) {
        char resp[2048];
        int n = snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%s", too_large[i]);
        if (i == 3) {
            char data[0x200];
            memset(data, 'd', sizeof data);
            n += snprintf(resp + n, sizeof resp - (size_t)n, "%.*s\r\n200\r\n", (int)sizeof data, data);
        }
        result_t *res = new_result();
        run_every_way(resp, (size_t)n, 1024, true, res);
        if (res->st != BL_ERR_RESPONSE_TOO_LARGE) {
            fail_msg("too_large[%zu]: %s", i, bl_status_str(res->st));
        }
        free(res);
    }

    /* Only chunked is understood; anything else is not ours to undo. */
    static const char *const te[] = {"gzip", "gzip, chunked", "chunked, gzip", "deflate", "identity", "chunked;q=1",
                                     "chunked\r\nTransfer-Encoding: chunked", ""};
    for (size_t i = 0; i < sizeof te / sizeof te[0]; i++) {
        char resp[256];
        snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nTransfer-Encoding: %s\r\n\r\n2\r\nok\r\n0\r\n\r\n", te[i]);
        expect_fail(resp, BL_ERR_HTTP_MALFORMED);
    }
}

/* The largest chunked body a buffer takes: the framing after the last data
 * byte ("\r\n", "0\r\n", "\r\n") is read into the space left behind the
 * decoded body, so a chunked body needs 3 spare bytes besides the NUL,
 * where a Content-Length body needs only the NUL. Beyond that: too large,
 * never malformed. */
static void test_read_chunked_size_limit(void **state)
{
    (void)state;
    for (size_t cap = 32; cap < 40; cap++) {
        for (size_t b = cap - 8u; b <= cap; b++) {
            char resp[256];
            char data[64];
            memset(data, 'q', sizeof data);
            int n = snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%zx\r\n%.*s\r\n0\r\n\r\n",
                             b, (int)b, data);
            result_t *r = new_result();
            run_every_way(resp, (size_t)n, cap, true, r);
            if (b + 4u <= cap) {
                assert_int_equal(r->st, BL_OK);
                expect_body(r, data, b);
                assert_true(r->body_nul);
            } else if (r->st != BL_ERR_RESPONSE_TOO_LARGE) {
                fail_msg("cap %zu body %zu: %s", cap, b, bl_status_str(r->st));
            }
            free(r);
        }
    }
}

/* Every buffer size from 1 up: a response either decodes exactly or is too
 * large, never malformed; once it fits, every larger buffer fits too. */
static void test_read_every_buffer_size(void **state)
{
    (void)state;
    static const char *const resps[] = {
        ("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Pad: 0123456789\r\n\r\n"
         "7;e=1\r\n{\"a\":1,\r\n8\r\n\"b\":[2]}\r\n0\r\nX-Trailer: t\r\n\r\n"),
        "HTTP/1.1 200 OK\r\nContent-Length: 15\r\nX-Pad: 0123456789\r\n\r\n{\"a\":1,\"b\":[2]}",
        "HTTP/1.1 200 OK\r\nX-Pad: 0123456789\r\n\r\n{\"a\":1,\"b\":[2]}",
    };
    for (size_t k = 0; k < 3; k++) {
        size_t len = strlen(resps[k]);
        bool fitted = false;
        for (size_t cap = 1; cap <= len + 4u; cap++) {
            result_t *r = new_result();
            run_every_way(resps[k], len, cap, true, r);
            if (r->st == BL_OK) {
                assert_true(r->done);
                expect_body(r, "{\"a\":1,\"b\":[2]}", 15);
                fitted = true;
            } else {
                if (r->st != BL_ERR_RESPONSE_TOO_LARGE || fitted) {
                    fail_msg("response %zu cap %zu: %s after fitting=%d", k, cap, bl_status_str(r->st), fitted);
                }
            }
            free(r);
        }
        assert_true(fitted);
    }
}

/* -------------------------------------------------------- close, truncation */

static void test_read_close_delimited(void **state)
{
    (void)state;
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"until\":\"close\"}";
    result_t *r = ok_every_way(resp, true);
    expect_body(r, "{\"until\":\"close\"}", 17);
    assert_false(r->meta.keep_alive);
    assert_int_equal(r->meta.content_length, -1);
    assert_true(r->body_nul);
    free(r);
    /* Without the close it is not done. */
    r = new_result();
    run_every_way(resp, strlen(resp), 1024, false, r);
    assert_int_equal(r->st, BL_OK);
    assert_false(r->done);
    assert_true(r->started);
    free(r);
    /* Empty close-delimited body; HTTP/1.0. */
    r = ok_every_way("HTTP/1.0 200 OK\r\n\r\n", true);
    assert_int_equal(r->body_len, 0);
    free(r);
    /* Larger than the buffer: space runs out. */
    char big[2048];
    int n = snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\n\r\n");
    memset(big + n, 'x', sizeof big - (size_t)n);
    expect_fail_every_way(big, sizeof big, 1024, true, BL_ERR_RESPONSE_TOO_LARGE);
}

static void test_read_truncated(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "",
        "H",
        "HTTP/1.1 200 OK",
        "HTTP/1.1 200 OK\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhell",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n",
        "HTTP/1.1 100 Continue\r\n\r\n",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_fail(cases[i], BL_ERR_RECV);
    }
}

/* --------------------------------------------------- interim and no body */

static void test_read_interim_and_no_body(void **state)
{
    (void)state;
    result_t *r = ok_every_way("HTTP/1.1 100 Continue\r\nRetry-After: 9\r\nConnection: close\r\n\r\n"
                               "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                               "HTTP/1.1 102 Processing\r\n\r\n"
                               "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                               false);
    assert_int_equal(r->meta.status, 200);
    assert_int_equal(r->meta.retry_after_s, -1); /* the interim's headers do not leak */
    assert_true(r->meta.keep_alive);
    expect_body(r, "ok", 2);
    free(r);

    /* Many interim responses through a small buffer. */
    char many[8192];
    size_t k = 0;
    for (int i = 0; i < 200; i++) {
        k += (size_t)snprintf(many + k, sizeof many - k, "HTTP/1.1 100 Continue\r\n\r\n");
    }
    k += (size_t)snprintf(many + k, sizeof many - k, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    result_t *res = new_result();
    for (size_t piece = 1; piece < 64; piece += 7) {
        run_reader(many, k, 40, piece, 0, false, res);
        assert_int_equal(res->st, BL_OK);
        assert_true(res->done);
        expect_body(res, "ok", 2);
    }
    free(res);

    /* 204 and 304 end at the empty line, whatever the headers say. */
    static const char *const nobody[] = {
        "HTTP/1.1 204 No Content\r\n\r\n",
        "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof nobody / sizeof nobody[0]; i++) {
        r = ok_every_way(nobody[i], false);
        assert_int_equal(r->body_len, 0);
        assert_true(r->body_nul);
        assert_true(r->meta.keep_alive);
        free(r);
    }
}

/* ------------------------------------------------- retry-after, ratelimit */

static void test_read_retry_after_and_ratelimit(void **state)
{
    (void)state;
    static const struct {
        const char *headers;
        int64_t retry_after;
        int64_t date;
    } cases[] = {
        {"Retry-After: 120\r\n", 120, -1},
        {"Retry-After: 0\r\n", 0, -1},
        {"retry-after:  7 \r\n", 7, -1},
        {"Retry-After: 1.5\r\n", -1, -1},
        {"Retry-After: -3\r\n", -1, -1},
        {"Retry-After: soon\r\n", -1, -1},
        {"Retry-After: 99999999999999999999999\r\n", -1, -1},
        /* a date, converted with the server's Date header, in either order */
        {"Date: Wed, 21 Oct 2015 07:28:00 GMT\r\nRetry-After: Wed, 21 Oct 2015 07:30:00 GMT\r\n", 120, 1445412480},
        {"Retry-After: Wed, 21 Oct 2015 07:30:00 GMT\r\nDate: Wed, 21 Oct 2015 07:28:00 GMT\r\n", 120, 1445412480},
        {"Date: Wed, 21 Oct 2015 07:28:00 GMT\r\nRetry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n", 0, 1445412480},
        {"Date: Wed, 21 Oct 2015 07:28:00 GMT\r\nRetry-After: Wed, 21 Oct 2015 07:00:00 GMT\r\n", 0, 1445412480},
        {"Date: Wed, 21 Oct 2015 07:28:00 GMT\r\nRetry-After: Thu, 22 Oct 2015 07:28:00 GMT\r\n", 86400, 1445412480},
        {"Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n", -1, 784111777},
        {"Date: garbage\r\n", -1, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char resp[512];
        snprintf(resp, sizeof resp, "HTTP/1.1 429 Too Many Requests\r\n%sContent-Length: 0\r\n\r\n", cases[i].headers);
        result_t *r = ok_every_way(resp, false);
        if (r->meta.retry_after_s != cases[i].retry_after || r->meta.date_unix != cases[i].date) {
            fail_msg("case %zu: retry_after %lld date %lld", i, (long long)r->meta.retry_after_s,
                     (long long)r->meta.date_unix);
        }
        assert_int_equal(r->meta.status, 429);
        free(r);
    }
    result_t *r = ok_every_way("HTTP/1.1 200 OK\r\nX-RateLimit-Limit: 100\r\nx-ratelimit-remaining: 0\r\n"
                               "X-RATELIMIT-RESET: 1700000000\r\nContent-Length: 0\r\n\r\n",
                               false);
    assert_int_equal(r->meta.ratelimit_limit, 100);
    assert_int_equal(r->meta.ratelimit_remaining, 0);
    assert_int_equal(r->meta.ratelimit_reset, 1700000000);
    free(r);
    r = ok_every_way("HTTP/1.1 200 OK\r\nX-RateLimit-Limit: many\r\nX-RateLimit-Remaining: -1\r\n"
                     "X-RateLimit-Reset: 1.5\r\nContent-Length: 0\r\n\r\n",
                     false);
    assert_int_equal(r->meta.ratelimit_limit, -1);
    assert_int_equal(r->meta.ratelimit_remaining, -1);
    assert_int_equal(r->meta.ratelimit_reset, -1);
    free(r);
}

/* ------------------------------------------------------------- keep-alive */

static void test_read_keep_alive_and_extra(void **state)
{
    (void)state;
    /* The next response arriving with this one: counted, connection not reused. */
    const char *two = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    result_t *r = ok_every_way(two, false);
    expect_body(r, "ok", 2);
    assert_int_equal(r->extra, strlen(two) / 2u);
    assert_false(r->meta.keep_alive);
    free(r);
    r = ok_every_way("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\nJUNK", false);
    expect_body(r, "ok", 2);
    assert_int_equal(r->extra, 4);
    assert_false(r->meta.keep_alive);
    free(r);
    r = ok_every_way("HTTP/1.1 204 No Content\r\n\r\nX", false);
    assert_int_equal(r->extra, 1);
    assert_false(r->meta.keep_alive);
    free(r);
    /* Without extra bytes, HTTP/1.1 keeps the connection. */
    r = ok_every_way("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false);
    assert_true(r->meta.keep_alive);
    assert_int_equal(r->extra, 0);
    free(r);
}

/* ---------------------------------------------------- buffer-sized hostility */

static void test_read_line_longer_than_buffer(void **state)
{
    (void)state;
    char resp[512];
    char pad[300];
    memset(pad, 'a', sizeof pad);
    /* status line, header line, chunk-size line, trailer line */
    snprintf(resp, sizeof resp, "HTTP/1.1 200 %.*s\r\nContent-Length: 0\r\n\r\n", 100, pad);
    expect_fail_every_way(resp, strlen(resp), 64, true, BL_ERR_RESPONSE_TOO_LARGE);
    snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nX-Long: %.*s\r\nContent-Length: 0\r\n\r\n", 100, pad);
    expect_fail_every_way(resp, strlen(resp), 64, true, BL_ERR_RESPONSE_TOO_LARGE);
    snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;%.*s\r\nok\r\n0\r\n\r\n", 100,
             pad);
    expect_fail_every_way(resp, strlen(resp), 64, true, BL_ERR_RESPONSE_TOO_LARGE);
    snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T: %.*s\r\n\r\n",
             100, pad);
    expect_fail_every_way(resp, strlen(resp), 64, true, BL_ERR_RESPONSE_TOO_LARGE);
    /* The same lines fit a larger buffer. */
    result_t *r = new_result();
    run_every_way(resp, strlen(resp), 256, true, r);
    assert_int_equal(r->st, BL_OK);
    expect_body(r, "ok", 2);
    free(r);
    /* Space reports 0 when the buffer is exhausted by one line, and stays 0. */
    char *buf = malloc(16);
    assert_non_null(buf);
    bl_http_reader_t rd;
    bl_http_reader_init(&rd, buf, 16);
    size_t avail;
    char *space = bl_http_reader_space(&rd, &avail);
    assert_int_equal(avail, 15);
    memcpy(space, "HTTP/1.1 200 OK", 15);
    assert_int_equal(bl_http_reader_feed(&rd, 15), BL_OK);
    (void)bl_http_reader_space(&rd, &avail);
    assert_int_equal(avail, 0);
    (void)bl_http_reader_space(&rd, &avail);
    assert_int_equal(avail, 0);
    free(buf);
    /* A zero or one byte buffer never offers space. */
    bl_http_reader_init(&rd, NULL, 0);
    (void)bl_http_reader_space(&rd, &avail);
    assert_int_equal(avail, 0);
    char one[1];
    bl_http_reader_init(&rd, one, 1);
    (void)bl_http_reader_space(&rd, &avail);
    assert_int_equal(avail, 0);
}

static void test_read_thousands_of_headers(void **state)
{
    (void)state;
    size_t cap = 64 * 1024;
    char *resp = malloc(cap);
    assert_non_null(resp);
    size_t k = (size_t)snprintf(resp, cap, "HTTP/1.1 200 OK\r\n");
    for (int i = 0; i < 3000; i++) {
        k += (size_t)snprintf(resp + k, cap - k, "X-H%d: v%d\r\n", i, i);
        if (i == 1500) {
            k += (size_t)snprintf(resp + k, cap - k, "Content-Length: 10\r\nX-RateLimit-Limit: 77\r\n");
        }
    }
    k += (size_t)snprintf(resp + k, cap - k, "\r\n0123456789");
    static const size_t pieces[] = {0, 1, 2, 3, 5, 13, 31, 47, 1000};
    result_t *r = new_result();
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        run_reader(resp, k, 48, pieces[i], 0, false, r);
        assert_int_equal(r->st, BL_OK);
        assert_true(r->done);
        expect_body(r, "0123456789", 10);
        assert_int_equal(r->meta.ratelimit_limit, 77);
    }
    /* Also as many chunks of one byte each. */
    k = (size_t)snprintf(resp, cap, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 3000; i++) {
        k += (size_t)snprintf(resp + k, cap - k, "1;n=%d\r\n%c\r\n", i, 'a' + i % 26);
    }
    k += (size_t)snprintf(resp + k, cap - k, "0\r\n\r\n");
    char *want = malloc(3000);
    assert_non_null(want);
    for (int i = 0; i < 3000; i++) {
        want[i] = (char)('a' + i % 26);
    }
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        run_reader(resp, k, 3100, pieces[i], 0, false, r);
        assert_int_equal(r->st, BL_OK);
        expect_body(r, want, 3000);
    }
    free(want);
    free(r);
    free(resp);
}

static void test_read_body_with_nul_bytes(void **state)
{
    (void)state;
    static const char cl[] = "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\na\0b\0\0c\0";
    result_t *r = new_result();
    run_every_way(cl, sizeof cl - 1u, 1024, false, r);
    assert_int_equal(r->st, BL_OK);
    expect_body(r, "a\0b\0\0c\0", 7);
    static const char ch[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n\0\0x\r\n2\r\n\r\0\r\n0\r\n\r\n";
    run_every_way(ch, sizeof ch - 1u, 1024, false, r);
    assert_int_equal(r->st, BL_OK);
    expect_body(r, "\0\0x\r\0", 5);
    static const char cl_close[] = "HTTP/1.1 200 OK\r\n\r\n\0\0\0";
    run_every_way(cl_close, sizeof cl_close - 1u, 1024, true, r);
    assert_int_equal(r->st, BL_OK);
    expect_body(r, "\0\0\0", 3);
    free(r);
}

/* A realistic JSON answer, as both vendors send it, every way. */
static void test_read_vendor_like(void **state)
{
    (void)state;
    const char *body = "{\"link_id\":\"mk_eqkWN34UEoa2NxyALG8pcV\",\"link\":{\"state\":\"connected\",\"tags\":[\"a\"]}}";
    char resp[1024];
    snprintf(resp, sizeof resp,
             "HTTP/1.1 201 Created\r\nDate: Thu, 16 Feb 2023 09:14:11 GMT\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\nx-ratelimit-limit: 60\r\nx-ratelimit-remaining: 59\r\nx-ratelimit-reset: 60\r\n"
             "Connection: keep-alive\r\n\r\n%s",
             strlen(body), body);
    result_t *r = ok_every_way(resp, false);
    assert_int_equal(r->meta.status, 201);
    assert_int_equal(r->meta.date_unix, 1676538851);
    assert_int_equal(r->meta.ratelimit_limit, 60);
    assert_int_equal(r->meta.ratelimit_remaining, 59);
    assert_int_equal(r->meta.ratelimit_reset, 60);
    expect_body(r, body, strlen(body));
    free(r);
}

/* Started once the status line of the final response is in ("True once
 * the status line of the final response has been read"): not on a partial
 * status line, not after a 1xx. */
static void test_reader_started(void **state)
{
    (void)state;
    char buf[256];
    bl_http_reader_t r;
    bl_http_reader_init(&r, buf, sizeof buf);
    size_t avail;
    char *space = bl_http_reader_space(&r, &avail);
    memcpy(space, "HTTP/1.1 10", 11);
    assert_int_equal(bl_http_reader_feed(&r, 11), BL_OK);
    bool partial = bl_http_reader_started(&r);
    space = bl_http_reader_space(&r, &avail);
    memcpy(space, "0 Continue\r\n\r\n", 14);
    assert_int_equal(bl_http_reader_feed(&r, 14), BL_OK);
    bool interim = bl_http_reader_started(&r);
    space = bl_http_reader_space(&r, &avail);
    memcpy(space, "HTTP/1.1 200 OK\r\n", 17);
    assert_int_equal(bl_http_reader_feed(&r, 17), BL_OK);
    assert_true(bl_http_reader_started(&r));
    if (partial || interim) {
        fail_msg("started() true after a partial status line (%d) / a 1xx only (%d)", partial, interim);
    }
}

/* Bytes fed after the message (counted as extra) land where the body's
 * NUL was: the body stays NUL-terminated ("a byte is always kept free"). */
static void test_reader_body_nul_after_extra(void **state)
{
    (void)state;
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    char *buf = malloc(128);
    assert_non_null(buf);
    bl_http_reader_t r;
    bl_http_reader_init(&r, buf, 128);
    size_t avail;
    char *space = bl_http_reader_space(&r, &avail);
    memcpy(space, resp, strlen(resp));
    assert_int_equal(bl_http_reader_feed(&r, strlen(resp)), BL_OK);
    assert_true(bl_http_reader_done(&r));
    size_t len;
    char *body = bl_http_reader_body(&r, &len);
    assert_int_equal(len, 2);
    assert_int_equal(body[2], '\0');
    space = bl_http_reader_space(&r, &avail);
    if (avail > 0u) {
        memcpy(space, "XY", avail < 2u ? avail : 2u);
        assert_int_equal(bl_http_reader_feed(&r, avail < 2u ? avail : 2u), BL_OK);
    }
    assert_false(r.meta.keep_alive);
    body = bl_http_reader_body(&r, &len);
    assert_int_equal(len, 2);
    assert_memory_equal(body, "ok", 2);
    assert_int_equal(body[2], '\0');
    free(buf);
}

/* The log hook sees each status and header line (without CRLF), of the
 * interim responses too, and never a body or chunk line. */
typedef struct lines {
    char text[1024];
    size_t len;
    int count;
} lines_t;

static void collect_line(void *ctx, const char *line, size_t len)
{
    lines_t *l = (lines_t *)ctx;
    assert_true(l->len + len + 1u < sizeof l->text);
    memcpy(l->text + l->len, line, len);
    l->len += len;
    l->text[l->len++] = '|';
    l->count++;
}

static void test_reader_line_hook(void **state)
{
    (void)state;
    const char *resp = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                       "X-Secret-Free: yes\r\n\r\n5;e=1\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n";
    size_t len = strlen(resp);
    for (size_t piece = 1; piece <= len; piece++) {
        char buf[128];
        bl_http_reader_t r;
        bl_http_reader_init(&r, buf, sizeof buf);
        lines_t lines;
        memset(&lines, 0, sizeof lines);
        r.on_line = collect_line;
        r.on_line_ctx = &lines;
        size_t off = 0;
        while (off < len) {
            size_t avail;
            char *space = bl_http_reader_space(&r, &avail);
            size_t n = len - off < piece ? len - off : piece;
            n = n < avail ? n : avail;
            memcpy(space, resp + off, n);
            off += n;
            assert_int_equal(bl_http_reader_feed(&r, n), BL_OK);
        }
        assert_true(bl_http_reader_done(&r));
        const char *want = "HTTP/1.1 100 Continue||HTTP/1.1 200 OK|Transfer-Encoding: chunked|X-Secret-Free: yes||";
        if (lines.len != strlen(want) || memcmp(lines.text, want, lines.len) != 0) {
            fail_msg("piece %zu: hook saw '%.*s'", piece, (int)lines.len, lines.text);
        }
    }
}

/* A HEAD request's answer has no body, whatever its headers declare. */
static void test_reader_head_request(void **state)
{
    (void)state;
    static const char *const resps[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999\r\n\r\n",
    };
    for (size_t i = 0; i < 3; i++) {
        char buf[64];
        bl_http_reader_t r;
        bl_http_reader_init(&r, buf, sizeof buf);
        r.head_request = true;
        size_t avail;
        char *space = bl_http_reader_space(&r, &avail);
        memcpy(space, resps[i], strlen(resps[i]));
        assert_int_equal(bl_http_reader_feed(&r, strlen(resps[i])), BL_OK);
        assert_true(bl_http_reader_done(&r));
        size_t len;
        (void)bl_http_reader_body(&r, &len);
        assert_int_equal(len, 0);
        assert_true(r.meta.keep_alive);
    }
}

/* Bare LF line ends (RFC 9112 lets a recipient accept them) parse the same. */
static void test_reader_bare_lf(void **state)
{
    (void)state;
    result_t *r = ok_every_way("HTTP/1.1 200 OK\nContent-Length: 2\nX-A: b\n\nok", false);
    expect_body(r, "ok", 2);
    free(r);
    r = ok_every_way("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\nok\n0\n\n", false);
    expect_body(r, "ok", 2);
    free(r);
}

/* ------------------------------------------------ strictness (RFC 9112/9110) */

#define CHUNKED_HEAD "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

/* A bare CR anywhere outside the body is refused (RFC 9112 2.2), whatever
 * kind of line it is in: kept as data, it hides a line from us that a
 * peer ending lines at CR would see (here a Content-Length). */
static void test_read_bare_cr_refused(void **state)
{
    (void)state;
    static const struct {
        const char *resp;
        bl_http_part_t part;
    } cases[] = {
        {"HTTP/1.1 200 O\rK\r\nContent-Length: 2\r\n\r\nok", BL_HTTP_PART_STATUS_LINE},
        {"HTTP/1.1 200 OK\r\r\nContent-Length: 2\r\n\r\nok", BL_HTTP_PART_STATUS_LINE},
        {"HTTP/1.1 200\r\r\nContent-Length: 2\r\n\r\nok", BL_HTTP_PART_STATUS_LINE},
        {"\r\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", BL_HTTP_PART_STATUS_LINE},
        {"HTTP/1.1 200 OK\r\nX-A: a\rContent-Length: 4\r\n\r\nokok", BL_HTTP_PART_FIELD},
        {"HTTP/1.1 200 OK\r\nX-A: a\r\r\nContent-Length: 2\r\n\r\nok", BL_HTTP_PART_FIELD},
        {"HTTP/1.1 200 OK\r\nX-A\r: a\r\nContent-Length: 2\r\n\r\nok", BL_HTTP_PART_FIELD},
        {"HTTP/1.1 200 OK\r\n\rContent-Length: 2\r\n\r\nok", BL_HTTP_PART_FIELD},
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\r\nok", BL_HTTP_PART_FIELD},
        {CHUNKED_HEAD "2\r\r\nok\r\n0\r\n\r\n", BL_HTTP_PART_CHUNK_LINE},
        {CHUNKED_HEAD "2;a\rb\r\nok\r\n0\r\n\r\n", BL_HTTP_PART_CHUNK_LINE},
        {CHUNKED_HEAD "2;a=\"\r\"\r\nok\r\n0\r\n\r\n", BL_HTTP_PART_CHUNK_LINE},
        {CHUNKED_HEAD "\r2\r\nok\r\n0\r\n\r\n", BL_HTTP_PART_CHUNK_LINE},
        {CHUNKED_HEAD "2\r\nok\r\r\n0\r\n\r\n", BL_HTTP_PART_CHUNK_END},
        {CHUNKED_HEAD "2\r\nok\r\n0\r\nX-T: a\rb\r\n\r\n", BL_HTTP_PART_TRAILER},
        {CHUNKED_HEAD "2\r\nok\r\n0\r\n\r\r\n", BL_HTTP_PART_TRAILER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_malformed(cases[i].resp, cases[i].part);
    }
    /* CR inside the body is data. */
    result_t *r = ok_every_way("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\na\rb", false);
    expect_body(r, "a\rb", 3);
    free(r);
    r = ok_every_way(CHUNKED_HEAD "3\r\na\rb\r\n0\r\n\r\n", false);
    expect_body(r, "a\rb", 3);
    free(r);
}

/* Chunk-size lines follow RFC 9112 7.1.1: chunk-size [ chunk-ext ], with
 * chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ), a token name,
 * a token or quoted-string value. A bare LF still ends the line. */
static void test_read_chunk_line_grammar(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "2", "2;a", "2;a=b", "2 ;a", "2\t; a", "2 ; a = b", "2;a=b;c;d=e", "2;a=\"\"", "2;a=\"q\\\"x\\\\\"",
        "2;a=\"sp ace\ttab\"", "2;a=\"\xC3\xA9\"", "2;a=\"\\\xC3\\\xA9\"", "2;!#$%&'*+-.^_`|~09azAZ=!#$%&'*+-.^_`|~",
        "2;a=\"x\";b", "2;a=\"x\" ;b=y", "02;a",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char resp[256];
        snprintf(resp, sizeof resp, CHUNKED_HEAD "%s\r\nok\r\n0\r\n\r\n", ok[i]);
        result_t *r = ok_every_way(resp, false);
        expect_body(r, "ok", 2);
        free(r);
        /* Bare LF line ends, and the same extensions on the last chunk. */
        snprintf(resp, sizeof resp, CHUNKED_HEAD "%s\nok\n0%s\n\n", ok[i], ok[i] + strspn(ok[i], "0123456789"));
        r = ok_every_way(resp, false);
        expect_body(r, "ok", 2);
        free(r);
    }
    static const char *const bad[] = {
        "2 junk", "2junk", "2;", "2; ", "2 ", "2\t", "2 ;", "2;;a", "2;a;", "2;a ", "2;=b", "2;a=", "2;a= ",
        "2;a=\"b", "2;a=\"b\\", "2;a=\"b\\\"", "2;a=b c", "2;a=b=c", "2;a=\"x\"y", "2;a=\"x\" y", "2;a@=b",
        "2;a=b@", "2;a=(b)", "2;a=\"\x01\"", "2;a=\"\x7F\"", "2;a=\"\\\x01\"", "2;a\x01", "2,a", "2 2",
        ";a", "", " 2",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char resp[256];
        snprintf(resp, sizeof resp, CHUNKED_HEAD "%s\r\nok\r\n0\r\n\r\n", bad[i]);
        expect_malformed(resp, BL_HTTP_PART_CHUNK_LINE);
        /* On the last chunk too. */
        snprintf(resp, sizeof resp, CHUNKED_HEAD "2\r\nok\r\n0%s\r\n\r\n", bad[i][0] == '2' ? bad[i] + 1 : "x");
        expect_malformed(resp, BL_HTTP_PART_CHUNK_LINE);
    }
    /* A bare LF inside an extension ends the line there: an open quote is
     * then unbalanced; otherwise what follows is data the framing refuses. */
    expect_malformed(CHUNKED_HEAD "2;a=\"x\ny\"\r\nok\r\n0\r\n\r\n", BL_HTTP_PART_CHUNK_LINE);
    expect_malformed(CHUNKED_HEAD "2;a\nb=c\r\nok\r\n0\r\n\r\n", BL_HTTP_PART_CHUNK_END);
}

static bool ref_tchar(int c)
{
    return c > 0 && c < 0x7F && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                 strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Field names are tokens (RFC 9110 5.1); field values, trailers included,
 * and the reason phrase hold no control byte but HTAB (5.5, RFC 9112 4);
 * obs-text (0x80-0xFF) stays allowed. Every byte value, in each place. */
static void test_read_field_syntax(void **state)
{
    (void)state;
    for (int c = 0; c < 256; c++) {
        bool text = c == '\t' || (c >= 0x20 && c != 0x7F);
        char resp[256];
        /* In a field name. */
        int n = snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nX%cY: 1\r\nContent-Length: 2\r\n\r\nok", c == 0 ? '@' : c);
        if (c == 0) {
            resp[18] = '\0';
        }
        result_t *r = new_result();
        run_reader(resp, (size_t)n, 1024, 0, 0, true, r);
        bool want_ok = ref_tchar(c) || c == ':'; /* "X:Y: 1" is the field X */
        if ((r->st == BL_OK) != want_ok || (!want_ok && r->part != BL_HTTP_PART_FIELD)) {
            fail_msg("name byte 0x%02X: %s part %d", c, bl_status_str(r->st), (int)r->part);
        }
        /* In a field value, a trailer value and the reason phrase. */
        static const char *const fmt[] = {
            "HTTP/1.1 200 OK\r\nX-A: a%cb\r\nContent-Length: 2\r\n\r\nok",
            CHUNKED_HEAD "2\r\nok\r\n0\r\nX-T: a%cb\r\n\r\n",
            "HTTP/1.1 200 O%cK\r\nContent-Length: 2\r\n\r\nok",
        };
        static const bl_http_part_t part[] = {BL_HTTP_PART_FIELD, BL_HTTP_PART_TRAILER, BL_HTTP_PART_STATUS_LINE};
        for (size_t k = 0; k < 3; k++) {
            n = snprintf(resp, sizeof resp, fmt[k], c == 0 ? '@' : c);
            if (c == 0) {
                *strchr(resp, '@') = '\0';
            }
            run_reader(resp, (size_t)n, 1024, 0, 0, true, r);
            /* A LF splits the line: what follows is refused either way. */
            bl_http_part_t want_part = (c == '\n' && k == 2) ? BL_HTTP_PART_FIELD : part[k];
            if ((r->st == BL_OK) != text || (!text && r->part != want_part)) {
                fail_msg("value byte 0x%02X in form %zu: %s part %d", c, k, bl_status_str(r->st), (int)r->part);
            }
            if (text) {
                expect_body(r, "ok", 2);
            }
        }
        free(r);
    }
    /* Names refused in a trailer too; folding refused there as well. */
    expect_malformed(CHUNKED_HEAD "2\r\nok\r\n0\r\nFo@: 1\r\n\r\n", BL_HTTP_PART_TRAILER);
    expect_malformed(CHUNKED_HEAD "2\r\nok\r\n0\r\nX-T: 1\r\n folded\r\n\r\n", BL_HTTP_PART_TRAILER);
    expect_malformed(CHUNKED_HEAD "2\r\nok\r\n0\r\nNoColon\r\n\r\n", BL_HTTP_PART_TRAILER);
    expect_malformed(CHUNKED_HEAD "2\r\nok\r\n0\r\nX T: 1\r\n\r\n", BL_HTTP_PART_TRAILER);
    expect_malformed("HTTP/1.1 200 OK\r\nFo@: 1\r\nContent-Length: 2\r\n\r\nok", BL_HTTP_PART_FIELD);
    static const char nul_value[] = "HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 2\r\n\r\nok";
    expect_malformed_len(nul_value, sizeof nul_value - 1u, BL_HTTP_PART_FIELD);
    static const char nul_reason[] = "HTTP/1.1 200 O\0K\r\nContent-Length: 2\r\n\r\nok";
    expect_malformed_len(nul_reason, sizeof nul_reason - 1u, BL_HTTP_PART_STATUS_LINE);
    /* Every tchar in one name, obs-text and HTAB in values: accepted. */
    result_t *r = ok_every_way("HTTP/1.1 200 \xC3\x9C\tok\r\n!#$%&'*+-.^_`|~09azAZ: v\xFF\x80 \t w\r\n"
                               "Content-Length: 2\r\n\r\nok",
                               false);
    expect_body(r, "ok", 2);
    free(r);
    /* Semantic refusals are header-field ones too; the chunk data end has its own kind. */
    expect_malformed("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\nok", BL_HTTP_PART_FIELD);
    expect_malformed(CHUNKED_HEAD "2\r\nokx\r\n0\r\n\r\n", BL_HTTP_PART_CHUNK_END);
    expect_malformed("HTTP/1.1 2x0 OK\r\n\r\n", BL_HTTP_PART_STATUS_LINE);
}

/* ------------------------------------------------------------ stream mode */

typedef struct stream_result {
    bl_status_t st;
    bool done;
    bl_http_meta_t meta;
    char *got;       /* every body byte the consumer saw, in order */
    size_t got_len;
} stream_result_t;

/*
 * Feed @p resp in stream mode through a @p cap byte buffer, reads of at
 * most @p piece bytes, the consumer taking at most @p take bytes of body
 * before each read.
 */
static void run_stream(const char *resp, size_t len, size_t cap, size_t piece, size_t take, bool eof,
                       stream_result_t *res)
{
    char *buf = malloc(cap);
    assert_non_null(buf);
    res->got = malloc(len + 1u);
    assert_non_null(res->got);
    res->got_len = 0;
    res->st = BL_OK;
    bl_http_reader_t r;
    bl_http_reader_init(&r, buf, cap);
    bl_http_reader_set_stream(&r);
    size_t off = 0;
    while (!bl_http_reader_done(&r)) {
        if (bl_http_reader_in_body(&r)) {
            size_t blen;
            char *body = bl_http_reader_body(&r, &blen);
            size_t k = blen < take ? blen : take;
            memcpy(res->got + res->got_len, body, k);
            res->got_len += k;
            bl_http_reader_consume(&r, k);
        }
        if (off == len) {
            if (eof) {
                res->st = bl_http_reader_eof(&r);
            }
            break;
        }
        size_t avail;
        char *space = bl_http_reader_space(&r, &avail);
        if (avail == 0u) {
            size_t blen;
            (void)bl_http_reader_body(&r, &blen);
            if (blen == 0u || !bl_http_reader_in_body(&r)) {
                res->st = BL_ERR_RESPONSE_TOO_LARGE;
                break;
            }
            continue; /* the consumer makes room */
        }
        size_t n = len - off;
        if (piece != 0u && n > piece) {
            n = piece;
        }
        if (n > avail) {
            n = avail;
        }
        memcpy(space, resp + off, n);
        off += n;
        bl_status_t st = bl_http_reader_feed(&r, n);
        if (st != BL_OK) {
            res->st = st;
            break;
        }
    }
    res->done = bl_http_reader_done(&r);
    res->meta = r.meta;
    if (res->st == BL_OK && res->done) {
        size_t blen;
        char *body = bl_http_reader_body(&r, &blen);
        memcpy(res->got + res->got_len, body, blen);
        res->got_len += blen;
        assert_true(blen < cap && body[blen] == '\0');
    }
    free(buf);
}

static void expect_stream(const char *resp, size_t len, const char *body, size_t body_len, bool eof)
{
    static const size_t caps[] = {32, 33, 64, 200}; /* the longest header line is 28 bytes */
    static const size_t pieces[] = {0, 1, 2, 3, 7, 16, 61, 500};
    static const size_t takes[] = {1, 5, 64, SIZE_MAX};
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
            for (size_t t = 0; t < sizeof takes / sizeof takes[0]; t++) {
                stream_result_t res;
                run_stream(resp, len, caps[c], pieces[p], takes[t], eof, &res);
                if (res.st != BL_OK || !res.done || res.got_len != body_len || memcmp(res.got, body, body_len) != 0) {
                    fail_msg("cap %zu piece %zu take %zu: %s done %d, %zu of %zu body bytes", caps[c], pieces[p],
                             takes[t], bl_status_str(res.st), res.done, res.got_len, body_len);
                }
                free(res.got);
            }
        }
    }
}

/* A body far larger than the buffer, consumed as it arrives, framed every
 * way: Content-Length, chunked (chunks larger than the buffer, extensions,
 * trailers), close. */
static void test_stream_large_bodies(void **state)
{
    (void)state;
    size_t blen = 5000;
    char *body = malloc(blen);
    assert_non_null(body);
    for (size_t i = 0; i < blen; i++) {
        body[i] = (char)(i * 7u + i / 251u); /* every byte value, NULs included */
    }
    size_t cap = blen * 2u + 1024u;
    char *resp = malloc(cap);
    assert_non_null(resp);
    /* Content-Length */
    size_t k = (size_t)snprintf(resp, cap, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", blen);
    memcpy(resp + k, body, blen);
    expect_stream(resp, k + blen, body, blen, false);
    /* chunked: 1000, 3000 (larger than any buffer here), then 1 byte chunks */
    k = (size_t)snprintf(resp, cap, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    size_t at = 0;
    static const size_t sizes[] = {1000, 3000, 990, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        k += (size_t)snprintf(resp + k, cap - k, "%zX;i=%zu\r\n", sizes[i], i);
        memcpy(resp + k, body + at, sizes[i]);
        k += sizes[i];
        at += sizes[i];
        k += (size_t)snprintf(resp + k, cap - k, "\r\n");
    }
    assert_int_equal(at, blen);
    k += (size_t)snprintf(resp + k, cap - k, "0\r\nX-Trailer: 1\r\n\r\n");
    expect_stream(resp, k, body, blen, false);
    /* close-delimited */
    k = (size_t)snprintf(resp, cap, "HTTP/1.0 200 OK\r\n\r\n");
    memcpy(resp + k, body, blen);
    expect_stream(resp, k + blen, body, blen, true);
    free(resp);
    free(body);
}

static void test_stream_refusals(void **state)
{
    (void)state;
    stream_result_t res;
    /* Framing errors stay errors in stream mode. */
    static const char *const bad[] = {
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\nx",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nx",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\nx",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nx",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        run_stream(bad[i], strlen(bad[i]), 64, 0, SIZE_MAX, true, &res);
        assert_int_equal(res.st, BL_ERR_HTTP_MALFORMED);
        free(res.got);
    }
    /* A huge declared size is allowed, but the body must then arrive. */
    static const char *const cut[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 999999999999999999\r\n\r\nabc",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFF\r\nabc",
    };
    for (size_t i = 0; i < 2; i++) {
        run_stream(cut[i], strlen(cut[i]), 64, 1, SIZE_MAX, true, &res);
        assert_int_equal(res.st, BL_ERR_RECV);
        assert_int_equal(res.got_len, 3);
        assert_memory_equal(res.got, "abc", 3);
        free(res.got);
    }
    /* A header line longer than the buffer is still too large. */
    char resp[256];
    char pad[200];
    memset(pad, 'h', sizeof pad);
    snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nX-Long: %.*s\r\nContent-Length: 0\r\n\r\n", 100, pad);
    run_stream(resp, strlen(resp), 64, 0, SIZE_MAX, true, &res);
    assert_int_equal(res.st, BL_ERR_RESPONSE_TOO_LARGE);
    free(res.got);
}

/* in_body: only once the headers of the final response are in. */
static void test_reader_in_body(void **state)
{
    (void)state;
    char buf[256];
    bl_http_reader_t r;
    bl_http_reader_init(&r, buf, sizeof buf);
    assert_false(bl_http_reader_in_body(&r));
    static const char *const parts[] = {"HTTP/1.1 100 Continue\r\n", "\r\n", "HTTP/1.1 200 OK\r\n",
                                        "Content-Length: 4\r\n", "\r\n", "ab", "cd"};
    static const bool in_body[] = {false, false, false, false, true, true, true};
    for (size_t i = 0; i < 7; i++) {
        size_t avail;
        char *space = bl_http_reader_space(&r, &avail);
        memcpy(space, parts[i], strlen(parts[i]));
        assert_int_equal(bl_http_reader_feed(&r, strlen(parts[i])), BL_OK);
        if (bl_http_reader_in_body(&r) != in_body[i]) {
            fail_msg("after part %zu: in_body %d", i, !in_body[i]);
        }
    }
    assert_true(bl_http_reader_done(&r));
    /* Consuming after done keeps the rest NUL-terminated. */
    bl_http_reader_consume(&r, 1);
    size_t len;
    char *body = bl_http_reader_body(&r, &len);
    assert_int_equal(len, 3);
    assert_string_equal(body, "bcd");
    bl_http_reader_consume(&r, 99); /* more than there is: all of it */
    body = bl_http_reader_body(&r, &len);
    assert_int_equal(len, 0);
    assert_int_equal(body[0], '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_get_minimal),
        cmocka_unit_test(test_write_full_request),
        cmocka_unit_test(test_percent_encoding_table),
        cmocka_unit_test(test_value_ok),
        cmocka_unit_test(test_write_refused),
        cmocka_unit_test(test_secrets_overflow_refused),
        cmocka_unit_test(test_dot_segments_encoded),
        cmocka_unit_test(test_read_content_length),
        cmocka_unit_test(test_read_status_variants),
        cmocka_unit_test(test_read_headers),
        cmocka_unit_test(test_read_content_length_edges),
        cmocka_unit_test(test_read_chunked),
        cmocka_unit_test(test_read_chunked_size_limit),
        cmocka_unit_test(test_read_every_buffer_size),
        cmocka_unit_test(test_read_close_delimited),
        cmocka_unit_test(test_read_truncated),
        cmocka_unit_test(test_read_interim_and_no_body),
        cmocka_unit_test(test_read_retry_after_and_ratelimit),
        cmocka_unit_test(test_read_keep_alive_and_extra),
        cmocka_unit_test(test_read_line_longer_than_buffer),
        cmocka_unit_test(test_read_thousands_of_headers),
        cmocka_unit_test(test_read_body_with_nul_bytes),
        cmocka_unit_test(test_read_vendor_like),
        cmocka_unit_test(test_reader_started),
        cmocka_unit_test(test_reader_body_nul_after_extra),
        cmocka_unit_test(test_reader_line_hook),
        cmocka_unit_test(test_reader_head_request),
        cmocka_unit_test(test_reader_bare_lf),
        cmocka_unit_test(test_read_bare_cr_refused),
        cmocka_unit_test(test_read_chunk_line_grammar),
        cmocka_unit_test(test_read_field_syntax),
        cmocka_unit_test(test_stream_large_bodies),
        cmocka_unit_test(test_stream_refusals),
        cmocka_unit_test(test_reader_in_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
