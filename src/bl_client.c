/*
 * The client: one request at a time over one (reusable) connection, inside
 * one deadline, retried only where the method's idempotency allows it.
 */
#include <string.h>

#include "bl_client.h"

/* Where an attempt stopped: decides what may be retried. */
typedef enum {
    PHASE_BUILD,   /* refused before connecting: nothing sent */
    PHASE_CONNECT, /* connect or handshake failed: nothing sent */
    PHASE_SEND,    /* the request did not leave completely: not processed */
    PHASE_RECV,    /* the request left; no complete response came back */
    PHASE_DONE     /* a complete response (or one we could not hold) */
} bl_phase_t;

#define BL_REDACTED "[REDACTED]"

void bl_secure_zero(void *p, size_t n)
{
    /* Writes through a volatile pointer are observable behaviour, so the
     * optimiser must keep them even though the bytes are never read.
     * Word stores for the aligned middle: a request is wiped on every call. */
    volatile unsigned char *v = (volatile unsigned char *)p;
    while (n > 0u && ((uintptr_t)v & (sizeof(uintptr_t) - 1u)) != 0u) {
        *v++ = 0u;
        n--;
    }
    volatile uintptr_t *w = (volatile uintptr_t *)(volatile void *)v;
    for (; n >= sizeof(uintptr_t); n -= sizeof(uintptr_t)) {
        *w++ = 0u;
    }
    v = (volatile unsigned char *)w;
    while (n-- > 0u) {
        *v++ = 0u;
    }
}

void bl_client_config_init(bl_client_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->base_path = "";
    cfg->timeout_ms = BL_DEFAULT_TIMEOUT_MS;
    cfg->max_retries = BL_DEFAULT_MAX_RETRIES;
}

static uint32_t now_ms(const bl_client_t *c)
{
    return c->cfg.clock->now_ms(c->cfg.clock->ctx);
}

/* Constant false when logging is built out: every log call below then
 * folds away, with its strings. */
static bool logging(const bl_client_t *c)
{
    return BL_CONFIG_LOG && c->cfg.log != NULL;
}

static void log_text(const bl_client_t *c, bl_log_kind_t kind, const char *text, size_t len)
{
    if (logging(c)) {
        c->cfg.log(c->cfg.log_ctx, kind, text, len);
    }
}

static void log_str(const bl_client_t *c, bl_log_kind_t kind, const char *text)
{
    log_text(c, kind, text, strlen(text));
}

/* Small fixed-size message with one number: the core has no printf. */
static void log_num(const bl_client_t *c, const char *prefix, uint64_t n, const char *suffix)
{
    if (!logging(c)) {
        return;
    }
    char tmp[96];
    bl_buf_t b;
    bl_buf_init(&b, tmp, sizeof tmp);
    bl_buf_puts(&b, prefix);
    bl_buf_put_u64(&b, n);
    bl_buf_puts(&b, suffix);
    log_text(c, BL_LOG_INFO, tmp, b.len < sizeof tmp ? b.len : sizeof tmp);
}

void bl_client_clear_last(bl_client_t *c)
{
    memset(&c->last, 0, sizeof c->last);
    c->last.retry_after_ms = -1;
    c->last.ratelimit_limit = -1;
    c->last.ratelimit_remaining = -1;
    c->last.ratelimit_reset_s = -1;
}

bl_status_t bl_client_init(bl_client_t *client, const bl_client_config_t *cfg)
{
    if (client == NULL || cfg == NULL || cfg->transport == NULL || cfg->transport->connect == NULL ||
        cfg->transport->send == NULL || cfg->transport->recv == NULL || cfg->transport->close == NULL ||
        cfg->clock == NULL || cfg->clock->now_ms == NULL || cfg->clock->sleep_ms == NULL ||
        !bl_http_value_ok(cfg->host) || cfg->port == 0u || cfg->buf == NULL || cfg->buf_size < 256u ||
        cfg->tokens == NULL || cfg->token_count == 0u) {
        return BL_ERR_INVALID_ARG;
    }
    memset(client, 0, sizeof *client);
    client->cfg = *cfg;
    if (client->cfg.base_path == NULL) {
        client->cfg.base_path = "";
    }
    if (client->cfg.timeout_ms == 0u) {
        client->cfg.timeout_ms = BL_DEFAULT_TIMEOUT_MS;
    }
    client->rng = cfg->jitter_seed != 0u ? cfg->jitter_seed : (now_ms(client) | 1u) * 2654435761u;
    if (client->rng == 0u) {
        client->rng = 0x9E3779B9u;
    }
    bl_client_clear_last(client);
    return BL_OK;
}

