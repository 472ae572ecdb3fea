/* Heron Data Integration Links: requests, answers, lists. */
#include <string.h>

#include "bl_heron.h"
#include "bl_json_stream.h"

#if BL_CONFIG_HERON

static const char *const status_names[] = {
    "unknown", "pending", "active", "syncing", "erroring", "sync_disabled", "deleted_in_plaid",
};

const char *bl_heron_link_status_str(bl_heron_link_status_t status)
{
    if ((unsigned)status >= sizeof status_names / sizeof status_names[0]) {
        return status_names[0];
    }
    return status_names[status];
}

static bl_heron_link_status_t status_from(const bl_str_t *raw)
{
    for (unsigned i = 1; i < sizeof status_names / sizeof status_names[0]; i++) {
        if (bl_str_eq(raw, status_names[i])) {
            return (bl_heron_link_status_t)i;
        }
    }
    return BL_HERON_LINK_UNKNOWN;
}

/* ---------------------------------------------------------------- decode */

static bl_status_t decode_link_at(const bl_json_doc_t *doc, int obj, bl_heron_link_t *out)
{
    enum { ITEM_ID, STATUS, STATUS_MESSAGE, TYPE, CREATED, LAST_SYNC, LAST_UPDATED, SOURCE, NKEYS };
    static const char *const keys[NKEYS] = {
        "item_id", "status", "status_message", "type", "created", "last_successful_sync", "last_updated",
        "data_source_heron_id",
    };
    int at[NKEYS];
    bl_status_t st = bl_json_object_find(doc, obj, keys, NKEYS, at);
    if (st == BL_OK) st = bl_json_get_str(doc, at[ITEM_ID], &out->item_id);
    if (st == BL_OK) st = bl_json_get_str(doc, at[STATUS], &out->status_raw);
    if (st == BL_OK) st = bl_json_get_str(doc, at[STATUS_MESSAGE], &out->status_message);
    if (st == BL_OK) st = bl_json_get_str(doc, at[TYPE], &out->type);
    if (st == BL_OK) st = bl_json_get_timestamp(doc, at[CREATED], &out->created);
    if (st == BL_OK) st = bl_json_get_timestamp(doc, at[LAST_SYNC], &out->last_successful_sync);
    if (st == BL_OK) st = bl_json_get_timestamp(doc, at[LAST_UPDATED], &out->last_updated);
    if (st == BL_OK) st = bl_json_get_str(doc, at[SOURCE], &out->data_source_heron_id);
    out->status = status_from(&out->status_raw);
    return st;
}

bl_status_t bl_heron_decode_link(char *body, size_t len, bl_json_token_t *tokens, size_t max_tokens,
                                 bl_heron_link_t *out)
{
    memset(out, 0, sizeof *out);
    bl_json_doc_t doc;
    bl_status_t st = bl_json_parse(&doc, body, len, tokens, max_tokens);
    return st != BL_OK ? st : decode_link_at(&doc, 0, out);
}

/* {"<wrapper>": {link}}: the link object is required. */
static bl_status_t decode_wrapped(char *body, size_t len, bl_json_token_t *tokens, size_t max_tokens,
                                  const char *wrapper, bl_heron_link_t *out)
{
    memset(out, 0, sizeof *out);
    bl_json_doc_t doc;
    bl_status_t st = bl_json_parse(&doc, body, len, tokens, max_tokens);
    if (st != BL_OK) {
        return st;
    }
    const char *const keys[1] = {wrapper};
    int at;
    st = bl_json_object_find(&doc, 0, keys, 1, &at);
    if (st != BL_OK || at < 0) {
        return BL_ERR_DECODE;
    }
    return decode_link_at(&doc, at, out);
}

bl_status_t bl_heron_decode_link_response(char *body, size_t len, bl_json_token_t *tokens, size_t max_tokens,
                                          bl_heron_link_t *out)
{
    return decode_wrapped(body, len, tokens, max_tokens, "integration_link", out);
}

