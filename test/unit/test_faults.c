/*
 * Fault injection at every byte offset, for every call.
 *
 * Each call has recorded responses (realistic headers; Content-Length,
 * chunked, interim-100 and close-delimited framings, built from the seeds
 * and specs). A fault transport plays one back and, on the receive side,
 * injects at EVERY byte offset k of it: connection closed, timeout, error,
 * or one-byte reads from k on; on the send side, at EVERY offset j of the
 * request: a short write, an error, a timeout. Faults are either
 * persistent (every connection fails the same way) or transient (only the
 * first one does; retries meet a healthy server).
 *
 * Documented status of each case (R = max_retries = 2):
 *
 *   no fault, one-byte reads from k, short write at j, one-byte writes
 *       -> BL_OK, the decoded answer is right, the request on the wire is
 *          byte-identical to the fault-free one.
 *   send error at j (request incomplete), persistent
 *       -> BL_ERR_SEND after R+1 attempts; never BL_ERR_OUTCOME_UNKNOWN,
 *          no complete request ever reached the server.
 *   send error at j, transient -> BL_OK after 2 attempts, one complete request.
 *   send timeout at j (deadline gone) -> BL_ERR_TIMEOUT, no complete request.
 *   connect refused, persistent -> BL_ERR_CONNECT; transient -> BL_OK.
 *   close / error at k < end of response:
 *       non-idempotent (exchange-token, create-link, refresh-link)
 *           -> BL_ERR_OUTCOME_UNKNOWN after exactly one complete request
 *              (never a replay, never BL_OK).
 *       idempotent, persistent -> BL_ERR_RECV after R+1 attempts.
 *       idempotent, transient  -> BL_OK after 2 attempts.
 *       lists, once body bytes reached the streaming decoder
 *           -> BL_ERR_RECV after 1 attempt (a retry would deliver twice).
 *       close-delimited body (no Content-Length, not chunked), close inside
 *           the body -> HTTP cannot tell; the truncated JSON gives BL_ERR_JSON.
 *   timeout at k (the transport waited the whole time it was given)
 *       -> BL_ERR_TIMEOUT (idempotent) or BL_ERR_OUTCOME_UNKNOWN.
 *
 * Every framing is swept twice: with a 4 KiB buffer and 160 tokens, then
 * in the tightest buffer and token array the fault-free call fits in
 * (found by search), placed right against the guard that follows it.
 *
 * After every case: the status is the expected one and is also in
 * client.last.status; guard bytes around the work buffer, the token array,
 * the auth store, the cursor buffer, the outputs and the client are
 * untouched (they are also ASan-poisoned during the call, so a read is
 * caught too); the fake clock never passed the deadline; the work buffer
 * and everything the log hook received contain no secret (API key, bearer
 * token, client secret, access tokens, exchangeable token).
 *
 * BL_FAULTS_STRIDE=n in the environment tests every n-th offset only (for
 * slow runs such as valgrind); the default is every offset.
 * BL_FAULTS_VERBOSE=1 prints every failed check, not only the first few.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "banklink.h"

#if defined(__SANITIZE_ADDRESS__)
#define FT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FT_ASAN 1
#endif
#endif
#ifdef FT_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) __asan_poison_memory_region((p), (n))
#define UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* ------------------------------------------------------------ secrets */

#define API_KEY "hrn_live_SECRETKEY_9f8e7d6c5b4a"
#define PLAID_TOKEN "access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6"
#define ASSET_TOKEN "assets-sandbox-SECRET-6f2b1c0e"
#define BEARER "mk_bearer_SECRET_0a1b2c3d4e5f6a7b"
#define CLIENT_ID "mk_client_4711"
#define CLIENT_SECRET "mk_csecret_SECRET+/=&x"
#define CLIENT_SECRET_ENC "mk_csecret_SECRET%2B%2F%3D%26x"
#define ISSUED "eyJhbGciOiJIUzI1NiJ9.ISSUED_SECRET_TOKEN.c2lnbmF0dXJl"
#define EXCHANGEABLE "c7318ff7-257c-490e-8242-03a815b223b7"

static const char *const secrets[] = {
    API_KEY, PLAID_TOKEN, ASSET_TOKEN, BEARER, "mk_csecret_SECRET", CLIENT_SECRET_ENC, ISSUED, EXCHANGEABLE,
};
#define N_SECRETS (sizeof secrets / sizeof secrets[0])

#define ITEM_ID "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op"
#define HERON_ID "itg_3fa85f64-5717-4562-b3fc-2c963f66afa6"
#define END_USER "8d18511d-9d6e-4731-b135-260950ddad0c"
#define MK_LINK "mk_eqkWN34UEoa2NxyALG8pcV"
#define CURSOR_IN "eyJvZmZzZXQiOjB9"
#define CURSOR_OUT "eyJvZmZzZXQiOjJ9"

/* Does needle occur in hay[0..n)? */
static bool has(const void *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    const char *h = hay;
    for (size_t i = 0; k <= n && i + k <= n; i++) {
        const char *p = memchr(h + i, needle[0], n - k - i + 1u);
        if (p == NULL) {
            return false;
        }
        i = (size_t)(p - h);
        if (memcmp(p, needle, k) == 0) {
            return true;
        }
    }
    return false;
}

/* ---------------------------------------------------------- responses */

static const char heron_update_body[] =
    "{\n\"integration_link\": {\n\"created\": \"2020-01-01T00:00:00Z\",\n"
    "\"item_id\": \"M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op\",\n"
    "\"last_successful_sync\": \"2020-01-01T00:00:00Z\",\n\"last_updated\": \"2020-01-01T00:00:00Z\",\n"
    "\"status\": \"active\",\n"
    "\"status_message\": \"[ITEM_LOGIN_REQUIRED] the login details of this item have changed (credentials, MFA, or "
    "required user action) and a user login is required to update this information. use Link's update mode to "
    "restore the item to a good state\",\n\"type\": \"plaid_assets_report\"\n}\n}";

static const char heron_create_body[] =
    "{\"link\": {\"created\": \"2024-05-01T10:00:00Z\", \"data_source_heron_id\": \"dsr_7Hq2LmN9\", "
    "\"item_id\": \"M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op\", \"last_successful_sync\": null, "
    "\"last_updated\": \"2024-05-01T10:00:00Z\", \"status\": \"pending\", \"type\": \"plaid_assets_report\"}}";

static const char heron_refresh_body[] =
    "{\"link\": {\"created\": \"2020-01-01T00:00:00Z\", \"item_id\": \"M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op\", "
    "\"last_successful_sync\": \"2024-05-01T09:00:00Z\", \"last_updated\": \"2024-05-01T10:00:00Z\", "
    "\"status\": \"syncing\", \"status_message\": null, \"type\": \"plaid_integration\"}}";