void bl_client_close(bl_client_t *client)
{
    if (client->connected) {
        client->cfg.transport->close(client->cfg.transport->ctx);
        client->connected = false;
    }
}

uint32_t bl_client_wait_ms(const bl_client_t *client)
{
    if (!client->rate_limited) {
        return 0;
    }
    int32_t left = (int32_t)(client->limited_until_ms - now_ms(client));
    return left > 0 ? (uint32_t)left : 0u;
}

bl_status_t bl_client_fail(bl_client_t *client, bl_status_t status)
{
    client->last.status = status;
    return status;
}

static void drop_connection(bl_client_t *c)
{
    c->cfg.transport->close(c->cfg.transport->ctx);
    c->connected = false;
}

static void note_transport_error(bl_client_t *c)
{
    const bl_transport_t *t = c->cfg.transport;
    if (t->raw_error != NULL) {
        c->last.transport_code = t->raw_error(t->ctx);
    }
}

/* Milliseconds left before the call's deadline (0 when it has passed). */
static uint32_t remaining(const bl_client_t *c, uint32_t start)
{
    uint32_t spent = now_ms(c) - start;
    return spent < c->cfg.timeout_ms ? c->cfg.timeout_ms - spent : 0u;
}

/* Log the request with every secret span replaced by a marker. */
static void log_request(const bl_client_t *c, const char *req, size_t len, const bl_secrets_t *s)
{
    if (!logging(c)) {
        return;
    }
    size_t at = 0;
    for (size_t i = 0; i < s->count; i++) {
        log_text(c, BL_LOG_TX, req + at, s->start[i] - at);
        log_str(c, BL_LOG_TX, BL_REDACTED);
        at = s->end[i];
    }
    log_text(c, BL_LOG_TX, req + at, len - at);
}

static void log_header_line(void *ctx, const char *line, size_t len)
{
    log_text((const bl_client_t *)ctx, BL_LOG_RX, line, len);
}

/* A keep-alive connection may have been closed by the server while idle:
 * a zero-wait read tells (timeout = still open, anything else = gone). */
static void check_idle_connection(bl_client_t *c)
{
    if (!c->connected) {
        return;
    }
    uint8_t scratch;
    int32_t n = c->cfg.transport->recv(c->cfg.transport->ctx, &scratch, 1u, 0u);
    if (n != BL_IO_TIMEOUT) {
        log_str(c, BL_LOG_INFO, "idle connection was closed by the server; reconnecting");
        drop_connection(c);
    }
}

static bl_status_t send_all(bl_client_t *c, const char *data, size_t len, uint32_t start)
{
    size_t off = 0;
    while (off < len) {
        uint32_t left = remaining(c, start);
        if (left == 0u) {
            return BL_ERR_TIMEOUT;
        }
        int32_t n = c->cfg.transport->send(c->cfg.transport->ctx, (const uint8_t *)data + off, len - off, left);
        if (n > 0) {
            off += (size_t)n;
        } else if (n == BL_IO_TIMEOUT) {
            return BL_ERR_TIMEOUT;
        } else {
            note_transport_error(c);
            return BL_ERR_SEND;
        }
    }
    return BL_OK;
}

/* Work buffer that would hold a body of @p len (and its NUL); SIZE_MAX
 * when that is more than size_t can count (a 32-bit target). */
