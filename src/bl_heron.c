/* Heron Data Integration Links: request bodies and response decoders. */
#include <string.h>

#include "bl_heron.h"

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

static bl_status_t decode_link(const bl_json_doc_t *doc, int obj, bl_heron_link_t *out)
{
    enum { ITEM_ID, STATUS, STATUS_MESSAGE, TYPE, CREATED, LAST_SYNC, LAST_UPDATED, NKEYS };
    static const char *const keys[NKEYS] = {
        "item_id", "status", "status_message", "type", "created", "last_successful_sync", "last_updated",
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
    out->status = status_from(&out->status_raw);
    return st;
}

bl_status_t bl_heron_decode_link_response(char *body, size_t len, bl_json_token_t *tokens, size_t max_tokens,
                                          bl_heron_link_t *out)
{
    memset(out, 0, sizeof *out);
    bl_json_doc_t doc;
    bl_status_t st = bl_json_parse(&doc, body, len, tokens, max_tokens);
    if (st != BL_OK) {
        return st;
    }
    static const char *const keys[1] = {"integration_link"};
    int at;
    st = bl_json_object_find(&doc, 0, keys, 1, &at);
    if (st != BL_OK || at < 0) {
        return BL_ERR_DECODE;
    }
    return decode_link(&doc, at, out);
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
        doc.text[doc.tokens[at[CODE]].start] != 'n') {
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

static bl_status_t update_body(bl_buf_t *b, const void *ctx, bl_secrets_t *secrets)
{
    const char *token = (const char *)ctx;
    bl_buf_puts(b, "{\"end_user\":{\"access_token\":");
    size_t start = b->len;
    bl_status_t st = bl_json_put_str(b, token, strlen(token));
    bl_secrets_mark(secrets, start, b->len);
    bl_buf_puts(b, "}}");
    return st;
}

/* A complete answer with a non-2xx status: keep Heron's explanation. */
static bl_status_t api_error(bl_client_t *c, const bl_response_t *resp)
{
    /* The body may be an HTML page from a proxy; then there is nothing to keep. */
    bl_status_t ignored = bl_heron_decode_error(resp->body, resp->len, c->cfg.tokens, c->cfg.token_count, &c->last);
    (void)ignored;
    return bl_client_fail(c, resp->status == 429 ? BL_ERR_RATE_LIMITED : BL_ERR_API);
}

bl_status_t bl_heron_update_link(bl_client_t *client, const char *api_key, const char *item_id,
                                 const char *access_token, bl_heron_link_t *out)
{
    if (client == NULL || out == NULL) {
        return BL_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    bl_client_clear_last(client);
    if (!bl_http_value_ok(api_key) || !bl_http_value_ok(item_id) || !bl_http_value_ok(access_token) ||
        !bl_utf8_valid(access_token, strlen(access_token))) {
        return bl_client_fail(client, BL_ERR_INVALID_ARG);
    }
    const char *const segments[] = {"api", "integration_links", item_id};
    const bl_header_t headers[] = {{"x-api-key", api_key, true}};
    bl_call_t call;
    memset(&call, 0, sizeof call);
    call.request.method = BL_PUT;
    call.request.base_path = client->cfg.base_path;
    call.request.segments = segments;
    call.request.segment_count = 3;
    call.request.headers = headers;
    call.request.header_count = 1;
    call.request.content_type = "application/json";
    call.request.body = update_body;
    call.request.body_ctx = access_token;
    call.retry = BL_RETRY_IDEMPOTENT;

    bl_response_t resp;
    bl_status_t st = bl_client_execute(client, &call, &resp);
    if (st != BL_OK) {
        return st;
    }
    if (resp.status < 200 || resp.status > 299) {
        return api_error(client, &resp);
    }
    st = bl_heron_decode_link_response(resp.body, resp.len, client->cfg.tokens, client->cfg.token_count, out);
    return bl_client_fail(client, st);
}