#define HERON_LIST_ITEM(n)                                                                                             \
    "{\"created\": \"2020-01-01T00:00:00Z\", \"item_id\": \"item-" #n "\", "                                         \
    "\"last_successful_sync\": \"2020-01-0" #n "T00:00:00Z\", \"last_updated\": \"2020-01-01T00:00:00Z\", "         \
    "\"status\": \"active\", \"status_message\": \"\", \"type\": \"plaid_assets_report\"}"

static const char heron_list_body[] =
    "{\"links\": [" HERON_LIST_ITEM(1) ", " HERON_LIST_ITEM(2) ", " HERON_LIST_ITEM(3) "]}";

static const char mk_token_body[] = "{\"access_token\": \"" ISSUED "\", \"token_type\": \"bearer\", \"expires_in\": 3600}";

#define MK_LINK_JSON                                                                                                   \
    "{\"link_id\": \"mk_eqkWN34UEoa2NxyALG8pcV\", \"institution_id\": \"chase\", \"institution_name\": \"Chase\", "   \
    "\"provider\": \"mx\", \"state\": \"connected\", \"last_synced_at\": \"2023-02-16T09:14:11\", "                   \
    "\"tags\": [\"user_type:admin\"], \"products\": {\"accounts\": {\"refreshed_at\": \"2023-02-16T09:14:11\", "      \
    "\"last_attempted_at\": \"2023-02-16T09:14:11\"}, \"identity\": {\"refreshed_at\": \"2023-02-16T09:14:11\", "     \
    "\"last_attempted_at\": \"2023-02-16T09:14:11\", \"settings\": {\"required\": true, \"prefetch\": false}}}}"

static const char mk_exchange_body[] = "{\n  \"link_id\": \"mk_eqkWN34UEoa2NxyALG8pcV\",\n  \"link\": " MK_LINK_JSON "\n}";
static const char mk_get_body[] = MK_LINK_JSON;
static const char mk_list_body[] =
    "{\"links\": [" MK_LINK_JSON ", " MK_LINK_JSON "], \"next_cursor\": \"" CURSOR_OUT "\"}";

/* How a response is framed. */
enum { FR_LENGTH, FR_CHUNKED, FR_INTERIM, FR_CLOSE, FR_NO_BODY, FR_COUNT };
static const char *const framing_names[] = {"content-length", "chunked", "100+content-length", "close-delimited",
                                            "no-body"};

typedef struct variant {
    int framing;
    char data[8192];
    size_t len;
    size_t head_end;   /* offset of the first byte after the final header block */
    size_t first_body; /* offset of the first decoded body byte */
} variant_t;

static const char common_headers[] =
    "Date: Sat, 22 Nov 2025 14:51:00 GMT\r\nServer: nginx\r\nContent-Type: application/json\r\n"
    "Vary: Accept-Encoding\r\nx-ratelimit-limit: 100\r\nx-ratelimit-remaining: 99\r\nx-ratelimit-reset: 60\r\n";

static void build_variant(variant_t *v, int framing, const char *status_line, const char *body)
{
    size_t blen = strlen(body);
    char *d = v->data;
    size_t cap = sizeof v->data;
    size_t n = 0;
    v->framing = framing;
    if (framing == FR_INTERIM) {
        n += (size_t)snprintf(d + n, cap - n, "HTTP/1.1 100 Continue\r\n\r\n");
    }
    n += (size_t)snprintf(d + n, cap - n, "%s\r\n%s", status_line, common_headers);
    switch (framing) {
    case FR_LENGTH:
    case FR_INTERIM:
        n += (size_t)snprintf(d + n, cap - n, "Content-Length: %zu\r\nConnection: keep-alive\r\n\r\n", blen);
        v->head_end = n;
        v->first_body = n;
        memcpy(d + n, body, blen);
        n += blen;
        break;
    case FR_CHUNKED: {
        n += (size_t)snprintf(d + n, cap - n, "Transfer-Encoding: chunked\r\n\r\n");
        v->head_end = n;
        v->first_body = n;
        size_t off = 0;
        int i = 0;
        while (off < blen) {
            size_t c = blen - off < 97u ? blen - off : 97u;
            n += (size_t)snprintf(d + n, cap - n, i == 0 ? "%zx;ext=\"1\"\r\n" : (i % 2 ? "%zX\r\n" : "%zx\r\n"), c);
            if (i == 0) {
                v->first_body = n;
            }
            memcpy(d + n, body + off, c);
            n += c;
            memcpy(d + n, "\r\n", 2);
            n += 2;
            off += c;
            i++;
        }
        n += (size_t)snprintf(d + n, cap - n, "0\r\nX-Trailer: done\r\n\r\n");
        break;
    }
    case FR_CLOSE:
        n += (size_t)snprintf(d + n, cap - n, "Connection: close\r\n\r\n");
        v->head_end = n;
        v->first_body = n;
        memcpy(d + n, body, blen);
        n += blen;
        break;
    default: /* FR_NO_BODY */
        n += (size_t)snprintf(d + n, cap - n, "\r\n");
        v->head_end = n;
        v->first_body = n;
        break;
    }
    v->len = n;
}

/* ------------------------------------------------------ fault transport */

enum {
    FK_NONE,
    FK_CLOSE,
    FK_ERROR,
    FK_TIMEOUT,
    FK_ONEBYTE,
    FK_SEND_SHORT,
    FK_SEND_ONEBYTE,
    FK_SEND_ERROR,
    FK_SEND_TIMEOUT,
    FK_CONNECT,
    FK_COUNT
};
static const char *const kind_names[] = {"none",       "close",        "error",      "timeout",
                                         "1-byte-read", "short-write", "1-byte-write", "send-error",
                                         "send-timeout", "connect-refused"};

#define REQ_CAP 8192

/*
 * The server side. Requests are told apart by their request line: a
 * `POST /auth/token` is answered with `tv` (when the case has one), any
 * other request with `v`. The fault hits the answer to the targeted kind
 * of request (and, on the send side, single-request cases only).
 */
typedef struct ft {
    const variant_t *v;  /* answer to the call's own request */
    const variant_t *tv; /* answer to a token request, or NULL */
    bool target_token;   /* the fault hits the token answer instead of v */
    int kind;
    size_t at;
    bool transient;
    /* state */
    bool open;
    int connects;
    int connect_attempts;
    const variant_t *cur; /* answer being served, NULL before a whole request */
    bool cur_faulty;      /* the fault applies to it */
    size_t rpos;          /* bytes of it served */
    char req[REQ_CAP];    /* bytes of the current request */
    size_t req_len;
    int complete;      /* complete requests over all connections */
    int exchanges;     /* complete POST /link-session/exchange-token requests */
    int bad_requests;  /* complete requests that differ from the reference */
    const char *ref;   /* reference request (fault-free run), or NULL */
    size_t ref_len;
    char first[REQ_CAP]; /* first complete request of the call's own kind */
    size_t first_len;
    uint32_t now;
} ft_t;