static size_t needed_for(int64_t len)
{
    return (uint64_t)len >= (uint64_t)SIZE_MAX ? SIZE_MAX : (size_t)len + 1u;
}

/* Constant false when lists are built out: the streaming paths fold away. */
static bool streaming(const bl_call_t *call)
{
    return BL_CONFIG_LISTS && call->sink != NULL;
}

/* Hand a streamed 2xx body to the call's sink and drop what it used. */
static bl_status_t feed_sink(const bl_call_t *call, bl_http_reader_t *r, bool *streamed)
{
#if BL_CONFIG_LISTS
    if (!streaming(call) || !bl_http_reader_in_body(r) || r->meta.status < 200 || r->meta.status > 299) {
        return BL_OK;
    }
    size_t len;
    char *body = bl_http_reader_body(r, &len);
    bool done = bl_http_reader_done(r);
    if (len == 0u && !done) {
        return BL_OK;
    }
    size_t used = 0;
    *streamed = true;
    bl_status_t st = call->sink(call->sink_ctx, body, len, done, &used);
    bl_http_reader_consume(r, used);
    return st;
#else
    (void)call;
    (void)r;
    (void)streamed;
    return BL_OK;
#endif
}

static bl_status_t read_response(bl_client_t *c, const bl_call_t *call, bl_http_reader_t *r, uint32_t start,
                                 bool *streamed)
{
#if BL_CONFIG_LISTS
    if (streaming(call)) {
        bl_http_reader_set_stream(r);
    }
#endif
    while (!bl_http_reader_done(r)) {
        size_t avail;
        char *space = bl_http_reader_space(r, &avail);
        if (avail == 0u) {
            /* A streamed list needs room for one element, not the body: the
             * size of that element is not known, so none is reported. */
            if (r->meta.content_length > 0 && !streaming(call)) {
                c->last.needed_size = needed_for(r->meta.content_length);
            }
            return BL_ERR_RESPONSE_TOO_LARGE;
        }
        uint32_t left = remaining(c, start);
        if (left == 0u) {
            return BL_ERR_TIMEOUT;
        }
        int32_t n = c->cfg.transport->recv(c->cfg.transport->ctx, (uint8_t *)space, avail, left);
        bl_status_t st;
        if (n > 0) {
            st = bl_http_reader_feed(r, (size_t)n);
        } else if (n == BL_IO_CLOSED) {
            st = bl_http_reader_eof(r);
        } else if (n == BL_IO_TIMEOUT) {
            st = BL_ERR_TIMEOUT;
        } else {
            note_transport_error(c);
            st = BL_ERR_RECV;
        }
        if (st == BL_ERR_RESPONSE_TOO_LARGE && r->meta.content_length > 0 && !streaming(call)) {
            c->last.needed_size = needed_for(r->meta.content_length);
        }
        if (st == BL_OK) {
            st = feed_sink(call, r, streamed);
        }
        if (st != BL_OK) {
            return st;
        }
    }
    return BL_OK;
}

