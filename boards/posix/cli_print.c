/**
 * @file cli_print.c
 * @brief Output of the host tool: decoded models as JSON (with the core's
 * writer), one-line failure diagnostics, and the -v log hook.
 *
 * The JSON mirrors the API's own field names and nesting. Only decoded
 * fields appear; BL_ABSENT omits a field, BL_NULL prints `null`.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* ------------------------------------------------------------ JSON */

/*
 * A JSON object being written: remembers whether a member was written yet,
 * so callers need not track commas.
 */
typedef struct bl_cli_obj {
    bl_buf_t *b;
    bool first;
} bl_cli_obj_t;

static void bl_cli_obj_open(bl_cli_obj_t *o, bl_buf_t *b)
{
    o->b = b;
    o->first = true;
    bl_buf_put(b, "{", 1);
}

static void bl_cli_obj_close(bl_cli_obj_t *o)
{
    bl_buf_put(o->b, "}", 1);
}

/* Key with its colon; the key names are ASCII literals, no escaping needed. */
static void bl_cli_key(bl_cli_obj_t *o, const char *key)
{
    if (!o->first) {
        bl_buf_put(o->b, ",", 1);
    }
    o->first = false;
    bl_buf_put(o->b, "\"", 1);
    bl_buf_puts(o->b, key);
    bl_buf_put(o->b, "\":", 2);
}

/*
 * A JSON string. The core's writer refuses invalid UTF-8; a server may
 * still send it, so fall back to copying valid sequences and writing
 * U+FFFD for each byte that starts none, rather than losing the document.
 */
static void bl_cli_put_json_str(bl_buf_t *b, const char *s, size_t len)
{
    if (bl_json_put_str(b, s, len) == BL_OK) {
        return;
    }
    bl_buf_put(b, "\"", 1);
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c < 0x80u ? 1u : c >= 0xF0u ? 4u : c >= 0xE0u ? 3u : 2u;
        bl_buf_t piece;
        if (i + k <= len && bl_utf8_valid(s + i, k)) {
            /* Escape this sequence alone, then drop the quotes it got. */
            char tmp[16];
            bl_buf_init(&piece, tmp, sizeof tmp);
            if (bl_json_put_str(&piece, s + i, k) == BL_OK && bl_buf_ok(&piece) && piece.len >= 2u) {
                bl_buf_put(b, tmp + 1, piece.len - 2u);
            }
            i += k;
        } else {
            bl_buf_puts(b, "\\ufffd");
            i++;
        }
    }
    bl_buf_put(b, "\"", 1);
}

static void bl_cli_member_str(bl_cli_obj_t *o, const char *key, const bl_str_t *s)
{
    if (s->presence == BL_ABSENT) {
        return;
    }
    bl_cli_key(o, key);
    if (s->presence == BL_NULL || s->ptr == NULL) {
        bl_buf_puts(o->b, "null");
    } else {
        bl_cli_put_json_str(o->b, s->ptr, s->len);
    }
}

static void bl_cli_member_cstr(bl_cli_obj_t *o, const char *key, const char *s)
{
    bl_cli_key(o, key);
    bl_cli_put_json_str(o->b, s, strlen(s));
}

static void bl_cli_member_time(bl_cli_obj_t *o, const char *key, const bl_timestamp_t *t)
{
    if (t->presence == BL_ABSENT) {
        return;
    }
    bl_cli_key(o, key);
    if (t->presence == BL_NULL) {
        bl_buf_puts(o->b, "null");
        return;
    }
    char text[BL_DATETIME_STR_MAX];
    size_t n = bl_datetime_format_utc(t->unix_s, t->nanosecond, text, sizeof text);
    bl_buf_put(o->b, "\"", 1);
    bl_buf_put(o->b, text, n);
    bl_buf_put(o->b, "\"", 1);
}

static void bl_cli_member_bool(bl_cli_obj_t *o, const char *key, const bl_opt_bool_t *v)
{
    if (v->presence == BL_ABSENT) {
        return;
    }
    bl_cli_key(o, key);
    bl_buf_puts(o->b, v->presence == BL_NULL ? "null" : v->value ? "true" : "false");
}