static bool faulty(const ft_t *f)
{
    return !f->transient || f->connects <= 1;
}

static bl_status_t ft_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    ft_t *f = ctx;
    (void)host;
    (void)port;
    (void)timeout_ms;
    f->connect_attempts++;
    if (f->kind == FK_CONNECT && (!f->transient || f->connect_attempts == 1)) {
        return BL_ERR_CONNECT;
    }
    f->connects++;
    f->open = true;
    f->cur = NULL;
    f->rpos = 0;
    f->req_len = 0;
    return BL_OK;
}

/* The request is whole once its head and Content-Length body arrived:
 * then the server starts answering it. */
static void note_request(ft_t *f)
{
    const char *end = NULL;
    for (size_t i = 0; i + 4u <= f->req_len; i++) {
        if (memcmp(f->req + i, "\r\n\r\n", 4) == 0) {
            end = f->req + i + 4;
            break;
        }
    }
    if (end == NULL) {
        return;
    }
    size_t head = (size_t)(end - f->req);
    size_t body = 0;
    for (size_t i = 0; i + 16u <= head; i++) {
        if (memcmp(f->req + i, "Content-Length: ", 16) == 0) {
            body = (size_t)strtoul(f->req + i + 16, NULL, 10);
        }
    }
    size_t n = head + body;
    if (f->req_len < n) {
        return;
    }
    f->complete++;
    bool token = f->tv != NULL && memcmp(f->req, "POST /auth/token ", 17) == 0;
    if (n > 34u && memcmp(f->req, "POST /link-session/exchange-token ", 34) == 0) {
        f->exchanges++;
    }
    if (!token) {
        if (f->ref != NULL && (n != f->ref_len || memcmp(f->req, f->ref, n) != 0)) {
            f->bad_requests++;
        }
        if (f->first_len == 0u) {
            memcpy(f->first, f->req, n);
            f->first_len = n;
        }
    }
    f->cur = token ? f->tv : f->v;
    f->cur_faulty = faulty(f) && token == f->target_token;
    f->rpos = 0;
    /* Pipelined bytes would start the next request. */
    memmove(f->req, f->req + n, f->req_len - n);
    f->req_len -= n;
}

static int32_t ft_send(void *ctx, const uint8_t *data, size_t len, uint32_t timeout_ms)
{
    ft_t *f = ctx;
    if (!f->open) {
        return BL_IO_ERROR;
    }
    size_t n = len;
    if (faulty(f) && f->tv == NULL) {
        switch (f->kind) {
        case FK_SEND_SHORT:
            if (f->req_len < f->at && f->req_len + n > f->at) {
                n = f->at - f->req_len;
            }
            break;
        case FK_SEND_ONEBYTE:
            n = 1;
            break;
        case FK_SEND_ERROR:
        case FK_SEND_TIMEOUT:
            if (f->req_len >= f->at) {
                if (f->kind == FK_SEND_TIMEOUT) {
                    f->now += timeout_ms;
                    return BL_IO_TIMEOUT;
                }
                return BL_IO_ERROR;
            }
            if (f->req_len + n > f->at) {
                n = f->at - f->req_len;
            }
            break;
        default:
            break;
        }
    }
    if (f->req_len + n > REQ_CAP) {
        return BL_IO_ERROR;
    }
    memcpy(f->req + f->req_len, data, n);
    f->req_len += n;
    note_request(f);
    return (int32_t)n;
}

static int32_t ft_recv(void *ctx, uint8_t *data, size_t len, uint32_t timeout_ms)
{
    ft_t *f = ctx;
    if (!f->open) {
        return BL_IO_ERROR;
    }
    if (timeout_ms == 0u) {
        return BL_IO_TIMEOUT; /* idle probe: still open */
    }
    const variant_t *v = f->cur;
    if (v == NULL) {
        f->now += timeout_ms; /* a server answers only a whole request */
        return BL_IO_TIMEOUT;
    }
    size_t end = v->len;
    bool recv_fault = f->kind >= FK_CLOSE && f->kind <= FK_ONEBYTE && f->cur_faulty;
    if (recv_fault && f->rpos >= f->at) {
        switch (f->kind) {
        case FK_CLOSE:
            return BL_IO_CLOSED;
        case FK_ERROR:
            return BL_IO_ERROR;
        case FK_TIMEOUT:
            f->now += timeout_ms;
            return BL_IO_TIMEOUT;
        default: /* one byte at a time from here */
            end = f->rpos + 1u < v->len ? f->rpos + 1u : v->len;
            break;
        }
    } else if (recv_fault) {
        end = f->at;
    }
    if (f->rpos >= v->len) {
        if (v->framing == FR_CLOSE || v->framing == FR_NO_BODY) {
            return BL_IO_CLOSED; /* the close that ends the body */
        }
        f->now += timeout_ms; /* a keep-alive server waits for the next request */
        return BL_IO_TIMEOUT;
    }
    size_t n = end - f->rpos;
    if (n > len) {
        n = len;
    }
    memcpy(data, v->data + f->rpos, n);
    f->rpos += n;
    return (int32_t)n;
}

static void ft_close(void *ctx)
{
    ft_t *f = ctx;
    f->open = false;
}

static int32_t ft_raw(void *ctx)
{
    (void)ctx;
    return 104;
}

static uint32_t ft_now(void *ctx)
{
    return ((ft_t *)ctx)->now;
}

static void ft_sleep(void *ctx, uint32_t ms)
{
    ((ft_t *)ctx)->now += ms;
}

/* ------------------------------------------------------- guarded memory */

#define BUF_CAP 4096u
#define TOK_N 160u
#define GUARD_WORDS 8u
#define CANARY 0xA5u

typedef struct list_seen {
    int count;
    bool bad;
} list_seen_t;

/* Everything the caller owns, each piece between guard words. */
typedef struct arena {
    uint64_t g0[GUARD_WORDS];
    uint8_t buf[BUF_CAP];
    uint64_t g1[GUARD_WORDS];
    bl_json_token_t tokens[TOK_N];
    uint64_t g2[GUARD_WORDS];
    bl_moneykit_auth_t auth;
    uint64_t g3[GUARD_WORDS];
    bl_moneykit_list_t list;
    uint64_t g4[GUARD_WORDS];
    bl_heron_link_t heron;
    uint64_t g5[GUARD_WORDS];
    bl_moneykit_exchange_t exchange;
    uint64_t g6[GUARD_WORDS];
    bl_moneykit_link_t link;
    uint64_t g7[GUARD_WORDS];
    bl_client_t client;
    uint64_t g8[GUARD_WORDS];
    list_seen_t seen;
} arena_t;

