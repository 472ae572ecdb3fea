/* MoneyKit: OAuth client-credentials token and link-session exchange. */
#include <string.h>

#include "bl_json_stream.h"
#include "bl_moneykit.h"

#if BL_CONFIG_MONEYKIT

#define BEARER_PREFIX "Bearer "
#define BEARER_PREFIX_LEN 7u
#define ACCESS_TOKEN_KEY "access_token"

static const char *const state_names[] = {
    "unknown", "connecting", "awaiting_token_exchange", "connected", "deleted", "error",
};

const char *bl_moneykit_link_state_str(bl_moneykit_link_state_t state)
{
    if ((unsigned)state >= sizeof state_names / sizeof state_names[0]) {
        return state_names[0];
    }
    return state_names[state];
}

static bl_moneykit_link_state_t state_from(const bl_str_t *raw)
{
    for (unsigned i = 1; i < sizeof state_names / sizeof state_names[0]; i++) {
        if (bl_str_eq(raw, state_names[i])) {
            return (bl_moneykit_link_state_t)i;
        }
    }
    return BL_MONEYKIT_LINK_UNKNOWN;
}

/* ------------------------------------------------------------------ auth */

void bl_moneykit_auth_init(bl_moneykit_auth_t *auth, const char *client_id, const char *client_secret)
{
    memset(auth, 0, sizeof *auth);
    auth->client_id = client_id;
    auth->client_secret = client_secret;
}

const char *bl_moneykit_auth_token(const bl_moneykit_auth_t *auth)
{
    return auth->valid ? auth->authorization + BEARER_PREFIX_LEN : "";
}

void bl_moneykit_auth_clear(bl_moneykit_auth_t *auth)
{
    bl_secure_zero(auth->authorization, sizeof auth->authorization);
    auth->valid = false;
    auth->expires_in_s = 0;
    auth->has_expiry = false;
    memset(&auth->token_type, 0, sizeof auth->token_type);
}

/* Store a token of n bytes (already checked to be header-safe). */
static void store_token(bl_moneykit_auth_t *auth, const char *token, size_t n)
{
    memcpy(auth->authorization, BEARER_PREFIX, BEARER_PREFIX_LEN);
    memcpy(auth->authorization + BEARER_PREFIX_LEN, token, n);
    auth->authorization[BEARER_PREFIX_LEN + n] = '\0';
    auth->valid = true;
}

bl_status_t bl_moneykit_auth_set_token(bl_moneykit_auth_t *auth, const char *token)
{
    if (auth == NULL || !bl_http_value_ok(token) || strlen(token) > BL_MONEYKIT_TOKEN_MAX) {
        return BL_ERR_INVALID_ARG;
    }
    bl_moneykit_auth_clear(auth);
    store_token(auth, token, strlen(token));
    return BL_OK;
}