/* The members of a Heron link, inside an object already open. */
static void bl_cli_heron_members(bl_cli_obj_t *l, const bl_heron_link_t *link)
{
    bl_cli_member_str(l, "item_id", &link->item_id);
    bl_cli_member_str(l, "status", &link->status_raw);
    bl_cli_member_str(l, "status_message", &link->status_message);
    bl_cli_member_str(l, "type", &link->type);
    bl_cli_member_time(l, "created", &link->created);
    bl_cli_member_time(l, "last_successful_sync", &link->last_successful_sync);
    bl_cli_member_time(l, "last_updated", &link->last_updated);
    bl_cli_member_str(l, "data_source_heron_id", &link->data_source_heron_id);
}

bool bl_cli_json_heron_link_obj(bl_buf_t *b, const bl_heron_link_t *link)
{
    bl_cli_obj_t l;
    bl_cli_obj_open(&l, b);
    bl_cli_heron_members(&l, link);
    bl_cli_obj_close(&l);
    return bl_buf_ok(b);
}

bool bl_cli_json_heron_wrapped(bl_buf_t *b, const char *key, const bl_heron_link_t *link)
{
    bl_cli_obj_t top;
    bl_cli_obj_open(&top, b);
    bl_cli_key(&top, key);
    (void)bl_cli_json_heron_link_obj(b, link);
    bl_cli_obj_close(&top);
    return bl_buf_ok(b);
}

bool bl_cli_json_heron_link(bl_buf_t *b, const bl_heron_link_t *link)
{
    return bl_cli_json_heron_wrapped(b, "integration_link", link);
}

static void bl_cli_member_product(bl_cli_obj_t *o, const char *key, const bl_moneykit_product_t *p)
{
    if (p->presence == BL_ABSENT) {
        return;
    }
    bl_cli_key(o, key);
    if (p->presence == BL_NULL) {
        bl_buf_puts(o->b, "null");
        return;
    }
    bl_cli_obj_t po;
    bl_cli_obj_open(&po, o->b);
    bl_cli_member_time(&po, "refreshed_at", &p->refreshed_at);
    bl_cli_member_time(&po, "last_attempted_at", &p->last_attempted_at);
    bl_cli_member_str(&po, "error_code", &p->error_code);
    bl_cli_member_str(&po, "error_message", &p->error_message);
    if (p->settings.presence != BL_ABSENT) {
        bl_cli_key(&po, "settings");
        if (p->settings.presence == BL_NULL) {
            bl_buf_puts(o->b, "null");
        } else {
            bl_cli_obj_t so;
            bl_cli_obj_open(&so, o->b);
            bl_cli_member_bool(&so, "required", &p->settings.required);
            bl_cli_member_bool(&so, "prefetch", &p->settings.prefetch);
            bl_cli_obj_close(&so);
        }
    }
    bl_cli_obj_close(&po);
}

static void bl_cli_member_tags(bl_cli_obj_t *o, const char *key, const bl_str_list_t *tags)
{
    if (tags->presence == BL_ABSENT) {
        return;
    }
    bl_cli_key(o, key);
    if (tags->presence == BL_NULL) {
        bl_buf_puts(o->b, "null");
        return;
    }
    bl_buf_put(o->b, "[", 1);
    const char *tag = tags->first;
    for (size_t i = 0; i < tags->count && tag != NULL; i++, tag = bl_str_list_next(tag)) {
        if (i > 0u) {
            bl_buf_put(o->b, ",", 1);
        }
        bl_cli_put_json_str(o->b, tag, strlen(tag));
    }
    bl_buf_put(o->b, "]", 1);
}

bool bl_cli_json_moneykit_link(bl_buf_t *b, const bl_moneykit_link_t *lk)
{
    bl_cli_obj_t l;
    bl_cli_obj_t pr;
    bl_cli_obj_open(&l, b);
    bl_cli_member_str(&l, "link_id", &lk->link_id);
    bl_cli_member_str(&l, "institution_id", &lk->institution_id);
    bl_cli_member_str(&l, "institution_name", &lk->institution_name);
    bl_cli_member_str(&l, "provider", &lk->provider);
    bl_cli_member_str(&l, "state", &lk->state_raw);
    bl_cli_member_str(&l, "error_code", &lk->error_code);
    bl_cli_member_time(&l, "last_synced_at", &lk->last_synced_at);
    bl_cli_member_tags(&l, "tags", &lk->tags);
    /* products is required by the API, so the decoder only succeeds with it. */
    bl_cli_key(&l, "products");
    bl_cli_obj_open(&pr, b);
    bl_cli_member_product(&pr, "accounts", &lk->products.accounts);
    bl_cli_member_product(&pr, "account_numbers", &lk->products.account_numbers);
    bl_cli_member_product(&pr, "identity", &lk->products.identity);
    bl_cli_member_product(&pr, "transactions", &lk->products.transactions);
    bl_cli_member_product(&pr, "investments", &lk->products.investments);
    bl_cli_obj_close(&pr);
    bl_cli_obj_close(&l);
    return bl_buf_ok(b);
}