bl_status_t bl_heron_decode_error(char *body, size_t len, bl_json_token_t *tokens, size_t max_tokens,
                                  bl_error_info_t *info)
{
    bl_json_doc_t doc;
    bl_status_t st = bl_json_parse(&doc, body, len, tokens, max_tokens);
    if (st != BL_OK) {
        return st;
    }
    enum { CODE, DESCRIPTION, NAME, NKEYS };
    static const char *const keys[NKEYS] = {"code", "description", "name"};
    int at[NKEYS];
    st = bl_json_object_find(&doc, 0, keys, NKEYS, at);
    if (st == BL_OK && at[CODE] >= 0 && doc.tokens[at[CODE]].type == BL_JSON_PRIMITIVE &&
        !bl_json_is_null(&doc, at[CODE])) {
        /* Heron's code is a number: keep its digits as text, terminated in
         * place of the delimiter that follows them. */
        const bl_json_token_t *t = &doc.tokens[at[CODE]];
        doc.text[t->end] = '\0';
        info->api_code.ptr = doc.text + t->start;
        info->api_code.len = (size_t)(t->end - t->start);
        info->api_code.presence = BL_PRESENT;
    } else if (st == BL_OK) {
        st = bl_json_get_str(&doc, at[CODE], &info->api_code);
    }
    if (st == BL_OK) st = bl_json_get_str(&doc, at[DESCRIPTION], &info->api_message);
    if (st == BL_OK) st = bl_json_get_str(&doc, at[NAME], &info->api_name);
    return st;
}

/* ---------------------------------------------------------------- bodies */

/* Append `"name":"value"` (value escaped; marked secret when asked). */
static bl_status_t put_field(bl_buf_t *b, const char *name, const char *value, bool first, bool secret,
                             bl_secrets_t *secrets)
{
    bl_buf_puts(b, first ? "\"" : ",\"");
    bl_buf_puts(b, name);
    bl_buf_puts(b, "\":");
    size_t start = b->len;
    bl_status_t st = bl_json_put_str(b, value, strlen(value));
    if (secret) {
        bl_secrets_mark(secrets, start, b->len);
    }
    return st;
}

static bl_status_t update_body(bl_buf_t *b, const void *ctx, bl_secrets_t *secrets)
{
    bl_buf_puts(b, "{\"end_user\":{");
    bl_status_t st = put_field(b, "access_token", (const char *)ctx, true, true, secrets);
    bl_buf_puts(b, "}}");
    return st;
}

#if BL_CONFIG_LIFECYCLE
static bl_status_t create_body(bl_buf_t *b, const void *ctx, bl_secrets_t *secrets)
{
    const bl_heron_new_link_t *l = (const bl_heron_new_link_t *)ctx;
    bl_buf_put(b, "{", 1);
    bl_status_t st = put_field(b, "item_id", l->item_id, true, false, secrets);
    if (st == BL_OK) st = put_field(b, "end_user_id", l->end_user_id, false, false, secrets);
    if (st == BL_OK) st = put_field(b, "access_token", l->access_token, false, true, secrets);
    if (st == BL_OK && l->end_user_name != NULL) {
        st = put_field(b, "end_user_name", l->end_user_name, false, false, secrets);
    }
    if (st == BL_OK && l->asset_report_token != NULL) {
        st = put_field(b, "asset_report_token", l->asset_report_token, false, true, secrets);
    }
    bl_buf_put(b, "}", 1);
    return st;
}

#endif /* BL_CONFIG_LIFECYCLE */

/* ----------------------------------------------------------------- calls */

/* What varies between Heron calls; the rest is common. */
typedef struct heron_req {
    bl_method_t method;
    const char *const *segments;
    size_t segment_count;
    const bl_query_t *query;
    size_t query_count;
    bl_body_fn body;
    const void *body_ctx;
    bl_retry_policy_t retry;
    bl_body_sink_fn sink;
    void *sink_ctx;
} heron_req_t;

/* A complete answer with a non-2xx status: keep Heron's explanation. */
static bl_status_t api_error(bl_client_t *c, const bl_response_t *resp)
{
    /* The body may be an HTML page from a proxy; then there is nothing to keep. */
    bl_status_t ignored = bl_heron_decode_error(resp->body, resp->len, c->cfg.tokens, c->cfg.token_count, &c->last);
    (void)ignored;
    bool limited = resp->status == 429 || (resp->status == 503 && c->last.retry_after_ms >= 0);
    return bl_client_fail(c, limited ? BL_ERR_RATE_LIMITED : BL_ERR_API);
}

