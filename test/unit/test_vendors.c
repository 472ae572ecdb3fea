/*
 * Unit tests for the pure response decoders of both vendors:
 * bl_heron_decode_link_response, bl_heron_decode_error,
 * bl_moneykit_decode_exchange, bl_moneykit_decode_token and
 * bl_moneykit_decode_error.
 *
 * The seed responses of the source documents (seeds/000, seeds/002) decode
 * to their exact values; then every field is taken away, nulled, or given
 * the wrong type. Bodies are exactly-sized heap copies and token arrays are
 * exactly as long as the capacity passed, so ASan sees any overrun.
 *
 * Tests named bug_* document behaviour that contradicts the header contract;
 * they fail until src/ is fixed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bl_heron.h"
#include "bl_moneykit.h"

/* The response body of seeds/000 (Heron, PUT /api/integration_links/{item_id}), verbatim. */
static const char heron_seed[] =
    "{\n"
    "\"integration_link\": {\n"
    "\"created\": \"2020-01-01T00:00:00Z\",\n"
    "\"item_id\": \"M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op\",\n"
    "\"last_successful_sync\": \"2020-01-01T00:00:00Z\",\n"
    "\"last_updated\": \"2020-01-01T00:00:00Z\",\n"
    "\"status\": \"active\",\n"
    "\"status_message\": \"[ITEM_LOGIN_REQUIRED] the login details of this item have changed (credentials, MFA, or "
    "required user action) and a user login is required to update this information. use Link's update mode to "
    "restore the item to a good state\",\n"
    "\"type\": \"plaid_assets_report\"\n"
    "}\n"
    "}";

#define HERON_STATUS_MESSAGE                                                                                            \
    "[ITEM_LOGIN_REQUIRED] the login details of this item have changed (credentials, MFA, or required user action) "   \
    "and a user login is required to update this information. use Link's update mode to restore the item to a good "   \
    "state"

/* The response body of seeds/002 (MoneyKit, POST /link-session/exchange-token), verbatim. */
static const char moneykit_seed[] =
    "{\n"
    "  \"link_id\": \"mk_eqkWN34UEoa2NxyALG8pcV\",\n"
    "  \"link\": {\n"
    "    \"link_id\": \"mk_eqkWN34UEoa2NxyALG8pcV\",\n"
    "    \"institution_id\": \"chase\",\n"
    "    \"institution_name\": \"Chase\",\n"
    "    \"provider\": \"mx\",\n"
    "    \"state\": \"connected\",\n"
    "    \"last_synced_at\": \"2023-02-16T09:14:11\",\n"
    "    \"tags\": [\n"
    "      \"user_type:admin\"\n"
    "    ],\n"
    "    \"products\": {\n"
    "      \"accounts\": {\n"
    "        \"refreshed_at\": \"2023-02-16T09:14:11\",\n"
    "        \"last_attempted_at\": \"2023-02-16T09:14:11\"\n"
    "      },\n"
    "      \"identity\": {\n"
    "        \"refreshed_at\": \"2023-02-16T09:14:11\",\n"
    "        \"last_attempted_at\": \"2023-02-16T09:14:11\",\n"
    "        \"settings\": {\n"
    "          \"required\": true,\n"
    "          \"prefetch\": false\n"
    "        }\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}";

#define T_2020 1577836800 /* 2020-01-01T00:00:00Z */
#define T_SEED 1676538851 /* 2023-02-16T09:14:11Z */

/* --------------------------------------------------------------- harness */

typedef struct body {
    char *text;
    size_t len;
    bl_json_token_t *tokens;
    size_t ntok;
} body_t;

static void body_new(body_t *b, const char *s, size_t len, size_t ntok)
{
    b->text = malloc(len == 0u ? 1u : len);
    assert_non_null(b->text);
    memcpy(b->text, s, len);
    b->len = len;
    b->ntok = ntok;
    b->tokens = malloc((ntok == 0u ? 1u : ntok) * sizeof *b->tokens);
    assert_non_null(b->tokens);
}

static void body_free(body_t *b)
{
    free(b->text);
    free(b->tokens);
}

/* Decoders over a fresh exact copy; the copy is kept for views until freed. */
static bl_status_t heron(body_t *b, const char *s, bl_heron_link_t *out)
{
    body_new(b, s, strlen(s), BL_HERON_LINK_TOKENS);
    return bl_heron_decode_link_response(b->text, b->len, b->tokens, b->ntok, out);
}

static bl_status_t heron_status(const char *s)
{
    body_t b;
    bl_heron_link_t link;
    bl_status_t st = heron(&b, s, &link);
    body_free(&b);
    return st;
}

static bl_status_t exchange(body_t *b, const char *s, bl_moneykit_exchange_t *out)
{
    body_new(b, s, strlen(s), BL_MONEYKIT_LINK_TOKENS);
    return bl_moneykit_decode_exchange(b->text, b->len, b->tokens, b->ntok, out);
}

static bl_status_t exchange_status(const char *s)
{
    body_t b;
    bl_moneykit_exchange_t ex;
    bl_status_t st = exchange(&b, s, &ex);
    body_free(&b);
    return st;
}

static void expect_str(const bl_str_t *s, const char *want)
{
    if (want == NULL) {
        assert_int_not_equal(s->presence, BL_PRESENT);
        assert_null(s->ptr);
        return;
    }
    assert_int_equal(s->presence, BL_PRESENT);
    assert_non_null(s->ptr);
    if (s->len != strlen(want) || memcmp(s->ptr, want, s->len) != 0 || s->ptr[s->len] != '\0') {
        fail_msg("got \"%.*s\" (%zu), want \"%s\"", (int)s->len, s->ptr, s->len, want);
    }
}

static void expect_ts(const bl_timestamp_t *t, int64_t unix_s, uint32_t ns)
{
    assert_int_equal(t->presence, BL_PRESENT);
    assert_int_equal(t->unix_s, unix_s);
    assert_int_equal(t->nanosecond, ns);
}

static bool contains(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++) {
        if (memcmp(hay + i, needle, k) == 0) {
            return true;
        }
    }
    return false;
}

/* Replace the first "@" of @p tmpl with @p value into a heap string. */
static char *fill(const char *tmpl, const char *value)
{
    const char *at = strchr(tmpl, '@');
    assert_non_null(at);
    size_t n = strlen(tmpl) + strlen(value);
    char *s = malloc(n);
    assert_non_null(s);
    snprintf(s, n, "%.*s%s%s", (int)(at - tmpl), tmpl, value, at + 1);
    return s;
}

/* Smallest token count that decodes @p s, checking every smaller count is
 * BL_ERR_JSON_TOKENS (never an overrun, never another status). */
typedef bl_status_t (*decode_fn)(char *body, size_t len, bl_json_token_t *tokens, size_t max_tokens, void *out);

static bl_status_t dec_heron(char *b, size_t l, bl_json_token_t *t, size_t n, void *o)
{
    return bl_heron_decode_link_response(b, l, t, n, (bl_heron_link_t *)o);
}
static bl_status_t dec_exchange(char *b, size_t l, bl_json_token_t *t, size_t n, void *o)
{
    return bl_moneykit_decode_exchange(b, l, t, n, (bl_moneykit_exchange_t *)o);
}
static bl_status_t dec_token(char *b, size_t l, bl_json_token_t *t, size_t n, void *o)
{
    return bl_moneykit_decode_token(b, l, t, n, (bl_moneykit_auth_t *)o);
}
static bl_status_t dec_heron_error(char *b, size_t l, bl_json_token_t *t, size_t n, void *o)
{
    return bl_heron_decode_error(b, l, t, n, (bl_error_info_t *)o);
}
static bl_status_t dec_mk_error(char *b, size_t l, bl_json_token_t *t, size_t n, void *o)
{
    return bl_moneykit_decode_error(b, l, t, n, (bl_error_info_t *)o);
}