#define ARENA_GUARDS(a)                                                                                                \
    {                                                                                                                  \
        (a)->g0, (a)->g1, (a)->g2, (a)->g3, (a)->g4, (a)->g5, (a)->g6, (a)->g7, (a)->g8                                \
    }
#define N_GUARDS 9

/* Work buffer and token array the client gets: all of the arena's, or a
 * tight fit placed against the guard that follows (the unused part before
 * it is guarded too), so an overrun by one byte or one token is caught. */
static size_t use_buf = BUF_CAP;
static size_t use_tok = TOK_N;

static void guards_arm(arena_t *a)
{
    uint64_t *g[N_GUARDS] = ARENA_GUARDS(a);
    for (int i = 0; i < N_GUARDS; i++) {
        memset(g[i], CANARY, sizeof a->g0);
        POISON(g[i], sizeof a->g0);
    }
    /* The parts of the buffer and the token array left out of a tight fit. */
    memset(a->buf, CANARY, BUF_CAP - use_buf);
    POISON(a->buf, BUF_CAP - use_buf);
    memset(a->tokens, CANARY, (TOK_N - use_tok) * sizeof a->tokens[0]);
    POISON(a->tokens, (TOK_N - use_tok) * sizeof a->tokens[0]);
}

/* Unpoison; true when every guard byte is intact. */
static bool guards_ok(arena_t *a)
{
    uint64_t *g[N_GUARDS] = ARENA_GUARDS(a);
    bool ok = true;
    for (int i = 0; i < N_GUARDS; i++) {
        UNPOISON(g[i], sizeof a->g0);
        const uint8_t *p = (const uint8_t *)g[i];
        for (size_t j = 0; j < sizeof a->g0; j++) {
            if (p[j] != CANARY) {
                ok = false;
            }
        }
    }
    UNPOISON(a->buf, BUF_CAP - use_buf);
    UNPOISON(a->tokens, (TOK_N - use_tok) * sizeof a->tokens[0]);
    for (size_t j = 0; j < BUF_CAP - use_buf; j++) {
        ok = ok && a->buf[j] == CANARY;
    }
    const uint8_t *tp = (const uint8_t *)a->tokens;
    for (size_t j = 0; j < (TOK_N - use_tok) * sizeof a->tokens[0]; j++) {
        ok = ok && tp[j] == CANARY;
    }
    return ok;
}

/* ------------------------------------------------------------- the log */

#define LOG_CAP (256u * 1024u)
static char log_text[LOG_CAP];
static size_t log_len;

static void log_hook(void *ctx, bl_log_kind_t kind, const char *text, size_t len)
{
    (void)ctx;
    (void)kind;
    if (len > LOG_CAP - log_len) {
        len = LOG_CAP - log_len;
    }
    memcpy(log_text + log_len, text, len);
    log_len += len;
}

/* ---------------------------------------------------------------- calls */

/* The call is an exchange; a token is fetched first (credentials, no
 * token); the fault hits that token answer rather than the call's own. */
enum { CF_EXCHANGE = 1, CF_TOKEN_FIRST = 2, CF_TARGET_TOKEN = 4 };

typedef struct call_def call_def_t;
struct call_def {
    const char *name;
    bool idempotent;
    bool stream;
    bool credentials; /* MoneyKit auth from client credentials (token call) */
    bool moneykit;
    int flags;        /* CF_* */
    bl_status_t (*run)(arena_t *a);
    bool (*verify)(const arena_t *a);
    const char *status_line;
    const char *body; /* NULL: no body */
    int framings[FR_COUNT];
    size_t framing_count;
};

static bool str_is(const bl_str_t *s, const char *want)
{
    return s->presence == BL_PRESENT && s->ptr != NULL && strcmp(s->ptr, want) == 0 && s->len == strlen(want);
}

static bl_status_t run_heron_update(arena_t *a)
{
    return bl_heron_update_link(&a->client, API_KEY, ITEM_ID, PLAID_TOKEN, &a->heron);
}

static bool verify_heron_update(const arena_t *a)
{
    const bl_heron_link_t *l = &a->heron;
    return str_is(&l->item_id, ITEM_ID) && l->status == BL_HERON_LINK_ACTIVE && l->created.unix_s == 1577836800 &&
           l->status_message.presence == BL_PRESENT && strncmp(l->status_message.ptr, "[ITEM_LOGIN_REQUIRED] ", 22) == 0 &&
           strcmp(l->status_message.ptr + l->status_message.len - 11u, "good state.") != 0 &&
           has(l->status_message.ptr, l->status_message.len, "restore the item to a good state") &&
           str_is(&l->type, "plaid_assets_report");
}

static bl_status_t run_heron_create(arena_t *a)
{
    bl_heron_new_link_t nl = {ITEM_ID, END_USER, PLAID_TOKEN, "Acme Corp", ASSET_TOKEN};
    return bl_heron_create_link(&a->client, API_KEY, HERON_ID, &nl, &a->heron);
}

static bool verify_heron_create(const arena_t *a)
{
    const bl_heron_link_t *l = &a->heron;
    return str_is(&l->item_id, ITEM_ID) && l->status == BL_HERON_LINK_PENDING &&
           str_is(&l->data_source_heron_id, "dsr_7Hq2LmN9") && l->last_successful_sync.presence == BL_NULL;
}

static bl_status_t run_heron_refresh(arena_t *a)
{
    return bl_heron_refresh_link(&a->client, API_KEY, HERON_ID, ITEM_ID, &a->heron);
}

static bool verify_heron_refresh(const arena_t *a)
{
    const bl_heron_link_t *l = &a->heron;
    return str_is(&l->item_id, ITEM_ID) && l->status == BL_HERON_LINK_SYNCING &&
           l->status_message.presence == BL_NULL && str_is(&l->type, "plaid_integration");
}

static bl_status_t run_heron_delete(arena_t *a)
{
    return bl_heron_delete_links(&a->client, API_KEY, HERON_ID, END_USER);
}

static bool verify_nothing(const arena_t *a)
{
    (void)a;
    return true;
}

static bl_status_t on_heron_link(void *ctx, const bl_heron_link_t *link)
{
    list_seen_t *s = ctx;
    char want[32];
    s->count++;
    snprintf(want, sizeof want, "item-%d", s->count);
    if (!str_is(&link->item_id, want) || link->status != BL_HERON_LINK_ACTIVE ||
        link->last_successful_sync.unix_s != 1577836800 + (s->count - 1) * 86400) {
        s->bad = true;
    }
    return BL_OK;
}