bool bl_cli_json_moneykit_exchange(bl_buf_t *b, const bl_moneykit_exchange_t *ex)
{
    bl_cli_obj_t top;
    bl_cli_obj_open(&top, b);
    bl_cli_member_str(&top, "link_id", &ex->link_id);
    bl_cli_key(&top, "link");
    (void)bl_cli_json_moneykit_link(b, &ex->link);
    bl_cli_obj_close(&top);
    return bl_buf_ok(b);
}

bool bl_cli_json_moneykit_token(bl_buf_t *b, const bl_moneykit_auth_t *auth)
{
    bl_cli_obj_t o;
    bl_cli_obj_open(&o, b);
    bl_cli_member_cstr(&o, "access_token", bl_moneykit_auth_token(auth));
    if (auth->token_type.presence == BL_PRESENT) {
        bl_cli_member_cstr(&o, "token_type", auth->token_type.ptr);
    }
    bl_cli_key(&o, "expires_in");
    bl_buf_put_i64(b, auth->expires_in_s);
    bl_cli_obj_close(&o);
    return bl_buf_ok(b);
}

/* ------------------------------------------------------------ lists */

void bl_cli_list_init(bl_cli_list_t *l, FILE *f, const char *key)
{
    l->f = f;
    l->key = key;
    l->count = 0;
    l->failed = false;
}

static void bl_cli_list_open(const bl_cli_list_t *l, bl_buf_t *b)
{
    bl_buf_puts(b, "{\"");
    bl_buf_puts(b, l->key);
    bl_buf_puts(b, "\":[");
}

void bl_cli_list_item_begin(const bl_cli_list_t *l, bl_buf_t *b)
{
    /* The opening goes out with the first element, so a call that fails
     * before any element leaves stdout empty. */
    if (l->count == 0u) {
        bl_cli_list_open(l, b);
    } else {
        bl_buf_put(b, ",", 1);
    }
}

bool bl_cli_list_item_end(bl_cli_list_t *l, const bl_buf_t *b)
{
    if (l->failed || !bl_buf_ok(b) || fwrite(b->data, 1, b->len, l->f) != b->len) {
        l->failed = true;
        return false;
    }
    l->count++;
    return true;
}

bool bl_cli_list_finish(bl_cli_list_t *l)
{
    char tail[64];
    bl_buf_t b;
    bl_buf_init(&b, tail, sizeof tail);
    if (l->count == 0u) {
        bl_cli_list_open(l, &b);
    }
    bl_buf_puts(&b, "]}\n");
    if (l->failed || !bl_buf_ok(&b) || fwrite(b.data, 1, b.len, l->f) != b.len || fflush(l->f) != 0) {
        l->failed = true;
        return false;
    }
    return true;
}

/* ----------------------------------------------------- diagnostics */

void bl_cli_put_escaped(bl_buf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 0x0Fu]};
        if (c == '\n') {
            bl_buf_put(b, "\\n", 2);
        } else if (c == '\r') {
            bl_buf_put(b, "\\r", 2);
        } else if (c == '\t') {
            bl_buf_put(b, "\\t", 2);
        } else if (c >= 0x20u && c < 0x7Fu) {
            bl_buf_put(b, (const char *)&s[i], 1);
        } else {
            bl_buf_put(b, esc, sizeof esc);
        }
    }
}

static void bl_cli_put_api_str(bl_buf_t *b, const char *prefix, const bl_str_t *s)
{
    if (s->presence == BL_PRESENT && s->ptr != NULL && s->len > 0u) {
        bl_buf_puts(b, prefix);
        bl_cli_put_escaped(b, s->ptr, s->len);
    }
}