static size_t tokens_needed(decode_fn fn, const char *s, void *out, size_t limit)
{
    for (size_t n = 0; n <= limit; n++) {
        body_t b;
        body_new(&b, s, strlen(s), n);
        bl_status_t st = fn(b.text, b.len, b.tokens, n, out);
        body_free(&b);
        if (st == BL_OK) {
            return n;
        }
        if (st != BL_ERR_JSON_TOKENS) {
            fail_msg("%zu tokens: %s", n, bl_status_str(st));
        }
    }
    fail_msg("does not decode within %zu tokens", limit);
    return 0;
}

/* ------------------------------------------------------------------ Heron */

static void check_heron_seed(const bl_heron_link_t *l)
{
    expect_str(&l->item_id, "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op");
    assert_int_equal(l->status, BL_HERON_LINK_ACTIVE);
    expect_str(&l->status_raw, "active");
    expect_str(&l->status_message, HERON_STATUS_MESSAGE);
    expect_str(&l->type, "plaid_assets_report");
    expect_ts(&l->created, T_2020, 0);
    expect_ts(&l->last_successful_sync, T_2020, 0);
    expect_ts(&l->last_updated, T_2020, 0);
}

static void test_heron_seed(void **state)
{
    (void)state;
    body_t b;
    bl_heron_link_t link;
    assert_int_equal(heron(&b, heron_seed, &link), BL_OK);
    check_heron_seed(&link);
    /* Views into the caller's body. */
    assert_true(link.item_id.ptr > b.text && link.item_id.ptr < b.text + b.len);
    body_free(&b);
    /* Every token budget below the need is BL_ERR_JSON_TOKENS. */
    size_t need = tokens_needed(dec_heron, heron_seed, &link, BL_HERON_LINK_TOKENS);
    assert_int_equal(need, 17);
    assert_true(need <= BL_HERON_LINK_TOKENS);
    /* With 16 unknown fields, as BL_HERON_LINK_TOKENS promises. */
    char big[4096];
    size_t k = (size_t)snprintf(big, sizeof big, "{\"integration_link\":{");
    for (int i = 0; i < 16; i++) {
        k += (size_t)snprintf(big + k, sizeof big - k, "\"extra_%d\":%d,", i, i);
    }
    snprintf(big + k, sizeof big - k, "%s", strchr(heron_seed + 1, '{') + 1);
    assert_int_equal(heron(&b, big, &link), BL_OK);
    check_heron_seed(&link);
    body_free(&b);
}

static void test_heron_fields_absent_null_wrong(void **state)
{
    (void)state;
    static const char *const fields[] = {"item_id", "status", "status_message", "type",
                                         "created", "last_successful_sync", "last_updated"};
    static const char *const values[] = {
        "\"M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op\"", "\"active\"", "\"msg\"", "\"plaid_integration\"",
        "\"2020-01-01T00:00:00Z\"", "\"2020-01-01T00:00:00Z\"", "\"2020-01-01T00:00:00Z\""};
    for (size_t f = 0; f < 7; f++) {
        /* Build the object with field f replaced by "@". */
        char tmpl[1024];
        size_t k = (size_t)snprintf(tmpl, sizeof tmpl, "{\"integration_link\":{");
        for (size_t i = 0; i < 7; i++) {
            if (i == f) {
                k += (size_t)snprintf(tmpl + k, sizeof tmpl - k, "%s@", i ? "," : "");
            } else {
                k += (size_t)snprintf(tmpl + k, sizeof tmpl - k, "%s\"%s\":%s", i ? "," : "", fields[i], values[i]);
            }
        }
        snprintf(tmpl + k, sizeof tmpl - k, "}}");

        /* absent */
        char absent_kv[64];
        snprintf(absent_kv, sizeof absent_kv, "\"unrelated_%s\":1", fields[f]);
        char *s = fill(tmpl, absent_kv);
        body_t b;
        bl_heron_link_t link;
        assert_int_equal(heron(&b, s, &link), BL_OK);
        const bl_str_t *strs[] = {&link.item_id, &link.status_raw, &link.status_message, &link.type};
        const bl_timestamp_t *tss[] = {&link.created, &link.last_successful_sync, &link.last_updated};
        if (f < 4) {
            assert_int_equal(strs[f]->presence, BL_ABSENT);
        } else {
            assert_int_equal(tss[f - 4]->presence, BL_ABSENT);
        }
        if (f != 1) {
            assert_int_equal(link.status, BL_HERON_LINK_ACTIVE);
        } else {
            assert_int_equal(link.status, BL_HERON_LINK_UNKNOWN);
        }
        body_free(&b);
        free(s);

        /* null */
        char kv[96];
        snprintf(kv, sizeof kv, "\"%s\":null", fields[f]);
        s = fill(tmpl, kv);
        assert_int_equal(heron(&b, s, &link), BL_OK);
        if (f < 4) {
            assert_int_equal(strs[f]->presence, BL_NULL);
            assert_null(strs[f]->ptr);
        } else {
            assert_int_equal(tss[f - 4]->presence, BL_NULL);
        }
        body_free(&b);
        free(s);

        /* wrong types */
        static const char *const wrong[] = {"5", "true", "false", "{}", "[]", "[\"a\"]", "{\"a\":\"b\"}", "-1.5"};
        for (size_t w = 0; w < sizeof wrong / sizeof wrong[0]; w++) {
            snprintf(kv, sizeof kv, "\"%s\":%s", fields[f], wrong[w]);
            s = fill(tmpl, kv);
            bl_status_t st = heron_status(s);
            if (st != BL_ERR_DECODE) {
                fail_msg("%s: got %s", s, bl_status_str(st));
            }
            free(s);
        }
        /* timestamps that are not timestamps */
        if (f >= 4) {
            static const char *const bad_ts[] = {"\"\"", "\"yesterday\"", "\"2020-01-01\"", "\"2020-13-01T00:00:00Z\"",
                                                 "\"2020-02-30T00:00:00Z\"", "\"2020-01-01T24:00:00Z\"",
                                                 "\"2020-01-01T00:00:00+25:00\"", "\"2020-01-01T00:00:00Zjunk\""};
            for (size_t w = 0; w < sizeof bad_ts / sizeof bad_ts[0]; w++) {
                snprintf(kv, sizeof kv, "\"%s\":%s", fields[f], bad_ts[w]);
                s = fill(tmpl, kv);
                assert_int_equal(heron_status(s), BL_ERR_DECODE);
                free(s);
            }
        }
    }
    /* Everything absent, or null: still a link, with nothing known. */
    body_t b;
    bl_heron_link_t link;
    assert_int_equal(heron(&b, "{\"integration_link\":{}}", &link), BL_OK);
    assert_int_equal(link.item_id.presence, BL_ABSENT);
    assert_int_equal(link.status, BL_HERON_LINK_UNKNOWN);
    assert_int_equal(link.created.presence, BL_ABSENT);
    body_free(&b);
}