static bl_status_t run_heron_list(arena_t *a)
{
    size_t n = 99;
    bl_status_t st = bl_heron_list_links(&a->client, API_KEY, END_USER, on_heron_link, &a->seen, &n);
    if (n != (size_t)a->seen.count) {
        a->seen.bad = true;
    }
    return st;
}

static bl_status_t run_heron_list_int(arena_t *a)
{
    size_t n = 99;
    bl_status_t st = bl_heron_list_integration_links(&a->client, API_KEY, HERON_ID, END_USER, on_heron_link,
                                                     &a->seen, &n);
    if (n != (size_t)a->seen.count) {
        a->seen.bad = true;
    }
    return st;
}

static bool verify_list3(const arena_t *a)
{
    return a->seen.count == 3 && !a->seen.bad;
}

static bl_status_t run_mk_token(arena_t *a)
{
    return bl_moneykit_fetch_token(&a->client, &a->auth);
}

static bool verify_mk_token(const arena_t *a)
{
    return strcmp(bl_moneykit_auth_token(&a->auth), ISSUED) == 0 && a->auth.expires_in_s == 3600 &&
           a->auth.has_expiry && str_is(&a->auth.token_type, "bearer");
}

static bool link_ok(const bl_moneykit_link_t *l)
{
    return str_is(&l->link_id, MK_LINK) && str_is(&l->institution_id, "chase") && l->state == BL_MONEYKIT_LINK_CONNECTED &&
           l->tags.count == 1u && strcmp(l->tags.first, "user_type:admin") == 0 &&
           l->last_synced_at.unix_s == 1676538851 && l->products.identity.settings.required.value;
}

static bl_status_t run_mk_exchange(arena_t *a)
{
    return bl_moneykit_exchange_token(&a->client, &a->auth, EXCHANGEABLE, &a->exchange);
}

static bool verify_mk_exchange(const arena_t *a)
{
    return str_is(&a->exchange.link_id, MK_LINK) && link_ok(&a->exchange.link);
}

/* token_type is left out: it is a view into the work buffer, which the
 * exchange itself then reuses (see the report). */
static bool verify_mk_exchange_fetched(const arena_t *a)
{
    return verify_mk_exchange(a) && strcmp(bl_moneykit_auth_token(&a->auth), ISSUED) == 0 &&
           a->auth.expires_in_s == 3600;
}

static bl_status_t run_mk_get(arena_t *a)
{
    return bl_moneykit_get_link(&a->client, &a->auth, MK_LINK, &a->link);
}

static bool verify_mk_get(const arena_t *a)
{
    return link_ok(&a->link);
}

static bl_status_t run_mk_delete(arena_t *a)
{
    return bl_moneykit_delete_link(&a->client, &a->auth, MK_LINK);
}

static bl_status_t on_mk_link(void *ctx, const bl_moneykit_link_t *link)
{
    list_seen_t *s = ctx;
    s->count++;
    if (!link_ok(link)) {
        s->bad = true;
    }
    return BL_OK;
}

static bl_status_t run_mk_list(arena_t *a)
{
    bl_moneykit_list_init(&a->list, 2, on_mk_link, &a->seen);
    strcpy(a->list.cursor, CURSOR_IN);
    bl_status_t st = bl_moneykit_list_links(&a->client, &a->auth, &a->list);
    if (a->list.count != (size_t)a->seen.count) {
        a->seen.bad = true;
    }
    /* On failure the cursor stays, so the same page can be asked again. */
    if (st != BL_OK && strcmp(a->list.cursor, CURSOR_IN) != 0) {
        a->seen.bad = true;
    }
    return st;
}

static bool verify_mk_list(const arena_t *a)
{
    return a->seen.count == 2 && !a->seen.bad && strcmp(a->list.cursor, CURSOR_OUT) == 0;
}

#define BODY_FRAMINGS {FR_LENGTH, FR_CHUNKED, FR_CLOSE}, 3
#define POST_FRAMINGS {FR_LENGTH, FR_CHUNKED, FR_INTERIM, FR_CLOSE}, 4
#define EMPTY_FRAMINGS {FR_NO_BODY, FR_LENGTH, FR_CHUNKED}, 3

static const call_def_t calls[] = {
    {"heron update-link", true, false, false, false, 0, run_heron_update, verify_heron_update, "HTTP/1.1 200 OK",
     heron_update_body, BODY_FRAMINGS},
    {"heron create-link", false, false, false, false, 0, run_heron_create, verify_heron_create, "HTTP/1.1 201 CREATED",
     heron_create_body, POST_FRAMINGS},
    {"heron refresh-link", false, false, false, false, 0, run_heron_refresh, verify_heron_refresh, "HTTP/1.1 200 OK",
     heron_refresh_body, POST_FRAMINGS},
    {"heron delete-links", true, false, false, false, 0, run_heron_delete, verify_nothing, "HTTP/1.1 204 NO CONTENT",
     NULL, {FR_NO_BODY}, 1},
    {"heron list-links", true, true, false, false, 0, run_heron_list, verify_list3, "HTTP/1.1 200 OK", heron_list_body,
     BODY_FRAMINGS},
    {"heron list-integration-links", true, true, false, false, 0, run_heron_list_int, verify_list3, "HTTP/1.1 200 OK",
     heron_list_body, BODY_FRAMINGS},
    {"moneykit token", true, false, true, true, 0, run_mk_token, verify_mk_token, "HTTP/1.1 201 Created", mk_token_body,
     POST_FRAMINGS},
    {"moneykit exchange-token", false, false, false, true, CF_EXCHANGE, run_mk_exchange, verify_mk_exchange,
     "HTTP/1.1 201 Created", mk_exchange_body, POST_FRAMINGS},
    {"moneykit get-link", true, false, false, true, 0, run_mk_get, verify_mk_get, "HTTP/1.1 200 OK", mk_get_body,
     BODY_FRAMINGS},
    {"moneykit delete-link", true, false, false, true, 0, run_mk_delete, verify_nothing, "HTTP/1.1 200 OK", "",
     EMPTY_FRAMINGS},
    {"moneykit list-links", true, true, false, true, 0, run_mk_list, verify_mk_list, "HTTP/1.1 200 OK", mk_list_body,
     BODY_FRAMINGS},
    {"moneykit exchange-token, token fetched first", false, false, true, true, CF_EXCHANGE | CF_TOKEN_FIRST,
     run_mk_exchange, verify_mk_exchange_fetched, "HTTP/1.1 201 Created", mk_exchange_body, POST_FRAMINGS},
    {"moneykit exchange-token, its token fetch faulted", false, false, true, true,
     CF_EXCHANGE | CF_TOKEN_FIRST | CF_TARGET_TOKEN, run_mk_exchange, verify_mk_exchange_fetched,
     "HTTP/1.1 201 Created", mk_token_body, POST_FRAMINGS},
};
#define N_CALLS (sizeof calls / sizeof calls[0])