static bl_status_t heron_call(bl_client_t *c, const char *api_key, const heron_req_t *r, bl_response_t *resp)
{
    const bl_header_t headers[] = {{"x-api-key", api_key, true}};
    bl_call_t call;
    memset(&call, 0, sizeof call);
    call.request.method = r->method;
    call.request.base_path = c->cfg.base_path;
    call.request.segments = r->segments;
    call.request.segment_count = r->segment_count;
    call.request.query = r->query;
    call.request.query_count = r->query_count;
    call.request.headers = headers;
    call.request.header_count = 1;
    if (r->body != NULL) {
        call.request.content_type = "application/json";
        call.request.body = r->body;
        call.request.body_ctx = r->body_ctx;
    }
    call.retry = r->retry;
    call.sink = r->sink;
    call.sink_ctx = r->sink_ctx;
    bl_status_t st = bl_client_execute(c, &call, resp);
    if (st != BL_OK) {
        return st;
    }
    if (resp->status < 200 || resp->status > 299) {
        return api_error(c, resp);
    }
    return BL_OK;
}

/* Check the caller's values, all of them, before anything is written. */
static bl_status_t begin(bl_client_t *c, const char *api_key, const char *const *values, size_t n)
{
    bl_client_clear_last(c);
    if (!bl_http_value_ok(api_key)) {
        return bl_client_fail(c, BL_ERR_INVALID_ARG);
    }
    for (size_t i = 0; i < n; i++) {
        if (!bl_http_text_ok(values[i])) {
            return bl_client_fail(c, BL_ERR_INVALID_ARG);
        }
    }
    return BL_OK;
}

/* A call answered by one link wrapped in `{"<wrapper>": {...}}`. */
static bl_status_t call_for_link(bl_client_t *c, const char *api_key, const heron_req_t *r, const char *wrapper,
                                 bl_heron_link_t *out)
{
    bl_response_t resp = {0, NULL, 0};
    bl_status_t st = heron_call(c, api_key, r, &resp);
    if (st == BL_OK) {
        st = decode_wrapped(resp.body, resp.len, c->cfg.tokens, c->cfg.token_count, wrapper, out);
    }
    return bl_client_fail(c, st);
}