static void test_heron_timestamps(void **state)
{
    (void)state;
    static const struct {
        const char *ts;
        int64_t unix_s;
        uint32_t ns;
    } cases[] = {
        {"2020-01-01T00:00:00Z", T_2020, 0},
        {"2020-01-01T00:00:00z", T_2020, 0},
        {"2020-01-01t00:00:00Z", T_2020, 0},
        {"2020-01-01 00:00:00Z", T_2020, 0},
        {"2020-01-01T01:00:00+01:00", T_2020, 0},
        {"2019-12-31T19:00:00-05:00", T_2020, 0},
        {"2020-01-01T05:30:00+05:30", T_2020, 0},
        {"2020-01-01T00:00:00+00:00", T_2020, 0},
        {"2020-01-01T00:00:00-00:00", T_2020, 0},
        {"2020-01-01T00:00:00", T_2020, 0}, /* zone-less: UTC */
        {"2020-01-01T00:00:00.5Z", T_2020, 500000000u},
        {"2020-01-01T00:00:00.123456Z", T_2020, 123456000u},
        {"2020-01-01T00:00:00.123456789Z", T_2020, 123456789u},
        {"2020-01-01T00:00:00.123456", T_2020, 123456000u},
        {"1969-12-31T23:59:59Z", -1, 0},
        {"1970-01-01T00:00:00Z", 0, 0},
        {"2023-02-16T09:14:11", T_SEED, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[256];
        snprintf(json, sizeof json, "{\"integration_link\":{\"created\":\"%s\",\"last_updated\":null}}", cases[i].ts);
        body_t b;
        bl_heron_link_t link;
        bl_status_t st = heron(&b, json, &link);
        if (st != BL_OK) {
            fail_msg("%s: %s", cases[i].ts, bl_status_str(st));
        }
        expect_ts(&link.created, cases[i].unix_s, cases[i].ns);
        assert_int_equal(link.last_updated.presence, BL_NULL);
        assert_int_equal(link.last_successful_sync.presence, BL_ABSENT);
        body_free(&b);
    }
}

static void test_heron_status_open_enum(void **state)
{
    (void)state;
    static const struct {
        const char *raw;
        bl_heron_link_status_t want;
    } cases[] = {
        {"pending", BL_HERON_LINK_PENDING},
        {"active", BL_HERON_LINK_ACTIVE},
        {"syncing", BL_HERON_LINK_SYNCING},
        {"erroring", BL_HERON_LINK_ERRORING},
        {"sync_disabled", BL_HERON_LINK_SYNC_DISABLED},
        {"deleted_in_plaid", BL_HERON_LINK_DELETED_IN_PLAID},
        {"paused", BL_HERON_LINK_UNKNOWN},
        {"Active", BL_HERON_LINK_UNKNOWN},
        {"active ", BL_HERON_LINK_UNKNOWN},
        {"activ", BL_HERON_LINK_UNKNOWN},
        {"unknown", BL_HERON_LINK_UNKNOWN},
        {"", BL_HERON_LINK_UNKNOWN},
        {"sync\\u005fdisabled", BL_HERON_LINK_SYNC_DISABLED}, /* escaped, same text */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[256];
        snprintf(json, sizeof json, "{\"integration_link\":{\"status\":\"%s\"}}", cases[i].raw);
        body_t b;
        bl_heron_link_t link;
        assert_int_equal(heron(&b, json, &link), BL_OK);
        assert_int_equal(link.status, cases[i].want);
        assert_int_equal(link.status_raw.presence, BL_PRESENT);
        if (strchr(cases[i].raw, '\\') == NULL) {
            expect_str(&link.status_raw, cases[i].raw); /* the raw text stays available */
        }
        body_free(&b);
    }
    /* The names round-trip. */
    for (int s = BL_HERON_LINK_PENDING; s <= BL_HERON_LINK_DELETED_IN_PLAID; s++) {
        char json[128];
        snprintf(json, sizeof json, "{\"integration_link\":{\"status\":\"%s\"}}",
                 bl_heron_link_status_str((bl_heron_link_status_t)s));
        body_t b;
        bl_heron_link_t link;
        assert_int_equal(heron(&b, json, &link), BL_OK);
        assert_int_equal(link.status, s);
        body_free(&b);
    }
    assert_string_equal(bl_heron_link_status_str(BL_HERON_LINK_UNKNOWN), "unknown");
    assert_string_equal(bl_heron_link_status_str((bl_heron_link_status_t)99), "unknown");
}

static void test_heron_shapes(void **state)
{
    (void)state;
    /* Unknown fields at any depth and in any order, including fields of the
     * same names nested elsewhere; escapes in values. */
    body_t b;
    bl_heron_link_t link;
    assert_int_equal(heron(&b,
                           "{\"meta\":{\"integration_link\":{\"status\":\"pending\"}},\"integration_link\":{"
                           "\"type\":\"plaid_integration\",\"access_token\":\"secret\",\"end_user\":{\"item_id\":\"no\","
                           "\"status\":\"no\"},\"status_message\":\"line1\\nline2 \\\"q\\\" \\u00e9 \\ud83d\\ude00\","
                           "\"tags\":[{\"status\":\"x\"},[1,2,[3]]],\"status\":\"erroring\",\"item_id\":\"it\\/1\"},"
                           "\"after\":[true,false,null]}",
                           &link),
                     BL_OK);
    assert_int_equal(link.status, BL_HERON_LINK_ERRORING);
    expect_str(&link.item_id, "it/1");
    expect_str(&link.type, "plaid_integration");
    expect_str(&link.status_message, "line1\nline2 \"q\" \xC3\xA9 \xF0\x9F\x98\x80");
    body_free(&b);
    /* Duplicate key: the last one counts. */
    assert_int_equal(heron(&b, "{\"integration_link\":{\"status\":\"active\",\"status\":\"syncing\"}}", &link), BL_OK);
    assert_int_equal(link.status, BL_HERON_LINK_SYNCING);
    body_free(&b);

    /* integration_link missing or not an object. */
    static const char *const decode[] = {
        "{}", "{\"integration_link\":null}", "{\"integration_link\":[]}", "{\"integration_link\":\"x\"}",
        "{\"integration_link\":1}", "{\"link\":{\"status\":\"active\"}}", "[{\"integration_link\":{}}]",
        "{\"integration_link\":{\"status\":5}}",
    };
    for (size_t i = 0; i < sizeof decode / sizeof decode[0]; i++) {
        if (heron_status(decode[i]) != BL_ERR_DECODE) {
            fail_msg("%s: got %s", decode[i], bl_status_str(heron_status(decode[i])));
        }
    }
    static const char *const json[] = {
        "", "<html><body>502 Bad Gateway</body></html>", "{\"integration_link\":{}", "{\"integration_link\":{}}x",
        "{\"integration_link\":{\"status\":\"\\uD800\"}}", "{\"integration_link\":{\"status\":\"a\x01\"}}",
    };
    for (size_t i = 0; i < sizeof json / sizeof json[0]; i++) {
        assert_int_equal(heron_status(json[i]), BL_ERR_JSON);
    }
    /* A NUL inside the body. */
    static const char nul[] = "{\"integration_link\":{\"status\":\"active\"}}\0";
    body_new(&b, nul, sizeof nul - 1u, BL_HERON_LINK_TOKENS);
    assert_int_equal(bl_heron_decode_link_response(b.text, b.len, b.tokens, b.ntok, &link), BL_ERR_JSON);
    body_free(&b);
    /* More tokens than the array. */
    char big[8192];
    size_t k = (size_t)snprintf(big, sizeof big, "{\"integration_link\":{\"junk\":[");
    for (int i = 0; i < 100; i++) {
        k += (size_t)snprintf(big + k, sizeof big - k, "%s%d", i ? "," : "", i);
    }
    snprintf(big + k, sizeof big - k, "]}}");
    assert_int_equal(heron_status(big), BL_ERR_JSON_TOKENS);
}

static void test_heron_error(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        const char *code;
        const char *description;
        const char *name;
        bl_presence_t code_presence;
    } cases[] = {
        {"{\"code\":404,\"description\":\"The requested URL was not found on the server.\",\"name\":\"Not Found\"}",
         "404", "The requested URL was not found on the server.", "Not Found", BL_PRESENT},
        {"{\"description\":\"Unauthorized\",\"name\":\"Unauthorized\",\"code\":401}", "401", "Unauthorized",
         "Unauthorized", BL_PRESENT},
        {"{\"code\":422 ,\"name\":\"Unprocessable\"}", "422", NULL, "Unprocessable", BL_PRESENT},
        {"{\"code\":\"invalid_item\",\"description\":\"bad \\\"item\\\"\\n\"}", "invalid_item", "bad \"item\"\n", NULL,
         BL_PRESENT},
        {"{\"code\":\"429\",\"name\":\"Too Many Requests\"}", "429", NULL, "Too Many Requests", BL_PRESENT},
        {"{\"code\":null,\"description\":null,\"name\":null}", NULL, NULL, NULL, BL_NULL},
        {"{\"message\":\"something else\"}", NULL, NULL, NULL, BL_ABSENT},
        {"{\"error\":{\"code\":500},\"code\":500,\"extra\":[1,{\"name\":\"x\"}]}", "500", NULL, NULL, BL_PRESENT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        body_t b;
        body_new(&b, cases[i].json, strlen(cases[i].json), 16);
        bl_error_info_t info;
        memset(&info, 0, sizeof info);
        bl_status_t st = bl_heron_decode_error(b.text, b.len, b.tokens, b.ntok, &info);
        if (st != BL_OK) {
            fail_msg("%s: %s", cases[i].json, bl_status_str(st));
        }
        assert_int_equal(info.api_code.presence, cases[i].code_presence);
        expect_str(&info.api_code, cases[i].code);
        expect_str(&info.api_message, cases[i].description);
        expect_str(&info.api_name, cases[i].name);
        body_free(&b);
    }
    /* Wrong types; not JSON (a proxy's HTML page). */
    static const char *const decode[] = {"{\"code\":{}}", "{\"code\":[404]}", "{\"description\":5}",
                                         "{\"name\":true}", "[]"};
    for (size_t i = 0; i < sizeof decode / sizeof decode[0]; i++) {
        body_t b;
        body_new(&b, decode[i], strlen(decode[i]), 16);
        bl_error_info_t info;
        memset(&info, 0, sizeof info);
        assert_int_equal(bl_heron_decode_error(b.text, b.len, b.tokens, b.ntok, &info), BL_ERR_DECODE);
        body_free(&b);
    }
    body_t b;
    const char *html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    body_new(&b, html, strlen(html), 16);
    bl_error_info_t info;
    memset(&info, 0, sizeof info);
    assert_int_equal(bl_heron_decode_error(b.text, b.len, b.tokens, b.ntok, &info), BL_ERR_JSON);
    assert_int_equal(info.api_code.presence, BL_ABSENT);
    body_free(&b);
    size_t need = tokens_needed(dec_heron_error, cases[0].json, &info, 16);
    assert_int_equal(need, 7);
}

/* --------------------------------------------------------------- MoneyKit */

static void check_moneykit_seed(const bl_moneykit_exchange_t *ex)
{
    expect_str(&ex->link_id, "mk_eqkWN34UEoa2NxyALG8pcV");
    const bl_moneykit_link_t *l = &ex->link;
    expect_str(&l->link_id, "mk_eqkWN34UEoa2NxyALG8pcV");
    expect_str(&l->institution_id, "chase");
    expect_str(&l->institution_name, "Chase");
    expect_str(&l->provider, "mx");
    assert_int_equal(l->state, BL_MONEYKIT_LINK_CONNECTED);
    expect_str(&l->state_raw, "connected");
    assert_int_equal(l->error_code.presence, BL_ABSENT);
    expect_ts(&l->last_synced_at, T_SEED, 0);
    assert_int_equal(l->tags.presence, BL_PRESENT);
    assert_int_equal(l->tags.count, 1);
    assert_string_equal(l->tags.first, "user_type:admin");
    const bl_moneykit_products_t *p = &l->products;
    assert_int_equal(p->accounts.presence, BL_PRESENT);
    expect_ts(&p->accounts.refreshed_at, T_SEED, 0);
    expect_ts(&p->accounts.last_attempted_at, T_SEED, 0);
    assert_int_equal(p->accounts.error_code.presence, BL_ABSENT);
    assert_int_equal(p->accounts.error_message.presence, BL_ABSENT);
    assert_int_equal(p->accounts.settings.presence, BL_ABSENT);
    assert_int_equal(p->identity.presence, BL_PRESENT);
    expect_ts(&p->identity.refreshed_at, T_SEED, 0);
    expect_ts(&p->identity.last_attempted_at, T_SEED, 0);
    assert_int_equal(p->identity.settings.presence, BL_PRESENT);
    assert_int_equal(p->identity.settings.required.presence, BL_PRESENT);
    assert_true(p->identity.settings.required.value);
    assert_int_equal(p->identity.settings.prefetch.presence, BL_PRESENT);
    assert_false(p->identity.settings.prefetch.value);
    assert_int_equal(p->account_numbers.presence, BL_ABSENT);
    assert_int_equal(p->transactions.presence, BL_ABSENT);
    assert_int_equal(p->investments.presence, BL_ABSENT);
}

static void test_moneykit_seed(void **state)
{
    (void)state;
    body_t b;
    bl_moneykit_exchange_t ex;
    assert_int_equal(exchange(&b, moneykit_seed, &ex), BL_OK);
    check_moneykit_seed(&ex);
    assert_true(ex.link.tags.first > b.text && ex.link.tags.first < b.text + b.len);
    body_free(&b);
    size_t need = tokens_needed(dec_exchange, moneykit_seed, &ex, BL_MONEYKIT_LINK_TOKENS);
    assert_int_equal(need, 40);
    /* The same answer with 16 tags and every product, within BL_MONEYKIT_LINK_TOKENS. */
    char big[8192];
    size_t k = (size_t)snprintf(big, sizeof big,
                                "{\"link_id\":\"mk_1\",\"link\":{\"link_id\":\"mk_1\",\"institution_id\":\"chase\","
                                "\"institution_name\":\"Chase\",\"institution_avatar\":null,\"provider\":\"mx\","
                                "\"state\":\"error\",\"error_code\":\"auth_expired\",\"last_synced_at\":null,\"tags\":[");
    for (int i = 0; i < 16; i++) {
        k += (size_t)snprintf(big + k, sizeof big - k, "%s\"tag:%d\"", i ? "," : "", i);
    }
    k += (size_t)snprintf(big + k, sizeof big - k, "],\"products\":{");
    static const char *const names[] = {"accounts", "account_numbers", "identity", "transactions", "investments"};
    for (int i = 0; i < 5; i++) {
        k += (size_t)snprintf(big + k, sizeof big - k,
                              "%s\"%s\":{\"refreshed_at\":\"2023-02-16T09:14:11.250\",\"last_attempted_at\":"
                              "\"2023-02-16T10:14:11+01:00\",\"error_code\":\"e%d\",\"error_message\":\"m%d\","
                              "\"settings\":{\"required\":%s,\"prefetch\":%s}}",
                              i ? "," : "", names[i], i, i, i % 2 ? "true" : "false", i % 2 ? "false" : "true");
    }
    snprintf(big + k, sizeof big - k, "}}}");
    assert_int_equal(exchange(&b, big, &ex), BL_OK);
    assert_int_equal(ex.link.state, BL_MONEYKIT_LINK_ERROR);
    expect_str(&ex.link.error_code, "auth_expired");
    assert_int_equal(ex.link.last_synced_at.presence, BL_NULL);
    assert_int_equal(ex.link.tags.count, 16);
    const char *t = ex.link.tags.first;
    for (int i = 0; i < 16; i++, t = bl_str_list_next(t)) {
        char want[16];
        snprintf(want, sizeof want, "tag:%d", i);
        assert_string_equal(t, want);
    }
    const bl_moneykit_product_t *prods[] = {&ex.link.products.accounts, &ex.link.products.account_numbers,
                                            &ex.link.products.identity, &ex.link.products.transactions,
                                            &ex.link.products.investments};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(prods[i]->presence, BL_PRESENT);
        expect_ts(&prods[i]->refreshed_at, T_SEED, 250000000u);
        expect_ts(&prods[i]->last_attempted_at, T_SEED, 0);
        char want[8];
        snprintf(want, sizeof want, "e%d", i);
        expect_str(&prods[i]->error_code, want);
        snprintf(want, sizeof want, "m%d", i);
        expect_str(&prods[i]->error_message, want);
        assert_int_equal(prods[i]->settings.presence, BL_PRESENT);
        assert_int_equal(prods[i]->settings.required.value, i % 2 == 1);
        assert_int_equal(prods[i]->settings.prefetch.value, i % 2 == 0);
    }
    body_free(&b);
    need = tokens_needed(dec_exchange, big, &ex, BL_MONEYKIT_LINK_TOKENS);
    assert_true(need <= BL_MONEYKIT_LINK_TOKENS);
}

