/*
 * Fuzz target: bl_moneykit_decode_token, the OAuth token answer, with the
 * documented budget BL_MONEYKIT_TOKEN_TOKENS. On success the stored header
 * value is "Bearer <token>" with a header-safe token of at most
 * BL_MONEYKIT_TOKEN_MAX bytes and the token_type view is intact. On any
 * outcome no access token is left in the body: every `access_token` value
 * of the answer (located by parsing a copy) is wiped, and when the body
 * cannot be parsed, the token cJSON finds in it (when built with cJSON) is
 * not there any more.
 */
#include "bl_moneykit.h"
#include "fuzz_common.h"

#ifdef BL_FUZZ_HAVE_CJSON
#include <cjson/cJSON.h>

/* The access_token string of @p data as cJSON reads it (malloc'ed), or NULL. */
static char *cjson_token(const uint8_t *data, size_t size)
{
    cJSON *root = cJSON_ParseWithLength((const char *)data, size);
    char *out = NULL;
    const cJSON *tok = cJSON_GetObjectItemCaseSensitive(root, "access_token");
    if (cJSON_IsString(tok) && tok->valuestring != NULL) {
        size_t n = strlen(tok->valuestring);
        out = (char *)malloc(n + 1u);
        if (out == NULL) {
            abort();
        }
        memcpy(out, tok->valuestring, n + 1u);
    }
    cJSON_Delete(root);
    return out;
}
#endif

#define FUZZ_MAX_SPANS 16

/* Spans of every top-level "access_token" value, from a parse of a copy.
 * Returns their number, or -1 when the copy does not parse. */
static int token_spans(const uint8_t *data, size_t size, int *start, int *end)
{
    char *copy = fuzz_dup(data, size);
    bl_json_token_t *t = (bl_json_token_t *)malloc(BL_MONEYKIT_TOKEN_TOKENS * sizeof *t);
    if (t == NULL) {
        abort();
    }
    bl_json_doc_t doc;
    int n = -1;
    if (bl_json_parse(&doc, copy, size, t, BL_MONEYKIT_TOKEN_TOKENS) == BL_OK) {
        n = 0;
        for (int j = 1; j + 1 < doc.count && n < FUZZ_MAX_SPANS; j++) {
            if (t[j].parent == 0 && t[j].type == BL_JSON_STRING && strcmp(copy + t[j].start, "access_token") == 0) {
                start[n] = t[j + 1].start;
                end[n] = t[j + 1].end;
                n++;
            }
        }
    }
    free(t);
    free(copy);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int span_start[FUZZ_MAX_SPANS];
    int span_end[FUZZ_MAX_SPANS];
    int spans = token_spans(data, size, span_start, span_end);

    char *body = fuzz_dup(data, size);
    bl_json_token_t *tokens = (bl_json_token_t *)malloc(BL_MONEYKIT_TOKEN_TOKENS * sizeof *tokens);
    if (tokens == NULL) {
        abort();
    }
    bl_moneykit_auth_t auth;
    bl_moneykit_auth_init(&auth, "client-id", "client-secret");
    bl_status_t st = bl_moneykit_decode_token(body, size, tokens, BL_MONEYKIT_TOKEN_TOKENS, &auth);
    FUZZ_CHECK(fuzz_decode_status_ok(st) || st == BL_ERR_RESPONSE_TOO_LARGE);

    /* The credentials are the caller's and stay referenced as they were. */
    FUZZ_CHECK(strcmp(auth.client_id, "client-id") == 0 && strcmp(auth.client_secret, "client-secret") == 0);
    if (st == BL_OK) {
        FUZZ_CHECK(auth.valid && auth.has_expiry);
        FUZZ_CHECK(auth.expires_in_s >= INT32_MIN && auth.expires_in_s <= INT32_MAX);
        /* token_type stays a view into the body: intact after the wipe. */
        fuzz_check_str(&auth.token_type, body, size);
        FUZZ_CHECK(memcmp(auth.authorization, "Bearer ", 7) == 0);
        FUZZ_CHECK(memchr(auth.authorization, '\0', sizeof auth.authorization) != NULL);
        const char *token = bl_moneykit_auth_token(&auth);
        FUZZ_CHECK(token == auth.authorization + 7);
        size_t n = strlen(token);
        FUZZ_CHECK(n >= 1u && n <= BL_MONEYKIT_TOKEN_MAX);
        FUZZ_CHECK(bl_http_value_ok(token));
        FUZZ_CHECK(spans >= 1);
    } else {
        FUZZ_CHECK(!auth.valid);
        FUZZ_CHECK(bl_moneykit_auth_token(&auth)[0] == '\0');
    }

    /* Every access_token value the server sent is gone from the buffer. */
    for (int i = 0; i < spans; i++) {
        for (int k = span_start[i]; k < span_end[i]; k++) {
            if (body[k] != '\0') {
                fprintf(stderr, "access_token value %d (bytes %d..%d) not wiped from the body\n", i, span_start[i],
                        span_end[i]);
            }
            FUZZ_CHECK(body[k] == '\0');
        }
    }
#ifdef BL_FUZZ_HAVE_CJSON
    /* A body banklink could not parse still may carry a credential cJSON
     * can read: it must not stay. Short strings could occur by chance. */
    if (spans < 0) {
        char *secret = cjson_token(data, size);
        if (secret != NULL && strlen(secret) >= 8u) {
            FUZZ_CHECK(!fuzz_contains(body, size, secret, strlen(secret)));
        }
        free(secret);
    }
#endif
    free(tokens);
    free(body);
    return 0;
}
