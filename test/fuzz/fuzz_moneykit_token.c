/*
 * Fuzz target: bl_moneykit_decode_token, the OAuth token answer, with the
 * documented budget BL_MONEYKIT_TOKEN_TOKENS. On success the stored header
 * value is "Bearer <token>" with a header-safe token of at most
 * BL_MONEYKIT_TOKEN_MAX bytes, the token is gone from the body and the
 * token_type view is intact. On any outcome the body no longer holds the
 * access token (checked against an independent parse by cJSON when built
 * with it).
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
        /* Wiped from the work buffer (short tokens may match other text). */
        FUZZ_CHECK(n < 8u || !fuzz_contains(body, size, token, n));
    } else {
        FUZZ_CHECK(!auth.valid);
        FUZZ_CHECK(bl_moneykit_auth_token(&auth)[0] == '\0');
    }
#ifdef BL_FUZZ_HAVE_CJSON
    /* Whatever the outcome, a credential the body carried is not left in it.
     * Short strings could occur in the body by chance: only check from 8. */
    char *secret = cjson_token(data, size);
    if (secret != NULL && strlen(secret) >= 8u) {
        FUZZ_CHECK(!fuzz_contains(body, size, secret, strlen(secret)));
    }
    free(secret);
#endif
    free(tokens);
    free(body);
    return 0;
}