/* The bare link objects, as GET /links/{id} and list elements carry them. */
static void test_bare_links(void **state)
{
    (void)state;
    /* MoneyKit: the "link" member of the seed, on its own. */
    const char *start = strstr(moneykit_seed, "\"link\": {") + 8;
    size_t len = strlen(start) - 2u; /* drop the outer "\n}" */
    body_t b;
    body_new(&b, start, len, BL_MONEYKIT_LINK_TOKENS);
    bl_moneykit_link_t link;
    assert_int_equal(bl_moneykit_decode_link(b.text, b.len, b.tokens, b.ntok, &link), BL_OK);
    expect_str(&link.link_id, "mk_eqkWN34UEoa2NxyALG8pcV");
    assert_int_equal(link.state, BL_MONEYKIT_LINK_CONNECTED);
    assert_string_equal(link.tags.first, "user_type:admin");
    assert_true(link.products.identity.settings.required.value);
    body_free(&b);
    const char *missing = "{\"link_id\":\"mk_1\",\"state\":\"connected\"}";
    body_new(&b, missing, strlen(missing), BL_MONEYKIT_LINK_TOKENS);
    assert_int_equal(bl_moneykit_decode_link(b.text, b.len, b.tokens, b.ntok, &link), BL_ERR_DECODE);
    body_free(&b);
    /* Heron: the integration_link member of the seed, on its own. */
    start = strstr(heron_seed, ": {") + 2;
    len = strlen(start) - 2u;
    body_new(&b, start, len, BL_HERON_LINK_TOKENS);
    bl_heron_link_t hl;
    assert_int_equal(bl_heron_decode_link(b.text, b.len, b.tokens, b.ntok, &hl), BL_OK);
    check_heron_seed(&hl);
    body_free(&b);
    body_new(&b, "[]", 2, BL_HERON_LINK_TOKENS);
    assert_int_equal(bl_heron_decode_link(b.text, b.len, b.tokens, b.ntok, &hl), BL_ERR_DECODE);
    body_free(&b);
}