/* ------------------------------------------------------------ expectations */

#define RETRIES 2u
#define DEADLINE_MS 15000u

typedef struct expect {
    bl_status_t st;
    int attempts; /* attempts the client reports */
    int complete; /* complete requests the server saw */
    int exchanges; /* of them, exchange-token requests */
} expect_t;

static expect_t expected_single(bool idempotent, bool stream, const variant_t *v, int kind, size_t at,
                                bool transient)
{
    const int all = (int)RETRIES + 1;
    expect_t ok = {BL_OK, 1, 1, 0};
    switch (kind) {
    case FK_NONE:
    case FK_ONEBYTE:
    case FK_SEND_SHORT:
    case FK_SEND_ONEBYTE:
        return ok;
    case FK_SEND_ERROR:
    case FK_CONNECT: {
        expect_t e = {kind == FK_SEND_ERROR ? BL_ERR_SEND : BL_ERR_CONNECT, all, 0, 0};
        expect_t again = {BL_OK, 2, 1, 0};
        return transient ? again : e;
    }
    case FK_SEND_TIMEOUT: {
        expect_t e = {BL_ERR_TIMEOUT, 1, 0, 0};
        return e;
    }
    default:
        break;
    }
    /* Receive faults at offset `at` < v->len. */
    if (v->framing == FR_CLOSE && kind == FK_CLOSE && at >= v->head_end) {
        expect_t e = {BL_ERR_JSON, 1, 1, 0}; /* close ends the body: the JSON is cut */
        return e;
    }
    if (!idempotent) {
        expect_t e = {BL_ERR_OUTCOME_UNKNOWN, 1, 1, 0};
        return e;
    }
    if (kind == FK_TIMEOUT) {
        expect_t e = {BL_ERR_TIMEOUT, 1, 1, 0};
        return e;
    }
    if (stream && at > v->first_body) {
        expect_t e = {BL_ERR_RECV, 1, 1, 0};
        return e;
    }
    if (transient) {
        expect_t e = {BL_OK, 2, 2, 0};
        return e;
    }
    expect_t e = {BL_ERR_RECV, all, all, 0};
    return e;
}

static expect_t expected(const call_def_t *c, const variant_t *v, int kind, size_t at, bool transient)
{
    if ((c->flags & CF_TARGET_TOKEN) != 0) {
        /* The token call is idempotent; the exchange goes out only after it
         * succeeded, and then once. */
        expect_t e = expected_single(true, false, v, kind, at, transient);
        if (e.st == BL_OK) {
            e.attempts = 1;
            e.complete += 1;
            e.exchanges = 1;
        }
        return e;
    }
    expect_t e = expected_single(c->idempotent, c->stream, v, kind, at, transient);
    if ((c->flags & CF_EXCHANGE) != 0) {
        e.exchanges = e.complete;
    }
    if ((c->flags & CF_TOKEN_FIRST) != 0) {
        e.complete += 1;
    }
    return e;
}

/* ------------------------------------------------------------- the sweep */

static unsigned long total_cases;
static unsigned long total_failures;
static unsigned long failures_by_check[8];
static const char *const check_names[] = {"status",        "attempts", "complete requests", "exchange replayed",
                                          "guard bytes",   "decoded answer", "secret in work buffer",
                                          "secret in log / clock past deadline / wire bytes"};
static size_t stride = 1;
static bool verbose;

static void report(const call_def_t *c, const variant_t *v, int kind, size_t at, bool transient, int check,
                   const char *detail)
{
    total_failures++;
    failures_by_check[check]++;
    if (verbose || failures_by_check[check] <= 6u) {
        size_t ctx0 = at > 12u ? at - 12u : 0u;
        size_t ctxn = v->len - ctx0 < 24u ? v->len - ctx0 : 24u;
        printf("FAIL [%s] %s / %s / %s%s at %zu (near \"", check_names[check], c->name, framing_names[v->framing],
               kind_names[kind], transient ? " (transient)" : "", at);
        for (size_t i = 0; i < ctxn; i++) {
            char ch = v->data[ctx0 + i];
            putchar(ch == '\r' ? '~' : ch == '\n' ? '|' : ch);
        }
        printf("\"): %s\n", detail);
    }
}

/* The reference request of a call: what a fault-free run sends. */
typedef struct reference {
    char req[REQ_CAP];
    size_t len;
} reference_t;

static void setup(arena_t *a, ft_t *f, bl_transport_t *t, bl_clock_t *clk, const call_def_t *c)
{
    memset(a, 0, sizeof *a);
    t->connect = ft_connect;
    t->send = ft_send;
    t->recv = ft_recv;
    t->close = ft_close;
    t->raw_error = ft_raw;
    t->ctx = f;
    clk->now_ms = ft_now;
    clk->sleep_ms = ft_sleep;
    clk->ctx = f;
    bl_client_config_t cfg;
    bl_client_config_init(&cfg);
    cfg.transport = t;
    cfg.clock = clk;
    cfg.host = c->moneykit ? "api.moneykit.com" : "app.herondata.io";
    cfg.port = 443;
    cfg.buf = a->buf + (BUF_CAP - use_buf);
    cfg.buf_size = use_buf;
    cfg.tokens = a->tokens + (TOK_N - use_tok);
    cfg.token_count = use_tok;
    cfg.max_retries = RETRIES;
    cfg.timeout_ms = DEADLINE_MS;
    cfg.jitter_seed = 7;
    cfg.log = log_hook;
    bl_status_t st = bl_client_init(&a->client, &cfg);
    assert_int_equal(st, BL_OK);
    if (c->moneykit) {
        bl_moneykit_auth_init(&a->auth, c->credentials ? CLIENT_ID : NULL, c->credentials ? CLIENT_SECRET : NULL);
        if (!c->credentials) {
            st = bl_moneykit_auth_set_token(&a->auth, BEARER);
            assert_int_equal(st, BL_OK);
        }
    }
}

/* One case; returns the number of failed checks. */
static const variant_t *other_v; /* the answer that is not faulted, in two-request cases */

static bool probing; /* run_case only says whether the call succeeded */