/* True when @p s is the decimal text of @p n. */
static bool bl_cli_is_number(const bl_str_t *s, int n)
{
    char tmp[16];
    bl_buf_t b;
    bl_buf_init(&b, tmp, sizeof tmp);
    bl_buf_put_i64(&b, n);
    return s->presence == BL_PRESENT && s->ptr != NULL && bl_buf_ok(&b) && s->len == b.len &&
           memcmp(s->ptr, tmp, b.len) == 0;
}

/* Heron's x-ratelimit-* figures, when the last answer had them. */
static void bl_cli_put_ratelimit(bl_buf_t *b, const bl_error_info_t *last)
{
    if (last->ratelimit_limit < 0 && last->ratelimit_remaining < 0 && last->ratelimit_reset_s < 0) {
        return;
    }
    bl_buf_puts(b, "; rate limit");
    if (last->ratelimit_limit >= 0) {
        bl_buf_puts(b, " ");
        bl_buf_put_i64(b, last->ratelimit_limit);
    }
    if (last->ratelimit_remaining >= 0) {
        bl_buf_puts(b, ", ");
        bl_buf_put_i64(b, last->ratelimit_remaining);
        bl_buf_puts(b, " remaining");
    }
    if (last->ratelimit_reset_s >= 0) {
        bl_buf_puts(b, ", resets in ");
        bl_buf_put_i64(b, last->ratelimit_reset_s);
        bl_buf_puts(b, " s");
    }
}

/* Why a 429 (or a 503 with Retry-After) ended the call: the retries were
 * used up, or the wait the server asked for did not fit the deadline. */
static void bl_cli_put_gave_up(bl_buf_t *b, const bl_error_info_t *last, uint32_t max_retries)
{
    if (last->attempts > max_retries) {
        bl_buf_puts(b, "; no retry left after ");
        bl_buf_put_u64(b, last->attempts);
        bl_buf_puts(b, last->attempts == 1u ? " attempt" : " attempts");
    } else {
        bl_buf_puts(b, "; the wait it asked for does not fit the deadline");
    }
}

void bl_cli_describe_failure(bl_buf_t *b, const char *what, bl_status_t status, const bl_error_info_t *last,
                             uint32_t timeout_ms, uint32_t max_retries, const char *detail, const char *note)
{
    bl_buf_puts(b, "banklink: ");
    if (what != NULL) {
        bl_buf_puts(b, what);
        bl_buf_puts(b, ": ");
    }
    if (status == BL_ERR_API || status == BL_ERR_RATE_LIMITED) {
        bl_buf_puts(b, "API error: HTTP ");
        bl_buf_put_i64(b, last->http_status);
        /* Heron repeats the HTTP status as its numeric code: show it once. */
        if (!bl_cli_is_number(&last->api_code, last->http_status)) {
            bl_cli_put_api_str(b, " ", &last->api_code);
        }
        /* Heron sends a numeric code and a name ("Not Found"); show both. */
        if (last->api_name.presence == BL_PRESENT && last->api_name.ptr != NULL &&
            !(last->api_code.presence == BL_PRESENT && last->api_code.ptr != NULL &&
              strcmp(last->api_code.ptr, last->api_name.ptr) == 0)) {
            bl_cli_put_api_str(b, " ", &last->api_name);
        }
        bl_cli_put_api_str(b, ": ", &last->api_message);
        bl_cli_put_api_str(b, " (see ", &last->api_doc_url);
        if (last->api_doc_url.presence == BL_PRESENT && last->api_doc_url.len > 0u) {
            bl_buf_puts(b, ")");
        }
        if (last->api_code.presence != BL_PRESENT && last->api_message.presence != BL_PRESENT) {
            bl_buf_puts(b, ": ");
            bl_buf_puts(b, bl_cli_explain(status));
        } else if (status == BL_ERR_RATE_LIMITED) {
            /* Only a 429 is a rate limit; a 503 is an outage with a wait. */
            bl_buf_puts(b, last->http_status == 429 ? "; rate limited" : "; unavailable, asked to wait");
        }
        if (status == BL_ERR_RATE_LIMITED) {
            bl_cli_put_gave_up(b, last, max_retries);
        }
        if (last->retry_after_ms >= 0) {
            bl_buf_puts(b, "; retry after ");
            bl_buf_put_i64(b, (last->retry_after_ms + 999) / 1000);
            bl_buf_puts(b, " s");
        }
        bl_cli_put_ratelimit(b, last);
    } else {
        if (status == BL_ERR_OUTCOME_UNKNOWN && detail != NULL && detail[0] != '\0') {
            /* The command knows better than the generic advice. */
            bl_buf_puts(b, "the request was sent but no complete answer came back: ");
            bl_buf_puts(b, detail);
        } else {
            bl_buf_puts(b, bl_cli_explain(status));
            if (detail != NULL && detail[0] != '\0') {
                bl_buf_puts(b, ": ");
                bl_buf_puts(b, detail);
            }
        }
        if (status == BL_ERR_TIMEOUT) {
            bl_buf_puts(b, " (");
            bl_buf_put_u64(b, timeout_ms);
            bl_buf_puts(b, " ms)");
        }
        if ((status == BL_ERR_RESPONSE_TOO_LARGE || status == BL_ERR_REQUEST_TOO_LARGE) && last->needed_size > 0u) {
            bl_buf_puts(b, "; it needs a buffer of ");
            bl_buf_put_u64(b, last->needed_size);
            bl_buf_puts(b, " bytes");
        }
        if (last->http_status > 0 && bl_cli_exit_code(status) == 5) {
            bl_buf_puts(b, " (HTTP ");
            bl_buf_put_i64(b, last->http_status);
            bl_buf_puts(b, ")");
        }
        if (last->transport_code != 0 && bl_cli_exit_code(status) == 3) {
            bl_buf_puts(b, " (transport code ");
            bl_buf_put_i64(b, last->transport_code);
            bl_buf_puts(b, ")");
        }
    }
    if (note != NULL && note[0] != '\0') {
        bl_buf_puts(b, "; ");
        bl_buf_puts(b, note);
    }
    bl_buf_puts(b, " [");
    bl_buf_puts(b, bl_status_str(status));
    bl_buf_puts(b, "]");
}