bl_status_t bl_heron_update_link(bl_client_t *client, const char *api_key, const char *item_id,
                                 const char *access_token, bl_heron_link_t *out)
{
    if (client == NULL || out == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    const char *const values[] = {item_id, access_token};
    bl_status_t st = begin(client, api_key, values, 2);
    if (st != BL_OK) {
        return st;
    }
    const char *const segments[] = {"api", "integration_links", item_id};
    heron_req_t r = {BL_PUT, segments, 3, NULL, 0, update_body, access_token, BL_RETRY_IDEMPOTENT, NULL, NULL};
    return call_for_link(client, api_key, &r, "integration_link", out);
}

#if BL_CONFIG_LIFECYCLE
bl_status_t bl_heron_create_link(bl_client_t *client, const char *api_key, const char *heron_id,
                                 const bl_heron_new_link_t *link, bl_heron_link_t *out)
{
    if (client == NULL || link == NULL || out == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    const char *const values[] = {heron_id, link->item_id, link->end_user_id, link->access_token};
    bl_status_t st = begin(client, api_key, values, 4);
    if (st == BL_OK && ((link->end_user_name != NULL && !bl_http_text_ok(link->end_user_name)) ||
                        (link->asset_report_token != NULL && !bl_http_text_ok(link->asset_report_token)))) {
        st = bl_client_fail(client, BL_ERR_INVALID_ARG);
    }
    if (st != BL_OK) {
        return st;
    }
    const char *const segments[] = {"api", "integrations", heron_id, "links"};
    heron_req_t r = {BL_POST, segments, 4, NULL, 0, create_body, link, BL_RETRY_UNPROCESSED, NULL, NULL};
    return call_for_link(client, api_key, &r, "link", out);
}

bl_status_t bl_heron_refresh_link(bl_client_t *client, const char *api_key, const char *heron_id,
                                  const char *item_id, bl_heron_link_t *out)
{
    if (client == NULL || out == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    const char *const values[] = {heron_id, item_id};
    bl_status_t st = begin(client, api_key, values, 2);
    if (st != BL_OK) {
        return st;
    }
    const char *const segments[] = {"api", "integrations", heron_id, "links", item_id, "refresh"};
    heron_req_t r = {BL_POST, segments, 6, NULL, 0, NULL, NULL, BL_RETRY_UNPROCESSED, NULL, NULL};
    return call_for_link(client, api_key, &r, "link", out);
}

bl_status_t bl_heron_delete_links(bl_client_t *client, const char *api_key, const char *heron_id,
                                  const char *end_user_id_or_heron_id)
{
    if (client == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    const char *const values[] = {heron_id, end_user_id_or_heron_id};
    bl_status_t st = begin(client, api_key, values, 2);
    if (st != BL_OK) {
        return st;
    }
    const char *const segments[] = {"api", "integrations", heron_id, "links"};
    const bl_query_t query[] = {{"end_user_id_or_heron_id", end_user_id_or_heron_id}};
    heron_req_t r = {BL_DELETE, segments, 4, query, 1, NULL, NULL, BL_RETRY_IDEMPOTENT, NULL, NULL};
    bl_response_t resp = {0, NULL, 0};
    return bl_client_fail(client, heron_call(client, api_key, &r, &resp));
}

#endif /* BL_CONFIG_LIFECYCLE */

/* ------------------------------------------------------------------ lists */
#if BL_CONFIG_LISTS

typedef struct list_walk {
    bl_client_t *client;
    bl_heron_link_fn fn;
    void *ctx;
    bl_json_stream_t stream;
} list_walk_t;

static bl_status_t on_link(void *ctx, char *elem, size_t len)
{
    list_walk_t *w = (list_walk_t *)ctx;
    bl_heron_link_t link;
    bl_status_t st = bl_heron_decode_link(elem, len, w->client->cfg.tokens, w->client->cfg.token_count, &link);
    return st != BL_OK ? st : w->fn(w->ctx, &link);
}

static bl_status_t list_sink(void *ctx, char *body, size_t len, bool done, size_t *consumed)
{
    list_walk_t *w = (list_walk_t *)ctx;
    return bl_json_stream_feed(&w->stream, body, len, done, consumed);
}

static bl_status_t walk(bl_client_t *client, const char *api_key, const heron_req_t *base, bl_heron_link_fn fn,
                        void *ctx, size_t *count)
{
    list_walk_t w;
    w.client = client;
    w.fn = fn;
    w.ctx = ctx;
    bl_json_stream_init(&w.stream, "links", on_link, &w, NULL, NULL, 0);
    heron_req_t r = *base;
    r.sink = list_sink;
    r.sink_ctx = &w;
    bl_response_t resp = {0, NULL, 0};
    bl_status_t st = heron_call(client, api_key, &r, &resp);
    if (count != NULL) {
        *count = w.stream.elements;
    }
    return bl_client_fail(client, st);
}

bl_status_t bl_heron_list_links(bl_client_t *client, const char *api_key, const char *end_user_id_or_heron_id,
                                bl_heron_link_fn fn, void *ctx, size_t *count)
{
    if (count != NULL) {
        *count = 0;
    }
    if (client == NULL || fn == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    bl_status_t st = begin(client, api_key, &end_user_id_or_heron_id, 1);
    if (st != BL_OK) {
        return st;
    }
    const char *const segments[] = {"api", "end_users", end_user_id_or_heron_id, "integration_links"};
    heron_req_t r = {BL_GET, segments, 4, NULL, 0, NULL, NULL, BL_RETRY_IDEMPOTENT, NULL, NULL};
    return walk(client, api_key, &r, fn, ctx, count);
}

bl_status_t bl_heron_list_integration_links(bl_client_t *client, const char *api_key, const char *heron_id,
                                            const char *end_user_id_or_heron_id, bl_heron_link_fn fn, void *ctx,
                                            size_t *count)
{
    if (count != NULL) {
        *count = 0;
    }
    if (client == NULL || fn == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    const char *const values[] = {heron_id, end_user_id_or_heron_id};
    bl_status_t st = begin(client, api_key, values, 2);
    if (st != BL_OK) {
        return st;
    }
    const char *const segments[] = {"api", "integrations", heron_id, "links"};
    const bl_query_t query[] = {{"end_user_id_or_heron_id", end_user_id_or_heron_id}};
    heron_req_t r = {BL_GET, segments, 4, query, 1, NULL, NULL, BL_RETRY_IDEMPOTENT, NULL, NULL};
    return walk(client, api_key, &r, fn, ctx, count);
}
#endif /* BL_CONFIG_LISTS */

#else
typedef int bl_heron_not_built_t; /* ISO C wants something in a translation unit */
#endif /* BL_CONFIG_HERON */