bl_status_t bl_moneykit_decode_token(char *body, size_t len, bl_json_token_t *tokens, size_t max_tokens,
                                     bl_moneykit_auth_t *auth)
{
    bl_json_doc_t doc;
    bl_status_t st = bl_json_parse(&doc, body, len, tokens, max_tokens);
    enum { ACCESS_TOKEN, TOKEN_TYPE, EXPIRES_IN, NKEYS };
    static const char *const keys[NKEYS] = {ACCESS_TOKEN_KEY, "token_type", "expires_in"};
    int at[NKEYS] = {-1, -1, -1};
    bl_str_t token = {NULL, 0, BL_ABSENT};
    bl_str_t type = {NULL, 0, BL_ABSENT};
    int64_t expires = 0;
    bl_presence_t expires_p = BL_ABSENT;
    if (st == BL_OK) st = bl_json_object_find(&doc, 0, keys, NKEYS, at);
    if (st == BL_OK) st = bl_json_get_str(&doc, at[ACCESS_TOKEN], &token);
    if (st == BL_OK) st = bl_json_get_str(&doc, at[TOKEN_TYPE], &type);
    /* A non-positive lifetime is a token that is already stale, not an error. */
    if (st == BL_OK) st = bl_json_get_int(&doc, at[EXPIRES_IN], INT32_MIN, INT32_MAX, &expires, &expires_p);
    if (st == BL_OK && (token.presence != BL_PRESENT || expires_p != BL_PRESENT)) {
        st = BL_ERR_DECODE;
    }
    if (st == BL_OK && token.len > BL_MONEYKIT_TOKEN_MAX) {
        st = BL_ERR_RESPONSE_TOO_LARGE;
    }
    if (st == BL_OK && !bl_http_value_ok(token.ptr)) {
        st = BL_ERR_DECODE; /* it could not go into a header */
    }
    if (st == BL_OK) {
        bl_moneykit_auth_clear(auth);
        store_token(auth, token.ptr, token.len);
        auth->token_type = type;
        auth->expires_in_s = expires;
        auth->has_expiry = true;
    }
    /* The credential does not stay in the work buffer: wipe the whole
     * original span (escapes included) of every access_token member, a
     * repeated one too, or the whole body when it could not be parsed. */
    if (at[ACCESS_TOKEN] >= 0) {
        int j = 1;
        for (int m = 0; m < doc.tokens[0].size && j + 1 < doc.count; m++) {
            const char *key = doc.text + doc.tokens[j].start; /* NUL-terminated in place */
            const size_t n = sizeof ACCESS_TOKEN_KEY - 1u;
            if (strlen(key) == n && memcmp(key, ACCESS_TOKEN_KEY, n) == 0) {
                const bl_json_token_t *t = &doc.tokens[j + 1];
                bl_secure_zero(body + t->start, (size_t)(t->end - t->start));
            }
            j = bl_json_skip(&doc, j + 1);
        }
    } else {
        bl_secure_zero(body, len);
    }
    return st;
}

/* ---------------------------------------------------------------- decode */

static bl_status_t decode_product(const bl_json_doc_t *doc, int idx, bl_moneykit_product_t *p)
{
    memset(p, 0, sizeof *p);
    if (idx < 0) {
        return BL_OK;
    }
    if (bl_json_is_null(doc, idx)) {
        p->presence = BL_NULL;
        return BL_OK;
    }
    enum { REFRESHED, ATTEMPTED, ERROR_CODE, ERROR_MESSAGE, SETTINGS, NKEYS };
    static const char *const keys[NKEYS] = {
        "refreshed_at", "last_attempted_at", "error_code", "error_message", "settings",
    };
    int at[NKEYS];
    bl_status_t st = bl_json_object_find(doc, idx, keys, NKEYS, at);
    if (st == BL_OK) st = bl_json_get_timestamp(doc, at[REFRESHED], &p->refreshed_at);
    if (st == BL_OK) st = bl_json_get_timestamp(doc, at[ATTEMPTED], &p->last_attempted_at);
    if (st == BL_OK) st = bl_json_get_str(doc, at[ERROR_CODE], &p->error_code);
    if (st == BL_OK) st = bl_json_get_str(doc, at[ERROR_MESSAGE], &p->error_message);
    if (st != BL_OK) {
        return st;
    }
    p->presence = BL_PRESENT;
    int s = at[SETTINGS];
    if (s < 0) {
        return BL_OK;
    }
    if (bl_json_is_null(doc, s)) {
        p->settings.presence = BL_NULL;
        return BL_OK;
    }
    static const char *const skeys[2] = {"required", "prefetch"};
    int sat[2];
    st = bl_json_object_find(doc, s, skeys, 2, sat);
    if (st == BL_OK) st = bl_json_get_bool(doc, sat[0], &p->settings.required);
    if (st == BL_OK) st = bl_json_get_bool(doc, sat[1], &p->settings.prefetch);
    if (st == BL_OK) p->settings.presence = BL_PRESENT;
    return st;
}

static bl_status_t decode_products(const bl_json_doc_t *doc, int idx, bl_moneykit_products_t *out)
{
    static const char *const keys[5] = {"accounts", "account_numbers", "identity", "transactions", "investments"};
    bl_moneykit_product_t *slots[5] = {&out->accounts, &out->account_numbers, &out->identity, &out->transactions,
                                       &out->investments};
    int at[5];
    bl_status_t st = bl_json_object_find(doc, idx, keys, 5, at);
    for (size_t i = 0; i < 5u && st == BL_OK; i++) {
        st = decode_product(doc, at[i], slots[i]);
    }
    return st;
}