/* ------------------------------------------------------------- -v log */

void bl_cli_log_init(bl_cli_log_t *log, FILE *f)
{
    log->f = f;
    log->open = false;
    log->pending_cr = false;
    log->kind = BL_LOG_INFO;
}

/* Finish the open line, if any. A CR still pending was not part of a CRLF. */
static void bl_cli_log_close_line(bl_cli_log_t *log)
{
    if (log->pending_cr) {
        (void)fputs("\\r", log->f);
        log->pending_cr = false;
    }
    if (log->open) {
        (void)fputc('\n', log->f);
        log->open = false;
    }
}

void bl_cli_log_end(bl_cli_log_t *log)
{
    bl_cli_log_close_line(log);
    (void)fflush(log->f);
}

void bl_cli_log(void *ctx, bl_log_kind_t kind, const char *text, size_t len)
{
    bl_cli_log_t *log = (bl_cli_log_t *)ctx;
    const char *prefix = kind == BL_LOG_TX ? "> " : kind == BL_LOG_RX ? "< " : "* ";
    if (log->open && kind != log->kind) {
        bl_cli_log_close_line(log);
    }
    /* Escaped output goes through a small buffer, flushed as it fills. */
    char out[256];
    bl_buf_t b;
    bl_buf_init(&b, out, sizeof out);
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (b.len + 8u > sizeof out) {
            (void)fwrite(out, 1, b.len, log->f);
            bl_buf_init(&b, out, sizeof out);
        }
        if (c == '\n') {
            /* CRLF and LF both end a line; the CR may have come in the
             * previous call (the request is logged in pieces). */
            log->pending_cr = false;
            if (!log->open) {
                bl_buf_puts(&b, prefix);
            }
            bl_buf_put(&b, "\n", 1);
            log->open = false;
            continue;
        }
        if (!log->open) {
            bl_buf_puts(&b, prefix);
            log->open = true;
            log->kind = kind;
        }
        if (log->pending_cr) {
            bl_buf_puts(&b, "\\r");
            log->pending_cr = false;
        }
        if (c == '\r') {
            log->pending_cr = true;
        } else {
            bl_cli_put_escaped(&b, &c, 1);
        }
    }
    (void)fwrite(out, 1, b.len, log->f);
    /* The request arrives in pieces (around redacted secrets) and continues
     * on the same line; response lines and client notes are whole records. */
    if (kind != BL_LOG_TX) {
        bl_cli_log_close_line(log);
    }
}