/* One attempt: serialise, (re)connect, send once, read the answer. */
static bl_status_t attempt(bl_client_t *c, const bl_call_t *call, uint32_t start, bl_http_reader_t *r,
                           bl_phase_t *phase, bool *streamed)
{
    char *buf = (char *)c->cfg.buf;
    size_t cap = c->cfg.buf_size;
    bl_buf_t out;
    bl_secrets_t secrets;
    bl_buf_init(&out, buf, cap);
    *phase = PHASE_BUILD;
    bl_status_t st = bl_http_write_request(&out, c->cfg.host, c->cfg.port, &call->request, &secrets);
    size_t written = out.len < cap ? out.len : cap;
    if (st != BL_OK) {
        if (st == BL_ERR_REQUEST_TOO_LARGE) {
            c->last.needed_size = out.len;
        }
        bl_secure_zero(buf, written);
        return st;
    }

    *phase = PHASE_CONNECT;
    check_idle_connection(c);
    if (!c->connected) {
        uint32_t left = remaining(c, start);
        st = left == 0u ? BL_ERR_TIMEOUT
                        : c->cfg.transport->connect(c->cfg.transport->ctx, c->cfg.host, c->cfg.port, left);
        if (st != BL_OK) {
            note_transport_error(c);
            c->cfg.transport->close(c->cfg.transport->ctx);
            bl_secure_zero(buf, written);
            return st;
        }
        c->connected = true;
        log_str(c, BL_LOG_INFO, "connected");
    }

    *phase = PHASE_SEND;
    log_request(c, buf, written, &secrets);
    st = send_all(c, buf, written, start);
    /* The request (and every secret in it) is not needed any more. */
    bl_secure_zero(buf, written);
    if (st != BL_OK) {
        drop_connection(c);
        return st;
    }

    *phase = PHASE_RECV;
    bl_http_reader_init(r, buf, cap);
    if (logging(c)) {
        r->on_line = log_header_line;
        r->on_line_ctx = c;
    }
    st = read_response(c, call, r, start, streamed);
    if (st == BL_OK || bl_http_reader_started(r)) {
        c->last.http_status = r->meta.status;
    }
    if (st == BL_ERR_HTTP_MALFORMED) {
        c->last.http_part = bl_http_reader_malformed(r);
    }
    if (st == BL_ERR_HTTP_MALFORMED || st == BL_ERR_RESPONSE_TOO_LARGE || *streamed) {
        /* The server answered (and part of it may have reached the caller):
         * a repeat would read or deliver it twice. */
        *phase = PHASE_DONE;
    }
    if (st != BL_OK) {
        drop_connection(c);
        return st;
    }
    *phase = PHASE_DONE;
    if (!r->meta.keep_alive) {
        drop_connection(c);
    }
    return BL_OK;
}

/* Back-off before retry number n (1-based): capped exponential, half jitter. */
static uint32_t backoff_ms(bl_client_t *c, uint32_t n)
{
    uint32_t d = BL_BACKOFF_BASE_MS;
    for (uint32_t i = 1; i < n && d < BL_BACKOFF_MAX_MS; i++) {
        d *= 2u;
    }
    if (d > BL_BACKOFF_MAX_MS) {
        d = BL_BACKOFF_MAX_MS;
    }
    /* xorshift32: jitter keeps many devices from retrying in lock-step. */
    uint32_t x = c->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c->rng = x;
    return d / 2u + x % (d / 2u + 1u);
}

/* Record what the server said about rate limits; returns the wait it asked
 * for in ms, or -1 when it did not say. */
static int64_t note_rate_limits(bl_client_t *c, const bl_http_meta_t *m)
{
    bl_error_info_t *l = &c->last;
    l->ratelimit_limit = m->ratelimit_limit;
    l->ratelimit_remaining = m->ratelimit_remaining;
    l->ratelimit_reset_s = -1;
    if (m->ratelimit_reset >= 0) {
        /* Heron sends seconds; accept an epoch time too when Date says when "now" is. */
        if (m->ratelimit_reset < 1000000000 || m->date_unix < 0) {
            l->ratelimit_reset_s = m->ratelimit_reset;
        } else {
            l->ratelimit_reset_s = m->ratelimit_reset > m->date_unix ? m->ratelimit_reset - m->date_unix : 0;
        }
    }
    /* Absurd waits are capped (a year) before they become milliseconds. */
    const int64_t cap_s = (int64_t)366 * 24 * 3600;
    int64_t wait = -1;
    if (m->retry_after_s >= 0) {
        wait = (m->retry_after_s < cap_s ? m->retry_after_s : cap_s) * 1000;
        l->retry_after_ms = wait;
    } else if (m->status == 429 && l->ratelimit_reset_s >= 0) {
        wait = (l->ratelimit_reset_s < cap_s ? l->ratelimit_reset_s : cap_s) * 1000;
    }
    if (wait >= 0 && (m->status == 429 || m->status == 503)) {
        c->rate_limited = true;
        c->limited_until_ms = now_ms(c) + (uint32_t)(wait > 0x7FFFFFFF ? 0x7FFFFFFF : wait);
    }
    return wait;
}