/* A link object with one field replaced by "@". */
static char *link_with(const char *field, const char *kv)
{
    static const char *const fields[] = {"link_id", "institution_id", "institution_name", "provider", "state",
                                         "error_code", "last_synced_at", "tags", "products"};
    static const char *const values[] = {
        "\"mk_1\"", "\"chase\"", "\"Chase\"", "\"mx\"", "\"connected\"", "null", "\"2023-02-16T09:14:11\"",
        "[\"user_type:admin\"]", "{\"accounts\":{\"refreshed_at\":\"2023-02-16T09:14:11\"}}"};
    char tmpl[1024];
    size_t k = (size_t)snprintf(tmpl, sizeof tmpl, "{\"link_id\":\"mk_1\",\"link\":{");
    for (size_t i = 0; i < 9; i++) {
        if (strcmp(fields[i], field) == 0) {
            k += (size_t)snprintf(tmpl + k, sizeof tmpl - k, "%s%s", i ? "," : "", kv);
        } else {
            k += (size_t)snprintf(tmpl + k, sizeof tmpl - k, "%s\"%s\":%s", i ? "," : "", fields[i], values[i]);
        }
    }
    snprintf(tmpl + k, sizeof tmpl - k, "}}");
    char *s = malloc(strlen(tmpl) + 1u);
    assert_non_null(s);
    memcpy(s, tmpl, strlen(tmpl) + 1u);
    return s;
}

static void test_moneykit_required_fields(void **state)
{
    (void)state;
    static const char *const required[] = {"link_id", "institution_id", "institution_name", "provider", "state",
                                           "products"};
    static const char *const wrong[] = {"null", "5", "true", "[]", "[\"x\"]", "{}"};
    for (size_t f = 0; f < 6; f++) {
        char *s = link_with(required[f], "\"unrelated\":1");
        if (exchange_status(s) != BL_ERR_DECODE) {
            fail_msg("missing %s accepted", required[f]);
        }
        free(s);
        for (size_t w = 0; w < sizeof wrong / sizeof wrong[0]; w++) {
            if (f == 5 && w == 5) {
                continue; /* products {} is valid: every product optional */
            }
            char kv[64];
            snprintf(kv, sizeof kv, "\"%s\":%s", required[f], wrong[w]);
            s = link_with(required[f], kv);
            if (exchange_status(s) != BL_ERR_DECODE) {
                fail_msg("%s: got %s", s, bl_status_str(exchange_status(s)));
            }
            free(s);
        }
    }
    /* The baseline itself decodes. */
    char *s = link_with("none", "");
    body_t b;
    bl_moneykit_exchange_t ex;
    assert_int_equal(exchange(&b, s, &ex), BL_OK);
    expect_str(&ex.link.link_id, "mk_1");
    assert_int_equal(ex.link.error_code.presence, BL_NULL);
    body_free(&b);
    free(s);
    /* Top level: link_id and link required. */
    static const char *const top[] = {
        "{\"link\":{}}",
        "{\"link_id\":null,\"link\":{}}",
        "{\"link_id\":5,\"link\":{}}",
        "{\"link_id\":\"mk_1\"}",
        "{\"link_id\":\"mk_1\",\"link\":null}",
        "{\"link_id\":\"mk_1\",\"link\":[]}",
        "{\"link_id\":\"mk_1\",\"link\":\"mk_1\"}",
        "[]",
    };
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++) {
        if (exchange_status(top[i]) != BL_ERR_DECODE) {
            fail_msg("%s: got %s", top[i], bl_status_str(exchange_status(top[i])));
        }
    }
    assert_int_equal(exchange_status("{\"link_id\":\"mk_1\",\"link\":{}"), BL_ERR_JSON);
    assert_int_equal(exchange_status("<html>"), BL_ERR_JSON);
}

static void test_moneykit_optional_fields(void **state)
{
    (void)state;
    body_t b;
    bl_moneykit_exchange_t ex;
    /* error_code: string, null, absent; wrong type. */
    char *s = link_with("error_code", "\"error_code\":\"invalid_credentials\"");
    assert_int_equal(exchange(&b, s, &ex), BL_OK);
    expect_str(&ex.link.error_code, "invalid_credentials");
    body_free(&b);
    free(s);
    s = link_with("error_code", "\"x\":[]");
    assert_int_equal(exchange(&b, s, &ex), BL_OK);
    assert_int_equal(ex.link.error_code.presence, BL_ABSENT);
    body_free(&b);
    free(s);
    s = link_with("error_code", "\"error_code\":3");
    assert_int_equal(exchange_status(s), BL_ERR_DECODE);
    free(s);

    /* last_synced_at: zone-less, offsets, fraction, null, absent; invalid. */
    static const struct {
        const char *kv;
        bl_presence_t presence;
        int64_t unix_s;
        uint32_t ns;
    } ts[] = {
        {"\"last_synced_at\":\"2023-02-16T09:14:11\"", BL_PRESENT, T_SEED, 0},
        {"\"last_synced_at\":\"2023-02-16T09:14:11Z\"", BL_PRESENT, T_SEED, 0},
        {"\"last_synced_at\":\"2023-02-16T09:14:11.000001\"", BL_PRESENT, T_SEED, 1000},
        {"\"last_synced_at\":\"2023-02-16T11:14:11+02:00\"", BL_PRESENT, T_SEED, 0},
        {"\"last_synced_at\":\"2023-02-15T23:14:11-10:00\"", BL_PRESENT, T_SEED, 0},
        {"\"last_synced_at\":null", BL_NULL, 0, 0},
        {"\"other\":1", BL_ABSENT, 0, 0},
    };
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
        s = link_with("last_synced_at", ts[i].kv);
        assert_int_equal(exchange(&b, s, &ex), BL_OK);
        assert_int_equal(ex.link.last_synced_at.presence, ts[i].presence);
        if (ts[i].presence == BL_PRESENT) {
            expect_ts(&ex.link.last_synced_at, ts[i].unix_s, ts[i].ns);
        }
        body_free(&b);
        free(s);
    }
    static const char *const bad_ts[] = {"\"last_synced_at\":\"2023-02-16\"", "\"last_synced_at\":1676538851",
                                         "\"last_synced_at\":\"16/02/2023 09:14\"", "\"last_synced_at\":{}"};
    for (size_t i = 0; i < sizeof bad_ts / sizeof bad_ts[0]; i++) {
        s = link_with("last_synced_at", bad_ts[i]);
        assert_int_equal(exchange_status(s), BL_ERR_DECODE);
        free(s);
    }

    /* tags: absent, null, empty, escaped; wrong element types. */
    s = link_with("tags", "\"x\":0");
    assert_int_equal(exchange(&b, s, &ex), BL_OK);
    assert_int_equal(ex.link.tags.presence, BL_ABSENT);
    assert_int_equal(ex.link.tags.count, 0);
    body_free(&b);
    free(s);
    s = link_with("tags", "\"tags\":null");
    assert_int_equal(exchange(&b, s, &ex), BL_OK);
    assert_int_equal(ex.link.tags.presence, BL_NULL);
    body_free(&b);
    free(s);
    s = link_with("tags", "\"tags\":[]");
    assert_int_equal(exchange(&b, s, &ex), BL_OK);
    assert_int_equal(ex.link.tags.presence, BL_PRESENT);
    assert_int_equal(ex.link.tags.count, 0);
    assert_null(ex.link.tags.first);
    body_free(&b);
    free(s);
    s = link_with("tags", "\"tags\":[\"a\\\"b\",\"\\u00e9t\\u00e9\",\"\",\"x\\/y\"]");
    assert_int_equal(exchange(&b, s, &ex), BL_OK);
    assert_int_equal(ex.link.tags.count, 4);
    const char *t = ex.link.tags.first;
    assert_string_equal(t, "a\"b");
    t = bl_str_list_next(t);
    assert_string_equal(t, "\xC3\xA9t\xC3\xA9");
    t = bl_str_list_next(t);
    assert_string_equal(t, "");
    t = bl_str_list_next(t);
    assert_string_equal(t, "x/y");
    /* the fields decoded before the tags were packed are intact */
    expect_str(&ex.link.provider, "mx");
    expect_str(&ex.link.state_raw, "connected");
    body_free(&b);
    free(s);
    static const char *const bad_tags[] = {"\"tags\":[1]", "\"tags\":[\"a\",null]", "\"tags\":[[\"a\"]]",
                                           "\"tags\":\"a\"", "\"tags\":{}", "\"tags\":[{\"a\":\"b\"}]"};
    for (size_t i = 0; i < sizeof bad_tags / sizeof bad_tags[0]; i++) {
        s = link_with("tags", bad_tags[i]);
        assert_int_equal(exchange_status(s), BL_ERR_DECODE);
        free(s);
    }
}