static bool present(const bl_str_t *s)
{
    return s->presence == BL_PRESENT;
}

static bl_status_t decode_link(const bl_json_doc_t *doc, int obj, bl_moneykit_link_t *out)
{
    enum { LINK_ID, INST_ID, INST_NAME, PROVIDER, STATE, ERROR_CODE, LAST_SYNCED, TAGS, PRODUCTS, NKEYS };
    static const char *const keys[NKEYS] = {
        "link_id", "institution_id", "institution_name", "provider", "state",
        "error_code", "last_synced_at", "tags", "products",
    };
    int at[NKEYS];
    bl_status_t st = bl_json_object_find(doc, obj, keys, NKEYS, at);
    if (st == BL_OK) st = bl_json_get_str(doc, at[LINK_ID], &out->link_id);
    if (st == BL_OK) st = bl_json_get_str(doc, at[INST_ID], &out->institution_id);
    if (st == BL_OK) st = bl_json_get_str(doc, at[INST_NAME], &out->institution_name);
    if (st == BL_OK) st = bl_json_get_str(doc, at[PROVIDER], &out->provider);
    if (st == BL_OK) st = bl_json_get_str(doc, at[STATE], &out->state_raw);
    if (st == BL_OK) st = bl_json_get_str(doc, at[ERROR_CODE], &out->error_code);
    if (st == BL_OK) st = bl_json_get_timestamp(doc, at[LAST_SYNCED], &out->last_synced_at);
    if (st == BL_OK) st = at[PRODUCTS] < 0 ? BL_ERR_DECODE : decode_products(doc, at[PRODUCTS], &out->products);
    /* Last: packing the tags rewrites the bytes of their array. */
    if (st == BL_OK) st = bl_json_get_str_list(doc, at[TAGS], &out->tags);
    if (st == BL_OK && !(present(&out->link_id) && present(&out->institution_id) &&
                         present(&out->institution_name) && present(&out->provider) && present(&out->state_raw))) {
        st = BL_ERR_DECODE;
    }
    out->state = state_from(&out->state_raw);
    return st;
}

bl_status_t bl_moneykit_decode_link(char *body, size_t len, bl_json_token_t *tokens, size_t max_tokens,
                                    bl_moneykit_link_t *out)
{
    memset(out, 0, sizeof *out);
    bl_json_doc_t doc;
    bl_status_t st = bl_json_parse(&doc, body, len, tokens, max_tokens);
    return st != BL_OK ? st : decode_link(&doc, 0, out);
}

bl_status_t bl_moneykit_decode_exchange(char *body, size_t len, bl_json_token_t *tokens, size_t max_tokens,
                                        bl_moneykit_exchange_t *out)
{
    memset(out, 0, sizeof *out);
    bl_json_doc_t doc;
    bl_status_t st = bl_json_parse(&doc, body, len, tokens, max_tokens);
    if (st != BL_OK) {
        return st;
    }
    static const char *const keys[2] = {"link_id", "link"};
    int at[2];
    st = bl_json_object_find(&doc, 0, keys, 2, at);
    if (st == BL_OK) st = bl_json_get_str(&doc, at[0], &out->link_id);
    if (st == BL_OK && (!present(&out->link_id) || at[1] < 0)) {
        st = BL_ERR_DECODE;
    }
    if (st == BL_OK) st = decode_link(&doc, at[1], &out->link);
    return st;
}

bl_status_t bl_moneykit_decode_error(char *body, size_t len, bl_json_token_t *tokens, size_t max_tokens,
                                     bl_error_info_t *info)
{
    bl_json_doc_t doc;
    bl_status_t st = bl_json_parse(&doc, body, len, tokens, max_tokens);
    static const char *const keys[3] = {"error_code", "error_message", "documentation_url"};
    int at[3];
    if (st == BL_OK) st = bl_json_object_find(&doc, 0, keys, 3, at);
    if (st == BL_OK) st = bl_json_get_str(&doc, at[0], &info->api_code);
    if (st == BL_OK) st = bl_json_get_str(&doc, at[1], &info->api_message);
    if (st == BL_OK) st = bl_json_get_str(&doc, at[2], &info->api_doc_url);
    return st;
}