static bool status_retryable(int status, bl_retry_policy_t policy)
{
    if (status == 429 || status == 503) {
        return true; /* the server refused before doing anything */
    }
    return policy == BL_RETRY_IDEMPOTENT && (status == 502 || status == 504);
}

static bl_status_t execute(bl_client_t *client, const bl_call_t *call, bl_response_t *resp);

bl_status_t bl_client_execute(bl_client_t *client, const bl_call_t *call, bl_response_t *resp)
{
    bl_status_t st = execute(client, call, resp);
    if (call->secret_response) {
        /* Moving the body down over the headers leaves copies of its bytes
         * behind it, and a failed read leaves whatever arrived: none of it
         * may stay. The body itself is for the decoder, which wipes what
         * it takes. */
        uint8_t *buf = client->cfg.buf;
        size_t keep = st == BL_OK ? resp->len + 1u : 0u;
        if (keep < client->cfg.buf_size) {
            bl_secure_zero(buf + keep, client->cfg.buf_size - keep);
        }
    }
    return st;
}

static bl_status_t execute(bl_client_t *client, const bl_call_t *call, bl_response_t *resp)
{
    bl_client_t *c = client;
    bl_client_clear_last(c);
    c->rate_limited = false;
    resp->status = 0;
    resp->body = NULL;
    resp->len = 0;
    uint32_t start = now_ms(c);
    bl_http_reader_t *r = &c->reader;
    for (uint32_t n = 0;; n++) {
        c->last.attempts = n + 1u;
        bl_phase_t phase;
        bool streamed = false;
        bl_status_t st = attempt(c, call, start, r, &phase, &streamed);
        int64_t wait = -1;
        bool retry;
        if (st == BL_OK) {
            wait = note_rate_limits(c, &r->meta);
            retry = status_retryable(r->meta.status, call->retry);
        } else if (phase == PHASE_CONNECT) {
            retry = st == BL_ERR_CONNECT || st == BL_ERR_RESOLVE || st == BL_ERR_TIMEOUT;
        } else if (phase == PHASE_SEND) {
            retry = true;
        } else if (phase == PHASE_RECV) {
            if (call->retry == BL_RETRY_UNPROCESSED) {
                /* It went out and may have been acted on: never replay. */
                log_str(c, BL_LOG_INFO, "request sent but no complete answer: outcome unknown");
                return bl_client_fail(c, BL_ERR_OUTCOME_UNKNOWN);
            }
            retry = true;
        } else {
            return bl_client_fail(c, st);
        }
        if (retry && n < c->cfg.max_retries) {
            uint32_t delay = wait >= 0 ? (uint32_t)(wait > BL_RETRY_AFTER_MAX_MS ? BL_RETRY_AFTER_MAX_MS + 1u : wait)
                                       : backoff_ms(c, n + 1u);
            uint32_t left = remaining(c, start);
            /* Sleeping past the deadline or past what we agreed to honour
             * would only fail later: hand the figure to the caller now. */
            if (delay <= BL_RETRY_AFTER_MAX_MS && delay < left) {
                log_num(c, "retrying in ", delay, " ms");
                if (delay > 0u) {
                    c->cfg.clock->sleep_ms(c->cfg.clock->ctx, delay);
                }
                continue;
            }
            log_num(c, "not retrying: wait of ", delay, " ms does not fit the deadline");
        }
        if (st != BL_OK) {
            return bl_client_fail(c, st);
        }
        break;
    }
    resp->status = r->meta.status;
    resp->body = bl_http_reader_body(r, &resp->len);
    if (logging(c) && resp->len > 0u && !streaming(call)) {
        if (call->secret_response) {
            log_num(c, "response body withheld from the log (", resp->len, " bytes, holds credentials)");
        } else {
            log_text(c, BL_LOG_RX, resp->body, resp->len);
        }
    }
    c->last.status = BL_OK;
    return BL_OK;
}