static void test_moneykit_products(void **state)
{
    (void)state;
    body_t b;
    bl_moneykit_exchange_t ex;
    /* Empty: every product absent. */
    char *s = link_with("products", "\"products\":{}");
    assert_int_equal(exchange(&b, s, &ex), BL_OK);
    assert_int_equal(ex.link.products.accounts.presence, BL_ABSENT);
    assert_int_equal(ex.link.products.identity.presence, BL_ABSENT);
    assert_int_equal(ex.link.products.investments.presence, BL_ABSENT);
    body_free(&b);
    free(s);
    /* Null products, partial products, settings null/empty/partial. */
    s = link_with("products",
                  "\"products\":{\"accounts\":null,\"account_numbers\":{},\"identity\":{\"error_code\":\"user_error\","
                  "\"error_message\":\"Please \\\"retry\\\"\",\"settings\":null},\"transactions\":{\"settings\":{}},"
                  "\"investments\":{\"refreshed_at\":null,\"last_attempted_at\":\"2023-02-16T09:14:11\","
                  "\"settings\":{\"required\":null,\"unknown\":{\"required\":5}}},\"future_product\":{\"x\":[1]}}");
    assert_int_equal(exchange(&b, s, &ex), BL_OK);
    const bl_moneykit_products_t *p = &ex.link.products;
    assert_int_equal(p->accounts.presence, BL_NULL);
    assert_int_equal(p->account_numbers.presence, BL_PRESENT);
    assert_int_equal(p->account_numbers.refreshed_at.presence, BL_ABSENT);
    assert_int_equal(p->account_numbers.settings.presence, BL_ABSENT);
    assert_int_equal(p->identity.presence, BL_PRESENT);
    expect_str(&p->identity.error_code, "user_error");
    expect_str(&p->identity.error_message, "Please \"retry\"");
    assert_int_equal(p->identity.settings.presence, BL_NULL);
    assert_int_equal(p->transactions.settings.presence, BL_PRESENT);
    assert_int_equal(p->transactions.settings.required.presence, BL_ABSENT);
    assert_int_equal(p->transactions.settings.prefetch.presence, BL_ABSENT);
    assert_int_equal(p->investments.refreshed_at.presence, BL_NULL);
    expect_ts(&p->investments.last_attempted_at, T_SEED, 0);
    assert_int_equal(p->investments.settings.presence, BL_PRESENT);
    assert_int_equal(p->investments.settings.required.presence, BL_NULL);
    assert_int_equal(p->investments.settings.prefetch.presence, BL_ABSENT);
    body_free(&b);
    free(s);
    /* Wrong types anywhere in products. */
    static const char *const bad[] = {
        "\"products\":{\"accounts\":\"yes\"}",
        "\"products\":{\"accounts\":[]}",
        "\"products\":{\"accounts\":true}",
        "\"products\":{\"identity\":{\"refreshed_at\":5}}",
        "\"products\":{\"identity\":{\"refreshed_at\":\"never\"}}",
        "\"products\":{\"identity\":{\"error_code\":{}}}",
        "\"products\":{\"identity\":{\"error_message\":1}}",
        "\"products\":{\"identity\":{\"settings\":[]}}",
        "\"products\":{\"identity\":{\"settings\":\"on\"}}",
        "\"products\":{\"identity\":{\"settings\":{\"required\":\"true\"}}}",
        "\"products\":{\"identity\":{\"settings\":{\"prefetch\":1}}}",
        "\"products\":[]",
        "\"products\":\"all\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s = link_with("products", bad[i]);
        if (exchange_status(s) != BL_ERR_DECODE) {
            fail_msg("%s: got %s", bad[i], bl_status_str(exchange_status(s)));
        }
        free(s);
    }
}