/* ----------------------------------------------------------------- calls */

static bl_status_t token_body(bl_buf_t *b, const void *ctx, bl_secrets_t *secrets)
{
    const bl_moneykit_auth_t *auth = (const bl_moneykit_auth_t *)ctx;
    bl_buf_puts(b, "grant_type=client_credentials&client_id=");
    bl_http_put_encoded(b, auth->client_id, strlen(auth->client_id));
    bl_buf_puts(b, "&client_secret=");
    size_t start = b->len;
    bl_http_put_encoded(b, auth->client_secret, strlen(auth->client_secret));
    bl_secrets_mark(secrets, start, b->len);
    return BL_OK;
}

static bl_status_t exchange_body(bl_buf_t *b, const void *ctx, bl_secrets_t *secrets)
{
    const char *token = (const char *)ctx;
    bl_buf_puts(b, "{\"exchangeable_token\":");
    size_t start = b->len;
    bl_status_t st = bl_json_put_str(b, token, strlen(token));
    bl_secrets_mark(secrets, start, b->len);
    bl_buf_put(b, "}", 1);
    return st;
}

static void init_call(bl_call_t *call, const bl_client_t *c, bl_method_t method, const char *const *segments,
                      size_t n)
{
    memset(call, 0, sizeof *call);
    call->request.method = method;
    call->request.base_path = c->cfg.base_path;
    call->request.segments = segments;
    call->request.segment_count = n;
}

static bl_status_t api_error(bl_client_t *c, const bl_response_t *resp)
{
    /* A proxy's HTML page decodes to nothing; the HTTP status still tells. */
    bl_status_t ignored = bl_moneykit_decode_error(resp->body, resp->len, c->cfg.tokens, c->cfg.token_count, &c->last);
    (void)ignored;
    bool limited = resp->status == 429 || (resp->status == 503 && c->last.retry_after_ms >= 0);
    return bl_client_fail(c, limited ? BL_ERR_RATE_LIMITED : BL_ERR_API);
}