static int run_case(const call_def_t *c, const variant_t *v, int kind, size_t at, bool transient, reference_t *ref)
{
    static arena_t *a;
    static ft_t f;
    if (a == NULL) {
        a = malloc(sizeof *a);
        assert_non_null(a);
    }
    bl_transport_t t;
    bl_clock_t clk;
    memset(&f, 0, sizeof f);
    f.v = v;
    if ((c->flags & CF_TARGET_TOKEN) != 0) {
        f.v = other_v;
        f.tv = v;
        f.target_token = true;
    } else if ((c->flags & CF_TOKEN_FIRST) != 0) {
        f.tv = other_v;
    }
    f.kind = kind;
    f.at = at;
    f.transient = transient;
    f.now = 5000;
    if (ref != NULL && ref->len > 0u) {
        f.ref = ref->req;
        f.ref_len = ref->len;
    }
    setup(a, &f, &t, &clk, c);
    log_len = 0;
    guards_arm(a);
    uint32_t start = f.now;
    bl_status_t st = c->run(a);
    bool guards = guards_ok(a);
    if (probing) {
        if (!guards) {
            report(c, v, kind, at, transient, 4, "a guard byte changed while looking for the tightest fit");
        }
        return st == BL_OK && guards && c->verify(a) ? 0 : 1;
    }
    total_cases++;

    expect_t e = expected(c, v, kind, at, transient);
    int fails = 0;
    char msg[160];
#define CHECK(cond, check, ...)                                                                                        \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            snprintf(msg, sizeof msg, __VA_ARGS__);                                                                    \
            report(c, v, kind, at, transient, check, msg);                                                             \
            fails++;                                                                                                   \
        }                                                                                                              \
    } while (0)
    CHECK(st == e.st, 0, "got %s, expected %s", bl_status_str(st), bl_status_str(e.st));
    CHECK(a->client.last.status == st, 0, "client.last.status %s != returned %s", bl_status_str(a->client.last.status),
          bl_status_str(st));
    CHECK((int)a->client.last.attempts == e.attempts, 1, "attempts %u, expected %d", a->client.last.attempts,
          e.attempts);
    CHECK(f.complete == e.complete, 2, "%d complete requests, expected %d", f.complete, e.complete);
    CHECK(f.exchanges == e.exchanges, 3, "exchange-token sent %d times, expected %d", f.exchanges, e.exchanges);
    CHECK(guards, 4, "a guard byte around a caller buffer changed");
    if (st == BL_OK) {
        CHECK(c->verify(a), 5, "BL_OK but the decoded answer is wrong");
    }
    CHECK(!a->seen.bad, 5, "a list delivered a wrong or repeated link, or moved the cursor on failure");
    for (size_t i = 0; i < N_SECRETS; i++) {
        CHECK(!has(a->buf, BUF_CAP, secrets[i]), 6, "work buffer holds \"%s\" after %s", secrets[i],
              bl_status_str(st));
        CHECK(!has(log_text, log_len, secrets[i]), 7, "log received \"%s\"", secrets[i]);
    }
    CHECK(f.now - start <= DEADLINE_MS, 7, "fake clock %u ms past the start (deadline %u)", f.now - start,
          DEADLINE_MS);
    CHECK(f.bad_requests == 0, 7, "a request on the wire differs from the fault-free one");
#undef CHECK
    if (ref != NULL && ref->len == 0u && f.first_len > 0u) {
        memcpy(ref->req, f.first, f.first_len);
        ref->len = f.first_len;
    }
    return fails;
}

/* The smallest token array (even count) and work buffer (multiple of 8,
 * at least 256) in which the fault-free call succeeds. */
static void find_tight(const call_def_t *c, const variant_t *v)
{
    probing = true;
    size_t lo = 2, hi = TOK_N;
    while (lo < hi) {
        use_tok = (lo + hi) / 2u & ~(size_t)1u;
        if (use_tok < lo) {
            use_tok = lo;
        }
        if (run_case(c, v, FK_NONE, 0, false, NULL) == 0) {
            hi = use_tok;
        } else {
            lo = use_tok + 2u;
        }
    }
    use_tok = hi;
    lo = 256;
    hi = BUF_CAP;
    while (lo < hi) {
        use_buf = (lo + hi) / 2u & ~(size_t)7u;
        if (use_buf < lo) {
            use_buf = lo;
        }
        if (run_case(c, v, FK_NONE, 0, false, NULL) == 0) {
            hi = use_buf;
        } else {
            lo = use_buf + 8u;
        }
    }
    use_buf = hi;
    probing = false;
    if (verbose) {
        printf("  %s / %s: tight fit %zu-byte buffer, %zu tokens\n", c->name, framing_names[v->framing], use_buf,
               use_tok);
    }
}

static size_t sweep_call(const call_def_t *c)
{
    static variant_t v;
    static variant_t other;
    static reference_t ref;
    unsigned long before = total_cases;
    unsigned long failed_before = total_failures;
    bool two = (c->flags & CF_TOKEN_FIRST) != 0;
    if (two) {
        bool tt = (c->flags & CF_TARGET_TOKEN) != 0;
        build_variant(&other, FR_LENGTH, "HTTP/1.1 201 Created", tt ? mk_exchange_body : mk_token_body);
        other_v = &other;
    }
    for (size_t fi = 0; fi < c->framing_count; fi++) {
        build_variant(&v, c->framings[fi], c->status_line, c->body != NULL ? c->body : "");
        /* First with room to spare, then in the tightest buffer and token
         * array the fault-free call fits in. */
        for (int tight = 0; tight < 2; tight++) {
            use_buf = BUF_CAP;
            use_tok = TOK_N;
            if (tight) {
                find_tight(c, &v);
            }
            ref.len = 0;
            run_case(c, &v, FK_NONE, 0, false, &ref);
            assert_true(ref.len > 0u);
            for (size_t k = 0; k < v.len; k += stride) {
                run_case(c, &v, FK_CLOSE, k, false, &ref);
                run_case(c, &v, FK_CLOSE, k, true, &ref);
                run_case(c, &v, FK_ERROR, k, false, &ref);
                run_case(c, &v, FK_ERROR, k, true, &ref);
                run_case(c, &v, FK_TIMEOUT, k, false, &ref);
                run_case(c, &v, FK_ONEBYTE, k, false, &ref);
            }
            if (fi == 0u && !two) {
                /* The request is the same whatever the answer's framing. */
                for (size_t j = 0; j < ref.len; j += stride) {
                    if (j > 0u) {
                        run_case(c, &v, FK_SEND_SHORT, j, false, &ref);
                    }
                    run_case(c, &v, FK_SEND_ERROR, j, false, &ref);
                    run_case(c, &v, FK_SEND_ERROR, j, true, &ref);
                    run_case(c, &v, FK_SEND_TIMEOUT, j, false, &ref);
                }
                run_case(c, &v, FK_SEND_ONEBYTE, 0, false, &ref);
                run_case(c, &v, FK_CONNECT, 0, false, &ref);
                run_case(c, &v, FK_CONNECT, 0, true, &ref);
            }
        }
        use_buf = BUF_CAP;
        use_tok = TOK_N;
    }
    printf("%s: %lu fault cases, %lu failed checks\n", c->name, total_cases - before, total_failures - failed_before);
    return (size_t)(total_failures - failed_before);
}