static void test_moneykit_state_open_enum(void **state)
{
    (void)state;
    static const struct {
        const char *raw;
        bl_moneykit_link_state_t want;
    } cases[] = {
        {"connecting", BL_MONEYKIT_LINK_CONNECTING},
        {"awaiting_token_exchange", BL_MONEYKIT_LINK_AWAITING_TOKEN_EXCHANGE},
        {"connected", BL_MONEYKIT_LINK_CONNECTED},
        {"deleted", BL_MONEYKIT_LINK_DELETED},
        {"error", BL_MONEYKIT_LINK_ERROR},
        {"reconnecting", BL_MONEYKIT_LINK_UNKNOWN},
        {"Connected", BL_MONEYKIT_LINK_UNKNOWN},
        {"connected\\n", BL_MONEYKIT_LINK_UNKNOWN},
        {"unknown", BL_MONEYKIT_LINK_UNKNOWN},
        {"", BL_MONEYKIT_LINK_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char kv[96];
        snprintf(kv, sizeof kv, "\"state\":\"%s\"", cases[i].raw);
        char *s = link_with("state", kv);
        body_t b;
        bl_moneykit_exchange_t ex;
        assert_int_equal(exchange(&b, s, &ex), BL_OK);
        assert_int_equal(ex.link.state, cases[i].want);
        if (strchr(cases[i].raw, '\\') == NULL) {
            expect_str(&ex.link.state_raw, cases[i].raw);
        } else {
            expect_str(&ex.link.state_raw, "connected\n");
        }
        body_free(&b);
        free(s);
    }
    assert_string_equal(bl_moneykit_link_state_str(BL_MONEYKIT_LINK_AWAITING_TOKEN_EXCHANGE), "awaiting_token_exchange");
    assert_string_equal(bl_moneykit_link_state_str(BL_MONEYKIT_LINK_UNKNOWN), "unknown");
    assert_string_equal(bl_moneykit_link_state_str((bl_moneykit_link_state_t)77), "unknown");
    /* Unknown fields anywhere, provider of the open set, institution_avatar. */
    char *s = link_with("provider", "\"provider\":\"sophtron\",\"institution_avatar\":\"data:image/png;base64,AAAA\","
                                    "\"meta\":{\"state\":\"deleted\",\"products\":null}");
    body_t b;
    bl_moneykit_exchange_t ex;
    assert_int_equal(exchange(&b, s, &ex), BL_OK);
    expect_str(&ex.link.provider, "sophtron");
    assert_int_equal(ex.link.state, BL_MONEYKIT_LINK_CONNECTED);
    body_free(&b);
    free(s);
}

/* ------------------------------------------------------------------ token */

/* Decode a token answer over an exact copy kept in @p b (token_type is a
 * view into it); *leaked tells whether @p secret is still in the body. */
static bl_status_t token_keep(body_t *b, const char *json, bl_moneykit_auth_t *auth, bool *leaked, const char *secret)
{
    body_new(b, json, strlen(json), BL_MONEYKIT_TOKEN_TOKENS);
    bl_status_t st = bl_moneykit_decode_token(b->text, b->len, b->tokens, b->ntok, auth);
    *leaked = secret != NULL && secret[0] != '\0' && contains(b->text, b->len, secret);
    return st;
}

static bl_status_t token(const char *json, bl_moneykit_auth_t *auth, bool *leaked, const char *secret)
{
    body_t b;
    bl_status_t st = token_keep(&b, json, auth, leaked, secret);
    body_free(&b);
    return st;
}

static void test_token_seed(void **state)
{
    (void)state;
    bl_moneykit_auth_t auth;
    bl_moneykit_auth_init(&auth, "id", "secret");
    bool leaked;
    const char *tok = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjbGllbnQifQ.c2lnbmF0dXJl";
    char json[512];
    snprintf(json, sizeof json, "{\"access_token\":\"%s\",\"token_type\":\"bearer\",\"expires_in\":3600}", tok);
    body_t b;
    assert_int_equal(token_keep(&b, json, &auth, &leaked, tok), BL_OK);
    assert_false(leaked); /* the decoder wiped it from the body */
    assert_true(auth.valid);
    assert_string_equal(bl_moneykit_auth_token(&auth), tok);
    char bearer[512];
    snprintf(bearer, sizeof bearer, "Bearer %s", tok);
    assert_string_equal((const char *)auth.authorization, bearer);
    expect_str(&auth.token_type, "bearer");
    assert_true(auth.has_expiry);
    assert_int_equal(auth.expires_in_s, 3600);
    /* credentials are untouched */
    assert_string_equal(auth.client_id, "id");
    assert_string_equal(auth.client_secret, "secret");
    body_free(&b);

    /* Other order, unknown fields, escapes (the stored token is decoded). */
    assert_int_equal(token_keep(&b,
                                "{\"scope\":\"links\",\"expires_in\":0,\"access_token\":\"a\\/b\\u0041\","
                                "\"extra\":{\"access_token\":\"no\"},\"token_type\":\"Bearer\"}",
                                &auth, &leaked, "a/bA"),
                     BL_OK);
    assert_false(leaked);
    assert_string_equal(bl_moneykit_auth_token(&auth), "a/bA");
    expect_str(&auth.token_type, "Bearer");
    assert_int_equal(auth.expires_in_s, 0);
    body_free(&b);
    /* A lifetime of zero or less is a token that is already stale. */
    assert_int_equal(token("{\"access_token\":\"t\",\"expires_in\":-30}", &auth, &leaked, "\"t\""), BL_OK);
    assert_true(auth.has_expiry);
    assert_int_equal(auth.expires_in_s, -30);
    /* token_type is optional here; the largest lifetime. */
    assert_int_equal(token_keep(&b, "{\"access_token\":\"t\",\"expires_in\":2147483647}", &auth, &leaked, "\"t\""),
                     BL_OK);
    assert_int_equal(auth.token_type.presence, BL_ABSENT);
    assert_int_equal(auth.expires_in_s, INT32_MAX);
    body_free(&b);
    /* A long token_type is kept whole. */
    assert_int_equal(token_keep(&b, "{\"access_token\":\"t\",\"token_type\":\"bearer-of-a-rather-long-type\","
                                    "\"expires_in\":1}",
                                &auth, &leaked, NULL),
                     BL_OK);
    expect_str(&auth.token_type, "bearer-of-a-rather-long-type");
    body_free(&b);
    /* Token budget. */
    size_t need = tokens_needed(dec_token, json, &auth, BL_MONEYKIT_TOKEN_TOKENS);
    assert_int_equal(need, 7);
}

/* A server that sends access_token twice: the last one is stored, and only
 * its span is wiped; the first token stays readable in the work buffer,
 * against "after every call the work buffer contains none of the access
 * token" (issue 5). */
static void bug_token_duplicate_key_left_in_buffer(void **state)
{
    (void)state;
    bl_moneykit_auth_t auth;
    bl_moneykit_auth_init(&auth, NULL, NULL);
    bool leaked_first = false;
    bool leaked_second = false;
    const char *json = "{\"access_token\":\"FIRSTSECRET\",\"access_token\":\"SECONDSECRET\",\"expires_in\":60}";
    body_t b;
    bl_status_t st = token_keep(&b, json, &auth, &leaked_first, "FIRSTSECRET");
    leaked_second = contains(b.text, b.len, "SECONDSECRET");
    body_free(&b);
    assert_int_equal(st, BL_OK);
    assert_string_equal(bl_moneykit_auth_token(&auth), "SECONDSECRET");
    assert_false(leaked_second);
    if (leaked_first) {
        fail_msg("the first access_token is still in the body after decode");
    }
}

static void test_token_refused(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        bl_status_t want;
        const char *secret; /* must not remain in the body */
    } cases[] = {
        {"{\"token_type\":\"bearer\",\"expires_in\":3600}", BL_ERR_DECODE, NULL},
        {"{\"access_token\":null,\"expires_in\":3600}", BL_ERR_DECODE, NULL},
        {"{\"access_token\":5,\"expires_in\":3600}", BL_ERR_DECODE, NULL},
        {"{\"access_token\":[\"SECRETTOKEN\"],\"expires_in\":3600}", BL_ERR_DECODE, "SECRETTOKEN"},
        {"{\"access_token\":\"\",\"expires_in\":3600}", BL_ERR_DECODE, NULL},
        {"{\"access_token\":\"SECRETTOKEN\"}", BL_ERR_DECODE, "SECRETTOKEN"},
        {"{\"access_token\":\"SECRETTOKEN\",\"expires_in\":null}", BL_ERR_DECODE, "SECRETTOKEN"},
        {"{\"access_token\":\"SECRETTOKEN\",\"expires_in\":\"3600\"}", BL_ERR_DECODE, "SECRETTOKEN"},
        {"{\"access_token\":\"SECRETTOKEN\",\"expires_in\":2147483648}", BL_ERR_DECODE, "SECRETTOKEN"},
        {"{\"access_token\":\"SECRETTOKEN\",\"expires_in\":-2147483649}", BL_ERR_DECODE, "SECRETTOKEN"},
        {"{\"access_token\":\"SECRETTOKEN\",\"expires_in\":99999999999999999999}", BL_ERR_DECODE, "SECRETTOKEN"},
        {"{\"access_token\":\"SECRETTOKEN\",\"expires_in\":3600.5}", BL_ERR_DECODE, "SECRETTOKEN"},
        {"{\"access_token\":\"SECRETTOKEN\",\"expires_in\":3.6e3}", BL_ERR_DECODE, "SECRETTOKEN"},
        {"{\"access_token\":\"SECRETTOKEN\",\"token_type\":5,\"expires_in\":3600}", BL_ERR_DECODE, "SECRETTOKEN"},
        /* bytes that cannot go into an Authorization header */
        {"{\"access_token\":\"SECRET\\rTOKEN\",\"expires_in\":3600}", BL_ERR_DECODE, "SECRET"},
        {"{\"access_token\":\"SECRET\\nTOKEN\",\"expires_in\":3600}", BL_ERR_DECODE, "SECRET"},
        {"{\"access_token\":\"SECRET\\r\\nX-Evil: 1\",\"expires_in\":3600}", BL_ERR_DECODE, "SECRET"},
        {"{\"access_token\":\"SECRET\\tTOKEN\",\"expires_in\":3600}", BL_ERR_DECODE, "SECRET"},
        {"{\"access_token\":\"SECRET\\u0001TOKEN\",\"expires_in\":3600}", BL_ERR_DECODE, "SECRET"},
        {"{\"access_token\":\"SECRET\\u007fTOKEN\",\"expires_in\":3600}", BL_ERR_DECODE, "SECRET"},
        /* not JSON, or cut short: still nothing of it left behind */
        {"{\"access_token\":\"SECRETTOKEN\",\"expires_in\":3600", BL_ERR_JSON, "SECRETTOKEN"},
        {"{\"access_token\":\"SECRETTOKEN\\u0000\",\"expires_in\":3600}", BL_ERR_JSON, "SECRETTOKEN"},
        {"[\"SECRETTOKEN\"]", BL_ERR_DECODE, "SECRETTOKEN"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bl_moneykit_auth_t auth;
        bl_moneykit_auth_init(&auth, NULL, NULL);
        assert_int_equal(bl_moneykit_auth_set_token(&auth, "previous-token"), BL_OK);
        bool leaked = false;
        bl_status_t st = token(cases[i].json, &auth, &leaked, cases[i].secret);
        if (st != cases[i].want) {
            fail_msg("%s: got %s, want %s", cases[i].json, bl_status_str(st), bl_status_str(cases[i].want));
        }
        if (leaked) {
            fail_msg("%s: secret left in the body", cases[i].json);
        }
        /* A refused answer leaves the stored token alone. */
        assert_true(auth.valid);
        assert_string_equal(bl_moneykit_auth_token(&auth), "previous-token");
    }
}

/* Build a token answer with an access token of @p n bytes. */
static char *token_json(size_t n, char **tok)
{
    *tok = malloc(n + 1u);
    assert_non_null(*tok);
    for (size_t i = 0; i < n; i++) {
        (*tok)[i] = (char)('A' + (int)(i % 26u));
    }
    (*tok)[n] = '\0';
    size_t cap = n + 128u;
    char *json = malloc(cap);
    assert_non_null(json);
    snprintf(json, cap, "{\"access_token\":\"%s\",\"token_type\":\"bearer\",\"expires_in\":60}", *tok);
    return json;
}

static void test_token_length_limit(void **state)
{
    (void)state;
    for (size_t n = BL_MONEYKIT_TOKEN_MAX - 2u; n <= BL_MONEYKIT_TOKEN_MAX + 2u; n++) {
        char *tok;
        char *json = token_json(n, &tok);
        bl_moneykit_auth_t auth;
        bl_moneykit_auth_init(&auth, NULL, NULL);
        bool leaked;
        bl_status_t st = token(json, &auth, &leaked, tok);
        assert_false(leaked);
        if (n <= BL_MONEYKIT_TOKEN_MAX) {
            assert_int_equal(st, BL_OK);
            assert_string_equal(bl_moneykit_auth_token(&auth), tok);
            assert_int_equal(strlen(auth.authorization), 7u + n);
        } else {
            assert_int_equal(st, BL_ERR_RESPONSE_TOO_LARGE);
            assert_false(auth.valid);
        }
        free(json);
        free(tok);
    }
}

/* bl_moneykit.h: BL_ERR_RESPONSE_TOO_LARGE for a "token longer than
 * BL_MONEYKIT_TOKEN_MAX". A token also longer than BL_MAX_VALUE_LEN (2048)
 * fails bl_http_value_ok() first and comes back as BL_ERR_DECODE. */
static void bug_token_much_too_long(void **state)
{
    (void)state;
    static const size_t sizes[] = {BL_MAX_VALUE_LEN, BL_MAX_VALUE_LEN + 1u, 4096u};
    for (size_t i = 0; i < 3; i++) {
        char *tok;
        char *json = token_json(sizes[i], &tok);
        bl_moneykit_auth_t auth;
        bl_moneykit_auth_init(&auth, NULL, NULL);
        bool leaked;
        bl_status_t st = token(json, &auth, &leaked, tok);
        free(json);
        free(tok);
        assert_false(leaked);
        if (st != BL_ERR_RESPONSE_TOO_LARGE) {
            fail_msg("token of %zu bytes: got %s, want BL_ERR_RESPONSE_TOO_LARGE", sizes[i], bl_status_str(st));
        }
    }
}

static void test_moneykit_error(void **state)
{
    (void)state;
    const char *json = "{\"error_code\":\"link_session_error.invalid_token_exchange\",\"error_message\":"
                       "\"The exchangeable token is invalid or was already exchanged.\",\"documentation_url\":"
                       "\"https:\\/\\/docs.moneykit.com\\/errors#invalid_token_exchange\"}";
    body_t b;
    body_new(&b, json, strlen(json), 16);
    bl_error_info_t info;
    memset(&info, 0, sizeof info);
    assert_int_equal(bl_moneykit_decode_error(b.text, b.len, b.tokens, b.ntok, &info), BL_OK);
    expect_str(&info.api_code, "link_session_error.invalid_token_exchange");
    expect_str(&info.api_message, "The exchangeable token is invalid or was already exchanged.");
    expect_str(&info.api_doc_url, "https://docs.moneykit.com/errors#invalid_token_exchange");
    body_free(&b);
    size_t need = tokens_needed(dec_mk_error, json, &info, 16);
    assert_int_equal(need, 7);

    /* Absent and null parts; unknown fields. */
    const char *partial = "{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"x\"}],\"error_code\":\"api_error.auth."
                          "expired_access_token\",\"error_message\":null}";
    body_new(&b, partial, strlen(partial), 32);
    memset(&info, 0, sizeof info);
    assert_int_equal(bl_moneykit_decode_error(b.text, b.len, b.tokens, b.ntok, &info), BL_OK);
    expect_str(&info.api_code, "api_error.auth.expired_access_token");
    assert_int_equal(info.api_message.presence, BL_NULL);
    assert_int_equal(info.api_doc_url.presence, BL_ABSENT);
    body_free(&b);

    static const char *const decode[] = {"{\"error_code\":400}", "{\"error_message\":[]}",
                                         "{\"documentation_url\":{}}", "\"error\""};
    for (size_t i = 0; i < sizeof decode / sizeof decode[0]; i++) {
        char extra[64];
        snprintf(extra, sizeof extra, "%s ", decode[i]);
        body_new(&b, extra, strlen(extra), 16);
        memset(&info, 0, sizeof info);
        assert_int_equal(bl_moneykit_decode_error(b.text, b.len, b.tokens, b.ntok, &info), BL_ERR_DECODE);
        body_free(&b);
    }
    const char *html = "<html>Bad Gateway</html>";
    body_new(&b, html, strlen(html), 16);
    assert_int_equal(bl_moneykit_decode_error(b.text, b.len, b.tokens, b.ntok, &info), BL_ERR_JSON);
    body_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heron_seed),
        cmocka_unit_test(test_heron_fields_absent_null_wrong),
        cmocka_unit_test(test_heron_timestamps),
        cmocka_unit_test(test_heron_status_open_enum),
        cmocka_unit_test(test_heron_shapes),
        cmocka_unit_test(test_heron_error),
        cmocka_unit_test(test_moneykit_seed),
        cmocka_unit_test(test_moneykit_required_fields),
        cmocka_unit_test(test_moneykit_optional_fields),
        cmocka_unit_test(test_moneykit_products),
        cmocka_unit_test(test_moneykit_state_open_enum),
        cmocka_unit_test(test_bare_links),
        cmocka_unit_test(test_token_seed),
        cmocka_unit_test(test_token_refused),
        cmocka_unit_test(bug_token_duplicate_key_left_in_buffer),
        cmocka_unit_test(test_token_length_limit),
        cmocka_unit_test(bug_token_much_too_long),
        cmocka_unit_test(test_moneykit_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