bl_status_t bl_moneykit_fetch_token(bl_client_t *client, bl_moneykit_auth_t *auth)
{
    if (client == NULL || auth == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    bl_client_clear_last(client);
    if (auth->client_id == NULL || auth->client_secret == NULL) {
        return bl_client_fail(client, BL_ERR_NO_TOKEN);
    }
    if (!bl_http_text_ok(auth->client_id) || !bl_http_text_ok(auth->client_secret)) {
        return bl_client_fail(client, BL_ERR_INVALID_ARG);
    }
    static const char *const segments[] = {"auth", "token"};
    bl_call_t call;
    init_call(&call, client, BL_POST, segments, 2);
    call.request.content_type = "application/x-www-form-urlencoded";
    call.request.body = token_body;
    call.request.body_ctx = auth;
    call.retry = BL_RETRY_IDEMPOTENT; /* a second token is harmless */
    call.secret_response = true;
    bl_response_t resp = {0, NULL, 0};
    bl_status_t st = bl_client_execute(client, &call, &resp);
    if (st != BL_OK) {
        return st;
    }
    if (resp.status < 200 || resp.status > 299) {
        return api_error(client, &resp);
    }
    st = bl_moneykit_decode_token(resp.body, resp.len, client->cfg.tokens, client->cfg.token_count, auth);
    if (st == BL_OK) {
        auth->obtained_ms = client->cfg.clock->now_ms(client->cfg.clock->ctx);
    }
    return bl_client_fail(client, st);
}

/* Usable for at least BL_MONEYKIT_TOKEN_MARGIN_S more seconds? */
static bool token_fresh(const bl_client_t *c, const bl_moneykit_auth_t *auth)
{
    if (!auth->valid) {
        return false;
    }
    if (!auth->has_expiry) {
        return true;
    }
    if (auth->expires_in_s <= 0) {
        return false;
    }
    uint64_t age = (uint64_t)(uint32_t)(c->cfg.clock->now_ms(c->cfg.clock->ctx) - auth->obtained_ms);
    return age + (uint64_t)BL_MONEYKIT_TOKEN_MARGIN_S * 1000u < (uint64_t)auth->expires_in_s * 1000u;
}

static bool have_credentials(const bl_moneykit_auth_t *auth)
{
    return auth->client_id != NULL && auth->client_secret != NULL;
}

/*
 * Send an authorised call: a token is fetched first when there is none or
 * it is about to expire; a 401 for an expired token was refused before any
 * work, so the token is renewed and the call made once more.
 * BL_OK means a 2xx answer is in resp.
 */
static bl_status_t authorized_call(bl_client_t *c, bl_moneykit_auth_t *auth, bl_call_t *call, bl_response_t *resp)
{
    for (int round = 0;; round++) {
        if (!token_fresh(c, auth)) {
            if (have_credentials(auth)) {
                bl_status_t st = bl_moneykit_fetch_token(c, auth);
                /* token_type points into the work buffer, which this call
                 * is about to reuse: do not leave it dangling. */
                memset(&auth->token_type, 0, sizeof auth->token_type);
                if (st != BL_OK) {
                    return st;
                }
            } else if (!auth->valid) {
                return bl_client_fail(c, BL_ERR_NO_TOKEN);
            }
        }
        const bl_header_t headers[] = {
            {"Authorization", auth->authorization, true},
            {"moneykit-version", BL_MONEYKIT_API_VERSION, false},
        };
        call->request.headers = headers;
        call->request.header_count = 2;
        bl_status_t st = bl_client_execute(c, call, resp);
        call->request.headers = NULL;
        if (st != BL_OK) {
            return st;
        }
        if (resp->status >= 200 && resp->status <= 299) {
            return BL_OK;
        }
        st = api_error(c, resp);
        if (resp->status == 401 && round == 0 && have_credentials(auth) &&
            bl_str_eq(&c->last.api_code, "api_error.auth.expired_access_token")) {
            bl_moneykit_auth_clear(auth);
            continue;
        }
        return st;
    }
}

/* Common start of every call: forget the last one, check the values. */
static bl_status_t begin(bl_client_t *c, const bl_moneykit_auth_t *auth, const char *value)
{
    if (c == NULL || auth == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    bl_client_clear_last(c);
    if (value != NULL && !bl_http_text_ok(value)) {
        return bl_client_fail(c, BL_ERR_INVALID_ARG);
    }
    return BL_OK;
}

bl_status_t bl_moneykit_exchange_token(bl_client_t *client, bl_moneykit_auth_t *auth,
                                       const char *exchangeable_token, bl_moneykit_exchange_t *out)
{
    if (out == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    bl_status_t st = begin(client, auth, exchangeable_token != NULL ? exchangeable_token : "");
    if (st != BL_OK) {
        return st;
    }
    static const char *const segments[] = {"link-session", "exchange-token"};
    bl_call_t call;
    init_call(&call, client, BL_POST, segments, 2);
    call.request.content_type = "application/json";
    call.request.body = exchange_body;
    call.request.body_ctx = exchangeable_token;
    call.retry = BL_RETRY_UNPROCESSED;
    bl_response_t resp = {0, NULL, 0};
    st = authorized_call(client, auth, &call, &resp);
    if (st == BL_OK) {
        st = bl_moneykit_decode_exchange(resp.body, resp.len, client->cfg.tokens, client->cfg.token_count, out);
    }
    return bl_client_fail(client, st);
}

#if BL_CONFIG_LIFECYCLE
bl_status_t bl_moneykit_get_link(bl_client_t *client, bl_moneykit_auth_t *auth, const char *link_id,
                                 bl_moneykit_link_t *out)
{
    if (out == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    bl_status_t st = begin(client, auth, link_id != NULL ? link_id : "");
    if (st != BL_OK) {
        return st;
    }
    const char *const segments[] = {"links", link_id};
    bl_call_t call;
    init_call(&call, client, BL_GET, segments, 2);
    call.retry = BL_RETRY_IDEMPOTENT;
    bl_response_t resp = {0, NULL, 0};
    st = authorized_call(client, auth, &call, &resp);
    if (st == BL_OK) {
        st = bl_moneykit_decode_link(resp.body, resp.len, client->cfg.tokens, client->cfg.token_count, out);
    }
    return bl_client_fail(client, st);
}

bl_status_t bl_moneykit_delete_link(bl_client_t *client, bl_moneykit_auth_t *auth, const char *link_id)
{
    bl_status_t st = begin(client, auth, link_id != NULL ? link_id : "");
    if (st != BL_OK) {
        return st;
    }
    const char *const segments[] = {"links", link_id};
    bl_call_t call;
    init_call(&call, client, BL_DELETE, segments, 2);
    call.retry = BL_RETRY_IDEMPOTENT;
    bl_response_t resp = {0, NULL, 0};
    return bl_client_fail(client, authorized_call(client, auth, &call, &resp));
}

#endif /* BL_CONFIG_LIFECYCLE */

#if BL_CONFIG_LISTS
void bl_moneykit_list_init(bl_moneykit_list_t *list, uint32_t page_size, bl_moneykit_link_fn fn, void *ctx)
{
    memset(list, 0, sizeof *list);
    list->page_size = page_size;
    list->fn = fn;
    list->ctx = ctx;
}

static bl_status_t on_link(void *ctx, char *elem, size_t len)
{
    bl_moneykit_list_t *l = (bl_moneykit_list_t *)ctx;
    bl_status_t st = bl_moneykit_decode_link(elem, len, l->client->cfg.tokens, l->client->cfg.token_count, &l->link);
    return st != BL_OK ? st : l->fn(l->ctx, &l->link);
}

static bl_status_t list_sink(void *ctx, char *body, size_t len, bool done, size_t *consumed)
{
    bl_moneykit_list_t *l = (bl_moneykit_list_t *)ctx;
    return bl_json_stream_feed(&l->stream, body, len, done, consumed);
}

bl_status_t bl_moneykit_list_links(bl_client_t *client, bl_moneykit_auth_t *auth, bl_moneykit_list_t *list)
{
    if (list == NULL || list->fn == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    list->count = 0;
    bool has_cursor = list->cursor[0] != '\0';
    bl_status_t st = begin(client, auth, has_cursor ? list->cursor : NULL);
    if (st != BL_OK) {
        return st;
    }
    char size_text[12];
    bl_buf_t sb;
    bl_buf_init(&sb, size_text, sizeof size_text);
    bl_buf_put_u64(&sb, list->page_size);
    size_text[sb.len] = '\0';
    bl_query_t query[2];
    size_t nq = 0;
    if (has_cursor) {
        query[nq].name = "cursor";
        query[nq].value = list->cursor;
        nq++;
    }
    if (list->page_size != 0u) {
        query[nq].name = "size";
        query[nq].value = size_text;
        nq++;
    }
    static const char *const segments[] = {"links"};
    bl_call_t call;
    init_call(&call, client, BL_GET, segments, 1);
    call.request.query = nq > 0u ? query : NULL;
    call.request.query_count = nq;
    call.retry = BL_RETRY_IDEMPOTENT;
    list->client = client;
    bl_json_stream_init(&list->stream, "links", on_link, list, "next_cursor", list->next_cursor,
                        sizeof list->next_cursor);
    call.sink = list_sink;
    call.sink_ctx = list;
    bl_response_t resp = {0, NULL, 0};
    st = authorized_call(client, auth, &call, &resp);
    list->count = list->stream.elements;
    if (st == BL_OK) {
        memcpy(list->cursor, list->next_cursor, sizeof list->cursor);
    }
    return bl_client_fail(client, st);
}
#endif /* BL_CONFIG_LISTS */

#else
typedef int bl_moneykit_not_built_t; /* ISO C wants something in a translation unit */
#endif /* BL_CONFIG_MONEYKIT */