static void faults_all_calls(void **state)
{
    (void)state;
    const char *s = getenv("BL_FAULTS_STRIDE");
    if (s != NULL && atoi(s) > 0) {
        stride = (size_t)atoi(s);
    }
    verbose = getenv("BL_FAULTS_VERBOSE") != NULL;
    size_t failed = 0;
    for (size_t i = 0; i < N_CALLS; i++) {
        failed += sweep_call(&calls[i]);
    }
    printf("fault-injection cases run: %lu (offset stride %zu), failed checks: %lu\n", total_cases, stride,
           total_failures);
    for (size_t i = 0; i < sizeof failures_by_check / sizeof failures_by_check[0]; i++) {
        if (failures_by_check[i] != 0u) {
            printf("  %lu x %s\n", failures_by_check[i], check_names[i]);
        }
    }
    assert_int_equal(failed, 0);
}


/* ------------------------------------------ connect and clock faults */

/* A client over the fault transport with its own settings. */
static bl_status_t update_with(ft_t *f, const variant_t *v, uint32_t retries, uint32_t timeout_ms, bool raw_error)
{
    static arena_t a;
    bl_transport_t t;
    bl_clock_t clk;
    memset(f, 0, sizeof *f);
    f->v = v;
    f->now = 5000;
    setup(&a, f, &t, &clk, &calls[0]);
    if (!raw_error) {
        t.raw_error = NULL;
    }
    a.client.cfg.max_retries = retries;
    a.client.cfg.timeout_ms = timeout_ms;
    a.client.cfg.log = NULL;
    bl_status_t st = bl_heron_update_link(&a.client, API_KEY, ITEM_ID, PLAID_TOKEN, &a.heron);
    assert_int_equal(a.client.last.status, st);
    total_cases++;
    return st;
}

static bl_status_t connect_fail_with;
static int connect_fails_left;
static int clock_jump;

static bl_status_t ft_connect_status(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    if (connect_fails_left > 0) {
        connect_fails_left--;
        ((ft_t *)ctx)->connect_attempts++;
        return connect_fail_with;
    }
    return ft_connect(ctx, host, port, timeout_ms);
}

static uint32_t ft_now_jumping(void *ctx)
{
    ft_t *f = ctx;
    f->now += (uint32_t)clock_jump;
    return f->now;
}

static void connect_and_clock_faults(void **state)
{
    (void)state;
    static variant_t v;
    build_variant(&v, FR_LENGTH, calls[0].status_line, calls[0].body);
    static ft_t f;
    static arena_t a;
    bl_transport_t t;
    bl_clock_t clk;
    /* What connect may answer: network failures are retried (nothing was
     * sent), a TLS verdict is not (it would only fail the same way). */
    static const struct {
        bl_status_t st;
        bool retried;
    } kinds[] = {{BL_ERR_CONNECT, true},        {BL_ERR_RESOLVE, true},  {BL_ERR_TIMEOUT, true},
                 {BL_ERR_TLS_HANDSHAKE, false}, {BL_ERR_TLS_CERT, false}, {BL_ERR_TLS_PIN, false}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        for (int transient = 0; transient < 2; transient++) {
            memset(&f, 0, sizeof f);
            f.v = &v;
            f.now = 5000;
            setup(&a, &f, &t, &clk, &calls[0]);
            t.connect = ft_connect_status;
            connect_fail_with = kinds[i].st;
            connect_fails_left = transient ? 1 : 100;
            bl_status_t st = bl_heron_update_link(&a.client, API_KEY, ITEM_ID, PLAID_TOKEN, &a.heron);
            total_cases++;
            bl_status_t want = transient && kinds[i].retried ? BL_OK : kinds[i].st;
            if (st != want || f.complete != (want == BL_OK ? 1 : 0)) {
                fail_msg("connect answers %s (%s): got %s after %d connects, %d requests", bl_status_str(kinds[i].st),
                         transient ? "once" : "always", bl_status_str(st), f.connect_attempts, f.complete);
            }
            assert_int_equal(a.client.last.transport_code, 104);
        }
    }
    /* Many retries: the back-off doubles up to its cap and no further. */
    memset(&f, 0, sizeof f);
    f.v = &v;
    f.now = 5000;
    setup(&a, &f, &t, &clk, &calls[0]);
    t.connect = ft_connect_status;
    connect_fail_with = BL_ERR_CONNECT;
    connect_fails_left = 100;
    a.client.cfg.max_retries = 12;
    a.client.cfg.timeout_ms = 600000;
    a.client.cfg.log = NULL;
    assert_int_equal(bl_heron_update_link(&a.client, API_KEY, ITEM_ID, PLAID_TOKEN, &a.heron), BL_ERR_CONNECT);
    assert_int_equal(a.client.last.attempts, 13);
    assert_true(f.now - 5000u <= 12u * BL_BACKOFF_MAX_MS);
    assert_true(f.now - 5000u >= 5u * BL_BACKOFF_MAX_MS / 2u); /* the last ones waited at least half the cap */
    total_cases++;
    /* A clock that leaps past the deadline between two readings: the call
     * ends with BL_ERR_TIMEOUT before connecting, nothing sent. */
    memset(&f, 0, sizeof f);
    f.v = &v;
    f.now = 5000;
    setup(&a, &f, &t, &clk, &calls[0]);
    clk.now_ms = ft_now_jumping;
    clock_jump = 20000;
    assert_int_equal(bl_heron_update_link(&a.client, API_KEY, ITEM_ID, PLAID_TOKEN, &a.heron), BL_ERR_TIMEOUT);
    assert_int_equal(f.connects, 0);
    assert_int_equal(f.complete, 0);
    total_cases++;
    /* A transport without raw_error(): failures still end right, code 0. */
    memset(&f, 0, sizeof f);
    assert_int_equal(update_with(&f, &v, 2, DEADLINE_MS, false), BL_OK);
    build_variant(&v, FR_LENGTH, calls[0].status_line, calls[0].body);
    memset(&f, 0, sizeof f);
    f.kind = FK_ERROR;
    {
        bl_transport_t t2;
        bl_clock_t c2;
        setup(&a, &f, &t2, &c2, &calls[0]);
        f.v = &v;
        f.kind = FK_ERROR;
        f.at = 10;
        f.now = 5000;
        t2.raw_error = NULL;
        assert_int_equal(bl_heron_update_link(&a.client, API_KEY, ITEM_ID, PLAID_TOKEN, &a.heron), BL_ERR_RECV);
        assert_int_equal(a.client.last.transport_code, 0);
        total_cases++;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(faults_all_calls),
        cmocka_unit_test(connect_and_clock_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
